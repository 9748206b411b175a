"""Working-day and calendar arithmetic with real UK bank holidays.

Pure functions, no I/O. Bank holidays come from the ``holidays`` package (imported lazily, on the
first question about a holiday) and are cached per calendar and year.

Calendars
---------
A *calendar* says which days are bank holidays. residentlog knows four:

* ``"england-wales"`` — England and Wales share one list of bank holidays.
* ``"scotland"`` — 2 January, first Monday in August, St Andrew's Day; no Easter Monday.
* ``"northern-ireland"`` — the England and Wales list plus St Patrick's Day and 12 July.
* ``"any-uk"`` — a day that is a bank holiday in *any* part of the UK (the FOIA 2000 s.10(6) style
  of counting).

Every function that takes a ``nation`` also accepts the aliases ``"england"``, ``"wales"``,
``"england-and-wales"``, ``"uk"`` and the ISO codes ``ENG``, ``WLS``, ``SCT``, ``NIR`` (see
:func:`resolve_calendar`). A working day is Monday to Friday and not a bank holiday of the calendar;
substitute ("observed") days count as bank holidays.

Day zero
--------
:func:`add_working_days` treats its start day as *day zero* and counts ``n`` working days forward,
so the result is the n-th working day *after* the start. The start day itself never counts, whether
or not it is a working day: a request received on Saturday and one received on the Friday before
fall due on the same day. When a rule says otherwise — the event counts as received on the next
working day if it arrives on a non-working day or after office hours — use :func:`receipt_day` to
move day zero first. Clock hours (:func:`add_hours`) run round the clock, weekends and bank holidays
included.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from residentlog.errors import InputError

Calendar = Literal["england-wales", "scotland", "northern-ireland", "any-uk"]
DayZeroRule = Literal["event-day", "next-working-day"]

CALENDARS: tuple[Calendar, ...] = ("england-wales", "scotland", "northern-ireland", "any-uk")

CALENDAR_LABELS: Mapping[str, str] = {
    "england-wales": "England and Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
    "any-uk": "any part of the UK",
}

_ALIASES: Mapping[str, Calendar] = {
    "england-wales": "england-wales",
    "england-and-wales": "england-wales",
    "england": "england-wales",
    "wales": "england-wales",
    "eng": "england-wales",
    "wls": "england-wales",
    "scotland": "scotland",
    "sct": "scotland",
    "northern-ireland": "northern-ireland",
    "nir": "northern-ireland",
    "any-uk": "any-uk",
    "uk": "any-uk",
}

# The ``holidays`` subdivision codes behind each calendar. Wales has the same bank holidays as
# England (checked against holidays 0.109 for 1990–2039), so "england-wales" asks for ENG only.
_SUBDIVISIONS: Mapping[Calendar, tuple[str, ...]] = {
    "england-wales": ("ENG",),
    "scotland": ("SCT",),
    "northern-ireland": ("NIR",),
    "any-uk": ("ENG", "SCT", "NIR"),
}

_MAX_STEPS = 100_000  # guards the day-by-day loops against absurd inputs


def resolve_calendar(nation: str) -> Calendar:
    """Return the calendar name for ``nation``, accepting the aliases listed in the module docs.

    Raises :class:`~residentlog.errors.InputError` for an unknown name.
    """
    key = str(nation).strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return _ALIASES[key]
    except KeyError:
        known = ", ".join(CALENDARS)
        raise InputError(f"unknown nation or calendar {nation!r}: use one of {known}") from None


def holiday_data_version() -> str:
    """Name and version of the bank-holiday data in use, e.g. ``"holidays 0.109"``.

    Due dates depend on it; record it beside any date computed from working days.
    """
    from importlib.metadata import version

    return f"holidays {version('holidays')}"


#: Years of bank holidays worked out elsewhere (:func:`use_bank_holiday_tables`).
_GIVEN: dict[tuple[Calendar, int], Mapping[date, str]] = {}


def bank_holiday_tables(calendar: Calendar, years: range) -> dict[int, Mapping[date, str]]:
    """The bank holidays of ``calendar`` in each of ``years``, as :func:`_year_holidays` gives
    them: for a second process to work out (``deadlines.clocks.compute_for_store``) and this one
    to be given (:func:`use_bank_holiday_tables`). The ``holidays`` package loads the calendars
    of every country on its first use, about 0.1 s; a year more is well under a millisecond."""
    return {year: _year_holidays(calendar, year) for year in years}


def use_bank_holiday_tables(calendar: Calendar, tables: Mapping[int, Mapping[date, str]]) -> None:
    """Answer questions about the years of ``tables`` (:func:`bank_holiday_tables`) from them."""
    for year, table in tables.items():
        _GIVEN[(calendar, year)] = table


def has_bank_holiday_tables(calendar: Calendar, years: range) -> bool:
    """Whether every one of ``years`` of ``calendar`` was given (:func:`use_bank_holiday_tables`)."""
    return all((calendar, year) in _GIVEN for year in years)


@functools.lru_cache(maxsize=512)
def _year_holidays(calendar: Calendar, year: int) -> Mapping[date, str]:
    """Bank holidays of one calendar in one year, as ``{date: name}`` (cached)."""
    given = _GIVEN.get((calendar, year))
    if given is not None:
        return given
    import holidays  # lazy: only the first question about a holiday pays for the import

    merged: dict[date, str] = {}
    for subdiv in _SUBDIVISIONS[calendar]:
        # Always pass a subdivision: without one the package returns only the days common to all
        # four nations (no Easter Monday, no late-August holiday).
        found = holidays.country_holidays("GB", subdiv=subdiv, years=year)
        for day, name in found.items():
            if day.year != year:
                continue
            if day in merged and name not in merged[day].split("; "):
                merged[day] = f"{merged[day]}; {name}"
            else:
                merged.setdefault(day, name)
    return dict(sorted(merged.items()))


def bank_holiday_name(d: date, nation: str) -> str | None:
    """The bank holiday's name if ``d`` is one in ``nation``'s calendar, else ``None``."""
    return _year_holidays(resolve_calendar(nation), d.year).get(d)


def bank_holidays(start: date, end: date, nation: str) -> list[tuple[date, str]]:
    """Bank holidays ``start <= d <= end`` in ``nation``'s calendar, in date order.

    Weekend bank holidays are included, next to their weekday substitute ("observed") days.
    """
    cal = resolve_calendar(nation)
    out: list[tuple[date, str]] = []
    for year in range(start.year, end.year + 1):
        out.extend((d, n) for d, n in _year_holidays(cal, year).items() if start <= d <= end)
    return out


def is_working_day(d: date, nation: str) -> bool:
    """True if ``d`` is Monday–Friday and not a bank holiday (or substitute day) in ``nation``."""
    if d.weekday() >= 5:
        return False
    return d not in _year_holidays(resolve_calendar(nation), d.year)


def next_working_day(d: date, nation: str, *, inclusive: bool = False) -> date:
    """The first working day after ``d`` (or ``d`` itself if ``inclusive`` and it is one)."""
    cal = resolve_calendar(nation)
    day = d if inclusive else d + timedelta(days=1)
    for _ in range(_MAX_STEPS):
        if is_working_day(day, cal):
            return day
        day += timedelta(days=1)
    raise InputError(f"no working day found within {_MAX_STEPS} days of {d.isoformat()}")


def add_working_days(start: date, n: int, nation: str) -> date:
    """The n-th working day after ``start``, which is day zero.

    ``start`` never counts, whether or not it is a working day; ``n == 0`` returns ``start``
    unchanged. So 5 working days from Friday 3 January 2025 is Friday 10 January, and 5 working
    days from Saturday 4 January is also Friday 10 January. Raises ``InputError`` for negative
    ``n``.
    """
    if n < 0:
        raise InputError(f"cannot add a negative number of working days ({n})")
    if n > _MAX_STEPS:
        raise InputError(f"too many working days to add ({n})")
    return _add_working_days(start, n, resolve_calendar(nation))


@functools.lru_cache(maxsize=4096)
def _add_working_days(start: date, n: int, cal: Calendar) -> date:
    # Cached: every clock of a pack's rule counts the same few days from each start day, and a
    # status of a large ledger asks tens of thousands of times.
    day = start
    counted = 0
    one = timedelta(days=1)
    while counted < n:
        day += one
        if day.weekday() < 5 and day not in _year_holidays(cal, day.year):
            counted += 1
    return day


def working_days_between(a: date, b: date, nation: str) -> int:
    """Number of working days ``d`` with ``a < d <= b``; negative if ``b`` is before ``a``.

    The inverse of :func:`add_working_days`: ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    if b < a:
        return -working_days_between(b, a, nation)
    if (b - a).days > _MAX_STEPS:
        raise InputError(f"date range too long: {a.isoformat()} to {b.isoformat()}")
    cal = resolve_calendar(nation)
    # Counted, not walked (a clock open for years is measured on every status): 5 weekdays in
    # every whole week, the remaining days one by one, less the bank holidays on weekdays.
    weeks, rest = divmod((b - a).days, 7)
    weekdays = 5 * weeks + sum(1 for i in range(1, rest + 1) if (a.weekday() + i) % 7 < 5)
    holidays = sum(
        1
        for year in range(a.year, b.year + 1)
        for d in _year_holidays(cal, year)
        if a < d <= b and d.weekday() < 5
    )
    return weekdays - holidays


def skipped_days(a: date, b: date, nation: str) -> tuple[int, list[tuple[date, str]]]:
    """Days ``a < d <= b`` that are not working days: (weekend days, bank holidays on weekdays).

    Used to explain a working-day count ("4 weekend days skipped; 1 bank holiday: …").
    """
    weekend, holidays_hit = _skipped_days(a, b, resolve_calendar(nation))
    return weekend, list(holidays_hit)


@functools.lru_cache(maxsize=4096)
def _skipped_days(a: date, b: date, cal: Calendar) -> tuple[int, tuple[tuple[date, str], ...]]:
    weekend = 0
    holidays_hit: list[tuple[date, str]] = []
    for d in _days_after(a, b):
        if d.weekday() >= 5:
            weekend += 1
        else:
            name = _year_holidays(cal, d.year).get(d)
            if name is not None:
                holidays_hit.append((d, name))
    return weekend, tuple(holidays_hit)


def _days_after(a: date, b: date) -> Iterator[date]:
    day = a + timedelta(days=1)
    while day <= b:
        yield day
        day += timedelta(days=1)


def add_calendar_days(d: date, n: int, nation: str | None = None) -> date:
    """``d`` plus ``n`` calendar days; if ``nation`` is given, a result that is not a working day
    there moves forward to the next working day."""
    out = d + timedelta(days=n)
    if nation is not None:
        out = next_working_day(out, nation, inclusive=True)
    return out


def month_end_clamped(d: date, n: int) -> tuple[date, bool]:
    """``d`` plus ``n`` calendar months, clamped to the month's last day; also says if clamped."""
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise InputError(f"date out of range: {d.isoformat()} plus {n} months")
    last = _days_in_month(year, month)
    return date(year, month, min(d.day, last)), d.day > last


def add_calendar_months(d: date, n: int, nation: str | None = None) -> date:
    """``d`` plus ``n`` calendar months, counted the way the ICO counts subject-access months.

    The answer is the corresponding date ``n`` months on (3 September + 1 month = 3 October). If
    that month has no such date, it is the month's last day (31 January + 1 month = 28 February, or
    29 February in a leap year). Months are always counted from ``d`` itself, so 31 January + 2
    months is 31 March, not 28 March. If ``nation`` is given and the date is a weekend or bank
    holiday there, it moves forward to the next working day (ICO: "you have until the next working
    day"). The day of receipt is ``d`` itself: the ICO has counted it as day one since 15 August 2019.
    """
    out, _ = month_end_clamped(d, n)
    if nation is not None:
        out = next_working_day(out, nation, inclusive=True)
    return out


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def add_hours(dt: datetime, n: int | float) -> datetime:
    """``dt`` plus ``n`` clock hours of elapsed time, weekends and bank holidays included.

    ``dt`` must be timezone-aware; the answer is in UTC. Across a clock change the UK wall-clock
    time shifts by an hour (24 hours from 09:00 on the Saturday before BST starts is 10:00 BST on
    the Sunday), because the hours are real elapsed time.
    """
    return as_utc(dt) + timedelta(hours=n)


def as_utc(dt: datetime) -> datetime:
    """``dt`` converted to UTC; raises ``InputError`` if it is naive (has no time zone)."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise InputError(f"time {dt.isoformat()} has no time zone; residentlog needs aware times")
    return dt.astimezone(UTC)


@functools.cache
def uk_timezone() -> tzinfo:
    """The Europe/London time zone (GMT/BST), from the system or python-dateutil's copy."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # pragma: no cover - e.g. Windows without the tzdata package
        from dateutil.zoneinfo import get_zonefile_instance

        tz: tzinfo | None = get_zonefile_instance().get("Europe/London")
        if tz is None:
            raise InputError("no Europe/London time zone data available") from None
        return tz


def uk_local(dt: datetime) -> datetime:
    """``dt`` (aware) as UK wall-clock time (GMT or BST)."""
    return as_utc(dt).astimezone(uk_timezone())


def uk_date(dt: datetime) -> date:
    """The UK calendar date of the instant ``dt``."""
    if dt.tzinfo is UTC and dt.hour < 23 and dt.year >= 1972:
        # Since 1972 the UK is an hour ahead of UTC at most (BST), so before 23:00 UTC the UK
        # date is the UTC date: asked of every entry, this skips the time-zone lookup.
        return dt.date()
    return uk_local(dt).date()


def end_of_uk_day(d: date) -> datetime:
    """The instant (UTC) at which UK day ``d`` ends: midnight UK time starting the next day."""
    nxt = d + timedelta(days=1)
    return datetime.combine(nxt, time(0), tzinfo=uk_timezone()).astimezone(UTC)


def receipt_day(
    dt: datetime,
    nation: str,
    *,
    day_zero: DayZeroRule = "event-day",
    after_hours: time | None = None,
) -> date:
    """The day zero of a clock started by an event at instant ``dt`` (aware).

    * ``day_zero="event-day"`` (the default): the UK date of the event, whatever the time and
      whether or not it is a working day.
    * ``day_zero="next-working-day"``: as above, but an event on a weekend or bank holiday counts as
      received on the next working day.
    * ``after_hours`` (e.g. ``time(17, 0)``): an event at or after that UK time counts as received
      on the next working day, under either rule.
    """
    local = uk_local(dt)
    day = local.date()
    if after_hours is not None and local.time().replace(tzinfo=None) >= after_hours:
        day = next_working_day(day, nation)
    if day_zero == "next-working-day":
        day = next_working_day(day, nation, inclusive=True)
    elif day_zero != "event-day":
        raise InputError(f"unknown day-zero rule {day_zero!r}: use event-day or next-working-day")
    return day


def format_day(d: date, *, year: bool = True) -> str:
    """``Mon 10 Mar 2025`` (or ``Mon 10 Mar`` without the year)."""
    text = f"{d:%a} {d.day} {d:%b}"
    return f"{text} {d.year}" if year else text


def format_instant(dt: datetime) -> str:
    """``Tue 3 Sep 2019 10:00 BST``: an instant in UK time with its zone abbreviation."""
    local = uk_local(dt)
    return f"{format_day(local.date())} {local:%H:%M} {local.tzname()}"
