"""Core use-cases without the CLI: add, amend, list, show, history, attachments, checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from residentlog.errors import InputError, NotFound
from residentlog.integrity.issue import issue_checkpoint
from residentlog.integrity.verify import verify_store
from residentlog.ledger.add import add_entry, amend_entry
from residentlog.ledger.checkpoints import origin_for, parse_checkpoint
from residentlog.ledger.record import decode
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, export_attachments, get_entry, history, list_entries
from tests.conftest import NOW


def add(
    store: Store, kind: str = "lift", summary: str = "Lift 2 out of order", when: str | None = None, **kw
):
    return add_entry(store, {"kind": kind, "summary": summary, **kw}, when_text=when, now=NOW)


def test_entries_are_numbered_from_one_and_chained(store: Store) -> None:
    a = add(store, when="3 March 2020 14:00")
    b = add(store, kind="door", summary="Front door will not lock", when="4/3/2020")
    assert (a.seq, b.seq) == (1, 2)
    rec2 = decode(store.record_bytes(2))
    assert rec2["prev"] == a.leaf_hash.hex()
    assert rec2["occurred_at"] == "2020-03-04T00:00:00+00:00"
    assert rec2["occurred_precision"] == "day"
    assert rec2["recorded_at"] == "2026-11-23T18:40:00+00:00"
    assert decode(store.record_bytes(1))["occurred_at"] == "2020-03-03T14:00:00+00:00"


def test_default_when_is_now_to_the_minute(store: Store) -> None:
    a = add(store)
    rec = decode(store.record_bytes(a.seq))
    assert rec["occurred_at"] == "2026-11-23T18:40:00+00:00"
    assert rec["occurred_text"] == ""


def test_kind_fields_are_validated(store: Store) -> None:
    with pytest.raises(InputError, match=r"^trapped: does not apply to a door entry"):
        add(store, kind="door", fields={"trapped": 2})
    with pytest.raises(InputError, match=r"^event: must be one of observed"):
        add(store, fields={"event": "exploded"})
    with pytest.raises(InputError, match=r"^stage: "):
        add(store, kind="complaint", summary="Formal complaint", fields={"step": "raised"})
    with pytest.raises(InputError, match=r"unknown kind 'lfit'"):
        add(store, kind="lfit")
    with pytest.raises(InputError, match=r"^summary: must not be empty"):
        add(store, summary="   ")
    with pytest.raises(InputError, match=r"^summary: must be a single line"):
        add(store, summary="two\nlines")
    with pytest.raises(InputError, match=r"not valid UTF-8"):
        add(store, summary="bad \udcff byte")
    with pytest.raises(InputError, match=r"^link: there is no entry 5 yet$"):
        add(store, links=[5])
    assert store.size() == 0  # nothing was written by any of those


def test_future_and_impossible_dates_are_refused(store: Store) -> None:
    with pytest.raises(InputError, match="future"):
        add(store, when=(NOW + timedelta(days=2)).strftime("%d/%m/%Y"))
    with pytest.raises(InputError, match="31/02/2020"):
        add(store, when="31/02/2020")
    assert store.size() == 0


def test_text_is_nfc_normalised(store: Store) -> None:
    a = add(store, summary="Cafe\u0301 door broken")
    assert decode(store.record_bytes(a.seq))["summary"] == "Caf\u00e9 door broken"


def test_amend_appends_a_full_corrected_version(store: Store) -> None:
    add(store, when="3 March 2020 14:00", case="lift-2", fields={"trapped": 3})
    add(store, kind="note", summary="unrelated")
    c = amend_entry(
        store,
        1,
        reason="It was 15:00, not 14:00",
        changes={"fields": {"trapped_minutes": 110}},
        when_text="3 March 2020 15:00",
        now=NOW,
    )
    assert (c.seq, c.num) == (3, 1)
    view = get_entry(store, 1)
    assert view.amended and view.versions == 2
    assert view.record["occurred_at"] == "2020-03-03T15:00:00+00:00"
    assert view.record["fields"] == {"event": "observed", "trapped": 3, "trapped_minutes": 110}
    assert view.record["case"] == "lift-2"
    assert view.record["reason"] == "It was 15:00, not 14:00"
    versions = history(store, 1)
    assert [v[0]["seq"] for v in versions] == [1, 3]
    assert versions[0][0]["occurred_at"] == "2020-03-03T14:00:00+00:00"  # original kept
    assert [v.num for v in list_entries(store, Filters(), NOW)] == [1, 2]


def test_amend_only_a_kind_field(store: Store) -> None:
    add(store, fields={"trapped": 3})
    c = amend_entry(
        store,
        1,
        reason="longer than I wrote",
        changes={"fields": {"trapped_minutes": 120}},
        when_text=None,
        now=NOW,
    )
    assert get_entry(store, c.num).record["fields"] == {
        "event": "observed",
        "trapped": 3,
        "trapped_minutes": 120,
    }
    with pytest.raises(InputError, match="nothing to correct"):
        amend_entry(
            store,
            1,
            reason="same again",
            changes={"fields": {"trapped_minutes": 120}},
            when_text=None,
            now=NOW,
        )


def test_amend_errors(store: Store) -> None:
    add(store)
    with pytest.raises(NotFound, match="there is no entry 9"):
        amend_entry(store, 9, reason="x", changes={"summary": "y"}, when_text=None, now=NOW)
    with pytest.raises(InputError, match=r"^reason: say why the entry is being corrected$"):
        amend_entry(store, 1, reason="  ", changes={"summary": "y"}, when_text=None, now=NOW)
    with pytest.raises(InputError, match="nothing to correct"):
        amend_entry(store, 1, reason="typo", changes={}, when_text=None, now=NOW)
    amend_entry(store, 1, reason="typo", changes={"summary": "Lift 1 out of order"}, when_text=None, now=NOW)
    with pytest.raises(NotFound, match="entry 2 is a correction of entry 1"):
        amend_entry(store, 2, reason="again", changes={"summary": "z"}, when_text=None, now=NOW)
    with pytest.raises(InputError, match="does not apply to a lift entry"):
        amend_entry(store, 1, reason="x", changes={"fields": {"door": "front"}}, when_text=None, now=NOW)
    assert store.size() == 2


def test_list_orders_by_time_then_number_whatever_the_order_of_corrections(store: Store) -> None:
    add(store, when="3 March 2020 14:00")  # 1
    add(store, when="1 March 2020 09:00")  # 2: earlier, added later
    add(store, when="3 March 2020 14:00")  # 3: the same time as 1
    add(store, when="2 March 2020 10:00")  # 4
    # 4 corrected to the time of 1 and 3, then 1 corrected to the same time: the numbers decide
    amend_entry(store, 4, reason="later", changes={}, when_text="3 March 2020 14:00", now=NOW)
    amend_entry(store, 1, reason="same", changes={}, when_text="3 March 2020 14:00", now=NOW)
    assert [v.num for v in list_entries(store, Filters(), NOW)] == [2, 1, 3, 4]


def test_list_filters(store: Store) -> None:
    add(store, when="1/1/2020", case="lift-2", tags=["entrapment"])
    add(store, kind="door", summary="Door magnet weak, pushed open", when="2/2/2020", case="front-door")
    add(
        store,
        kind="asb",
        summary="Youths in the stairwell",
        when="3/3/2020",
        details="They came in via the door",
    )
    add(store, kind="note", summary="Spoke to neighbour", when="4/4/2021")

    def nums(**kw: object) -> list[int]:
        return [v.num for v in list_entries(store, Filters(**kw), NOW)]

    assert nums() == [1, 2, 3, 4]
    assert nums(kind="door") == [2]
    assert nums(case="lift-2") == [1]
    assert nums(since="2/2/2020") == [2, 3, 4]
    assert nums(until="2/2/2020") == [1, 2]
    assert nums(since="1 Feb 2020", until="31/12/2020") == [2, 3]
    assert nums(tags=("entrapment",)) == [1]
    assert nums(search="door") == [2, 3]
    assert nums(search="magnets") == [2]  # stemming
    assert nums(search='"pushed open"') == [2]
    assert nums(search="nothing-like-this") == []
    with pytest.raises(InputError):
        list_entries(store, Filters(kind="lfit"), NOW)


def test_search_finds_corrected_text(store: Store) -> None:
    add(store, summary="Lift broken")
    amend_entry(
        store,
        1,
        reason="more detail",
        changes={"details": "Engineer said motor burnt out"},
        when_text=None,
        now=NOW,
    )
    assert [v.num for v in list_entries(store, Filters(search="motor"), NOW)] == [1]


def test_attachments_are_content_addressed_and_exported(store: Store, tmp_path: Path) -> None:
    photo = tmp_path / "lift.jpg"
    photo.write_bytes(b"\xff\xd8fake jpeg")
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(b"\xff\xd8fake jpeg")
    a = add_entry(store, {"kind": "lift", "summary": "Lift"}, when_text=None, attach=[photo, copy], now=NOW)
    rec = decode(store.record_bytes(a.seq))
    digest = rec["attachments"][0]["sha256"]
    assert rec["attachments"][0] == {
        "sha256": digest,
        "size": 11,
        "name": "lift.jpg",
        "media_type": "image/jpeg",
    }
    assert (store.objects_dir / digest[:2] / digest[2:]).read_bytes() == b"\xff\xd8fake jpeg"
    assert len(list(store.objects_dir.glob("??/*"))) == 1  # stored once
    out = tmp_path / "out"
    written = export_attachments(store, 1, out)
    assert [p.name for p in written] == ["lift.jpg", "copy.jpg"]
    assert (out / "lift.jpg").read_bytes() == b"\xff\xd8fake jpeg"
    with pytest.raises(InputError, match="already exists"):
        export_attachments(store, 1, out)


def test_bad_attachments_write_nothing(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        add_entry(
            store, {"kind": "lift", "summary": "x"}, when_text=None, attach=[tmp_path / "nope.jpg"], now=NOW
        )
    with pytest.raises(InputError, match="is a directory"):
        add_entry(store, {"kind": "lift", "summary": "x"}, when_text=None, attach=[tmp_path], now=NOW)
    assert store.size() == 0


def test_checkpoint_and_verify(store: Store) -> None:
    empty = issue_checkpoint(store, NOW)
    assert empty.size == 0
    for i in range(5):
        add(store, summary=f"fault {i}")
    cp = issue_checkpoint(store, NOW)
    text = cp.text()
    assert text.splitlines()[0] == origin_for(store.ledger_id)
    assert text.splitlines()[1] == "5"
    assert parse_checkpoint(text) == cp
    add(store, summary="later")
    report = verify_store(store, against=cp)
    assert report.ok and report.size == 6 and report.checkpoints_checked == 3
    assert [c.size for c in store.issued_checkpoints()] == [0, 5]


def test_checkpoint_of_another_ledger_fails(store: Store, tmp_path: Path) -> None:
    add(store)
    with Store.create(tmp_path / "other") as other:
        add(other)
        cp = issue_checkpoint(other, NOW)
    report = verify_store(store, against=cp)
    assert not report.ok
    assert "another ledger" in report.findings[0].problem


def test_get_entry_errors(store: Store) -> None:
    with pytest.raises(NotFound, match="there is no entry 1"):
        get_entry(store, 1)


def test_recorded_at_uses_the_clock_not_the_user(store: Store) -> None:
    later = datetime(2027, 1, 1, 9, 30, tzinfo=UTC)
    a = add_entry(store, {"kind": "note", "summary": "n"}, when_text="1/1/2020", now=later)
    assert decode(store.record_bytes(a.seq))["recorded_at"] == "2027-01-01T09:30:00+00:00"
