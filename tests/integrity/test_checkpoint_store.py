"""Signed checkpoints in the store: the key, the table and files, the format 1 → 2 → 3 upgrades,
the restored-backup guard on append, and verify reading the checkpoint files."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from residentlog.errors import FormatTooNew, InputError, StoreError, VerificationFailed
from residentlog.integrity.issue import issue_checkpoint
from residentlog.integrity.signing import load_signer, open_note, parse_vkey, public_key
from residentlog.integrity.verify import verify_store
from residentlog.ledger.add import add_entry
from residentlog.ledger.checkpoints import origin_for, parse_checkpoint
from residentlog.ledger.store import STORE_FORMAT, Store
from tests.conftest import NOW, raw


def add(store: Store, n: int = 1) -> None:
    for i in range(n):
        add_entry(store, {"kind": "note", "summary": f"note {i}"}, when_text=None, now=NOW)


def backup_db(store: Store, to: Path) -> None:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(store.root / "ledger.sqlite", to)


def restore_db(root: Path, backup: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(root / "ledger.sqlite") + suffix).unlink(missing_ok=True)
    shutil.copy2(backup, root / "ledger.sqlite")


# -- the key and the kept checkpoints ----------------------------------------------------------


def test_issue_signs_and_keeps_row_and_file(store: Store) -> None:
    add(store, 3)
    cp = issue_checkpoint(store, NOW, recipient="  Example   Housing ")
    assert cp.note is not None and cp.note.startswith(cp.text() + "\n— " + cp.origin + " ")
    key = parse_vkey(cp.vkey or "")
    assert key.name == origin_for(store.ledger_id) == cp.origin
    assert public_key(store.root) == key
    note, good = open_note(cp.note, [key])
    assert good == [key] and parse_checkpoint(note.text) == cp
    (row,) = store.issued_checkpoints()
    assert (row.size, row.root, row.recipient, row.note) == (3, cp.root, "Example Housing", cp.note)
    assert row.last_leaf == store.tip().leaf_hash
    kept = store.root / "checkpoints" / f"3-{cp.root.hex()[:8]}.txt"
    assert kept.read_text(encoding="utf-8") == cp.note
    # the same checkpoint again (another recipient): another row, same file, same signature
    again = issue_checkpoint(store, NOW, recipient="Councillor")
    assert again.note == cp.note
    assert [r.recipient for r in store.issued_checkpoints()] == ["Example Housing", "Councillor"]
    assert len(list((store.root / "checkpoints").iterdir())) == 1
    report = verify_store(store)
    assert report.ok and report.checkpoints_checked == 2


def test_key_files(store: Store) -> None:
    issue_checkpoint(store, NOW)
    keys = store.root / "keys"
    pem = keys / "ed25519.pem"
    assert pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    if os.name == "posix":
        assert stat.S_IMODE(pem.stat().st_mode) == 0o600
        assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    signer = load_signer(store.root, origin_for(store.ledger_id))
    assert signer is not None and signer.verifier == public_key(store.root)
    # the key is not in the database
    assert b"PRIVATE" not in (store.root / "ledger.sqlite").read_bytes()


def test_init_makes_the_key(runner, isolated_store: Path) -> None:  # type: ignore[no-untyped-def]
    from residentlog.cli.app import app

    r = runner.invoke(app, ["init", "--name", "Sam"])
    assert r.exit_code == 0, r.output
    vkey = public_key(isolated_store)
    assert vkey is not None and f"Checkpoint signing key: {vkey.vkey}" in r.stdout


def test_lost_private_key_is_an_error_deleted_keys_folder_makes_a_new_key(store: Store) -> None:
    add(store)
    first = issue_checkpoint(store, NOW)
    (store.root / "keys" / "ed25519.pem").unlink()
    with pytest.raises(StoreError, match=r"the signing key .* is missing"):
        issue_checkpoint(store, NOW)
    shutil.rmtree(store.root / "keys")
    second = issue_checkpoint(store, NOW)
    assert second.vkey != first.vkey
    # the old note no longer verifies with the new key, but it is ignored, not a failure
    assert verify_store(store).ok


def test_checkpoint_signature_tampered_in_file_is_found(store: Store) -> None:
    add(store, 2)
    cp = issue_checkpoint(store, NOW)
    path = store.root / "checkpoints" / cp.file_name
    sig = cp.note.rsplit(" ", 1)[1]  # type: ignore[union-attr]
    bad = sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]
    path.write_text(cp.note.replace(sig, bad), encoding="utf-8")  # type: ignore[union-attr]
    problems = [f.problem for f in verify_store(store).findings]
    assert problems == [
        f"the signed note in checkpoints/{cp.file_name} carries a signature by this store's key "
        "that does not verify"
    ]
    path.write_text(cp.text().replace("\n2\n", "\n1\n"), encoding="utf-8")
    assert [f.problem for f in verify_store(store).findings] == [
        f"checkpoints/{cp.file_name} does not hold the checkpoint its name says"
    ]


# -- store formats 1 → 2 → 3 --------------------------------------------------------------------

V2_NO_TREE = """
DROP TRIGGER tree_no_update; DROP TRIGGER tree_no_delete; DROP TABLE tree;
ALTER TABLE checkpoints DROP COLUMN verified;
DROP INDEX entries_occurred; DROP INDEX entries_attached;
UPDATE meta SET value = '2' WHERE key = 'store_format';
"""
V1_CHECKPOINTS = (
    V2_NO_TREE
    + """
DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete; DROP TABLE checkpoints;
CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL,
    issued_at TEXT NOT NULL, text TEXT NOT NULL);
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'residentlog: the ledger is append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'residentlog: the ledger is append-only'); END;
UPDATE meta SET value = '1' WHERE key = 'store_format';
"""
)


def make_v1_store(root: Path, n: int = 3) -> tuple[int, bytes]:
    """A store as residentlog's first release left it: format 1, one unsigned checkpoint row."""
    with Store.create(root) as store:
        add(store, n)
        report = verify_store(store)
        store.conn.executescript(V1_CHECKPOINTS)
        store.conn.execute(
            "INSERT INTO checkpoints (size, root, issued_at, text) VALUES (?, ?, ?, ?)",
            (n, report.root, "2026-11-01T10:00:00+00:00", f"{origin_for(store.ledger_id)}\n{n}\n...\n"),
        )
    return n, report.root


def test_format_1_store_is_upgraded_on_open(isolated_store: Path) -> None:
    n, root = make_v1_store(isolated_store)
    with Store.open(isolated_store) as store:
        assert store.meta["store_format"] == str(STORE_FORMAT) == "3"
        (row,) = store.issued_checkpoints()
        assert (row.size, row.root, row.recipient, row.note, row.last_leaf) == (n, root, "", "", None)
        assert verify_store(store).ok
        add(store)  # the guard copes with the legacy row (size check only)
        cp = issue_checkpoint(store, NOW, recipient="x")
        assert cp.size == n + 1 and cp.note
        assert verify_store(store).ok
    with Store.open(isolated_store) as store:  # a second open does nothing more
        assert len(store.issued_checkpoints()) == 2


def test_format_1_legacy_row_still_guards_size(isolated_store: Path) -> None:
    make_v1_store(isolated_store, n=3)
    with Store.open(isolated_store) as store:
        conn = raw(store)
        conn.execute("DELETE FROM ledger WHERE seq = 3")
        with pytest.raises(VerificationFailed, match="a checkpoint of 3 entries was issued on 2026-11-01"):
            add(store)


def test_format_2_store_gains_its_proof_tree_on_open(isolated_store: Path) -> None:
    with Store.create(isolated_store) as store:
        add(store, 300)  # two blocks of 128 and a height-8 node
        nodes = list(store.tree_nodes())
        assert [(h, i) for h, i, _ in nodes] == [(7, 0), (7, 1), (8, 0)]
        store.conn.executescript(V2_NO_TREE)
    with Store.open(isolated_store) as store:
        assert store.meta["store_format"] == "3"
        assert list(store.tree_nodes()) == nodes
        assert verify_store(store).ok
        add(store, 212)  # to 512: completes (7, 2), (7, 3), (8, 1), (9, 0)
        assert [(h, i) for h, i, _ in store.tree_nodes()][3:] == [(7, 2), (7, 3), (8, 1), (9, 0)]
        assert verify_store(store).ok


def test_newer_store_format_is_refused(store: Store) -> None:
    store.conn.execute("UPDATE meta SET value = '4' WHERE key = 'store_format'")
    with pytest.raises(FormatTooNew):
        Store.open(store.root)


# -- the restored-backup guard ----------------------------------------------------------------


def test_restored_database_is_refused_and_fails_verify(store: Store, tmp_path: Path) -> None:
    add(store, 3)
    backup_db(store, tmp_path / "old.sqlite")
    add(store, 2)
    cp = issue_checkpoint(store, NOW)
    root = store.root
    store.close()
    restore_db(root, tmp_path / "old.sqlite")
    with Store.open(root) as old:
        with pytest.raises(VerificationFailed) as info:
            add(old)
        assert str(info.value) == (
            f"refusing to append: a checkpoint of 5 entries was issued (checkpoints/{cp.file_name}), but "
            "the ledger holds only 3; this store looks like an older copy (a restored backup?). Put the "
            "newest copy back (run: residentlog verify)"
        )
        assert old.size() == 3
        report = verify_store(old)
        assert [f.problem for f in report.findings] == [
            f"ledger truncated: the checkpoint in checkpoints/{cp.file_name} covers 5 entries but the "
            "ledger now holds 3"
        ]


def test_truncated_ledger_is_refused_by_the_table(store: Store) -> None:
    add(store, 4)
    issue_checkpoint(store, NOW)
    shutil.rmtree(store.root / "checkpoints")  # only the table knows
    raw(store).execute("DELETE FROM ledger WHERE seq = 4")
    with pytest.raises(
        VerificationFailed, match=r"a checkpoint of 4 entries was issued on .*, but the ledger"
    ):
        add(store)


def test_replaced_last_entry_is_refused(store: Store) -> None:
    add(store, 4)
    issue_checkpoint(store, NOW)
    raw(store).execute("UPDATE ledger SET leaf_hash = zeroblob(32) WHERE seq = 4")
    with pytest.raises(VerificationFailed, match="entry 4 is no longer the one in the checkpoint issued on"):
        add(store)


def test_forked_copy_is_refused(store: Store, tmp_path: Path) -> None:
    """An old database, appended to elsewhere (so it is as long as the checkpoint, but different)."""
    add(store, 2)
    backup_db(store, tmp_path / "old.sqlite")
    add(store, 2)
    cp = issue_checkpoint(store, NOW)
    root = store.root
    store.close()
    fork = tmp_path / "fork"
    fork.mkdir()
    shutil.copy2(tmp_path / "old.sqlite", fork / "ledger.sqlite")
    with Store.open(fork) as other:
        add_entry(other, {"kind": "door", "summary": "a different third"}, when_text=None, now=NOW)
        add_entry(other, {"kind": "door", "summary": "a different fourth"}, when_text=None, now=NOW)
        other.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    restore_db(root, fork / "ledger.sqlite")
    with Store.open(root) as store2:
        with pytest.raises(VerificationFailed) as info:
            add(store2)
        assert "no longer produce the root of the checkpoint in checkpoints/" in str(info.value)
        assert "ledger rewritten" in verify_store(store2).findings[0].problem
    assert cp.size == 4


def test_file_without_row_but_consistent_is_adopted(store: Store, tmp_path: Path) -> None:
    add(store, 3)
    backup_db(store, tmp_path / "old.sqlite")
    cp = issue_checkpoint(store, NOW)  # same ledger as the backup: only the row is lost
    root = store.root
    store.close()
    restore_db(root, tmp_path / "old.sqlite")
    with Store.open(root) as again:
        assert again.issued_checkpoints() == []
        add(again)
        (row,) = again.issued_checkpoints()
        assert (row.size, row.root, row.note, row.recipient) == (3, cp.root, cp.note, "")
        assert verify_store(again).ok


def test_add_imports_neither_cryptography_nor_proofs(tmp_path: Path) -> None:
    """The guard runs on every add, but signing and proofs stay off the add path."""
    env = dict(os.environ, RESIDENTLOG_STORE=str(tmp_path / "s"))
    with Store.create(tmp_path / "s") as store:
        add(store, 2)
        issue_checkpoint(store, NOW)
    script = (
        "import sys\n"
        "sys.argv = ['residentlog', 'add', 'note', 'after the checkpoint']\n"
        "from residentlog.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'cryptography'"
        " or m in ('residentlog.integrity.signing', 'residentlog.integrity.proofs',"
        " 'residentlog.integrity.verify')))\n"
    )
    r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_checkpoint_text_is_exactly_three_lines() -> None:
    from residentlog.ledger.checkpoints import parse_checkpoint_strict

    body = "residentlog/" + "ab" * 16 + "\n2\nH9u0VMh2Dv3mC0lC3JD5GQrPElZNEuko8GtWGotE2nY=\n"
    assert parse_checkpoint_strict(body).size == 2
    for parse in (parse_checkpoint, parse_checkpoint_strict):
        with pytest.raises(InputError, match="a fourth line"):
            parse(body + "extension line\n")
    # size: decimal, no leading zeros, at most 2^63 - 1
    assert parse_checkpoint_strict(body.replace("\n2\n", f"\n{2**63 - 1}\n")).size == 2**63 - 1
    for size in (str(2**63), "02", "+2", "2.0", "9" * 20):
        with pytest.raises(InputError, match="bad size line"):
            parse_checkpoint_strict(body.replace("\n2\n", f"\n{size}\n"))
    # the lenient reader (a file a person hands to prove --checkpoint): BOM, CRLF, spaces
    lenient = "\ufeff" + body.replace("\n", "  \r\n")
    assert parse_checkpoint(lenient) == parse_checkpoint_strict(body)
    with pytest.raises(InputError):
        parse_checkpoint_strict("\ufeff" + body)
