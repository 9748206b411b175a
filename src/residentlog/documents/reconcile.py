"""The landlord's own records against the log (``residentlog reconcile``; docs/reconcile.md).

:func:`reconcile` is pure: the landlord's rows (read again from their hashed file by
:mod:`residentlog.ledger.landlord_records`), the log's entries and incidents, and what the policy
packs say a fault's priority is, give every match, each with the reason for it, and the
findings:

* **unrecorded**: reports to the landlord in the log, in the period the landlord's file covers
  and of a kind it covers, that no row of it matches;
* **recurred**: jobs the landlord closed as fixed where the log records the fault again within
  ``recur_days`` of the closing day;
* **no access**: jobs closed as "no access", with whatever the log records on that day;
* **priority**: the landlord's priority against the policy pack's (a default of a pack in force),
  else the priority the resident's own report records;
* **dates**: the same reference logged on days more than ``tolerance_days`` apart.

Matching: by the landlord's reference first (a reference an entry gives, ``landlord:LFT-10452``,
compared ignoring case, spaces and punctuation); then, for a row no reference matched, by kind
and date: the nearest unmatched report of the same kind within the tolerance, then the nearest
incident of that kind the log has no report of. Each report matches one row at most.

:func:`store_reconciliation` reads a store; :func:`to_json`, :func:`chronology_section` and
:func:`letter_sentences` give what ``reconcile --json``, the chronology and the letters show.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from residentlog.documents.wording import capitalise, long_date, plural
from residentlog.ledger.vocabulary import INCIDENT_KINDS, kind_title
from residentlog.ledger.when import LONDON

if TYPE_CHECKING:
    from residentlog.deadlines.clocks import StoreClocks
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.incidents import Incident
    from residentlog.ledger.landlord_records import (
        BadRow,
        LandlordRecord,
        Source,
    )
    from residentlog.ledger.store import Store

TOLERANCE_DAYS = 2
RECUR_DAYS = 30
#: Events that show the fault is there (again).
FAULT_EVENTS = frozenset({"observed", "reported", "recurred", "not-fixed"})
#: How the letters and tables name several of each kind: "5 lift faults".
_NOUNS: Mapping[str, tuple[str, str]] = {
    "lift": ("lift fault", "lift faults"),
    "door": ("door / entry fault", "door / entry faults"),
    "asb": ("report of anti-social behaviour", "reports of anti-social behaviour"),
    "cctv": ("CCTV request", "CCTV requests"),
    "repair": ("repair", "repairs"),
    "damp": ("damp / mould problem", "damp / mould problems"),
}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_LEVELS = {"emergency": 0, "urgent": 1, "routine": 2}

#: (kind, attributes of the entry without its priority, day) -> (priority, why) from the packs.
PolicyPriority = Callable[[str, Mapping[str, str], date], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Row:
    """A landlord's row and the landlord-records entry whose file it was read from."""

    source: int
    record: LandlordRecord


@dataclass(frozen=True)
class Match:
    row: Row
    entry: Entry | None
    incident: Incident | None
    reason: str
    by: str  # "reference" or "kind and date"

    def as_json(self) -> dict[str, Any]:
        return {
            "landlord_ref": self.row.record.ref,
            "source_entry": self.row.source,
            "row": self.row.record.row,
            "by": self.by,
            "reason": self.reason,
            "entry": self.entry.num if self.entry else None,
            "incident": self.incident.number if self.incident else None,
        }


@dataclass(frozen=True)
class Finding:
    """One thing the landlord's records and the log disagree about, in words and as data."""

    type: str  # unrecorded, recurred, no-access, priority, dates
    text: str
    day: date
    entries: tuple[int, ...] = ()
    landlord_ref: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "text": self.text,
            "date": self.day.isoformat(),
            "entries": list(self.entries),
            "landlord_ref": self.landlord_ref,
            **self.data,
        }


@dataclass(frozen=True)
class Headline:
    """For one kind: the landlord's rows in the period, and the log's incidents and reports."""

    kind: str
    landlord: int
    incidents: int
    reports: int
    first: date
    last: date

    @property
    def sentence(self) -> str:
        """``your records show 5 lift faults between July 2019 and October 2020; my log records
        23 incidents and 12 reports, listed with their dates and your references``."""
        one, many = _NOUNS.get(self.kind, (kind_title(self.kind), kind_title(self.kind) + "s"))
        return (
            f"your records show {plural(self.landlord, one, many)} {_between(self.first, self.last)}; "
            f"my log records {plural(self.incidents, 'incident')} and {plural(self.reports, 'report')}, "
            "listed with their dates and your references"
        )

    @property
    def neutral(self) -> str:
        """The same in the third person, for a chronology: "The landlord's records show …"."""
        return self.worded("The landlord's records", "the log", "the landlord's")

    def worded(self, records: str, log: str, whose: str) -> str:
        """The sentence with its owners named: ``worded("My landlord's records", "my log", "their")``."""
        return (
            self.sentence.replace("your records show", f"{records} show", 1)
            .replace("my log records", f"{log} records", 1)
            .replace("your references", f"{whose} references", 1)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "landlord_records": self.landlord,
            "log_incidents": self.incidents,
            "log_reports": self.reports,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class Reconciliation:
    period: tuple[date, date]
    kinds: tuple[str, ...]
    rows: tuple[Row, ...]
    matches: tuple[Match, ...]
    unmatched: tuple[Row, ...]
    findings: tuple[Finding, ...]
    headlines: tuple[Headline, ...]
    tolerance_days: int
    recur_days: int
    sources: tuple[Source, ...] = ()

    def of(self, type_: str) -> list[Finding]:
        return [f for f in self.findings if f.type == type_]

    @property
    def bad(self) -> list[BadRow]:
        return [b for s in self.sources for b in s.sheet.bad]


def _uk_day(entry: Entry) -> date:
    return entry.occurred.astimezone(LONDON).date()


def _norm(ref: str) -> str:
    return re.sub(r"[\W_]+", "", ref).casefold()


def _month(d: date) -> str:
    return f"{_MONTHS[d.month - 1]} {d.year}"


def _between(first: date, last: date) -> str:
    if (first.year, first.month) == (last.year, last.month):
        return f"in {_month(first)}"
    return f"between {_month(first)} and {_month(last)}"


def _apart(days: int) -> str:
    return "same day" if days == 0 else f"{plural(abs(days), 'day')} apart"


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return "“" + (text if len(text) <= limit else text[: limit - 1].rstrip() + "…") + "”"


def _landlord_refs(entry: Entry) -> list[str]:
    return [r["ref"] for r in entry.refs if r["by"] == "landlord"]


def reconcile(
    rows: Sequence[Row],
    entries: Sequence[Entry],
    incidents: Sequence[Incident],
    policy: PolicyPriority | None = None,
    *,
    tolerance_days: int = TOLERANCE_DAYS,
    recur_days: int = RECUR_DAYS,
    since: date | None = None,
    until: date | None = None,
    kinds: Iterable[str] | None = None,
) -> Reconciliation:
    """Match the landlord's ``rows`` to the log and list where they disagree (module docs).

    The period is ``since``..``until``, else the whole months from the first row's day to the
    last's; the kinds compared are those of the rows (``kinds``: only these)."""
    ordered = sorted(rows, key=lambda r: (r.record.reported, r.source, r.record.row))
    owner: dict[int, Incident] = {n: inc for inc in incidents for n in inc.nums}
    by_ref: dict[str, list[Entry]] = {}
    for e in entries:
        for ref in _landlord_refs(e):
            by_ref.setdefault(_norm(ref), []).append(e)
    reports = sorted(
        ((e, inc) for inc in incidents for e in inc.landlord_reports), key=lambda p: (p[0].occurred, p[0].num)
    )
    taken: set[int] = set()  # report entries already matched
    taken_incidents: set[int] = set()
    matches: dict[tuple[int, int], Match] = {}
    findings: list[Finding] = []

    # 1. By reference.
    for row in ordered:
        rec = row.record
        found = by_ref.get(_norm(rec.ref), [])
        if not found:
            continue
        report = next((e for e in found if e.event == "reported"), None)
        entry = report or found[0]
        incident = next((owner[e.num] for e in found if e.num in owner), None)
        matches[(row.source, rec.row)] = Match(row, entry, incident, f"same reference {rec.ref}", "reference")
        taken.update(e.num for e in found if e.event == "reported")
        if incident is not None:
            taken_incidents.add(incident.number)
        if report is not None:
            apart = (rec.reported - _uk_day(report)).days
            if abs(apart) > tolerance_days:
                findings.append(
                    Finding(
                        "dates",
                        f"{rec.ref}: the landlord's records log it on {long_date(rec.reported)}; "
                        f"the log records reporting it on {long_date(_uk_day(report))} "
                        f"({plural(abs(apart), 'day')} {'later' if apart > 0 else 'earlier'} in the "
                        f"landlord's records), entry {report.num}",
                        rec.reported,
                        (report.num,),
                        rec.ref,
                        {
                            "landlord_date": rec.reported.isoformat(),
                            "log_date": _uk_day(report).isoformat(),
                            "days": apart,
                        },
                    )
                )

    # 2. By kind and date: the nearest unmatched report, then the nearest unreported incident.
    for row in ordered:
        rec = row.record
        if (row.source, rec.row) in matches or rec.kind is None:
            continue
        best: tuple[tuple[int, int, datetime], Entry, Incident] | None = None
        for e, inc in reports:
            if e.num in taken or inc.kind != rec.kind:
                continue
            apart = (rec.reported - _uk_day(e)).days
            if abs(apart) > tolerance_days:
                continue
            key = (1 if _landlord_refs(e) else 0, abs(apart), e.occurred)
            if best is None or key < best[0]:
                best = (key, e, inc)
        if best is not None:
            _, e, inc = best
            apart = (rec.reported - _uk_day(e)).days
            other = _landlord_refs(e)
            reason = f"same kind, {_apart(apart)}" + (
                f"; the references differ ({', '.join(other)} in the log)" if other else ""
            )
            matches[(row.source, rec.row)] = Match(row, e, inc, reason, "kind and date")
            taken.add(e.num)
            taken_incidents.add(inc.number)
            continue
        near: tuple[tuple[int, datetime], Incident] | None = None
        for inc in incidents:
            if inc.kind != rec.kind or inc.landlord_reports or inc.number in taken_incidents:
                continue
            apart = (rec.reported - inc.started.astimezone(LONDON).date()).days
            if abs(apart) <= tolerance_days and (near is None or (abs(apart), inc.started) < near[0]):
                near = ((abs(apart), inc.started), inc)
        if near is not None:
            inc = near[1]
            apart = (rec.reported - inc.started.astimezone(LONDON).date()).days
            matches[(row.source, rec.row)] = Match(
                row,
                inc.first,
                inc,
                f"same kind, {_apart(apart)} from incident {inc.number}, which the log has no report of",
                "kind and date",
            )
            taken_incidents.add(inc.number)

    covered = tuple(
        k
        for k in INCIDENT_KINDS
        if any(r.record.kind == k for r in rows) and (kinds is None or k in set(kinds))
    )
    if rows:
        first = since or min(r.record.reported for r in rows).replace(day=1)
        last = until or _month_end(max(r.record.reported for r in rows))
    else:
        first = last = since or until or date.today()
    period = (first, last)

    def in_period(d: date) -> bool:
        return first <= d <= last

    # 3. Reports the landlord has no record of.
    for e, inc in reports:
        day = _uk_day(e)
        if e.num in taken or inc.kind not in covered or not in_period(day):
            continue
        refs = _landlord_refs(e)
        findings.append(
            Finding(
                "unrecorded",
                f"{long_date(day)}: {_quote(e.summary)} (entry {e.num}"
                + (f"; the landlord's reference {', '.join(refs)}" if refs else "")
                + "): not in the landlord's records",
                day,
                (e.num,),
                refs[0] if refs else None,
                {"kind": inc.kind, "incident": inc.number},
            )
        )

    fault_entries = sorted(
        (e for e in entries if e.kind in INCIDENT_KINDS and e.event in FAULT_EVENTS),
        key=lambda e: (e.occurred, e.num),
    )
    for row in ordered:
        rec = row.record
        if covered and rec.kind not in covered and rec.kind is not None:
            continue
        m = matches.get((row.source, rec.row))
        job = m.incident if m else None
        # 4. Closed as fixed, and the fault again within recur_days.
        if rec.closed_as_fixed and rec.closed is not None:
            again = next(
                (
                    e
                    for e in fault_entries
                    if 1 <= (_uk_day(e) - rec.closed).days <= recur_days
                    and (
                        (e.case == job.case and e.kind == job.kind)
                        if job is not None
                        else (rec.kind is not None and e.kind == rec.kind)
                    )
                ),
                None,
            )
            if again is not None:
                later = (_uk_day(again) - rec.closed).days
                findings.append(
                    Finding(
                        "recurred",
                        f"{rec.ref}: the landlord's records close it as fixed on {long_date(rec.closed)}; "
                        f"the log records the fault again {plural(later, 'day')} later, "
                        f"on {long_date(_uk_day(again))}: "
                        f"{_quote(again.summary)} (entry {again.num})",
                        rec.closed,
                        (again.num,),
                        rec.ref,
                        {
                            "closed": rec.closed.isoformat(),
                            "again": _uk_day(again).isoformat(),
                            "days": later,
                        },
                    )
                )
        # 5. "No access", against what the log records that day.
        if rec.no_access:
            day = rec.closed or rec.reported
            that_day = [
                e
                for e in entries
                if _uk_day(e) == day
                and not (e.kind == "note" and "landlord-records" in e.tags)
                and (
                    (e.case == job.case if job.case else e.kind == job.kind)
                    if job is not None
                    else (e.kind == rec.kind or e.kind == "contact")
                )
            ]
            said = rec.outcome or rec.status
            text = f"{rec.ref}: the landlord's records close it as {_quote(said, 60)} on {long_date(day)}"
            if that_day:
                text += "; the log records that day: " + "; ".join(
                    f"{_quote(e.summary)} (entry {e.num})" for e in that_day
                )
            else:
                text += "; the log records nothing that day"
            findings.append(
                Finding(
                    "no-access",
                    text,
                    day,
                    tuple(e.num for e in that_day),
                    rec.ref,
                    {"contested": bool(that_day)},
                )
            )
        # 6. The landlord's priority against the policy's.
        level = rec.priority_level
        kind = job.kind if job is not None else rec.kind
        if level is not None and kind is not None:
            expected = _expected_priority(kind, m, job, rec.reported, policy)
            if expected is not None and expected[0] != level:
                want, why = expected
                findings.append(
                    Finding(
                        "priority",
                        f"{rec.ref}: the landlord's records give it priority {level}"
                        + (f" ({rec.priority})" if rec.priority.lower() != level else "")
                        + f"; it should be {want}: {why}",
                        rec.reported,
                        (m.entry.num,) if m and m.entry else (),
                        rec.ref,
                        {
                            "landlord_priority": level,
                            "expected_priority": want,
                            "lower": _LEVELS[level] > _LEVELS.get(want, 9),
                        },
                    )
                )

    headlines = []
    for k in covered:
        headlines.append(
            Headline(
                k,
                sum(1 for r in rows if r.record.kind == k and in_period(r.record.reported)),
                sum(1 for i in incidents if i.kind == k and in_period(i.started.astimezone(LONDON).date())),
                sum(1 for e, i in reports if i.kind == k and in_period(_uk_day(e))),
                first,
                last,
            )
        )
    order = {"unrecorded": 0, "recurred": 1, "no-access": 2, "priority": 3, "dates": 4}
    findings.sort(key=lambda f: (order[f.type], f.day, f.landlord_ref or "", f.entries))
    matched = tuple(matches[(r.source, r.record.row)] for r in ordered if (r.source, r.record.row) in matches)
    return Reconciliation(
        period=period,
        kinds=covered,
        rows=tuple(ordered),
        matches=matched,
        unmatched=tuple(r for r in ordered if (r.source, r.record.row) not in matches),
        findings=tuple(findings),
        headlines=tuple(headlines),
        tolerance_days=tolerance_days,
        recur_days=recur_days,
    )


def _expected_priority(
    kind: str, m: Match | None, inc: Incident | None, day: date, policy: PolicyPriority | None
) -> tuple[str, str] | None:
    """(priority, "X's policy says" / "my log records") for a row, or None if nothing says."""
    entry = m.entry if m else None
    attrs = {
        k: str(v)
        for k, v in (entry.fields if entry is not None else {}).items()
        if k in ("category", "hazard") and v not in (None, "", False)
    }
    if policy is not None:
        found = policy(kind, attrs, day)
        if found is not None:
            return found
    for e in ([entry] if entry is not None else []) + (inc.reports if inc is not None else []):
        if e is not None and e.fields.get("priority"):
            return str(
                e.fields["priority"]
            ), f"the resident's report of it records priority {e.fields['priority']} (entry {e.num})"
    return None


# ---------------------------------------------------------------------------------------------
# A store


def pack_priority(sc: StoreClocks) -> PolicyPriority:
    """The packs' defaults as a :data:`PolicyPriority`: the first pack in force that sets one."""
    from residentlog.deadlines.clocks import packs_in_force_on
    from residentlog.deadlines.engine import apply_defaults

    def policy(kind: str, attrs: Mapping[str, str], day: date) -> tuple[str, str] | None:
        for pack in packs_in_force_on(sc.packs, day, sc.nation):
            filled, used = apply_defaults(pack, kind, attrs)
            if "priority" in filled and any(u.attr == "priority" for u in used):
                because = next(u for u in used if u.attr == "priority")
                return filled["priority"], f"{pack.title}: {because.because}"
        return None

    return policy


def store_reconciliation(
    store: Store,
    now: datetime,
    *,
    tolerance_days: int = TOLERANCE_DAYS,
    recur_days: int = RECUR_DAYS,
    since: date | None = None,
    until: date | None = None,
    kinds: Iterable[str] | None = None,
    sc: StoreClocks | None = None,
    entries: Sequence[Entry] | None = None,
) -> Reconciliation | None:
    """The store's landlord records against its log, or None if no landlord's records are imported."""
    from residentlog.ledger.landlord_records import store_sources

    if entries is None:
        from residentlog.ledger.views import Filters, list_entries

        entries = list_entries(store, Filters(), now)
    sources = store_sources(store, now, entries)
    if not sources:
        return None
    if sc is None:
        from residentlog.deadlines.clocks import compute_for_store

        sc = compute_for_store(store, now)
    rows = [Row(s.entry.num, r) for s in sources for r in s.sheet.records]
    found = reconcile(
        rows,
        entries,
        sc.incidents,
        pack_priority(sc),
        tolerance_days=tolerance_days,
        recur_days=recur_days,
        since=since,
        until=until,
        kinds=kinds,
    )
    return Reconciliation(**{**found.__dict__, "sources": tuple(sources)})


# ---------------------------------------------------------------------------------------------
# What is shown

TITLES = {
    "unrecorded": "Reports in the log that the landlord's records do not have",
    "recurred": "Closed as fixed, and the fault back within {recur} days",
    "no-access": "Closed as 'no access'",
    "priority": "Priorities that differ from the policy",
    "dates": "The same reference on different dates",
}


def to_json(rec: Reconciliation) -> dict[str, Any]:
    return {
        "period": {"from": rec.period[0].isoformat(), "to": rec.period[1].isoformat()},
        "tolerance_days": rec.tolerance_days,
        "recur_days": rec.recur_days,
        "sources": [
            {
                "entry": s.entry.num,
                "source": s.source,
                "file": s.file,
                "sha256": s.sha256,
                "rows": len(s.sheet.records),
                "bad_rows": [str(b) for b in s.sheet.bad],
            }
            for s in rec.sources
        ],
        "headlines": [h.as_json() for h in rec.headlines],
        "matches": [m.as_json() for m in rec.matches],
        "unmatched": [
            {"landlord_ref": r.record.ref, "source_entry": r.source, "row": r.record.row}
            for r in rec.unmatched
        ],
        "findings": [f.as_json() for f in rec.findings],
        "records": [{"source_entry": r.source, **r.record.as_json()} for r in rec.rows],
    }


def chronology_section(rec: Reconciliation, paragraphs: Mapping[int, int]) -> dict[str, Any]:
    """The chronology's "landlord's records" section: where the rows come from, the counts, and
    each finding with the paragraphs of the entries it cites."""

    def cite(nums: Sequence[int]) -> str:
        found = [paragraphs[n] for n in nums if n in paragraphs]
        return ", ".join(f"paragraph {p}" for p in found)

    groups = []
    for type_, title in TITLES.items():
        items = rec.of(type_)
        if type_ == "no-access":
            items = [f for f in items if f.data.get("contested")] or items
        if items:
            groups.append(
                {
                    "type": type_,
                    "title": title.format(recur=rec.recur_days),
                    "items": [{"text": f.text, "cite": cite(f.entries)} for f in items],
                }
            )
    return {
        "sources": [
            {
                "entry": s.entry.num,
                "paragraph": paragraphs.get(s.entry.num),
                "source": s.source,
                "file": s.file,
                "sha256": s.sha256,
                "rows": len(s.sheet.records),
                "bad": len(s.sheet.bad),
            }
            for s in rec.sources
        ],
        "period": f"{long_date(rec.period[0])} to {long_date(rec.period[1])}",
        "headlines": [
            {
                "kind": kind_title(h.kind),
                "landlord": h.landlord,
                "incidents": h.incidents,
                "reports": h.reports,
                "sentence": h.neutral + ".",
            }
            for h in rec.headlines
        ],
        "matched": len(rec.matches),
        "unmatched": len(rec.unmatched),
        "tolerance_days": rec.tolerance_days,
        "groups": groups,
    }


def letter_sentences(rec: Reconciliation, kinds: Iterable[str], *, to_landlord: bool = True) -> list[str]:
    """One sentence per kind the letter is about: "Your records show 5 lift faults between …"
    (to the Ombudsman: "My landlord's records show … their references")."""
    wanted = set(kinds)
    return [
        capitalise(h.sentence) + "."
        if to_landlord
        else h.worded("My landlord's records", "my log", "their") + "."
        for h in rec.headlines
        if h.kind in wanted
    ]


def chronology_part(
    store: Store,
    now: datetime,
    sc: StoreClocks,
    entries: Sequence[Entry],
    paragraphs: Mapping[int, int],
    selected: Sequence[Entry] | None = None,
) -> dict[str, Any]:
    """``{"reconciliation": ...}`` for a chronology: None unless the store holds landlord's
    records (a chronology of a selection compares only the incident kinds it holds)."""
    kinds = None if selected is None else {e.kind for e in selected if e.kind in INCIDENT_KINDS}
    found = store_reconciliation(store, now, kinds=kinds, sc=sc, entries=entries)
    return {"reconciliation": None if found is None else chronology_section(found, paragraphs)}


def letter_part(
    store: Store,
    now: datetime,
    sc: StoreClocks,
    entries: Sequence[Entry],
    kinds: Iterable[str],
    *,
    to_landlord: bool,
) -> dict[str, Any]:
    """``{"reconciliation": {"sentences": [...]}}`` for a letter about ``kinds`` (Markdown-escaped),
    or ``{"reconciliation": None}`` when no landlord's records are imported."""
    from residentlog.documents.markup import md_escape

    found = store_reconciliation(store, now, sc=sc, entries=entries)
    sentences = letter_sentences(found, kinds, to_landlord=to_landlord) if found is not None else []
    return {"reconciliation": {"sentences": [md_escape(s) for s in sentences]} if sentences else None}
