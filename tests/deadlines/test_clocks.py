"""Clocks for a store: the entry adapter, adopting policy packs into a store, packs in force."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from residentlog.deadlines.clocks import (
    ADOPTION_TAG,
    StoreClocks,
    adopt_pack,
    adopted_packs,
    compute_for_store,
    due_soon,
    entry_facts,
    missed_by_rule,
    overdue_now,
    pack_file_name,
    pack_rows,
    packs_for_store,
    packs_in_force_on,
    select_clocks,
    store_packs,
    this_month_counts,
)
from residentlog.deadlines.engine import ClockStatus, EntryFacts, InOrder, ordered_entries
from residentlog.deadlines.policy import list_shipped_packs, parse_pack, shipped_pack
from residentlog.errors import NotFound, PolicyError
from residentlog.integrity.verify import verify_store
from residentlog.ledger.add import add_entry, amend_entry
from residentlog.ledger.objects import object_path
from residentlog.ledger.profile import update_profile
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from tests.conftest import NOW


def pack_text(
    version: str = "2019", effective_from: str = "2019-01-01", hours: int = 24, **extra: str
) -> str:
    header = "".join(f'{key} = "{value}"\n' for key, value in extra.items())
    return f"""format = 1
id = "my-landlord"
title = "Repairs Policy"
publisher = "Example Homes"
version = "{version}"
jurisdiction = "england"
effective_from = {effective_from}
source = "https://example.org/repairs-policy.pdf"
{header}
[[rules]]
id = "emergency-repair"
title = "Emergency repairs made safe within {hours} hours"
applies_to = [{{ kinds = ["door"], category = "communal-door" }}]
start = ["reported"]
stop = ["fixed"]
allowed = {{ amount = {hours}, unit = "hours" }}

[rules.citation]
section = "Repairs Policy, section 4.2"
wording = "Emergency repairs will be made safe within {hours} hours."
url = "https://example.org/repairs-policy.pdf"
confidence = "high"
"""


def write(tmp_path: Path, text: str, name: str = "pack.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def add(store: Store, kind: str, summary: str, when: str, **content: object):
    return add_entry(store, {"kind": kind, "summary": summary, **content}, when_text=when, now=NOW)


def views(store: Store):
    return list_entries(store, Filters(), NOW)


def door(store: Store, event: str, when: str, **fields: str):
    return add(
        store, "door", f"Front door {event}", when, case="front-door", fields={"event": event, **fields}
    )


# -- the adapter ---------------------------------------------------------------------------------


def test_entry_facts_from_corrected_views(store: Store) -> None:
    add(
        store,
        "door",
        "Reported front door not locking",
        "3 March 2020 14:00",
        case="front-door",
        fields={
            "event": "reported",
            "priority": "emergency",
            "category": "communal-door",
            "channel": "phone",
            "door": "Main entrance",
        },
    )
    add(
        store,
        "complaint",
        "Stage 1 acknowledged",
        "5 March 2020 09:00",
        case="c1",
        fields={"stage": 1, "step": "acknowledged"},
    )
    add(
        store,
        "contact",
        "Housing officer rang me",
        "6 March 2020 10:00",
        case="c1",
        fields={"direction": "in"},
    )
    add(store, "note", "Newsletter", "7 March 2020")
    add(
        store,
        "service-charge",
        "Lift charge",
        "8 March 2020",
        fields={"amount_pence": 31248, "service": "lifts"},
    )
    add(
        store,
        "lift",
        "Lift 2 back in service",
        "9 March 2020 12:00",
        case="lift-2",
        fields={"event": "fixed", "out_of_service": False},
    )
    amend_entry(store, 1, reason="the call was at 15:00", changes={}, when_text="3 March 2020 15:00", now=NOW)

    facts = entry_facts(views(store))
    got = [(f.number, f.kind, f.event, f.occurred_at, f.case, dict(f.attrs)) for f in facts]
    assert got == [
        (
            1,
            "door",
            "reported",
            datetime(2020, 3, 3, 15, 0, tzinfo=UTC),  # the corrected time
            "front-door",
            {
                "priority": "emergency",
                "category": "communal-door",
                "channel": "phone",
                "door": "Main entrance",
            },
        ),
        (2, "complaint", "acknowledged", datetime(2020, 3, 5, 9, 0, tzinfo=UTC), "c1", {"stage": "1"}),
        (3, "contact", "", datetime(2020, 3, 6, 10, 0, tzinfo=UTC), "c1", {"direction": "in"}),
        (4, "note", "", datetime(2020, 3, 7, 0, 0, tzinfo=UTC), None, {}),
        (5, "service-charge", "observed", datetime(2020, 3, 8, 0, 0, tzinfo=UTC), None, {"service": "lifts"}),
        (6, "lift", "fixed", datetime(2020, 3, 9, 12, 0, tzinfo=UTC), "lift-2", {"out_of_service": "false"}),
    ]


def test_complaint_without_a_step_is_raised(store: Store) -> None:
    add(store, "complaint", "Formal complaint", "2 March 2020 10:00", fields={"stage": 2})
    (fact,) = entry_facts(views(store))
    assert (fact.event, dict(fact.attrs)) == ("raised", {"stage": "2"})


# -- adopting a pack -----------------------------------------------------------------------------


def test_adoption_writes_one_note_entry_with_the_pack_attached(store: Store, tmp_path: Path) -> None:
    door(store, "reported", "2 March 2020 10:00", category="communal-door")
    text = pack_text(version="March 2023")
    source = write(tmp_path, text, "my landlord.toml")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

    adoption = adopt_pack(store, source, NOW)

    assert adoption.entry == 2 and not adoption.already and adoption.warnings == ()
    assert adoption.path == store.root / "policies" / "my-landlord-march-2023.toml"
    assert adoption.path.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(adoption.path.stat().st_mode) == 0o444  # not to be edited in place
    assert adoption.sha256 == digest
    assert store.size() == 2
    (note,) = list_entries(store, Filters(kind="note"), NOW)
    rec = note.record
    assert note.num == 2
    assert rec["summary"] == "Adopted policy pack: Repairs Policy (version March 2023)"
    assert rec["tags"] == [ADOPTION_TAG]
    assert rec["case"] == ""
    assert rec["occurred_at"] == "2026-11-23T18:40:00+00:00"
    assert rec["details"].splitlines() == [
        "Policy pack id: my-landlord",
        "Version: March 2023",
        "Title: Repairs Policy",
        "Publisher: Example Homes",
        "Jurisdiction: england",
        "Effective from: 2019-01-01",
        "Effective to: not stated",
        "Source: https://example.org/repairs-policy.pdf",
        "Rules: emergency-repair",
        f"File: my-landlord-march-2023.toml (sha256 {digest}), adopted from my landlord.toml",
    ]
    (attachment,) = rec["attachments"]
    assert attachment["sha256"] == digest
    assert attachment["size"] == len(text.encode("utf-8"))
    assert attachment["name"] == "my-landlord-march-2023.toml"
    assert object_path(store.objects_dir, digest).read_bytes() == text.encode("utf-8")
    report = verify_store(store)
    assert report.ok, report.findings
    assert report.size == 2

    (stored,) = adopted_packs(store)
    assert (stored.pack.id, stored.pack.version, stored.entry, stored.sha256) == (
        "my-landlord",
        "March 2023",
        2,
        digest,
    )
    assert [p.id for p in store_packs(store)] == ["my-landlord"]


def test_adopting_the_same_bytes_again_adds_nothing(store: Store, tmp_path: Path) -> None:
    source = write(tmp_path, pack_text())
    first = adopt_pack(store, source, NOW)
    again = adopt_pack(store, source, NOW)
    assert again.already and again.entry == first.entry == 1
    assert store.size() == 1
    assert len(list((store.root / "policies").iterdir())) == 1


def test_an_interrupted_adoption_is_completed(store: Store, tmp_path: Path) -> None:
    """The file was copied in but the entry never written (a crash between the two)."""
    text = pack_text()
    (store.root / "policies").mkdir()
    write(store.root / "policies", text, "my-landlord-2019.toml")
    sc = compute_for_store(store, NOW)
    assert len(sc.warnings) == 1 and "is not recorded in the ledger" in sc.warnings[0]
    adoption = adopt_pack(store, write(tmp_path, text), NOW)
    assert not adoption.already and adoption.entry == 1
    assert compute_for_store(store, NOW).warnings == ()


def test_a_conflicting_pack_is_refused_and_nothing_written(store: Store, tmp_path: Path) -> None:
    adopt_pack(store, write(tmp_path, pack_text(hours=24), "a.toml"), NOW)
    stored = store.root / "policies" / "my-landlord-2019.toml"
    before = stored.read_bytes()

    with pytest.raises(PolicyError) as info:
        adopt_pack(store, write(tmp_path, pack_text(hours=48), "b.toml"), NOW)
    assert str(info.value) == (
        f"my-landlord-2019.toml: version '2019' of pack 'my-landlord' is already adopted from a different "
        f"file ({stored}); give the new one its own version"
    )
    # Another version taking effect on the same day would leave two versions in force at once.
    with pytest.raises(
        PolicyError, match=r"version '2019' already takes effect on 2019-01-01; give version '2020'"
    ):
        adopt_pack(store, write(tmp_path, pack_text(version="2020", hours=48), "c.toml"), NOW)
    assert stored.read_bytes() == before
    assert sorted(p.name for p in (store.root / "policies").iterdir()) == ["my-landlord-2019.toml"]
    assert store.size() == 1
    assert verify_store(store).ok


def test_an_invalid_pack_is_refused_naming_file_rule_and_field(store: Store, tmp_path: Path) -> None:
    bad = write(tmp_path, pack_text().replace('unit = "hours"', 'unit = "fortnights"'))
    with pytest.raises(PolicyError, match=r"pack.toml: rule 'emergency-repair', field 'allowed.unit'"):
        adopt_pack(store, bad, NOW)
    with pytest.raises(NotFound, match=r"no such policy pack file"):
        adopt_pack(store, tmp_path / "missing.toml", NOW)
    assert store.size() == 0
    assert not (store.root / "policies").exists()


def test_a_changed_copy_of_a_shipped_pack_needs_its_own_version(store: Store, tmp_path: Path) -> None:
    shipped = shipped_pack("hos-complaint-handling-code")
    original = Path(shipped.origin).read_text(encoding="utf-8")
    changed = original.replace("amount = 10", "amount = 15", 1)
    assert changed != original
    with pytest.raises(
        PolicyError, match=r"differs from the one shipped with residentlog; give yours its own version"
    ):
        adopt_pack(store, write(tmp_path, changed), NOW)
    # An unchanged copy may be adopted (to record which version was cited): it replaces the shipped one.
    adoption = adopt_pack(store, write(tmp_path, original, "chc.toml"), NOW)
    # The 2024 version is replaced by the adopted copy; the 2020 and 2022 versions are still shipped.
    versions = [(p.version, p.origin) for p in packs_for_store(store) if p.id == shipped.id]
    assert [v for v, _ in versions] == ["2020", "2022", "2024"]
    assert versions[2][1] == str(adoption.path) and versions[0][1].endswith("code-2020.toml")
    assert adoption.entry == 1


def test_a_pack_for_another_nation_warns(store: Store, tmp_path: Path) -> None:
    update_profile(store.root, {"nation": "scotland"})
    adoption = adopt_pack(store, write(tmp_path, pack_text()), NOW)
    assert adoption.warnings == (
        "the pack is for england and your profile says scotland: it will start no clocks",
    )


def test_pack_file_names() -> None:
    assert pack_file_name(parse_pack(pack_text(version="March 2023"))) == "my-landlord-march-2023.toml"
    assert (
        pack_file_name(parse_pack(pack_text(version="v3/2024 (draft)"))) == "my-landlord-v3-2024-draft.toml"
    )
    odd = pack_file_name(parse_pack(pack_text(version="—")))
    assert odd.startswith("my-landlord-") and len(odd) == len("my-landlord-") + 12 + len(".toml")


# -- packs in force ------------------------------------------------------------------------------


def test_packs_in_use_are_shipped_ones_but_examples_plus_adopted(store: Store, tmp_path: Path) -> None:
    shipped = {p.id for p in list_shipped_packs()}
    assert "example-landlord" in shipped
    assert {p.id for p in packs_for_store(store)} == shipped - {"example-landlord"}
    example = Path(shipped_pack("example-landlord").origin)
    adopt_pack(store, example, NOW)
    assert {p.id for p in packs_for_store(store)} == shipped
    rows = {(r.pack.id, r.where): (r.used, r.entry) for r in pack_rows(store)}
    assert rows[("example-landlord", "adopted")] == (True, 1)
    assert rows[("example-landlord", "shipped example")] == (False, None)
    assert rows[("spso-model-chp", "shipped")] == (False, None)  # the resident is in England
    assert rows[("hos-complaint-handling-code", "shipped")] == (True, None)


def test_the_version_in_force_on_the_date_of_each_entry_is_used(store: Store, tmp_path: Path) -> None:
    adopt_pack(store, write(tmp_path, pack_text(version="2019", hours=24), "v1.toml"), NOW)
    adopt_pack(
        store,
        write(tmp_path, pack_text(version="2021", effective_from="2021-01-01", hours=48), "v2.toml"),
        NOW,
    )
    packs = packs_for_store(store)
    assert [
        p.version for p in packs_in_force_on(packs, date(2020, 6, 1), "england") if p.id == "my-landlord"
    ] == ["2019"]
    assert [
        p.version for p in packs_in_force_on(packs, date(2021, 1, 1), "england") if p.id == "my-landlord"
    ] == ["2021"]
    assert [
        p.id for p in packs_in_force_on(packs, date(2021, 1, 1), "scotland") if p.id == "my-landlord"
    ] == []

    door(store, "reported", "2 March 2020 10:00", category="communal-door")  # entry 3
    door(store, "fixed", "3 March 2020 11:00")
    door(store, "reported", "1 March 2021 10:00", category="communal-door")  # entry 5
    door(store, "fixed", "2 March 2021 09:00")
    door(store, "reported", "1 November 2026 10:00", category="communal-door")  # entry 7, still open

    sc = compute_for_store(store, NOW)
    got = [(c.start_entry, c.pack_version, c.stop_entry, c.status, c.status_text) for c in sc.clocks]
    assert got == [
        (3, "2019", 4, ClockStatus.BREACHED, "breached by 1 hour"),
        (5, "2021", 6, ClockStatus.MET, "met (25 hours to spare)"),
        (7, "2021", None, ClockStatus.OVERDUE, "overdue by 20 days 8 hours (488 hours)"),
    ]
    assert sc.nation == "england" and sc.calendar == "england-wales"
    assert sc.summaries[3] == "Front door reported"
    assert sc.precisions[3] == "minute"
    assert (sc.summaries.get(3), sc.precisions.get(3, "day")) == ("Front door reported", "minute")
    assert (sc.summaries.get(99), sc.precisions.get(99, "day"), 99 in sc.summaries) == (None, "day", False)
    (door_case,) = [s for s in sc.cases if s.case == "front-door"]
    assert door_case.report_count == 3 and door_case.recurrences == 2

    # Choosing what to show.
    assert [c.start_entry for c in select_clocks(sc)] == [7]
    assert [c.start_entry for c in select_clocks(sc, every=True)] == [3, 5, 7]
    assert [c.start_entry for c in overdue_now(sc.clocks)] == [7]
    # Each version is its own rule: the one overdue now comes first.
    later, earlier = missed_by_rule(sc.clocks)
    assert (later.case, later.clock.pack_version, later.clocks, later.met, later.breached, later.overdue) == (
        "front-door",
        "2021",
        2,
        1,
        0,
        1,
    )
    assert (later.worst.start_entry, later.worst_overdue.start_entry, later.worst_breached) == (7, 7, None)
    assert (
        earlier.clock.pack_version,
        earlier.clocks,
        earlier.breached,
        earlier.worst_breached.start_entry,
    ) == (
        "2019",
        1,
        1,
        3,
    )
    assert earlier.median_late == timedelta(hours=1)
    assert this_month_counts(sc) == {"door": 1, "note": 2}  # November 2026: two adoptions and a report


def test_this_month_is_the_uk_calendar_month() -> None:
    """An entry counts in the month it happened in UK local time: 23:30 UTC on 31 May is
    00:30 BST on 1 June; midnight BST on 1 July is 23:00 UTC on 30 June, already July."""

    def at(text: str, kind: str, number: int) -> EntryFacts:
        return EntryFacts(number, kind, "observed", datetime.fromisoformat(text))

    entries = (
        at("2026-05-31T22:59:59+00:00", "door", 1),  # 23:59:59 BST, 31 May
        at("2026-05-31T23:30:00+00:00", "lift", 2),  # 00:30 BST, 1 June
        at("2026-06-15T12:00:00+00:00", "lift", 3),
        at("2026-06-30T22:59:59+00:00", "asb", 4),  # 23:59:59 BST, 30 June
        at("2026-06-30T23:00:00+00:00", "door", 5),  # 00:00 BST, 1 July
    )
    june = StoreClocks(datetime(2026, 6, 20, tzinfo=UTC), "england", "england-wales", (), entries, (), ())
    assert this_month_counts(june) == {"lift": 2, "asb": 1}
    in_order = replace(june, entries=ordered_entries(entries))  # as compute_for_store gives them
    assert type(in_order.entries) is InOrder and this_month_counts(in_order) == {"lift": 2, "asb": 1}
    december = StoreClocks(
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
        "england",
        "england-wales",
        (),
        (at("2026-12-01T00:00:00+00:00", "note", 1), at("2027-01-01T00:00:00+00:00", "note", 2)),
        (),
        (),
    )
    assert this_month_counts(december) == {"note": 1}


def test_compute_for_one_case(store: Store, tmp_path: Path) -> None:
    adopt_pack(store, write(tmp_path, pack_text()), NOW)
    door(store, "reported", "20 November 2026 10:00", category="communal-door")
    add(store, "lift", "Lift 2 out of order", "21 November 2026 10:00", case="lift-2")
    sc = compute_for_store(store, NOW, case="front-door")
    assert [f.number for f in sc.entries] == [2]
    assert [s.case for s in sc.cases] == ["front-door"]
    assert [(c.start_entry, c.status) for c in sc.clocks] == [(2, ClockStatus.OVERDUE)]
    assert sc.case("front-door").report_count == 1
    with pytest.raises(NotFound, match=r"no entries in case 'lift-3'; cases: front-door, lift-2"):
        compute_for_store(store, NOW, case="lift-3")


def test_bank_holidays_worked_out_in_a_second_process_give_the_same_clocks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compute_for_store has a child work out the bank holidays while it reads the ledger; the
    clocks are those worked out with this process's own (no second process)."""
    from residentlog import background
    from residentlog.deadlines import workdays

    # A stage 1 complaint on Wednesday 24 December 2025: 5 working days over three bank holidays.
    add(store, "complaint", "Stage 1 complaint", "24 December 2025 10:00", case="c1", fields={"stage": 1})

    def fresh() -> None:
        workdays._GIVEN.clear()
        workdays._year_holidays.cache_clear()
        workdays._add_working_days.cache_clear()

    fresh()
    started: list[bool] = []
    real = background.Background

    class Watched(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object) -> None:
            super().__init__(*args)
            started.append(self.started)

    monkeypatch.setattr(background, "Background", Watched)
    by_child = [c.to_dict() for c in compute_for_store(store, NOW).clocks]
    assert started == [True]
    assert workdays.has_bank_holiday_tables("england-wales", range(NOW.year - 20, NOW.year + 6))
    compute_for_store(store, NOW)  # given already: no second child
    assert started == [True]
    fresh()
    monkeypatch.setattr(background, "ENABLED", False)
    here = [c.to_dict() for c in compute_for_store(store, NOW).clocks]
    assert by_child == here
    assert [c["due"]["date"] for c in here][:1] == ["2026-01-05"]  # 29, 30, 31 Dec, 2 and 5 Jan


def test_running_clocks_due_within_seven_days(store: Store) -> None:
    # A stage 1 complaint made on Friday 20 November 2026: the Complaint Handling Code (shipped, in force
    # since 1 April 2024) allows 5 working days to acknowledge it, so it is due by Friday 27 November.
    add(store, "complaint", "Stage 1 complaint", "20 November 2026 10:00", case="c1", fields={"stage": 1})
    sc = compute_for_store(store, NOW)
    soon = due_soon(sc.clocks, NOW)
    assert [(c.rule_id, c.due_date, c.status_text) for c in soon] == [
        ("stage-1-acknowledgement", date(2026, 11, 27), "running, due in 4 working days"),
    ]
    assert due_soon(sc.clocks, NOW, within=timedelta(days=1)) == []


def test_a_sent_letter_starts_the_landlords_clock(store: Store) -> None:
    """The contact entry `residentlog letter` records starts the Code, SAR or repair clock."""
    from importlib.resources import files

    pack = Path(str(files("residentlog.deadlines.packs") / "example-landlord.toml"))
    adopt_pack(store, pack, NOW)  # entry 1
    sent = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    add_entry(
        store,
        {
            "kind": "repair",
            "summary": "Boiler out",
            "case": "repair-report",
            "fields": {"priority": "emergency"},
        },
        when_text="1/11/2026",
        now=sent,
    )  # entry 2
    for letter, extra in (  # entries 3, 4, 5
        ("complaint-stage1", {}),
        ("subject-access", {"category": "subject-access"}),
        ("repair-report", {}),
    ):
        add_entry(
            store,
            {
                "kind": "contact",
                "summary": f"Sent letter: {letter}",
                "case": letter,
                "fields": {
                    "direction": "out",
                    "channel": "letter",
                    "letter": letter,
                    "event": "requested",
                    **extra,
                },
            },
            when_text=None,
            now=sent,
        )
    clocks = compute_for_store(store, NOW).clocks
    started = {(c.case, c.rule_id, c.start_entry) for c in clocks}
    assert ("complaint-stage1", "stage-1-acknowledgement", 3) in started
    assert ("subject-access", "sar-response", 4) in started
    assert ("repair-report", "emergency-repair", 5) in started  # priority from the case's entry 2
    ack = next(c for c in clocks if c.rule_id == "stage-1-acknowledgement")
    assert ack.due_date == date(2026, 11, 9)  # 5 working days after Mon 2 Nov 2026
    assert ack.status is ClockStatus.OVERDUE


def test_when_read_works_out_its_items_once_and_only_when_read() -> None:
    from residentlog.deadlines.clocks import _WhenRead

    made: list[int] = []

    def make() -> tuple[str, ...]:
        made.append(1)
        return ("a", "b", "c")

    items = _WhenRead(make)
    assert made == []
    assert (len(items), items[0], items[-1], items[1:], list(items), bool(items)) == (
        3,
        "a",
        "c",
        ("b", "c"),
        ["a", "b", "c"],
        True,
    )
    assert "b" in items and items.index("c") == 2 and list(reversed(items)) == ["c", "b", "a"]
    assert made == [1]
    assert not _WhenRead(tuple)
    assert items == ("a", "b", "c") == items and items == _WhenRead(lambda: ("a", "b", "c"))
    assert items != ("a", "b") and items != ["a", "b", "c"]
