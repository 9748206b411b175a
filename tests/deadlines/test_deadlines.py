"""The deadline engine: clocks, statuses, overruns and explanations from entry facts and packs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

import pytest

from residentlog.deadlines.cases import Unclocked, summarise_case, summarise_cases, unclocked_reports
from residentlog.deadlines.engine import (
    Clock,
    ClockStatus,
    EntryFacts,
    compute_clocks,
    resident_nation,
)
from residentlog.deadlines.policy import Pack, list_shipped_packs, parse_pack, shipped_pack
from residentlog.deadlines.workdays import uk_timezone
from residentlog.errors import InputError, PolicyError

ALL_PACKS = list_shipped_packs()
EXAMPLE = shipped_pack("example-landlord")
CHC = shipped_pack("hos-complaint-handling-code")
AWAAB = shipped_pack("awaabs-law")
SAR = shipped_pack("uk-gdpr-subject-access")
SPSO = shipped_pack("spso-model-chp")
LTA = shipped_pack("lta-1985-service-charges")


def uk(text: str) -> datetime:
    """A UK wall-clock time ("2019-09-03 10:00", GMT or BST as in force) as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=uk_timezone()).astimezone(UTC)


def entry(
    number: int, kind: str, event: str, when: str, case: str | None = "c", **attrs: str | int
) -> EntryFacts:
    return EntryFacts(number, kind, event, uk(when), case, {k: str(v) for k, v in attrs.items()})


def by_rule(clocks: tuple[Clock, ...], rule_id: str) -> list[Clock]:
    return [c for c in clocks if c.rule_id == rule_id]


# -- the seed scenario: a communal door reported 14 times, Sep 2019 to Oct 2021 -----------------

DOOR = {"category": "communal-door", "channel": "phone"}
SEED_ROWS: list[tuple[int, str, str]] = [
    (1, "reported", "2019-09-03 10:00"),  # first report
    (2, "attended", "2019-09-05 14:00"),  # contractor attended ...
    (3, "not-fixed", "2019-09-05 14:30"),  # ... but the door still did not shut
    (4, "reported", "2019-10-14 09:15"),
    (5, "reported", "2019-11-25 18:40"),
    (6, "reported", "2020-01-13 08:30"),
    (7, "reported", "2020-02-20 12:00"),
    (8, "reported", "2020-04-07 11:00"),
    (9, "reported", "2020-06-16 16:20"),
    (10, "reported", "2020-08-04 10:05"),
    (11, "fixed", "2020-09-15 14:00"),  # made secure
    (12, "recurred", "2020-10-30 22:00"),
    (13, "reported", "2020-11-02 09:30"),
    (14, "fixed", "2020-11-03 08:00"),
    (15, "reported", "2021-01-18 19:00"),
    (16, "fixed", "2021-01-22 11:00"),
    (17, "reported", "2021-03-08 10:00"),
    (18, "reported", "2021-05-10 10:00"),
    (19, "fixed", "2021-06-01 15:00"),
    (20, "reported", "2021-07-19 10:00"),
    (21, "fixed", "2021-07-20 13:30"),
    (22, "reported", "2021-10-11 21:10"),
]
SEED_NOW = uk("2021-12-01 12:00")


def seed_entries() -> list[EntryFacts]:
    return [
        entry(n, "door", ev, when, "entrance-door", **(DOOR if ev == "reported" else {}))
        for n, ev, when in SEED_ROWS
    ]


def test_seed_scenario_gives_one_clock_per_report() -> None:
    entries = seed_entries()
    assert sum(e.event == "reported" for e in entries) == 14
    clocks = compute_clocks(entries, ALL_PACKS, "england", SEED_NOW)
    # Only the example landlord's 24-hour emergency rule applies: the other packs were not in
    # force, or do not cover door reports.
    assert len(clocks) == 14
    assert {(c.pack_id, c.rule_id) for c in clocks} == {("example-landlord", "emergency-repair")}

    got = [(c.start_entry, c.stop_entry, c.status, c.margin, c.margin_unit) for c in clocks]
    assert got == [
        (1, 11, ClockStatus.BREACHED, 9052, "hours"),
        (4, 11, ClockStatus.BREACHED, 8068, "hours"),  # 336 days 4 h 45: whole hours, rounded down
        (5, 11, ClockStatus.BREACHED, 7050, "hours"),
        (6, 11, ClockStatus.BREACHED, 5884, "hours"),
        (7, 11, ClockStatus.BREACHED, 4969, "hours"),
        (8, 11, ClockStatus.BREACHED, 3843, "hours"),
        (9, 11, ClockStatus.BREACHED, 2157, "hours"),
        (10, 11, ClockStatus.BREACHED, 987, "hours"),
        (13, 14, ClockStatus.MET, 1, "hours"),
        (15, 16, ClockStatus.BREACHED, 64, "hours"),
        (17, 19, ClockStatus.BREACHED, 2020, "hours"),
        (18, 19, ClockStatus.BREACHED, 509, "hours"),
        (20, 21, ClockStatus.BREACHED, 3, "hours"),
        (22, None, ClockStatus.OVERDUE, 1191, "hours"),
    ]


def test_seed_first_report_took_378_days_against_24_hours() -> None:
    first = compute_clocks(seed_entries(), [EXAMPLE], "england", SEED_NOW)[0]
    assert first.started_at == datetime(2019, 9, 3, 9, 0, tzinfo=UTC)
    assert first.due_at == datetime(2019, 9, 4, 9, 0, tzinfo=UTC)
    assert first.stopped_at == datetime(2020, 9, 15, 13, 0, tzinfo=UTC)
    assert first.elapsed == timedelta(days=378, hours=4)
    assert first.elapsed.days == 378
    assert first.exact == timedelta(days=377, hours=4)
    assert first.due_date is None and first.day_zero is None and first.calendar is None
    assert first.status_text == "breached by 377 days 4 hours (9052 hours)"
    assert first.explanation == (
        "Due Wed 4 Sep 2019 10:00 BST = reported Tue 3 Sep 2019 10:00 BST (entry 1) + 24 hours, "
        "counted round the clock; rule Example repairs policy: emergency repairs (Example Housing "
        "Association: repairs, complaints and CCTV (EXAMPLE, adapt before use), version example-1); "
        "treated as priority emergency: the policy lists communal entrance doors and ground-floor "
        "windows that are not secure as emergency repairs (default insecure-door-or-window-is-emergency "
        "of pack example-landlord, version example-1)"
    )
    # The door reports give no priority: the 24-hour rule applies through the pack's default.
    (use,) = first.defaults
    assert (use.attr, use.value, use.default_id, use.pack_id) == (
        "priority",
        "emergency",
        "insecure-door-or-window-is-emergency",
        "example-landlord",
    )
    assert first.to_dict()["defaults"][0]["because"] == (
        "the policy lists communal entrance doors and ground-floor windows that are not secure as "
        "emergency repairs"
    )
    assert first.notes == ("from an example pack: check it against your landlord's own policy",)
    assert first.citation.section == "Example repairs policy: emergency repairs"
    assert first.party == "landlord"
    # The attendance that did not fix the door (entries 2 and 3) did not stop the clock.
    assert first.stop_entry == 11


def test_seed_recurrences_each_measured() -> None:
    clocks = compute_clocks(seed_entries(), [EXAMPLE], "england", SEED_NOW)
    met = next(c for c in clocks if c.start_entry == 13)
    assert met.status_text == "met (1 hour to spare)"
    assert met.exact == timedelta(hours=-1, minutes=-30)
    assert met.elapsed == timedelta(hours=22, minutes=30)
    late = next(c for c in clocks if c.start_entry == 20)
    assert late.status_text == "breached by 3 hours"  # 3 h 30: never rounded up
    assert late.exact == timedelta(hours=3, minutes=30)
    # One 'fixed' stops every clock open in the case: entries 17 and 18 both stop at 19.
    assert [c.stop_entry for c in clocks if c.start_entry in (17, 18)] == [19, 19]
    fifteen = next(c for c in clocks if c.start_entry == 15)
    assert fifteen.status_text == "breached by 2 days 16 hours (64 hours)"
    last = clocks[-1]
    assert last.is_open and last.status is ClockStatus.OVERDUE
    assert last.exact == timedelta(days=49, hours=15, minutes=50)
    assert last.status_text == "overdue by 49 days 15 hours (1191 hours)"


def test_seed_case_summary() -> None:
    entries = seed_entries()
    clocks = compute_clocks(entries, ALL_PACKS, "england", SEED_NOW)
    (summary,) = summarise_cases(entries, clocks, SEED_NOW)
    assert summary.case == "entrance-door"
    assert summary.kinds == ("door",)
    assert summary.report_count == 14
    assert summary.first_report == (1, datetime(2019, 9, 3, 9, 0, tzinfo=UTC))
    assert summary.reports[-1] == (22, datetime(2021, 10, 11, 20, 10, tzinfo=UTC))
    assert summary.recurrences == 5
    assert summary.is_open and summary.closed_at is None
    assert summary.days_open == 820  # 3 Sep 2019 to 1 Dec 2021
    assert summary.counts() == {"met": 1, "breached": 12, "running": 0, "overdue": 0 + 1, "unknown": 0}
    assert len(summary.clocks) == 14
    # Before the last report the case was closed on 20 Jul 2021, 686 days after the first report.
    closed = summarise_case("entrance-door", entries[:-1], clocks[:-1], SEED_NOW)
    assert not closed.is_open
    assert closed.closed_at == datetime(2021, 7, 20, 12, 30, tzinfo=UTC)
    assert closed.days_open == 686


def test_clock_to_dict_is_plain_data() -> None:
    clock = compute_clocks(seed_entries(), [EXAMPLE], "england", SEED_NOW)[0]
    data = clock.to_dict()
    assert data["rule"] == {
        "id": "emergency-repair",
        "title": EXAMPLE.rule("emergency-repair").title,
        "party": "landlord",
        "allowed": "24 hours",
    }
    assert data["start"] == {"entry": 1, "at": "2019-09-03T09:00:00Z"}
    assert data["stop"] == {"entry": 11, "at": "2020-09-15T13:00:00Z"}
    assert data["due"]["at"] == "2019-09-04T09:00:00Z"
    assert data["status"] == "breached"
    assert data["margin"] == {"amount": 9052, "unit": "hours", "calendar_days": None}
    assert data["exact_seconds"] == (377 * 24 + 4) * 3600
    assert data["citation"]["confidence"] == "medium"


# -- Complaint Handling Code: stage 1 acknowledged late and answered late -----------------------


def stage1(*extra: EntryFacts) -> list[EntryFacts]:
    return [
        entry(40, "complaint", "raised", "2025-02-03 11:00", "lift-complaint", stage=1),
        entry(41, "complaint", "acknowledged", "2025-02-24 11:00", "lift-complaint", stage=1),
        *extra,
    ]


def test_stage_1_acknowledged_late_and_answered_late() -> None:
    entries = stage1(entry(42, "complaint", "responded", "2025-03-21 16:00", "lift-complaint", stage=1))
    clocks = compute_clocks(entries, [CHC], "england", uk("2025-06-01 12:00"))
    ack, response = clocks
    assert (ack.rule_id, ack.start_entry, ack.stop_entry) == ("stage-1-acknowledgement", 40, 41)
    assert ack.due_date == date(2025, 2, 10)
    assert ack.status is ClockStatus.BREACHED
    assert (ack.margin, ack.margin_unit, ack.calendar_days) == (10, "working days", 14)
    assert ack.status_text == "breached by 10 working days (14 days)"

    assert (response.rule_id, response.start_entry, response.stop_entry) == ("stage-1-response", 41, 42)
    assert response.day_zero == date(2025, 2, 24)
    assert response.due_date == date(2025, 3, 10)
    assert response.due_at == datetime(2025, 3, 11, 0, 0, tzinfo=UTC)  # end of the due day, GMT
    assert response.status_text == "breached by 9 working days (11 days)"
    assert response.exact == timedelta(days=10, hours=16)
    assert response.explanation == (
        "Due Mon 10 Mar 2025 = acknowledged Mon 24 Feb (entry 41, day zero) + 10 working days; "
        "4 weekend days skipped; no bank holidays (England and Wales); rule Complaint Handling Code "
        "2024, paragraphs 6.3 to 6.5 (Complaint Handling Code, version 2024)"
    )
    assert response.citation.url is not None and response.citation.confidence == "high"


def test_stage_1_extension_before_the_due_date_moves_it() -> None:
    ext = entry(
        43,
        "complaint",
        "extended",
        "2025-03-07 10:00",
        "lift-complaint",
        stage=1,
        reasons="waiting for the lift engineer's report",
        ombudsman_details="yes",
    )
    reply = entry(44, "complaint", "responded", "2025-03-21 16:00", "lift-complaint", stage=1)
    clocks = compute_clocks(stage1(ext, reply), [CHC], "england", uk("2025-06-01 12:00"))
    response = by_rule(clocks, "stage-1-response")[0]
    assert response.extension_entry == 43
    assert response.due_date == date(2025, 3, 24)
    assert response.original_due_at == datetime(2025, 3, 11, 0, 0, tzinfo=UTC)
    assert response.status is ClockStatus.MET
    assert response.status_text == "met (1 working day to spare)"
    assert response.notes == ()
    assert response.explanation.startswith(
        "Due Mon 24 Mar 2025 after extension (entry 43, Fri 7 Mar 2025; up to 10 working days allowed); "
        "originally due Mon 10 Mar 2025 = acknowledged Mon 24 Feb (entry 41, day zero)"
    )


def test_extension_without_ombudsman_details_is_noted_and_late_one_ignored() -> None:
    ext = entry(43, "complaint", "extended", "2025-03-07 10:00", "lift-complaint", stage=1)
    clocks = compute_clocks(stage1(ext), [CHC], "england", uk("2025-03-14 12:00"))
    response = by_rule(clocks, "stage-1-response")[0]
    assert response.due_date == date(2025, 3, 24)
    assert response.status_text == "running, due in 6 working days"
    assert response.notes == (
        "extension (entry 43): no reasons recorded; this rule requires them",
        "extension (entry 43): the Ombudsman's contact details are not recorded; this rule requires them",
    )
    late_ext = entry(43, "complaint", "extended", "2025-03-12 10:00", "lift-complaint", stage=1)
    clocks = compute_clocks(stage1(late_ext), [CHC], "england", uk("2025-03-14 12:00"))
    response = by_rule(clocks, "stage-1-response")[0]
    assert response.due_date == date(2025, 3, 10)
    assert response.extension_entry is None
    assert response.status_text == "overdue by 4 working days (4 days)"
    assert response.notes == ("extension (entry 43) came after the due date, so it was not applied",)


def extension(**attrs: str) -> EntryFacts:
    return entry(43, "complaint", "extended", "2025-03-07 10:00", "lift-complaint", stage=1, **attrs)


def test_extension_until_date_is_capped() -> None:
    ext = extension(until="2025-03-14")
    clocks = compute_clocks(stage1(ext), [CHC], "england", uk("2025-03-12 12:00"))
    assert by_rule(clocks, "stage-1-response")[0].due_date == date(2025, 3, 14)
    ext = extension(until="2025-04-30")
    clocks = compute_clocks(stage1(ext), [CHC], "england", uk("2025-03-12 12:00"))
    capped = by_rule(clocks, "stage-1-response")[0]
    assert capped.due_date == date(2025, 3, 24)
    assert "capped" in capped.notes[0]


def test_stage_2_response_running_over_easter() -> None:
    entries = [
        entry(60, "complaint", "escalated", "2025-04-10 09:00", "lift-complaint", stage=2),
        entry(61, "complaint", "acknowledged", "2025-04-16 15:00", "lift-complaint", stage=2),
    ]
    clocks = compute_clocks(entries, [CHC], "england", uk("2025-05-14 12:00"))
    ack, response = clocks
    assert ack.due_date == date(2025, 4, 17)
    assert ack.status_text == "met (1 working day to spare)"
    assert response.status is ClockStatus.RUNNING
    assert response.due_date == date(2025, 5, 19)
    assert response.status_text == "running, due in 3 working days"
    assert response.margin == 3 and response.calendar_days == 5
    assert response.explanation.startswith(
        "Due Mon 19 May 2025 = acknowledged Wed 16 Apr (entry 61, day zero) + 20 working days; "
        "10 weekend days skipped; 3 bank holidays skipped (Good Friday Fri 18 Apr, Easter Monday "
        "Mon 21 Apr, May Day Mon 5 May) (England and Wales)"
    )
    due_today = compute_clocks(entries, [CHC], "england", uk("2025-05-19 23:59"))[1]
    assert due_today.status_text == "running, due today"
    overdue = compute_clocks(entries, [CHC], "england", uk("2025-05-20 00:00"))[1]
    assert overdue.status_text == "overdue by 1 working day (1 day)"


def test_stop_with_a_contradicting_stage_does_not_stop_the_clock() -> None:
    entries = stage1(entry(42, "complaint", "responded", "2025-03-05 10:00", "lift-complaint", stage=2))
    clocks = compute_clocks(entries, [CHC], "england", uk("2025-03-06 12:00"))
    response = by_rule(clocks, "stage-1-response")[0]
    assert response.stop_entry is None and response.status is ClockStatus.RUNNING


def test_clocks_do_not_cross_cases() -> None:
    entries = [
        entry(1, "door", "reported", "2023-03-06 10:00", "front", category="communal-door"),
        entry(2, "door", "fixed", "2023-03-06 12:00", "back"),
        entry(3, "door", "fixed", "2023-03-08 10:00", "front"),
    ]
    (clock,) = compute_clocks(entries, [EXAMPLE], "england", uk("2023-04-01 12:00"))
    assert clock.stop_entry == 3 and clock.status_text == "breached by 24 hours"


def test_codes_before_they_took_effect_start_no_clocks() -> None:
    entries = [entry(1, "complaint", "raised", "2024-03-28 10:00", stage=1)]
    assert compute_clocks(entries, [CHC], "england", uk("2024-06-01 12:00")) == ()
    entries = [entry(1, "complaint", "raised", "2024-04-01 10:00", stage=1)]
    assert [c.rule_id for c in compute_clocks(entries, [CHC], "england", uk("2024-06-01 12:00"))] == [
        "stage-1-acknowledgement"
    ]


# -- running and overdue relative to now ----------------------------------------------------------


def test_running_and_overdue_hours_clocks() -> None:
    entries = [
        entry(1, "repair", "reported", "2024-01-05 17:00", "boiler", priority="emergency"),
        entry(2, "lift", "reported", "2024-01-06 09:00", "lift-2", priority="emergency"),
    ]
    now = uk("2024-01-06 20:30")
    boiler, lift = compute_clocks(entries, [EXAMPLE], "england", now)
    assert boiler.status is ClockStatus.OVERDUE
    assert boiler.status_text == "overdue by 3 hours"
    assert boiler.exact == timedelta(hours=3, minutes=30)
    assert lift.status is ClockStatus.RUNNING
    assert lift.status_text == "running, due in 12 hours"
    assert lift.exact == timedelta(hours=-12, minutes=-30)
    assert lift.elapsed == timedelta(hours=11, minutes=30)


def test_running_working_day_clock_over_a_weekend() -> None:
    entries = [entry(1, "repair", "reported", "2024-01-05 17:00", "window", priority="urgent")]
    (clock,) = compute_clocks(entries, [EXAMPLE], "england", uk("2024-01-06 10:00"))
    assert clock.rule_id == "urgent-repair"
    assert clock.due_date == date(2024, 1, 12)
    assert clock.status_text == "running, due in 5 working days"
    assert clock.calendar_days == 6


# -- Awaab's Law -------------------------------------------------------------------------------


def damp(number: int, event: str, when: str, **attrs: str) -> EntryFacts:
    return entry(number, "damp", event, when, "bedroom-mould", **attrs)


def test_awaab_significant_damp_hazard() -> None:
    entries = [
        damp(1, "reported", "2025-11-03 10:00", hazard="significant"),
        damp(2, "attended", "2025-11-20 11:00"),
        damp(3, "provided", "2025-11-24 09:00"),
    ]
    clocks = compute_clocks(entries, ALL_PACKS, "england", uk("2025-11-28 12:00"))
    assert [(c.pack_id, c.rule_id) for c in clocks] == [
        ("awaabs-law", "significant-hazard-investigate"),
        ("awaabs-law", "significant-hazard-safety-work"),
        ("awaabs-law", "significant-hazard-written-summary"),
    ]
    investigate, safety, summary = clocks
    assert investigate.due_date == date(2025, 11, 17)
    assert (investigate.stop_entry, investigate.status_text) == (2, "breached by 3 working days (3 days)")
    assert summary.due_date == date(2025, 11, 25)
    assert (summary.stop_entry, summary.status_text) == (3, "met (1 working day to spare)")
    assert safety.due_date == date(2025, 11, 27)
    assert (safety.stop_entry, safety.status) == (None, ClockStatus.OVERDUE)
    assert safety.status_text == "overdue by 1 working day (1 day)"


def test_awaab_investigation_overdue_now() -> None:
    entries = [damp(1, "reported", "2025-11-03 10:00", hazard="significant")]
    (clock,) = compute_clocks(entries, [AWAAB], "england", uk("2025-11-21 12:00"))
    assert clock.status_text == "overdue by 4 working days (4 days)"
    assert clock.explanation == (
        "Due Mon 17 Nov 2025 = reported Mon 3 Nov (entry 1, day zero) + 10 working days; 4 weekend "
        "days skipped; no bank holidays (England and Wales); rule Awaab's Law Regulations 2025, "
        "regulation 6 (number low confidence) (Hazards in Social Housing (Prescribed Requirements) "
        "(England) Regulations 2025 (Awaab's Law), version 2025-phase-1)"
    )


def test_awaab_emergency_hazard_and_transitional_rule() -> None:
    before = [damp(1, "reported", "2025-10-20 10:00", hazard="significant")]
    assert compute_clocks(before, [AWAAB], "england", uk("2025-12-01 12:00")) == ()
    emergency = [
        damp(1, "reported", "2025-11-01 22:00", hazard="emergency"),
        damp(2, "attended", "2025-11-02 08:00"),
        damp(3, "fixed", "2025-11-03 09:00"),
    ]
    investigate, make_safe = compute_clocks(emergency, [AWAAB], "england", uk("2025-12-01 12:00"))
    assert investigate.rule_id == "emergency-hazard-investigate"
    assert investigate.status_text == "met (14 hours to spare)"
    assert make_safe.rule_id == "emergency-hazard-make-safe"
    assert make_safe.status_text == "breached by 11 hours"
    # Awaab's Law is English: a Welsh or Scottish resident gets no Awaab clocks.
    assert compute_clocks(emergency, [AWAAB], "wales", uk("2025-12-01 12:00")) == ()
    assert compute_clocks(emergency, [AWAAB], "scotland", uk("2025-12-01 12:00")) == ()


# -- subject access, CCTV, service charges, Scotland ---------------------------------------------


def test_cctv_subject_access_request_month() -> None:
    entries = [
        entry(1, "cctv", "requested", "2025-01-31 16:00", "cctv-footage", category="subject-access"),
        entry(2, "cctv", "provided", "2025-03-03 10:00", "cctv-footage"),
    ]
    (clock,) = compute_clocks(entries, ALL_PACKS, "england", uk("2025-04-01 12:00"))
    assert clock.rule_id == "cctv-sar-response"
    assert clock.due_date == date(2025, 2, 28)
    assert clock.status_text == "breached by 3 days"
    assert clock.explanation.startswith(
        "Due Fri 28 Feb 2025 = requested Fri 31 Jan (entry 1) + 1 calendar month; "
        "no day 31 in that month, so its last day"
    )


def test_a_unit_the_engine_cannot_count_in_is_refused_not_guessed() -> None:
    """A pack built without validation, with a unit the format does not have: no clock is
    silently counted in months (the engine once treated every unknown unit as months)."""
    rules = tuple(
        r.model_copy(update={"allowed": r.allowed.model_copy(update={"unit": "fortnights"})})
        if r.id == "cctv-sar-response"
        else r
        for r in SAR.rules
    )
    pack = SAR.model_copy(update={"rules": rules})
    entries = [entry(1, "cctv", "requested", "2025-01-31 16:00", "cctv-footage", category="subject-access")]
    with pytest.raises(PolicyError) as caught:
        compute_clocks(entries, [pack], "england", uk("2025-04-01 12:00"))
    assert caught.value.message == (
        "cctv-sar-response: cannot count in 'fortnights'; "
        "a timeframe is counted in hours, calendar_days, working_days, calendar_months"
    )


def test_subject_access_extension_counts_three_months_from_receipt() -> None:
    entries = [
        entry(1, "note", "requested", "2025-01-31 16:00", "records", category="subject-access"),
        entry(2, "note", "extended", "2025-02-20 10:00", "records", reasons="complex"),
    ]
    (clock,) = compute_clocks(entries, [SAR], "england", uk("2025-03-10 12:00"))
    assert clock.rule_id == "sar-response"
    assert clock.due_date == date(2025, 4, 30)  # not 28 Apr (28 Feb + 2 months)
    assert clock.status is ClockStatus.RUNNING and clock.notes == ()


def test_subject_access_due_date_rolls_to_the_next_working_day() -> None:
    entries = [entry(1, "repair", "requested", "2025-10-31 10:00", "records", category="subject-access")]
    (eng,) = compute_clocks(entries, [SAR], "england", uk("2025-11-10 12:00"))
    assert eng.due_date == date(2025, 12, 1)
    assert eng.explanation.startswith(
        "Due Mon 1 Dec 2025 = requested Fri 31 Oct (entry 1) + 1 calendar month; "
        "no day 31 in that month, so its last day; Sun 30 Nov is not a working day, so the next working day"
    )
    (sct,) = compute_clocks(entries, [SAR], "scotland", uk("2025-11-10 12:00"))
    assert sct.due_date == date(2025, 12, 2)  # Mon 1 Dec is St Andrew's Day (substitute)


def test_cctv_police_request_window_is_the_residents() -> None:
    entries = [
        entry(1, "cctv", "observed", "2025-03-01 20:00", "break-in"),
        entry(2, "cctv", "requested", "2025-03-10 09:00", "break-in"),
    ]
    (clock,) = compute_clocks(entries, [EXAMPLE, SAR], "england", uk("2025-04-01 12:00"))
    assert (clock.rule_id, clock.party) == ("cctv-police-request-window", "resident")
    assert clock.due_date == date(2025, 3, 11)
    assert clock.status_text == "met (1 day to spare)"


def test_section_20_period_begins_with_the_day_of_the_notice() -> None:
    entries = [
        entry(1, "service-charge", "provided", "2025-03-01 10:00", "s20", category="s20-notice-of-intention")
    ]
    (clock,) = compute_clocks(entries, [LTA], "england", uk("2025-03-20 12:00"))
    assert clock.due_date == date(2025, 3, 30)
    assert clock.status_text == "running, due in 10 days"
    assert clock.explanation.startswith(
        "Due Sun 30 Mar 2025 = provided Sat 1 Mar (entry 1, day 1) + 30 calendar days counting that day"
    )


def test_scotland_uses_spso_and_scottish_bank_holidays() -> None:
    entries = [entry(1, "complaint", "raised", "2025-11-27 10:00", "heating", stage=1)]
    clocks = compute_clocks(entries, ALL_PACKS, "scotland", uk("2025-12-01 12:00"))
    assert [(c.pack_id, c.rule_id) for c in clocks] == [("spso-model-chp", "stage-1-decision")]
    assert clocks[0].due_date == date(2025, 12, 5)
    skipped = "1 bank holiday skipped (Saint Andrew's Day (observed) Mon 1 Dec) (Scotland)"
    assert skipped in clocks[0].explanation
    english = compute_clocks(entries, ALL_PACKS, "england", uk("2025-12-01 12:00"))
    assert {c.pack_id for c in english} == {"hos-complaint-handling-code", "example-landlord"}


# -- day zero, after hours and pack versions (packs written in the test) ------------------------

CUSTOM = """\
id = "after-hours"
title = "Complaints Policy"
publisher = "Test Homes"
version = "{version}"
jurisdiction = "england"
effective_from = {start}
{end}
source = "Complaints leaflet"

[[rules]]
id = "reply"
title = "Reply within {amount} working days"
applies_to = [{{ kinds = ["complaint"] }}]
start = ["raised"]
stop = ["responded"]
allowed = {{ amount = {amount}, unit = "working_days" }}
day_zero = "next-working-day"
after_hours = "17:00"

[rules.citation]
section = "Leaflet page 2"
wording = "Emails after 5pm or at weekends are treated as received the next working day."
document = "Complaints leaflet"
confidence = "high"
"""


def custom(version: str = "1", start: str = "2020-01-01", end: str = "", amount: int = 10) -> Pack:
    end_line = f"effective_to = {end}" if end else ""
    text = CUSTOM.format(version=version, start=start, end=end_line, amount=amount)
    return parse_pack(text, f"custom-{version}.toml")


def test_after_hours_and_non_working_day_counting() -> None:
    pack = custom()
    friday_evening = [entry(1, "complaint", "raised", "2025-02-21 17:30", stage=1)]
    (clock,) = compute_clocks(friday_evening, [pack], "england", uk("2025-02-25 12:00"))
    assert clock.day_zero == date(2025, 2, 24)
    assert clock.due_date == date(2025, 3, 10)
    assert clock.explanation.startswith(
        "Due Mon 10 Mar 2025 = raised Fri 21 Feb after hours (entry 1), counted from Mon 24 Feb (day zero)"
    )
    friday_afternoon = [entry(1, "complaint", "raised", "2025-02-21 16:59", stage=1)]
    assert compute_clocks(friday_afternoon, [pack], "england", uk("2025-02-25 12:00"))[0].due_date == date(
        2025, 3, 7
    )
    saturday = [entry(1, "complaint", "raised", "2025-02-22 10:00", stage=1)]
    (clock,) = compute_clocks(saturday, [pack], "england", uk("2025-02-25 12:00"))
    assert clock.due_date == date(2025, 3, 10)
    assert "raised Sat 22 Feb on a non-working day (entry 1), counted from Mon 24 Feb" in clock.explanation
    # The shipped Code counts the Saturday itself as day zero.
    (chc,) = compute_clocks(saturday, [CHC], "england", uk("2025-02-25 12:00"))
    assert chc.due_date == date(2025, 2, 28)


def test_the_version_in_force_on_the_start_date_is_used() -> None:
    old = custom("2019", start="2020-01-01", end="2022-12-31", amount=20)
    new = custom("2023", start="2023-01-01", amount=10)
    entries = [
        entry(1, "complaint", "raised", "2022-12-30 10:00", "a", stage=1),
        entry(2, "complaint", "raised", "2023-01-03 10:00", "b", stage=1),
    ]
    first, second = compute_clocks(entries, [new, old], "england", uk("2023-01-04 12:00"))
    assert (first.pack_version, first.due_date) == ("2019", date(2023, 1, 30))  # Mon 2 Jan 2023 skipped
    assert (second.pack_version, second.due_date) == ("2023", date(2023, 1, 17))


# -- input checks ------------------------------------------------------------------------------


def test_input_errors() -> None:
    with pytest.raises(InputError, match="no time zone"):
        EntryFacts(1, "door", "reported", datetime(2025, 1, 1, 10, 0))
    with pytest.raises(InputError, match="entry number 1 appears twice"):
        compute_clocks(
            [entry(1, "door", "reported", "2025-01-01 10:00"), entry(1, "door", "fixed", "2025-01-02 10:00")],
            [EXAMPLE],
            "england",
            uk("2025-02-01 10:00"),
        )
    with pytest.raises(InputError, match="unknown nation 'france'"):
        compute_clocks([], [EXAMPLE], "france", uk("2025-02-01 10:00"))
    with pytest.raises(InputError, match="no time zone"):
        compute_clocks([], [EXAMPLE], "england", datetime(2025, 2, 1, 10, 0))
    with pytest.raises(InputError, match="no entries in case 'nope'"):
        summarise_case("nope", [], [], uk("2025-02-01 10:00"))


def test_entry_facts_normalise_attrs_and_time() -> None:
    facts = EntryFacts(7, "complaint", "raised", uk("2025-07-01 10:00"), None, {"stage": 1, "x": True})
    assert facts.occurred_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert isinstance(facts.attrs, Mapping)
    assert dict(facts.attrs) == {"stage": "1", "x": "true"}
    assert resident_nation("WLS") == ("england-wales", frozenset({"wales", "uk"}))


def test_entries_without_a_case_form_one_group() -> None:
    entries = [
        entry(1, "door", "reported", "2023-03-06 10:00", None, category="communal-door"),
        entry(2, "door", "fixed", "2023-03-06 20:00", None),
    ]
    clocks = compute_clocks(entries, [EXAMPLE], "england", uk("2023-04-01 12:00"))
    assert [(c.case, c.stop_entry, c.status_text) for c in clocks] == [(None, 2, "met (14 hours to spare)")]
    (summary,) = summarise_cases(entries, clocks, uk("2023-04-01 12:00"))
    assert summary.case is None and not summary.is_open and summary.days_open == 0


def test_case_attributes_carry_forward_to_later_entries() -> None:
    entries = [
        entry(1, "door", "reported", "2023-03-06 10:00", "front", category="communal-door"),
        entry(2, "door", "reported", "2023-03-07 10:00", "front"),  # same door, category not repeated
        entry(3, "door", "fixed", "2023-03-07 12:00", "front"),
    ]
    clocks = compute_clocks(entries, [EXAMPLE], "england", uk("2023-04-01 12:00"))
    assert [(c.start_entry, c.stop_entry, c.status_text) for c in clocks] == [
        (1, 3, "breached by 2 hours"),
        (2, 3, "met (22 hours to spare)"),
    ]


def test_a_fix_stops_clocks_of_every_priority_in_the_case() -> None:
    entries = [
        entry(1, "repair", "reported", "2024-02-05 09:00", "leak", priority="urgent"),
        entry(2, "repair", "reported", "2024-02-06 09:00", "leak", priority="emergency"),
        entry(3, "repair", "fixed", "2024-02-06 18:00", "leak"),
    ]
    clocks = compute_clocks(entries, [EXAMPLE], "england", uk("2024-03-01 12:00"))
    assert [(c.rule_id, c.stop_entry, c.status_text) for c in clocks] == [
        ("urgent-repair", 3, "met (4 working days to spare)"),
        ("emergency-repair", 3, "met (15 hours to spare)"),
    ]


def test_lateness_is_rounded_down_never_overstated() -> None:
    """252 days 5 h 05 late reads "252 days 5 hours", not 6; under an hour late says so."""
    entries = [entry(1, "repair", "reported", "2024-01-05 17:00", "boiler", priority="emergency")]
    late = uk("2024-01-06 17:00") + timedelta(days=252, hours=5, minutes=5)
    (boiler,) = compute_clocks(entries, [EXAMPLE], "england", late)
    assert boiler.status_text == "overdue by 252 days 5 hours (6053 hours)"
    assert boiler.margin == 6053
    (boiler,) = compute_clocks(entries, [EXAMPLE], "england", uk("2024-01-06 17:59"))
    assert boiler.status_text == "overdue by under an hour" and boiler.margin == 0


# -- the Complaint Handling Code in force on the day the complaint was made -----------------------

CHC_VERSIONS = [p for p in ALL_PACKS if p.id == "hos-complaint-handling-code"]


def test_seed_stage_1_acknowledgement_of_october_2020_is_late_under_the_2020_code() -> None:
    # The seed: a stage 1 complaint made Mon 19 Oct 2020, acknowledged Tue 10 Nov 2020 (16 working days).
    entries = [
        entry(57, "complaint", "raised", "2020-10-19 10:30", "complaint-1", stage=1),
        entry(59, "complaint", "acknowledged", "2020-11-10 14:20", "complaint-1", stage=1),
        entry(60, "complaint", "responded", "2020-12-01 16:45", "complaint-1", stage=1),
    ]
    clocks = compute_clocks(entries, CHC_VERSIONS, "england", SEED_NOW)
    assert [(c.pack_version, c.rule_id, c.status_text) for c in clocks] == [
        ("2020", "stage-1-acknowledgement", "breached by 11 working days (15 days)"),
        ("2020", "stage-1-response", "breached by 21 working days (29 days)"),
    ]
    ack = clocks[0]
    assert ack.due_date == date(2020, 10, 26)
    assert ack.citation.section == "Complaint Handling Code (July 2020), section 4.1"
    assert ack.citation.url == "https://www.great-yarmouth.gov.uk/article/8964/Complaint-handling-principles"
    assert ack.citation.confidence == "medium"
    assert ack.citation.wording == (
        "When a complaint is made, it must be acknowledged and logged at stage one of the complaints "
        "procedure within five days of receipt."
    )
    # Only the 2024 Code, as before this change, would start no clock at all in 2020.
    assert compute_clocks(entries, [CHC], "england", SEED_NOW) == ()


def test_a_complaint_is_clocked_under_the_code_in_force_on_the_day_it_was_made() -> None:
    entries = [
        # Made in 2023: the 2022 Code, counting the response from the day it was made.
        entry(1, "complaint", "raised", "2023-05-02 10:00", "a", stage=1),
        entry(2, "complaint", "acknowledged", "2023-05-05 10:00", "a", stage=1),
        # Made on Thu 28 Mar 2024, acknowledged and escalated after 1 April 2024: still the 2022 Code,
        # so the 2024 Code's response-from-acknowledgement clock does not also start.
        entry(3, "complaint", "raised", "2024-03-28 10:00", "b", stage=1),
        entry(4, "complaint", "acknowledged", "2024-04-03 10:00", "b", stage=1),
        entry(5, "complaint", "responded", "2024-04-10 10:00", "b", stage=1),
        entry(6, "complaint", "escalated", "2024-04-15 10:00", "b", stage=2),
        # Made on 1 April 2024: the 2024 Code.
        entry(7, "complaint", "raised", "2024-04-01 10:00", "c", stage=1),
        entry(8, "complaint", "acknowledged", "2024-04-02 10:00", "c", stage=1),
    ]
    clocks = compute_clocks(entries, CHC_VERSIONS, "england", uk("2024-06-01 12:00"))
    got = [(c.case, c.start_entry, c.pack_version, c.rule_id) for c in clocks]
    assert got == [
        ("a", 1, "2022", "stage-1-acknowledgement"),
        ("a", 1, "2022", "stage-1-response"),
        ("b", 3, "2022", "stage-1-acknowledgement"),
        ("b", 3, "2022", "stage-1-response"),
        ("c", 7, "2024", "stage-1-acknowledgement"),
        ("c", 8, "2024", "stage-1-response"),
        ("b", 6, "2022", "stage-2-acknowledgement"),
        ("b", 6, "2022", "stage-2-response"),
    ]
    a_response = clocks[1]
    assert (a_response.due_date, a_response.status) == (date(2023, 5, 17), ClockStatus.OVERDUE)
    low = next(c for c in clocks if c.rule_id == "stage-2-response")
    assert low.explanation.endswith("(Complaint Handling Code, version 2022) [source confidence: low]")


def test_a_new_complaint_in_an_old_case_takes_the_code_of_its_own_day() -> None:
    entries = [
        entry(1, "complaint", "raised", "2021-06-01 10:00", "lifts", stage=1),
        entry(2, "complaint", "raised", "2024-05-01 10:00", "lifts", stage=1),
    ]
    clocks = compute_clocks(entries, CHC_VERSIONS, "england", uk("2024-06-01 12:00"))
    assert [(c.start_entry, c.pack_version) for c in clocks] == [(1, "2020"), (1, "2020"), (2, "2024")]


# -- defaults: a pack's priorities for entries that give none -------------------------------------

DEFAULTS_PACK = """\
format = 1
id = "my-landlord"
title = "Repairs Policy"
publisher = "Test Homes"
version = "1"
jurisdiction = "england"
effective_from = 2019-01-01
source = "https://example.org/repairs.pdf"

[[defaults]]
id = "lift-entrapment"
applies_to = [{ kinds = ["lift"] }]
has = ["trapped"]
set = { priority = "emergency" }
because = "the policy lists people trapped in a lift as an emergency"

[[defaults]]
id = "communal-door"
applies_to = [{ kinds = ["door"], category = "communal-door" }]
set = { priority = "emergency" }
because = "the policy lists insecure communal doors as emergencies"

[[rules]]
id = "emergency"
title = "Emergency repairs within 24 hours"
applies_to = [{ kinds = ["lift", "door"], priority = "emergency" }]
start = ["reported"]
stop = ["fixed"]
allowed = { amount = 24, unit = "hours" }
[rules.citation]
section = "4.1"
wording = "Emergencies within 24 hours."
url = "https://example.org/repairs.pdf"
confidence = "high"

[[rules]]
id = "routine"
title = "Routine repairs within 20 working days"
applies_to = [{ kinds = ["lift", "door"], priority = "routine" }]
start = ["reported"]
stop = ["fixed"]
allowed = { amount = 20, unit = "working_days" }
[rules.citation]
section = "4.3"
wording = "Routine repairs within 20 working days."
url = "https://example.org/repairs.pdf"
confidence = "high"
"""


def test_a_default_priority_starts_the_clock_and_the_clock_says_why() -> None:
    pack = parse_pack(DEFAULTS_PACK)
    entries = [
        entry(1, "lift", "reported", "2020-01-06 08:00", "lift", trapped=3),
        entry(2, "lift", "reported", "2020-01-08 08:00", "lift"),  # no one trapped, no priority
        entry(3, "door", "reported", "2020-01-06 09:00", "door", category="communal-door"),
        # The resident said routine: that wins over the door default.
        entry(
            4, "door", "reported", "2020-01-07 09:00", "door", category="communal-door", priority="routine"
        ),
    ]
    clocks = compute_clocks(entries, [pack], "england", uk("2020-01-10 12:00"))
    got = [(c.start_entry, c.rule_id, tuple(d.default_id for d in c.defaults)) for c in clocks]
    assert got == [
        (1, "emergency", ("lift-entrapment",)),
        (3, "emergency", ("communal-door",)),
        (4, "routine", ()),
    ]
    assert clocks[0].explanation == (
        "Due Tue 7 Jan 2020 08:00 GMT = reported Mon 6 Jan 2020 08:00 GMT (entry 1) + 24 hours, counted "
        "round the clock; rule 4.1 (Repairs Policy, version 1); treated as priority emergency: the policy "
        "lists people trapped in a lift as an emergency (default lift-entrapment of pack my-landlord, "
        "version 1)"
    )
    assert clocks[0].to_dict()["defaults"] == [
        {
            "attr": "priority",
            "value": "emergency",
            "default": "lift-entrapment",
            "because": "the policy lists people trapped in a lift as an emergency",
            "pack": {"id": "my-landlord", "version": "1"},
            "text": clocks[0].defaults[0].text,
        }
    ]
    # A default is not carried forward: entry 2 (no one trapped) starts no clock, and says so.
    (lift,) = [u for u in unclocked_reports(entries, clocks, [pack], "england") if u.case == "lift"]
    assert lift == Unclocked("lift", "lift", (2,), 2, ("priority",))
    assert lift.text == (
        "no timeframe applies to 1 of the 2 lift reports (entry 2): give the landlord's priority "
        "(residentlog amend ENTRY --priority emergency, urgent or routine), or add your landlord's "
        "repairs policy: residentlog policy new"
    )


def test_an_explicit_priority_is_not_marked_as_a_default() -> None:
    pack = parse_pack(DEFAULTS_PACK)
    entries = [
        entry(1, "door", "reported", "2020-01-06 09:00", "d", category="communal-door", priority="emergency")
    ]
    (clock,) = compute_clocks(entries, [pack], "england", uk("2020-01-10 12:00"))
    assert clock.defaults == () and "treated as" not in clock.explanation


def test_defaults_fill_in_only_their_own_packs_rules() -> None:
    # The example landlord's communal-door default does not make another pack's emergency rule apply.
    other = parse_pack(
        DEFAULTS_PACK.replace('id = "communal-door"', 'id = "unused"').replace(
            'category = "communal-door" }]\nset', 'category = "no-such-category" }]\nset'
        )
    )
    entries = [entry(1, "door", "reported", "2020-01-06 09:00", "d", category="communal-door")]
    clocks = compute_clocks(entries, [other, EXAMPLE], "england", uk("2020-01-10 12:00"))
    assert [(c.pack_id, c.rule_id) for c in clocks] == [("example-landlord", "emergency-repair")]


def test_pack_defaults_are_validated() -> None:
    bad = DEFAULTS_PACK.replace(
        'set = { priority = "emergency" }\nbecause = "the policy lists people',
        ('set = { priority = "soon" }\nbecause = "the policy lists people'),
    )
    with pytest.raises(PolicyError, match=r"default 'lift-entrapment', field 'set': priority must be one of"):
        parse_pack(bad, "x.toml")
    twice = DEFAULTS_PACK.replace('id = "communal-door"', 'id = "lift-entrapment"')
    with pytest.raises(PolicyError, match=r"'lift-entrapment' is used by two defaults"):
        parse_pack(twice, "x.toml")


# -- never silent: reports no timeframe applies to ------------------------------------------------


def test_unclocked_reports_text() -> None:
    many = [entry(n, "repair", "reported", f"2020-02-{n:02d} 10:00", None) for n in range(1, 11)]
    real = [p for p in ALL_PACKS if not p.example]  # no landlord pack: no rule for repairs at all
    (loose,) = unclocked_reports(many, (), real, "england")
    assert loose.text == (
        "no timeframe applies to 10 repair reports with no case (entries 1, 2, 3, 4, 5, 6, 7, 8 and 2 "
        "more): add your landlord's repairs policy: residentlog policy new"
    )
    # With the example landlord's pack, whose repair rules all need a priority, it says so.
    (hint,) = unclocked_reports(many[:1], (), [EXAMPLE], "england")
    assert (hint.needs, hint.text) == (
        ("priority",),
        "no timeframe applies to 1 repair report with no case (entry 1): give the landlord's priority "
        "(residentlog amend ENTRY --priority emergency, urgent or routine), or add your landlord's "
        "repairs policy: residentlog policy new",
    )
    one = [entry(1, "asb", "reported", "2020-02-01 10:00", "asb")]
    assert unclocked_reports(one, (), real, "england")[0].text == (
        "no timeframe applies to 1 asb report (entry 1): add your landlord's anti-social behaviour "
        "policy: residentlog policy new"
    )
    # A report that started a clock is not listed; events other than "reported" are not reports here.
    reported = [entry(1, "door", "reported", "2020-02-01 10:00", "d", priority="emergency")]
    clocks = compute_clocks(reported, [EXAMPLE], "england", uk("2020-03-01 12:00"))
    assert len(clocks) == 1 and unclocked_reports(reported, clocks, [EXAMPLE], "england") == ()
    observed = [entry(1, "door", "observed", "2020-02-01 10:00", "d")]
    assert unclocked_reports(observed, (), [EXAMPLE], "england") == ()


# -- incidents: what carries forward, and clocks a later breakdown leaves unjudged (issue 12) ----


def in_incident(number: int, event: str, when: str, incident: int, **attrs: str) -> EntryFacts:
    return EntryFacts(number, "lift", event, uk(when), "lift-2", attrs, incident=incident)


def test_a_priority_carries_within_an_incident_not_to_the_next_breakdown() -> None:
    entries = [
        in_incident(1, "observed", "2020-03-04 13:00", 1, priority="emergency"),
        in_incident(2, "reported", "2020-03-04 14:00", 1),  # the report of it: still an emergency
        in_incident(3, "reported", "2020-03-20 09:00", 3),  # another breakdown: no priority given
    ]
    clocks = compute_clocks(entries, [EXAMPLE], "england", uk("2020-03-21 12:00"))
    assert [(c.start_entry, c.rule_id) for c in clocks] == [(2, "emergency-repair")]
    # Without incidents (EntryFacts.incident unset) the case carries it, as before.
    plain = [EntryFacts(e.number, e.kind, e.event, e.occurred_at, e.case, e.attrs) for e in entries]
    assert [c.start_entry for c in compute_clocks(plain, [EXAMPLE], "england", uk("2020-03-21 12:00"))] == [
        2,
        3,
    ]


def test_a_clock_ended_by_the_next_breakdown_is_unknown_not_late() -> None:
    entries = [
        in_incident(1, "reported", "2020-03-04 14:00", 1, priority="emergency"),
        in_incident(2, "attended", "2020-03-04 18:00", 1),
        in_incident(3, "recurred", "2020-03-20 09:00", 3),
        in_incident(4, "reported", "2020-04-01 09:00", 4, priority="emergency"),
        in_incident(5, "fixed", "2020-04-01 20:00", 4),
    ]
    first, second = compute_clocks(entries, [EXAMPLE], "england", uk("2020-06-01 12:00"))
    assert first.status is ClockStatus.UNKNOWN
    assert (first.stop_entry, first.ended_by, first.late, first.is_open) == (None, 3, False, False)
    assert first.status_text == "not known: no repair recorded before the next incident (entry 3)"
    assert first.to_dict()["ended_by"] == {"entry": 3, "at": "2020-03-20T09:00:00Z"}
    assert (second.status, second.stop_entry) == (ClockStatus.MET, 5)
    (summary,) = summarise_cases(entries, (first, second), uk("2020-06-01 12:00"))
    assert summary.counts() == {"met": 1, "breached": 0, "running": 0, "overdue": 0, "unknown": 1}


def test_the_same_fault_reported_again_is_chased_not_clocked_again() -> None:
    # A communal door reported three times before it was fixed is one incident: one emergency
    # clock from the first report, breached once, never three times; the chasers are covered.
    def door(number: int, event: str, when: str, incident: int) -> EntryFacts:
        return EntryFacts(number, "door", event, uk(when), "front-door", {"priority": "emergency"}, incident)

    entries = [
        door(1, "reported", "2020-03-02 09:00", 1),
        door(2, "reported", "2020-03-09 09:00", 1),
        door(3, "reported", "2020-03-16 09:00", 1),
        door(4, "fixed", "2020-03-20 16:00", 1),
        door(5, "reported", "2020-05-01 09:00", 5),  # it failed again: a new incident, a new clock
    ]
    clocks = compute_clocks(entries, [EXAMPLE], "england", uk("2020-05-01 12:00"))
    assert [(c.start_entry, c.incident, c.status, c.stop_entry) for c in clocks] == [
        (1, 1, ClockStatus.BREACHED, 4),
        (5, 5, ClockStatus.RUNNING, None),
    ]
    assert clocks[0].to_dict()["incident"] == 1
    assert unclocked_reports(entries, clocks, [EXAMPLE], "england") == ()
    # Entries in no incident (grouped by nothing) each start their own clock, as before.
    plain = [EntryFacts(e.number, e.kind, e.event, e.occurred_at, e.case, e.attrs) for e in entries]
    assert [c.start_entry for c in compute_clocks(plain, [EXAMPLE], "england", uk("2020-05-01 12:00"))] == [
        1,
        2,
        3,
        5,
    ]


@pytest.mark.parametrize(
    "at", [datetime(2026, 3, 1, 9, 0, tzinfo=UTC), datetime(2026, 7, 1, 9, 0, tzinfo=uk_timezone())]
)
def test_entry_facts_made_clean_are_the_facts_made_as_usual(at: datetime) -> None:
    """EntryFacts.clean (for attributes that are read-only text already) gives what the
    constructor gives: a time in another zone is made UTC, the attributes are kept."""
    from types import MappingProxyType

    attrs = MappingProxyType({"priority": "emergency"})
    clean = EntryFacts.clean(7, "repair", "reported", at, "leak", attrs, 7)
    usual = EntryFacts(7, "repair", "reported", at, "leak", attrs, 7)
    assert clean == usual
    assert clean.occurred_at.tzinfo is UTC
    assert dict(clean.attrs) == {"priority": "emergency"}
