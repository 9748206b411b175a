"""A case's figures in words: incidents and their reports, outages, the worst harms.

One wording for ``case show``, ``status``, the chronology and every letter, so a count reads the
same everywhere and is always a count of incidents (``ledger/incidents.py``), never of entries.
Nothing here escapes text: callers escape for their format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from residentlog.deadlines.engine import duration_text
from residentlog.documents.wording import plural, times
from residentlog.ledger.impact import Harm, minutes_text
from residentlog.ledger.incidents import Incident, recurrences
from residentlog.ledger.outages import (
    AssetOutages,
    YearDowntime,
    day_bounds,
    service_year,
    service_year_label,
)
from residentlog.ledger.vocabulary import kind_title

if TYPE_CHECKING:
    from residentlog.deadlines.clocks import StoreClocks


def incidents_text(incidents: Sequence[Incident]) -> str:
    """``30 incidents (lift fault: 23, anti-social behaviour: 3, ...), reported 31 times (5 of
    them the problem coming back)``."""
    if not incidents:
        return "no incidents"
    reports = sum(i.report_count for i in incidents)
    text = plural(len(incidents), "incident")
    kinds = Counter(i.kind for i in incidents)
    if len(kinds) > 1:
        text += " (" + ", ".join(f"{kind_title(k)}: {n}" for k, n in kinds.most_common()) + ")"
    text += f", reported {times(reports)}" if reports else ", none of them reported"
    back = recurrences(incidents)
    if back:
        text += f" ({back} of them the problem coming back)"
    return text


def downtime_text(asset: AssetOutages) -> str:
    """``at least 3 days 9 hours in all (...)``: "at least" whenever an end is missing."""
    total = duration_text(asset.total)
    missing = f"the log does not say when it came back {times(asset.unknown_ends)}"
    if asset.unknown_ends and asset.total.total_seconds() < 3600:
        return f"a time the log does not record ({missing.replace('the log', 'it')})"
    if asset.unknown_ends:
        return f"at least {total} in all ({missing})"
    return f"{total} in all"


#: How each communal service's failure is said.
_DOWN: dict[str, str] = {"lift": "was out of service", "door": "was insecure"}


def outage_text(asset: AssetOutages) -> str:
    """``Lift 2 was out of service 23 times, for at least 3 days 9 hours in all (...); 3 people
    trapped for 1 hour 50 minutes``."""
    down = _DOWN.get(asset.kind, "was not working")
    parts = [f"{asset.asset} {down} {times(asset.count)}, for {downtime_text(asset)}"]
    longest = asset.longest
    if longest is not None and asset.count > 1 and longest.end_known:
        parts.append(f"the longest spell {duration_text(longest.downtime)}")
    for o in asset.entrapments:
        trapped = f"{plural(o.trapped, 'person', 'people')} trapped"
        if o.trapped_minutes:
            trapped += f" for {minutes_text(o.trapped_minutes)}"
        parts.append(trapped)
    return "; ".join(parts)


def year_downtime(asset: AssetOutages, label_day: datetime, now: datetime) -> dict[str, object]:
    """The asset's outages in the service-charge year ``label_day`` falls in: how many, known
    downtime, its share of the year (at least), and how many ends are missing."""
    first, last = service_year(label_day.date())
    down, length = asset.downtime_in(first, last, now)
    spells = asset.spells_in(first, last)
    return _year_dict(
        asset, YearDowntime(first, last, down, length, len(spells), sum(not o.end_known for o in spells)), now
    )


def every_year_downtime(asset: AssetOutages, now: datetime) -> list[dict[str, object]]:
    """:func:`year_downtime` for each service-charge year from the asset's first outage to its last."""
    return [_year_dict(asset, year, now) for year in asset.service_years(now)]


def _year_dict(asset: AssetOutages, year: YearDowntime, now: datetime) -> dict[str, object]:
    _, hi = day_bounds(year.first, year.last)
    share = year.down / year.length if year.length.total_seconds() > 0 else 0.0
    return {
        "year": service_year_label(year.first),
        "outages": year.spells,
        "unknown_ends": year.unknown_ends,
        "downtime": duration_text(year.down) if year.down.total_seconds() >= 3600 else "under an hour",
        "percent": f"{share * 100:.1f}",
        "at_least": year.unknown_ends > 0,
        "down": _DOWN.get(asset.kind, "was not working"),
        "of_year": "of the year so far" if now < hi else "of the year",
    }


def year_line(year: dict[str, object]) -> str:
    """``2020/21: 9 outages, at least 2 days 4 hours (at least 0.6% of the year)``."""
    least = "at least " if year["at_least"] else ""
    n = int(str(year["outages"]))
    return (
        f"{year['year']}: {plural(n, 'outage')}, {least}{year['downtime']} "
        f"({least}{year['percent']}% {year['of_year']})"
    )


def harm_text(harm: Harm) -> str:
    """``3 people trapped for 1 hour 50 minutes; 2 children affected``."""
    return "; ".join(harm.phrases)


def case_figures_to_dict(sc: StoreClocks, case: str | None) -> dict[str, object]:
    """A case's incidents, outages and harms, as ``case show --json`` gives them."""
    from residentlog.ledger.impact import harm_to_dict
    from residentlog.ledger.incidents import incident_to_dict
    from residentlog.ledger.outages import asset_to_dict, outages

    incidents = sc.case_incidents(case)
    return {
        "incidents": [incident_to_dict(i) for i in incidents],
        "outages": [
            {**asset_to_dict(a), "service_years": every_year_downtime(a, sc.now)} for a in outages(incidents)
        ],
        "harms": [harm_to_dict(h) for h in sc.case_harms(case)],
    }
