"""Issue 10 §2 and §4: the default verify trusts nothing an attacker without the signing key
could forge; what list and show display comes from the hashed records; only init makes a
store, and a store is private."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.errors import StoreError
from residentlog.integrity.issue import issue_checkpoint
from residentlog.integrity.verify import verify_store
from residentlog.ledger.add import add_entry
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, get_entry, list_entries
from tests.conftest import NOW, raw


@pytest.fixture
def checked(store: Store, photo: Path) -> Store:
    """Four door entries (the second with a photo) and a signed checkpoint after verify."""
    for i in range(1, 5):
        add_entry(
            store,
            {"kind": "door", "summary": f"Door fault {i}", "case": "front-door"},
            when_text=f"{i}/3/2020",
            attach=[photo] if i == 2 else [],
            now=NOW,
        )
    issue_checkpoint(store, NOW)
    return store


def _rewrite(store: Store, seq: int, old: bytes, new: bytes) -> None:
    """Edit a record's bytes and recompute its stored leaf hash, as an attacker would."""
    conn = raw(store)
    (data,) = conn.execute("SELECT canonical FROM ledger WHERE seq = ?", (seq,)).fetchone()
    data = bytes(data).replace(old, new)
    leaf = hashlib.sha256(b"\x00" + data).digest()
    conn.execute("UPDATE ledger SET canonical = ?, leaf_hash = ? WHERE seq = ?", (data, leaf, seq))
    conn.close()


def test_a_forged_verified_checkpoint_row_is_not_an_anchor(checked: Store) -> None:
    # the attack of the review: edit a record, recompute its leaf hash, drop every checkpoint
    # and insert a row claiming a verified checkpoint of the new root
    _rewrite(checked, 4, b'"seq":4', b'"seq":9')
    report = verify_store(checked)
    assert not report.ok
    conn = sqlite3.connect(checked.root / "ledger.sqlite", isolation_level=None)  # guards already dropped
    conn.execute("DELETE FROM checkpoints")
    for f in (checked.root / "checkpoints").iterdir():
        f.unlink()
    forged = verify_store(checked, full=True).root
    conn.execute(
        "INSERT INTO checkpoints (size, root, issued_at, text, verified) VALUES (4, ?, '2026-01-01', ?, 1)",
        (forged, f"residentlog/{checked.ledger_id}\n4\nx\n"),
    )
    conn.close()
    report = verify_store(checked)
    assert report.anchor == 0  # not trusted: no signature over that root
    assert (4, "order changed: this record says it is entry 9") in [
        (f.seq, f.problem) for f in report.findings
    ]


def test_an_unsigned_or_wrongly_signed_row_is_not_an_anchor(checked: Store) -> None:
    assert verify_store(checked).anchor == 4
    conn = raw(checked)
    conn.execute("UPDATE checkpoints SET note = ''")
    assert verify_store(checked).anchor == 0
    (text,) = conn.execute("SELECT text FROM checkpoints").fetchone()
    bogus = "A" * 94 + "=="  # a 4-byte key id and a 64-byte signature, all zero bytes
    note = text + f"\n\u2014 residentlog/{checked.ledger_id} {bogus}\n"
    conn.execute("UPDATE checkpoints SET note = ?", (note,))
    conn.close()
    assert verify_store(checked).anchor == 0


def test_a_photo_deleted_and_hidden_from_the_index_is_found(checked: Store, photo: Path) -> None:
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    obj = checked.objects_dir / digest[:2] / digest[2:]
    os.chmod(obj, 0o600)
    obj.unlink()
    conn = raw(checked)
    conn.execute("UPDATE entries SET attachments = 0")
    conn.close()
    report = verify_store(checked)
    assert report.anchor == 4
    assert [(f.seq, f.problem) for f in report.findings] == [
        (2, "attachment 'photo.jpg' is missing from objects/")
    ]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("num", 3),
        ("case_name", "elsewhere"),
        ("occurred_at", "1999-01-01T00:00:00Z"),
        ("summary", "nothing"),
        ("kind", "note"),
        ("tags", '["x"]'),
    ],
)
def test_list_and_show_ignore_an_edited_index(checked: Store, column: str, value: object) -> None:
    conn = raw(checked)
    conn.execute(f"UPDATE entries SET {column} = ? WHERE seq = 2", (value,))
    conn.execute("DELETE FROM entries_fts")
    conn.close()
    shown = list_entries(checked, Filters(), NOW)
    assert [(v.num, v.record["summary"]) for v in shown] == [(i, f"Door fault {i}") for i in range(1, 5)]
    assert [v.num for v in list_entries(checked, Filters(case="front-door"), NOW)] == [1, 2, 3, 4]
    assert [v.num for v in list_entries(checked, Filters(since="2/3/2020", until="2/3/2020"), NOW)] == [2]
    assert [v.num for v in list_entries(checked, Filters(search="fault 2"), NOW)] == [2]
    assert [v.num for v in list_entries(checked, Filters(kind="door"), NOW)] == [1, 2, 3, 4]
    assert get_entry(checked, 2).record["summary"] == "Door fault 2"


def test_a_correction_is_shown_even_when_the_index_hides_it(checked: Store) -> None:
    from residentlog.ledger.add import amend_entry

    amend_entry(
        checked, 2, reason="wrong day", changes={"summary": "Door fault two"}, when_text=None, now=NOW
    )
    conn = raw(checked)
    conn.execute("UPDATE entries SET num = 5, amends = NULL WHERE seq = 5")
    conn.close()
    assert get_entry(checked, 2).record["summary"] == "Door fault two"
    assert get_entry(checked, 2).versions == 2
    assert [v.record["summary"] for v in list_entries(checked, Filters(), NOW)][1] == "Door fault two"


def test_search_matches_words_in_any_order_case_blind(checked: Store) -> None:
    add_entry(
        checked,
        {"kind": "lift", "summary": "Lift 2 STUCK", "details": "neighbour trapped"},
        when_text="5/3/2020",
        now=NOW,
    )
    assert [v.num for v in list_entries(checked, Filters(search="trapped lift"), NOW)] == [5]
    assert [v.num for v in list_entries(checked, Filters(search="nothing like it"), NOW)] == []


# -- §4: a mistyped store path never starts a second ledger ---------------------------------------


def test_add_on_a_path_that_is_not_a_store_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    typo = tmp_path / "stroe"
    result = runner.invoke(app, ["--store", str(typo), "add", "lift", "Lift 2 stuck"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: no store at {typo} (run residentlog init {typo} to create one)\n"
    assert not typo.exists()


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["verify"], ["checkpoint"], ["status"]])
def test_every_other_command_refuses_a_missing_store(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "stroe"
    result = runner.invoke(app, ["--store", str(typo), *command])
    assert result.exit_code == 2, result.output
    assert f"no store at {typo}" in result.stderr
    assert not typo.exists()


def test_a_store_that_lost_its_ledger_is_not_replaced(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "mine"
    assert runner.invoke(app, ["init", str(root), "--name", "Sam"]).exit_code == 0
    assert runner.invoke(app, ["--store", str(root), "add", "door", "Door open"]).exit_code == 0
    (root / "ledger.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (root / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    for args in (["--store", str(root), "add", "door", "x"], ["init", str(root)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "has no ledger.sqlite but still holds keys, objects, profile.json" in result.stderr
        assert "Restore ledger.sqlite from your backup; nothing was written" in result.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    with pytest.raises(StoreError):
        Store.create(root)


def test_a_store_is_private(runner: CliRunner, tmp_path: Path, photo: Path) -> None:
    root = tmp_path / "mine"
    assert runner.invoke(app, ["init", str(root), "--name", "Sam"]).exit_code == 0
    s = ["--store", str(root)]
    assert runner.invoke(app, [*s, "add", "door", "Door open", "--attach", str(photo)]).exit_code == 0
    assert runner.invoke(app, [*s, "checkpoint"]).exit_code == 0
    loose = [
        (str(p.relative_to(root)), oct(p.stat().st_mode & 0o777))
        for p in [root, *root.rglob("*")]
        if p.stat().st_mode & 0o077
    ]
    assert loose == []


def test_an_old_loose_store_is_tightened_on_open(store: Store) -> None:
    store.close()
    os.chmod(store.root, 0o755)
    os.chmod(store.root / "ledger.sqlite", 0o644)
    with Store.open(store.root):
        pass
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.root / "ledger.sqlite").st_mode) == 0o600


def test_verify_names_a_rewrite_once(checked: Store) -> None:
    issue_checkpoint(checked, NOW)
    add_entry(checked, {"kind": "note", "summary": "later"}, when_text=None, now=NOW)
    issue_checkpoint(checked, NOW)
    _rewrite(checked, 1, b"Door fault 1", b"Door fault X")
    problems = [f.problem for f in verify_store(checked).findings]
    rewritten = [p for p in problems if p.startswith("ledger rewritten")]
    assert len(rewritten) == 1, problems
    assert rewritten[0].endswith("(and 2 other issued checkpoints)")


# -- §6: smaller defects -------------------------------------------------------------------------


def test_a_huge_input_is_cut_in_the_error(runner: CliRunner, initialised: Path) -> None:
    huge = "a b" * 40_000
    result = runner.invoke(app, ["add", "note", "x", "--tag", huge])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: --tags: 'a ba ba b")
    assert "… [119,788 characters cut] …" in line
    assert line.endswith("at most 60; e.g. lift-2)")
    assert len(line) == len("Error: ") + 300 + len("… [119,788 characters cut] …")


def test_amend_help_says_the_date_is_kept(runner: CliRunner) -> None:
    text = " ".join(runner.invoke(app, ["amend", "--help"]).stdout.split())
    assert "Default: the entry keeps the date it has." in text
    assert "Default: now" not in text
    assert "Default: now." in " ".join(runner.invoke(app, ["add", "--help"]).stdout.split())


def test_a_draft_letter_leaves_no_trace_in_the_store(runner: CliRunner, initialised: Path) -> None:
    assert runner.invoke(app, ["profile", "--name", "Sam", "--landlord", "Example HA"]).exit_code == 0
    assert (
        runner.invoke(app, ["add", "door", "Front door will not lock", "--case", "front-door"]).exit_code == 0
    )

    def state() -> tuple[object, ...]:
        with Store.open(initialised) as s:
            return (s.size(), s.issued_checkpoints(), sorted((initialised / "checkpoints").glob("*")))

    before = state()
    result = runner.invoke(app, ["letter", "repair-report", "--no-record"])
    assert result.exit_code == 0, result.output
    assert "Not recorded in your log (--no-record)." in result.stderr
    assert state() == before
    # the draft still carries a signed checkpoint of the log as it stands
    with Store.open(initialised) as s:
        assert f"residentlog/{s.ledger_id}\n1\n" in result.stdout
    assert "\u2014 residentlog/" in result.stdout
