"""Outages of communal services: how long a lift, an entrance door or a camera was out of action.

A derived view, like incidents (docs/format.md, "Incidents and outages"): each incident of a
communal-service kind (:data:`SERVICE_KINDS`, and repairs of a :data:`SERVICE_CATEGORIES`
category: lighting, heating, hot water) is an outage of its asset (its case, else the lift,
door or camera it names). A lift incident whose entries say ``--in-service`` from the start is not
an outage. The outage ends at the first entry that says the service is back (``fixed``, or a
lift ``--in-service``); ``not-fixed`` does not end it.

When the log does not say when the service came back, the end is *not known*: the outage is
counted, and its downtime is counted only up to the last entry about it (a lower bound, said as
"at least" wherever it is shown). Nothing is guessed upwards: a landlord must not be able to say
a figure was inflated.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, cached_property
from typing import NamedTuple

from residentlog.ledger.entry import Entry
from residentlog.ledger.incidents import Incident
from residentlog.ledger.when import LONDON

#: The kinds whose incidents put a communal service out of action.
SERVICE_KINDS: dict[str, str] = {"lift": "lift", "door": "entrance door", "cctv": "CCTV"}
#: Repairs of these categories are outages of a communal service too (lighting, heating, water).
SERVICE_CATEGORIES: dict[str, str] = {
    "communal-lighting": "communal lighting",
    "lighting": "lighting",
    "heating": "heating",
    "hot-water": "hot water",
    "heating-hot-water": "heating and hot water",
}

Month = tuple[int, int]


class Outage(NamedTuple):
    """One spell out of service: from ``start`` to ``end`` (known), or at least to ``end``. (A
    NamedTuple, not a frozen dataclass: a lift that breaks down every day has thousands, and a
    tuple is made twice as fast.)"""

    asset: str
    kind: str
    incident: int
    start: datetime
    end: datetime
    end_known: bool
    end_entry: int | None
    trapped: int = 0
    trapped_minutes: int = 0

    @property
    def downtime(self) -> timedelta:
        return max(self.end - self.start, timedelta(0))


@dataclass(frozen=True)
class YearDowntime:
    """One service-charge year (``first`` to ``last``, 1 April to 31 March) of an asset: its known
    downtime and the year's length, both cut short at ``now`` (:meth:`AssetOutages.downtime_in`),
    and how many outages had any part in it and how many of those lack an end
    (:meth:`AssetOutages.spells_in`)."""

    first: date
    last: date
    down: timedelta
    length: timedelta
    spells: int
    unknown_ends: int


@dataclass(frozen=True)
class AssetOutages:
    """Every outage of one asset, and its totals (each worked out once: an asset may have
    thousands of outages, and its totals are asked for several times)."""

    asset: str
    kind: str
    outages: tuple[Outage, ...] = ()

    @property
    def count(self) -> int:
        return len(self.outages)

    @cached_property
    def total(self) -> timedelta:
        return sum((o.downtime for o in self.outages), timedelta(0))

    @cached_property
    def longest(self) -> Outage | None:
        return max(self.outages, key=lambda o: o.downtime, default=None)

    @cached_property
    def unknown_ends(self) -> int:
        return sum(not o.end_known for o in self.outages)

    @property
    def trapped(self) -> int:
        return sum(o.trapped for o in self.outages)

    @property
    def entrapments(self) -> list[Outage]:
        return [o for o in self.outages if o.trapped]

    def downtime_by_month(self, now: datetime) -> dict[Month, float]:
        """The share (0 to 1) of each month, in UK local time, that the asset was known to be out."""
        return _shares(self.outages, now)

    def downtime_in(self, first: date, last: date, now: datetime) -> tuple[timedelta, timedelta]:
        """(known downtime, length) of the days ``first`` to ``last`` inclusive (UK local time),
        the length cut short at ``now``."""
        lo, end = day_bounds(first, last)
        hi = min(end, now)
        down = sum((_overlap(o, lo, hi) for o in self.outages), timedelta(0))
        return down, max(hi - lo, timedelta(0))

    def spells_in(self, first: date, last: date) -> list[Outage]:
        """The outages with any part in the days ``first`` to ``last`` inclusive (UK local time)."""
        lo, hi = day_bounds(first, last)
        return [o for o in self.outages if o.start < hi and o.end >= lo]

    def service_years(self, now: datetime) -> list[YearDowntime]:
        """:meth:`downtime_in` and :meth:`spells_in` of each service-charge year from the one the
        first outage starts in to the one the last ends in, in one pass over the outages (each
        is counted in the years from the one it starts in to the one it ends in)."""
        if not self.outages:
            return []
        first, _ = service_year(min(o.start for o in self.outages).astimezone(LONDON).date())
        end = max(o.end for o in self.outages)
        years: list[tuple[date, datetime, datetime, datetime]] = []  # (1 April, start, end, end or now)
        while True:
            lo, hi = day_bounds(first, date(first.year + 1, 3, 31))
            if lo > end:
                break
            years.append((first, lo.astimezone(UTC), hi.astimezone(UTC), min(hi, now)))
            first = date(first.year + 1, 4, 1)
        ends = [hi for _, _, hi, _ in years]
        down = [timedelta(0)] * len(years)
        spells = [0] * len(years)
        unknown = [0] * len(years)
        for o in self.outages:
            j = bisect_right(ends, o.start)  # the first year that ends after it starts
            while j < len(years) and years[j][1] <= o.end:
                _, lo, _, until = years[j]
                down[j] += max(min(o.end, until) - max(o.start, lo), timedelta(0))
                spells[j] += 1
                unknown[j] += not o.end_known
                j += 1
        return [
            YearDowntime(
                day, date(day.year + 1, 3, 31), down[j], max(until - lo, timedelta(0)), spells[j], unknown[j]
            )
            for j, (day, lo, _, until) in enumerate(years)
        ]


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The start of day ``first`` and the end of day ``last`` (the next midnight), UK local time."""
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=LONDON),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=LONDON),
    )


def outages(incidents: Iterable[Incident]) -> list[AssetOutages]:
    """Every asset's outages, in order of each asset's first outage."""
    assets: dict[tuple[str, str], list[Outage]] = {}
    for incident in incidents:
        found = _outage(incident)
        if found is None:
            continue
        key = (found.kind, found.asset.casefold())
        spells = assets.get(key)
        if spells is None:
            assets[key] = [found]
        else:
            spells.append(found)
    return [AssetOutages(spells[0].asset, spells[0].kind, tuple(spells)) for spells in assets.values()]


def asset_name(incident: Incident) -> str:
    fields = incident.first.rec.fields  # read only (Entry.fields copies)
    for name in ("lift", "door", "camera"):
        if fields.get(name):
            return named_asset(name, str(fields[name]))
    category = str(fields.get("category") or "")
    return (
        incident.case or SERVICE_CATEGORIES.get(category) or SERVICE_KINDS.get(incident.kind, incident.kind)
    )


@cache  # asked of every outage: a lift that breaks down daily has thousands, of a few names
def named_asset(field: str, name: str) -> str:
    """The lift, door or camera (``field``) a resident named, as every document names it: the
    name as typed when it says what it is ("Lift 2", "Main entrance door"), else with what it is
    added, so that no sentence says "2 was out of service": "Lift 2" for "2" (one word that is
    short or has a digit in it), "main entrance door" for "main entrance"."""
    if field in name.casefold():
        return name
    if " " not in name and (len(name) <= 2 or any(c.isdigit() for c in name)):
        return f"{field.capitalize()} {name}"
    return f"{name} {field}"


def is_service(incident: Incident) -> bool:
    """Whether the incident put a communal service out of action."""
    if incident.kind in SERVICE_KINDS:
        return True
    return incident.kind == "repair" and incident.first.rec.fields.get("category") in SERVICE_CATEGORIES


def _outage(incident: Incident) -> Outage | None:
    if not is_service(incident):
        return None
    kind = incident.kind
    entries = incident.entries
    first = entries[0].rec.fields  # read only (Entry.fields copies)
    if kind == "lift" and first.get("out_of_service") is False:
        return None
    end_entry: Entry | None = None
    trapped = int(first.get("trapped") or 0)
    minutes = int(first.get("trapped_minutes") or 0)
    for i in range(1, len(entries)):  # one pass: most incidents are one entry, a few are thousands
        e = entries[i]
        fields = e.rec.fields
        if end_entry is None and (e.event == "fixed" or fields.get("out_of_service") is False):
            end_entry = e
        trapped = max(trapped, int(fields.get("trapped") or 0))
        minutes = max(minutes, int(fields.get("trapped_minutes") or 0))
    if end_entry is not None:
        end, known = end_entry.occurred, True
    else:
        end, known = entries[-1].occurred, False
    return Outage(
        asset=asset_name(incident),
        kind=kind,
        incident=incident.number,
        start=entries[0].occurred,
        end=end,
        end_known=known,
        end_entry=end_entry.num if end_entry is not None else None,
        trapped=trapped,
        trapped_minutes=minutes,
    )


def _overlap(o: Outage, lo: datetime, hi: datetime) -> timedelta:
    return max(min(o.end, hi) - max(o.start, lo), timedelta(0))


def _month_bounds(m: Month) -> tuple[datetime, datetime]:
    y, mo = m
    nxt = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return (datetime(y, mo, 1, tzinfo=LONDON), datetime(nxt[0], nxt[1], 1, tzinfo=LONDON))


def _shares(items: Sequence[Outage], now: datetime) -> dict[Month, float]:
    out: dict[Month, float] = {}
    for o in items:
        local = o.start.astimezone(LONDON)
        m: Month = (local.year, local.month)
        while True:
            lo, hi = _month_bounds(m)
            if lo >= o.end:
                break
            length = min(hi, max(now, lo)) - lo
            share = _overlap(o, lo, hi) / length if length > timedelta(0) else 0.0
            if share > 0:
                out[m] = min(1.0, out.get(m, 0.0) + share)
            m = (m[0] + 1, 1) if m[1] == 12 else (m[0], m[1] + 1)
    return out


def service_year(day: date) -> tuple[date, date]:
    """The service-charge year (April to March) ``day`` falls in: (1 April, 31 March)."""
    start = day.year if day.month >= 4 else day.year - 1
    return date(start, 4, 1), date(start + 1, 3, 31)


def service_year_label(day: date) -> str:
    first, _ = service_year(day)
    return f"{first.year}/{str(first.year + 1)[2:]}"


def asset_to_dict(asset: AssetOutages) -> dict[str, object]:
    """An asset's outages as ``--json`` gives them (durations in whole seconds)."""
    return {
        "asset": asset.asset,
        "kind": asset.kind,
        "outages": asset.count,
        "downtime_seconds_at_least": int(asset.total.total_seconds()),
        "no_recorded_end": asset.unknown_ends,
        "longest_seconds": int(asset.longest.downtime.total_seconds()) if asset.longest else 0,
        "people_trapped": asset.trapped,
        "spells": [
            {
                "incident": o.incident,
                "from": o.start.isoformat(),
                "to": o.end.isoformat(),
                "end_recorded": o.end_known,
                "end_entry": o.end_entry,
                "trapped": o.trapped,
                "trapped_minutes": o.trapped_minutes,
            }
            for o in asset.outages
        ],
    }
