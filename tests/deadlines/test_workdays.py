"""Working-day arithmetic against real UK bank holidays (golden dates), and its invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residentlog.deadlines.workdays import (
    CALENDARS,
    add_calendar_days,
    add_calendar_months,
    add_hours,
    add_working_days,
    bank_holiday_name,
    bank_holiday_tables,
    bank_holidays,
    end_of_uk_day,
    format_day,
    format_instant,
    has_bank_holiday_tables,
    holiday_data_version,
    is_working_day,
    next_working_day,
    receipt_day,
    resolve_calendar,
    skipped_days,
    uk_date,
    uk_local,
    use_bank_holiday_tables,
    working_days_between,
)
from residentlog.errors import InputError

EW, SCT, NI, ANY = "england-wales", "scotland", "northern-ireland", "any-uk"


# -- calendars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "calendar"),
    [
        ("england", EW),
        ("Wales", EW),
        ("ENG", EW),
        ("WLS", EW),
        ("england-and-wales", EW),
        ("SCT", SCT),
        ("northern ireland", NI),
        ("NIR", NI),
        ("uk", ANY),
        ("any-uk", ANY),
    ],
)
def test_calendar_aliases(alias: str, calendar: str) -> None:
    assert resolve_calendar(alias) == calendar


def test_unknown_calendar_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown nation or calendar 'france'"):
        is_working_day(date(2025, 1, 2), "france")


def test_holiday_data_version_names_the_package() -> None:
    assert holiday_data_version().startswith("holidays ")


# -- Christmas and New Year --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "nation", "expected"),
    [
        # 2020: Christmas Fri, Boxing Day Sat -> substitute Mon 28 Dec.
        (date(2020, 12, 24), 1, EW, date(2020, 12, 29)),
        # 2021: Christmas Sat, Boxing Day Sun -> substitutes Mon 27 and Tue 28 Dec.
        (date(2021, 12, 24), 1, EW, date(2021, 12, 29)),
        (date(2021, 12, 24), 1, SCT, date(2021, 12, 29)),
        (date(2021, 12, 24), 1, NI, date(2021, 12, 29)),
        # 2022: Christmas Sun -> Boxing Day Mon 26, substitute Tue 27 Dec.
        (date(2022, 12, 23), 1, EW, date(2022, 12, 28)),
        # New Year 2022: 1 Jan Sat -> substitute Mon 3 Jan; Scotland also 2 Jan (Sun) -> Tue 4 Jan.
        (date(2021, 12, 31), 1, EW, date(2022, 1, 4)),
        (date(2021, 12, 31), 1, SCT, date(2022, 1, 5)),
        # 2 January 2025 (Thu) is a bank holiday in Scotland only.
        (date(2024, 12, 31), 1, EW, date(2025, 1, 2)),
        (date(2024, 12, 31), 1, SCT, date(2025, 1, 3)),
        (date(2024, 12, 31), 1, ANY, date(2025, 1, 3)),
        # Across Christmas 2024 (Wed 25, Thu 26) and New Year (Wed 1 Jan).
        (date(2024, 12, 20), 5, EW, date(2024, 12, 31)),
        (date(2024, 12, 20), 7, EW, date(2025, 1, 3)),
        (date(2024, 12, 20), 7, SCT, date(2025, 1, 6)),
    ],
)
def test_christmas_and_new_year(start: date, n: int, nation: str, expected: date) -> None:
    assert add_working_days(start, n, nation) == expected


def test_substitute_days_are_not_working_days() -> None:
    assert not is_working_day(date(2021, 12, 27), EW)
    assert not is_working_day(date(2021, 12, 28), EW)
    assert bank_holiday_name(date(2021, 12, 28), EW) == "Boxing Day (observed)"
    assert not is_working_day(date(2022, 1, 3), EW)
    assert is_working_day(date(2022, 1, 4), EW)
    assert not is_working_day(date(2022, 1, 4), SCT)


# -- Easter --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "expected"),
    [
        # Good Friday 18 Apr 2025 everywhere; Easter Monday 21 Apr not in Scotland.
        (EW, date(2025, 4, 22)),
        (SCT, date(2025, 4, 21)),
        (NI, date(2025, 4, 22)),
        (ANY, date(2025, 4, 22)),
    ],
)
def test_easter_2025(nation: str, expected: date) -> None:
    assert add_working_days(date(2025, 4, 17), 1, nation) == expected


def test_easter_monday_is_not_a_scottish_bank_holiday() -> None:
    assert bank_holiday_name(date(2024, 4, 1), EW) == "Easter Monday"
    assert bank_holiday_name(date(2024, 4, 1), SCT) is None
    assert is_working_day(date(2024, 4, 1), SCT)
    assert not is_working_day(date(2024, 3, 29), SCT)  # Good Friday is


def test_twenty_working_days_over_easter_and_may_day() -> None:
    # Stage 2 response clock: acknowledged Wed 16 Apr 2025, 20 working days, England.
    due = add_working_days(date(2025, 4, 16), 20, EW)
    assert due == date(2025, 5, 19)
    weekend, hols = skipped_days(date(2025, 4, 16), due, EW)
    assert weekend == 10
    assert hols == [
        (date(2025, 4, 18), "Good Friday"),
        (date(2025, 4, 21), "Easter Monday"),
        (date(2025, 5, 5), "May Day"),
    ]
    assert add_working_days(date(2025, 4, 16), 20, SCT) == date(2025, 5, 16)


# -- Scotland and Northern Ireland ---------------------------------------------------------------


def test_st_andrews_day() -> None:
    # Tue 30 Nov 2021: Scotland only.
    assert add_working_days(date(2021, 11, 29), 1, SCT) == date(2021, 12, 1)
    assert add_working_days(date(2021, 11, 29), 1, EW) == date(2021, 11, 30)
    # Sun 30 Nov 2025 -> substitute Mon 1 Dec 2025.
    assert not is_working_day(date(2025, 12, 1), SCT)
    assert is_working_day(date(2025, 12, 1), EW)
    assert add_working_days(date(2025, 11, 27), 5, SCT) == date(2025, 12, 5)
    assert add_working_days(date(2025, 11, 27), 5, EW) == date(2025, 12, 4)
    # Sat 30 Nov 2024 -> substitute Mon 2 Dec 2024.
    assert not is_working_day(date(2024, 12, 2), SCT)


def test_scottish_summer_holiday_is_the_first_monday_in_august() -> None:
    assert not is_working_day(date(2025, 8, 4), SCT)
    assert is_working_day(date(2025, 8, 4), EW)
    assert not is_working_day(date(2025, 8, 25), EW)
    assert is_working_day(date(2025, 8, 25), SCT)


def test_twelfth_of_july_and_st_patricks_day() -> None:
    # Mon 12 Jul 2021.
    assert add_working_days(date(2021, 7, 9), 1, NI) == date(2021, 7, 13)
    assert add_working_days(date(2021, 7, 9), 1, EW) == date(2021, 7, 12)
    # Sat 12 Jul 2025 -> substitute Mon 14 Jul 2025.
    assert not is_working_day(date(2025, 7, 14), NI)
    assert is_working_day(date(2025, 7, 14), EW)
    # St Patrick's Day: Mon 17 Mar 2025; Sun 17 Mar 2024 -> Mon 18 Mar 2024.
    assert add_working_days(date(2025, 3, 14), 1, NI) == date(2025, 3, 18)
    assert add_working_days(date(2025, 3, 14), 1, EW) == date(2025, 3, 17)
    assert not is_working_day(date(2024, 3, 18), NI)


def test_any_uk_excludes_every_nations_holidays() -> None:
    for d in (date(2025, 1, 2), date(2025, 3, 17), date(2025, 4, 21), date(2025, 7, 14), date(2025, 8, 4)):
        assert not is_working_day(d, ANY), d
    names = dict(bank_holidays(date(2025, 1, 1), date(2025, 1, 2), ANY))
    assert names == {date(2025, 1, 1): "New Year's Day", date(2025, 1, 2): "New Year Holiday"}


# -- day zero, between, receipt ------------------------------------------------------------------


def test_day_zero_is_not_counted_and_weekend_start_counts_from_that_day() -> None:
    assert add_working_days(date(2025, 2, 24), 10, EW) == date(2025, 3, 10)
    assert add_working_days(date(2025, 1, 3), 5, EW) == date(2025, 1, 10)  # Friday
    assert add_working_days(date(2025, 1, 4), 5, EW) == date(2025, 1, 10)  # Saturday
    assert add_working_days(date(2025, 1, 4), 0, EW) == date(2025, 1, 4)
    with pytest.raises(InputError, match="negative"):
        add_working_days(date(2025, 1, 4), -1, EW)


def test_working_days_between() -> None:
    assert working_days_between(date(2024, 12, 20), date(2025, 1, 3), EW) == 7
    assert working_days_between(date(2024, 12, 20), date(2025, 1, 3), SCT) == 6
    assert working_days_between(date(2025, 1, 3), date(2024, 12, 20), EW) == -7
    assert working_days_between(date(2025, 3, 7), date(2025, 3, 9), EW) == 0
    assert skipped_days(date(2025, 2, 24), date(2025, 3, 10), EW) == (4, [])


def test_next_working_day() -> None:
    assert next_working_day(date(2025, 4, 17), EW) == date(2025, 4, 22)
    assert next_working_day(date(2025, 4, 17), EW, inclusive=True) == date(2025, 4, 17)
    assert next_working_day(date(2025, 4, 18), SCT, inclusive=True) == date(2025, 4, 21)


def test_receipt_day_rules() -> None:
    saturday = datetime(2025, 2, 22, 10, 0, tzinfo=UTC)
    assert receipt_day(saturday, EW) == date(2025, 2, 22)
    assert receipt_day(saturday, EW, day_zero="next-working-day") == date(2025, 2, 24)
    friday_evening = datetime(2025, 2, 21, 17, 30, tzinfo=UTC)  # 17:30 GMT
    assert receipt_day(friday_evening, EW) == date(2025, 2, 21)
    assert receipt_day(friday_evening, EW, after_hours=time(17, 0)) == date(2025, 2, 24)
    # 16:30 UTC in July is 17:30 BST: after hours.
    summer = datetime(2025, 7, 4, 16, 30, tzinfo=UTC)
    assert receipt_day(summer, EW, after_hours=time(17, 0)) == date(2025, 7, 7)
    assert receipt_day(summer, EW, after_hours=time(18, 0)) == date(2025, 7, 4)
    # 23:30 UTC on 31 Mar 2025 is 00:30 BST on 1 Apr: the UK date is what counts.
    assert receipt_day(datetime(2025, 3, 31, 23, 30, tzinfo=UTC), EW) == date(2025, 4, 1)
    # Thursday before Easter after hours -> next working day is Tuesday (England), Monday (Scotland).
    maundy = datetime(2025, 4, 17, 18, 0, tzinfo=UTC)
    assert receipt_day(maundy, EW, after_hours=time(17, 0)) == date(2025, 4, 22)
    assert receipt_day(maundy, SCT, after_hours=time(17, 0)) == date(2025, 4, 21)


def test_naive_times_are_rejected() -> None:
    with pytest.raises(InputError, match="no time zone"):
        receipt_day(datetime(2025, 2, 22, 10, 0), EW)
    with pytest.raises(InputError, match="no time zone"):
        add_hours(datetime(2025, 2, 22, 10, 0), 24)


# -- calendar months (ICO subject access) and days --------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2019, 9, 3), 1, date(2019, 10, 3)),  # the ICO's own example
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 1, 30), 1, date(2025, 2, 28)),
        (date(2025, 1, 31), 2, date(2025, 3, 31)),  # counted from the start, not chained
        (date(2025, 1, 31), 3, date(2025, 4, 30)),  # SAR extended: 3 months from receipt
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
    ],
)
def test_add_calendar_months(start: date, n: int, expected: date) -> None:
    assert add_calendar_months(start, n) == expected


def test_calendar_months_roll_forward_to_a_working_day() -> None:
    # 31 Oct 2025 + 1 month = Sun 30 Nov 2025 -> Mon 1 Dec (England), Tue 2 Dec (Scotland: St Andrew's).
    assert add_calendar_months(date(2025, 10, 31), 1) == date(2025, 11, 30)
    assert add_calendar_months(date(2025, 10, 31), 1, EW) == date(2025, 12, 1)
    assert add_calendar_months(date(2025, 10, 31), 1, SCT) == date(2025, 12, 2)
    # 25 Nov 2024 + 1 month = Christmas Day (Wed) -> Fri 27 Dec.
    assert add_calendar_months(date(2024, 11, 25), 1, EW) == date(2024, 12, 27)
    # A working day stays put.
    assert add_calendar_months(date(2025, 1, 31), 1, EW) == date(2025, 2, 28)


def test_add_calendar_days() -> None:
    assert add_calendar_days(date(2025, 3, 1), 10) == date(2025, 3, 11)
    assert add_calendar_days(date(2025, 3, 1), 7) == date(2025, 3, 8)  # a Saturday
    assert add_calendar_days(date(2025, 3, 1), 7, EW) == date(2025, 3, 10)


def test_add_hours_runs_round_the_clock_and_across_clock_changes() -> None:
    start = datetime(2025, 3, 29, 9, 0, tzinfo=UTC)  # Sat 09:00 GMT
    due = add_hours(start, 24)
    assert due == datetime(2025, 3, 30, 9, 0, tzinfo=UTC)
    assert format_instant(due) == "Sun 30 Mar 2025 10:00 BST"
    bst = timezone(timedelta(hours=1))
    assert add_hours(datetime(2019, 9, 3, 10, 0, tzinfo=bst), 24) == datetime(2019, 9, 4, 9, 0, tzinfo=UTC)


def test_end_of_uk_day_and_formatting() -> None:
    assert end_of_uk_day(date(2025, 3, 10)) == datetime(2025, 3, 11, 0, 0, tzinfo=UTC)
    assert end_of_uk_day(date(2025, 7, 10)) == datetime(2025, 7, 10, 23, 0, tzinfo=UTC)
    assert format_day(date(2025, 3, 10)) == "Mon 10 Mar 2025"
    assert format_day(date(2025, 2, 4), year=False) == "Tue 4 Feb"


# -- invariants (Hypothesis) ---------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=150, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=60), nation=calendars)
def test_working_day_due_dates_are_working_days(start: date, n: int, nation: str) -> None:
    due = add_working_days(start, n, nation)
    assert due > start
    assert due.weekday() < 5
    assert bank_holiday_name(due, nation) is None
    assert is_working_day(due, nation)


@settings(max_examples=150, deadline=None)
@given(
    start=dates,
    n=st.integers(min_value=0, max_value=40),
    m=st.integers(min_value=0, max_value=40),
    nation=calendars,
)
def test_adding_n_then_m_equals_adding_n_plus_m(start: date, n: int, m: int, nation: str) -> None:
    assert add_working_days(add_working_days(start, n, nation), m, nation) == add_working_days(
        start, n + m, nation
    )


@settings(max_examples=100, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=60), nation=calendars)
def test_working_days_between_inverts_add(start: date, n: int, nation: str) -> None:
    assert working_days_between(start, add_working_days(start, n, nation), nation) == n


@settings(max_examples=100, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=24), nation=calendars)
def test_rolled_months_land_on_working_days(start: date, n: int, nation: str) -> None:
    plain = add_calendar_months(start, n)
    rolled = add_calendar_months(start, n, nation)
    assert is_working_day(rolled, nation)
    assert plain <= rolled < plain + timedelta(days=10)
    assert plain.day == start.day or plain.day < start.day  # clamped only when the month is short


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC))
    | st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2100, 12, 31),
        timezones=st.sampled_from([timezone(timedelta(hours=-5)), timezone(timedelta(hours=2))]),
    )
)
def test_uk_date_is_the_date_of_uk_wall_clock_time(instant: datetime) -> None:
    """Its shortcut (before 23:00 UTC since 1972, the UTC date) never differs from the time zone's
    answer: across BST, its last hour, and the double summer time of the 1940s."""
    assert uk_date(instant) == uk_local(instant).date()


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2024, 7, 1, 22, 59, tzinfo=UTC), date(2024, 7, 1)),  # 23:59 BST
        (datetime(2024, 7, 1, 23, 0, tzinfo=UTC), date(2024, 7, 2)),  # 00:00 BST
        (datetime(2024, 12, 1, 23, 30, tzinfo=UTC), date(2024, 12, 1)),  # 23:30 GMT
        (datetime(1944, 6, 5, 22, 30, tzinfo=UTC), date(1944, 6, 6)),  # 00:30 double summer time
    ],
)
def test_uk_date_at_the_edges(instant: datetime, day: date) -> None:
    assert uk_date(instant) == day


def test_bank_holiday_tables_worked_out_elsewhere_are_the_same_and_are_used() -> None:
    """compute_for_store has a second process work out the bank holidays while it reads the
    ledger: what it hands back is what this process would work out, and it is what is used."""
    import pickle

    from residentlog.deadlines import workdays

    years = range(2019, 2023)
    tables = pickle.loads(pickle.dumps(bank_holiday_tables("scotland", years)))  # as the child sends them
    assert list(tables) == [2019, 2020, 2021, 2022]
    assert tables[2020] == dict(workdays._year_holidays("scotland", 2020))
    assert date(2020, 11, 30) in tables[2020]  # St Andrew's Day
    marker = {date(1901, 6, 3): "a day given, not worked out"}
    workdays._year_holidays.cache_clear()
    try:
        use_bank_holiday_tables("scotland", {1901: marker})
        assert has_bank_holiday_tables("scotland", range(1901, 1902))
        assert not has_bank_holiday_tables("scotland", range(1901, 1903))
        assert bank_holidays(date(1901, 1, 1), date(1901, 12, 31), "scotland") == [
            (date(1901, 6, 3), "a day given, not worked out")
        ]
    finally:
        workdays._GIVEN.pop(("scotland", 1901), None)
        workdays._year_holidays.cache_clear()
    assert bank_holidays(date(1901, 6, 1), date(1901, 6, 30), "scotland") == []
