"""What only some types of letter say: each a function of the builder, the issues and the
entries, named by its type's row in :mod:`residentlog.documents.letters.types`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from residentlog.documents.wording import capitalise, long_date, uk_time

if TYPE_CHECKING:
    from residentlog.documents.letters.builder import Builder
    from residentlog.ledger.entry import Entry


def repair_report(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """Each issue's ``expected``: the timeframes a report of it made now starts."""
    for issue in issues:
        issue["expected"] = b.prospective(issue["kind"], "reported", issue["attrs"])
    return {}


def hazard_report(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """``hazard``: how serious the hazard is, the timeframes it starts, the rooms and the photos."""
    level = next(
        (e["hazard"] for i in issues for e in reversed(i["entries"]) if e["hazard"]),
        "significant",
    )
    return {
        "hazard": {
            "level": level,
            "expected": b.prospective("damp", "reported", {"hazard": level}),
            "rooms": list(dict.fromkeys(e["rooms"] for i in issues for e in i["entries"] if e["rooms"])),
            "photos": [a for i in issues for a in i["attachments"]],
        }
    }


def cctv_request(b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]) -> dict[str, Any]:
    """``footage``: an hour either side of each incident with a time; ``requests``: earlier asks."""
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
            items.append({"entry": e, "from": start, "to": end, "where": where})
            taken.add(e["number"])
    requests = [
        e
        for i in issues
        for e in i["entries"]
        if e["kind"] == "cctv" and e["event"] in ("requested", "provided", "refused")
    ]
    return {"footage": items, "requests": requests}


def service_charge_query(
    b: Builder, issues: list[dict[str, Any]], views: Sequence[Entry]
) -> dict[str, Any]:
    """``charges``: each disputed charge with the service's failures in its year; ``s22``: the
    rules for inspecting the accounts."""
    charges = [e for e in (b.entry(v.num) for v in views) if e and e["kind"] == "service-charge"]
    charges = [c for c in charges if c["amount"] or c["service"]]
    return {
        "charges": [_charge_ctx(b, c, views) for c in charges],
        "s22": b.find_rules("service-charge", {"category": "s22-inspection"}),
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
