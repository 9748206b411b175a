"""Letters to the landlord (and the Ombudsman), built from the ledger and rendered with Jinja.

How a letter is made
--------------------
1. :func:`letter_context` gathers what the letter may say, from the ledger only: the selected
   entries grouped into *issues* (one per case; entries without a case grouped by kind), each with
   its reports, fixes, the landlord's own reference numbers and the clocks the deadline engine
   (:func:`residentlog.deadlines.clocks.compute_for_store`) derived from the policy packs in the store, with
   their citations. Timeframes the letter itself starts ("acknowledge within 5 working days") are
   worked out by the same engine, from a stand-in entry dated when the letter is written, so every
   number a letter prints comes from a policy pack. The context ends with a fresh checkpoint.
2. The letter's text template ``letters/<type>.md.j2`` (extending ``letters/_base.md.j2``, with
   ``letters/_macros.md.j2``) renders it once, in a small Markdown subset: ``#`` headings,
   paragraphs (two trailing spaces or a backslash end a line), ``-`` and ``1.`` lists, ``**bold**``,
   fenced blocks, backslash escapes, and ``::: name`` ... ``:::`` boxes that name a part of the letter
   (sender, recipient, ...) for layout (:mod:`residentlog.documents.markup`). User text is escaped
   before it goes in, so a resident's summary can never add structure.
3. Every format comes from that one rendering: ``md`` is it, without the box lines; ``txt``, the HTML
   page (``letters/letter.html.j2``, or ``letters/<type>.html.j2`` if present; autoescaped, print CSS,
   A4), the PDF (WeasyPrint, from the same HTML) and the DOCX (python-docx: headings, paragraphs
   and lists, for residents who edit letters in a word processor) are built from its parsed blocks.

A store's ``templates/`` folder overrides any of these templates by name
(:mod:`residentlog.documents.render`).
:func:`record_letter` appends the ``contact`` entry that records the letter as sent, with the
rendered bytes attached.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.documents.markup import (
    Block,
    blocks_to_docx,
    blocks_to_text,
    markdown_text,
    md_escape,
    parse_blocks,
)
from residentlog.documents.render import USER_TEMPLATES, check_template, render, shipped_templates_dir
from residentlog.documents.wording import (
    capitalise,
    long_date,
    long_day,
    long_when,
    money,
    one_line,
    plural,
    times,
    uk_time,
)
from residentlog.errors import InputError, NotFound, StoreError
from residentlog.ledger.vocabulary import FAULT_KINDS, PROBLEM_KINDS, kind_title

if TYPE_CHECKING:
    from residentlog.deadlines.clocks import StoreClocks
    from residentlog.deadlines.engine import CaseSummary, Clock, EntryFacts
    from residentlog.deadlines.policy import Pack, Rule
    from residentlog.ledger.add import Added
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.store import Store

FORMATS: tuple[str, ...] = ("md", "txt", "html", "pdf", "docx")
BINARY_FORMATS: frozenset[str] = frozenset({"pdf", "docx"})
LETTERS_DIR = "letters"
PAGE_TEMPLATE = "letters/letter.html.j2"
SENT_PREFIX = "Sent letter:"

_POLICY_TAG = "policy-pack"

# ---------------------------------------------------------------------------------------------
# Letter types


@dataclass(frozen=True)
class LetterType:
    """One kind of letter: what it is called, whom it goes to, what it covers by default."""

    name: str
    title: str  # "Formal complaint (stage 1)"
    help: str
    event: str | None = None  # the event of the contact entry recording it
    kinds: frozenset[str] | None = None  # issues covered without --case: those of these kinds
    open_only: bool = False  # without --case, only issues still open
    late_only: bool = False  # without --case, issues with a missed timeframe (if there are any)
    with_complaints: bool = False  # also the complaint entries (stage 1 and 2 history)
    needs_entries: bool = True
    to: str = "landlord"  # or "ombudsman"
    nations: frozenset[str] | None = None
    nations_why: str = ""
    # The stand-in entry the letter amounts to, for the timeframes it starts: (kind, event, attrs).
    starts: tuple[str, str, tuple[tuple[str, str], ...]] | None = None



LETTER_TYPES: Mapping[str, LetterType] = {
    t.name: t
    for t in (
        LetterType(
            "repair-report",
            "Repair report",
            "Report repairs in writing: what is wrong, since when, every earlier report, the "
            "timeframe that applies.",
            event="reported",
            kinds=FAULT_KINDS,
        ),
        LetterType(
            "repair-chaser",
            "Repair chaser",
            "Chase repairs still outstanding: the timeframes passed and by how much.",
            event="chased",
            kinds=FAULT_KINDS,
            open_only=True,
        ),
        LetterType(
            "complaint-stage1",
            "Formal complaint (stage 1)",
            "A formal complaint under the landlord's complaints policy: the failures with dates, "
            "the timeframes missed, what would put it right.",
            kinds=PROBLEM_KINDS,
            late_only=True,
            starts=("complaint", "raised", (("stage", "1"),)),
        ),
        LetterType(
            "complaint-stage2",
            "Complaint escalation (stage 2)",
            "Escalate a complaint to stage 2: the stage 1 reply (or its absence) and what is unresolved.",
            kinds=PROBLEM_KINDS,
            late_only=True,
            with_complaints=True,
            starts=("complaint", "escalated", (("stage", "2"),)),
        ),
        LetterType(
            "ombudsman-referral",
            "Referral to the Ombudsman",
            "Refer a complaint to the Ombudsman: the complaint's history, what is unresolved, the "
            "outcome wanted.",
            kinds=PROBLEM_KINDS,
            late_only=True,
            with_complaints=True,
            to="ombudsman",
            nations=frozenset({"england", "wales", "scotland"}),
            nations_why="residentlog does not cover the Ombudsman for Northern Ireland",
        ),
        LetterType(
            "cctv-request",
            "Subject access request: CCTV footage",
            "Ask for CCTV footage of yourself under UK GDPR, and for it to be kept meanwhile.",
            event="requested",
            kinds=frozenset({"cctv", "asb"}),
            starts=("cctv", "requested", (("category", "subject-access"),)),
        ),
        LetterType(
            "subject-access",
            "Subject access request",
            "Ask for the landlord's records about you (repair logs, call notes, complaint files) "
            "under UK GDPR.",
            event="requested",
            needs_entries=False,
            starts=("note", "requested", (("category", "subject-access"),)),
        ),
        LetterType(
            "service-charge-query",
            "Service charge query",
            "Ask for a summary of costs (s.21) and question charges for services not delivered.",
            event="requested",
            kinds=frozenset({"service-charge"}),
            nations=frozenset({"england", "wales"}),
            nations_why="these letters rely on the Landlord and Tenant Act 1985 sections 19 to 22, "
            "offered for England and Wales only",
            starts=("service-charge", "requested", (("category", "s21-summary"),)),
        ),
        LetterType(
            "hazard-report",
            "Report of a potential hazard (Awaab's Law)",
            "Report damp and mould or another hazard under Awaab's Law timeframes (England).",
            event="reported",
            kinds=frozenset({"damp"}),
            nations=frozenset({"england"}),
            nations_why="Awaab's Law applies to social housing in England only",
        ),
        LetterType(
            "timeframes-request",
            "Request for dates for outstanding actions",
            "Ask for a date for each outstanding action (after an inspection, a complaint reply or "
            "an Ombudsman order).",
            event="requested",
            kinds=FAULT_KINDS | {"asb"},
            open_only=True,
            with_complaints=True,
        ),
    )
}


def letter_type(name: str) -> LetterType:
    try:
        return LETTER_TYPES[name]
    except KeyError:
        raise InputError(f"unknown letter type {name!r}; choose one of: {', '.join(LETTER_TYPES)}") from None


# ---------------------------------------------------------------------------------------------
# Citations


def _clean_wording(text: str) -> str:
    """A citation's wording for "... says that <wording>.": no "Summary:" label, no final stop."""
    text = one_line(text)
    text = re.sub(r"^(?:summary|example|paraphrase)\s*:\s*", "", text, flags=re.IGNORECASE)
    text = text.rstrip(" .")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


# ---------------------------------------------------------------------------------------------
# The context


_STOP_VERBS: Mapping[str, str] = {
    "fixed": "fixed",
    "attended": "attended to",
    "acknowledged": "acknowledged",
    "responded": "answered",
    "provided": "provided",
    "refused": "refused",
    "reported": "reported",
    "requested": "requested",
}
_START_NOUNS: Mapping[str, tuple[str, str]] = {
    "reported": ("report", "reports"),
    "raised": ("complaint", "complaints"),
    "escalated": ("escalation", "escalations"),
    "requested": ("request", "requests"),
    "acknowledged": ("acknowledgement", "acknowledgements"),
    "attended": ("visit", "visits"),
    "observed": ("incident", "incidents"),
    "provided": ("notice", "notices"),
}
_EVENT_WORDS: Mapping[str, str] = {
    "observed": "noted",
    "reported": "reported",
    "acknowledged": "acknowledged",
    "attended": "attended",
    "fixed": "fixed",
    "not-fixed": "not fixed",
    "recurred": "came back",
    "requested": "requested",
    "provided": "provided",
    "refused": "refused",
    "chased": "chased",
    "raised": "complaint made",
    "extended": "deadline extended",
    "responded": "response",
    "escalated": "escalated",
    "ombudsman": "referred to the Ombudsman",
}
_OMBUDSMEN: Mapping[str, tuple[str, str]] = {
    "england": (
        "Housing Ombudsman Service",
        "https://www.housing-ombudsman.org.uk/residents/make-a-complaint/",
    ),
    "wales": ("Public Services Ombudsman for Wales", "https://www.ombudsman.wales/"),
    "scotland": ("Scottish Public Services Ombudsman", "https://www.spso.org.uk/"),
}


@dataclass
class _Issue:
    key: str
    case: str | None
    views: list[Entry] = field(default_factory=list)


_CHANNEL_WORDS: Mapping[str, str] = {
    "phone": "by phone",
    "email": "by email",
    "letter": "by letter",
    "online": "online",
    "in-person": "in person",
    "app": "through the app",
    "social-media": "on social media",
}


def _entry_ctx(view: Entry, audience: str = "landlord") -> dict[str, Any]:
    """An entry as letters cite it. ``audience`` (landlord or ombudsman) is whose references
    are "your ref"."""
    fields = view.fields
    occurred = view.occurred
    precision = view.occurred_precision
    event = view.event or ""
    refs = [{"by": r["by"], "ref": md_escape(r["ref"])} for r in view.refs]
    landlord_refs = [r["ref"] for r in refs if r["by"] == "landlord"]
    other_refs = [f"{r['by']} ref {r['ref']}" for r in refs if r["by"] != "landlord"]
    parts = [f"{'your' if r['by'] == audience else r['by']} ref {r['ref']}" for r in refs]
    amount = fields.get("amount_pence")

    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else md_escape(str(value))

    return {
        "number": view.num,
        "date": long_date(uk_time(occurred).date()),
        "day": long_day(uk_time(occurred).date()),
        "when": long_when(occurred, precision),
        "time": "" if precision == "day" else f"{uk_time(occurred):%H:%M}",
        "iso": uk_time(occurred).date().isoformat(),
        "kind": view.kind,
        "kind_title": view.kind_title,
        "event": event,
        "event_text": _EVENT_WORDS.get(event, event),
        "summary": md_escape(view.summary),
        "details": md_escape(one_line(view.details)),
        "location": md_escape(view.location),
        "case": md_escape(view.case),
        "channel": text("channel"),
        "channel_text": _CHANNEL_WORDS.get(str(fields.get("channel") or ""), ""),
        "priority": text("priority"),
        "category": text("category"),
        "hazard": text("hazard"),
        "rooms": text("rooms"),
        "lift": text("lift"),
        "door": text("door"),
        "camera": text("camera"),
        "service": text("service"),
        "charge_year": text("charge_year"),
        "amount": "" if amount is None else money(int(amount)),
        "stage": text("stage"),
        "who": text("who"),
        "witness": text("witness"),
        "trapped": text("trapped"),
        "trapped_minutes": text("trapped_minutes"),
        "refs": refs,
        "landlord_refs": landlord_refs,
        "other_refs": other_refs,
        "ref_text": ", ".join(parts),
        "attachments": [
            {"name": md_escape(a["name"]), "sha256": a["sha256"], "size": a["size"]}
            for a in view.attachments
        ],
        "amended": view.amended,
        "hash": view.hash,
    }


def _rule_ctx(pack: Pack, rule: Rule, own: bool, whose: str = "your") -> dict[str, Any]:
    cit = rule.citation
    section = md_escape(one_line(cit.section))
    source = f"{whose} policy ({section})" if own else section
    return {
        "id": rule.id,
        "title": md_escape(rule.title),
        "allowed": rule.allowed.describe(),
        "section": section,
        "wording": md_escape(_clean_wording(cit.wording)),
        "url": cit.url or "",
        "document": md_escape(cit.document or ""),
        "confidence": cit.confidence,
        "confident": cit.confidence in ("high", "medium"),
        "source": source,
        "Source": capitalise(source),
        "pack_id": pack.id,
        "pack_title": md_escape(pack.title),
        "pack_version": md_escape(pack.version),
        "publisher": md_escape(pack.publisher),
        "own": own,
        "example": pack.example,
        "party": rule.party,
        "extension": rule.extension.describe() if rule.extension is not None else "",
        "stop_verb": _STOP_VERBS.get(rule.stop[0], rule.stop[0]),
    }


def _span(start: datetime, end: datetime, hours_rule: bool) -> str:
    """How long from ``start`` to ``end``: ``30 hours`` (under two days, hours rules) or ``378 days``.

    Hours rules count whole hours and whole days, rounded down (never overstated); day rules count
    calendar days, as the rule itself does."""
    from residentlog.deadlines.engine import duration_text

    if hours_rule:
        if end - start < timedelta(hours=48):
            return duration_text(end - start)
        return plural((end - start).days, "day")
    days = (uk_time(end).date() - uk_time(start).date()).days
    if days == 0:
        return "the same day"
    return plural(days, "day")


def _late_by(c: Clock) -> str:
    from residentlog.deadlines.engine import duration_text

    if c.margin_unit == "hours":
        if c.margin < 48:
            return duration_text(c.exact)
        return plural(c.exact.days, "day")
    if c.margin_unit == "working days":
        return plural(c.margin, "working day")
    return plural(c.margin, "day")


class _Builder:
    """Builds a letter's context from a store's entries and clocks (one instance per letter)."""

    def __init__(self, store: Store, lt: LetterType, sc: StoreClocks, views: Sequence[Entry]) -> None:
        from residentlog.deadlines.clocks import packs_in_force_on, shipped_packs_in_use
        from residentlog.deadlines.workdays import uk_date

        self.store = store
        self.lt = lt
        self.sc = sc
        self.now = sc.now
        self.views = {v.num: v for v in views}
        self.entry_cache: dict[int, dict[str, Any]] = {}
        self.statutory = {p.id for p in shipped_packs_in_use()}
        self.in_force = packs_in_force_on(sc.packs, uk_date(sc.now), sc.nation)
        self.cited: dict[tuple[str, str], Pack] = {}  # (pack id, version) -> pack, for the record
        self.warnings: list[str] = []
        self.whose = "my landlord's" if lt.to == "ombudsman" else "your"

    # -- entries and rules

    def entry(self, num: int | None) -> dict[str, Any] | None:
        if num is None or num not in self.views:
            return None
        if num not in self.entry_cache:
            self.entry_cache[num] = _entry_ctx(self.views[num], self.lt.to)
        return self.entry_cache[num]

    def rule(self, pack_id: str, pack_version: str, rule: Rule) -> dict[str, Any]:
        pack = next(p for p in self.sc.packs if p.id == pack_id and p.version == pack_version)
        self.cited[(pack.id, pack.version)] = pack
        ctx = _rule_ctx(pack, rule, own=pack.id not in self.statutory, whose=self.whose)
        if pack.example:
            self._warn(
                f"this letter quotes the example pack {pack.id!r}: its figures are not your landlord's; "
                "check each one against your landlord's own policy before sending"
            )
        if not ctx["confident"]:
            self._warn(
                f"{rule.citation.section} ({pack.id}) has source confidence {rule.citation.confidence}: "
                "the letter words it as your understanding; check it before sending"
            )
        return ctx

    def _warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    # -- clocks

    def clock(self, c: Clock) -> dict[str, Any]:
        rule = self.rule(c.pack_id, c.pack_version, c.rule)
        start = self.entry(c.start_entry)
        stop = self.entry(c.stop_entry)
        hours_rule = c.rule.unit == "hours"
        due = long_when(c.due_at) if c.due_date is None else long_date(c.due_date)
        end = c.stopped_at if c.stopped_at is not None else self.now
        elapsed = _span(c.started_at, end, hours_rule)
        verb = _STOP_VERBS.get(stop["event"], stop["event_text"]) if stop is not None else rule["stop_verb"]
        late_by = _late_by(c) if c.late else ""
        if stop is not None:
            outcome = f"{verb} on {stop['when']}" + (
                "" if elapsed == "the same day" else f", {elapsed} later"
            )
        else:
            outcome = f"still not {rule['stop_verb']} when I wrote this, {elapsed} later"
        noun = _START_NOUNS.get(c.rule.start[0], ("item", "items"))[0]
        of = f"the {noun} of {start['when'] if start else ''}" + (
            f" ({start['ref_text']})" if start and start["ref_text"] else ""
        )
        if stop is not None:
            prose = f"{of} was {outcome}"
            if c.late:
                prose += f", {late_by} after the deadline of {due}"
        else:
            prose = f"{of} had still not been {rule['stop_verb']} when I wrote this, {elapsed} later"
            if c.late:
                prose += f" (it was due by {due})"
        sentence = f"{start['when'] if start else ''}"
        if start and start["ref_text"]:
            sentence += f" ({start['ref_text']})"
        sentence += f": {outcome}"
        if c.late:
            sentence += f"; due by {due}, so {late_by} late" if stop is not None else f"; due by {due}"
        else:
            sentence += " (on time)" if stop is not None else f"; due by {due}"
        return {
            "rule": rule,
            "start": start,
            "stop": stop,
            "due": due,
            "status": c.status.value,
            "late": c.late,
            "open": c.is_open,
            "met": c.status.value == "met",
            "late_by": late_by,
            "elapsed": elapsed,
            "outcome": outcome,
            "sentence": sentence,
            "prose": prose,
            "extended": c.extension_entry is not None,
        }

    def rule_groups(self, clocks: Iterable[Clock], total: int | None = None) -> list[dict[str, Any]]:
        """Clocks grouped by rule, landlord timeframes only, in the order they first started.

        ``total`` is how many reports the issue has: when a rule covers fewer of them (only the
        reports made once the case was marked an emergency), the tally says so.
        """
        groups: dict[tuple[str, str, str], list[Clock]] = {}
        for c in clocks:
            if c.rule.party != "landlord":
                continue
            groups.setdefault((c.pack_id, c.pack_version, c.rule_id), []).append(c)
        out = []
        for (pack_id, version, _), items in groups.items():
            rule = self.rule(pack_id, version, items[0].rule)
            ctxs = [self.clock(c) for c in items]
            statuses = Counter(c.status.value for c in items)
            late = statuses["breached"] + statuses["overdue"]
            noun_one, noun_many = _START_NOUNS.get(items[0].rule.start[0], ("item", "items"))
            count = len(items)
            what = plural(count, noun_one, noun_many)
            if total is not None and count != total and noun_one == "report":
                what = f"{what} it covers"
            verb = rule["stop_verb"]
            if late == count:
                tally = (
                    f"This was not {verb} in time" if count == 1 else f"None of the {what} was {verb} in time"
                )
            elif late:
                tally = f"{late:,} of the {what} {'was' if late == 1 else 'were'} not {verb} in time"
            else:
                tally = ""
            worst = max(items, key=lambda c: c.exact)
            out.append(
                {
                    "rule": rule,
                    "clocks": ctxs,
                    "count": count,
                    "late": late,
                    "met": statuses["met"],
                    "breached": statuses["breached"],
                    "overdue": statuses["overdue"],
                    "running": statuses["running"],
                    "tally": tally,
                    "tally_lc": tally[:1].lower() + tally[1:],
                    "worst": self.clock(worst) if worst.late else None,
                    "late_clocks": [x for x in ctxs if x["late"]],
                    "open_clocks": [x for x in ctxs if x["open"]],
                }
            )
        out.sort(key=lambda g: g["rule"]["own"])  # the code or the law first, then the landlord's own
        return out

    def prospective(self, kind: str, event: str, attrs: Mapping[str, str]) -> dict[str, Any]:
        """The timeframes an entry (kind, event, attrs) made now would start, and those that follow.

        ``due`` lists each rule the stand-in entry starts, with its due date counted from now;
        ``then`` lists the other landlord rules for the same kind and attributes, which later
        events start (the response after an acknowledgement), without dates.
        """
        from residentlog.deadlines.engine import EntryFacts, compute_clocks

        stand_in = EntryFacts(
            number=0, kind=kind, event=event, occurred_at=self.now, case="~letter", attrs=attrs
        )
        clocks = compute_clocks([stand_in], self.in_force, self.sc.nation, self.now)
        due = []
        started = set()
        for c in clocks:
            if c.rule.party != "landlord":
                continue
            started.add((c.pack_id, c.pack_version, c.rule_id))
            rule = self.rule(c.pack_id, c.pack_version, c.rule)
            when = long_when(c.due_at) if c.due_date is None else long_day(c.due_date)
            due.append({"rule": rule, "due": when})
        then = []
        for pack in self.in_force:
            for rule in pack.rules:
                key = (pack.id, pack.version, rule.id)
                if key in started or rule.party != "landlord" or rule.match_for(kind, attrs) is None:
                    continue
                then.append({"rule": self.rule(pack.id, pack.version, rule), "after": rule.start[0]})
        due.sort(key=lambda d: d["rule"]["own"])  # the code or the law first, then the landlord's own
        then.sort(key=lambda t: t["rule"]["own"])
        return {"due": due, "then": then, "any": bool(due or then)}

    def find_rules(self, kind: str, attrs: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every rule in force (landlord or resident) that an entry of this kind and attributes matches."""
        out = []
        for pack in self.in_force:
            for rule in pack.rules:
                if rule.match_for(kind, attrs) is not None:
                    out.append(self.rule(pack.id, pack.version, rule))
        return out

    # -- issues

    def issue(self, issue: _Issue, summary: CaseSummary) -> dict[str, Any]:
        entries = [self.entry(v.num) for v in issue.views]
        ents = [e for e in entries if e is not None]
        kinds = Counter(e["kind"] for e in ents)
        main = [k for k, _ in kinds.most_common() if k in PROBLEM_KINDS]
        kind = main[0] if main else kinds.most_common(1)[0][0]
        reports = [self.entry(n) for n, _ in summary.reports]
        landlord_refs = list(dict.fromkeys(r for e in ents for r in e["landlord_refs"]))
        other_refs = list(dict.fromkeys(r for e in ents for r in e["other_refs"]))
        attrs: dict[str, str] = {}
        for e in ents:  # the case's latest priority, category and hazard, as the engine carries them
            for name in ("priority", "category", "hazard"):
                if e[name]:
                    attrs[name] = e[name]
        closed = next(
            (
                e
                for e in reversed(ents)
                if summary.closed_at is not None and e["event"] in ("fixed", "provided")
            ),
            None,
        )
        groups = self.rule_groups(summary.clocks, total=len(reports))
        first_report = reports[0] if reports else None
        fixes = [e for e in ents if e["event"] == "fixed"]
        state = _state(
            kind, ents, fixes, summary, first_report, "you" if self.lt.to == "landlord" else "my landlord"
        )
        whose = "your" if self.lt.to == "landlord" else "their"
        refs_phrase = (
            f"{whose} reference{'s' if len(landlord_refs) > 1 else ''} {', '.join(landlord_refs)}"
            if landlord_refs
            else ""
        )
        last = reports[-1] if reports else None
        after_last = [
            e
            for e in ents
            if last is not None and e["number"] != last["number"] and ents.index(e) > ents.index(last)
        ]
        return {
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
        verb = _STOP_VERBS.get(closer["event"], closer["event_text"])
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
        back = next(
            (
                e
                for e in ents
                if e["number"] != last["number"]
                and e["iso"] >= last["iso"]
                and ents.index(e) > ents.index(last)
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


def _issue_title(issue: _Issue, kind: str) -> str:
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


def _group(views: Iterable[Entry]) -> list[_Issue]:
    issues: dict[str, _Issue] = {}
    for v in views:
        case = v.case or None
        key = case if case else f"~{v.kind}"
        issues.setdefault(key, _Issue(key, case)).views.append(v)
    return list(issues.values())


def _summaries(issues: Sequence[_Issue], sc: StoreClocks) -> list[CaseSummary]:
    """A case summary per issue; entries without a case are summarised per kind."""
    from residentlog.deadlines.engine import summarise_case

    out = []
    for issue in issues:
        nums = {v.num for v in issue.views}
        facts: list[EntryFacts] = [
            dataclasses.replace(f, case=issue.key) for f in sc.entries if f.number in nums
        ]
        if issue.case is not None:
            clocks = [c for c in sc.clocks if c.case == issue.case]
        else:
            clocks = [c for c in sc.clocks if c.case is None and c.start_entry in nums]
        clocks = [dataclasses.replace(c, case=issue.key) for c in clocks]
        out.append(summarise_case(issue.key, facts, clocks, sc.now))
    return out


def _profile_ctx(profile: Any) -> dict[str, Any]:
    def lines(text: str) -> list[str]:
        return [md_escape(x.strip()) for x in re.split(r"\n|,(?=\s)", text) if x.strip()] if text else []

    landlord_lines = lines(profile.landlord_address)
    name = profile.landlord.strip().lower()
    # The recipient block starts with the landlord's name, unless the address already holds it.
    named = bool(name) and any(name in line.lower() for line in landlord_lines)
    return {
        "recipient_lines": landlord_lines if named else [md_escape(profile.landlord), *landlord_lines],
        "landlord_full": ", ".join(
            landlord_lines if named else [md_escape(profile.landlord), *landlord_lines]
        ),
        "name": md_escape(profile.name),
        "address_lines": lines(profile.address),
        "email": md_escape(profile.email),
        "phone": md_escape(profile.phone),
        "tenancy_ref": md_escape(profile.tenancy_ref),
        "landlord": md_escape(profile.landlord),
        "landlord_address_lines": lines(profile.landlord_address),
        "nation": profile.nation,
    }


def _check_profile(profile: Any) -> None:
    missing = [
        label
        for name, label in (("name", "your name"), ("landlord", "your landlord"))
        if not getattr(profile, name)
    ]
    if missing:
        raise InputError(
            f"a letter needs {' and '.join(missing)} in your profile: run "
            'residentlog profile --name "Your Name" --landlord "Your Landlord"'
        )


def letter_context(
    store: Store,
    type_name: str,
    cases: Sequence[str] = (),
    now: datetime | None = None,
    *,
    draft: bool = False,
) -> dict[str, Any]:
    """Everything a letter template may use (see the module docs); issues a checkpoint last (for
    a ``draft``, signs one but keeps no trace of it in the store)."""
    from residentlog.deadlines.clocks import compute_for_store
    from residentlog.ledger.profile import load_profile
    from residentlog.ledger.views import Filters, list_entries
    from residentlog.ledger.when import utc_now

    now = now or utc_now()
    lt = letter_type(type_name)
    profile = load_profile(store.root)
    _check_profile(profile)
    if lt.nations is not None and profile.nation not in lt.nations:
        raise InputError(f"no {lt.name} letter for {profile.nation} (your profile): {lt.nations_why}")
    sc = compute_for_store(store, now)
    views = [
        v
        for v in list_entries(store, Filters(), now)
        if not (v.kind == "note" and _POLICY_TAG in v.tags)
    ]
    known = sorted({v.case for v in views if v.case})
    cases = list(dict.fromkeys(cases))
    for case in cases:
        if case not in known:
            hint = f"; cases: {', '.join(known)}" if known else "; no entry has a case yet"
            raise NotFound(f"no entries in case {case!r}{hint}")

    b = _Builder(store, lt, sc, views)
    everything = _group(views)
    all_summaries = dict(zip((i.key for i in everything), _summaries(everything, sc), strict=True))
    if cases:
        chosen = [i for i in everything if i.case in cases]
        chosen.sort(key=lambda i: cases.index(i.case or ""))
    else:
        chosen = _default_issues(lt, everything, all_summaries)

    def complaint_only(issue: _Issue) -> bool:
        return all(v.kind in ("complaint", "contact") for v in issue.views)

    history = [v for i in chosen for v in i.views if v.kind == "complaint"]
    if lt.with_complaints and not history:
        history = [v for v in views if v.kind == "complaint"]
    # A complaint's own case is its history, not an issue complained about.
    issue_list = [i for i in chosen if not complaint_only(i)]
    if lt.with_complaints and not issue_list and history:
        # Only the complaint was named: the issues are those its entries link to.
        linked = {n for v in history for n in v.links}
        issue_list = [
            i for i in everything if not complaint_only(i) and any(v.num in linked for v in i.views)
        ]
    if lt.needs_entries and not issue_list:
        what = ", ".join(sorted(lt.kinds or ())) or "any"
        raise InputError(
            f"nothing for a {lt.name} letter: no entries of kind {what}"
            + (" still open" if lt.open_only else "")
            + "; name the case(s) it is about with --case NAME"
        )
    issues = [b.issue(i, all_summaries[i.key]) for i in issue_list]
    selected_nums = sorted(
        {v.num for i in chosen for v in i.views}
        | {v.num for i in issue_list for v in i.views}
        | {v.num for v in history}
    )
    wanted = set(selected_nums)
    selected = [b.entry(v.num) for v in views if v.num in wanted]  # in date order

    profile_ctx = _profile_ctx(profile)
    to_ombudsman = lt.to == "ombudsman"
    ombudsman = _OMBUDSMEN.get(profile.nation)
    complaint = _complaint_ctx(b, history)
    code = _complaint_code(b)
    landlord_refs = list(dict.fromkeys(r for e in selected if e for r in e["landlord_refs"]))
    top_refs = complaint["refs"] if lt.with_complaints and complaint["refs"] else landlord_refs
    if len(top_refs) > 5:
        top_refs = []
    starts = None
    if lt.starts is not None:
        kind, event, attrs = lt.starts
        starts = b.prospective(kind, event, dict(attrs))
    extra = _type_extras(b, lt, issues, selected, views)
    today = uk_time(now).date()
    ctx: dict[str, Any] = {
        "type": lt.name,
        "title": lt.title,
        "today": long_date(today),
        "today_day": long_day(today),
        "generated": long_when(now),
        "resident": profile_ctx,
        "recipient": {
            "name": md_escape(ombudsman[0]) if to_ombudsman and ombudsman else profile_ctx["landlord"],
            "lines": [md_escape(ombudsman[0])]
            if to_ombudsman and ombudsman
            else profile_ctx["recipient_lines"],
            "salutation": "Sir or Madam",
        },
        "landlord": profile_ctx["landlord"],
        "nation": profile.nation,
        "ombudsman": {"name": ombudsman[0], "url": ombudsman[1]} if ombudsman else None,
        "to_ombudsman": to_ombudsman,
        "cases": [md_escape(c) for c in cases],
        "issues": issues,
        "late_issues": [i for i in issues if i["late"]],
        "open_issues": [i for i in issues if i["open"]],
        "entries": [e for e in selected if e is not None],
        "report_count": sum(i["report_count"] for i in issues),
        "refs": top_refs,
        "landlord_refs": landlord_refs,
        "complaint": complaint,
        "code": code,
        "starts": starts,
        # Files attached to the entries cited, but not earlier letters (kept with their own entries).
        "enclosures": [
            a for e in selected if e and not e["summary"].startswith(SENT_PREFIX) for a in e["attachments"]
        ],
        "plural": plural,
        "times": times,
        "whose": b.whose,
        **extra,
    }
    checkpoint = _issue_checkpoint(
        store,
        now,
        f"{profile.landlord if lt.to == 'landlord' else ctx['recipient']['name']} ({lt.name} letter)",
        keep=not draft,
    )
    # The signed note (its first three lines are the checkpoint) and the key that checks it.
    ctx["checkpoint"] = {
        "text": checkpoint.signed_text(),
        "vkey": checkpoint.vkey or "",
        "size": checkpoint.size,
        "root": checkpoint.root_b64,
    }
    ctx["packs"] = [
        {"id": p.id, "version": md_escape(p.version), "title": md_escape(p.title)} for p in b.cited.values()
    ]
    ctx["_warnings"] = list(b.warnings) + [f"{w}" for w in sc.warnings]
    ctx["_packs"] = [f"{p.id} {p.version}" for p in b.cited.values()]
    ctx["_entries"] = selected_nums
    return ctx


def _issue_checkpoint(store: Store, now: datetime, recipient: str, *, keep: bool) -> Any:
    """Issue a checkpoint, naming whom it is handed to (``keep=False``: a draft's, not kept)."""
    from residentlog.integrity.issue import issue_checkpoint

    return issue_checkpoint(store, now, recipient=_unescape(recipient), keep=keep)


def _default_issues(
    lt: LetterType, everything: Sequence[_Issue], summaries: Mapping[str, CaseSummary]
) -> list[_Issue]:
    def kind_ok(issue: _Issue) -> bool:
        return lt.kinds is None or any(v.kind in lt.kinds for v in issue.views)

    chosen = [i for i in everything if kind_ok(i)]
    if lt.kinds is None:
        chosen = [i for i in chosen if any(v.kind not in ("note",) for v in i.views)]
    if lt.open_only:
        chosen = [i for i in chosen if summaries[i.key].is_open]
    if lt.late_only:
        late = [
            i
            for i in chosen
            if any(c.late and c.rule.party == "landlord" for c in summaries[i.key].clocks)
            and not all(v.kind in ("complaint", "contact") for v in i.views)
        ]
        if late:
            chosen = late
    if lt.with_complaints:
        # What the complaint entries link to is what the complaint is about.
        linked = {
            n
            for i in everything
            for v in i.views
            if v.kind == "complaint"
            for n in v.links
        }
        keys = {i.key for i in chosen}
        chosen = [
            i for i in everything if i.key in keys or (kind_ok(i) and any(v.num in linked for v in i.views))
        ]
    return chosen


def _complaint_ctx(b: _Builder, views: Sequence[Entry]) -> dict[str, Any]:
    entries = [e for e in (b.entry(v.num) for v in views) if e is not None]

    def last(stage: str, step: str) -> dict[str, Any] | None:
        found = [e for e in entries if e["stage"] == stage and e["event"] == step]
        return found[-1] if found else None

    refs = list(dict.fromkeys(r for e in entries for r in e["landlord_refs"]))
    ombudsman_refs = list(
        dict.fromkeys(r["ref"] for e in entries for r in e["refs"] if r["by"] == "ombudsman")
    )
    nums = {v.num for v in views}
    clocks = [c for c in b.sc.clocks if c.start_entry in nums]
    groups = b.rule_groups(clocks)
    return {
        "entries": entries,
        "any": bool(entries),
        "refs": refs,
        "ombudsman_refs": ombudsman_refs,
        "raised1": last("1", "raised"),
        "ack1": last("1", "acknowledged"),
        "response1": last("1", "responded"),
        "escalated": last("2", "escalated") or last("2", "raised"),
        "ack2": last("2", "acknowledged"),
        "extended2": last("2", "extended"),
        "response2": last("2", "responded"),
        "referred": next((e for e in reversed(entries) if e["event"] == "ombudsman"), None),
        "rules": groups,
        "late_rules": [g for g in groups if g["late"]],
        "open_rules": [g for g in groups if g["open_clocks"]],
    }


def _complaint_code(b: _Builder) -> dict[str, Any] | None:
    """The complaint-handling code in force for the resident's nation (not the landlord's own policy)."""
    for pack in b.in_force:
        if pack.id in b.statutory and any(
            rule.match_for("complaint", {"stage": "1"}) is not None for rule in pack.rules
        ):
            publisher = md_escape(pack.publisher)
            title = md_escape(pack.title)
            return {
                "title": title,
                "publisher": publisher,
                "name": f"the {publisher}'s {title}",
                "id": pack.id,
            }
    return None


def _type_extras(
    b: _Builder,
    lt: LetterType,
    issues: Sequence[dict[str, Any]],
    selected: Sequence[dict[str, Any] | None],
    views: Sequence[Entry],
) -> dict[str, Any]:
    """What only some letter types need."""
    extra: dict[str, Any] = {}
    if lt.name == "repair-report":
        for issue in issues:
            issue["expected"] = b.prospective(issue["kind"], "reported", issue["attrs"])
    if lt.name == "hazard-report":
        level = next(
            (e["hazard"] for i in issues for e in reversed(i["entries"]) if e["hazard"]),
            "significant",
        )
        extra["hazard"] = {
            "level": level,
            "expected": b.prospective("damp", "reported", {"hazard": level}),
            "rooms": list(dict.fromkeys(e["rooms"] for i in issues for e in i["entries"] if e["rooms"])),
            "photos": [a for i in issues for a in i["attachments"]],
        }
    if lt.name == "cctv-request":
        items = []
        taken: set[int] = set()
        for issue in issues:
            for e in issue["entries"]:
                if set(b.views[e["number"]].links) & taken:
                    continue  # a later report about an incident already listed
                if (
                    e["kind"] in ("contact", "note", "complaint")
                    or not e["time"]
                    or e["event"]
                    in (
                        "requested",
                        "provided",
                        "refused",
                    )
                ):
                    continue
                local = uk_time(b.views[e["number"]].occurred)
                start = (local - timedelta(hours=1)).strftime("%H:%M")
                end = (local + timedelta(hours=1)).strftime("%H:%M")
                where = e["camera"] or e["location"]
                items.append({"entry": e, "from": start, "to": end, "where": where})
                taken.add(e["number"])
        extra["footage"] = items
        extra["requests"] = [
            e
            for i in issues
            for e in i["entries"]
            if e["kind"] == "cctv" and e["event"] in ("requested", "provided", "refused")
        ]
    if lt.name == "service-charge-query":
        charges = [e for e in (b.entry(v.num) for v in views) if e and e["kind"] == "service-charge"]
        charges = [c for c in charges if c["amount"] or c["service"]]
        extra["charges"] = [_charge_ctx(b, c, views) for c in charges]
        extra["s22"] = b.find_rules("service-charge", {"category": "s22-inspection"})
    return extra


_SERVICE_KINDS: tuple[tuple[str, str], ...] = (
    ("lift", "lift"),
    ("door", "door"),
    ("entry", "door"),
    ("cctv", "cctv"),
    ("camera", "cctv"),
    ("repair", "repair"),
)


def _charge_year_bounds(label: str) -> tuple[date, date] | None:
    m = re.fullmatch(r"\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*", label)
    if not m:
        return None
    start = int(m.group(1))
    return date(start, 4, 1), date(start + 1, 3, 31)


def _charge_ctx(b: _Builder, charge: dict[str, Any], views: Sequence[Entry]) -> dict[str, Any]:
    """A disputed charge, with the failures of that service the ledger holds in its charge year."""
    service = charge["service"].lower()
    kinds = {kind for word, kind in _SERVICE_KINDS if word in service}
    bounds = _charge_year_bounds(charge["charge_year"])
    failures = []
    for v in views:
        if v.kind not in kinds or v.event in ("fixed", "attended", "acknowledged"):
            continue
        day = uk_time(v.occurred).date()
        if bounds is not None and not bounds[0] <= day <= bounds[1]:
            continue
        failures.append(b.entry(v.num))
    return {
        "entry": charge,
        "failures": failures,
        "period": f"between {long_date(bounds[0])} and {long_date(bounds[1])}" if bounds else "",
        "heading": capitalise(charge["service"] or charge["summary"]),
    }


# ---------------------------------------------------------------------------------------------
# Rendering


@dataclass(frozen=True)
class Letter:
    """A rendered letter, with what went into it (for the record and for warnings)."""

    type: str
    fmt: str
    data: bytes
    template: str
    template_source: str  # "shipped" or "store"
    context: Mapping[str, Any]
    warnings: tuple[str, ...]

    @property
    def file_name(self) -> str:
        day = self.context["_today_iso"]
        return f"{self.type}-{day}.{self.fmt}"


def _template_source(store_root: Path | None, name: str) -> str:
    if store_root is not None and (store_root / USER_TEMPLATES / name).is_file():
        return "store"
    if (shipped_templates_dir() / name).is_file():
        return "shipped"
    return ""


def build_letter(
    store: Store,
    type_name: str,
    cases: Sequence[str] = (),
    fmt: str = "md",
    now: datetime | None = None,
    *,
    draft: bool = False,
) -> Letter:
    """Render a letter in ``fmt`` (md, txt, html, pdf, docx). Writes no file and records nothing
    beyond the checkpoint it prints, which a ``draft`` does not keep either."""
    from residentlog.ledger.when import utc_now

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    now = now or utc_now()
    lt = letter_type(type_name)
    name = f"{LETTERS_DIR}/{lt.name}.md.j2"
    check_template(name, store.root)  # a broken copy of it is named before a checkpoint is issued
    ctx = letter_context(store, lt.name, cases, now, draft=draft)
    ctx["_today_iso"] = uk_time(now).date().isoformat()
    source = _template_source(store.root, name)
    text = render(name, {k: v for k, v in ctx.items() if not k.startswith("_")}, store.root)
    data = render_text(text, fmt, store_root=store.root, type_name=lt.name, title=_plain_title(ctx), now=now,
                       author=_unescape(ctx["resident"]["name"]))  # fmt: skip
    return Letter(lt.name, fmt, data, name, source, ctx, tuple(ctx["_warnings"]))


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _plain_title(ctx: Mapping[str, Any]) -> str:
    return f"{ctx['title']}, {ctx['today']}"


def render_text(
    text: str,
    fmt: str,
    *,
    store_root: Path | None = None,
    type_name: str = "",
    title: str = "Letter",
    author: str = "",
    now: datetime | None = None,
) -> bytes:
    """A letter's Markdown (as the text template rendered it) in the given format."""
    from residentlog.ledger.when import utc_now

    if fmt == "md":
        return markdown_text(text).encode("utf-8")
    blocks = parse_blocks(text)
    if fmt == "txt":
        return blocks_to_text(blocks).encode("utf-8")
    if fmt == "docx":
        return blocks_to_docx(blocks, title=title, author=author, now=now or utc_now())
    html = render_html(blocks, store_root=store_root, type_name=type_name, title=title)
    if fmt == "html":
        return html.encode("utf-8")
    if fmt == "pdf":
        from residentlog.documents.pdf import html_to_pdf

        return html_to_pdf(html)
    raise InputError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def render_html(blocks: Sequence[Block], *, store_root: Path | None, type_name: str, title: str) -> str:
    own = f"{LETTERS_DIR}/{type_name}.html.j2"
    page = own if type_name and _template_source(store_root, own) else PAGE_TEMPLATE
    return render(page, {"blocks": blocks, "title": title}, store_root)


def render_letter(
    store: Store, type_name: str, cases: Sequence[str] = (), fmt: str = "md", now: datetime | None = None
) -> bytes:
    """The letter's bytes in ``fmt`` (see :func:`build_letter`)."""
    return build_letter(store, type_name, cases, fmt, now).data


# ---------------------------------------------------------------------------------------------
# Recording a letter as sent


def record_letter(
    store: Store,
    letter: Letter,
    *,
    channel: str = "letter",
    attach: Path | None = None,
    now: datetime | None = None,
) -> Added:
    """Append the ``contact`` entry for a letter sent: outgoing, the letter attached.

    ``attach`` is the file holding the letter's bytes (the -o file); without it the bytes are
    written to a temporary file named after the letter, which the store copies in.
    """
    from residentlog.ledger.add import add_entry

    if channel not in ("letter", "email"):
        raise InputError(f"--channel must be letter or email, not {channel!r}")
    ctx = letter.context
    cases = [_unescape(c) for c in ctx["cases"]]
    lt = letter_type(letter.type)
    about = f" about {', '.join(cases)}" if cases else ""
    summary = f"{SENT_PREFIX} {lt.name} ({lt.title}){about}"
    if len(summary) > 300:
        summary = summary[:299] + "…"
    cp = ctx["checkpoint"]
    details = "\n".join(
        [
            f"Letter: {lt.name} ({lt.title}), format {letter.fmt}, sent by {channel}.",
            f"Template: {letter.template} ({letter.template_source or 'unknown'}).",
            f"Checkpoint printed in the letter: size {cp['size']}, root {cp['root']}.",
            "Policy packs quoted: " + (", ".join(ctx["_packs"]) or "none") + ".",
            "Entries cited: " + (_ranges(ctx["_entries"]) or "none") + ".",
        ]
    )
    links = list(ctx["_entries"]) if len(ctx["_entries"]) <= 100 else []
    fields: dict[str, Any] = {"direction": "out", "channel": channel, "letter": lt.name}
    if lt.event:
        fields["event"] = lt.event
    if lt.name in ("subject-access", "cctv-request"):
        fields["category"] = "subject-access"  # starts the one-calendar-month response clock
    content: dict[str, Any] = {"kind": "contact", "summary": summary, "details": details, "fields": fields}
    if len(cases) == 1:
        content["case"] = cases[0]
    if links:
        content["links"] = links
    if attach is not None:
        return add_entry(store, content, when_text=None, attach=[attach], now=now)
    tmp = Path(tempfile.mkdtemp(prefix="residentlog-letter-"))
    try:
        path = tmp / letter.file_name
        path.write_bytes(letter.data)
        return add_entry(store, content, when_text=None, attach=[path], now=now)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ranges(nums: Sequence[int]) -> str:
    """``1-3, 7, 9-10``."""
    out: list[str] = []
    start = prev = None
    for n in sorted(nums):
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(out)


# ---------------------------------------------------------------------------------------------
# Templates a resident can copy and edit


def shipped_template_files() -> list[str]:
    """Every shipped template, as a name relative to the templates folder (``letters/...``)."""
    root = shipped_templates_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.j2") if p.is_file())


def resolve_template_name(name: str) -> str:
    """A shipped template's full name from what a resident types: the full name, a file name, or
    a letter type (``complaint-stage1`` -> ``letters/complaint-stage1.md.j2``)."""
    names = shipped_template_files()
    wanted = name.strip().replace("\\", "/").lstrip("/")
    if wanted in names:
        return wanted
    if wanted in LETTER_TYPES:
        return f"{LETTERS_DIR}/{wanted}.md.j2"
    matches = [n for n in names if n.rsplit("/", 1)[-1] in (wanted, f"{wanted}.j2", f"{wanted}.md.j2")]
    if len(matches) == 1:
        return matches[0]
    raise NotFound(f"no shipped template {name!r}; see: residentlog templates list")


def copy_template(store_root: Path, name: str) -> Path:
    """Copy a shipped template into the store's ``templates/`` folder; never overwrites."""
    full = resolve_template_name(name)
    source = shipped_templates_dir() / full
    target = store_root / USER_TEMPLATES / full
    if target.exists():
        raise InputError(
            f"{target} already exists; edit it, or delete it first to start again from the shipped one"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as src, open(target, "xb") as dst:
            shutil.copyfileobj(src, dst)
    except FileExistsError:
        raise InputError(f"{target} already exists; nothing was copied") from None
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def template_rows(store_root: Path | None) -> list[tuple[str, str]]:
    """(name, where it is used from: "shipped" or the store's copy) for every shipped template,
    then any template only in the store."""
    rows = []
    names = shipped_template_files()
    for name in names:
        rows.append((name, _template_source(store_root, name)))
    if store_root is not None and (store_root / USER_TEMPLATES).is_dir():
        folder = store_root / USER_TEMPLATES
        extra = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2") if p.is_file())
        rows.extend((n, "store only") for n in extra if n not in names)
    return rows
