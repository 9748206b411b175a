"""A complaint's history, derived per case from complaint entries and complaint letters sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from residentlog.ledger.add import add_entry
from residentlog.ledger.complaints import ComplaintHistory, complaint_histories, complaint_step
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from tests.conftest import copy_example

NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)


def _add(s: Store, kind: str, summary: str, when: str, **kw: Any) -> int:
    return add_entry(s, {"kind": kind, "summary": summary, **kw}, when_text=when, now=NOW).num


def _histories(s: Store) -> list[ComplaintHistory]:
    return complaint_histories(list_entries(s, Filters(), NOW))


def _day(step: Any) -> str:
    return "" if step is None else step.day.isoformat()


def test_the_example_ledgers_complaint_history(example_ledger: Path, tmp_path: Path) -> None:
    with Store.open(copy_example(example_ledger, tmp_path / "store")) as s:
        (h,) = _histories(s)
    assert h.case == "complaint-1"
    assert [(x.stage, x.step, _day(x)) for x in h.steps] == [
        (1, "raised", "2020-10-19"),
        (1, "acknowledged", "2020-11-10"),
        (1, "responded", "2020-12-01"),
        (2, "escalated", "2020-12-07"),
        (2, "acknowledged", "2020-12-15"),
        (2, "extended", "2021-01-13"),
        (2, "responded", "2021-02-03"),
        (2, "ombudsman", "2021-03-08"),
    ]
    assert _day(h.raised) == "2020-10-19"
    assert _day(h.stage1_response) == "2020-12-01"
    assert _day(h.escalated) == "2020-12-07"
    assert _day(h.final_response) == "2021-02-03"
    assert _day(h.referred) == "2021-03-08"
    assert h.stage == 2
    assert h.landlord_refs == ("CMP-20-0871",)
    assert h.ombudsman_refs == ("202101234",)
    # Entry numbers point back at the ledger: the raised step is the complaint entry itself.
    assert h.raised is not None and h.entries[0] == h.raised.entry


def test_histories_are_per_case_in_the_order_complaints_were_made(store: Store) -> None:
    later = _add(store, "complaint", "Second complaint", "3 March 2026", case="c2", fields={"stage": 1})
    _add(
        store,
        "complaint",
        "First complaint",
        "1 February 2026",
        case="c1",
        fields={"stage": 1, "step": "raised"},
    )
    _add(
        store,
        "complaint",
        "Acknowledged",
        "2 February 2026",
        case="c1",
        fields={"stage": 1, "step": "acknowledged"},
        refs=[{"by": "landlord", "ref": "C-1"}],
    )
    _add(store, "lift", "Lift broke", "1 January 2026", case="c1", fields={"event": "reported"})
    _add(store, "note", "Unrelated", "1 January 2026")
    first, second = _histories(store)
    assert (first.case, [x.step for x in first.steps], first.landlord_refs) == (
        "c1",
        ["raised", "acknowledged"],
        ("C-1",),
    )
    assert (second.case, second.entries) == ("c2", (later,))
    # Nothing at stage 2 yet: no final response, no referral.
    assert first.stage == 1
    assert first.escalated is None and first.final_response is None and first.referred is None


def test_a_complaint_letter_recorded_as_sent_is_its_step(store: Store) -> None:
    sent = _add(
        store,
        "contact",
        "Sent letter: complaint-stage2",
        "5 March 2026 10:00",
        case="c1",
        fields={"direction": "out", "channel": "letter", "letter": "complaint-stage2"},
    )
    other = _add(
        store,
        "contact",
        "Sent letter: repair-report",
        "6 March 2026 10:00",
        case="c1",
        fields={"direction": "out", "channel": "letter", "letter": "repair-report"},
    )
    entries = {e.num: e for e in list_entries(store, Filters(), NOW)}
    step = complaint_step(entries[sent])
    assert step is not None
    assert (step.stage, step.step, step.letter) == (2, "escalated", "complaint-stage2")
    assert complaint_step(entries[other]) is None
    (h,) = _histories(store)
    assert h.escalated is not None and h.escalated.entry == sent
    assert h.raised is None  # the log has no stage 1 complaint for it


def test_a_referral_letter_is_a_referral_but_not_a_stage_2(store: Store) -> None:
    _add(store, "complaint", "Complaint", "1 February 2026", case="c1", fields={"stage": 1})
    _add(
        store,
        "contact",
        "Sent letter: ombudsman-referral",
        "1 April 2026",
        case="c1",
        fields={"direction": "out", "channel": "letter", "letter": "ombudsman-referral"},
    )
    (h,) = _histories(store)
    assert _day(h.referred) == "2026-04-01"
    assert h.stage == 1 and h.final_response is None
