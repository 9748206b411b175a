"""What only some types of letter say: each a function of the builder, the issues and the
entries, named by its type's row in :mod:`residentlog.documents.letters.types`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from residentlog.documents.markup import md_escape
from residentlog.documents.wording import capitalise, long_date, plural, uk_time
from residentlog.errors import InputError

if TYPE_CHECKING:
    from residentlog.deadlines.engine import Clock
    from residentlog.documents.letters.builder import Builder
    from residentlog.ledger.complaints import ComplaintHistory, ComplaintStep
    from residentlog.ledger.entry import Entry

#: The shipped pack whose rules and facts say which hazards Awaab's Law covers.
AWAABS_LAW = "awaabs-law"


def repair_report(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """Each issue's ``expected``: the timeframes a report of it made now starts."""
    for issue in issues:
        issue["expected"] = b.prospective(issue["kind"], "reported", issue["attrs"])
    return {}


def hazard_report(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """``hazard``: how serious the hazard is, the timeframes it starts, the rooms and the photos.

    Refused (:class:`~residentlog.errors.InputError`) for an issue Awaab's Law did not cover on the
    letter's date: before the Regulations came into force, or a significant hazard of a kind not
    yet in scope (phase 1: damp and mould). Emergency hazards of any kind are covered from phase 1.
    Which entries the Regulations cover is read from the rules of the ``awaabs-law`` pack in force;
    the wording of the refusal from its facts.
    """
    level = next(
        (e["hazard"] for i in issues for e in reversed(i["entries"]) if e["hazard"]),
        "significant",
    )
    for issue in issues:
        _check_awaab_covers(b, issue, issue["attrs"].get("hazard") or level)
    return {
        "hazard": {
            "level": level,
            "expected": b.prospective("damp", "reported", {"hazard": level}),
            "rooms": list(dict.fromkeys(e["rooms"] for i in issues for e in i["entries"] if e["rooms"])),
            "photos": [a for i in issues for a in i["attachments"]],
        }
    }


def _check_awaab_covers(b: Builder, issue: dict[str, Any], level: str) -> None:
    """Refuse a hazard report about ``issue`` (a ``level`` hazard) if Awaab's Law did not cover it today."""
    today = uk_time(b.now).date()
    title = issue["title"]
    versions = [p for p in b.sc.packs if p.id == AWAABS_LAW]
    pack = next((p for p in b.in_force if p.id == AWAABS_LAW), None)
    if pack is None:
        starts = sorted(p.effective_from for p in versions if p.effective_from is not None)
        since = f" (it applies from {long_date(starts[0])})" if starts and starts[0] > today else ""
        raise InputError(
            f"no hazard-report letter for {title}: Awaab's Law was not in force on {long_date(today)}"
            f"{since}; send a repair-report letter, which relies on your landlord's repairing obligations"
        )
    attrs = {**issue["attrs"], "hazard": level}
    if any(rule.match_for(issue["kind"], attrs) is not None for rule in pack.rules):
        return
    scope = b.fact("awaabs-law-significant-hazards")
    covers = f"significant hazards of {scope['value']} only" if scope else "other hazards"
    # The one-line refusal stays short: what later phases add is in the pack's *-planned facts.
    raise InputError(
        f"no hazard-report letter for {title}: on {long_date(today)} Awaab's Law covers emergency "
        f"hazards and {covers} (later phases, not yet dated, add more); send a repair-report letter, "
        "which relies on your landlord's repairing obligations"
    )


def cctv_request(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """``footage``: an hour either side of each incident with a time; ``requests``: earlier asks;
    ``retention``: the retention period (the landlord's pack's, else the default fact) and the
    footage older than it, which may already be deleted."""
    items = []
    taken: set[int] = set()
    for issue in issues:
        for e in issue["entries"]:
            if set(b.views[e["number"]].links) & taken:
                continue  # a later report about an incident already listed
            if (
                e["kind"] in ("contact", "note", "complaint")
                or not e["time"]
                or e["event"] in ("requested", "provided", "refused")
            ):
                continue
            local = uk_time(b.views[e["number"]].occurred)
            start = (local - timedelta(hours=1)).strftime("%H:%M")
            end = (local + timedelta(hours=1)).strftime("%H:%M")
            where = e["camera"] or e["location"]
            age = (uk_time(b.now).date() - local.date()).days
            items.append({"entry": e, "from": start, "to": end, "where": where, "age": age})
            taken.add(e["number"])
    requests = [
        e
        for i in issues
        for e in i["entries"]
        if e["kind"] == "cctv" and e["event"] in ("requested", "provided", "refused")
    ]
    retention = b.fact("cctv-retention-days")
    old: list[dict[str, Any]] = []
    if retention is not None and isinstance(retention["value"], int):
        days = retention["value"]
        old = [f for f in items if f["age"] > days]
        for f in old:
            b.warn(
                f"the footage of {f['entry']['date']} is {plural(f['age'], 'day')} old, more than the "
                f"{days} days {'your landlord keeps footage' if retention['own'] else 'assumed'} "
                f"({retention['pack_id']}, fact {retention['id']}): the letter says it may be gone and "
                "what can still be asked for"
            )
    return {
        "footage": items,
        "requests": requests,
        "retention": {"fact": retention, "old": old, "all_old": bool(items) and len(old) == len(items)}
        if retention is not None
        else None,
    }


def service_charge_query(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """``charges``: each disputed charge with the service's failures in its year; ``s22``: the
    rules for inspecting the accounts; ``s21``: the accounting period a section 21 summary covers
    (only the last one that ended before the request) and the charge years it does not."""
    entries = b.entries(v.num for v in views if v.kind == "service-charge")
    charges = [c for c in entries if c["amount"] or c["service"]]
    return {
        "charges": [_charge_ctx(b, c, views) for c in charges],
        "s22": b.find_rules("service-charge", {"category": "s22-inspection"}),
        "s21": _s21_period(b, [c["charge_year"] for c in charges]),
    }


def _s21_period(b: Builder, years: Sequence[str]) -> dict[str, Any]:
    """The last accounting period (taken as April to March) ended by the letter's date, and the
    charge years in the log that are older than it or not yet ended."""
    today = uk_time(b.now).date()
    start = today.year - 1 if today >= date(today.year, 3, 31) else today.year - 2
    latest = f"{start}/{(start + 1) % 100:02d}"
    older: list[str] = []
    unfinished: list[str] = []
    for label in dict.fromkeys(y for y in years if y):
        bounds = _charge_year_bounds(label)
        if bounds is None:
            continue
        if bounds[0].year < start:
            older.append(label)
        elif bounds[0].year > start:
            unfinished.append(label)
    for label in older:
        b.warn(
            f"section 21 covers only the last accounting period ({latest}, taken as April to March): "
            f"the letter says so for {label} and asks for what can still be had"
        )
    return {
        "latest": latest,
        "period": f"{long_date(date(start, 4, 1))} to {long_date(date(start + 1, 3, 31))}",
        "covered": latest in years,
        "older": older,
        "unfinished": unfinished,
    }


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


def _charge_ctx(b: Builder, charge: dict[str, Any], views: Sequence[Entry]) -> dict[str, Any]:
    """A disputed charge, with the failures of that service the ledger holds in its charge year."""
    from residentlog.ledger.outages import outages

    service = charge["service"].lower()
    kinds = {kind for word, kind in _SERVICE_KINDS if word in service}
    bounds = _charge_year_bounds(charge["charge_year"])
    shown = {v.num for v in views}
    failures = []  # each incident once (ledger/incidents.py), not each entry about it
    spans = {o.incident: o for a in outages(b.sc.incidents) for o in a.outages}
    for incident in b.sc.incidents:
        if incident.kind not in kinds or incident.number not in shown:
            continue
        if bounds is not None:
            # Any part of it in the charge year: an outage by its (known or least) span, else its start.
            span = spans.get(incident.number)
            first = uk_time(incident.started).date()
            last = uk_time(span.end).date() if span is not None else first
            if first > bounds[1] or last < bounds[0]:
                continue
        failures.append({**(b.entry(incident.number) or {}), "reports": incident.report_count})
    return {
        "entry": charge,
        "failures": failures,
        "outages": _year_outages(b, kinds, bounds),
        "period": f"between {long_date(bounds[0])} and {long_date(bounds[1])}" if bounds else "",
        "heading": capitalise(charge["service"] or charge["summary"]),
    }


# -- complaint letters: the complaint's history decides the letter (residentlog.ledger.complaints)


def _current(b: Builder) -> ComplaintHistory | None:
    """The complaint the letter is about: of those selected, the one with the latest step."""
    return max(b.complaints, key=lambda h: (h.latest, h.steps[-1].entry)) if b.complaints else None


def _where(h: ComplaintHistory) -> str:
    return f" (case {h.case})" if h.case else ""


def _step_ctx(b: Builder, step: ComplaintStep | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "date": long_date(step.day),
        "refs": [md_escape(r) for r in step.landlord_refs],
        "entry": b.entry(step.entry),
    }


def history_context(b: Builder, h: ComplaintHistory) -> dict[str, Any]:
    """A complaint's history as a letter describes it: its dates and references, and where it stands."""
    raised = h.raised or h.steps[0]
    if h.referred is not None:
        status = f"I referred it to the Ombudsman on {long_date(h.referred.day)}"
    elif h.final_response is not None:
        status = f"you sent your final (stage 2) response on {long_date(h.final_response.day)}"
    elif h.escalated is not None:
        status = f"I escalated it to stage 2 on {long_date(h.escalated.day)}"
    elif h.stage1_response is not None:
        status = f"you responded at stage 1 on {long_date(h.stage1_response.day)}"
    else:
        status = "it is still open at stage 1"
    refs = [md_escape(r) for r in h.landlord_refs]
    return {
        "case": md_escape(h.case or ""),
        "date": long_date(raised.day),
        "made": h.raised is not None,
        "refs": refs,
        "ref_text": f"your reference{'s' if len(refs) > 1 else ''} {', '.join(refs)}" if refs else "",
        "status": status,
        "open": h.final_response is None and h.referred is None,
        "stage": h.stage,
        "raised": _step_ctx(b, h.raised),
        "stage1_response": _step_ctx(b, h.stage1_response),
        "escalated": _step_ctx(b, h.escalated),
        "final_response": _step_ctx(b, h.final_response),
        "referred": _step_ctx(b, h.referred),
    }


def _complaint_clocks(b: Builder, h: ComplaintHistory) -> list[Clock]:
    nums = set(h.entries)
    return [c for c in b.sc.clocks if c.start_entry in nums and c.rule.party == "landlord"]


def complaint_stage1(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """``earlier``: the complaints the log already holds, each with its date, references and where
    it stands; a new stage 1 complaint names them. One still open is a warning: the same matters
    may belong in that complaint (complaint-stage2) rather than a new one."""
    earlier = [history_context(b, h) for h in b.all_complaints]
    for h, ctx in zip(b.all_complaints, earlier, strict=True):
        if ctx["open"]:
            b.warn(
                f"your log has a complaint still open{_where(h)}, made on {ctx['date']}: if this letter "
                "is about the same matters, escalate that one with a complaint-stage2 letter instead"
            )
    return {"earlier": earlier}


def check_complaint_stage2(b: Builder) -> None:
    """Refuse a stage 2 letter when there is no complaint to escalate, or when the landlord's final
    (stage 2) response already ended its procedure (the next step is the Ombudsman)."""
    h = _current(b)
    if h is None:
        raise InputError(
            "no complaint-stage2 letter: your log has no complaint to escalate; send a complaint-stage1 "
            "letter first (or record the one you made: residentlog add complaint --stage 1 --step raised)"
        )
    final = h.final_response
    if final is not None:
        ref = f" (your reference {', '.join(final.landlord_refs)})" if final.landlord_refs else ""
        raise InputError(
            f"no complaint-stage2 letter: your landlord's final (stage 2) response of {long_date(final.day)}"
            f"{ref} ended its complaints procedure{_where(h)}; send an ombudsman-referral letter instead"
        )


def complaint_stage2(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """A warning when the log already records an escalation, or when stage 1 is still within its
    timeframes (the refusals are :func:`check_complaint_stage2`)."""
    h = _current(b)
    if h is None:
        return {"history": None}
    if h.escalated is not None:
        b.warn(
            f"your log already records an escalation to stage 2 on {long_date(h.escalated.day)}{_where(h)}: "
            "this letter asks again"
        )
    elif h.stage1_response is None and not any(c.late for c in _complaint_clocks(b, h)):
        b.warn(
            f"your log has no stage 1 response{_where(h)}, and no stage 1 timeframe has passed yet: "
            "escalating now may be early"
        )
    return {"history": history_context(b, h)}


def _add_months(day: date, months: int) -> date:
    """The same date ``months`` calendar months later (or that month's last day)."""
    import calendar

    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_ombudsman_referral(b: Builder) -> None:
    """Offered only after the landlord's final (stage 2) response, or once it has missed a
    complaint-handling timeframe (a late clock started by the complaint); refused otherwise, with why."""
    h = _current(b)
    if h is None:
        raise InputError(
            "no ombudsman-referral letter: your log has no complaint to your landlord, and the Ombudsman "
            "considers a complaint only once the landlord has had the chance to answer it; send a "
            "complaint-stage1 letter first"
        )
    clocks = _complaint_clocks(b, h)
    late = [c for c in clocks if c.late]
    final = h.final_response
    if final is None and not late:
        waiting = sorted((c for c in clocks if c.is_open), key=lambda c: c.due_at)
        due = ""
        if waiting:
            c = waiting[0]
            when = long_date(c.due_date) if c.due_date is not None else long_date(uk_time(c.due_at).date())
            due = f"; its next reply is due by {when}"
        raise InputError(
            "no ombudsman-referral letter yet: the Ombudsman considers a complaint after the landlord's "
            f"final (stage 2) response, or once it has missed a complaint-handling timeframe, and your log "
            f"shows neither{_where(h)}{due}"
        )


def ombudsman_referral(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """``time_limit``: when the final response is older than the Ombudsman's time limit (a pack
    fact), the paragraph that leaves room to explain the delay. ``contact``: where to send it, from
    the pack's facts (``None`` if no pack in force gives them). The refusals are
    :func:`check_ombudsman_referral`."""
    h = _current(b)
    if h is None:
        return {"history": None, "time_limit": None, "contact": _ombudsman_contact(b)}
    final = h.final_response
    if h.referred is not None:
        b.warn(
            f"your log already records a referral to the Ombudsman on {long_date(h.referred.day)}"
            f"{_where(h)}: this letter refers it again"
        )
    time_limit = None
    if final is not None:
        limit = b.fact("ombudsman-time-limit-months")
        if limit is not None and isinstance(limit["value"], int):
            ends = _add_months(final.day, limit["value"])
            if uk_time(b.now).date() >= ends:
                time_limit = {
                    "fact": limit,
                    "months": limit["value"],
                    "final": long_date(final.day),
                    "ended": long_date(ends),
                }
                b.warn(
                    f"the final response of {long_date(final.day)} is more than {limit['value']} months "
                    "old: fill in the reasons for the delay in the letter before sending"
                )
    return {
        "history": history_context(b, h),
        "time_limit": time_limit,
        "contact": _ombudsman_contact(b),
    }


def _ombudsman_contact(b: Builder) -> dict[str, Any] | None:
    """The Ombudsman's postal address, email and online form, from the packs' facts."""
    address = b.fact("ombudsman-postal-address")
    if address is None:
        return None
    email = b.fact("ombudsman-email")
    form = b.fact("ombudsman-online-form")
    return {
        "lines": [line.strip() for line in str(address["value"]).split(",") if line.strip()],
        "email": email["value"] if email else "",
        "form": form["value"] if form else "",
    }


def _year_outages(b: Builder, kinds: set[str], bounds: tuple[date, date] | None) -> list[dict[str, Any]]:
    """Each asset of the charged service's outages in the charge year, with the share of the
    year it was known to be out ("at least" where the log lacks an end)."""
    from datetime import datetime, time

    from residentlog.documents.figures import year_downtime
    from residentlog.documents.markup import md_escape
    from residentlog.ledger.outages import outages
    from residentlog.ledger.when import LONDON

    if bounds is None:
        return []
    day = datetime.combine(bounds[0], time(12), tzinfo=LONDON)
    out = []
    for asset in outages(i for i in b.sc.incidents if i.kind in kinds):
        year = year_downtime(asset, day, b.now)
        if year["outages"]:
            out.append({**year, "asset": md_escape(asset.asset), "kind": asset.kind})
    return out
