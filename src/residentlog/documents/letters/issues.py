"""Issues: what a letter is about. The entries of one case are an issue; entries without a
case are grouped by kind. Which issues a letter covers without ``--case`` follows its type."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from residentlog.documents.letters.builder import STOP_VERBS
from residentlog.documents.markup import md_escape
from residentlog.documents.wording import capitalise, long_when, plural, times
from residentlog.ledger.vocabulary import FAULT_KINDS, PROBLEM_KINDS, kind_title

if TYPE_CHECKING:
    from residentlog.deadlines.cases import CaseSummary
    from residentlog.deadlines.clocks import StoreClocks
    from residentlog.deadlines.engine import Clock, EntryFacts
    from residentlog.documents.letters.builder import Builder
    from residentlog.documents.letters.types import LetterType
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.incidents import Incident


@dataclass
class Issue:
    """One issue: its key (the case, or ``~kind``), its case, and its entries in date order."""

    key: str
    case: str | None
    views: list[Entry] = field(default_factory=list)


def issue_context(b: Builder, issue: Issue, summary: CaseSummary) -> dict[str, Any]:
    """An issue as a letter describes it: its entries, reports, fixes, state and timeframes."""
    entries = [b.entry(v.num) for v in issue.views]
    ents = [e for e in entries if e is not None]
    kinds = Counter(e["kind"] for e in ents)
    main = [k for k, _ in kinds.most_common() if k in PROBLEM_KINDS]
    kind = main[0] if main else kinds.most_common(1)[0][0]
    reports = [b.entry(n) for n, _ in summary.reports]
    landlord_refs = list(dict.fromkeys(r for e in ents for r in e["landlord_refs"]))
    other_refs = list(dict.fromkeys(r for e in ents for r in e["other_refs"]))
    attrs: dict[str, str] = {}
    for e in ents:  # the case's latest priority, category and hazard, as the engine carries them
        for name in ("priority", "category", "hazard"):
            if e[name]:
                attrs[name] = e[name]
    closed = next(
        (e for e in reversed(ents) if summary.closed_at is not None and e["event"] in ("fixed", "provided")),
        None,
    )
    nums = {v.num for v in issue.views}
    incidents = [i for i in b.sc.incidents if i.number in nums]  # each occurrence once
    incident_of = {n: i.number for i in incidents for n in i.nums}
    # What could start a clock: each report, the reports of one incident counted once.
    total = len({incident_of.get(n, -n) for n, _ in summary.reports})
    groups = b.rule_groups(summary.clocks, total=total)
    first_report = reports[0] if reports else None
    fixes = [e for e in ents if e["event"] == "fixed"]
    state = _breakdowns_state(incidents, kind) or _state(
        kind, ents, fixes, summary, first_report, "you" if b.lt.to == "landlord" else "my landlord"
    )
    whose = "your" if b.lt.to == "landlord" else "their"
    refs_phrase = (
        f"{whose} reference{'s' if len(landlord_refs) > 1 else ''} {', '.join(landlord_refs)}"
        if landlord_refs
        else ""
    )
    last = reports[-1] if reports else None
    # Entries have distinct numbers: those after the last report's position are the others after it.
    after_last = ents[ents.index(last) + 1 :] if last is not None else []
    return {
        **_incident_context(b, nums, incidents),
        "key": md_escape(issue.key),
        "case": md_escape(issue.case or ""),
        "title": md_escape(_issue_title(issue, kind)),
        "kind": kind,
        "kind_title": kind_title(kind),
        "entries": ents,
        "first": ents[0],
        "reports": reports,
        "report_count": len(reports),
        "first_report": first_report,
        "last_report": reports[-1] if reports else None,
        "fixes": fixes,
        "state": state,
        "refs_phrase": refs_phrase,
        "remedy": _remedy(kind, summary.is_open, summary.recurrences),
        "records": _RECORDS.get(kind, _RECORDS["repair"]),
        "after_last_report": after_last,
        "not_fixed": [e for e in ents if e["event"] == "not-fixed"],
        "recurrences": summary.recurrences,
        "open": summary.is_open,
        "closed": closed,
        "days_open": summary.days_open,
        "since": (first_report or ents[0])["date"],
        "landlord_refs": landlord_refs,
        "other_refs": other_refs,
        "attrs": attrs,
        "rules": groups,
        "late_rules": [g for g in groups if g["late"]],
        "late": sum(g["late"] for g in groups),
        "contacts": [e for e in ents if e["kind"] == "contact"],
        "attachments": [a for e in ents for a in e["attachments"]],
    }


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
    from residentlog.ledger.incidents import is_lasting

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
    ents: Sequence[dict[str, Any]],
    fixes: Sequence[dict[str, Any]],
    summary: CaseSummary,
    first_report: dict[str, Any] | None,
    you: str = "you",
) -> str:
    """One sentence on where the problem stands, from the log (``you``: the landlord, as addressed)."""
    if kind == "service-charge":
        charges = [
            " ".join(x for x in (e["service"] or e["summary"], e["charge_year"]) if x) + f": {e['amount']}"
            for e in ents
            if e["amount"]
        ]
        return f"I question these charges: {'; '.join(charges)}." if charges else "I question these charges."
    if kind == "cctv":
        asked = sum(e["event"] == "requested" for e in ents)
        refused = sum(e["event"] == "refused" for e in ents)
        provided = sum(e["event"] == "provided" for e in ents)
        if asked:
            return (
                f"I asked for footage {times(asked)}. My log records {plural(refused, 'refusal')} "
                f"(footage not given or deleted) and {plural(provided, 'reply', 'replies')} with footage."
            )
    if not summary.is_open:
        closer = next(
            (e for e in reversed(ents) if e["event"] in ("fixed", "provided", "responded", "refused")), None
        )
        if closer is None:
            return "My log records it as dealt with."
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
        last_at = ents.index(last)
        back = next(
            (
                e
                for i, e in enumerate(ents)
                if e["number"] != last["number"]
                and e["iso"] >= last["iso"]
                and i > last_at
                and e["event"] in ("recurred", "observed", "reported", "not-fixed")
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


def _issue_title(issue: Issue, kind: str) -> str:
    fields = [v.fields for v in issue.views]
    for name, fmt in (("lift", "{}"), ("door", "{} door"), ("camera", "CCTV: {} camera")):
        values = Counter(str(f[name]) for f in fields if f.get(name))
        if name == "camera" and len(values) > 1:
            return "CCTV footage"
        if values:
            return fmt.format(values.most_common(1)[0][0])
    rooms = Counter(str(f["rooms"]) for f in fields if f.get("rooms"))
    if kind == "damp":
        return "Damp and mould" + (f" ({rooms.most_common(1)[0][0]})" if rooms else "")
    title = "Service charges" if kind == "service-charge" else capitalise(kind_title(kind))
    locations = Counter(v.location for v in issue.views if v.location)
    if kind == "repair" and locations:
        return f"Repair: {locations.most_common(1)[0][0]}"
    if issue.case and kind not in ("asb", "complaint", "service-charge"):
        return f"{title} ({issue.case})"
    return title


def group_issues(views: Iterable[Entry]) -> list[Issue]:
    """The entries as issues, in order of each issue's first entry."""
    issues: dict[str, Issue] = {}
    for v in views:
        case = v.case or None
        key = case if case else f"~{v.kind}"
        issues.setdefault(key, Issue(key, case)).views.append(v)
    return list(issues.values())


def summarise_issues(issues: Sequence[Issue], sc: StoreClocks) -> list[CaseSummary]:
    """A case summary per issue; entries without a case are summarised per kind.

    One pass over the store's entries and clocks (not one per issue), and an entry or clock is
    copied only when its case is not already the issue's key (those with no case)."""
    from residentlog.deadlines.cases import summarise_case

    keys_of: dict[int, list[str]] = {}  # entry number -> the issues it is in (one, from group_issues)
    for issue in issues:
        for v in issue.views:
            keys_of.setdefault(v.num, []).append(issue.key)
    loose = {issue.key for issue in issues if issue.case is None}  # the issues of entries with no case
    facts: dict[str, list[EntryFacts]] = {issue.key: [] for issue in issues}
    for f in sc.entries:
        for key in keys_of.get(f.number, ()):
            facts[key].append(f if f.case == key else dataclasses.replace(f, case=key))
    clocks: dict[str, list[Clock]] = {issue.key: [] for issue in issues}
    for c in sc.clocks:
        if c.case is not None:
            if c.case in clocks and c.case not in loose:
                clocks[c.case].append(c)
            continue
        for key in keys_of.get(c.start_entry, ()):
            if key in loose:
                clocks[key].append(dataclasses.replace(c, case=key))
    return [summarise_case(issue.key, facts[issue.key], clocks[issue.key], sc.now) for issue in issues]


def default_issues(
    lt: LetterType, everything: Sequence[Issue], summaries: Mapping[str, CaseSummary]
) -> list[Issue]:
    """The issues a letter of type ``lt`` covers when no case is named."""

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
    return worst_first(chosen, summaries)


def worst_first(issues: Sequence[Issue], summaries: Mapping[str, CaseSummary]) -> list[Issue]:
    """The issues with the worst harm first (people trapped or hurt, a risk to safety, the police),
    then those with the most missed timeframes, then open before resolved; otherwise in order."""
    from residentlog.ledger.impact import harm_of

    def severity(issue: Issue) -> tuple[int, int, int]:
        harm = max((h.weight for h in map(harm_of, issue.views) if h is not None), default=0)
        summary = summaries.get(issue.key)
        late = sum(c.late and c.rule.party == "landlord" for c in summary.clocks) if summary else 0
        return (-harm, -late, 0 if summary is None or summary.is_open else 1)

    return sorted(issues, key=severity)
