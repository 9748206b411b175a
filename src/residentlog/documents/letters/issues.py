"""Issues: what a letter is about. The entries of one case are an issue; entries without a
case are grouped by kind. Which issues a letter covers without ``--case`` follows its type."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from residentlog.documents.letters.builder import STOP_VERBS, cited_refs
from residentlog.documents.markup import md_escape
from residentlog.documents.wording import capitalise, long_when, plural, times
from residentlog.ledger.incidents import incident_numbers, is_lasting
from residentlog.ledger.vocabulary import FAULT_KINDS, PROBLEM_KINDS, kind_title

if TYPE_CHECKING:
    from residentlog.deadlines.cases import CaseSummary
    from residentlog.deadlines.clocks import StoreClocks
    from residentlog.deadlines.engine import Clock, EntryFacts
    from residentlog.documents.letters.builder import Builder, EntryContexts
    from residentlog.documents.letters.types import LetterType
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.impact import Harm
    from residentlog.ledger.incidents import Incident


@dataclass
class Issue:
    """One issue: its key (the case, or ``~kind``), its case, and its entries in date order."""

    key: str
    case: str | None
    views: list[Entry] = field(default_factory=list)


def issue_context(b: Builder, issue: Issue, summary: CaseSummary) -> dict[str, Any]:
    """An issue as a letter describes it: its entries, reports, fixes, state and timeframes.

    Its lists of entries (``entries``, ``reports``, ``fixes`` ...) make each entry's context only
    when a template reads it (:class:`~residentlog.documents.letters.builder.EntryContexts`); what
    is said of all of them (kind, references, attributes, title) is read from the entries."""
    ents = b.entries(v.num for v in issue.views)
    read = _read(ents.views)
    kinds = Counter(read.kinds)
    main = [k for k, _ in kinds.most_common() if k in PROBLEM_KINDS]
    kind = main[0] if main else kinds.most_common(1)[0][0]
    reports = b.entries(n for n, _ in summary.reports)
    landlord_refs, other_refs = cited_refs(read.refs)
    closed = None
    if summary.closed_at is not None:  # what closed it: its last fix, or the last reply with footage
        closer_at = _last_place(ents, lambda v: v.event in ("fixed", "provided"))
        closed = ents[closer_at] if closer_at >= 0 else None
    nums = {v.num for v in issue.views}
    incidents = [i for i in b.sc.incidents if i.number in nums]  # each occurrence once
    incident_of = incident_numbers(incidents)
    # What could start a clock: each report, the reports of one incident counted once.
    total = len({incident_of.get(n, -n) for n, _ in summary.reports})
    groups = b.rule_groups(summary.clocks, total=total)
    first_report = reports[0] if reports else None
    fixes = b.entries(read.fixes)
    you = "you" if b.lt.to == "landlord" else "my landlord"
    state = _breakdowns_state(incidents, kind)
    if not state:
        state = _state(kind, ents, fixes, summary, first_report, you)
    elif first_report is None:  # a landlord would answer first that it was never told
        state += f" None of them has been reported to {you} before this letter."
    whose = "your" if b.lt.to == "landlord" else "their"
    refs_phrase = (
        f"{whose} reference{'s' if len(landlord_refs) > 1 else ''} {', '.join(landlord_refs)}"
        if landlord_refs
        else ""
    )
    last = reports[-1] if reports else None
    # The entries after the last report, by its place among the issue's (entries have distinct numbers).
    after_last = ents[_last_place(ents, lambda v: v.num == last["number"]) + 1 :] if last is not None else []
    return {
        **_incident_context(b, nums, incidents),
        "key": md_escape(issue.key),
        "case": md_escape(issue.case or ""),
        "title": md_escape(_issue_title(issue, kind, read)),
        "kind": kind,
        "kind_title": kind_title(kind),
        "entries": ents,
        "first": ents[0],
        "reports": reports,
        "report_count": len(reports),
        "first_report": first_report,
        "last_report": last,
        "fixes": fixes,
        "state": state,
        "refs_phrase": refs_phrase,
        "remedy": _remedy(kind, summary.is_open, summary.recurrences),
        "records": _RECORDS.get(kind, _RECORDS["repair"]),
        "after_last_report": after_last,
        "not_fixed": b.entries(read.not_fixed),
        "recurrences": summary.recurrences,
        "open": summary.is_open,
        "closed": closed,
        "days_open": summary.days_open,
        "since": (first_report or ents[0])["date"],
        "landlord_refs": landlord_refs,
        "other_refs": other_refs,
        # The case's latest priority, category and hazard, as the engine carries them.
        "attrs": {name: md_escape(value) for name, value in read.attrs.items()},
        "rules": groups,
        "late_rules": [g for g in groups if g["late"]],
        "late": sum(g["late"] for g in groups),
        "contacts": b.entries(read.contacts),
        "attachments": [a for e in b.entries(read.attached) for a in e["attachments"]],
    }


#: The fields an issue's attributes are (an entry's latest non-empty one), and those its title names.
_ATTRS = ("priority", "category", "hazard")
_NAMED = ("lift", "door", "camera", "rooms")


@dataclass
class _Read:
    """What a letter says of every entry of an issue, read from the entries in one pass (a letter
    makes the contexts only of those it prints): their kinds; the numbers of the fixes, the
    not-fixed, the contacts and those with files attached; their references; the latest
    priority, category and hazard; and the lifts, doors, cameras, rooms and places they name.
    Each is what the entries' contexts (``builder.entry_context``) say, not yet escaped."""

    kinds: list[str] = field(default_factory=list)
    fixes: list[int] = field(default_factory=list)
    not_fixed: list[int] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    attached: list[int] = field(default_factory=list)
    refs: list[Mapping[str, str]] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    named: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in _NAMED})
    locations: list[str] = field(default_factory=list)


#: What _read keeps of each field it reads: an attribute (the latest) or a name (every one).
_KEPT = {**dict.fromkeys(_ATTRS, "attr"), **dict.fromkeys(_NAMED, "named")}


def _read(views: Iterable[Entry]) -> _Read:
    read = _Read()
    fixes, not_fixed, contacts, attached = read.fixes, read.not_fixed, read.contacts, read.attached
    kinds, refs, locations, attrs, named = read.kinds, read.refs, read.locations, read.attrs, read.named
    for v in views:  # an issue may have 25,000 entries: what is asked of each is bound above
        record = v.rec  # read only (Entry.fields, .refs copy)
        kind = v.kind
        kinds.append(kind)
        event = v.event
        if event == "fixed":
            fixes.append(v.num)
        elif event == "not-fixed":
            not_fixed.append(v.num)
        if kind == "contact":
            contacts.append(v.num)
        if record.attachments:
            attached.append(v.num)
        if record.refs:
            refs += record.refs
        location = str(record.location)  # as Entry.location reads it
        if location:
            locations.append(location)
        for name, value in record.fields.items():  # an entry has a few fields; most are neither
            kept = _KEPT.get(name)
            if kept == "attr":
                if value is not None and str(value):  # md_escape keeps text empty exactly when it was
                    attrs[name] = str(value)
            elif kept == "named" and value:
                named[name].append(str(value))
    return read


def _last_place(ents: EntryContexts, found: Callable[[Entry], bool]) -> int:
    """Where the last of ``ents`` that is ``found`` is among them (``-1``: none is)."""
    views = ents.views
    return next((i for i in range(len(views) - 1, -1, -1) if found(views[i])), -1)


#: What one incident of a kind is called in a letter ("23 breakdowns").
_INCIDENT_NOUNS: Mapping[str, tuple[str, str]] = {
    "lift": ("breakdown", "breakdowns"),
    "door": ("failure", "failures"),
    "asb": ("incident", "incidents"),
    "cctv": ("fault", "faults"),
    "repair": ("failure", "failures"),
    "damp": ("outbreak", "outbreaks"),
}


def _incident_context(b: Builder, nums: set[int], incidents: Sequence[Incident]) -> dict[str, Any]:
    """An issue's incidents (each occurrence once: ``ledger/incidents.py``), the worst harms of its
    entries ``nums`` (``ledger/impact.py``) and its outages, as a letter words them."""
    from residentlog.documents.figures import harm_text, outage_text
    from residentlog.ledger.outages import outages

    kinds = Counter(i.kind for i in incidents)
    main = kinds.most_common(1)[0][0] if kinds else ""
    one, many = _INCIDENT_NOUNS.get(main, ("incident", "incidents"))
    harms = [
        {
            "number": h.num,
            "when": long_when(h.entry.occurred, h.entry.occurred_precision),
            "summary": md_escape(h.entry.summary),
            "harms": md_escape(harm_text(h)),
        }
        for h in b.sc.harms
        if h.num in nums
    ]
    first = incidents[0] if incidents else None
    last = incidents[-1] if incidents else None
    return {
        "incident_count": len(incidents),
        "incident_noun": one,
        "incidents_phrase": plural(len(incidents), one, many) if incidents else "",
        "first_incident": long_when(first.started, first.first.occurred_precision) if first else "",
        "last_incident": long_when(last.started, last.first.occurred_precision) if last else "",
        "harms": harms,
        "outages": [md_escape(outage_text(a)) for a in outages(incidents)],
    }


def _breakdowns_state(incidents: Sequence[Incident], kind: str) -> str:
    """Where a fault that comes and goes (a lift: not *lasting*) stands, from its incidents: each
    breakdown is its own incident, so the log cannot say it is "still not fixed" after the last
    one, only what it records. ``""`` for other kinds (``_state`` words them)."""
    if kind not in FAULT_KINDS or is_lasting(kind):
        return ""
    incidents = [i for i in incidents if i.kind == kind]
    if len(incidents) < 2:
        return ""
    one, many = _INCIDENT_NOUNS.get(kind, ("incident", "incidents"))
    latest = incidents[-1]
    when = long_when(latest.started, latest.first.occurred_precision)
    fixed = [i.fixed for i in incidents if i.fixed is not None]
    if not fixed:
        return (
            f"My log records no repair of any of the {plural(len(incidents), one, many)}; the latest was on "
            f"{when}."
        )
    last_fix = fixed[-1]
    after = [i for i in incidents if i.started > last_fix.occurred]
    fixes = (
        f"once, on {long_when(last_fix.occurred, 'day')}"
        if len(fixed) == 1
        else (f"{times(len(fixed))}, most recently on {long_when(last_fix.occurred, 'day')}")
    )
    text = f"My log records it repaired {fixes}"
    if after:
        text += f"; it broke down {times(len(after))} after that, the latest on {when}"
    return text + "."


def _state(
    kind: str,
    ents: EntryContexts,
    fixes: EntryContexts,
    summary: CaseSummary,
    first_report: dict[str, Any] | None,
    you: str = "you",
) -> str:
    """One sentence on where the problem stands, from the log (``you``: the landlord, as addressed)."""
    if kind == "service-charge":
        charges = [
            " ".join(x for x in (e["service"] or e["summary"], e["charge_year"]) if x) + f": {e['amount']}"
            for e in ents.where(lambda v: v.rec.fields.get("amount_pence") is not None)
            if e["amount"]
        ]
        return f"I question these charges: {'; '.join(charges)}." if charges else "I question these charges."
    if kind == "cctv":
        events = Counter(v.event for v in ents.views)
        asked, refused, provided = events["requested"], events["refused"], events["provided"]
        if asked:
            return (
                f"I asked for footage {times(asked)}. My log records {plural(refused, 'refusal')} "
                f"(footage not given or deleted) and {plural(provided, 'reply', 'replies')} with footage."
            )
    if not summary.is_open:
        closer_at = _last_place(ents, lambda v: v.event in ("fixed", "provided", "responded", "refused"))
        if closer_at < 0:
            return "My log records it as dealt with."
        closer = ents[closer_at]
        verb = STOP_VERBS.get(closer["event"], closer["event_text"])
        since = ""
        if first_report is not None and closer["event"] == "fixed":
            days = _days_between(first_report["iso"], closer["iso"])
            since = f", {plural(days, 'day')} after I first reported it" if days else ""
        return f"It was {verb} on {closer['date']}{since}."
    if kind not in FAULT_KINDS:
        return (
            "It is not resolved."
            if first_report
            else f"It has not been reported to {you} before this letter."
        )
    if fixes:
        last = fixes[-1]
        # The first entry after the last fix, and not dated before it, that says the fault is back.
        after = ents[_last_place(ents, lambda v: v.event == "fixed") + 1 :]
        back = next(
            (
                e
                for e in after.where(lambda v: v.event in ("recurred", "observed", "reported", "not-fixed"))
                if e["iso"] >= last["iso"]
            ),
            None,
        )
        if back is not None:
            return (
                f"It was fixed on {last['date']}, but it failed again on {back['date']} "
                "and is still not fixed."
            )
        return f"It was fixed on {last['date']}, but it is not fixed now."
    if first_report is None:
        return f"It has not been reported to {you} before this letter."
    return "My log records no repair: it is still not fixed."


def _remedy(kind: str, is_open: bool, recurrences: int) -> str:
    """What would put an issue right, for complaint letters ("" if nothing is outstanding)."""
    if kind in FAULT_KINDS:
        if is_open:
            return "a lasting repair, and written confirmation of who will do the work and by what date"
        if recurrences:
            return "a check that the repair has lasted, and the cause of the repeated failures dealt with"
        return ""
    return {
        "asb": "action to deal with it, regular updates, and the name of the person handling it",
        "cctv": "an explanation of what happened to the footage I asked for, and of how footage will "
        "be kept when it is requested",
        "service-charge": "an explanation of the charges, and a credit for the periods when the "
        "service was not provided",
    }.get(kind, "")


_RECORDS: Mapping[str, str] = {
    "repair": "repair and job logs, call notes, inspection and contractor reports, emails and letters",
    "asb": "case records, incident logs, call notes, risk assessments, emails and letters",
    "cctv": "records of my requests for footage and what was done with them, and the CCTV logs",
    "service-charge": "service charge accounts and demands, and the records behind them",
    "complaint": "the complaint file, including internal emails and notes",
    "contact": "notes of calls and visits, emails and letters",
    "note": "notes of calls and visits, emails and letters",
}


def _days_between(a: str, b: str) -> int:
    return (date.fromisoformat(b) - date.fromisoformat(a)).days


def _issue_title(issue: Issue, kind: str, read: _Read) -> str:
    from residentlog.ledger.outages import named_asset

    for name, fmt in (("lift", "{}"), ("door", "{}"), ("camera", "CCTV: {}")):
        values = Counter(read.named[name])
        if name == "camera" and len(values) > 1:
            return "CCTV footage"
        if values:
            return fmt.format(named_asset(name, values.most_common(1)[0][0]))
    rooms = Counter(read.named["rooms"])
    if kind == "damp":
        return "Damp and mould" + (f" ({rooms.most_common(1)[0][0]})" if rooms else "")
    title = "Service charges" if kind == "service-charge" else capitalise(kind_title(kind))
    if kind == "repair" and read.locations:
        return f"Repair: {Counter(read.locations).most_common(1)[0][0]}"
    if issue.case and kind not in ("asb", "complaint", "service-charge"):
        return f"{title} ({issue.case})"
    return title


def group_issues(views: Iterable[Entry]) -> list[Issue]:
    """The entries as issues, in order of each issue's first entry."""
    issues: dict[str, Issue] = {}
    no_case: dict[str, list[Entry]] = {}  # kind -> the views of issue "~kind"
    for v in views:
        if v.case:
            issue = issues.get(v.case)
            if issue is None:
                issue = issues[v.case] = Issue(v.case, v.case)
            issue.views.append(v)
        else:
            of_kind = no_case.get(v.kind)
            if of_kind is None:
                key = f"~{v.kind}"
                issue = issues[key] = Issue(key, None)
                of_kind = no_case[v.kind] = issue.views
            of_kind.append(v)
    return list(issues.values())


def summarise_issues(issues: Sequence[Issue], sc: StoreClocks) -> list[CaseSummary]:
    """A case summary per issue; entries without a case are summarised per kind.

    A case's is the summary ``sc`` already holds when that is of the same entries (a letter leaves
    out the notes that record policy packs), less the reports it lists as unclocked. The others
    are made in one pass over their cases' entries and the store's clocks (not one per issue); an
    issue of entries with no case is summarised as their case (``None``) and named by its key
    after: one copy of its summary and of each of its clocks, not of each of its entries."""
    from residentlog.deadlines.cases import summarise_case
    from residentlog.deadlines.engine import InOrder, by_case

    done: dict[str, CaseSummary] = {}
    held = {s.case: s for s in sc.cases if s.case is not None}
    for issue in issues:
        summary = held.get(issue.key) if issue.case is not None else None
        if summary is not None and _same_entries(summary.entries, issue.views):
            done[issue.key] = dataclasses.replace(summary, unclocked=()) if summary.unclocked else summary
    rest = [issue for issue in issues if issue.key not in done]
    keys_of: dict[int, list[str]] = {}  # entry number -> the issues it is in (one, from group_issues)
    for issue in rest:
        for v in issue.views:
            keys_of.setdefault(v.num, []).append(issue.key)
    case_of = {issue.key: issue.case for issue in rest}  # None: the issues of entries with no case
    facts: dict[str, list[EntryFacts]] = {issue.key: [] for issue in rest}
    clocks: dict[str, list[Clock]] = {issue.key: [] for issue in rest}
    if rest:
        # An issue's entries are all of its case (or of none): only those cases' facts are looked at.
        of_case = by_case(sc.entries)
        for case in dict.fromkeys(case_of.values()):
            for f in of_case.get(case, ()):
                for key in keys_of.get(f.number, ()):
                    facts[key].append(f)
        for c in sc.clocks:
            if c.case is not None:
                if case_of.get(c.case) is not None:
                    clocks[c.case].append(c)
                continue
            for key in keys_of.get(c.start_entry, ()):
                if case_of[key] is None:
                    clocks[key].append(c)
    for issue in rest:  # each issue's facts in ledger order still, as by_case keeps them
        summary = summarise_case(issue.case, InOrder(facts[issue.key]), clocks[issue.key], sc.now)
        if issue.case is None:
            named = tuple(dataclasses.replace(c, case=issue.key) for c in summary.clocks)
            summary = dataclasses.replace(summary, case=issue.key, clocks=named)
        done[issue.key] = summary
    return [done[issue.key] for issue in issues]


def _same_entries(nums: Sequence[int], views: Sequence[Entry]) -> bool:
    return len(nums) == len(views) and set(nums) == {v.num for v in views}


def default_issues(
    lt: LetterType,
    everything: Sequence[Issue],
    summaries: Mapping[str, CaseSummary],
    harms: Iterable[Harm],
) -> list[Issue]:
    """The issues a letter of type ``lt`` covers when no case is named; ``harms``: every entry's
    that records harm (``StoreClocks.harms``), to put the worst first."""

    def kind_ok(issue: Issue) -> bool:
        return lt.kinds is None or any(v.kind in lt.kinds for v in issue.views)

    chosen = [i for i in everything if kind_ok(i)]
    if lt.kinds is None:
        chosen = [i for i in chosen if any(v.kind not in ("note",) for v in i.views)]
    if lt.open_only:
        chosen = [i for i in chosen if summaries[i.key].is_open]
    if lt.late_only:
        # Every open problem the letter fits, and every closed one whose timeframes were missed:
        # not only those with a missed timeframe, so the worst problem is never left out because
        # no policy pack gave it one (issue 12 §5).
        relevant = [
            i
            for i in chosen
            if not all(v.kind in ("complaint", "contact") for v in i.views)
            and (
                summaries[i.key].is_open
                or any(c.late and c.rule.party == "landlord" for c in summaries[i.key].clocks)
            )
        ]
        if relevant:
            chosen = relevant
    if lt.with_complaints:
        # What the complaint entries link to is what the complaint is about.
        linked = {n for i in everything for v in i.views if v.kind == "complaint" for n in v.links}
        keys = {i.key for i in chosen}
        chosen = [
            i for i in everything if i.key in keys or (kind_ok(i) and any(v.num in linked for v in i.views))
        ]
    return worst_first(chosen, summaries, harms)


def worst_first(
    issues: Sequence[Issue], summaries: Mapping[str, CaseSummary], harms: Iterable[Harm]
) -> list[Issue]:
    """The issues with the worst harm first (people trapped or hurt, a risk to safety, the police),
    then those with the most missed timeframes, then open before resolved; otherwise in order.

    ``harms`` are the entries' (``ledger/impact.py``: ``StoreClocks.harms`` holds every one), not
    worked out again here."""
    weights = {h.num: h.weight for h in harms}

    def severity(issue: Issue) -> tuple[int, int, int]:
        harm = max((weights.get(v.num, 0) for v in issue.views), default=0) if weights else 0
        summary = summaries.get(issue.key)
        late = sum(c.late and c.rule.party == "landlord" for c in summary.clocks) if summary else 0
        return (-harm, -late, 0 if summary is None or summary.is_open else 1)

    return sorted(issues, key=severity)
