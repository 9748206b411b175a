"""Cases at a glance, from the engine's clocks: first report, reports, recurrences, days open,
every clock (:class:`CaseSummary`), and the reports that started no clock (:class:`Unclocked`),
so no clock is ever silently missing. Pure, like the engine (:mod:`residentlog.deadlines.engine`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from residentlog.deadlines.engine import (
    Clock,
    ClockStatus,
    EntryFacts,
    by_case,
    ordered_entries,
    resident_nation,
)
from residentlog.deadlines.policy import Pack, packs_in_force
from residentlog.deadlines.workdays import as_utc, uk_date
from residentlog.errors import InputError

# Events that say the problem is (still) there, that close it, and that count as a report.
REPORT_EVENTS: frozenset[str] = frozenset({"reported", "raised", "requested"})
OPENING_EVENTS: frozenset[str] = frozenset(
    {
        "observed",
        "reported",
        "recurred",
        "not-fixed",
        "raised",
        "escalated",
        "requested",
        "chased",
        "ombudsman",
    }
)
CLOSING_EVENTS: frozenset[str] = frozenset({"fixed", "provided", "responded", "refused"})


@dataclass(frozen=True)
class CaseSummary:
    """One case at a glance: first report, number of reports, recurrences, days open, clocks.

    ``reports`` lists (entry number, instant) of every report (events reported, raised or
    requested). ``recurrences`` counts the times the problem came back: each ``recurred`` entry,
    and each ``observed`` or ``reported`` entry that follows a ``fixed`` one with nothing in
    between saying it was back. The case is closed if its last open/close event was fixed,
    provided, responded or refused; ``days_open`` runs from the first report (or first entry) to
    then, or to ``now`` if it is still open.
    """

    case: str | None
    kinds: tuple[str, ...]
    entries: tuple[int, ...]
    first_entry: int
    first_at: datetime
    reports: tuple[tuple[int, datetime], ...]
    recurrences: int
    is_open: bool
    closed_at: datetime | None
    days_open: int
    clocks: tuple[Clock, ...]
    unclocked: tuple[Unclocked, ...] = ()  # reports that started no clock (see unclocked_reports)

    @property
    def first_report(self) -> tuple[int, datetime] | None:
        return self.reports[0] if self.reports else None

    @property
    def report_count(self) -> int:
        return len(self.reports)

    def counts(self) -> dict[str, int]:
        """Clocks by status: ``{"met": 1, "breached": 13, "running": 0, "overdue": 0}``."""
        out = {s.value: 0 for s in ClockStatus}
        for c in self.clocks:
            out[c.status.value] += 1
        return out


@dataclass(frozen=True)
class Unclocked:
    """Reports of one kind in one case (or with no case) that started no clock.

    ``entries`` are the reports that started none, of ``reports`` of that kind in the case.
    ``needs`` names the attributes a rule in force would start a clock on (``priority``), if a
    rule in force fits the kind at all; empty means no rule in force covers these reports.
    """

    case: str | None
    kind: str
    entries: tuple[int, ...]
    reports: int
    needs: tuple[str, ...]

    @property
    def text(self) -> str:
        """One line: what is unclocked, and how to clock it."""
        n = len(self.entries)
        count = f"{n} of the {self.reports}" if n != self.reports else str(n)
        what = f"{self.kind} report{'' if self.reports == 1 and n == 1 else 's'}"
        where = " with no case" if self.case is None else ""
        shown = [str(x) for x in self.entries[:UNCLOCKED_SHOWN]]
        if n > UNCLOCKED_SHOWN:
            listed = ", ".join(shown) + f" and {n - UNCLOCKED_SHOWN} more"
        elif n > 1:
            listed = ", ".join(shown[:-1]) + f" and {shown[-1]}"
        else:
            listed = shown[0]
        label = "entry" if n == 1 else "entries"
        policy = f"add your landlord's {_POLICY.get(self.kind, 'repairs policy')}: residentlog policy new"
        if self.needs:
            ways = [_GIVE.get(a, f"its {a} (residentlog amend ENTRY --{a} …)") for a in self.needs]
            gives = " or ".join(ways)
            hint = f"give {gives}, or {policy}"
        else:
            hint = policy
        return f"no timeframe applies to {count} {what}{where} ({label} {listed}): {hint}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "kind": self.kind,
            "entries": list(self.entries),
            "reports": self.reports,
            "needs": list(self.needs),
            "text": self.text,
        }


UNCLOCKED_SHOWN = 8
_GIVE: Mapping[str, str] = {
    "priority": "the landlord's priority (residentlog amend ENTRY --priority emergency, urgent or routine)",
    "category": "a category (residentlog amend ENTRY --category, e.g. communal-door)",
    "hazard": "the hazard (residentlog amend ENTRY --hazard emergency or significant)",
}
_POLICY: Mapping[str, str] = {
    "asb": "anti-social behaviour policy",
    "cctv": "CCTV policy",
    "complaint": "complaints policy",
}


def unclocked_reports(
    entries: Iterable[EntryFacts],
    clocks: Iterable[Clock],
    packs: Iterable[Pack],
    nation: str,
) -> tuple[Unclocked, ...]:
    """Per case and kind, the ``reported`` entries that started no clock, by first entry. A report
    of an incident that has a clock is covered by it (the same fault reported again).

    For each, ``needs`` lists the attributes that rules of the packs in force on the report's day
    (for the resident's nation) match on, where such a rule starts on a report of that kind: give
    one of them and a clock starts. No such rule: the packs in force have no timeframe for it.
    """
    _, jurisdictions = resident_nation(nation)
    pack_list = [p for p in packs if p.jurisdiction in jurisdictions]
    clocks = list(clocks)
    started = {c.start_entry for c in clocks}
    covered = {c.incident for c in clocks if c.incident is not None}
    in_force_cache: dict[date, tuple[Pack, ...]] = {}
    groups: dict[tuple[str | None, str], tuple[list[int], list[int], set[str]]] = {}
    for entry in ordered_entries(entries):
        if entry.event != "reported":
            continue
        all_reports, missing, needs = groups.setdefault((entry.case, entry.kind), ([], [], set()))
        all_reports.append(entry.number)
        if entry.number in started or entry.incident in covered:
            continue
        missing.append(entry.number)
        day = uk_date(entry.occurred_at)
        if day not in in_force_cache:
            in_force_cache[day] = packs_in_force(pack_list, day)
        for pack in in_force_cache[day]:
            for rule in pack.rules:
                if "reported" not in rule.start:
                    continue
                for alt in rule.applies_to:
                    if alt.kind_ok(entry.kind):
                        needs.update(k for k in alt.constraints() if k not in entry.attrs)
    out = [
        Unclocked(case, kind, tuple(missing), len(all_reports), tuple(sorted(needs, key=_need_order)))
        for (case, kind), (all_reports, missing, needs) in groups.items()
        if missing
    ]
    return tuple(out)


def _need_order(name: str) -> tuple[int, str]:
    order = ("priority", "category", "hazard")
    return (order.index(name) if name in order else len(order), name)


def summarise_cases(
    entries: Iterable[EntryFacts],
    clocks: Iterable[Clock],
    now: datetime,
) -> tuple[CaseSummary, ...]:
    """A :class:`CaseSummary` per case (entries with no case form one), by first entry."""
    now = as_utc(now)
    ordered = ordered_entries(entries)
    clocks_by_case: dict[str | None, list[Clock]] = {}
    for c in clocks:
        clocks_by_case.setdefault(c.case, []).append(c)
    out = [
        _summarise(case, items, clocks_by_case.get(case, []), now) for case, items in by_case(ordered).items()
    ]
    out.sort(key=lambda s: (s.first_at, s.first_entry))
    return tuple(out)


def summarise_case(
    case: str | None,
    entries: Iterable[EntryFacts],
    clocks: Iterable[Clock],
    now: datetime,
) -> CaseSummary:
    """The summary of one case; raises ``InputError`` if no entry belongs to it."""
    items = [e for e in ordered_entries(entries) if e.case == case]
    if not items:
        raise InputError(f"no entries in case {case!r}")
    return _summarise(case, items, [c for c in clocks if c.case == case], as_utc(now))


def _summarise(
    case: str | None, items: Sequence[EntryFacts], clocks: Sequence[Clock], now: datetime
) -> CaseSummary:
    reports: list[tuple[int, datetime]] = []
    kinds: dict[str, None] = {}  # in order of first appearance
    recurrences = 0
    is_open = True
    closed_at: datetime | None = None
    last_close: str | None = None
    for e in items:  # one pass: a case may have 25,000 entries
        event = e.event
        kinds[e.kind] = None
        if event in REPORT_EVENTS:
            reports.append((e.number, e.occurred_at))
        if event == "recurred" or (last_close == "fixed" and (event == "observed" or event == "reported")):
            recurrences += 1
        if event in CLOSING_EVENTS:
            is_open, closed_at, last_close = False, e.occurred_at, event
        elif event in OPENING_EVENTS:
            is_open, closed_at, last_close = True, None, None
    first_day = uk_date(reports[0][1] if reports else items[0].occurred_at)
    end_day = uk_date(closed_at) if closed_at is not None else uk_date(now)
    return CaseSummary(
        case=case,
        kinds=tuple(kinds),
        entries=tuple(e.number for e in items),
        first_entry=items[0].number,
        first_at=items[0].occurred_at,
        reports=tuple(reports),
        recurrences=recurrences,
        is_open=is_open,
        closed_at=closed_at,
        days_open=max(0, (end_day - first_day).days),
        clocks=tuple(sorted(clocks, key=lambda c: (c.started_at, c.start_entry, c.pack_id, c.rule_id))),
    )
