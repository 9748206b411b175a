"""When something happened: reading what a resident types, and showing instants back.

Residents type dates the way people in the UK write them ("3/3/2020 2pm", "yesterday 6pm",
"3 hours ago"); the ledger stores exact instants in UTC. This module is the one place that turns
the first into the second (:func:`parse_when`, :func:`parse_bound`) and that formats stored
instants for people (:func:`format_local`, :func:`format_local_short`) and for files
(:func:`to_rfc3339`, :func:`from_rfc3339`).

Rules, in brief:

* Anything without an explicit offset is Europe/London wall-clock time (GMT in winter, BST in
  summer). A trailing ``GMT``/``BST`` label is checked against the date (and picks the right hour
  when the clocks go back); ``UTC`` (or an ISO ``Z``/offset) means exactly that.
* Numeric dates are always read day first: ``03/04/2020`` is 3 April. Month-first dates such as
  ``12/31/2020`` are refused rather than silently swapped.
* A phrase without a time of day has precision ``"day"`` and stands for local midnight at the
  start of that day; anything with a time has precision ``"minute"`` (seconds are dropped).
* A local time that never happened (the hour skipped when clocks go forward in March) is an
  error. A local time that happened twice (the hour repeated when clocks go back in October) means
  the FIRST occurrence, in BST, unless the text ends with ``GMT``.
* Dates before 1900 are refused. :func:`parse_when` also refuses anything later than ``now``.

Days and parts of days said the way people say them (case does not matter):

* ``last Monday`` ... ``last Sunday``: the most recent such day strictly before today (typed on a
  Monday, ``last Monday`` is a week ago). ``last Tuesday 6pm`` and ``6pm last Tuesday`` add a time.
* Parts of a day: ``this morning``/``this afternoon``/``this evening``/``tonight``,
  ``yesterday morning``/``afternoon``/``evening``/``night``, ``last night`` (= ``yesterday
  night``), and ``last Tuesday morning``/``afternoon``/``evening``/``night``.

  A part of a day WITHOUT a clock time keeps precision ``"day"``: it is recorded as that date,
  and the words typed are kept with the entry (``show`` prints "entered as 'yesterday evening'").
  residentlog does not invent a clock time (say 19:00 for "evening"): the resident did not say
  one, and a made-up minute is exactly what a landlord could contest. So as a ``list`` bound a part
  of a day counts as its whole day, as every entry dated that way is stored by its date.

  WITH a clock time (``this morning 7:30``, ``last Tuesday evening at 8``, ``11pm last night``)
  it is an exact minute, and the time must fall in that part of the day. A part of a day covers
  (local time): morning midnight to noon, afternoon noon to 18:00, evening 17:00 to midnight,
  night 18:00 to 06:00 the next morning, so ``last night 2am`` is the early hours of today and a
  night is dated by the evening it began ("Monday night" runs into Tuesday). A time written
  without am/pm is read in that part (``this evening 7:30`` is 19:30; ``this evening 07:30`` and
  ``this morning 7pm`` are refused as contradictions). Before 06:00, ``tonight`` is the night
  that is still going on, which began yesterday evening.

  A part of today that has not started yet (``this evening`` typed at 10:00) is in the future and
  refused; the message suggests ``yesterday evening`` (or ``last night`` for ``tonight``).
* Ranges: ``this week``, ``last week`` (UK weeks start on Monday), ``this month``, ``last month``.
  As a ``list --since`` bound a range means its first day, as ``--until`` its last day (inclusive:
  the bound returned is the start of the day after). :func:`parse_when` refuses a range: an entry
  is about one moment, so the message asks which day.

Every problem with the text is reported as :class:`~residentlog.errors.InputError` with a one-line
message that quotes what was typed. ``dateutil`` is imported only when a worded date needs it,
because this module is imported on every ``residentlog add``.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from residentlog.errors import InputError

__all__ = [
    "LONDON",
    "UTC",
    "When",
    "format_local",
    "format_local_short",
    "from_rfc3339",
    "parse_bound",
    "parse_when",
    "to_rfc3339",
]

LONDON = ZoneInfo("Europe/London")

_MIN_YEAR = 1900
_MAX_SHOWN = 60  # characters of the user's text quoted back in an error message

_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Words people use for weekdays and months, mapped to Python's numbering (Monday = 0, January = 1).
_WEEKDAY_WORDS = {
    word: index
    for index, words in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for word in words
}
_MONTH_WORDS = {name.lower(): i + 1 for i, name in enumerate(_MONTH_NAMES)}
_MONTH_WORDS.update({name.lower(): i + 1 for i, name in enumerate(_MONTH_ABBR)})
_MONTH_WORDS["sept"] = 9

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

# Regular expressions, as text: :func:`_re` compiles each on first use, because this module is
# imported by every ``residentlog add`` and most never read a typed date. All are ASCII-only
# (re.ASCII) so that e.g. Arabic-Indic digits are not taken as numbers.
_TIME = r"(?:noon|midday|midnight|\d{1,2}(?:[:.]\d{2})?\s?[ap]m|\d{1,2}[:.]\d{2}(?::\d{2})?)"
_TIME_12 = r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s?(?P<ap>[ap]m)"
_TIME_24 = r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?"
_TRAILING_TIME = rf"(?P<date>.+?)(?:\s?,\s?|\s+at\s+|\s+)(?P<time>{_TIME})"
_LEADING_TIME = rf"(?P<time>{_TIME})(?:\s?,\s?|\s+on\s+|\s+)(?P<date>.+)"
_ISO_T = r"(?P<date>\d{4}-\d{1,2}-\d{1,2})t(?P<time>.+)"
_ISO_START = r"\d{4}-"
_ISO_PAD = r"(\d{4})-(\d{1,2})-(\d{1,2})(?=$|[T ])"
_ISO_DATE = r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
_NUMERIC_DATE = r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"
_AGO = (
    r"(?:(?P<n>\d{1,15})\s?|(?P<word>"
    + "|".join(_NUMBER_WORDS)
    + r")\s)(?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?|wks?)\s+ago"
)
_ZONE_LABEL = r"(?:(?<=[0-9m])|\s+)(?P<zone>gmt|bst|bdst|utc)$"
_AMPM_DOTS = r"\b([ap])\.\s?m\b\.?"
_WEEKDAY = r"\b(?:" + "|".join(_WEEKDAY_WORDS) + r")\b,?"
_RFC3339 = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]\d{2}:\d{2})"


@functools.cache
def _re(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled with re.ASCII, once."""
    return re.compile(pattern, re.ASCII)


# Two different defaults for dateutil: a component that comes out the same from both was typed.
# Both years are leap years so that "29 February" parses; both months have 31 days.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(1996, 12, 2, 1, 1, 1)

_EXAMPLES = (
    "try e.g. '3 March 2020 14:00', '03/03/2020', 'yesterday 6pm', 'last Tuesday evening' or '2 days ago'"
)

# Parts of a day: (start, end) in minutes after the day's local midnight, end exclusive, and how a
# message names the part. Evening overlaps afternoon and night on purpose (people say both); a
# night runs into the next morning. Each window is at most 12 hours long, so a time without am/pm
# ("7:30") falls in it at most one way.
_PARTS: dict[str, tuple[int, int, str]] = {
    "morning": (0, 12 * 60, "in the morning (midnight to noon)"),
    "afternoon": (12 * 60, 18 * 60, "in the afternoon (noon to 18:00)"),
    "evening": (17 * 60, 24 * 60, "in the evening (17:00 to midnight)"),
    "night": (18 * 60, 30 * 60, "at night (18:00 to 06:00 the next morning)"),
}
_TONIGHT_UNTIL = 6  # before 06:00 local time, "tonight" is the night that began yesterday
# "last night at 11", "this evening 8": a bare hour is a time only after a part of a day.
_PART_HOUR = r"(?P<phrase>.*?(?:morning|afternoon|evening|night))(?:\s+at)?\s+(?P<hour>\d{1,2})"
_EXPLICIT_CLOCK = r"[ap]m|noon|midday|midnight|^0"  # a time that is not re-read in a part of day


@dataclass(frozen=True)
class When:
    """A moment a resident described, as read by :func:`parse_when`.

    ``instant`` is always an aware datetime in UTC. With ``precision == "day"`` only the date is
    meaningful and ``instant`` is local (Europe/London) midnight at the start of that day.
    ``text`` is the phrase as typed, with surrounding whitespace removed.
    """

    instant: datetime
    precision: Literal["day", "minute"]
    text: str

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None or self.instant.utcoffset() is None:
            raise ValueError("When.instant must be timezone-aware")
        if self.precision not in ("day", "minute"):
            raise ValueError(f"When.precision must be 'day' or 'minute', not {self.precision!r}")
        if self.instant.tzinfo is not UTC:
            object.__setattr__(self, "instant", self.instant.astimezone(UTC))


class _Reading:
    """What a phrase means before the future check: a local day, or an exact instant."""

    __slots__ = ("day", "instant", "kind", "part", "precision", "starts", "until")

    def __init__(
        self,
        precision: Literal["day", "minute"],
        *,
        day: date | None = None,
        instant: datetime | None = None,
        kind: str = "plain",
        part: str | None = None,
        starts: datetime | None = None,
        until: date | None = None,
    ) -> None:
        self.precision: Literal["day", "minute"] = precision
        self.day = day  # set when precision == "day"; a range's first day
        self.instant = instant  # set when precision == "minute"; aware UTC, whole minutes
        # "plain", "yearless", "time-today" or "part-today" (a part of today: "this evening",
        # "tonight"): chooses the hint on a future date
        self.kind = kind
        self.part = part  # "morning", "afternoon", "evening", "night" or None
        self.starts = starts  # a part of a day without a time: when it starts (aware UTC)
        self.until = until  # a range of days ("last week"): the day after its last day


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def parse_when(text: str, now: datetime) -> When:
    """Read when something happened, as typed by a resident.

    ``now`` is the current time (aware; injected so tests are repeatable). Accepted forms include
    ISO 8601 (``2020-03-03``, ``2020-03-03 14:00``, ``2020-03-03T14:00:00Z``), UK day-first dates
    (``03/03/2020``, ``3.3.2020``, ``3 March 2020 2pm``, ``Tuesday 3 March 2020 14:00``,
    ``March 3 2020``), dates without a year (this year), bare times (today), ``now``, ``today``,
    ``yesterday`` (optionally with a time), ``N minutes/hours/days/weeks ago``, ``last Tuesday``
    and parts of days (``this morning``, ``yesterday evening``, ``last Tuesday night 11pm``; see
    the module docstring for what each means and why a part of a day alone keeps day precision).

    Raises :class:`InputError` for text that cannot be read, impossible dates and times, a local
    time skipped by the clocks going forward, dates before 1900 and anything later than ``now``
    (a date-only value equal to today's date is fine, a part of today only once it has started).
    A range of days (``last week``) is refused: say which day. An hour repeated when the clocks go
    back means its first occurrence (BST) unless the text ends with ``GMT``.
    """
    now_utc = _check_now(now)
    reading = _interpret(text, now_utc)
    today = now_utc.astimezone(LONDON).date()
    shown = _quote(text)
    if reading.until is not None:
        _raise_range(shown, reading)
    if reading.precision == "day":
        assert reading.day is not None
        if reading.day > today or (reading.starts is not None and reading.starts > now_utc):
            _raise_future(shown, reading, now_utc)
        instant = _local_midnight(reading.day, shown)
    else:
        assert reading.instant is not None
        instant = reading.instant
        if instant > now_utc:
            _raise_future(shown, reading, now_utc)
    return When(instant=instant, precision=reading.precision, text=text.strip())


def parse_bound(text: str, now: datetime, *, end: bool) -> datetime:
    """Read a ``list --since/--until`` bound; returns an aware UTC instant.

    Accepts everything :func:`parse_when` does, and dates in the future. A date without a time
    gives local midnight at the start of that day, or with ``end=True`` the start of the NEXT day
    (so the bound is exclusive and still covers the whole day). A value with a time is returned
    as that instant. A part of a day without a time (``yesterday evening``) covers its whole day,
    as entries dated that way are stored by their date. A range (``last week``, ``this month``)
    gives local midnight at the start of its first day, or with ``end=True`` the start of the day
    after its last day.
    """
    now_utc = _check_now(now)
    reading = _interpret(text, now_utc)
    if reading.precision == "minute":
        assert reading.instant is not None
        return reading.instant
    assert reading.day is not None
    shown = _quote(text)
    if reading.until is not None:
        return _local_midnight(reading.until if end else reading.day, shown)
    day = reading.day
    if end:
        try:
            day += timedelta(days=1)
        except OverflowError:
            raise InputError(f"{shown} is too far in the future") from None
    return _local_midnight(day, shown)


def format_local(instant: datetime, precision: str = "minute", *, zone: bool = True) -> str:
    """Show an instant as UK local time: ``"Tue 3 Mar 2020 14:00 GMT"``, or ``"Tue 3 Mar 2020"``.

    Weekday and month names are always English, whatever the process locale. ``zone=False``
    leaves out GMT/BST, for a table whose heading already says "UK time".
    """
    local = _to_london(instant, precision)
    day = f"{_WEEKDAY_ABBR[local.weekday()]} {local.day} {_MONTH_ABBR[local.month - 1]} {local.year}"
    if precision == "day":
        return day
    clock = f"{local.hour:02d}:{local.minute:02d}"
    return f"{day} {clock} {local.tzname()}" if zone else f"{day} {clock}"


def format_local_short(instant: datetime, precision: str = "minute") -> str:
    """Show an instant as UK local time for a table cell: ``"2020-03-03 14:00"`` or ``"2020-03-03"``."""
    local = _to_london(instant, precision)
    day = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if precision == "day":
        return day
    return f"{day} {local.hour:02d}:{local.minute:02d}"


def to_rfc3339(instant: datetime) -> str:
    """Write an instant as RFC 3339 in UTC to the second: ``"2020-03-03T14:00:00+00:00"``.

    Sub-second digits are dropped. Raises ValueError for a naive datetime.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"to_rfc3339 needs a timezone-aware datetime, got naive {instant!r}")
    return instant.astimezone(UTC).replace(microsecond=0).isoformat()


def from_rfc3339(text: str) -> datetime:
    """Read an RFC 3339 timestamp (as written by :func:`to_rfc3339`); returns an aware UTC datetime.

    This reads stored data, not typing, so it is strict and raises ValueError (not InputError)
    for anything that is not a full RFC 3339 date-time with an offset or ``Z``; callers reading
    user-supplied files should turn that into the appropriate residentlog error.
    """
    if (  # exactly what to_rfc3339 writes (every stored time): read without the pattern
        len(text) == 25
        and text.endswith("+00:00")
        and text[4] == text[7] == "-"
        and text[10] == "T"
        and text[13] == text[16] == ":"
        and text.isascii()
    ):
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            pass  # the pattern below says why
        else:
            return instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    if not _re(_RFC3339).fullmatch(text):
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    return datetime.fromisoformat(text.upper()).astimezone(UTC)


# --------------------------------------------------------------------------------------------
# Reading the text
# --------------------------------------------------------------------------------------------


def _interpret(text: str, now_utc: datetime) -> _Reading:
    """Turn the text into a day or an instant, without the future check."""
    shown = _quote(text)
    s = _re(_AMPM_DOTS).sub(r"\1m", " ".join(text.split()).lower())
    if not s:
        raise InputError(f"No date or time was given; say when it happened ({_EXAMPLES})")
    today = now_utc.astimezone(LONDON).date()

    if s == "now":
        return _Reading("minute", instant=_minute(now_utc))
    ago = _ago(s, shown, now_utc, today)
    if ago is not None:
        return ago
    if _re(_ISO_START).match(s):
        iso = _iso_whole(s, shown)
        if iso is not None:
            return iso

    zone: str | None = None
    label = _re(_ZONE_LABEL).search(s)
    if label:
        zone = label["zone"]
        s = s[: label.start()].rstrip(" ,")

    # Split into a date part and an optional time of day.
    kind = "plain"
    time_text: str | None = None
    clock = _parse_time(s, shown)
    if clock is not None:
        date_part = "today"
        kind = "time-today"
    else:
        split = (
            _re(_ISO_T).fullmatch(s) or _re(_TRAILING_TIME).fullmatch(s) or _re(_LEADING_TIME).fullmatch(s)
        )
        if split:
            date_part = split["date"]
            time_text = split["time"]
            clock = _parse_time(time_text, shown)
            if clock is None:  # only possible after an ISO "T"
                raise InputError(f"{shown} is not a date or time residentlog understands; {_EXAMPLES}")
        else:
            date_part = s

    spoken = _spoken(date_part, shown, now_utc)
    if spoken is not None:
        return _spoken_reading(spoken, time_text, clock, zone, shown)

    day, yearless, typed_clock = _parse_date_part(date_part, shown, today)
    if typed_clock is not None:
        if clock is not None:
            raise InputError(f"{shown} seems to give two different times of day; give just one")
        clock = typed_clock
    if yearless:
        kind = "yearless"

    if clock is None:
        if zone is not None:
            raise InputError(
                f"{shown} gives a time zone but no time of day; add the time, or leave out the zone"
            )
        return _Reading("day", day=day, kind=kind)
    local = datetime.combine(day, time(*clock))
    return _Reading("minute", instant=_localise(local, zone, shown), kind=kind)


def _ago(s: str, shown: str, now_utc: datetime, today: date) -> _Reading | None:
    """``N minutes/hours ago`` (an instant) and ``N days/weeks ago`` (a day)."""
    m = _re(_AGO).fullmatch(s)
    if m is None:
        return None
    n = int(m["n"]) if m["n"] is not None else _NUMBER_WORDS[m["word"]]
    unit = m["unit"]
    try:
        if unit.startswith(("min", "h")):
            delta = timedelta(minutes=n) if unit.startswith("min") else timedelta(hours=n)
            instant = _minute(now_utc - delta)
            if instant.astimezone(LONDON).year < _MIN_YEAR:
                raise OverflowError
            return _Reading("minute", instant=instant)
        days = n * 7 if unit.startswith("w") else n
        day = today - timedelta(days=days)
    except OverflowError:
        day = date.min
    if day.year < _MIN_YEAR:
        raise InputError(f"{shown} is before {_MIN_YEAR}; residentlog only records dates from {_MIN_YEAR} on")
    return _Reading("day", day=day)


class _Spoken:
    """A day or range said in words ("last Tuesday evening", "last week"), before any time of day."""

    __slots__ = ("day", "hour", "part", "today", "until")

    def __init__(
        self,
        day: date,
        *,
        part: str | None = None,
        hour: int | None = None,
        until: date | None = None,
        today: bool = False,
    ) -> None:
        self.day = day  # the day (a night: the day it began), or a range's first day
        self.part = part  # a key of _PARTS, or None for the whole day
        self.hour = hour  # a bare hour after the part ("last night at 11"), not yet read in it
        self.until = until  # a range: the day after its last day
        self.today = today  # "this morning", "tonight" (of today): the hint on a future date


def _spoken(dp: str, shown: str, now_utc: datetime) -> _Spoken | None:
    """``last Tuesday [evening] [at 8]``, ``this morning``, ``tonight``, ``yesterday night``,
    ``last night``, ``this/last week``, ``this/last month``; None for anything else."""
    hour: int | None = None
    bare = _re(_PART_HOUR).fullmatch(dp)
    if bare:
        dp, hour = bare["phrase"], int(bare["hour"])
    words = dp.replace(",", " ").split()
    if not words or len(words) > 3:
        return None
    local_now = now_utc.astimezone(LONDON)
    today = local_now.date()
    first, rest = words[0], words[1:]
    spoken: _Spoken | None = None
    if words == ["tonight"]:
        if local_now.hour < _TONIGHT_UNTIL:
            spoken = _Spoken(today - timedelta(days=1), part="night")
        else:
            spoken = _Spoken(today, part="night", today=True)
    elif first == "this" and len(rest) == 1 and rest[0] in ("morning", "afternoon", "evening"):
        spoken = _Spoken(today, part=rest[0], today=True)
    elif first == "yesterday" and len(rest) == 1 and rest[0] in _PARTS:
        spoken = _Spoken(today - timedelta(days=1), part=rest[0])
    elif first == "last" and rest == ["night"]:
        spoken = _Spoken(today - timedelta(days=1), part="night")
    elif first == "last" and rest and rest[0] in _WEEKDAY_WORDS:
        if len(rest) == 2 and rest[1] not in _PARTS:
            return None
        back = (today.weekday() - _WEEKDAY_WORDS[rest[0]]) % 7 or 7  # strictly before today
        spoken = _Spoken(today - timedelta(days=back), part=rest[1] if len(rest) == 2 else None)
    elif first == "this" and rest and rest[0] in _WEEKDAY_WORDS:  # this coming one, or the last?
        name = _WEEKDAY_NAMES[_WEEKDAY_WORDS[rest[0]]]
        raise InputError(f"{shown} could mean more than one day; say 'last {name}', or give the date")
    elif first in ("this", "last") and rest in (["week"], ["month"]):
        if hour is not None:
            return None
        return _range(first == "last", rest[0], shown, today)
    if spoken is None:
        return None
    spoken.hour = hour
    _check_year(spoken.day.year, shown)
    return spoken


def _range(last: bool, unit: str, shown: str, today: date) -> _Spoken:
    """This or last week (Monday to Sunday) or calendar month, as its first day and the day after."""
    try:
        if unit == "week":
            start = today - timedelta(days=today.weekday())
            if last:
                start -= timedelta(days=7)
            until = start + timedelta(days=7)
        else:
            start = today.replace(day=1)
            if last:
                start = (start - timedelta(days=1)).replace(day=1)
            until = (start + timedelta(days=31)).replace(day=1)
    except (OverflowError, ValueError):
        raise InputError(f"{shown} is too far in the future") from None
    _check_year(start.year, shown)
    return _Spoken(start, until=until)


def _spoken_reading(
    spoken: _Spoken, time_text: str | None, clock: tuple[int, int] | None, zone: str | None, shown: str
) -> _Reading:
    """What a phrase from :func:`_spoken` means, with the time of day typed with it (if any)."""
    if spoken.until is not None:
        if clock is not None or zone is not None:
            raise InputError(
                f"{shown} gives a time of day for a range of days; say which day, e.g. 'last Tuesday 6pm'"
            )
        return _Reading("day", day=spoken.day, until=spoken.until)
    explicit = True
    if spoken.hour is not None:
        if clock is not None:
            raise InputError(f"{shown} seems to give two different times of day; give just one")
        if spoken.hour > 23:
            raise InputError(
                f"{shown} is not a real time (there is no hour {spoken.hour}; hours go from 00 to 23)"
            )
        clock, explicit = (spoken.hour, 0), spoken.hour == 0 or spoken.hour > 12
    elif clock is not None and time_text is not None:
        explicit = clock[0] == 0 or clock[0] > 12 or _re(_EXPLICIT_CLOCK).search(time_text) is not None
    kind = "part-today" if spoken.today else "plain"
    if clock is None:
        if zone is not None:
            raise InputError(
                f"{shown} gives a time zone but no time of day; add the time, or leave out the zone"
            )
        if spoken.part is None:
            return _Reading("day", day=spoken.day)
        start = datetime.combine(spoken.day, time()) + timedelta(minutes=_PARTS[spoken.part][0])
        return _Reading(
            "day", day=spoken.day, part=spoken.part, starts=_localise(start, None, shown), kind=kind
        )
    if spoken.part is None:
        local = datetime.combine(spoken.day, time(*clock))
    else:
        local = _in_part(spoken.day, spoken.part, clock, explicit, shown)
    return _Reading("minute", instant=_localise(local, zone, shown), kind=kind, part=spoken.part)


def _in_part(day: date, part: str, clock: tuple[int, int], explicit: bool, shown: str) -> datetime:
    """The local time ``clock`` in that part of ``day`` (a night's small hours are the next day).

    A time without am/pm (``explicit`` False) may be read 12 hours on: "evening 7:30" is 19:30.
    """
    start, end, named = _PARTS[part]
    hour, minute = clock
    hours = [hour] if explicit else [hour % 12, hour % 12 + 12]
    for h in hours:
        for minutes in (h * 60 + minute, (h + 24) * 60 + minute):
            if start <= minutes < end:
                return datetime.combine(day, time()) + timedelta(minutes=minutes)
    raise InputError(f"{shown} does not add up: {hour:02d}:{minute:02d} is not {named}")


def _raise_range(shown: str, reading: _Reading) -> None:
    """A range of days where one moment is needed: ask which day."""
    assert reading.day is not None and reading.until is not None
    start = reading.day
    example = f"'{start.day} {_MONTH_NAMES[start.month - 1]} {start.year}'"
    if reading.until - start == timedelta(days=7):
        example = f"'last Tuesday' or {example}"
    raise InputError(f"{shown} is a range of days; say which day, e.g. {example}")


def _iso_whole(s: str, shown: str) -> _Reading | None:
    """ISO 8601 via ``fromisoformat``; None if it does not parse (the caller then explains why)."""
    t = _re(_ISO_PAD).sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", s.upper(), count=1)
    try:
        only_day = date.fromisoformat(t)
    except ValueError:
        pass
    else:
        _check_year(only_day.year, shown)
        return _Reading("day", day=only_day)
    try:
        stamp = datetime.fromisoformat(t)
    except ValueError:
        return None
    _check_year(stamp.year, shown)
    if stamp.tzinfo is None:
        return _Reading("minute", instant=_localise(stamp.replace(second=0, microsecond=0), None, shown))
    try:
        instant = stamp.astimezone(UTC)
    except OverflowError:
        raise InputError(f"{shown} is too far in the future") from None
    _check_year(instant.astimezone(LONDON).year, shown)
    return _Reading("minute", instant=_minute(instant))


def _parse_time(s: str, shown: str) -> tuple[int, int] | None:
    """A time of day as (hour, minute); None if ``s`` is not time-shaped; InputError if impossible."""
    if s in ("noon", "midday"):
        return 12, 0
    if s == "midnight":
        return 0, 0
    m = _re(_TIME_12).fullmatch(s)
    if m:
        hour, minute = int(m["h"]), int(m["m"] or 0)
        if not 1 <= hour <= 12:
            raise InputError(f"{shown} is not a real time (with am/pm the hour goes from 1 to 12)")
        if minute > 59:
            raise InputError(f"{shown} is not a real time (minutes go from 00 to 59)")
        return hour % 12 + (12 if m["ap"] == "pm" else 0), minute
    m = _re(_TIME_24).fullmatch(s)
    if m:
        hour, minute, second = int(m["h"]), int(m["m"]), int(m["s"] or 0)
        if hour > 23:
            raise InputError(f"{shown} is not a real time (there is no hour {hour}; hours go from 00 to 23)")
        if minute > 59 or second > 59:
            raise InputError(f"{shown} is not a real time (minutes and seconds go from 00 to 59)")
        return hour, minute
    return None


def _parse_date_part(dp: str, shown: str, today: date) -> tuple[date, bool, tuple[int, int] | None]:
    """The date half of the text: (date, year was left out, time of day dateutil found)."""
    if dp == "today":
        return today, False, None
    if dp == "yesterday":
        return today - timedelta(days=1), False, None
    if dp == "tomorrow":
        return today + timedelta(days=1), False, None
    ago = _re(_AGO).fullmatch(dp)
    if ago and ago["unit"].startswith(("d", "w")):  # "2 days ago at 14:00"
        reading = _ago(dp, shown, datetime.combine(today, time(12), UTC), today)
        assert reading is not None and reading.day is not None
        return reading.day, False, None

    weekdays = {_WEEKDAY_WORDS[w.rstrip(",")] for w in _re(_WEEKDAY).findall(dp)}
    if weekdays:
        dp = " ".join(_re(_WEEKDAY).sub(" ", dp).split()).strip(" ,")
        if not dp:
            name = _WEEKDAY_NAMES[min(weekdays)]
            raise InputError(
                f"{shown} needs the date as well as the day of the week, e.g. '{name} 3 March 2020' "
                f"or 'last {name}'"
            )

    clock: tuple[int, int] | None = None
    m = _re(_NUMERIC_DATE).fullmatch(dp)
    iso = _re(_ISO_DATE).fullmatch(dp)
    if m:
        day, yearless = _numeric_date(m, shown, today)
    elif iso:
        day = _valid_date(int(iso["y"]), int(iso["m"]), int(iso["d"]), shown)
        yearless = False
    elif _re(_ISO_START).match(dp) or not re.search(r"[a-z0-9]", dp):
        raise InputError(f"{shown} is not a date or time residentlog understands; {_EXAMPLES}")
    else:
        day, yearless, clock = _worded_date(dp, shown, today)

    if weekdays and weekdays != {day.weekday()}:
        typed = "/".join(_WEEKDAY_NAMES[w] for w in sorted(weekdays))
        verb = "is" if day >= today else "was"
        raise InputError(
            f"{shown} does not add up: {day.day} {_MONTH_NAMES[day.month - 1]} {day.year} {verb} a "
            f"{_WEEKDAY_NAMES[day.weekday()]}, "
            f"not a {typed}"
        )
    return day, yearless, clock


def _numeric_date(m: re.Match[str], shown: str, today: date) -> tuple[date, bool]:
    """``3/3/2020``, ``03.03.20``, ``3-3-2020``, ``3/3``: always day first."""
    d, mo = int(m["d"]), int(m["m"])
    y_text = m["y"]
    if y_text is None:
        return _yearless_date(mo, d, shown, today), True
    year = int(y_text)
    if len(y_text) == 2:  # 00..99: the most recent year ending in those digits, not in the future
        year += 2000 if 2000 + year <= today.year else 1900
    if not 1 <= mo <= 12 and 1 <= d <= 12 and mo <= _days_in_month(year, d):
        sep = m["sep"]
        raise InputError(
            f"{shown} is not a real date (there is no month {mo}); UK dates put the day first, "
            f"e.g. {mo:02d}{sep}{d:02d}{sep}{y_text}"
        )
    return _valid_date(year, mo, d, shown), False


def _worded_date(dp: str, shown: str, today: date) -> tuple[date, bool, tuple[int, int] | None]:
    """``3 March 2020``, ``March 3 2020``, ``3rd of Mar``: dateutil, day first, no fuzzing."""
    results = _dateutil(dp)
    if results is None:
        _diagnose_worded(dp, shown, today)
        raise InputError(f"{shown} is not a date or time residentlog understands; {_EXAMPLES}")
    a, b = results
    if a.tzinfo is not None or b.tzinfo is not None:
        raise InputError(
            f"{shown} has a time zone residentlog cannot use; give UK time, or add 'UTC' at the end"
        )
    month_given, day_given, year_given = a.month == b.month, a.day == b.day, a.year == b.year
    if not month_given:
        raise InputError(f"{shown} is not a full date; give the day, month and year, e.g. '3 March 2020'")
    if not day_given:
        year = a.year if year_given else today.year
        raise InputError(
            f"{shown} has no day of the month; add it, e.g. '3 {_MONTH_NAMES[a.month - 1]} {year}'"
        )
    clock = (a.hour, a.minute) if a.hour == b.hour else None
    if not year_given:
        return _yearless_date(a.month, a.day, shown, today), True, clock
    return _valid_date(a.year, a.month, a.day, shown), False, clock


def _dateutil(dp: str) -> tuple[datetime, datetime] | None:
    """Parse twice with different defaults; None if dateutil cannot read it at all."""
    from dateutil import parser as dateutil_parser  # lazy: costs ~15 ms, only needed for words

    out: list[datetime] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. an unknown zone name: treat as unreadable
        for default in (_DEFAULT_A, _DEFAULT_B):
            try:
                out.append(dateutil_parser.parse(dp, dayfirst=True, fuzzy=False, default=default))
            except Exception:  # dateutil is heuristic; any failure inside it means "not understood"
                return None
    return out[0], out[1]


def _diagnose_worded(dp: str, shown: str, today: date) -> None:
    """After dateutil gave up: if this looks like "day month [year]", say what is impossible."""
    months: list[int] = []
    days: list[int] = []
    years: list[int] = []
    for token in re.findall(r"[a-z]+|\d+", dp, re.ASCII):
        if token in _MONTH_WORDS:
            months.append(_MONTH_WORDS[token])
        elif token.isdigit() and len(token) <= 2:
            days.append(int(token))
        elif token.isdigit() and len(token) == 4:
            years.append(int(token))
        elif token not in ("st", "nd", "rd", "th", "of"):
            return
    if len(months) != 1 or len(days) != 1 or len(years) > 1:
        return
    if years:
        _valid_date(years[0], months[0], days[0], shown)
    else:
        _yearless_date(months[0], days[0], shown, today)


# --------------------------------------------------------------------------------------------
# Checking and converting
# --------------------------------------------------------------------------------------------


def _valid_date(year: int, month: int, day: int, shown: str) -> date:
    """``date(year, month, day)``, or an InputError saying which part is impossible."""
    _check_year(year, shown)
    if not 1 <= month <= 12:
        raise InputError(f"{shown} is not a real date (there is no month {month})")
    if day == 0:
        raise InputError(f"{shown} is not a real date (there is no day 0)")
    if day > _days_in_month(year, month):
        raise InputError(
            f"{shown} is not a real date ({_MONTH_NAMES[month - 1]} {year} has no {_ordinal(day)})"
        )
    return date(year, month, day)


def _yearless_date(month: int, day: int, shown: str, today: date) -> date:
    """A day and month without a year: this year (in London)."""
    if not 1 <= month <= 12:
        raise InputError(f"{shown} is not a real date (there is no month {month})")
    if day == 0 or day > _days_in_month(2000, month):
        what = "there is no day 0" if day == 0 else f"{_MONTH_NAMES[month - 1]} has no {_ordinal(day)}"
        raise InputError(f"{shown} is not a real date ({what})")
    if day > _days_in_month(today.year, month):
        raise InputError(
            f"{shown} would be {day} {_MONTH_NAMES[month - 1]} {today.year}, which is not a real date "
            f"({today.year} is not a leap year); add the year"
        )
    return date(today.year, month, day)


def _check_year(year: int, shown: str) -> None:
    if year < _MIN_YEAR:
        raise InputError(f"{shown} is before {_MIN_YEAR}; residentlog only records dates from {_MIN_YEAR} on")


def _localise(local: datetime, zone: str | None, shown: str) -> datetime:
    """Naive wall-clock time in London (or UTC if ``zone == "utc"``) to an aware UTC instant."""
    if zone == "utc":
        return local.replace(tzinfo=UTC)
    candidates: list[datetime] = []
    for fold in (0, 1):
        aware = local.replace(tzinfo=LONDON, fold=fold)
        try:
            back = aware.astimezone(UTC).astimezone(LONDON)
        except OverflowError:
            raise InputError(f"{shown} is too far in the future") from None
        if back.replace(tzinfo=None) == local and all(c.utcoffset() != aware.utcoffset() for c in candidates):
            candidates.append(aware)
    if not candidates:
        raise InputError(f"{shown} never happened in the UK: {_gap_explanation(local)}")
    if zone is not None:
        chosen = [c for c in candidates if (c.tzname() or "").lower() == zone]
        if not chosen:
            actual = candidates[0].tzname()
            raise InputError(
                f"{shown} does not add up: UK clocks were on {actual}, not {zone.upper()}, at that time"
            )
        candidates = chosen
    return candidates[0].astimezone(UTC)  # first occurrence when the clocks went back (fold=0)


def _gap_explanation(local: datetime) -> str:
    """Say when the clocks jumped forward around a local time that does not exist."""
    before = local.replace(tzinfo=LONDON, fold=0).astimezone(UTC)
    after = local.replace(tzinfo=LONDON, fold=1).astimezone(UTC)
    lo, hi = min(before, after), max(before, after)

    def offset(t: datetime) -> timedelta | None:
        return t.astimezone(LONDON).utcoffset()

    while hi - lo > timedelta(seconds=1):  # binary search for the moment of the change
        mid = lo + (hi - lo) / 2
        if offset(mid) == offset(lo):
            lo = mid
        else:
            hi = mid
    old = offset(lo) or timedelta(0)
    new = offset(hi) or timedelta(0)
    jump_from = (hi + old).replace(tzinfo=None)
    jump_to = (hi + new).replace(tzinfo=None)
    return (
        f"the clocks went forward that night, straight from {jump_from:%H:%M} to {jump_to:%H:%M}; "
        f"check the time"
    )


def _local_midnight(day: date, shown: str) -> datetime:
    return _localise(datetime.combine(day, time()), None, shown)


def _raise_future(shown: str, reading: _Reading, now_utc: datetime) -> None:
    if reading.kind == "yearless" and reading.day is not None:
        d = reading.day
        raise InputError(
            f"{shown} would be {_long_date(d)}, which is in the future; add the year, "
            f"e.g. '{d.day} {_MONTH_NAMES[d.month - 1]} {d.year - 1}'"
        )
    if reading.kind == "yearless" and reading.instant is not None:
        d = reading.instant.astimezone(LONDON).date()
        raise InputError(f"{shown} would be {_long_date(d)}, which is in the future; add the year")
    if reading.kind == "part-today" and reading.part is not None:
        local_now = now_utc.astimezone(LONDON)
        typed = " ".join(shown.strip("'").split())
        instead = re.sub(r"\bthis\s+(morning|afternoon|evening)\b", r"yesterday \1", typed, flags=re.I)
        instead = re.sub(r"\btonight\b", "last night", instead, flags=re.I)
        if reading.precision == "day":
            starts = _PARTS[reading.part][0]
            raise InputError(
                f"{shown} is in the future: the {reading.part} starts at {starts // 60:02d}:00 and it is "
                f"{local_now:%H:%M} now; did you mean '{instead}'?"
            )
        raise InputError(f"{shown} is later than the time now ({local_now:%H:%M}); did you mean '{instead}'?")
    if reading.kind == "time-today":
        local_now = now_utc.astimezone(LONDON)
        typed = " ".join(shown.strip("'").split())
        raise InputError(
            f"{shown} is later than the time now ({local_now:%H:%M}); if you mean yesterday, "
            f"write 'yesterday {typed}'"
        )
    raise InputError(f"{shown} is in the future; an entry records something that already happened")


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _check_now(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(UTC)


def _to_london(instant: datetime, precision: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"cannot format a naive datetime: {instant!r}")
    if precision not in ("day", "minute"):
        raise ValueError(f"precision must be 'day' or 'minute', not {precision!r}")
    return instant.astimezone(LONDON)


def _minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _long_date(d: date) -> str:
    return f"{_WEEKDAY_NAMES[d.weekday()]} {d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"


def _quote(text: str) -> str:
    """The user's text, on one line and not too long, in single quotes, for error messages."""
    shown = " ".join(text.split())
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in shown)
    if len(shown) > _MAX_SHOWN:
        shown = shown[: _MAX_SHOWN - 1] + "…"
    return f"'{shown}'"


def utc_now() -> datetime:
    """Now, in UTC: the one clock every command reads (tests replace it)."""
    return datetime.now(UTC)
