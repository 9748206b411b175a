"""The deadline engine: clocks from ledger entries and policy packs. Pure: no I/O, no clock reads.

Input is a sequence of :class:`EntryFacts` (what the ledger says happened, when, in which case),
the policy packs, the resident's nation and ``now``. Output is one :class:`Clock` per start event
per matching rule, each with its due date, what stopped it, its status and a one-line explanation
of how the due date was worked out. Per-case summaries, and the reports that started no clock,
are :mod:`residentlog.deadlines.cases`.

How clocks are derived
----------------------
* **Which pack.** For each entry, every pack version in force on the entry's UK date (see
  :func:`residentlog.deadlines.policy.pack_in_force`) whose jurisdiction covers the resident's nation.
  A pack whose versions name ``version_set_by`` events (the Complaint Handling Code: ``raised``)
  uses, for the rest of a case, the version in force on the day of the latest such event at or
  before the entry: a complaint made in March 2024 is handled under the 2022 Code to the end.
* **Start.** An entry starts a clock for a rule when its event is one of the rule's ``start``
  events and it strictly matches one of the rule's ``applies_to`` alternatives (kind, and every
  attribute the alternative names present with an accepted value). ``priority``, ``category`` and
  ``hazard`` carry forward within an incident (``EntryFacts.incident``, see
  ``residentlog.ledger.incidents``): an entry that does not set them has the values most recently
  set by an earlier entry of the same incident; an entry in no incident (a letter sent about the
  case), those most recently set by any earlier entry of the case. What an incident's entries say
  of the harm (``INCIDENT_FACTS``: people trapped, injured, ...) carries to its later entries too. One
  lift breakdown reported as an emergency does not make the next an emergency.
* **One clock per incident.** A rule's clock for an incident starts at the incident's first entry
  that starts it; the same fault reported again (a door reported 10 times before it was fixed) is
  chased, not started again: one failure is one timeframe missed, never ten. Each new incident
  (each lift breakdown) starts its own clock: a case with 23 reported lift breakdowns has 23. An
  entry in no incident (a complaint, a letter) starts its own clock for each rule it starts.
* **Defaults.** Before a pack's rules are matched, the pack's ``[[defaults]]`` fill in attributes
  the entry (with what its case carries forward) does not have: a communal door is an emergency
  under a policy that says so. What the resident gave always wins; the first default to set an
  attribute wins; a default is not carried forward. A clock whose matching alternative relied on
  a default names it (:attr:`Clock.defaults`), so a letter can say why the clock ran.
* **Never silent.** :func:`residentlog.deadlines.cases.unclocked_reports` lists, per case and
  kind, the reports that started no clock, and what a rule in force would need to start one.
* **Stop.** The first later entry of the same case whose event is one of the rule's ``stop``
  events, whose kind fits, and whose own attributes do not contradict the alternative that started
  the clock, stops the clock; so one "fixed" stops every clock of that rule still open in the case.
  Entries are ordered by ``occurred_at`` then entry number. Entries with no case form one group.
* **Unknown.** A clock started by an entry of an incident ends with status ``unknown`` when a new
  incident of the same kind begins in the case before anything stops it: the lift broke down
  again, so it had been put back in service, but the log does not say when, and so cannot say
  whether that was on time. It is neither met nor late, and is never counted as missed.
* **Due.** Hours run round the clock from the start instant. Day-based rules count from day zero
  (the start's UK date, moved by the rule's ``day_zero`` and ``after_hours`` settings) and are due
  by the end of the due day, UK time.
* **Extension.** The first extension event (for example a complaint entry ``extended``) after the
  start, before any stop and no later than the original due date, moves the due date by the rule's
  allowed extension, or to the date in the entry's ``until`` attribute (YYYY-MM-DD) if that is
  sooner. Later extensions are noted, not applied.
* **Status.** ``met`` (stopped on time), ``breached`` (stopped late), ``running`` (open, not yet
  due at ``now``), ``overdue`` (open and past due) or ``unknown`` (see above).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from residentlog.deadlines.due import Due, due_of, on_time, shift
from residentlog.deadlines.policy import (
    Citation,
    Default,
    Match,
    Pack,
    Rule,
    pack_in_force,
    packs_in_force,
)
from residentlog.deadlines.workdays import (
    as_utc,
    end_of_uk_day,
    format_day,
    format_instant,
    resolve_calendar,
    uk_date,
    working_days_between,
)
from residentlog.errors import InputError
from residentlog.ledger.incidents import STARTING_EVENTS

# Attributes a case keeps once an entry has set them, for matching later start events.
CASE_ATTRS: tuple[str, ...] = ("priority", "category", "hazard")
#: What an incident's earlier entries said of the harm, carried to its later entries (the report of
#: an entrapment is about people trapped), never beyond the incident: what ``[[defaults]]`` ``has``.
INCIDENT_FACTS: tuple[str, ...] = ("trapped", "injured", "children", "vulnerable", "police", "safety_risk")

_CASE_ATTRS = frozenset(CASE_ATTRS)
_INCIDENT_FACTS = frozenset(INCIDENT_FACTS)
_HOUR = timedelta(hours=1)

# The resident's nation: its working-day calendar and the pack jurisdictions that cover it.
_NATIONS: Mapping[str, tuple[str, frozenset[str]]] = {
    "england": ("england-wales", frozenset({"england", "uk"})),
    "wales": ("england-wales", frozenset({"wales", "uk"})),
    "england-wales": ("england-wales", frozenset({"england", "wales", "uk"})),
    "scotland": ("scotland", frozenset({"scotland", "uk"})),
    "northern-ireland": ("northern-ireland", frozenset({"northern-ireland", "uk"})),
}
_NATION_ALIASES: Mapping[str, str] = {
    "eng": "england",
    "wls": "wales",
    "england-and-wales": "england-wales",
    "sct": "scotland",
    "nir": "northern-ireland",
}


def resident_nation(nation: str) -> tuple[str, frozenset[str]]:
    """(working-day calendar, covered jurisdictions) for a resident's nation.

    Accepts england, wales, scotland, northern-ireland, england-wales and the codes ENG, WLS, SCT,
    NIR. Raises ``InputError`` otherwise.
    """
    key = str(nation).strip().lower().replace("_", "-").replace(" ", "-")
    key = _NATION_ALIASES.get(key, key)
    if key not in _NATIONS:
        raise InputError(f"unknown nation {nation!r}: use england, wales, scotland or northern-ireland")
    return _NATIONS[key]


# ---------------------------------------------------------------------------------------------
# Input and output types


@dataclass(frozen=True)
class EntryFacts:
    """What the deadline engine needs to know about one ledger entry.

    ``event`` is the incident event (observed, reported, acknowledged, attended, fixed, …) or, for
    a complaint, its step (raised, acknowledged, extended, responded, escalated, ombudsman).
    ``attrs`` holds the entry's matching attributes as strings: priority, category, stage, hazard,
    direction, channel, and for extensions ``until``, ``reasons`` and ``ombudsman_details``.
    ``occurred_at`` must be timezone-aware; it is stored in UTC.
    """

    number: int
    kind: str
    event: str
    occurred_at: datetime
    case: str | None = None
    attrs: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: The incident the entry belongs to (its first entry's number), or ``None``.
    incident: int | None = None

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is not UTC:
            object.__setattr__(self, "occurred_at", as_utc(self.occurred_at))
        attrs = self.attrs
        # Read-only text already (as entry_facts makes them, for every entry): kept as it is.
        if type(attrs) is not MappingProxyType or not all(type(v) is str for v in attrs.values()):
            clean = {str(k): attr_text(v) for k, v in dict(attrs).items() if v is not None}
            object.__setattr__(self, "attrs", MappingProxyType(clean))

    @classmethod
    def clean(
        cls,
        number: int,
        kind: str,
        event: str,
        occurred_at: datetime,
        case: str | None,
        attrs: MappingProxyType[str, str],
        incident: int | None,
    ) -> EntryFacts:
        """The facts of an entry whose attributes are read-only text already (``attrs``: every
        value a ``str``, as ``entry_facts`` makes them for every entry of a ledger): built as the
        frozen dataclass builds itself, less the per-field setattr and the check of ``attrs``."""
        if occurred_at.tzinfo is not UTC:
            return cls(number, kind, event, occurred_at, case, attrs, incident)
        facts = object.__new__(cls)
        facts.__dict__.update(
            number=number,
            kind=kind,
            event=event,
            occurred_at=occurred_at,
            case=case,
            attrs=attrs,
            incident=incident,
        )
        return facts

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.occurred_at, self.number)


#: ``EntryFacts.order`` as a sort key in C (no call per entry).
_ORDER = attrgetter("occurred_at", "number")


def attr_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@dataclass(frozen=True)
class DefaultUse:
    """An attribute a pack's default gave a start entry, which the clock's rule matched on."""

    attr: str
    value: str
    default_id: str
    because: str
    pack_id: str
    pack_version: str

    @property
    def text(self) -> str:
        """``treated as priority emergency: <because> (default communal-door of pack x, version 1)``."""
        return (
            f"treated as {self.attr} {self.value}: {self.because} "
            f"(default {self.default_id} of pack {self.pack_id}, version {self.pack_version})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "attr": self.attr,
            "value": self.value,
            "default": self.default_id,
            "because": self.because,
            "pack": {"id": self.pack_id, "version": self.pack_version},
            "text": self.text,
        }


class ClockStatus(StrEnum):
    MET = "met"
    BREACHED = "breached"
    RUNNING = "running"
    OVERDUE = "overdue"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Clock:
    """One clock: a rule started by one entry, with its due date, stop and status.

    ``margin`` is how late (breached, overdue), how early (met) or how long is left (running), in
    ``margin_unit``: whole ``hours`` for hours rules (rounded down, so lateness is never overstated),
    ``working days`` for working-day rules and ``days`` (calendar days) otherwise. For day-based
    rules ``calendar_days`` gives the same margin in calendar days. ``exact`` is the signed time
    from the deadline (the end of the due day, UK time, for day-based rules) to the stop, or to
    ``now`` if the clock is open: positive means late.
    """

    pack_id: str
    pack_title: str
    pack_version: str
    rule_id: str
    case: str | None
    start_entry: int
    started_at: datetime
    day_zero: date | None
    due_at: datetime
    due_date: date | None
    stop_entry: int | None
    stopped_at: datetime | None
    status: ClockStatus
    margin: int
    margin_unit: str
    calendar_days: int | None
    exact: timedelta
    elapsed: timedelta
    explanation: str
    calendar: str | None
    original_due_at: datetime
    rule: Rule = field(compare=False, hash=False, repr=False)
    extension_entry: int | None = None
    notes: tuple[str, ...] = ()
    defaults: tuple[DefaultUse, ...] = ()  # attributes the rule matched on that came from a default
    #: For an ``unknown`` clock: the entry that began the next incident (the next breakdown).
    ended_by: int | None = None
    ended_at: datetime | None = None
    #: The incident whose first report started the clock (``ledger.incidents``), or ``None``.
    incident: int | None = None

    @property
    def citation(self) -> Citation:
        return self.rule.citation

    @property
    def title(self) -> str:
        return self.rule.title

    @property
    def party(self) -> str:
        return self.rule.party

    @property
    def is_open(self) -> bool:
        return self.stop_entry is None and self.status is not ClockStatus.UNKNOWN

    @property
    def late(self) -> bool:
        return self.status in (ClockStatus.BREACHED, ClockStatus.OVERDUE)

    @property
    def status_text(self) -> str:
        """``breached by 377 days 4 hours (9052 hours)``, ``running, due in 3 working days`` …"""
        return _status_text(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (ISO 8601 times in UTC, durations in seconds)."""

        def iso(dt: datetime | None) -> str | None:
            return None if dt is None else dt.isoformat().replace("+00:00", "Z")

        cit = self.rule.citation
        return {
            "pack": {"id": self.pack_id, "title": self.pack_title, "version": self.pack_version},
            "rule": {
                "id": self.rule_id,
                "title": self.rule.title,
                "party": self.rule.party,
                "allowed": self.rule.allowed.describe(),
            },
            "citation": {
                "section": cit.section,
                "wording": cit.wording,
                "url": cit.url,
                "document": cit.document,
                "confidence": cit.confidence,
            },
            "case": self.case,
            "start": {"entry": self.start_entry, "at": iso(self.started_at)},
            "day_zero": None if self.day_zero is None else self.day_zero.isoformat(),
            "due": {
                "at": iso(self.due_at),
                "date": None if self.due_date is None else self.due_date.isoformat(),
                "original_at": iso(self.original_due_at),
            },
            "stop": None
            if self.stop_entry is None
            else {"entry": self.stop_entry, "at": iso(self.stopped_at)},
            "extension_entry": self.extension_entry,
            "status": self.status.value,
            "status_text": self.status_text,
            "margin": {"amount": self.margin, "unit": self.margin_unit, "calendar_days": self.calendar_days},
            "exact_seconds": int(self.exact.total_seconds()),
            "elapsed_seconds": int(self.elapsed.total_seconds()),
            "calendar": self.calendar,
            "explanation": self.explanation,
            "notes": list(self.notes),
            "defaults": [d.to_dict() for d in self.defaults],
            "ended_by": None if self.ended_by is None else {"entry": self.ended_by, "at": iso(self.ended_at)},
            "incident": self.incident,
        }


# ---------------------------------------------------------------------------------------------
# The engine


def compute_clocks(
    entries: Iterable[EntryFacts],
    packs: Iterable[Pack],
    nation: str,
    now: datetime,
) -> tuple[Clock, ...]:
    """Every clock the entries start under the packs, in start order (see the module docs)."""
    now = as_utc(now)
    calendar, jurisdictions = resident_nation(nation)
    pack_list = [p for p in packs if p.jurisdiction in jurisdictions]
    ordered = ordered_entries(entries)
    versions = _Versions(pack_list)
    clocks: list[Clock] = []
    for case_entries in by_case(ordered).values():
        index = _CaseIndex(case_entries)
        case_context: dict[str, str] = {}  # the attributes the case carries
        contexts: dict[int, dict[str, str]] = {}  # incident -> the attributes it carries
        anchors: dict[str, date] = {}  # pack id -> the day that fixed its version in this case
        running: dict[int, set[tuple[str, str]]] = {}  # incident -> (pack id, rule id) of its clocks
        for i, entry in enumerate(case_entries):
            # A case remembers its priority, category and hazard: a later entry that does not say
            # otherwise (an "attended" on a significant damp hazard) still matches rules on them.
            # An incident's entries carry what earlier entries of the same incident said; an entry
            # in no incident (a letter sent about the case) what the case said most recently.
            incident = entry.incident
            for name, value in entry.attrs.items():
                if name in _CASE_ATTRS:
                    case_context[name] = value
                    if incident is not None:
                        contexts.setdefault(incident, {})[name] = value
                elif name in _INCIDENT_FACTS and incident is not None:
                    contexts.setdefault(incident, {})[name] = value
            if entry.event not in versions.events:
                continue  # starts no rule of any pack, and fixes no pack's version
            day = uk_date(entry.occurred_at)
            for pack_id in versions.set_by.get(entry.event, ()):
                anchors[pack_id] = day
            plan = versions.plan(day, anchors, entry.event)
            if not plan:
                continue
            context = case_context if incident is None else contexts.get(incident, {})
            effective = {**context, **entry.attrs}
            said = (entry.kind, tuple(effective.items()))  # a key: the same things said, the same key
            runs = running.get(incident) if incident is not None else None
            for pack, rule, alt, relied in versions.matches(plan, said, effective):
                if runs is not None and (pack.id, rule.id) in runs:
                    continue  # the same fault reported again: its clock runs on
                if incident is not None:
                    running.setdefault(incident, set()).add((pack.id, rule.id))
                clocks.append(_make_clock(pack, rule, alt, entry, _Later(index, i), calendar, now, relied))
    clocks.sort(key=lambda c: (c.started_at, c.start_entry, c.pack_id, c.rule_id))
    return tuple(clocks)


#: What an entry says, as the engine matches it: its kind and its attributes (a cache key).
Said = tuple[str, tuple[tuple[str, str], ...]]


class _Versions:
    """The pack versions in force on a day, with the versions some packs keep for a whole case."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = packs
        self.by_id: dict[str, list[Pack]] = {}
        self.set_by: dict[str, set[str]] = {}  # event -> ids of the packs whose version it fixes
        self.events: set[str] = set()  # every event that starts a rule or fixes a version
        for p in packs:
            self.by_id.setdefault(p.id, []).append(p)
            for event in p.version_set_by:
                self.set_by.setdefault(event, set()).add(p.id)
            self.events.update(p.version_set_by)
            for rule in p.rules:
                self.events.update(rule.start)
        self.cache: dict[date, tuple[Pack, ...]] = {}
        self.plans: dict[Hashable, list[tuple[Pack, list[Rule]]]] = {}  # see started_by
        self.day_plans: dict[tuple[date, str], list[tuple[Pack, list[Rule]]]] = {}  # see plan
        self.matched: dict[tuple[int, Said], list[tuple[Pack, Rule, Match, tuple[DefaultUse, ...]]]] = {}

    def matches(
        self, plan: Sequence[tuple[Pack, Sequence[Rule]]], said: Said, attrs: Mapping[str, str]
    ) -> list[tuple[Pack, Rule, Match, tuple[DefaultUse, ...]]]:
        """The rules of ``plan`` (:meth:`plan`) that an entry of kind and attributes ``said``
        (``attrs``) starts, each with the alternative it matches and the pack defaults that match
        relied on, in the plan's order: once for each plan and each different thing said (most
        entries say what many others said; plans are kept, so each is the same object each time)."""
        key = (id(plan), said)
        found = self.matched.get(key)
        if found is None:
            found = self.matched[key] = []
            for pack, starts in plan:
                with_defaults, used = apply_defaults(pack, said[0], attrs)
                for rule in starts:
                    alt = rule.match_for(said[0], with_defaults)
                    if alt is not None:
                        relied = tuple(u for u in used if u.attr in alt.constraints())
                        found.append((pack, rule, alt, relied))
        return found

    def plan(self, day: date, anchors: Mapping[str, date], event: str) -> list[tuple[Pack, list[Rule]]]:
        """:meth:`started_by` of the packs in force on ``day`` (:meth:`on`): once for each day and
        event while no pack's version is anchored in the case (asked for nearly every entry)."""
        if anchors:
            return self.started_by(self.on(day, anchors), event)
        key = (day, event)
        plan = self.day_plans.get(key)
        if plan is None:
            plan = self.day_plans[key] = self.started_by(self.on(day, anchors), event)
        return plan

    def started_by(self, packs: tuple[Pack, ...], event: str) -> list[tuple[Pack, list[Rule]]]:
        """Each of ``packs`` with rules that ``event`` starts, and those rules in the pack's order
        (asked for nearly every entry, of the same few sets of packs)."""
        key = (tuple(map(id, packs)), event)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = []
            for pack in packs:
                rules = [rule for rule in pack.rules if event in rule.start]
                if rules:
                    plan.append((pack, rules))
        return plan

    def on(self, day: date, anchors: Mapping[str, date]) -> tuple[Pack, ...]:
        """For each pack id, the version in force on ``day``, or on its anchor day in ``anchors``."""
        if day not in self.cache:
            self.cache[day] = packs_in_force(self.packs, day)
        if not anchors:
            return self.cache[day]
        out = [p for p in self.cache[day] if p.id not in anchors]
        for pack_id, anchor in anchors.items():
            chosen = pack_in_force(self.by_id[pack_id], anchor)
            if chosen is not None:
                out.append(chosen)
        return tuple(sorted(out, key=lambda p: p.id))


def apply_defaults(
    pack: Pack, kind: str, attrs: Mapping[str, str]
) -> tuple[dict[str, str], tuple[DefaultUse, ...]]:
    """The entry's attributes with the pack's defaults filled in, and each default used.

    ``attrs`` are what the entry says (with what its case carries forward); those always win.
    Defaults are tried in the pack's order against the entry as the resident gave it, and the
    first to set an attribute wins.
    """
    out = dict(attrs)
    used: list[DefaultUse] = []
    for default in pack.defaults:
        if not default.applies(kind, attrs):
            continue
        for name, value in default.set.items():
            if name in out:
                continue
            out[name] = value
            used.append(_use(pack, default, name, value))
    return out, tuple(used)


def _use(pack: Pack, default: Default, name: str, value: str) -> DefaultUse:
    return DefaultUse(name, value, default.id, default.because, pack.id, pack.version)


class InOrder(tuple[EntryFacts, ...]):
    """Entries in ledger order, each number once: what :func:`ordered_entries` gives. Given one
    again, it gives it back as it is, and :func:`by_case` groups it once: the clocks, the case
    summaries and the unclocked reports of one ledger each ask for both."""

    _cases: dict[str | None, list[EntryFacts]]


def ordered_entries(entries: Iterable[EntryFacts]) -> InOrder:
    """The entries in ledger order (``occurred_at``, then number); InputError for a number twice."""
    if type(entries) is InOrder:
        return entries
    items = sorted(entries, key=_ORDER)
    if len({e.number for e in items}) != len(items):
        seen: set[int] = set()
        for e in items:
            if e.number in seen:
                raise InputError(f"entry number {e.number} appears twice")
            seen.add(e.number)
    return InOrder(items)


def by_case(ordered: Sequence[EntryFacts]) -> Mapping[str | None, Sequence[EntryFacts]]:
    """The entries of each case (``None``: no case), in order of each case's first entry."""
    if type(ordered) is InOrder and "_cases" in ordered.__dict__:
        return ordered._cases
    groups: dict[str | None, list[EntryFacts]] = {}
    for e in ordered:
        groups.setdefault(e.case, []).append(e)
    if type(ordered) is InOrder:
        ordered._cases = groups
    return groups


class _CaseIndex:
    """A case's entries in order, with the positions of each event, to find stops quickly
    (indexed when a clock of the case first asks: most cases of a large ledger start none)."""

    def __init__(self, entries: Sequence[EntryFacts]) -> None:
        self.entries = entries
        self._positions: dict[str, list[int]] | None = None
        self._starters: dict[str, list[int]] | None = None

    @property
    def positions(self) -> dict[str, list[int]]:
        """Event -> the positions of the entries that record it, in order."""
        if self._positions is None:
            self._positions = {}
            for i, e in enumerate(self.entries):
                self._positions.setdefault(e.event, []).append(i)
        return self._positions

    def starters_after(self, kind: str, after: int) -> list[int]:
        """Positions after ``after``, in order, of the entries of ``kind`` that begin an incident
        (observed, reported or recurred, and the first entry of their incident)."""
        if self._starters is None:
            self._starters = {}
            for i, e in enumerate(self.entries):
                if e.event in STARTING_EVENTS and e.incident is not None and e.incident == e.number:
                    self._starters.setdefault(e.kind, []).append(i)
        pos = self._starters.get(kind, [])
        return pos[bisect.bisect_right(pos, after) :]


class _Later:
    """The entries after position ``after`` in a case, filtered by event on demand."""

    def __init__(self, index: _CaseIndex, after: int) -> None:
        self.index = index
        self.after = after

    def with_events(self, events: Iterable[str]) -> Iterator[EntryFacts]:
        """Entries after the start whose event is one of ``events``, in ledger order."""
        runs = []
        for event in set(events):
            pos = self.index.positions.get(event, [])
            runs.append(pos[bisect.bisect_right(pos, self.after) :])
        for i in heapq.merge(*runs):
            yield self.index.entries[i]


def _make_clock(
    pack: Pack,
    rule: Rule,
    alt: Match,
    start: EntryFacts,
    later: _Later,
    resident_calendar: str,
    now: datetime,
    defaults: tuple[DefaultUse, ...] = (),
) -> Clock:
    calendar = resident_calendar if rule.calendar == "nation" else resolve_calendar(rule.calendar)
    stop = next((e for e in later.with_events(rule.stop) if alt.compatible(e.kind, e.attrs)), None)
    original = due_of(rule, start, calendar)
    due = original
    notes: list[str] = []
    ext_entry: int | None = None
    if rule.extension is not None:
        due, ext_entry, ext_notes = _apply_extension(rule, alt, start, later, stop, original, calendar)
        notes.extend(ext_notes)

    ref = stop.occurred_at if stop is not None else now
    status, margin, unit, cal_days = _measure(rule, due, ref, calendar, stopped=stop is not None)
    ended = _next_incident(start, later)
    if ended is not None and (stop is None or ended.order < stop.order):
        stop, status, margin = None, ClockStatus.UNKNOWN, 0
    basis = f"rule {rule.citation.section} ({pack.label()})"
    if rule.citation.confidence in ("low", "unconfirmed"):
        basis += f" [source confidence: {rule.citation.confidence}]"
    explanation = f"Due {due.text}; {basis}"
    for use in defaults:
        explanation += f"; {use.text}"
    if pack.example:
        notes.append("from an example pack: check it against your landlord's own policy")
    return Clock(
        pack_id=pack.id,
        pack_title=pack.title,
        pack_version=pack.version,
        rule_id=rule.id,
        case=start.case,
        start_entry=start.number,
        started_at=start.occurred_at,
        day_zero=due.day_zero,
        due_at=due.due_at,
        due_date=due.due_date,
        stop_entry=None if stop is None else stop.number,
        stopped_at=None if stop is None else stop.occurred_at,
        status=status,
        margin=margin,
        margin_unit=unit,
        calendar_days=cal_days,
        exact=ref - due.due_at,
        elapsed=ref - start.occurred_at,
        explanation=explanation,
        calendar=None if rule.unit == "hours" else calendar,
        original_due_at=original.due_at,
        extension_entry=ext_entry,
        notes=tuple(notes),
        rule=rule,
        defaults=defaults,
        ended_by=ended.number if status is ClockStatus.UNKNOWN and ended is not None else None,
        ended_at=ended.occurred_at if status is ClockStatus.UNKNOWN and ended is not None else None,
        incident=start.incident,
    )


def _next_incident(start: EntryFacts, later: _Later) -> EntryFacts | None:
    """The first later entry of the case that begins another incident of the start's kind."""
    if start.incident is None:
        return None
    # From the case's list of incident starts (scanning every later report for each clock made
    # deadlines quadratic in a case's reports); at most the start's own incident is skipped.
    for i in later.index.starters_after(start.kind, later.after):
        e = later.index.entries[i]
        if e.incident != start.incident:
            return e
    return None


def _apply_extension(
    rule: Rule,
    alt: Match,
    start: EntryFacts,
    later: _Later,
    stop: EntryFacts | None,
    original: Due,
    calendar: str,
) -> tuple[Due, int | None, list[str]]:
    ext = rule.extension
    assert ext is not None
    notes: list[str] = []
    candidates = [
        e
        for e in later.with_events([ext.event])
        if alt.compatible(e.kind, e.attrs) and (stop is None or e.order < stop.order)
    ]
    chosen: EntryFacts | None = None
    for e in candidates:
        if chosen is not None:
            notes.append(f"a further extension (entry {e.number}) was not applied: one per clock")
        elif on_time(original, e.occurred_at):
            chosen = e
        else:
            notes.append(f"extension (entry {e.number}) came after the due date, so it was not applied")
    if chosen is None:
        return original, None, notes

    # The furthest the extension may go.
    cap: Due | None
    if ext.amount is None or ext.unit is None:
        cap = None
    elif ext.unit == rule.unit:
        cap = due_of(rule, start, calendar, extra=(ext.amount, ext.unit))
    else:
        cap = shift(original, ext.amount, ext.unit, calendar)

    until_text = chosen.attrs.get("until")
    until: date | None = None
    if until_text:
        try:
            until = date.fromisoformat(until_text)
        except ValueError:
            notes.append(
                f"extension (entry {chosen.number}): 'until' {until_text!r} is not a date (YYYY-MM-DD)"
            )
    new = cap
    if until is not None:
        wanted = Due(end_of_uk_day(until), until if original.due_date else None, original.day_zero, "")
        if cap is None or wanted.due_at <= cap.due_at:
            new = wanted
        else:
            notes.append(
                f"extension (entry {chosen.number}) asked for {format_day(until)}, beyond the "
                f"{ext.describe()} allowed; capped"
            )
    if new is None:
        notes.append(
            f"extension (entry {chosen.number}) gave no new date ('until') and the rule has no fixed "
            "cap, so the original due date still applies"
        )
        return original, chosen.number, notes

    if ext.reasons_required and chosen.attrs.get("reasons", "").strip().lower() in ("", "no", "false", "0"):
        notes.append(f"extension (entry {chosen.number}): no reasons recorded; this rule requires them")
    if ext.ombudsman_details_required and chosen.attrs.get("ombudsman_details", "").lower() not in (
        "yes",
        "true",
        "1",
    ):
        notes.append(
            f"extension (entry {chosen.number}): the Ombudsman's contact details are not recorded; "
            "this rule requires them"
        )
    if ext.confidence in ("low", "unconfirmed"):
        notes.append(f"the extension limit is {ext.confidence}: check it")
    new_day = new.due_date
    new_when = format_day(new_day) if new_day is not None else format_instant(new.due_at)
    text = (
        f"{new_when} after extension (entry {chosen.number}, {format_day(uk_date(chosen.occurred_at))}; "
        f"{ext.describe()} allowed); originally due {original.text}"
    )
    return Due(new.due_at, new.due_date, original.day_zero, text), chosen.number, notes


def _measure(
    rule: Rule, due: Due, ref: datetime, calendar: str, *, stopped: bool
) -> tuple[ClockStatus, int, str, int | None]:
    """(status, margin, margin unit, margin in calendar days) at instant ``ref``."""
    in_time = on_time(due, ref)
    if stopped:
        status = ClockStatus.MET if in_time else ClockStatus.BREACHED
    else:
        status = ClockStatus.RUNNING if in_time else ClockStatus.OVERDUE
    if due.due_date is None:
        delta = ref - due.due_at
        hours = math.floor(abs(delta) / _HOUR)  # whole hours, rounded down: never overstated
        return status, hours, "hours", None
    ref_day = uk_date(ref)
    days = abs((ref_day - due.due_date).days)
    if rule.unit == "working_days":
        return status, abs(working_days_between(due.due_date, ref_day, calendar)), "working days", days
    return status, days, "days", days


# ---------------------------------------------------------------------------------------------
# Text


def _plural(n: int, unit: str) -> str:
    if n == 1:
        unit = {"hours": "hour", "days": "day", "working days": "working day"}.get(unit, unit)
    return f"{n} {unit}"


def duration_text(td: timedelta) -> str:
    """How long, in words: ``377 days 4 hours``, ``30 hours``, ``under an hour``. The one place a
    lateness or elapsed time is worded: whole hours, always rounded down, so never overstated;
    days and hours from 48 hours up."""
    hours = max(0, math.floor(td / _HOUR))
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return _plural(hours, "hours")
    days, rest = divmod(hours, 24)
    return _plural(days, "days") + (f" {_plural(rest, 'hours')}" if rest else "")


def _status_text(c: Clock) -> str:
    unit, n = c.margin_unit, c.margin
    if c.status is ClockStatus.UNKNOWN:
        return f"not known: no repair recorded before the next incident (entry {c.ended_by})"
    if c.status in (ClockStatus.BREACHED, ClockStatus.OVERDUE):
        word = c.status.value + " by"
        if unit == "hours":
            text = f"{word} {duration_text(n * _HOUR)}"
            return f"{text} ({_plural(n, unit)})" if n >= 48 else text
        if unit == "working days":
            cal = c.calendar_days or 0
            if n == 0:
                return f"{word} {_plural(cal, 'days')} (no working days)"
            return f"{word} {_plural(n, unit)} ({_plural(cal, 'days')})"
        return f"{word} {_plural(n, unit)}"
    if c.status is ClockStatus.MET:
        if n == 0:
            return "met (on the due day)" if unit != "hours" else "met (under an hour to spare)"
        return f"met ({_plural(n, unit)} to spare)"
    if n == 0:
        return "running, due today" if unit != "hours" else "running, due within the hour"
    return f"running, due in {_plural(n, unit)}"
