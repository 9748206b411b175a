"""A case's figures in words: incidents and their reports, outages, the worst harms.

One wording for ``case show``, ``status``, the chronology and every letter, so a count reads the
same everywhere and is always a count of incidents (``ledger/incidents.py``), never of entries.
Nothing here escapes text: callers escape for their format.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from residentlog.deadlines.engine import duration_text
from residentlog.documents.wording import plural, times
from residentlog.ledger.impact import Harm, minutes_text
from residentlog.ledger.incidents import Incident, recurrences
from residentlog.ledger.outages import AssetOutages, service_year, service_year_label


def incidents_text(incidents: Sequence[Incident]) -> str:
    """``23 incidents, reported 12 times (3 after it had been fixed or came back)``."""
    if not incidents:
        return "no incidents"
    reports = sum(i.report_count for i in incidents)
    text = (
        f"{plural(len(incidents), 'incident')}, reported {times(reports)}"
        if reports
        else (f"{plural(len(incidents), 'incident')}, none of them reported")
    )
    back = recurrences(incidents)
    if back:
        text += f" ({back} of them the problem coming back)"
    return text


def downtime_text(asset: AssetOutages) -> str:
    """``out of service at least 3 days 9 hours in all``: "at least" whenever an end is missing."""
    total = duration_text(asset.total)
    if asset.unknown_ends:
        return f"at least {total} in all (the log does not say when it came back {times(asset.unknown_ends)})"
    return f"{total} in all"


def outage_text(asset: AssetOutages) -> str:
    """``Lift 2: out of service 23 times, at least ... in all; longest 2 days 4 hours; 3 people trapped``."""
    parts = [f"out of service {times(asset.count)}", downtime_text(asset)]
    longest = asset.longest
    if longest is not None and asset.count > 1 and longest.end_known:
        parts.append(f"longest {duration_text(longest.downtime)}")
    for o in asset.entrapments:
        trapped = f"{plural(o.trapped, 'person', 'people')} trapped"
        if o.trapped_minutes:
            trapped += f" for {minutes_text(o.trapped_minutes)}"
        parts.append(trapped)
    return f"{asset.asset}: " + "; ".join(parts)


def year_downtime(asset: AssetOutages, label_day: datetime, now: datetime) -> dict[str, object]:
    """The asset's outages in the service-charge year ``label_day`` falls in: how many, known
    downtime, its share of the year (at least), and how many ends are missing."""
    first, last = service_year(label_day.date())
    down, length = asset.downtime_in(first, last, now)
    spells = [o for o in asset.outages if first <= o.start.date() <= last]
    share = down / length if length.total_seconds() > 0 else 0.0
    return {
        "year": service_year_label(first),
        "outages": len(spells),
        "unknown_ends": sum(not o.end_known for o in spells),
        "downtime": duration_text(down) if down.total_seconds() >= 3600 else "under an hour",
        "percent": f"{share * 100:.1f}",
        "at_least": any(not o.end_known for o in spells),
    }


def harm_text(harm: Harm) -> str:
    """``3 people trapped for 1 hour 50 minutes; 2 children affected``."""
    return "; ".join(harm.phrases)
