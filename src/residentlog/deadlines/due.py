"""When a rule's time runs out: the due date (or instant) of a clock, counted from the entry that
started it, with the sentence that shows the counting; and the same due date moved by an
extension. The engine (:mod:`residentlog.deadlines.engine`) decides which clocks run, which
entry stops them and which extension applies; this module only counts (the rules of counting:
the engine module's **Due.**).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, get_args

from residentlog.deadlines.policy import Rule, Unit, describe_amount
from residentlog.deadlines.workdays import (
    CALENDAR_LABELS,
    add_working_days,
    end_of_uk_day,
    format_day,
    format_instant,
    month_end_clamped,
    next_working_day,
    receipt_day,
    skipped_days,
    uk_date,
    uk_local,
)
from residentlog.errors import PolicyError

if TYPE_CHECKING:
    from residentlog.deadlines.engine import EntryFacts


@dataclass(frozen=True)
class Due:
    due_at: datetime
    due_date: date | None
    day_zero: date | None
    text: str  # "Mon 10 Mar 2025 = acknowledged Mon 24 Feb (entry 41, day zero) + 10 working days; ..."


def due_of(rule: Rule, start: EntryFacts, calendar: str, extra: tuple[int, str] | None = None) -> Due:
    """When the clock falls due, with the sentence explaining it.

    ``extra`` (amount, unit) is an extension in the rule's own unit, added to the allowance and
    counted from the same start (so 1 + 2 calendar months is 3 months from receipt).
    """
    amount = rule.allowed.amount + (extra[0] if extra else 0)
    unit = rule.unit
    what = f"{start.event} "
    if unit == "hours":
        due_at = start.occurred_at + timedelta(hours=amount)
        text = (
            f"{format_instant(due_at)} = {what}{format_instant(start.occurred_at)} "
            f"(entry {start.number}) + {describe_amount(amount, unit)}, counted round the clock"
        )
        return Due(due_at, None, None, text)

    event_day = uk_date(start.occurred_at)
    d0 = receipt_day(start.occurred_at, calendar, day_zero=rule.day_zero, after_hours=rule.after_hours)
    tail: list[str] = []
    if unit == "working_days":
        due = add_working_days(d0, amount, calendar)
        weekend, hols = skipped_days(d0, due, calendar)
        tail.append(f"{weekend} weekend day{'s' if weekend != 1 else ''} skipped")
        if hols:
            names = ", ".join(f"{name} {format_day(d, year=False)}" for d, name in hols)
            tail.append(f"{len(hols)} bank holiday{'s' if len(hols) != 1 else ''} skipped ({names})")
        else:
            tail.append("no bank holidays")
        tail[-1] += f" ({CALENDAR_LABELS[calendar]})"
    elif unit == "calendar_days":
        due = d0 + timedelta(days=amount - (1 if rule.inclusive else 0))
    elif unit == "calendar_months":
        due, clamped = month_end_clamped(d0, amount)
        if clamped:
            tail.append(f"no day {d0.day} in that month, so its last day")
    else:
        raise unknown_unit(rule.id, unit)
    if rule.roll_forward:
        rolled = next_working_day(due, calendar, inclusive=True)
        if rolled != due:
            tail.append(f"{format_day(due, year=False)} is not a working day, so the next working day")
            due = rolled

    same_year = d0.year == due.year
    # Months run from a date to the same date: "day zero" would mislead (the ICO calls it day one).
    label = "day 1" if rule.inclusive else ("" if unit == "calendar_months" else "day zero")
    if d0 != event_day:
        why = "after hours" if _after_hours(start.occurred_at, rule) else "on a non-working day"
        start_txt = (
            f"{what}{format_day(event_day, year=not same_year)} {why} (entry {start.number}), "
            f"counted from {format_day(d0, year=not same_year)}" + (f" ({label})" if label else "")
        )
    else:
        start_txt = f"{what}{format_day(d0, year=not same_year)} (entry {start.number}" + (
            f", {label})" if label else ")"
        )
    counting = describe_amount(amount, unit)
    if rule.inclusive:
        counting += " counting that day"
    text = f"{format_day(due)} = {start_txt} + {counting}"
    if tail:
        text += "; " + "; ".join(tail)
    return Due(end_of_uk_day(due), due, d0, text)


def _after_hours(dt: datetime, rule: Rule) -> bool:
    return rule.after_hours is not None and uk_local(dt).time().replace(tzinfo=None) >= rule.after_hours


def on_time(due: Due, t: datetime) -> bool:
    if due.due_date is None:
        return t <= due.due_at
    return uk_date(t) <= due.due_date


def unknown_unit(what: str, unit: str) -> PolicyError:
    """A unit the engine cannot count in: refused, never guessed (packs are validated on load,
    so this is a pack built without validation, or a unit added to the pack format only)."""
    units = ", ".join(get_args(Unit))
    return PolicyError(f"{what}: cannot count in {unit!r}; a timeframe is counted in {units}")


def shift(due: Due, amount: int, unit: str, calendar: str) -> Due:
    """An extension in a different unit from the rule's, added to the original due date."""
    if unit == "hours":
        return Due(due.due_at + timedelta(hours=amount), None, due.day_zero, "")
    base = due.due_date if due.due_date is not None else uk_date(due.due_at)
    if unit == "working_days":
        day = add_working_days(base, amount, calendar)
    elif unit == "calendar_days":
        day = base + timedelta(days=amount)
    elif unit == "calendar_months":
        day, _ = month_end_clamped(base, amount)
    else:
        raise unknown_unit("an extension", unit)
    return Due(end_of_uk_day(day), day if due.due_date is not None else None, due.day_zero, "")
