"""Incidents: the entries about one occurrence, counted once.

An observed breakdown and the report of it are two entries but one incident. Every count a
resident or a landlord reads (the chart, the chronology's summary, ``case show``, ``status``,
every letter) counts incidents, and says how many times each was reported.

This is a *derived view*: nothing here is stored, and the hashed records never change. The
grouping is worked out afresh from the entries each time (docs/format.md, "Incidents"):

* Only entries of an incident kind (lift, door, ASB, CCTV, repair, damp) take part. Each
  belongs to a *stream*: its case and kind (entries with no case: their kind and the asset they
  name, e.g. the lift, door, camera, rooms, category or location).
* An entry that says ``--incident N`` joins the incident entry N belongs to; ``--new-incident``
  always starts a new one; ``recurred`` always starts a new one (the problem came back), counted
  as a recurrence of the stream's previous incident.
* ``observed`` or ``reported`` that links (``--link``) to an entry of an incident of the same
  kind joins it. Otherwise it joins the stream's latest incident when that is not fixed and
  either the kind is *lasting* (a door that does not lock, damp, a repair: the same fault until it
  is fixed, however often it is reported), or it is a first report made within
  :data:`REPORT_WINDOW` of that incident's last entry (the report of what was just seen).
  Anything else starts a new incident: a lift seen out of service again is another breakdown.
* Every other event (acknowledged, attended, fixed, not-fixed, requested, provided, refused,
  chased) joins the incident it links to, else the stream's latest; ``fixed`` closes it. One with
  no incident to join (a request for footage of an ASB incident that is in another case) is not
  an incident and is not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from residentlog.ledger.entry import IN_ORDER, Entry
from residentlog.ledger.vocabulary import INCIDENT_KINDS, KINDS

if TYPE_CHECKING:
    from residentlog.ledger.store import Store

#: A first report this soon after the last entry of an unreported incident is the report of it.
REPORT_WINDOW = timedelta(days=3)

STARTING_EVENTS = frozenset({"observed", "reported", "recurred"})

Stream = tuple[str, str, str]


@dataclass
class Incident:
    """One occurrence and everything recorded about it, in date order.

    ``number`` is the entry number of its first entry ("incident 12"). ``recurrence_of`` is the
    number of the incident it is a recurrence of, if it came back after that one. ``how`` says,
    for each entry after the first, why it belongs here.
    """

    number: int
    kind: str
    case: str
    entries: list[Entry] = field(default_factory=list)
    recurrence_of: int | None = None
    how: dict[int, str] = field(default_factory=dict)

    @property
    def first(self) -> Entry:
        return self.entries[0]

    @property
    def started(self) -> datetime:
        return self.first.occurred

    @property
    def reports(self) -> list[Entry]:
        """The entries that reported it (to the landlord, the police, anyone)."""
        return [e for e in self.entries if e.event == "reported"]

    @property
    def report_count(self) -> int:
        return len(self.reports)

    @property
    def landlord_reports(self) -> list[Entry]:
        """Reports that were made to the landlord: any report not given only a police reference."""
        return [e for e in self.reports if not _police_only(e)]

    @property
    def fixed(self) -> Entry | None:
        """The entry that records it fixed, if its last closing word was ``fixed``."""
        state: Entry | None = None
        for e in self.entries:
            if e.event == "fixed":
                state = e
            elif e.event in ("not-fixed", "recurred"):
                state = None
        return state

    @property
    def is_open(self) -> bool:
        return self.fixed is None

    @property
    def nums(self) -> list[int]:
        return [e.num for e in self.entries]

    @property
    def landlord_refs(self) -> list[str]:
        return list(dict.fromkeys(r["ref"] for e in self.entries for r in e.refs if r["by"] == "landlord"))

    @property
    def summary(self) -> str:
        return self.first.summary


def _police_only(entry: Entry) -> bool:
    by = {r["by"] for r in entry.refs}
    return bool(by) and by == {"police"}


def stream_of(entry: Entry) -> Stream:
    """The stream an entry's incidents run in: its case and kind, or with no case its kind and the
    asset it names."""
    if entry.case:
        return (entry.case, entry.kind, "")
    fields = entry.rec.fields  # read only (Entry.fields copies)
    asset = next(
        (str(fields[k]) for k in ("lift", "door", "camera", "rooms", "category") if fields.get(k)),
        entry.rec.location,
    )
    return ("", entry.kind, asset.casefold())


def is_lasting(kind: str) -> bool:
    known = KINDS.get(kind)
    return known is not None and known.lasting


def group_incidents(entries: Iterable[Entry]) -> list[Incident]:
    """Every incident among ``entries`` (in any order), in order of their first entry.

    Entries that belong to no incident (not an incident kind, or a follow-up with nothing to
    follow) are left out.
    """
    ordered = _incident_entries_in_order(entries)
    owner: dict[int, Incident] = {}
    latest: dict[Stream, Incident] = {}
    last_at: dict[int, datetime] = {}
    out: list[Incident] = []
    # What Incident.is_open and report_count say, kept up to date as entries join: asking the
    # incident walks all its entries, and a lasting fault reported every week has thousands.
    open_now: dict[int, bool] = {}
    reported: dict[int, int] = {}
    lasting = {kind: is_lasting(kind) for kind in INCIDENT_KINDS}

    def start(entry: Entry, event: str, stream: Stream, recurrence_of: Incident | None) -> None:
        number = entry.num
        incident = Incident(
            number=number,
            kind=entry.kind,
            case=entry.case,
            entries=[entry],
            recurrence_of=recurrence_of.number if recurrence_of is not None else None,
        )
        out.append(incident)
        open_now[number] = event != "fixed"
        if event == "reported":
            reported[number] = 1
        owner[number] = incident
        latest[stream] = incident
        last_at[number] = entry.occurred

    def join(entry: Entry, event: str, incident: Incident, how: str) -> None:
        number = incident.number
        incident.entries.append(entry)
        if event == "fixed":
            open_now[number] = False
        elif event == "not-fixed" or event == "recurred":
            open_now[number] = True
        if event == "reported":
            reported[number] = reported.get(number, 0) + 1
        incident.how[entry.num] = how
        owner[entry.num] = incident
        last_at[number] = entry.occurred

    for entry in ordered:
        kind = entry.kind
        stream = (entry.case, kind, "") if entry.case else stream_of(entry)
        event = entry.event or "observed"
        fields = entry.rec.fields  # read only: Entry.fields copies
        named = fields.get("incident")
        if isinstance(named, int) and named in owner and owner[named].kind == kind:
            join(entry, event, owner[named], f"said to be part of incident {owner[named].number}")
            continue
        previous = latest.get(stream)
        if fields.get("new_incident"):
            start(entry, event, stream, None)
            continue
        linked = _linked(entry, owner) if entry.rec.links else None
        if event == "recurred":
            start(entry, event, stream, linked if linked is not None else previous)
            continue
        if linked is not None:
            join(entry, event, linked, f"linked to entry {_first_link(entry, linked)}")
            continue
        if event in STARTING_EVENTS:
            if previous is not None and open_now[previous.number]:
                if lasting[kind]:
                    join(entry, event, previous, "the same fault, not yet fixed")
                    continue
                if (
                    event == "reported"
                    and reported.get(previous.number, 0) == 0
                    and entry.occurred - last_at[previous.number] <= REPORT_WINDOW
                ):
                    join(entry, event, previous, "the report of what was seen")
                    continue
            start(entry, event, stream, None)
            continue
        if previous is not None:
            join(entry, event, previous, f"follows incident {previous.number}")
        # else: a follow-up with nothing to follow: not an incident
    return out


def _incident_entries_in_order(entries: Iterable[Entry]) -> list[Entry]:
    """The entries of an incident kind, in ``IN_ORDER`` (their time, then number): sorted only
    if they are not in that order already (``list_entries`` gives a ledger's entries in it, and
    sorting 100,000 of them by a key made for each costs twice this test)."""
    chosen: list[Entry] = []
    append = chosen.append
    last_at, last_num = "", 0
    in_order = True
    for e in entries:
        if e.kind in INCIDENT_KINDS:
            at = e.occurred_at
            if at <= last_at and (at < last_at or e.num < last_num):
                in_order = False
            last_at = at
            last_num = e.num
            append(e)
    if not in_order:
        chosen.sort(key=IN_ORDER)
    return chosen


def _linked(entry: Entry, owner: dict[int, Incident]) -> Incident | None:
    """The latest incident of the same kind that one of the entry's links belongs to."""
    links = entry.rec.links  # read only (Entry.links copies)
    if not links:
        return None
    found = [owner[n] for n in links if n in owner and owner[n].kind == entry.kind]
    return max(found, key=lambda i: (i.started, i.number)) if found else None


def _first_link(entry: Entry, incident: Incident) -> int:
    return next(n for n in entry.links if n in incident.nums)


def incident_numbers(incidents: Iterable[Incident]) -> dict[int, int]:
    """Entry number -> the number of the incident it belongs to, for every entry of ``incidents``."""
    return {e.num: i.number for i in incidents for e in i.entries}


def incident_of(incidents: Sequence[Incident], num: int) -> Incident | None:
    """The incident entry ``num`` belongs to, if any."""
    return next((i for i in incidents if num in i.nums), None)


def recurrences(incidents: Sequence[Incident]) -> int:
    """How many incidents were the problem coming back after an earlier one."""
    return sum(i.recurrence_of is not None for i in incidents)


def placement(store: Store, num: int) -> str | None:
    """One line for ``add`` to say which incident entry ``num`` was counted in, or ``None`` for
    an entry that is not an incident kind.

    Reads only the entries of the same case and kind (their latest 1,000), each from its hashed
    bytes, so it costs the same in a ledger of any size. Documents always group every entry.
    """
    from residentlog.errors import NotFound, StoreError
    from residentlog.ledger.views import get_entry

    entry = get_entry(store, num)
    if not entry.is_incident:
        return None
    others: list[Entry] = []
    for n in store.stream_nums(entry.case, entry.kind):
        if n == num:
            continue
        try:
            other = get_entry(store, n)
        except (NotFound, StoreError):
            continue
        if other.case == entry.case and other.kind == entry.kind:
            others.append(other)
    incident = incident_of(group_incidents([*others, entry]), num)
    if incident is None:
        return (
            f"Not counted as an incident: '{entry.event}' follows an incident, and this case has no "
            f"earlier {entry.kind_title} incident"
        )
    if incident.number == num:
        again = " (the problem came back)" if incident.recurrence_of is not None else ""
        return f"A new incident{again}: incident {num}"
    return (
        f"Part of incident {incident.number} ({incident.how[num]}); "
        "to count it as a new incident instead, amend it with --new-incident"
    )


def incident_to_dict(incident: Incident) -> dict[str, object]:
    """An incident as ``--json`` gives it."""
    fixed = incident.fixed
    return {
        "incident": incident.number,
        "kind": incident.kind,
        "case": incident.case or None,
        "started_at": incident.first.occurred_at,
        "entries": incident.nums,
        "reports": [e.num for e in incident.reports],
        "fixed_entry": fixed.num if fixed is not None else None,
        "open": incident.is_open,
        "recurrence_of": incident.recurrence_of,
        "landlord_refs": incident.landlord_refs,
        "summary": incident.summary,
    }
