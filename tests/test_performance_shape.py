"""The shape of the fast paths (issue 14): behaviour, never timings (those are in bench/)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from residentlog.deadlines.workdays import CALENDARS, is_working_day, working_days_between


def _walked(a: date, b: date, nation: str) -> int:
    """The day-by-day count working_days_between replaced (counted, not walked, since issue 14)."""
    lo, hi = (a, b) if a <= b else (b, a)
    count = sum(1 for k in range(1, (hi - lo).days + 1) if is_working_day(lo + timedelta(days=k), nation))
    return count if a <= b else -count


def test_working_days_between_counts_as_the_day_by_day_walk_did() -> None:
    rng = random.Random(14)
    for _ in range(1500):
        a = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
        b = a + timedelta(days=rng.randrange(-400, 1500))
        nation = rng.choice(list(CALENDARS))
        assert working_days_between(a, b, nation) == _walked(a, b, nation), (a, b, nation)


def test_working_days_between_known_values() -> None:
    # Fri 3 Jan 2025 to Fri 10 Jan 2025: Mon–Fri, 5 working days; Christmas week 2024 in England
    # and Wales: 23, 24, 27 (Fri), 30, 31 Dec minus 25 and 26 Dec bank holidays.
    assert working_days_between(date(2025, 1, 3), date(2025, 1, 10), "england") == 5
    assert working_days_between(date(2024, 12, 20), date(2024, 12, 31), "england") == 5
    assert working_days_between(date(2024, 12, 31), date(2024, 12, 20), "england") == -5
    assert working_days_between(date(2025, 1, 1), date(2025, 1, 1), "england") == 0
    # Scotland also has 2 January.
    assert working_days_between(date(2024, 12, 31), date(2025, 1, 3), "scotland") == 1
    assert working_days_between(date(2024, 12, 31), date(2025, 1, 3), "england") == 2
