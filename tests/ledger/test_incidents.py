"""Incidents and outages: the derived views that every count is made from."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residentlog.ledger.entry import IN_ORDER, Entry
from residentlog.ledger.incidents import group_incidents, incident_of, recurrences
from residentlog.ledger.outages import day_bounds, named_asset, outages, service_year, service_year_label
from residentlog.ledger.when import LONDON

NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)


def entry(
    num: int,
    kind: str,
    when: str,
    event: str | None = None,
    *,
    case: str | None = "lift-2",
    links: tuple[int, ...] = (),
    refs: tuple[tuple[str, str], ...] = (),
    **fields: Any,
) -> Entry:
    if event is not None:
        fields["event"] = event
    record = {
        "amends": None,
        "seq": num,
        "kind": kind,
        "summary": f"entry {num}",
        "details": "",
        "location": "",
        "case": case,
        "tags": [],
        "links": list(links),
        "refs": [{"by": by, "ref": ref} for by, ref in refs],
        "attachments": [],
        "fields": fields,
        "occurred_at": when,
        "occurred_precision": "minute",
        "occurred_text": "",
        "recorded_at": "2026-11-23T18:40:00+00:00",
        "reason": "",
    }
    return Entry(num=num, record=record, versions=1, hash="00" * 32)


def shape(entries: list[Entry]) -> list[tuple[int, list[int]]]:
    return [(i.number, i.nums) for i in group_incidents(entries)]


def test_a_report_right_after_an_observation_is_the_same_incident() -> None:
    seen = entry(1, "lift", "2020-03-04T13:10:00+00:00", out_of_service=True)
    told = entry(2, "lift", "2020-03-05T09:00:00+00:00", "reported", refs=(("landlord", "LFT-1"),))
    (incident,) = group_incidents([told, seen])
    assert incident.nums == [1, 2]
    assert incident.report_count == 1
    assert incident.how == {2: "the report of what was seen"}
    assert incident.landlord_refs == ["LFT-1"]


def test_a_report_days_later_or_a_second_observation_is_another_breakdown() -> None:
    entries = [
        entry(1, "lift", "2020-03-04T13:10:00+00:00"),
        entry(2, "lift", "2020-03-09T09:00:00+00:00", "reported"),  # 5 days: outside the window
        entry(3, "lift", "2020-03-09T12:00:00+00:00"),  # seen again: another breakdown
        entry(4, "lift", "2020-03-09T12:30:00+00:00", "reported"),
        entry(5, "lift", "2020-03-09T13:00:00+00:00", "reported"),  # already reported: a new one
    ]
    assert shape(entries) == [(1, [1]), (2, [2]), (3, [3, 4]), (5, [5])]


def test_a_lasting_fault_is_one_incident_however_often_it_is_reported() -> None:
    door = {"case": "front-door"}
    entries = [
        entry(1, "door", "2019-09-02T20:30:00+00:00", **door),
        entry(2, "door", "2019-09-03T07:15:00+00:00", "reported", **door),
        entry(3, "door", "2019-09-19T17:40:00+00:00", "reported", **door),
        entry(4, "door", "2019-09-24T13:10:00+00:00", "not-fixed", links=(3,), **door),
        entry(5, "door", "2019-10-08T20:10:00+00:00", "reported", **door),
        entry(6, "door", "2020-09-15T12:30:00+00:00", "fixed", links=(5,), **door),
        entry(7, "door", "2021-02-01T21:00:00+00:00", "recurred", links=(6,), **door),
        entry(8, "door", "2021-02-02T08:30:00+00:00", "reported", links=(7,), **door),
        entry(9, "door", "2021-04-22T19:15:00+00:00", "reported", **door),
    ]
    first, second = group_incidents(entries)
    assert (first.nums, first.report_count, first.is_open) == ([1, 2, 3, 4, 5, 6], 3, False)
    assert first.fixed is not None and first.fixed.num == 6
    assert (second.nums, second.report_count, second.is_open) == ([7, 8, 9], 2, True)
    assert second.recurrence_of == 1
    assert first.how[3] == "the same fault, not yet fixed"
    assert first.how[4] == "linked to entry 3"


def test_a_report_after_a_fix_is_a_new_incident() -> None:
    entries = [
        entry(1, "damp", "2020-01-06T09:30:00+00:00", "reported", case=None, rooms="bathroom"),
        entry(2, "damp", "2020-02-01T09:30:00+00:00", "fixed", case=None, rooms="bathroom"),
        entry(3, "damp", "2020-05-01T09:30:00+00:00", "reported", case=None, rooms="bathroom"),
        entry(4, "damp", "2020-05-02T09:30:00+00:00", "reported", case=None, rooms="kitchen"),
    ]
    assert shape(entries) == [(1, [1, 2]), (3, [3]), (4, [4])]


def test_the_resident_can_say_which_incident_or_a_new_one() -> None:
    entries = [
        entry(1, "lift", "2020-03-04T13:10:00+00:00", "reported"),
        entry(2, "lift", "2020-03-20T09:00:00+00:00", "chased"),
        entry(3, "lift", "2020-03-25T09:00:00+00:00", "reported", incident=1),
        entry(4, "door", "2020-03-25T10:00:00+00:00", case="front-door"),
        entry(5, "door", "2020-03-25T11:00:00+00:00", "reported", case="front-door", new_incident=True),
    ]
    incidents = group_incidents(entries)
    assert [(i.number, i.nums) for i in incidents] == [(1, [1, 2, 3]), (4, [4]), (5, [5])]
    assert incidents[0].how == {2: "follows incident 1", 3: "said to be part of incident 1"}
    assert incident_of(incidents, 3) is incidents[0]
    assert incident_of(incidents, 99) is None


def test_follow_ups_with_nothing_to_follow_and_other_kinds_are_not_incidents() -> None:
    entries = [
        entry(1, "cctv", "2020-02-16T09:00:00+00:00", "requested", case="cctv"),
        entry(2, "contact", "2020-02-16T10:00:00+00:00", case="cctv"),
        entry(3, "complaint", "2020-02-16T11:00:00+00:00", case="cctv", stage=1),
    ]
    assert group_incidents(entries) == []


def test_recurrences_and_police_only_reports() -> None:
    entries = [
        entry(1, "asb", "2020-03-13T16:30:00+00:00", "reported", case="asb", refs=(("police", "CAD-1"),)),
        entry(2, "asb", "2020-03-14T09:45:00+00:00", "reported", case="asb", links=(1,)),
        entry(3, "lift", "2020-03-14T09:45:00+00:00", "reported"),
        entry(4, "lift", "2020-03-14T12:45:00+00:00", "fixed"),
        entry(5, "lift", "2020-04-14T12:45:00+00:00", "recurred"),
    ]
    incidents = group_incidents(entries)
    assert [i.report_count for i in incidents] == [2, 1, 0]
    assert [len(i.landlord_reports) for i in incidents] == [1, 1, 0]
    assert incidents[2].recurrence_of == 3
    assert recurrences(incidents) == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["lift", "door", "asb", "contact"]),
            st.sampled_from(["observed", "reported", "fixed", "not-fixed", "recurred", "attended"]),
            st.integers(min_value=0, max_value=60 * 24 * 20) | st.sampled_from([0, 1]),  # ties too
            st.sampled_from(["a", "b"]),
        ),
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_every_entry_is_in_at_most_one_incident_and_order_does_not_matter(
    rows: list[Any], rnd: random.Random
) -> None:
    base = datetime(2020, 1, 1, tzinfo=UTC)
    entries = [
        entry(
            n, kind, (base + timedelta(minutes=m)).isoformat(), event if kind != "contact" else None, case=c
        )
        for n, (kind, event, m, c) in enumerate(rows, 1)
    ]
    incidents = group_incidents(entries)
    nums = [n for i in incidents for n in i.nums]
    assert len(nums) == len(set(nums))
    assert all(len({(e.case, e.kind) for e in i.entries}) == 1 for i in incidents)
    expected = [(i.number, i.nums) for i in incidents]
    assert shape(list(reversed(entries))) == expected
    # in order already (as list_entries gives them: not sorted again), and in any other order
    assert shape(sorted(entries, key=IN_ORDER)) == expected
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert shape(shuffled) == expected
    # every observation, report and recurrence is counted in exactly one incident
    starts = {
        e.num for e in entries if e.kind != "contact" and e.event in ("observed", "reported", "recurred")
    }
    assert starts <= set(nums)


# -- outages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "name", "shown"),
    [
        ("lift", "Lift 2", "Lift 2"),
        ("lift", "2", "Lift 2"),
        ("lift", "B2", "Lift B2"),
        ("lift", "A", "Lift A"),
        ("lift", "north", "north lift"),
        ("lift", "Block A", "Block A lift"),
        ("lift", "west LIFT", "west LIFT"),
        ("door", "Main entrance", "Main entrance door"),
        ("door", "Main entrance door", "Main entrance door"),
        ("door", "12", "Door 12"),
        ("door", "Flat 12 front", "Flat 12 front door"),
        ("camera", "lobby", "lobby camera"),
        ("camera", "3", "Camera 3"),
    ],
)
def test_a_named_asset_says_what_it_is(field: str, name: str, shown: str) -> None:
    assert named_asset(field, name) == shown


def test_outages_of_one_lift_named_two_ways_are_one_asset() -> None:
    entries = [
        entry(n, "lift", when, "reported", case=None, out_of_service=True, lift=name)
        for n, (when, name) in enumerate(
            [("2020-04-21T09:00:00+00:00", "2"), ("2020-05-21T09:00:00+00:00", "lift 2")], 1
        )
    ]
    (lift,) = outages(group_incidents(entries))
    assert (lift.asset, lift.count) == ("Lift 2", 2)


def test_outages_known_and_unknown_ends_and_entrapments() -> None:
    entries = [
        entry(1, "lift", "2020-04-21T09:00:00+00:00", "reported", out_of_service=True, lift="Lift 2"),
        entry(2, "lift", "2020-04-23T13:00:00+00:00", "not-fixed", links=(1,), lift="Lift 2"),
        entry(3, "lift", "2020-04-24T13:00:00+00:00", "fixed", links=(1,), lift="Lift 2"),
        entry(
            4,
            "lift",
            "2020-05-12T17:05:00+00:00",
            "reported",
            out_of_service=True,
            lift="Lift 2",
            trapped=3,
            trapped_minutes=110,
        ),
        entry(5, "lift", "2020-05-12T19:05:00+00:00", "attended", links=(4,), lift="Lift 2"),
        entry(6, "lift", "2020-06-01T10:00:00+00:00", "reported", out_of_service=False, lift="Lift 2"),
        entry(7, "door", "2020-03-31T23:00:00+00:00", case="front-door"),
        entry(8, "door", "2020-05-01T12:00:00+00:00", "fixed", case="front-door"),
    ]
    door, lift = outages(group_incidents(entries))  # in order of each asset's first outage
    assert (lift.asset, lift.count, lift.unknown_ends, lift.trapped) == ("Lift 2", 2, 1, 3)
    first, second = lift.outages
    assert (first.downtime, first.end_known, first.end_entry) == (timedelta(days=3, hours=4), True, 3)
    assert (second.downtime, second.end_known, second.end_entry) == (timedelta(hours=2), False, None)
    assert lift.total == timedelta(days=3, hours=6)
    assert lift.longest is first
    assert [o.trapped_minutes for o in lift.entrapments] == [110]
    assert (door.asset, door.kind, door.total) == ("front-door", "door", timedelta(days=30, hours=13))
    # 2020/21 starts on 1 April (UK time): the door was out from 00:00 BST on 1 April
    down, length = door.downtime_in(date(2020, 4, 1), date(2021, 3, 31), NOW)
    assert (down, length) == (timedelta(days=30, hours=13), timedelta(days=365))
    shares = door.downtime_by_month(NOW)
    assert sorted(shares) == [(2020, 4), (2020, 5)]
    assert shares[(2020, 4)] == 1.0
    assert round(shares[(2020, 5)], 4) == round(13 / (31 * 24), 4)


def test_service_years_run_april_to_march() -> None:
    assert service_year(date(2021, 3, 31)) == (date(2020, 4, 1), date(2021, 3, 31))
    assert service_year(date(2021, 4, 1)) == (date(2021, 4, 1), date(2022, 3, 31))
    assert service_year_label(date(2020, 12, 1)) == "2020/21"
    assert service_year_label(date(2099, 4, 1)) == "2099/00"


def test_heating_and_lighting_repairs_are_outages_of_their_service() -> None:
    entries = [
        entry(1, "repair", "2020-12-01T08:00:00+00:00", "reported", case=None, category="heating"),
        entry(2, "repair", "2020-12-03T08:00:00+00:00", "fixed", case=None, category="heating"),
        entry(3, "repair", "2020-12-01T08:00:00+00:00", "reported", case=None, category="bin-store"),
    ]
    (heating,) = outages(group_incidents(entries))
    assert (heating.asset, heating.count, heating.total, heating.unknown_ends) == (
        "heating",
        1,
        timedelta(days=2),
        0,
    )


def test_service_years_cut_each_outage_at_1_april_uk_time() -> None:
    entries = [  # out from 1 March 2021 to 10 April 2021 (BST from 28 March), then once in 2022/23
        entry(1, "door", "2021-03-01T12:00:00+00:00", case="front-door"),
        entry(2, "door", "2021-04-10T12:00:00+00:00", "fixed", case="front-door"),
        entry(3, "door", "2022-06-01T12:00:00+00:00", case="front-door"),
    ]
    (door,) = outages(group_incidents(entries))
    years = door.service_years(NOW)
    assert [(y.first, y.last, y.spells, y.unknown_ends) for y in years] == [
        (date(2020, 4, 1), date(2021, 3, 31), 1, 0),
        (date(2021, 4, 1), date(2022, 3, 31), 1, 0),
        (date(2022, 4, 1), date(2023, 3, 31), 1, 1),
    ]
    # 1 April 2021 began at 23:00 UTC on 31 March
    assert years[0].down == timedelta(days=30, hours=11)
    assert years[1].down == timedelta(days=9, hours=13)
    assert years[2].down == timedelta(0)  # no end recorded: counted up to its only entry
    assert years[0].length == timedelta(days=365)  # BST at both ends


_INSTANTS = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    spells=st.lists(
        st.tuples(_INSTANTS, st.timedeltas(timedelta(0), timedelta(days=900)), st.booleans()), max_size=12
    ),
    now=_INSTANTS,
)
def test_service_years_are_each_years_downtime_and_spells(
    spells: list[tuple[datetime, timedelta, bool]], now: datetime
) -> None:
    """The one pass over the outages gives, for every year, what asking of that year alone gives."""
    from residentlog.ledger.outages import AssetOutages, Outage

    asset = AssetOutages(
        "Lift 2",
        "lift",
        tuple(
            Outage("Lift 2", "lift", i, start, start + length, known, None)
            for i, (start, length, known) in enumerate(spells)
        ),
    )
    years = asset.service_years(now)
    if not spells:
        assert years == []
        return
    first = service_year(min(start for start, _, _ in spells).astimezone(LONDON).date())[0]
    last_end = max(start + length for start, length, _ in spells)
    assert years[0].first == first
    assert [y.first for y in years] == [date(first.year + i, 4, 1) for i in range(len(years))]
    assert (
        day_bounds(years[-1].first, years[-1].last)[0]
        <= last_end
        < day_bounds(years[-1].first, years[-1].last)[1]
    )
    for year in years:
        down, length = asset.downtime_in(year.first, year.last, now)
        spelled = asset.spells_in(year.first, year.last)
        assert (year.down, year.length) == (down, length)
        assert (year.spells, year.unknown_ends) == (len(spelled), sum(not o.end_known for o in spelled))
