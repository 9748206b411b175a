"""Small wording helpers every document uses: plurals, money, dates in words, capitals.

One definition each, so a chronology, a letter and a bundle's README word a count, an amount
or a date the same way. Nothing here escapes text: callers escape user text for their format.
"""

from __future__ import annotations

from datetime import date, datetime

from residentlog.ledger.vocabulary import money as money  # the one wording of an amount, beside parse_money
from residentlog.ledger.when import LONDON

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def noun(n: int, one: str, many: str | None = None) -> str:
    """The word for ``n`` things: ``entry`` for 1, ``entries`` (or ``one + "s"``) otherwise."""
    return one if n == 1 else (many or one + "s")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 report``, ``14 reports``, ``1,503 days``."""
    return f"{n:,} {noun(n, one, many)}"


def times(n: int) -> str:
    """``once``, ``twice``, ``14 times``."""
    return {1: "once", 2: "twice"}.get(n, f"{n:,} times")


def capitalise(text: str) -> str:
    """``text`` with its first character in upper case, the rest as it is."""
    return text[:1].upper() + text[1:]


def one_line(text: str) -> str:
    """``text`` on one line: every run of white space (newlines too) as one space."""
    return " ".join(text.split())


def uk_time(instant: datetime) -> datetime:
    """``instant`` in UK time (London), where every document dates things."""
    return instant.astimezone(LONDON)


def long_date(d: date) -> str:
    """``3 September 2019``."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def long_day(d: date) -> str:
    """``Tuesday 3 September 2019``."""
    return f"{_WEEKDAYS[d.weekday()]} {long_date(d)}"


def long_when(instant: datetime, precision: str = "minute") -> str:
    """``3 September 2019 at 08:15`` (UK time), or ``3 September 2019`` for a day-precision entry."""
    local = uk_time(instant)
    if precision == "day":
        return long_date(local.date())
    return f"{long_date(local.date())} at {local:%H:%M}"
