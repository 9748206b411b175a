"""What a letter says about entries, rules and clocks, from one store's ledger and clocks.

:class:`Builder` is made once per letter: it turns entries (:func:`entry_context`, the one place an
:class:`~residentlog.ledger.entry.Entry` becomes what a letter template reads), policy rules and
the deadline engine's clocks into template data, notes which policy packs the letter quotes and
collects the warnings about them.

An entry's context is made only when the letter cites it: lists of entries are
:class:`EntryContexts`, which make each when a template reads it (a case of 25,000 reports, of
which a letter prints two), and what a letter says of all of them is read from the entries
themselves (:func:`cited_refs`; ``issues.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, overload

from residentlog.documents.markup import md_escape
from residentlog.documents.wording import (
    capitalise,
    long_date,
    long_day,
    long_when,
    money,
    one_line,
    plural,
    uk_time,
)

if TYPE_CHECKING:
    from residentlog.deadlines.clocks import StoreClocks
    from residentlog.deadlines.engine import Clock
    from residentlog.deadlines.policy import Fact, Pack, Rule
    from residentlog.documents.letters.types import LetterType
    from residentlog.ledger.complaints import ComplaintHistory
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.store import Store


#: How a letter says that the event stopping a clock happened: "it was fixed", "attended to".
STOP_VERBS: Mapping[str, str] = {
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


_CHANNEL_WORDS: Mapping[str, str] = {
    "phone": "by phone",
    "email": "by email",
    "letter": "by letter",
    "online": "online",
    "in-person": "in person",
    "app": "through the app",
    "social-media": "on social media",
}


@lru_cache(maxsize=4096)
def _day_words(d: date) -> tuple[str, str, str]:
    """A day as letters word it: ``3 September 2019``, ``Tuesday 3 September 2019``, its ISO date.
    Worked out once per day (thousands of entries share a few hundred days)."""
    return long_date(d), long_day(d), d.isoformat()


@lru_cache(maxsize=1024)
def _uk_date(instant: datetime) -> date:
    """The UK day of ``instant``; cached, as most clocks are measured to the same "now"."""
    return uk_time(instant).date()


#: The fields an entry's letter context quotes as text ("" when the entry has none).
_NO_TEXTS: Mapping[str, str] = dict.fromkeys(
    (
        "channel", "priority", "category", "hazard", "rooms", "lift", "door", "camera", "service",
        "charge_year", "stage", "who", "witness", "trapped", "trapped_minutes",
    ),
    "",
)  # fmt: skip


def entry_context(view: Entry, audience: str = "landlord") -> dict[str, Any]:
    """An entry as letters cite it. ``audience`` (landlord or ombudsman) is whose references
    are "your ref"."""
    fields = view.rec.fields  # read only (Entry.fields copies)
    occurred = view.occurred  # read once per entry (Entry keeps it), as the deadline engine read it
    precision = view.occurred_precision
    local = uk_time(occurred)
    date_text, day_text, iso = _day_words(local.date())
    event = view.event or ""
    refs = [{"by": r["by"], "ref": md_escape(r["ref"])} for r in view.refs]
    landlord_refs = [r["ref"] for r in refs if r["by"] == "landlord"]
    other_refs = [f"{r['by']} ref {r['ref']}" for r in refs if r["by"] != "landlord"]
    parts = [f"{'your' if r['by'] == audience else r['by']} ref {r['ref']}" for r in refs]
    amount = fields.get("amount_pence")
    texts = dict(_NO_TEXTS)  # the fields letters quote: those the entry has, made inert
    for name, value in fields.items():
        if name in _NO_TEXTS and value is not None:
            texts[name] = md_escape(str(value))

    return {
        "number": view.num,
        "date": date_text,
        "day": day_text,
        "when": long_when(occurred, precision),
        "time": "" if precision == "day" else f"{local:%H:%M}",
        "iso": iso,
        "kind": view.kind,
        "kind_title": view.kind_title,
        "event": event,
        "event_text": _EVENT_WORDS.get(event, event),
        "summary": md_escape(view.summary),
        "details": md_escape(one_line(view.details)),
        "location": md_escape(view.location),
        "case": md_escape(view.case),
        **texts,
        "channel_text": _CHANNEL_WORDS.get(str(fields.get("channel") or ""), ""),
        "amount": "" if amount is None else money(int(amount)),
        "refs": refs,
        "landlord_refs": landlord_refs,
        "other_refs": other_refs,
        "ref_text": ", ".join(parts),
        "attachments": [
            {"name": md_escape(a["name"]), "sha256": a["sha256"], "size": a["size"]} for a in view.attachments
        ],
        "amended": view.amended,
        "hash": view.hash,
    }


def cited_refs(refs: Iterable[Mapping[str, str]]) -> tuple[list[str], list[str]]:
    """The landlord's references among entries' ``refs`` and the others ("police ref 123"), each
    once, in order: their contexts' ``landlord_refs`` and ``other_refs`` (:func:`entry_context`)
    joined, without making the contexts. Each reference is escaped once, not once per entry."""
    landlord: dict[str, None] = {}
    other: dict[tuple[str, str], None] = {}
    for r in refs:
        if r["by"] == "landlord":
            landlord[r["ref"]] = None
        else:
            other[(r["by"], r["ref"])] = None
    return (
        list(dict.fromkeys(md_escape(ref) for ref in landlord)),
        list(dict.fromkeys(f"{by} ref {md_escape(ref)}" for by, ref in other)),
    )


def _clean_wording(text: str) -> str:
    """A citation's wording for "... says that <wording>.": no "Summary:" label, no final stop."""
    text = one_line(text)
    text = re.sub(r"^(?:summary|example|paraphrase)\s*:\s*", "", text, flags=re.IGNORECASE)
    text = text.rstrip(" .")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


#: "(number low confidence)", "(unconfirmed)": a pack's note on its own source, for the resident.
_CONFIDENCE_NOTE = re.compile(
    r"\s*\(\s*(?P<what>[a-z ]*?)\s*(?:low[- ]confidence|unconfirmed|not confirmed)\s*\)", re.IGNORECASE
)


def plain_section(section: str) -> str:
    """A citation's section as a letter prints it: a pack's note on its confidence in a number
    ("regulation 6 (number low confidence)") becomes plain English ("regulation 6 (regulation
    number not confirmed)"); a letter never says "low confidence"."""

    def plain(m: re.Match[str]) -> str:
        what = m.group("what").strip()
        before = section[: m.start()].lower()
        if what == "number" and "number" not in before:
            noun = next((w for w in ("regulation", "paragraph", "section") if w in before), "")
            what = f"{noun} number".strip()
        return f" ({what + ' ' if what else ''}not confirmed)"

    text = _CONFIDENCE_NOTE.sub(plain, one_line(section))
    return re.sub(r"low[- ]confidence", "not confirmed", text, flags=re.IGNORECASE)


def rule_context(pack: Pack, rule: Rule, own: bool, whose: str = "your") -> dict[str, Any]:
    cit = rule.citation
    section = md_escape(plain_section(cit.section))
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
        "stop_verb": STOP_VERBS.get(rule.stop[0], rule.stop[0]),
    }


def fact_context(pack: Pack, fact: Fact, own: bool, whose: str = "your") -> dict[str, Any]:
    """A pack's fact as a letter quotes it: its value, and its citation worded like a rule's."""
    cit = fact.citation
    section = md_escape(plain_section(cit.section))
    source = f"{whose} policy ({section})" if own else section
    value = fact.value
    return {
        "id": fact.id,
        "title": md_escape(fact.title),
        "value": value if isinstance(value, int) else md_escape(one_line(value)),
        "section": section,
        "wording": md_escape(_clean_wording(cit.wording)),
        "url": cit.url or "",
        "confidence": cit.confidence,
        "confident": cit.confidence in ("high", "medium"),
        "source": source,
        "Source": capitalise(source),
        "pack_id": pack.id,
        "own": own,
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
    days = (_uk_date(end) - uk_time(start).date()).days
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


class Builder:
    """Builds a letter's context from a store's entries and clocks (one instance per letter)."""

    def __init__(self, store: Store, lt: LetterType, sc: StoreClocks, views: Sequence[Entry]) -> None:
        from residentlog.deadlines.clocks import packs_in_force_on, shipped_packs_in_use
        from residentlog.deadlines.workdays import uk_date

        self.store = store
        self.lt = lt
        self.sc = sc
        self.now = sc.now
        self.views = {v.num: v for v in views}
        # Entry number -> its context, made when the letter first cites the entry (EntryContexts).
        self.entry_cache: dict[int, dict[str, Any]] = {}
        # (pack id, version, rule id) -> the rule as letters quote it: made once, whatever the
        # number of clocks of the rule (25,000 reports start 25,000 clocks of one rule).
        self.rule_cache: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.statutory = {p.id for p in shipped_packs_in_use()}
        self.in_force = packs_in_force_on(sc.packs, uk_date(sc.now), sc.nation)
        self.cited: dict[tuple[str, str], Pack] = {}  # (pack id, version) -> pack, for the record
        self.warnings: list[str] = []
        self.whose = "my landlord's" if lt.to == "ombudsman" else "your"
        # Complaint histories (residentlog.ledger.complaints): every case's, and those the letter is about.
        self.all_complaints: list[ComplaintHistory] = []
        self.complaints: list[ComplaintHistory] = []

    # -- entries and rules

    def entry(self, num: int | None) -> dict[str, Any] | None:
        """Entry ``num`` as letters cite it (made once), or ``None`` if the letter may not cite it."""
        if num is None or num not in self.views:
            return None
        return self._entry(num)

    def _entry(self, num: int) -> dict[str, Any]:
        ctx = self.entry_cache.get(num)
        if ctx is None:
            ctx = self.entry_cache[num] = entry_context(self.views[num], self.lt.to)
        return ctx

    def entries(self, nums: Iterable[int]) -> EntryContexts:
        """The entries ``nums`` the letter may cite, in that order, each made when first read."""
        return EntryContexts(self._entry, [self.views[n] for n in nums if n in self.views])

    def rule(self, pack_id: str, pack_version: str, rule: Rule) -> dict[str, Any]:
        key = (pack_id, pack_version, rule.id)
        cached = self.rule_cache.get(key)
        if cached is not None:  # already cited, and warned about, by its first use
            return cached
        self.rule_cache[key] = ctx = self._rule(pack_id, pack_version, rule)
        return ctx

    def _rule(self, pack_id: str, pack_version: str, rule: Rule) -> dict[str, Any]:
        pack = next(p for p in self.sc.packs if p.id == pack_id and p.version == pack_version)
        self.cited[(pack.id, pack.version)] = pack
        ctx = rule_context(pack, rule, own=pack.id not in self.statutory, whose=self.whose)
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

    def fact(self, fact_id: str) -> dict[str, Any] | None:
        """The fact ``fact_id`` in force today, as a letter quotes it, or ``None``.

        The landlord's own packs (adopted, not shipped) are searched first, so a fact in the
        landlord's pack overrides the statutory default.
        """
        from residentlog.deadlines.policy import find_fact
        from residentlog.deadlines.workdays import uk_date

        today = uk_date(self.now)
        own = [p for p in self.in_force if p.id not in self.statutory]
        found = find_fact(own, fact_id, today) or find_fact(
            [p for p in self.in_force if p.id in self.statutory], fact_id, today
        )
        if found is None:
            return None
        pack, fact = found
        self.cited[(pack.id, pack.version)] = pack
        ctx = fact_context(pack, fact, own=pack.id not in self.statutory, whose=self.whose)
        if not ctx["confident"]:
            self._warn(
                f"{plain_section(fact.citation.section)} ({pack.id}, fact {fact.id}) has source "
                f"confidence {fact.citation.confidence}: check it before sending"
            )
        return ctx

    def warn(self, text: str) -> None:
        """Add a warning for the resident (shown when the letter is made, never in it), once."""
        if text not in self.warnings:
            self.warnings.append(text)

    _warn = warn

    # -- clocks

    def clock(self, c: Clock) -> dict[str, Any]:
        rule = self.rule(c.pack_id, c.pack_version, c.rule)
        start = self.entry(c.start_entry)
        stop = self.entry(c.stop_entry)
        hours_rule = c.rule.unit == "hours"
        due = long_when(c.due_at) if c.due_date is None else long_date(c.due_date)
        end = c.stopped_at if c.stopped_at is not None else self.now
        elapsed = _span(c.started_at, end, hours_rule)
        verb = STOP_VERBS.get(stop["event"], stop["event_text"]) if stop is not None else rule["stop_verb"]
        late_by = _late_by(c) if c.late else ""
        unknown = c.status.value == "unknown"
        after = self.entry(c.ended_by) if unknown else None
        if stop is not None:
            outcome = f"{verb} on {stop['when']}" + (
                "" if elapsed == "the same day" else f", {elapsed} later"
            )
        elif unknown:
            outcome = (
                f"my log does not record when it was {rule['stop_verb']}; it broke down again on "
                f"{after['when'] if after else 'a later date'}"
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
        elif unknown:
            prose = f"for {of}, {outcome}"
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
        elif unknown:
            sentence += f" (it was due by {due})"
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

        ``total`` is how many reports the issue has, counting the reports of one incident once
        (a fault reported again is chased, not clocked again): when a rule covers fewer (only the
        reports made once the case was marked an emergency), the tally says so. Clocks of reports
        of incidents are counted as faults reported: "none of the 2 reported faults was fixed in
        time", not "of the 2 reports" when there were 14.
        """
        groups: dict[tuple[str, str, str], list[Clock]] = {}
        for c in clocks:
            if c.rule.party != "landlord":
                continue
            groups.setdefault((c.pack_id, c.pack_version, c.rule_id), []).append(c)
        out: list[dict[str, Any]] = []
        for (pack_id, version, _), items in groups.items():
            rule = self.rule(pack_id, version, items[0].rule)
            ctxs = [self.clock(c) for c in items]
            statuses = Counter(c.status.value for c in items)
            late = statuses["breached"] + statuses["overdue"]
            noun_one, noun_many = _START_NOUNS.get(items[0].rule.start[0], ("item", "items"))
            covers = noun_one == "report"
            if covers and all(c.incident is not None for c in items):
                noun_one, noun_many = "reported fault", "reported faults"
            count = len(items)
            what = plural(count, noun_one, noun_many)
            if total is not None and count != total and covers:
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
            if statuses["unknown"]:
                known = (
                    f"for {statuses['unknown']:,} of the {what} my log does not record when it was {verb} "
                    "before it broke down again"
                )
                tally = f"{tally}; {known}" if tally else capitalise(known)
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
        due: list[dict[str, Any]] = []
        started: set[tuple[str, str, str]] = set()
        for c in clocks:
            if c.rule.party != "landlord":
                continue
            started.add((c.pack_id, c.pack_version, c.rule_id))
            when = long_when(c.due_at) if c.due_date is None else long_day(c.due_date)
            due.append({"rule": self.rule(c.pack_id, c.pack_version, c.rule), "due": when})
        then: list[dict[str, Any]] = []
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


class EntryContexts(Sequence[dict[str, Any]]):
    """Entries as letters cite them (:meth:`Builder.entry`), each made the first time it is read.

    An issue lists every entry of its case, its reports and its fixes (a leak reported 25,000
    times), for any template to use; a letter prints a few of them. What is worked out over all of
    them (counts, references, the latest priority) reads the entries themselves (``views``), and
    :meth:`where` picks entries by what they record without making their contexts."""

    __slots__ = ("_cite", "views")

    def __init__(self, cite: Callable[[int], dict[str, Any]], views: Sequence[Entry]) -> None:
        self._cite = cite  # entry number -> its context, made once (Builder.entry)
        self.views = views

    def __len__(self) -> int:
        return len(self.views)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> EntryContexts: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | EntryContexts:
        if isinstance(index, slice):
            return EntryContexts(self._cite, self.views[index])
        return self._cite(self.views[index].num)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        cite = self._cite
        for v in self.views:
            yield cite(v.num)

    def where(self, keep: Callable[[Entry], bool]) -> EntryContexts:
        """Those of these entries ``keep`` is true of, in order."""
        return EntryContexts(self._cite, [v for v in self.views if keep(v)])
