"""A dated chronology of the ledger, for handing to a landlord, councillor or the Ombudsman.

:func:`chronology_context` gathers everything a chronology shows, as plain data, from the
corrected view of each entry and from the deadline engine:

* a cover summary: who, which landlord, the period covered, counts by kind and by case, every
  policy timeframe missed (breached, or overdue now) and by how much with the rule's source,
  and the problems that have run longest;
* a chart of incidents per month per kind (:mod:`residentlog.documents.chart`);
* the entries as numbered paragraphs in date order (or grouped by case), each with its local
  time, kind, summary, details, facts, references, attachments as numbered exhibits,
  corrections shown openly (when, why, and what the entry said before), and the time it was
  written down when that was more than a day after it happened;
* an index of exhibits (name, size, SHA-256) and, at the end, a checkpoint of the ledger and
  how to verify it.

:func:`render_context` turns that data into Markdown, HTML (one self-contained, printable
file), PDF (typeset by Typst from ``chronology.typ`` and :func:`typst_data`), CSV or JSON.
Paragraph numbers and exhibit numbers follow the order of the document, so a letter or a
caseworker can cite "paragraph 12" or "exhibit E03" in it.

What the chart and the summary count are *incidents* (:mod:`residentlog.ledger.incidents`): the
entries about one occurrence (the door seen broken on Monday and reported on Tuesday, a door
that did not lock for a year and was reported twelve times) count once, in the month it began,
with the number of times it was reported. The summary leads with the worst harms the entries
record (:mod:`residentlog.ledger.impact`) and gives each communal service's outages
(:mod:`residentlog.ledger.outages`), with a chart of downtime per month.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from residentlog.documents.chart import (
    Month,
    Series,
    axis_months,
    month_label,
    month_range,
    stacked_bars_svg,
)
from residentlog.documents.render import render
from residentlog.documents.wording import money, noun, times, uk_time
from residentlog.errors import InputError, NotFound
from residentlog.ledger.entry import Entry
from residentlog.ledger.record import decode
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from residentlog.ledger.vocabulary import INCIDENT_KINDS, KINDS, kind_title
from residentlog.ledger.when import LONDON, format_local, format_local_short, from_rfc3339, to_rfc3339
from residentlog.text import visible

if TYPE_CHECKING:
    from residentlog.deadlines.clocks import StoreClocks
    from residentlog.deadlines.policy import Rule
    from residentlog.ledger.incidents import Incident
    from residentlog.ledger.outages import AssetOutages

LATE = timedelta(days=1)
FORMATS = ("md", "html", "pdf", "csv", "json")
TEXT_FORMATS = ("md", "html", "csv", "json")
JSON_FORMAT = "residentlog-chronology"
JSON_VERSION = 1

CSV_COLUMNS = (
    "paragraph",
    "entry",
    "occurred_local",
    "occurred_at_utc",
    "precision",
    "recorded_at_utc",
    "recorded_late",
    "kind",
    "event",
    "case",
    "summary",
    "details",
    "location",
    "facts",
    "references",
    "links",
    "exhibits",
    "tags",
    "corrections",
    "correction_reasons",
    "hash",
)

# Kind-specific fields shown as facts, with their labels; event, step and stage are in the
# entry's event label instead.
_FACT_LABELS: dict[str, str] = {
    "channel": "Channel",
    "priority": "Priority",
    "category": "Category",
    "lift": "Lift",
    "out_of_service": "Out of service",
    "trapped": "People trapped",
    "trapped_minutes": "Trapped for",
    "door": "Door",
    "witness": "Witnessed",
    "camera": "Camera",
    "rooms": "Rooms",
    "hazard": "Hazard",
    "amount_pence": "Amount",
    "charge_year": "Charge year",
    "service": "Service",
    "direction": "Direction",
    "who": "With",
}
_NOT_FACTS = frozenset({"event", "step", "stage"})


# ---------------------------------------------------------------------------------------------
# The data


def chronology_context(
    store: Store,
    now: datetime,
    *,
    cases: Sequence[str] = (),
    kinds: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    by_case: bool = False,
) -> dict[str, Any]:
    """Everything a chronology shows, as plain data for the templates and the CSV/JSON writers.

    Raises :class:`~residentlog.errors.NotFound` for a ``--case`` no entry belongs to, and
    :class:`~residentlog.errors.VerificationFailed` if the ledger does not verify (no checkpoint
    is issued for a damaged ledger).
    """
    from residentlog.background import Background
    from residentlog.deadlines.clocks import compute_for_store
    from residentlog.integrity.issue import issue_checkpoint
    from residentlog.integrity.verify import verify_at
    from residentlog.ledger.profile import load_profile

    # The checkpoint needs the whole ledger verified: done meanwhile, on the other core if any.
    with Background(verify_at, store.root) as verifying:
        sc = compute_for_store(store, now)
        known_cases = sorted({c.case for c in sc.cases if c.case})
        for name in cases:
            if name not in known_cases:
                hint = f"; cases: {', '.join(known_cases)}" if known_cases else "; no entry has a case yet"
                raise NotFound(f"no entries in case {name!r}{hint}", field="case")
        all_views = list_entries(store, Filters(), now)
        views = list_entries(store, Filters(since=since, until=until), now) if (since or until) else all_views
        if cases:
            views = [v for v in views if v.case in cases]
        if kinds:
            views = [v for v in views if v.kind in kinds]
        checkpoint = issue_checkpoint(store, now, report=verifying.result())

    groups = _groups(views, by_case)
    ordered = [v for _, members in groups for v in members]
    paragraphs = {v.num: i for i, v in enumerate(ordered, 1)}
    exhibits = _exhibits(ordered)
    entries = {v.num: _entry(store, v, paragraphs, exhibits) for v in ordered}
    for exhibit in exhibits.values():
        exhibit["paragraphs"] = [paragraphs[n] for n in exhibit["entries"]]

    in_order = [entries[v.num] for v in ordered]
    from residentlog.documents.reconcile import chronology_part

    landlord = chronology_part(
        store, now, sc, all_views, paragraphs, views if (cases or kinds or since or until) else None
    )
    occurred_all = [v.occurred for v in views]
    profile = load_profile(store.root)
    selected = {v.num for v in views}
    return {
        "title": "Chronology of events",
        "profile": profile.model_dump(),
        "generated": format_local(now),
        "generated_at": to_rfc3339(now),
        "period": (format_local(min(occurred_all), "day"), format_local(max(occurred_all), "day"))
        if occurred_all
        else None,
        "period_dates": (_local_date(min(occurred_all)), _local_date(max(occurred_all)))
        if occurred_all
        else None,
        "filters": {"cases": list(cases), "kinds": list(kinds), "since": since, "until": until},
        "by_case_mode": by_case,
        "exhibit_links": False,  # the bundle links each exhibit to its file beside the chronology
        "kind_titles": {k.name: k.title for k in KINDS.values()},
        "by_kind": sorted(Counter(e["kind"] for e in in_order).items()),
        "by_case": _by_case(in_order),
        "problems": _problems(sc, {e["case"] for e in in_order if e["case"]}),
        **_missed(sc, selected, paragraphs),
        **_case_figures(sc, selected, paragraphs, now),
        "chart": _chart([i for i in sc.incidents if i.number in selected]),
        "groups": [
            {"case": case, "title": _group_title(case, by_case), "entries": [entries[v.num] for v in members]}
            for case, members in groups
        ],
        "entries": in_order,
        "exhibits": sorted(exhibits.values(), key=lambda x: x["index"]),
        "warnings": list(sc.warnings),
        **landlord,  # "reconciliation": the landlord's records against the log, if imported
        "checkpoint": {
            "text": checkpoint.text(),
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root": checkpoint.root_b64,
            "note": checkpoint.note or "",  # the signed note: the three lines and a signature
            "signed": checkpoint.signed_text(),
            "vkey": checkpoint.vkey or "",  # the key that checks the signature
            "issued": format_local(now),
            "issued_at": to_rfc3339(now),
        },
    }


def _local_date(instant: datetime) -> str:
    return uk_time(instant).date().isoformat()


def _groups(views: Sequence[Entry], by_case: bool) -> list[tuple[str | None, list[Entry]]]:
    """One group of everything, or one per case (in order of its first entry), no case last."""
    if not by_case:
        return [(None, list(views))]
    groups: dict[str, list[Entry]] = {}
    loose: list[Entry] = []
    for v in views:
        if v.case:
            groups.setdefault(v.case, []).append(v)
        else:
            loose.append(v)
    out: list[tuple[str | None, list[Entry]]] = list(groups.items())
    if loose:
        out.append((None, loose))
    return out


def _group_title(case: str | None, by_case: bool) -> str:
    if not by_case:
        return ""
    return f"Case {case}" if case else "Entries not in a case"


def _exhibits(ordered: Sequence[Entry]) -> dict[str, dict[str, Any]]:
    """Each distinct attached file (by SHA-256) as an exhibit, numbered in document order."""
    found: dict[str, dict[str, Any]] = {}
    for v in ordered:
        for att in v.attachments:
            item = found.get(att["sha256"])
            if item is None:
                item = found[att["sha256"]] = {**att, "index": len(found) + 1, "entries": []}
            if v.num not in item["entries"]:
                item["entries"].append(v.num)
    width = max(2, len(str(len(found))))
    for item in found.values():
        item["exhibit"] = f"E{item['index']:0{width}d}"
        item["file"] = f"exhibits/{exhibit_file_name(item['exhibit'], item['name'])}"
    return found


def exhibit_file_name(exhibit: str, name: str) -> str:
    """``E01-front-door.png``: the exhibit number and the attachment's name, made safe.

    Only ASCII letters, digits, ``.``, ``-`` and ``_`` survive (accents are dropped, anything else
    becomes ``-``); no folders, no leading dots, at most 60 characters before an extension of at
    most 10. A name with nothing left becomes ``attachment``. The exhibit number in front keeps
    every name distinct and clear of names that Windows reserves.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = ascii_name.rpartition(".")
    if not dot or not base.rpartition(".")[0].strip("."):  # no extension, or a name like ".bashrc"
        stem, ext = ascii_name, ""
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:10]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"([-._])[-._]+", r"\1", stem).strip("-._")[:60].rstrip("-._") or "attachment"
    return f"{exhibit}-{stem}.{ext}" if ext else f"{exhibit}-{stem}"


def _entry(
    store: Store, view: Entry, paragraphs: Mapping[int, int], exhibits: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    # Only an amended entry has earlier versions to show; reading them scans the later records,
    # so it is done for those alone (once per entry it made chronologies quadratic).
    versions = [decode(data) for _, data in store.versions(view.num)] if view.versions > 1 else []
    versions = versions or [view.record]
    occurred = view.occurred
    precision = view.occurred_precision
    recorded = from_rfc3339(versions[0]["recorded_at"])
    latest_possible = occurred + (timedelta(days=1) if precision == "day" else timedelta(0))
    late = recorded - latest_possible > LATE
    late_days = (uk_time(recorded).date() - uk_time(occurred).date()).days
    attachments = [
        {
            "exhibit": exhibits[att["sha256"]]["exhibit"],
            "file": exhibits[att["sha256"]]["file"],
            "name": att["name"],
            "size": att["size"],
            "sha256": att["sha256"],
            "media_type": att["media_type"],
        }
        for att in view.attachments
    ]
    return {
        "paragraph": paragraphs[view.num],
        "number": view.num,
        "when": format_local(occurred, precision),
        "when_short": format_local_short(occurred, precision),
        "occurred_at": view.occurred_at,
        "precision": precision,
        "recorded": format_local(recorded),
        "recorded_at": versions[0]["recorded_at"],
        "late": late and format_local(recorded),
        "late_days": late_days if late else 0,
        "kind": view.kind,
        "kind_title": view.kind_title,
        "event": _event_label(view),
        "summary": view.summary,
        "details": view.details,
        "details_paragraphs": _paragraphs(view.details),
        "location": view.location,
        "case": view.case or None,
        "tags": view.tags,
        "facts": _facts(view.fields),
        "fields": view.fields,
        "refs": view.refs,
        "links": view.links,
        "see_also": [{"number": n, "paragraph": paragraphs.get(n)} for n in view.links],
        "attachments": attachments,
        "hash": view.hash,
        "versions": view.versions,
        "corrections": _corrections(versions),
    }


def _event_label(entry: Entry) -> str:
    """What the entry records (a complaint's with its stage: ``stage 1 raised``), or ``""``."""
    event = entry.event or ""
    if entry.kind == "complaint":
        return f"stage {entry.fields.get('stage')} {event}".strip()
    return event


def _paragraphs(text: str) -> list[list[str]]:
    """Details as paragraphs (split at blank lines), each a list of its lines."""
    out: list[list[str]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip("\n").split("\n")]
        if any(lines):
            out.append(lines)
    return out


def _fact_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "amount_pence" and isinstance(value, int):
        return money(value)
    if key == "trapped_minutes":
        return f"{value} {noun(value, 'minute')}"
    if key == "direction":
        return {"out": "from the resident", "in": "to the resident"}.get(str(value), str(value))
    return str(value)


def _facts(fields: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {"label": _FACT_LABELS.get(key, key.replace("_", " ").capitalize()), "value": _fact_value(key, value)}
        for key, value in fields.items()
        if key not in _NOT_FACTS and value is not None
    ]


# ---------------------------------------------------------------------------------------------
# Corrections: when, why, and what changed


def _corrections(versions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for before, after in itertools.pairwise(versions):
        out.append(
            {
                "on": format_local(from_rfc3339(after["recorded_at"])),
                "at": after["recorded_at"],
                "reason": after["reason"],
                "changes": _changes(before, after),
            }
        )
    return out


def _shown(key: str, rec: Mapping[str, Any]) -> str:
    value = rec[key]
    if key == "occurred_at":
        return format_local(from_rfc3339(value), rec["occurred_precision"])
    if key in ("tags", "links"):
        return ", ".join(str(v) for v in value)
    if key == "refs":
        return "; ".join(f"{r['by']} {r['ref']}" for r in value)
    if key == "attachments":
        return ", ".join(a["name"] for a in value)
    return str(value)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, str]]:
    """What a correction changed: one item per field, with the value before and after."""
    labels = {
        "occurred_at": "when it happened",
        "kind": "kind",
        "summary": "summary",
        "details": "details",
        "location": "where",
        "case": "case",
        "tags": "tags",
        "links": "linked entries",
        "refs": "references",
        "attachments": "attachments",
    }
    out = []
    for key, label in labels.items():
        changed = before[key] != after[key]
        if key == "occurred_at":
            changed = changed or before["occurred_precision"] != after["occurred_precision"]
        if changed:
            out.append(
                {
                    "field": label,
                    "was": _shown(key, before) or "(none)",
                    "now": _shown(key, after) or "(none)",
                }
            )
    old, new = before["fields"], after["fields"]
    for key in list(dict.fromkeys([*old, *new])):
        if old.get(key) != new.get(key):
            label = _FACT_LABELS.get(key, key).lower() if key not in _NOT_FACTS else key
            was = _fact_value(key, old[key]) if key in old else "(none)"
            now = _fact_value(key, new[key]) if key in new else "(none)"
            out.append({"field": label, "was": was, "now": now})
    return out


# ---------------------------------------------------------------------------------------------
# Cases and clocks


def _by_case(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cases: dict[str, list[Mapping[str, Any]]] = {}
    for e in entries:
        if e["case"]:
            cases.setdefault(e["case"], []).append(e)
    return [
        {
            "name": name,
            "count": len(items),
            "first": min(items, key=lambda e: (e["occurred_at"], e["number"]))["when"],
            "last": max(items, key=lambda e: (e["occurred_at"], e["number"]))["when"],
        }
        for name, items in sorted(cases.items())
    ]


def _problems(sc: StoreClocks, names: set[str]) -> list[dict[str, Any]]:
    """Every case in the selection, longest-running first, with its whole history's figures."""
    out: list[dict[str, Any]] = []
    for s in sc.cases:
        if s.case not in names:
            continue
        first = s.first_report
        out.append(
            {
                "name": s.case,
                "kinds": ", ".join(kind_title(k) for k in s.kinds),
                "entries": len(s.entries),
                "first_report": format_local(first[1], sc.precisions.get(first[0], "minute"))
                if first
                else "",
                "first_report_entry": first[0] if first else None,
                "reports": s.report_count,
                "incidents": len(sc.case_incidents(s.case)),
                "recurrences": s.recurrences,
                "open": s.is_open,
                "closed": format_local(s.closed_at, "day") if s.closed_at else "",
                "days_open": s.days_open,
            }
        )
    out.sort(key=lambda p: (-p["days_open"], p["name"]))
    return out


def _day(d: date) -> str:
    return format_local(datetime.combine(d, time(12), tzinfo=LONDON), "day")


def _missed(sc: StoreClocks, selected: set[int], paragraphs: Mapping[int, int]) -> dict[str, Any]:
    """Every clock started by a selected entry that was missed (breached) or is overdue now."""
    clocks = [c for c in sc.clocks if c.start_entry in selected]
    counts = Counter(c.status.value for c in clocks)
    sources: dict[tuple[str, str, str], dict[str, Any]] = {}
    packs = {(p.id, p.version): p for p in sc.packs}
    missed = []
    for c in clocks:
        if not c.late:
            continue
        key = (c.pack_id, c.pack_version, c.rule_id)
        if key not in sources:
            cit = c.citation
            pack = packs.get((c.pack_id, c.pack_version))
            sources[key] = {
                "n": len(sources) + 1,
                "title": c.title,
                "allowed": _allowed(c.rule),
                "section": cit.section,
                "wording": cit.wording,
                "url": cit.url or "",
                "document": cit.document or "",
                "confidence": str(cit.confidence),
                "pack_title": c.pack_title,
                "pack_version": c.pack_version,
                "example": bool(pack is not None and pack.example),
            }
        due = f"end of {_day(c.due_date)}" if c.due_date is not None else format_local(c.due_at)
        if c.extension_entry is not None:
            due += f" (extended, entry {c.extension_entry})"
        precision = sc.precisions.get
        missed.append(
            {
                "case": c.case or "",
                "rule": c.title,
                "party": c.party,
                "allowed": _allowed(c.rule),
                "source": sources[key]["n"],
                "started": format_local(c.started_at, precision(c.start_entry, "minute")),
                "start_entry": c.start_entry,
                "start_paragraph": paragraphs.get(c.start_entry),
                "due": due,
                "stopped": format_local(c.stopped_at, precision(c.stop_entry, "minute"))
                if c.stop_entry is not None and c.stopped_at is not None
                else "",
                "stop_entry": c.stop_entry,
                "stop_paragraph": paragraphs.get(c.stop_entry) if c.stop_entry is not None else None,
                "status": c.status.value,
                "by": c.status_text.split(" by ", 1)[-1],
                "late_seconds": int(c.exact.total_seconds()),
            }
        )
    sources_by_n = {s["n"]: s for s in sources.values()}
    groups: dict[int, dict[str, Any]] = {}
    for m in missed:
        group = groups.setdefault(
            m["source"], {"source": sources_by_n[m["source"]], "rows": [], "breached": 0, "overdue": 0}
        )
        group["rows"].append(m)
        group[m["status"]] += 1
    return {
        "missed": missed,
        "missed_by_rule": list(groups.values()),
        "clock_counts": {
            "total": len(clocks),
            "met": counts["met"],
            "breached": counts["breached"],
            "overdue": counts["overdue"],
            "running": counts["running"],
            "unknown": counts["unknown"],
        },
        "sources": list(sources.values()),
    }


def _allowed(rule: Rule) -> str:
    text = rule.allowed.describe()
    if rule.extension is not None:
        text += f" (extendable, {rule.extension.describe()})"
    return text


# ---------------------------------------------------------------------------------------------
# Incidents per month


def _case_figures(
    sc: StoreClocks, selected: set[int], paragraphs: Mapping[int, int], now: datetime
) -> dict[str, Any]:
    """The worst harms first, incidents and how often they were reported, and outages of
    communal services with a chart of downtime per month, for the selected entries."""
    from residentlog.documents.figures import harm_text, incidents_text, outage_text
    from residentlog.ledger.outages import outages

    incidents = [i for i in sc.incidents if i.number in selected]
    assets = outages(incidents)
    worst = [
        {
            "paragraph": paragraphs.get(h.num),
            "number": h.num,
            "when": format_local(h.entry.occurred, h.entry.occurred_precision),
            "summary": h.entry.summary,
            "harms": harm_text(h),
        }
        for h in sc.harms
        if h.num in selected
    ]
    return {
        "worst": worst,
        "incident_counts": {
            "incidents": len(incidents),
            "reports": sum(i.report_count for i in incidents),
            "text": incidents_text(incidents),
        },
        "outages": [{"asset": a.asset, "kind": a.kind, "text": outage_text(a)} for a in assets],
        "downtime_chart": _downtime_chart(assets, now),
    }


def _downtime_chart(assets: Sequence[AssetOutages], now: datetime) -> dict[str, Any] | None:
    """The share of each month each asset was known to be out of service (a lower bound where the
    log does not say when it came back), as a chart and a table."""
    shares = [(a, {m: v * 100 for m, v in a.downtime_by_month(now).items() if v >= 0.0005}) for a in assets]
    shares = [(a, by_month) for a, by_month in shares if by_month]
    if not shares:
        return None
    # The bars in whole percent (at least 1 for any downtime, so none vanishes); the table to 0.1.
    series = [
        Series(a.kind, a.asset, {m: max(1, round(v)) for m, v in by_month.items()}) for a, by_month in shares
    ]
    every = sorted({m for _, by_month in shares for m in by_month})
    months = axis_months(every[0], every[-1], every)
    span = month_label(every[0]) + (f" to {month_label(every[-1])}" if len(every) > 1 else "")
    title = f"Out of service, % of each month, {span}"
    return {
        "title": title,
        "svg": stacked_bars_svg(months, series, title=title, unit="% of month", stacked=False),
        "assets": [a.asset for a, _ in shares],
        "rows": [
            {"month": month_label(m), "percents": [f"{by_month.get(m, 0.0):.1f}" for _, by_month in shares]}
            for m in every
        ],
        "at_least": any(a.unknown_ends for a, _ in shares),
    }


def _chart(incidents: Sequence[Incident]) -> dict[str, Any] | None:
    """Incidents per month per kind (each in the month it began): the SVG, a table of the same
    numbers, and totals per kind. The axis runs over the incidents shown, with long empty runs
    broken out (:func:`residentlog.documents.chart.axis_months`)."""
    counts: dict[str, Counter[Month]] = {}
    for i in incidents:
        local = uk_time(i.started)
        counts.setdefault(i.kind, Counter())[(local.year, local.month)] += 1
    if not counts:
        return None
    series = [Series(k, kind_title(k), counts[k]) for k in INCIDENT_KINDS if k in counts]
    every = [m for s in series for m in s.counts]
    first, last = min(every), max(every)
    months = axis_months(first, last, every)
    totals = []
    for s in series:
        lo, hi = min(s.counts), max(s.counts)
        span = len(month_range(lo, hi))
        totals.append(
            {
                "kind": s.key,
                "title": s.label,
                "count": s.total,
                "reports": (reports := sum(i.report_count for i in incidents if i.kind == s.key)),
                "reports_text": f"reported {times(reports)}" if reports else "not reported",
                "first": month_label(lo),
                "last": month_label(hi),
                "months": span,
                "months_with": len(s.counts),
            }
        )
    title = f"Incidents per month, {month_label(first)} to {month_label(last)}"
    return {
        "title": title,
        "svg": stacked_bars_svg(months, series, title=title),
        "kinds": [{"kind": s.key, "title": s.label} for s in series],
        "rows": [
            {"month": month_label(m), "counts": [s.counts.get(m, 0) for s in series]}
            for m in month_range(first, last)
            if any(s.counts.get(m, 0) for s in series)
        ],
        "totals": totals,
        "bars": sum(len(s.counts) for s in series),
    }


# ---------------------------------------------------------------------------------------------
# Output


def render_context(context: Mapping[str, Any], fmt: str, store: Store | None = None) -> str | bytes:
    """The chronology in ``fmt``: text for md, html, csv and json; bytes for pdf."""
    root = store.root if store is not None else None
    if fmt == "md":
        return render("chronology.md.j2", dict(context), root)
    if fmt == "html":
        return render("chronology.html.j2", dict(context), root)
    if fmt == "pdf":
        from residentlog.documents.pdf import typst_to_pdf
        from residentlog.documents.render import template_path

        template = template_path(root, TYPST_TEMPLATE)
        return typst_to_pdf(template, typst_data(context), timestamp=from_rfc3339(context["generated_at"]))
    if fmt == "csv":
        return to_csv(context)
    if fmt == "json":
        return to_json(context)
    raise InputError(f"choose one of {', '.join(FORMATS)}, not {fmt!r}", field="format")


#: The Typst template of the PDF chronology (a store's own ``templates/`` copy wins).
TYPST_TEMPLATE = "chronology.typ"


def typst_data(context: Mapping[str, Any]) -> dict[str, Any]:
    """What ``chronology.typ`` shows, as JSON-ready data: the context's values the HTML template
    uses, every string with control and bidi characters shown as notation (as every Jinja
    output is), so the template shows them as text and nothing hidden reaches the PDF."""
    profile = context["profile"]
    kind_titles = context["kind_titles"]
    chart, downtime = context["chart"], context["downtime_chart"]
    cp = context["checkpoint"]
    exhibit_keys = ("exhibit", "file", "name", "size", "sha256")
    data = {
        "title": context["title"],
        "profile": {k: profile.get(k) for k in ("name", "address", "landlord", "tenancy_ref")},
        "generated": context["generated"],
        "period": context["period"],
        "filters": context["filters"],
        "by_case_mode": context["by_case_mode"],
        "exhibit_links": context["exhibit_links"],
        "entry_count": len(context["entries"]),
        "warnings": context["warnings"],
        "worst": [
            {k: w[k] for k in ("paragraph", "number", "when", "summary", "harms")} for w in context["worst"]
        ],
        "incident_counts": {k: context["incident_counts"][k] for k in ("incidents", "text")},
        "outages": [{"text": o["text"]} for o in context["outages"]],
        "by_kind": [{"title": kind_titles.get(k, k), "count": n} for k, n in context["by_kind"]],
        "by_case": context["by_case"],
        "problems": context["problems"],
        "missed": [{"status": m["status"]} for m in context["missed"]],
        "missed_by_rule": context["missed_by_rule"],
        "clock_counts": context["clock_counts"],
        "sources": context["sources"],
        "chart": None if chart is None else {k: chart[k] for k in ("title", "svg", "totals")},
        "downtime_chart": None
        if downtime is None
        else {k: downtime[k] for k in ("title", "svg", "at_least")},
        "reconciliation": context.get("reconciliation"),
        "groups": [
            {"title": g["title"], "entries": [_typst_entry(e) for e in g["entries"]]}
            for g in context["groups"]
        ],
        "exhibits": [
            {**{k: x[k] for k in exhibit_keys}, "paragraphs": x["paragraphs"], "entries": x["entries"]}
            for x in context["exhibits"]
        ],
        "checkpoint": {k: cp[k] for k in ("issued", "size", "root", "signed", "vkey")},
    }
    result: dict[str, Any] = _json_ready(data)
    return result


def _typst_entry(e: Mapping[str, Any]) -> dict[str, Any]:
    corrections = [
        {
            "on": c["on"],
            "reason": c["reason"],
            "changes": [{"field": ch["field"], "was": ch["was"]} for ch in c["changes"]],
        }
        for c in e["corrections"]
    ]
    return {
        **{
            k: e[k] for k in ("paragraph", "number", "when", "summary", "kind_title", "event", "case", "tags")
        },
        **{
            k: e[k]
            for k in ("location", "facts", "refs", "see_also", "details_paragraphs", "late_days", "hash")
        },
        "late": e["late"] or None,
        "attachments": [
            {k: a[k] for k in ("exhibit", "file", "name", "size", "sha256")} for a in e["attachments"]
        ],
        "corrections": corrections,
        # How long the entry is, roughly: the template lets a long one break across pages.
        "details_size": len(e["details"]),
        "corrections_size": sum(len(ch["was"]) + 80 for c in e["corrections"] for ch in c["changes"]),
    }


def _json_ready(value: Any) -> Any:
    """``value`` with tuples as lists, every string shown as :func:`visible` shows it (newlines and
    tabs kept), and anything that is not JSON as its text."""
    if isinstance(value, str):
        return visible(value, multiline=True)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return visible(str(value), multiline=True)


def render_chronology(store: Store, now: datetime, *, fmt: str = "md", **filters: Any) -> str:
    """A text chronology (md, html, csv or json) of the store's entries matching the filters."""
    if fmt not in TEXT_FORMATS:
        raise InputError(f"{fmt!r} is not a text format ({', '.join(TEXT_FORMATS)})", field="format")
    result = render_context(chronology_context(store, now, **filters), fmt, store)
    assert isinstance(result, str)
    return result


def _json_entry(e: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "paragraph": e["paragraph"],
        "number": e["number"],
        "kind": e["kind"],
        "event": e["event"] or None,
        "case": e["case"] or None,
        "occurred_at": e["occurred_at"],
        "occurred_precision": e["precision"],
        "occurred_local": e["when"],
        "recorded_at": e["recorded_at"],
        "recorded_late": bool(e["late"]),
        "summary": e["summary"],
        "details": e["details"],
        "location": e["location"],
        "tags": e["tags"],
        "fields": e["fields"],
        "refs": e["refs"],
        "links": e["links"],
        "exhibits": [
            {k: a[k] for k in ("exhibit", "name", "size", "sha256", "media_type")} for a in e["attachments"]
        ],
        "corrections": len(e["corrections"]),
        "correction_notes": [{"at": c["at"], "reason": c["reason"]} for c in e["corrections"]],
        "hash": e["hash"],
    }


def to_json(context: Mapping[str, Any]) -> str:
    """One object per entry (corrected values, correction count), the exhibits and the checkpoint."""
    profile = context["profile"]
    period = context["period_dates"]
    cp = context["checkpoint"]
    data = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "generated_at": context["generated_at"],
        "resident": {k: profile[k] for k in ("name", "address", "landlord", "tenancy_ref")},
        "selection": {**context["filters"], "by_case": context["by_case_mode"]},
        "period": None if period is None else {"from": period[0], "to": period[1]},
        "counts": {
            "entries": len(context["entries"]),
            "by_kind": dict(context["by_kind"]),
            "by_case": {c["name"]: c["count"] for c in context["by_case"]},
            "incidents": context["incident_counts"]["incidents"],
            "reports": context["incident_counts"]["reports"],
        },
        "worst": [{"entry": w["number"], "harms": w["harms"]} for w in context["worst"]],
        "outages": [o["text"] for o in context["outages"]],
        "entries": [_json_entry(e) for e in context["entries"]],
        "exhibits": [
            {
                "exhibit": x["exhibit"],
                "name": x["name"],
                "file": x["file"],
                "size": x["size"],
                "sha256": x["sha256"],
                "media_type": x["media_type"],
                "entries": x["entries"],
            }
            for x in context["exhibits"]
        ],
        "checkpoint": {
            "origin": cp["origin"],
            "size": cp["size"],
            "root": cp["root"],
            "issued_at": cp["issued_at"],
            "text": cp["text"],
            "note": cp["note"],
            "vkey": cp["vkey"],
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def csv_cell(value: Any) -> Any:
    """A CSV cell: control characters shown as ``\\x1b`` notation (newlines and tabs kept, the
    cell is quoted), and text a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return) gets a leading apostrophe. The one CSV escape."""
    if not isinstance(value, str):
        return value
    value = visible(value, multiline=True)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(context: Mapping[str, Any]) -> str:
    """One row per entry, corrected values, for spreadsheets (UTF-8 with a BOM, CRLF lines).

    A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'`` so that a spreadsheet shows it as text instead of running it as a formula, and control
    characters are shown as ``\\x1b`` notation (:func:`csv_cell`); the JSON output is exact.
    """
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in context["entries"]:
        row = [
            e["paragraph"],
            e["number"],
            e["when_short"],
            e["occurred_at"],
            e["precision"],
            e["recorded_at"],
            "yes" if e["late"] else "no",
            e["kind"],
            e["event"],
            e["case"],
            e["summary"],
            e["details"],
            e["location"],
            "; ".join(f"{f['label']}: {f['value']}" for f in e["facts"]),
            "; ".join(f"{r['by']} {r['ref']}" for r in e["refs"]),
            "; ".join(str(n) for n in e["links"]),
            "; ".join(f"{a['exhibit']} {a['name']}" for a in e["attachments"]),
            "; ".join(e["tags"]),
            len(e["corrections"]),
            "; ".join(f"{c['at']}: {c['reason']}" for c in e["corrections"]),
            e["hash"],
        ]
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()
