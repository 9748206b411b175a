"""prove / consistency / check through the command line: the issue's "done when" scenario, checked
in a separate process with no store, and the tamper scenarios (restored backup, rewritten ledger,
tampered disclosure)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.integrity.proof_text import ConsistencyProof, parse_disclosure
from residentlog.integrity.signing import parse_vkey
from residentlog.ledger import merkle
from residentlog.ledger.store import Store
from tests.conftest import copy_example

ROOT = Path(__file__).resolve().parents[2]


def run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`residentlog check` in its own process, as on another machine: the store it would use is
    an empty folder, which must stay empty."""
    nowhere = tmp_path / "no-store-here"
    nowhere.mkdir(exist_ok=True)
    env = dict(os.environ, RESIDENTLOG_STORE=str(nowhere), XDG_DATA_HOME=str(tmp_path / "xdg-elsewhere"))
    env.pop("RESIDENTLOG_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "residentlog", "check", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert list(nowhere.iterdir()) == []
    assert not (tmp_path / "xdg-elsewhere").exists()
    return result


def change_byte(path: Path, at: int, to: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    to.write_bytes(bytes(data))
    return to


@dataclass
class Built:
    cp1: Path
    disclosure: Path
    consistency: Path


@pytest.fixture
def built(runner: CliRunner, tmp_path: Path) -> Built:
    """A small ledger through the CLI: checkpoint, more entries and a correction, then the proofs."""
    photo = tmp_path / "lift.jpg"
    photo.write_bytes(b"\xff\xd8 lift 2, doors open between floors")
    assert run(runner, "init", "--name", "Sam Resident").exit_code == 0
    run(
        runner,
        "add",
        "lift",
        "Lift 2 stuck between floors",
        "--when",
        "3 March 2020 14:00",
        "--attach",
        str(photo),
    )
    for i in range(2, 6):
        run(runner, "add", "door", f"Front door not locking ({i})", "--when", f"{i} March 2020")
    cp1 = tmp_path / "checkpoint-letter-1.txt"
    r = run(runner, "checkpoint", "--to", "Example Housing", "-o", str(cp1))
    assert r.exit_code == 0 and "Wrote" in r.stderr
    for i in range(6, 9):
        run(runner, "add", "note", f"Note {i}")
    assert (
        run(
            runner, "amend", "1", "--reason", "it was 2 hours", "--summary", "Lift 2 stuck for 2 hours"
        ).exit_code
        == 0
    )
    disclosure = tmp_path / "disclosure.txt"
    r = run(runner, "prove", "1", "4", "--attachments", "--to", "Ombudsman", "-o", str(disclosure))
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(
        f"Wrote {disclosure}: entries 1, 4 (3 records) proven against the checkpoint of 9"
    )
    consistency = tmp_path / "consistency.txt"
    r = run(runner, "consistency", str(cp1), "-o", str(consistency))
    assert r.exit_code == 0, r.output
    return Built(cp1, disclosure, consistency)


def test_done_when_on_a_small_ledger(built: Built, tmp_path: Path) -> None:
    r = check(tmp_path, str(built.disclosure), str(built.consistency))
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert out.startswith(f"OK: {built.disclosure} (disclosure)\n")
    assert "  Entry 1 (lift, Tue 3 Mar 2020 14:00 GMT): 'Lift 2 stuck between floors' — record 1" in out
    assert "Correction of entry 1 (record 9" in out and "Entry 4 (door, Wed 4 Mar 2020)" in out
    assert "Attachment 'lift.jpg' (36 bytes): included, matches its record" in out
    assert "Not proven: when the events happened" in out
    assert f"OK: {built.consistency} (consistency proof)" in out
    assert "starts with exactly the 5 records of the old checkpoint" in out
    # the held checkpoint, checked with the key from the other files, matches the proof's
    r = check(tmp_path, str(built.cp1), str(built.consistency), str(built.disclosure))
    assert r.returncode == 0, r.stdout
    assert f"is the same in: {built.consistency}, {built.cp1}" in r.stdout or (
        f"is the same in: {built.cp1}, {built.consistency}" in r.stdout
    )
    r = check(tmp_path, "--json", str(built.disclosure))
    data = json.loads(r.stdout)
    assert data["ok"] and [e["record"] for e in data["files"][0]["entries"]] == [1, 9, 4]


def test_one_changed_byte_is_rejected(built: Built, tmp_path: Path) -> None:
    disclosure, consistency = built.disclosure.read_bytes(), built.consistency.read_bytes()
    spots = {
        built.disclosure: [
            disclosure.index(b"\nextra ") + 60,  # the record
            disclosure.index(b"\nindex ") + 7,  # the index
            disclosure.index(b"\n\nresidentlog/") - 5,  # an inclusion proof hash
            disclosure.index(b"\n\nresidentlog/") + 20,  # the checkpoint
            disclosure.index("\u2014".encode()) + 60,  # the signature
            len(disclosure) - 5,  # the attachment
        ],
        built.consistency: [
            consistency.index(b"\nkey ") + 70,  # the key
            consistency.index(b"\nold ") - 10,  # the old checkpoint's signature
            consistency.index(b"\nold ") + 5,  # the old size
            consistency.index(b"\nold ") + 12,  # a proof hash
            len(consistency) - 10,  # the new checkpoint's signature
        ],
    }
    for source, places in spots.items():
        for at in places:
            changed = change_byte(source, at, tmp_path / f"changed-{source.name}")
            r = check(tmp_path, str(changed))
            assert r.returncode == 1, (source.name, at, r.stdout)
            assert r.stdout.startswith(f"FAILED: {changed} ("), r.stdout
    # a changed first line makes it a file check does not know: unreadable, exit 2
    r = check(tmp_path, str(change_byte(built.disclosure, 3, tmp_path / "header.txt")))
    assert r.returncode == 2 and r.stdout.startswith("UNREADABLE: ")


def test_check_exit_codes_and_key(built: Built, tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_text("not a proof\n", encoding="utf-8")
    r = check(tmp_path, str(tmp_path / "junk.txt"))
    assert r.returncode == 2 and r.stdout.startswith("UNREADABLE: ")
    r = check(tmp_path, str(tmp_path / "missing.txt"))
    assert r.returncode == 2
    key = built.disclosure.read_text(encoding="utf-8").split("\n")[1][4:]
    assert check(tmp_path, "--key", key, str(built.disclosure), str(built.cp1)).returncode == 0
    other = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    r = check(tmp_path, "--key", other, str(built.disclosure))
    assert r.returncode == 1 and "not the key you gave" in r.stdout
    # a bare checkpoint alone has no key to check with: well-formed, its signature not checked
    r = check(tmp_path, str(built.cp1))
    assert r.returncode == 0, r.stdout
    assert r.stdout.startswith(
        f"OK (format only): {built.cp1} (checkpoint): signature not checked: no key given "
        "(pass --key or a file that names it)\n"
    )
    assert "malformed" not in r.stdout
    data = json.loads(check(tmp_path, "--json", str(built.cp1)).stdout)
    assert data["ok"] and data["files"][0]["signature_checked"] is False
    # with a key that is not this ledger's, it fails
    r = check(tmp_path, "--key", other, str(built.cp1))
    assert r.returncode == 1 and "the key you gave (--key PeterNeumann+c74f20a3) is not its key" in r.stdout


def test_check_refuses_a_huge_file_before_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:  # sparse: 800 MB that take no disk space
        f.write(b"residentlog-disclosure@v2\n")
        f.truncate(800_000_000)
    r = check(tmp_path, str(huge))
    assert r.returncode == 2
    assert r.stdout == (
        f"UNREADABLE: {huge} (file): too large: 800,000,000 bytes, over the 64 MiB limit (not read)\n"
    )
    # and checking it used no more memory than a small file does
    import resource

    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 400_000  # KiB
    r = check(tmp_path, "/dev/zero")
    assert r.returncode == 2 and r.stdout == "UNREADABLE: /dev/zero (file): not a regular file\n"


def test_checkpoints_of_different_sizes_with_nothing_linking_them(
    runner: CliRunner, built: Built, tmp_path: Path
) -> None:
    later = tmp_path / "checkpoint-letter-2.txt"
    assert run(runner, "add", "note", "Note 10").exit_code == 0
    assert run(runner, "checkpoint", "-o", str(later)).exit_code == 0
    origin = built.cp1.read_text(encoding="utf-8").split("\n")[0]
    note = (
        f"Not shown: that the checkpoint of 10 records of {origin} extends the one of 5 records (no "
        "consistency proof among these files links them; ask for `residentlog consistency` from the older "
        "one)"
    )
    r = check(tmp_path, str(built.cp1), str(later), str(built.disclosure))
    assert r.returncode == 0, r.stdout
    assert note in r.stdout.splitlines()
    assert "extends the one of 9 records" in r.stdout and "of 9 records of" in r.stdout
    # a consistency proof 5 -> 9 and a disclosure at 9 link those two; 10 is still apart
    r = check(tmp_path, str(built.cp1), str(built.consistency), str(built.disclosure))
    assert r.returncode == 0 and "Not shown" not in r.stdout, r.stdout
    r = check(tmp_path, str(built.cp1), str(built.consistency), str(later))
    lines = [line for line in r.stdout.splitlines() if line.startswith("Not shown")]
    assert lines == [
        f"Not shown: that the checkpoint of 10 records of {origin} extends the one of {n} records (no "
        "consistency proof among these files links them; ask for `residentlog consistency` from the older "
        "one)"
        for n in (5, 9)
    ]
    key = built.disclosure.read_text(encoding="utf-8").split("\n")[1][4:]
    data = json.loads(check(tmp_path, "--json", "--key", key, str(built.cp1), str(later)).stdout)
    assert data["ok"] and data["notes"] == [note]
    # checkpoints whose signatures were not checked are not compared
    data = json.loads(check(tmp_path, "--json", str(built.cp1), str(later)).stdout)
    assert data["ok"] and data["notes"] == []


def test_prove_against_the_held_checkpoint(runner: CliRunner, built: Built, tmp_path: Path) -> None:
    out = tmp_path / "old.txt"
    r = run(runner, "prove", "1", "--checkpoint", str(built.cp1), "-o", str(out))
    assert r.exit_code == 0
    assert "Note: entry 1 has corrections made after that checkpoint (record 9)" in r.stderr
    assert built.cp1.read_text(encoding="utf-8") in out.read_text(encoding="utf-8")
    assert check(tmp_path, str(out)).returncode == 0
    r = run(runner, "prove", "7", "--checkpoint", str(built.cp1), "-o", str(out), "--force")
    assert r.exit_code == 2 and "entry 7 was added after that checkpoint" in r.stderr
    assert built.cp1.read_text(encoding="utf-8") in out.read_text(encoding="utf-8")  # left as it was


# -- scenarios ------------------------------------------------------------------------------------


def test_restored_old_copy_refuses_to_append_and_fails_verify(
    runner: CliRunner, isolated_store: Path, tmp_path: Path
) -> None:
    run(runner, "init")
    for i in range(3):
        run(runner, "add", "note", f"n{i}")
    with Store.open(isolated_store) as s:
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    backup = tmp_path / "backup"
    shutil.copytree(isolated_store, backup)  # a backup of the whole store, before the letter
    run(runner, "add", "note", "n3")
    assert run(runner, "checkpoint", "--to", "Example Housing").exit_code == 0
    # the database comes back from the backup; the checkpoints folder is today's
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (isolated_store / name).unlink(missing_ok=True)
    shutil.copy2(backup / "ledger.sqlite", isolated_store / "ledger.sqlite")
    r = run(runner, "add", "note", "after the restore")
    assert r.exit_code == 1
    assert r.stderr.startswith(
        "Error: refusing to append: a checkpoint of 4 entries was issued (checkpoints/4-"
    )
    assert len(r.stderr.splitlines()) == 1
    assert run(runner, "amend", "1", "--reason", "x", "--summary", "y").exit_code == 1
    r = run(runner, "verify")
    assert r.exit_code == 1 and "ledger truncated: the checkpoint in checkpoints/4-" in r.stderr
    with Store.open(isolated_store) as s:
        assert s.size() == 3


def _rewrite(store_root: Path, tmp_path: Path, runner: CliRunner) -> None:
    """Rewrite the ledger as its owner could: same ledger id, same key, new records, and every
    trace of the checkpoints it issued removed."""
    with Store.open(store_root) as s:
        ledger_id, size = s.ledger_id, s.size()
    forged = tmp_path / "forged"
    with Store.create(forged) as f:
        f.conn.execute("UPDATE meta SET value = ? WHERE key = 'ledger_id'", (ledger_id,))
    with Store.open(forged) as f:
        from residentlog.ledger.add import add_entry

        for i in range(size + 2):
            add_entry(f, {"kind": "note", "summary": f"a different story {i}"}, when_text=None)
        f.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (store_root / name).unlink(missing_ok=True)
    shutil.copy2(forged / "ledger.sqlite", store_root / "ledger.sqlite")
    shutil.rmtree(store_root / "checkpoints")
    r = run(runner, "verify")
    assert r.exit_code == 0, r.output  # on its own, a complete rewrite verifies


def test_rewritten_ledger_against_an_old_checkpoint(
    runner: CliRunner, built: Built, isolated_store: Path, tmp_path: Path
) -> None:
    _rewrite(isolated_store, tmp_path, runner)
    r = run(runner, "verify", "--checkpoint", str(built.cp1))
    assert r.exit_code == 1 and "ledger rewritten" in r.stderr
    r = run(runner, "consistency", str(built.cp1), "-o", str(tmp_path / "c2.txt"))
    assert r.exit_code == 1 and "the ledger no longer matches that checkpoint" in r.stderr
    r = run(runner, "prove", "1", "--checkpoint", str(built.cp1), "-o", str(tmp_path / "d2.txt"))
    assert r.exit_code == 1 and "rewritten" in r.stderr
    assert not (tmp_path / "c2.txt").exists() and not (tmp_path / "d2.txt").exists()
    # Forge the proof by hand: the old letter's checkpoint, a new signed checkpoint of the
    # rewritten ledger, and the best consistency proof the rewritten ledger can give.
    new_note = run(runner, "checkpoint").stdout
    with Store.open(isolated_store) as s:
        leaves = list(s.leaf_hashes())
    old_note = built.cp1.read_text(encoding="utf-8")
    old_size = int(old_note.split("\n")[1])
    vkey = parse_vkey((isolated_store / "keys" / "ed25519.vkey").read_text().strip()).vkey
    path = tuple(merkle.consistency_proof(leaves, old_size))
    forged = tmp_path / "forged-consistency.txt"
    forged.write_text(ConsistencyProof(vkey, old_note, old_size, path, new_note).text(), encoding="utf-8")
    r = check(tmp_path, str(forged))
    assert r.returncode == 1 and "the ledger was rewritten, or the file was altered" in r.stdout
    # and the honest new checkpoint next to the old letter's shows nothing in common
    assert check(tmp_path, str(built.cp1), str(built.consistency)).returncode == 0


def test_tampered_disclosures(built: Built, tmp_path: Path) -> None:
    text = built.disclosure.read_text(encoding="utf-8")
    disc = parse_disclosure(text)
    first = disc.proofs[0]
    record = json.loads(first.extra or b"")
    cases: dict[str, str] = {}
    # the summary edited, the record re-encoded (a valid, canonical record, just not the one hashed)
    record["summary"] = "Lift 2 fine"
    edited = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    cases["edited record"] = text.replace(
        base64.b64encode(first.extra or b"").decode(), base64.b64encode(edited).decode()
    )
    # two records swapped between proofs
    a, b = (base64.b64encode(p.extra or b"").decode() for p in disc.proofs[:2])
    cases["swapped records"] = text.replace(a, "@@").replace(b, a).replace("@@", b)
    # a proof hash dropped
    h = base64.b64encode(first.path[0]).decode()
    cases["dropped hash"] = text.replace(h + "\n", "", 1)
    # an attachment swapped for other bytes under the same name
    _, data = disc.attachments[0]
    cases["other photo"] = text.replace(
        base64.b64encode(data).decode(), base64.b64encode(b"a nicer photo").decode()
    )
    # a file slipped in that no disclosed record cites
    other = b"an extra document"
    cases["uncited file"] = (
        text + f"\nattachment {merkle.leaf_hash(other).hex()} {base64.b64encode(other).decode()}\n"
    )
    for name, changed in cases.items():
        assert changed != text, name
        path = tmp_path / f"{name.replace(' ', '-')}.txt"
        path.write_text(changed, encoding="utf-8")
        r = check(tmp_path, str(path))
        assert r.returncode == 1, (name, r.stdout)
        assert r.stdout.startswith(f"FAILED: {path} (disclosure): "), name


# -- the example ledger (examples/build-example-ledger.sh), as the "done when" says ------


def test_done_when_on_the_example_ledger(tmp_path: Path, example_ledger: Path) -> None:
    store = copy_example(example_ledger, tmp_path / "store")
    env = dict(os.environ, TMPDIR=str(tmp_path), RESIDENTLOG_STORE=str(store))
    env.pop("RESIDENTLOG_DEBUG", None)

    def rl(*args: str) -> subprocess.CompletedProcess[str]:
        r = subprocess.run(
            [sys.executable, "-m", "residentlog", *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert r.returncode == 0, r.stderr
        return r

    letter = tmp_path / "letter-checkpoint.txt"
    letter.write_text(rl("checkpoint", "--to", "Example Housing Association").stdout, encoding="utf-8")
    rl("add", "lift", "Lift 2 out of service again", "--case", "lift-2", "--out-of-service")
    rl("add", "note", "Chased the landlord by phone")
    rl("prove", "12", "40", "-o", str(tmp_path / "entries.txt"))
    rl("consistency", str(letter), "-o", str(tmp_path / "since-letter.txt"))
    elsewhere = tmp_path / "caseworker"
    elsewhere.mkdir()
    for name in ("entries.txt", "since-letter.txt"):
        shutil.copy2(tmp_path / name, elsewhere / name)
    r = check(elsewhere, "entries.txt", "since-letter.txt")
    assert r.returncode == 0, r.stdout
    assert "Entry 12 (" in r.stdout and "Entry 40 (" in r.stdout
    assert "starts with exactly the 72 records of the old checkpoint" in r.stdout
    for name in ("entries.txt", "since-letter.txt"):
        size = (elsewhere / name).stat().st_size
        changed = change_byte(elsewhere / name, size // 2, elsewhere / f"changed-{name}")
        assert check(elsewhere, changed.name).returncode == 1, name
    with sqlite3.connect(store / "ledger.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] >= 3


# -- docs/verify-by-hand.md stays true -------------------------------------------------------------


def _blocks(lang: str) -> list[str]:
    text = (ROOT / "docs" / "verify-by-hand.md").read_text(encoding="utf-8")
    parts = text.split(f"```{lang}\n")[1:]
    return [part.split("```", 1)[0] for part in parts]


def test_verify_by_hand_python(built: Built, tmp_path: Path) -> None:
    disclosure_py, consistency_py = _blocks("python")
    (tmp_path / "d.py").write_text(disclosure_py, encoding="utf-8")
    (tmp_path / "c.py").write_text(consistency_py, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "d.py", str(built.disclosure)], cwd=tmp_path, capture_output=True, text=True
    )
    assert r.returncode == 0 and r.stdout.splitlines() == [
        f"OK   record {n} of 9 in {built.cp1.read_text().splitlines()[0]}: {summary}"
        for n, summary in (
            (1, "Lift 2 stuck between floors"),
            (9, "Lift 2 stuck for 2 hours"),
            (4, "Front door not locking (4)"),
        )
    ], r.stdout + r.stderr
    r = subprocess.run(
        [sys.executable, "c.py", str(built.consistency)], cwd=tmp_path, capture_output=True, text=True
    )
    assert r.stdout == "OK 9 records extend the first 5\n", r.stderr
    # a changed proof hash: the by-hand check fails too
    text = built.consistency.read_text(encoding="utf-8")
    line = text.split("\nold 5\n")[1].split("\n")[0]
    other = base64.b64encode(merkle.leaf_hash(line.encode())).decode()
    (tmp_path / "bad.txt").write_text(text.replace(line, other), encoding="utf-8")
    r = subprocess.run([sys.executable, "c.py", "bad.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert "OK" not in r.stdout and r.returncode == 1
    # a disclosure cut short after its second record: the by-hand check says so
    text = built.disclosure.read_text(encoding="utf-8")
    cut = text[: text.rindex("c2sp.org/tlog-proof@v1", 0, text.index("\nindex 3\n")) - 1]
    (tmp_path / "cut.txt").write_text(cut, encoding="utf-8")
    r = subprocess.run([sys.executable, "d.py", "cut.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1 and r.stdout.splitlines()[0] == (
        "FAIL the file says records 3 but holds 2 (it was cut short)"
    ), r.stdout + r.stderr
    assert check(tmp_path, "cut.txt").returncode == 1


@pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("sh") is None, reason="needs sh and openssl"
)
def test_verify_by_hand_shell(built: Built, tmp_path: Path) -> None:
    version = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout
    if not version.startswith("OpenSSL 3"):
        pytest.skip("needs OpenSSL 3 (pkeyutl -rawin)")
    split, record, signature, attachment = _blocks("sh")
    work = tmp_path / "by-hand"
    work.mkdir()
    # another signature line (a witness's, say) before the ledger's: the recipe must find the right one
    text = built.disclosure.read_text(encoding="utf-8")
    ours = next(line for line in text.split("\n") if line.startswith("\u2014 "))
    name = ours.split(" ")[1]
    witness = f"\u2014 {name} " + base64.b64encode(bytes(4) + bytes(range(64))).decode()
    (work / "disclosure.txt").write_text(text.replace(ours, f"{witness}\n{ours}", 1), encoding="utf-8")
    assert check(work, "disclosure.txt").returncode == 0
    script = "set -e\n" + split + record + signature + attachment
    r = subprocess.run(
        ["sh", "-c", script], cwd=work, capture_output=True, text=True, env={"PATH": os.environ["PATH"]}
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    leaf = merkle.leaf_hash((work / "record.json").read_bytes()).hex()
    assert f"{leaf}  -" in out
    keyid = (work / "block-1.txt").read_text().split("+")[1]
    assert f"\n{keyid}\n" in out
    assert "Signature Verified Successfully" in out
    assert (work / "attachment.bin").read_bytes() == b"\xff\xd8 lift 2, doors open between floors"


def test_small_files_named_on_the_command_line_are_size_checked(built: Built, tmp_path: Path) -> None:
    big = tmp_path / "key.txt"
    with big.open("wb") as f:
        f.truncate(2 << 20)
    r = check(tmp_path, "--key", str(big), str(built.disclosure))
    assert r.returncode == 2
    assert f"{big}: too large: 2,097,152 bytes, over the 1 MiB limit (not read)" in r.stderr
