"""Export and import: a round trip rebuilds the same ledger; every unsafe or tampered export is
refused, with the target left exactly as it was and nothing written anywhere else."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import stat
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.errors import InputError, VerificationFailed
from residentlog.integrity.verify import verify_store
from residentlog.ledger import merkle
from residentlog.ledger.store import Store
from residentlog.transfer.exporter import export_store
from residentlog.transfer.format import Limits
from residentlog.transfer.importer import import_store
from tests.support_transfer import patch_claimed_size, read_zip, relist, run, write_zip


@pytest.fixture
def populated(runner: CliRunner, isolated_store: Path, tmp_path: Path) -> Path:
    """A store with entries, a correction, attachments (one cited twice), a signed checkpoint
    given to someone, a later entry, a profile and an adopted-policy file."""
    photo = tmp_path / "lift photo é.jpg"
    photo.write_bytes(b"\xff\xd8\xff fake jpeg")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(os.urandom(3000))
    assert run(runner, "init", "--name", "Sam Resident", "--landlord", "Example Housing").exit_code == 0
    assert (
        run(
            runner, "add", "lift", "Lift 2 stuck", "--attach", str(photo), "--when", "3 March 2020 14:00"
        ).exit_code
        == 0
    )
    assert run(runner, "add", "contact", "Phoned the landlord", "--attach", str(letter)).exit_code == 0
    assert (
        run(runner, "amend", "1", "--reason", "more detail", "--details", "Two people trapped").exit_code == 0
    )
    assert run(runner, "checkpoint", "--to", "Example Housing").exit_code == 0
    assert run(runner, "add", "note", "Later note", "--attach", str(photo)).exit_code == 0
    (isolated_store / "policies").mkdir()
    (isolated_store / "policies" / "my-landlord-2024.toml").write_text('id = "my-landlord"\n')
    return isolated_store


def ledger_rows(root: Path) -> list[tuple[int, bytes, bytes]]:
    with Store.open(root) as s:
        return [(seq, bytes(data), bytes(leaf)) for seq, data, leaf in s.iter_ledger()]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


def export_zip(runner: CliRunner, dest: Path) -> Path:
    r = run(runner, "export", str(dest))
    assert r.exit_code == 0, r.output
    return dest


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["export.zip", "export-folder"])
def test_round_trip_rebuilds_the_same_ledger(
    runner: CliRunner, populated: Path, tmp_path: Path, form: str
) -> None:
    dest = export_zip(runner, tmp_path / form)
    new = tmp_path / "new-store"
    r = run(runner, "import", str(dest), "--store", str(new))
    assert r.exit_code == 0, r.output
    assert "Imported 4 ledger records" in r.stdout
    old_vkey = (populated / "keys" / "ed25519.vkey").read_text().strip()
    new_vkey = (new / "keys" / "ed25519.vkey").read_text().strip()
    assert new_vkey != old_vkey
    assert r.stdout.splitlines()[-2:] == [
        f"New signing key (a private key never travels in an export): {new_vkey}",
        f"Checkpoints given out before were signed by the old key: {old_vkey}",
    ]

    assert ledger_rows(new) == ledger_rows(populated)  # byte-identical ledger
    with Store.open(populated) as old_s, Store.open(new) as new_s:
        assert new_s.ledger_id == old_s.ledger_id
        old_report, new_report = verify_store(old_s), verify_store(new_s)
        assert new_report.ok, new_report.findings
        assert (
            (new_report.size, new_report.root) == (old_report.size, old_report.root) == (4, new_report.root)
        )
        # rows, notes, recipients; imported ones are not marked verified by this store, so the
        # new store's first verify parses every record
        assert [
            replace(row, verified=True) for row in new_s.issued_checkpoints()
        ] == old_s.issued_checkpoints()
        assert [row.verified for row in new_s.issued_checkpoints()] == [False]
        assert (new_report.anchor, new_report.search_index_checked) == (0, True)
        assert new_s.issued_checkpoints()[0].recipient == "Example Housing"
    originals = {k: v for k, v in snapshot(populated / "objects").items() if k != "tmp"}
    assert snapshot(new / "objects") == originals  # every attachment, nothing else
    assert snapshot(new / "checkpoints") == snapshot(populated / "checkpoints")
    assert (new / "profile.json").read_bytes() == (populated / "profile.json").read_bytes()
    assert (new / "policies" / "my-landlord-2024.toml").read_bytes() == b'id = "my-landlord"\n'
    # The public key comes along (for reference); the private key never does.
    assert (new / "keys" / "imported" / "ed25519.vkey").read_bytes() == (
        populated / "keys" / "ed25519.vkey"
    ).read_bytes()
    # the new store's private key is its own, made by the import, never the exported store's
    assert (new / "keys" / "ed25519.pem").read_bytes() != (populated / "keys" / "ed25519.pem").read_bytes()
    assert not list(tmp_path.glob(".*importing"))

    # The new store works: verify, add, and a new checkpoint (with its own new key).
    assert run(runner, "--store", str(new), "verify").exit_code == 0
    assert run(runner, "--store", str(new), "add", "note", "after the move").exit_code == 0
    assert run(runner, "--store", str(new), "checkpoint").exit_code == 0
    assert run(runner, "--store", str(new), "verify").exit_code == 0


def test_export_never_holds_the_private_key_and_is_documented(
    runner: CliRunner, populated: Path, tmp_path: Path
) -> None:
    private = (populated / "keys" / "ed25519.pem").read_bytes()
    assert b"PRIVATE KEY" in private
    manifest, members = read_zip(export_zip(runner, tmp_path / "e.zip"))
    assert not any(name.endswith(".pem") and name.startswith("keys/") for name in members)
    for data in members.values():
        assert b"PRIVATE" not in data and private not in data
    assert manifest["public_keys"] == ["keys/ed25519.vkey"]
    assert manifest["format"] == "residentlog-export" and manifest["version"] == 1
    assert manifest["size"] == 4 and manifest["origin"] == "residentlog/" + manifest["ledger_id"]
    # Every member but the manifest is listed with its length and SHA-256.
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(members)
    for name, data in members.items():
        assert listed[name] == {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    # records.jsonl: each line is a record's exact canonical bytes, as docs/export.md says.
    lines = members["records.jsonl"].split(b"\n")
    assert lines[-1] == b"" and len(lines) == 5
    assert [data for _seq, data, _leaf in ledger_rows(populated)] == lines[:-1]
    leaves = [hashlib.sha256(b"\x00" + line).digest() for line in lines[:-1]]
    assert base64.b64encode(merkle.root(leaves)).decode() == manifest["root"]
    text = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text()
    for needle in (
        "manifest.json",
        "records.jsonl",
        "objects/",
        "checkpoints/",
        "timestamps/",
        "profile.json",
    ):
        assert needle in text


def test_the_hand_check_in_the_docs_passes_on_an_export(
    runner: CliRunner, populated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/export.md §6, run as written in an exported folder, with only json and hashlib."""
    import re

    folder = export_zip(runner, tmp_path / "folder")
    docs = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text()
    [snippet] = re.findall(r"```python\n(.*?)```", docs, re.S)
    monkeypatch.chdir(folder)
    exec(compile(snippet, "docs/export.md", "exec"), {})
    # ... and it notices a changed record.
    data = (folder / "records.jsonl").read_bytes()
    (folder / "records.jsonl").write_bytes(data.replace(b"Later note", b"Later lies"))
    with pytest.raises(AssertionError):
        exec(compile(snippet, "docs/export.md", "exec"), {})


def test_export_of_an_empty_store_round_trips(runner: CliRunner, tmp_path: Path) -> None:
    assert run(runner, "init").exit_code == 0
    dest = export_zip(runner, tmp_path / "empty.zip")
    assert run(runner, "import", str(dest), "--store", str(tmp_path / "n")).exit_code == 0
    with Store.open(tmp_path / "n") as s:
        assert s.size() == 0


def test_import_takes_the_global_store_option_and_an_empty_folder(
    runner: CliRunner, populated: Path, tmp_path: Path
) -> None:
    dest = export_zip(runner, tmp_path / "e.zip")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run(runner, "--store", str(empty), "import", str(dest), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["verified"] is True and data["size"] == 4 and data["path"] == str(empty)
    assert Store.exists(empty)


def test_import_defaults_to_the_store_location(
    runner: CliRunner, populated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = export_zip(runner, tmp_path / "e.zip")
    monkeypatch.setenv("RESIDENTLOG_STORE", str(tmp_path / "fresh"))
    assert run(runner, "import", str(dest)).exit_code == 0
    assert ledger_rows(tmp_path / "fresh") == ledger_rows(populated)


# -- export refusals ------------------------------------------------------------------------------


def test_export_refuses_existing_or_unsuitable_destinations(
    runner: CliRunner, populated: Path, tmp_path: Path
) -> None:
    (tmp_path / "there.zip").write_bytes(b"keep me")
    r = run(runner, "export", str(tmp_path / "there.zip"))
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert (tmp_path / "there.zip").read_bytes() == b"keep me"
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    assert run(runner, "export", str(full)).exit_code == 2
    assert run(runner, "export", str(populated / "inside")).exit_code == 2
    assert run(runner, "export", str(tmp_path / "no" / "such" / "dir.zip")).exit_code == 2
    assert not list(tmp_path.glob(".*partial"))


def test_export_refuses_a_damaged_ledger(runner: CliRunner, populated: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(populated / "ledger.sqlite")
    conn.execute("DROP TRIGGER ledger_no_update")
    conn.execute(
        "UPDATE ledger SET canonical = CAST(REPLACE(CAST(canonical AS TEXT), 'Lift 2', 'Lift 3') AS BLOB)"
    )
    conn.commit()
    conn.close()
    r = run(runner, "export", str(tmp_path / "e.zip"))
    assert r.exit_code == 1 and "does not verify" in r.stderr
    assert not (tmp_path / "e.zip").exists() and not list(tmp_path.glob(".*partial"))


# -- import refusals: the target is never touched -------------------------------------------------


@pytest.fixture
def good_export(runner: CliRunner, populated: Path, tmp_path: Path) -> tuple[dict, dict[str, bytes]]:
    return read_zip(export_zip(runner, tmp_path / "good.zip"))


def refused(runner: CliRunner, tmp_path: Path, archive: Path, code: int, message: str) -> None:
    target = tmp_path / "target"
    before = snapshot(tmp_path)
    r = run(runner, "import", str(archive), "--store", str(target))
    assert r.exit_code == code, (r.exit_code, r.output)
    assert message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1  # one line
    assert not target.exists()
    assert snapshot(tmp_path) == before  # nothing written anywhere, no temporary folder left


def object_name(manifest: dict) -> str:
    return next(f["path"] for f in manifest["files"] if f["path"].startswith("objects/"))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil", "outside the new store"),
        ("objects/../../evil", "outside the new store"),
        ("/etc/evil", "absolute path"),
        ("C:/evil.txt", "drive letter"),
        ("c:evil.txt", "drive letter"),
        ("..\\evil", "backslash"),
        ("objects/./ab", "'.' path component"),
    ],
)
def test_path_traversal_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]], name: str, message: str
) -> None:
    manifest, members = good_export
    archive = write_zip(tmp_path / "evil.zip", manifest, {**members, name: b"pwned"})
    refused(runner, tmp_path, archive, 2, message)
    assert not (tmp_path.parent / "evil").exists()


def test_symlink_member_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    name = object_name(manifest)
    archive = write_zip(
        tmp_path / "link.zip", manifest, {**members, name: b"/etc/passwd"}, modes={name: 0o120777}
    )
    refused(runner, tmp_path, archive, 2, "symbolic link")


def test_device_member_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    archive = write_zip(
        tmp_path / "fifo.zip", manifest, members, modes={"records.jsonl": stat.S_IFIFO | 0o644}
    )
    refused(runner, tmp_path, archive, 2, "not a regular file")


def test_member_claiming_a_gigabyte_is_refused_before_reading(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    name = object_name(manifest)
    manifest = relist(manifest, members)
    for f in manifest["files"]:
        if f["path"] == name:
            f["size"] = 1 << 30  # the manifest agrees with the lie
    archive = write_zip(tmp_path / "big.zip", manifest, members)
    patch_claimed_size(archive, name, 1 << 30)
    refused(runner, tmp_path, archive, 2, "1.0 GiB (at most 512.0 MiB per file)")


def test_header_size_that_disagrees_with_the_manifest_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    archive = write_zip(tmp_path / "lie.zip", manifest, members)
    patch_claimed_size(archive, "records.jsonl", len(members["records.jsonl"]) + 10)
    refused(runner, tmp_path, archive, 1, "in the archive but")
    patch_claimed_size(archive, "records.jsonl", 100_000_000)  # a big lie is a bomb by its ratio
    refused(runner, tmp_path, archive, 2, "zip bomb")


def test_zip_bomb_is_refused_by_its_compression_ratio(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    bomb = bytes(20 << 20)  # 20 MiB of zeros: deflates about 1000 to 1
    name = "objects/00/" + "0" * 62
    archive = write_zip(
        tmp_path / "bomb.zip", relist(manifest, {**members, name: bomb}), {**members, name: bomb}
    )
    assert archive.stat().st_size < 200_000
    refused(runner, tmp_path, archive, 2, "zip bomb")


def test_total_size_is_capped(runner: CliRunner, populated: Path, tmp_path: Path) -> None:
    big = tmp_path / "video.bin"
    big.write_bytes(os.urandom(3 << 20))
    assert run(runner, "add", "note", "video", "--attach", str(big)).exit_code == 0
    archive = export_zip(runner, tmp_path / "big.zip")
    target = tmp_path / "t"
    r = run(runner, "import", str(archive), "--store", str(target), "--max-total-mb", "2")
    assert r.exit_code == 2 and "more than 2.0 MiB" in r.stderr and not target.exists()
    r = run(runner, "import", str(archive), "--store", str(target), "--max-file-mb", "1")
    assert r.exit_code == 2 and "per file" in r.stderr and not target.exists()
    assert run(runner, "import", str(archive), "--store", str(target)).exit_code == 0


def test_too_many_members_are_refused_before_the_directory_is_read(
    runner: CliRunner, populated: Path, tmp_path: Path
) -> None:
    archive = export_zip(runner, tmp_path / "e.zip")
    with pytest.raises(InputError, match="members"):
        import_store(archive, tmp_path / "t", limits=Limits(max_members=3))
    assert not (tmp_path / "t").exists()


def test_duplicate_member_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    items = [*members.items(), ("records.jsonl", members["records.jsonl"])]
    refused(runner, tmp_path, write_zip(tmp_path / "dup.zip", manifest, items), 2, "twice")


def test_duplicate_manifest_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    items = [*members.items(), ("manifest.json", json.dumps(manifest).encode())]
    refused(runner, tmp_path, write_zip(tmp_path / "dup.zip", manifest, items), 2, "twice")


@pytest.mark.parametrize(
    "name",
    ["evil.sh", "objects/ab/cd", "keys/../x", "records.jsonl.bak", "templates/letter.md.j2", "Profile.json"],
)
def test_unexpected_member_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]], name: str
) -> None:
    manifest, members = good_export
    archive = write_zip(tmp_path / "extra.zip", manifest, {**members, name: b"x"})
    refused(runner, tmp_path, archive, 2, "refused")


def test_uncited_object_is_refused_even_when_listed(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    data = b"planted"
    name = "objects/" + hashlib.sha256(data).hexdigest()[:2] + "/" + hashlib.sha256(data).hexdigest()[2:]
    members = {**members, name: data}
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "x.zip", relist(manifest, members), members),
        2,
        "no entry cites it",
    )


def test_directory_export_with_a_symlink_is_refused(
    runner: CliRunner, populated: Path, tmp_path: Path
) -> None:
    folder = export_zip(runner, tmp_path / "folder")
    (folder / "profile.json").unlink()
    (folder / "profile.json").symlink_to("/etc/passwd")
    refused(runner, tmp_path, folder, 2, "symbolic link")


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (lambda m: b"not json", 2, "manifest is malformed"),
        (lambda m: json.dumps([m]).encode(), 2, "not a JSON object"),
        (lambda m: json.dumps({**m, "format": "something-else"}).encode(), 2, "format"),
        (lambda m: json.dumps({**m, "version": 2}).encode(), 2, "newer residentlog"),
        (lambda m: json.dumps({**m, "surprise": 1}).encode(), 2, "unknown surprise"),
        (lambda m: json.dumps({k: v for k, v in m.items() if k != "root"}).encode(), 2, "missing root"),
        (lambda m: json.dumps({**m, "size": -1}).encode(), 2, "size is not a whole number"),
        (lambda m: json.dumps({**m, "size": 1.5}).encode(), 2, "not a whole number"),
        (lambda m: json.dumps({**m, "ledger_id": "../../x"}).encode(), 2, "ledger_id"),
        (lambda m: json.dumps({**m, "root": "AAAA"}).encode(), 2, "root is not base64 of 32 bytes"),
        (lambda m: json.dumps({**m, "files": [*m["files"], m["files"][0]]}).encode(), 2, "listed twice"),
        (
            lambda m: json.dumps(
                {**m, "files": [{**m["files"][0], "sha256": "XYZ"}, *m["files"][1:]]}
            ).encode(),
            2,
            "sha256",
        ),
        (
            lambda m: json.dumps(
                {**m, "files": [*m["files"], {"path": "../x", "size": 1, "sha256": "0" * 64}]}
            ).encode(),
            2,
            "outside the new store",
        ),
        (
            lambda m: json.dumps({**m, "public_keys": ["keys/ed25519.pem"]}).encode(),
            2,
            "not in the file list",
        ),
    ],
)
def test_malformed_manifest_is_refused(
    runner: CliRunner,
    tmp_path: Path,
    good_export: tuple[dict, dict[str, bytes]],
    change: object,
    code: int,
    message: str,
) -> None:
    manifest, members = good_export
    archive = write_zip(tmp_path / "m.zip", change(manifest), members)  # type: ignore[operator]
    refused(runner, tmp_path, archive, code, message)


def test_missing_manifest_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    _manifest, members = good_export
    refused(runner, tmp_path, write_zip(tmp_path / "m.zip", None, members), 2, "no manifest.json")


def test_not_a_zip_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04 definitely not a zip")
    refused(runner, tmp_path, tmp_path / "x.zip", 2, "not a zip file")
    assert run(runner, "import", str(tmp_path / "nothing.zip"), "--store", str(tmp_path / "t")).exit_code == 2


def tamper_record(members: dict[str, bytes], seq: int, old: bytes, new: bytes) -> dict[str, bytes]:
    lines = members["records.jsonl"].split(b"\n")
    assert old in lines[seq - 1]
    lines[seq - 1] = lines[seq - 1].replace(old, new, 1)
    return {**members, "records.jsonl": b"\n".join(lines)}


def test_tampered_record_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    # A careless forger: the manifest's SHA-256 no longer matches either.
    forged = tamper_record(members, 2, b"Phoned the landlord", b"Phoned the landlady")
    refused(runner, tmp_path, write_zip(tmp_path / "a.zip", manifest, forged), 1, "entry 3")
    # The last entry (nothing links to it) changed, file list not fixed: the SHA-256 catches it.
    forged_last = tamper_record(members, 4, b"Later note", b"Later lies")
    refused(
        runner, tmp_path, write_zip(tmp_path / "c.zip", manifest, forged_last), 1, "records.jsonl was altered"
    )
    # A careful one who fixes the file list: entry 3 still names the old hash of entry 2.
    refused(runner, tmp_path, write_zip(tmp_path / "b.zip", relist(manifest, forged), forged), 1, "entry 3")


def test_rewritten_ledger_with_fixed_chain_fails_against_the_root_and_checkpoint(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    # Rewrite the last entry only (nothing links to it): chain intact, root differs.
    forged = tamper_record(members, 4, b"Later note", b"Later lies")
    refused(runner, tmp_path, write_zip(tmp_path / "a.zip", relist(manifest, forged), forged), 1, "root")
    # ... and with the manifest root recomputed, the signed checkpoint of 3 entries still holds,
    # so rewrite entry 3 instead: the issued checkpoint no longer matches.
    forged = tamper_record(members, 3, b"more detail", b"less detail")
    leaves = [hashlib.sha256(b"\x00" + line).digest() for line in forged["records.jsonl"].split(b"\n")[:-1]]
    m = relist({**manifest, "root": base64.b64encode(merkle.root(leaves)).decode()}, forged)
    refused(runner, tmp_path, write_zip(tmp_path / "b.zip", m, forged), 1, "entry 4")


def test_manifest_root_or_size_mismatch_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "r.zip", {**manifest, "root": wrong}, members),
        1,
        "do not produce the root in the manifest",
    )
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "s.zip", {**manifest, "size": 3}, members),
        1,
        "more entries than its manifest says",
    )
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "t.zip", {**manifest, "size": 9}, members),
        1,
        "holds 4 entries but its manifest says 9",
    )


def test_missing_or_altered_object_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    name = object_name(manifest)
    gone = {k: v for k, v in members.items() if k != name}
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "a.zip", relist(manifest, gone), gone),
        1,
        "missing from the export",
    )
    altered = {**members, name: members[name][:-1] + bytes([members[name][-1] ^ 1])}  # always differs
    refused(runner, tmp_path, write_zip(tmp_path / "b.zip", manifest, altered), 1, "was altered")
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "c.zip", relist(manifest, altered), altered),
        1,
        "does not match the entry citing it",
    )


def test_truncated_ledger_is_refused_by_its_checkpoint(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    lines = members["records.jsonl"].split(b"\n")
    short = {**members, "records.jsonl": b"\n".join(lines[:2]) + b"\n"}  # 2 entries; checkpoint covers 3
    leaves = [hashlib.sha256(b"\x00" + line).digest() for line in lines[:2]]
    m = relist({**manifest, "size": 2, "root": base64.b64encode(merkle.root(leaves)).decode()}, short)
    refused(runner, tmp_path, write_zip(tmp_path / "a.zip", m, short), 1, "truncated")


def test_forged_checkpoint_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    name = manifest["checkpoints"][0]["file"]
    note = members[name].decode()
    # Change a signature byte: the exported public key no longer verifies it.
    head, sig = note.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 1
    forged = {**members, name: (head + " " + base64.b64encode(bytes(raw)).decode() + "\n").encode()}
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "a.zip", relist(manifest, forged), forged),
        1,
        "does not check out",
    )
    # A checkpoint of another ledger.
    other = {**members, name: note.replace(manifest["ledger_id"], "0" * 32).encode()}
    refused(
        runner, tmp_path, write_zip(tmp_path / "b.zip", relist(manifest, other), other), 1, "checkpoint 1"
    )


def test_private_key_smuggled_in_as_public_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    smuggled = {
        **members,
        "keys/ed25519.vkey": b"-----BEGIN PRIVATE KEY-----\nMC4CAQ...\n-----END PRIVATE KEY-----\n",
    }
    refused(
        runner,
        tmp_path,
        write_zip(tmp_path / "k.zip", relist(manifest, smuggled), smuggled),
        2,
        "private key",
    )


def test_invalid_profile_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    bad = {**members, "profile.json": b'{"name": "x", "evil": true}'}
    refused(
        runner, tmp_path, write_zip(tmp_path / "p.zip", relist(manifest, bad), bad), 2, "not a valid profile"
    )


def test_existing_target_is_refused_and_untouched(runner: CliRunner, populated: Path, tmp_path: Path) -> None:
    archive = export_zip(runner, tmp_path / "e.zip")
    before = snapshot(populated)
    r = run(runner, "import", str(archive), "--store", str(populated))
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert snapshot(populated) == before
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    r = run(runner, "import", str(archive), "--store", str(busy))
    assert r.exit_code == 2 and "not empty" in r.stderr
    assert snapshot(busy) == {"notes.txt": b"mine"}


def test_failed_import_into_an_empty_folder_leaves_it_empty(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    empty = tmp_path / "empty"
    empty.mkdir()
    forged = tamper_record(members, 4, b"Later note", b"Later lies")
    archive = write_zip(tmp_path / "a.zip", relist(manifest, forged), forged)
    with pytest.raises(VerificationFailed):
        import_store(archive, empty)
    assert empty.is_dir() and not any(empty.iterdir())
    assert not list(tmp_path.glob(".*importing"))


def test_import_api_round_trip_and_same_zip_twice(populated: Path, tmp_path: Path) -> None:
    with Store.open(populated) as s:
        result = export_store(s, tmp_path / "a.zip")
        export_store(s, tmp_path / "b.zip")
    assert result.size == 4 and result.objects == 2 and result.checkpoints == 1
    with zipfile.ZipFile(tmp_path / "a.zip") as a, zipfile.ZipFile(tmp_path / "b.zip") as b:
        same = [n for n in a.namelist() if n != "manifest.json"]
        assert all(a.read(n) == b.read(n) for n in same)  # deterministic apart from created_at
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in a.infolist())
        assert all(i.external_attr >> 16 == 0o100644 for i in a.infolist())
    imported = import_store(tmp_path / "a.zip", tmp_path / "n")
    assert imported.size == 4 and imported.root == result.root and imported.ledger_id == result.ledger_id


def test_deflate_stream_damage_is_refused(
    runner: CliRunner, tmp_path: Path, good_export: tuple[dict, dict[str, bytes]]
) -> None:
    manifest, members = good_export
    archive = write_zip(tmp_path / "d.zip", manifest, members)
    data = bytearray(archive.read_bytes())
    start = data.find(b"records.jsonl") + len(b"records.jsonl")
    for i in range(start + 5, start + 40):
        data[i] ^= 0x55
    archive.write_bytes(bytes(data))
    target = tmp_path / "t"
    r = run(runner, "import", str(archive), "--store", str(target))
    assert r.exit_code in (1, 2) and not target.exists()
    assert zlib  # the damage is detected by zlib or the CRC; either way nothing is written


def test_an_import_killed_half_way_is_cleared_by_the_next(
    runner: CliRunner, populated: Path, tmp_path: Path
) -> None:
    import time

    dest = export_zip(runner, tmp_path / "export.zip")
    left = tmp_path / ".new-store.abc123.importing"
    (left / "objects").mkdir(parents=True)
    (left / "profile.json").write_text('{"name": "Sam"}')
    long_ago = time.time() - 3600
    os.utime(left, (long_ago, long_ago))
    r = run(runner, "import", str(dest), "--store", str(tmp_path / "new-store"))
    assert r.exit_code == 0, r.output
    assert not left.exists()
    assert not list(tmp_path.glob(".*importing"))
