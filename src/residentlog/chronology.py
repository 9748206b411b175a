"""A dated chronology of the ledger, for handing to a landlord, councillor or the Ombudsman.

Builds the data a chronology template needs from the corrected view of each entry, with every
correction shown openly and late entries flagged, and ends with a checkpoint of the ledger so
a reader can later check the log they were shown is the one that was kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from .ledger import issue_checkpoint
from .profile import load_profile
from .record import decode
from .render import render
from .store import Store
from .views import Filters, list_entries
from .when import format_local, from_rfc3339

LATE = timedelta(days=1)


def chronology_context(
    store: Store,
    now: datetime,
    *,
    cases: Sequence[str] = (),
    kinds: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    views = list_entries(store, Filters(since=since, until=until), now)
    if cases:
        views = [v for v in views if v.record["case"] in cases]
    if kinds:
        views = [v for v in views if v.record["kind"] in kinds]
    checkpoint = issue_checkpoint(store, now)
    exhibits = 0
    entries = []
    for view in views:
        rec = view.record
        occurred = from_rfc3339(rec["occurred_at"])
        recorded = from_rfc3339(rec["recorded_at"] if not view.amended else _first_recorded(store, view.num))
        attachments = []
        for att in rec["attachments"]:
            exhibits += 1
            attachments.append({**att, "exhibit": f"E{exhibits}"})
        entries.append(
            {
                "number": view.num,
                "when": format_local(occurred, rec["occurred_precision"]),
                "kind": rec["kind"],
                "event": _event_label(rec),
                "summary": rec["summary"],
                "details": rec["details"],
                "location": rec["location"],
                "case": rec["case"],
                "refs": rec["refs"],
                "links": rec["links"],
                "attachments": attachments,
                "hash": view.hash,
                "late": (recorded - occurred > LATE) and format_local(recorded),
                "corrections": _corrections(store, view.num) if view.amended else [],
            }
        )
    occurred_all = [from_rfc3339(v.record["occurred_at"]) for v in views]
    return {
        "profile": load_profile(store.root).model_dump(),
        "generated": format_local(now),
        "period": (format_local(min(occurred_all), "day"), format_local(max(occurred_all), "day"))
        if occurred_all
        else None,
        "filters": {"cases": list(cases), "kinds": list(kinds), "since": since, "until": until},
        "by_kind": sorted(Counter(e["kind"] for e in entries).items()),
        "by_case": _by_case(entries),
        "entries": entries,
        "checkpoint": {"text": checkpoint.text(), "size": checkpoint.size, "root": checkpoint.root_b64},
    }


def render_chronology(store: Store, now: datetime, **filters: Any) -> str:
    return render("chronology.md.j2", chronology_context(store, now, **filters), store.root)


def _event_label(rec: dict[str, Any]) -> str:
    fields = rec["fields"]
    if rec["kind"] == "complaint":
        return f"stage {fields.get('stage')} {fields.get('step', '')}".strip()
    return str(fields.get("event") or "")


def _first_recorded(store: Store, num: int) -> str:
    data = store.record_bytes(num)
    return decode(data)["recorded_at"] if data else ""


def _corrections(store: Store, num: int) -> list[dict[str, str]]:
    versions = store.versions(num)[1:]
    out = []
    for _, data in versions:
        rec = decode(data)
        out.append({"on": format_local(from_rfc3339(rec["recorded_at"])), "reason": rec["reason"]})
    return out


def _by_case(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cases: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        if e["case"]:
            cases.setdefault(e["case"], []).append(e)
    return [
        {"name": name, "count": len(items), "first": items[0]["when"], "last": items[-1]["when"]}
        for name, items in sorted(cases.items())
    ]
