"""verify's second pass starts after the newest checkpoint issued right after a verify pass
(the anchor) while the re-hashed ledger still gives its root; everything else is still checked
every time, and ``full=True`` checks every record in full."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.integrity.issue import issue_checkpoint
from residentlog.integrity.proofs import held_checkpoint
from residentlog.integrity.verify import verify_store
from residentlog.ledger.add import add_entry
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, get_entry, list_entries
from tests.conftest import NOW, raw


@pytest.fixture
def anchored(store: Store, photo: Path) -> Store:
    """Five entries (the second with a photo, the third corrected), a checkpoint, two more."""
    for i in range(1, 6):
        add_entry(
            store,
            {"kind": "door", "summary": f"Door fault {i}", "case": "door"},
            when_text=f"{i}/3/2020",
            attach=[photo] if i == 2 else [],
            now=NOW,
        )
    issue_checkpoint(store, NOW)
    for i in (6, 7):
        add_entry(store, {"kind": "lift", "summary": f"Lift fault {i}"}, when_text=f"{i}/3/2020", now=NOW)
    return store


def problems(store: Store, full: bool = False) -> list[tuple[int, str]]:
    return [(f.seq, f.problem) for f in verify_store(store, full=full).findings]


def test_no_checkpoint_means_every_record_in_full(store: Store) -> None:
    add_entry(store, {"kind": "note", "summary": "a"}, when_text=None, now=NOW)
    report = verify_store(store)
    assert report.ok
    assert (report.anchor, report.anchor_issued_at, report.search_index_checked) == (0, None, True)
    assert report.as_json()["parsed_from"] == 1


def test_records_after_the_checkpoint_are_parsed(anchored: Store) -> None:
    report = verify_store(anchored)
    assert report.ok, report.findings
    assert (report.size, report.anchor, report.search_index_checked) == (7, 5, False)
    assert report.anchor_issued_at == "2026-11-23T18:40:00+00:00"
    full = verify_store(anchored, full=True)
    assert full.ok and (full.anchor, full.search_index_checked) == (0, True)
    assert full.root == report.root


def test_a_changed_byte_before_the_anchor_is_still_found(anchored: Store) -> None:
    data = anchored.record_bytes(3).replace(b"Door fault 3", b"Door fault 8")
    raw(anchored).execute("UPDATE ledger SET canonical = ? WHERE seq = 3", (data,))
    found = problems(anchored)
    assert found[0] == (3, "content changed: its bytes no longer match its stored hash")


def test_a_rewrite_before_the_anchor_drops_the_anchor(anchored: Store) -> None:
    data = anchored.record_bytes(3).replace(b"Door fault 3", b"Door fault 8")
    conn = raw(anchored)
    conn.execute(
        "UPDATE ledger SET canonical = ?, leaf_hash = ? WHERE seq = 3",
        (data, hashlib.sha256(b"\x00" + data).digest()),
    )
    report = verify_store(anchored)
    assert report.anchor == 0  # the checkpoint's root is gone: every record is parsed again
    assert [(f.seq, f.problem) for f in report.findings][:2] == [
        (3, "content changed or replaced: entry 4 records a different hash for entry 3"),
        (3, "its listed details differ from the hashed record"),
    ]
    assert any(f.problem.startswith("ledger rewritten: its first 5 entries") for f in report.findings)


def test_an_altered_attachment_before_the_anchor_is_found(anchored: Store, photo: Path) -> None:
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    obj = anchored.objects_dir / digest[:2] / digest[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"something else")
    assert problems(anchored) == [
        (2, "attachment 'photo.jpg' was altered: its bytes no longer match its hash")
    ]


def test_an_altered_attachment_is_found_even_when_the_index_hides_it(anchored: Store, photo: Path) -> None:
    raw(anchored).execute("UPDATE entries SET attachments = 0 WHERE seq = 2")
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    obj = anchored.objects_dir / digest[:2] / digest[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"something else")
    # the records that cite attachments are found from their bytes, not from the index
    altered = (2, "attachment 'photo.jpg' was altered: its bytes no longer match its hash")
    assert problems(anchored) == [altered]
    assert problems(anchored, full=True)[:2] == [
        (2, "attachment 'photo.jpg' was altered: its bytes no longer match its hash"),
        (2, "its listed details differ from the hashed record"),
    ]


def test_index_rows_after_the_anchor_are_compared(anchored: Store) -> None:
    raw(anchored).execute("UPDATE entries SET kind = 'door' WHERE seq = 6")
    assert problems(anchored) == [(6, "its listed details differ from the hashed record")]


def test_a_missing_index_row_is_found_anywhere(anchored: Store) -> None:
    raw(anchored).execute("DELETE FROM entries WHERE seq = 2")
    assert problems(anchored) == [(2, "it is missing from the list index")]


def test_an_edited_index_row_before_the_anchor(anchored: Store) -> None:
    """Not parsed again by default (the records are unchanged); found by the full check. list
    and show never read the index, so they show what the records say."""
    conn = raw(anchored)
    conn.execute("UPDATE entries SET num = 4 WHERE seq = 3")
    conn.execute("UPDATE entries SET kind = 'lift' WHERE seq = 5")
    assert problems(anchored) == []
    assert problems(anchored, full=True) == [
        (3, "its listed details differ from the hashed record"),
        (5, "its listed details differ from the hashed record"),
    ]
    assert get_entry(anchored, 4).record["summary"] == "Door fault 4"
    assert get_entry(anchored, 3).record["summary"] == "Door fault 3"
    assert [v.num for v in list_entries(anchored, Filters(kind="lift"), NOW)] == [6, 7]


def test_only_checkpoints_issued_after_verify_anchor(store: Store) -> None:
    for i in range(3):
        add_entry(store, {"kind": "note", "summary": f"n{i}"}, when_text=None, now=NOW)
    text = f"residentlog/{store.ledger_id}\n3\n{verify_store(store).as_json()['root']}\n"
    held_checkpoint(store, text, now=NOW)  # kept, but not issued after a verify pass
    (row,) = store.issued_checkpoints()
    assert not row.verified
    assert verify_store(store).anchor == 0
    issue_checkpoint(store, NOW)
    assert verify_store(store).anchor == 3


def test_cli_verify_says_what_it_read_in_full(anchored: Store, runner: CliRunner) -> None:
    from residentlog.cli.app import app

    store = ["--store", str(anchored.root)]
    r = runner.invoke(app, [*store, "verify"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == (
        "  records 1–5 unchanged since the checkpoint of Mon 23 Nov 2026, when they were read in full "
        "(--full reads them again)"
    )
    r = runner.invoke(app, [*store, "verify", "--full"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == "  checkpoints: 1 checked, all consistent"
    raw(anchored).execute("UPDATE entries SET summary = 'edited' WHERE seq = 1")
    assert runner.invoke(app, [*store, "verify"]).exit_code == 0
    r = runner.invoke(app, [*store, "verify", "--full", "--json"])
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert (report["parsed_from"], report["search_index_checked"]) == (1, True)
    assert report["findings"][0] == {
        "entry": 1,
        "problem": "its listed details differ from the hashed record",
    }


def test_a_changed_ledger_id_drops_the_anchor(anchored: Store) -> None:
    raw(anchored).execute("UPDATE meta SET value = ? WHERE key = 'ledger_id'", ("0" * 32,))
    with Store.open(anchored.root) as reopened:
        report = verify_store(reopened)
    assert report.anchor == 0
    assert (report.findings[0].seq, report.findings[0].problem) == (
        1,
        "belongs to another ledger: it was copied in from elsewhere",
    )
