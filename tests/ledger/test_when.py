"""Tests for residentlog.ledger.when: reading "when it happened" and formatting instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residentlog.errors import InputError
from residentlog.ledger.when import (
    LONDON,
    When,
    format_local,
    format_local_short,
    from_rfc3339,
    parse_bound,
    parse_when,
    to_rfc3339,
)

# Monday 23 November 2026, 18:40 GMT (London is on GMT, so local == UTC).
NOW = datetime(2026, 11, 23, 18, 40, 27, tzinfo=UTC)
# Saturday 4 July 2020, 10:00 UTC == 11:00 BST.
SUMMER_NOW = datetime(2020, 7, 4, 10, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london_midnight(d: date) -> datetime:
    return datetime.combine(d, time(), tzinfo=LONDON).astimezone(UTC)


def assert_input_error(text: str, *fragments: str, now: datetime = NOW) -> str:
    """parse_when(text) raises InputError; the one-line message quotes the input and has fragments."""
    with pytest.raises(InputError) as info:
        parse_when(text, now)
    message = str(info.value)
    assert "\n" not in message
    assert f"'{' '.join(text.split())}'" in message
    for fragment in fragments:
        assert fragment in message
    return message


# ---------------------------------------------------------------------------------------------
# Accepted forms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "instant", "precision"),
    [
        # ISO 8601
        ("2020-03-03", utc(2020, 3, 3), "day"),
        ("2020-03-03T14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03T14:00:59", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03T14:00:59.999", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03T14:00Z", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03t14:00z", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03T14:00:00+00:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03T14:00:30+05:30", utc(2020, 3, 3, 8, 30), "minute"),
        ("2020-07-04T14:00", utc(2020, 7, 4, 13, 0), "minute"),  # naive ISO is London time (BST)
        ("2020-07-04", utc(2020, 7, 3, 23, 0), "day"),  # local midnight in BST
        ("2020-3-3", utc(2020, 3, 3), "day"),
        ("2020-03-03 2pm", utc(2020, 3, 3, 14, 0), "minute"),
        ("2020-03-03 at 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        # Day-first UK forms
        ("03/03/2020", utc(2020, 3, 3), "day"),
        ("3/3/2020", utc(2020, 3, 3), "day"),
        ("3/3/2020 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("3.3.2020", utc(2020, 3, 3), "day"),
        ("03-03-2020", utc(2020, 3, 3), "day"),
        ("03/04/2020", utc(2020, 4, 2, 23, 0), "day"),  # 3 April, not 4 March
        ("03/04/2020 09:15", utc(2020, 4, 3, 8, 15), "minute"),
        ("3/3/20", utc(2020, 3, 3), "day"),
        ("3/3/99", utc(1999, 3, 3), "day"),
        ("3 March 2020", utc(2020, 3, 3), "day"),
        ("3 March 2020 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 March 2020, 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 March 2020 at 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 Mar 2020 2pm", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 Mar 2020 2 pm", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 Mar 2020 2 p.m.", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 Sept 2020 8am", utc(2020, 9, 3, 7, 0), "minute"),
        ("March 3 2020", utc(2020, 3, 3), "day"),
        ("March 3, 2020", utc(2020, 3, 3), "day"),
        ("3rd of March 2020", utc(2020, 3, 3), "day"),
        ("Tuesday 3 March 2020 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("Tue 3 Mar 2020 14:00", utc(2020, 3, 3, 14, 0), "minute"),
        ("Tuesday, 3 March 2020", utc(2020, 3, 3), "day"),
        ("Tues 03/03/2020", utc(2020, 3, 3), "day"),
        ("14:00 on 3 March 2020", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 March 2020 14:00:45", utc(2020, 3, 3, 14, 0), "minute"),
        ("3 March 2020 noon", utc(2020, 3, 3, 12, 0), "minute"),
        ("3 March 2020 midnight", utc(2020, 3, 3, 0, 0), "minute"),
        ("  3 MARCH 2020   14:00  ", utc(2020, 3, 3, 14, 0), "minute"),
        # Explicit zone labels
        ("3 March 2020 14:00 GMT", utc(2020, 3, 3, 14, 0), "minute"),
        ("4 July 2020 09:05 BST", utc(2020, 7, 4, 8, 5), "minute"),
        ("4 July 2020 09:05 UTC", utc(2020, 7, 4, 9, 5), "minute"),
        ("2020-07-04 09:05 BST", utc(2020, 7, 4, 8, 5), "minute"),
        ("Sat 4 Jul 2020 09:05 BST", utc(2020, 7, 4, 8, 5), "minute"),
        # Years left out: this year (2026)
        ("3 March", utc(2026, 3, 3), "day"),
        ("3 March 14:00", utc(2026, 3, 3, 14, 0), "minute"),
        ("March 3", utc(2026, 3, 3), "day"),
        ("23 November", utc(2026, 11, 23), "day"),  # today, date only: fine
        ("3/3", utc(2026, 3, 3), "day"),
        ("4 July", utc(2026, 7, 3, 23, 0), "day"),
        # Relative (NOW is Monday 23 November 2026 18:40:27 GMT)
        ("now", utc(2026, 11, 23, 18, 40), "minute"),
        ("NOW", utc(2026, 11, 23, 18, 40), "minute"),
        ("today", utc(2026, 11, 23), "day"),
        ("Today", utc(2026, 11, 23), "day"),
        ("yesterday", utc(2026, 11, 22), "day"),
        ("today 14:00", utc(2026, 11, 23, 14, 0), "minute"),
        ("today at 18:40", utc(2026, 11, 23, 18, 40), "minute"),  # this very minute
        ("yesterday 6pm", utc(2026, 11, 22, 18, 0), "minute"),
        ("yesterday at 6:30pm", utc(2026, 11, 22, 18, 30), "minute"),
        ("Yesterday 18:00", utc(2026, 11, 22, 18, 0), "minute"),
        ("6pm yesterday", utc(2026, 11, 22, 18, 0), "minute"),
        ("yesterday noon", utc(2026, 11, 22, 12, 0), "minute"),
        ("2 days ago", utc(2026, 11, 21), "day"),
        ("2 days ago at 14:00", utc(2026, 11, 21, 14, 0), "minute"),
        ("0 days ago", utc(2026, 11, 23), "day"),
        ("3 hours ago", utc(2026, 11, 23, 15, 40), "minute"),
        ("45 minutes ago", utc(2026, 11, 23, 17, 55), "minute"),
        ("45 mins ago", utc(2026, 11, 23, 17, 55), "minute"),
        ("1 week ago", utc(2026, 11, 16), "day"),
        ("two weeks ago", utc(2026, 11, 9), "day"),
        ("an hour ago", utc(2026, 11, 23, 17, 40), "minute"),
        ("a day ago", utc(2026, 11, 22), "day"),
        # Times alone: today
        ("14:00", utc(2026, 11, 23, 14, 0), "minute"),
        ("14.00", utc(2026, 11, 23, 14, 0), "minute"),
        ("2pm", utc(2026, 11, 23, 14, 0), "minute"),
        ("2PM", utc(2026, 11, 23, 14, 0), "minute"),
        ("2:30pm", utc(2026, 11, 23, 14, 30), "minute"),
        ("2.30pm", utc(2026, 11, 23, 14, 30), "minute"),
        ("12am", utc(2026, 11, 23, 0, 0), "minute"),
        ("12pm", utc(2026, 11, 23, 12, 0), "minute"),
        ("9:05", utc(2026, 11, 23, 9, 5), "minute"),
        ("noon", utc(2026, 11, 23, 12, 0), "minute"),
        ("midnight", utc(2026, 11, 23, 0, 0), "minute"),
    ],
)
def test_accepted_forms(text: str, instant: datetime, precision: str) -> None:
    when = parse_when(text, NOW)
    assert when == When(instant=instant, precision=precision, text=text.strip())  # type: ignore[arg-type]
    assert when.instant.tzinfo is UTC


def test_result_is_utc_and_text_kept() -> None:
    when = parse_when("  Yesterday 6pm \n", NOW)
    assert when.text == "Yesterday 6pm"
    assert when.instant.utcoffset() == timedelta(0)
    assert when.instant.second == 0 and when.instant.microsecond == 0


def test_day_first_reading() -> None:
    assert parse_when("03/04/2020", NOW).instant == london_midnight(date(2020, 4, 3))
    assert parse_when("04/03/2020", NOW).instant == london_midnight(date(2020, 3, 4))
    assert parse_when("1.2.2020", NOW).instant == london_midnight(date(2020, 2, 1))
    assert parse_when("12/11/2026", NOW).instant == london_midnight(date(2026, 11, 12))


def test_today_has_day_precision_and_is_not_future() -> None:
    # Late in the evening: the day-precision "today" is local midnight, earlier than now.
    when = parse_when("today", NOW)
    assert when.precision == "day"
    assert when.instant == utc(2026, 11, 23)
    # At 00:30 BST on 5 July (23:30 UTC on 4 July), "today" is 5 July in London.
    late = utc(2020, 7, 4, 23, 30)
    assert parse_when("today", late).instant == utc(2020, 7, 4, 23, 0)
    assert parse_when("yesterday", late).instant == utc(2020, 7, 3, 23, 0)
    assert parse_when("1 day ago", late).instant == utc(2020, 7, 3, 23, 0)


def test_yesterday_6pm_in_gmt_and_bst() -> None:
    assert parse_when("yesterday 6pm", NOW).instant == utc(2026, 11, 22, 18, 0)
    assert parse_when("yesterday 6pm", SUMMER_NOW).instant == utc(2020, 7, 3, 17, 0)
    assert parse_when("14:00", SUMMER_NOW + timedelta(hours=5)).instant == utc(2020, 7, 4, 13, 0)


def test_relative_units_across_clock_change() -> None:
    # 26 Oct 2020 09:00 GMT; clocks went back early on 25 October.
    now = utc(2020, 10, 26, 9, 0)
    assert parse_when("2 days ago", now).instant == utc(2020, 10, 23, 23, 0)  # 24 Oct, BST midnight
    assert parse_when("1 day ago", now).instant == utc(2020, 10, 24, 23, 0)  # 25 Oct, still BST at 00:00
    assert parse_when("today", now).instant == utc(2020, 10, 26, 0, 0)  # 26 Oct, GMT
    assert parse_when("30 hours ago", now).instant == utc(2020, 10, 25, 3, 0)  # exact elapsed time


def test_year_less_dates_use_london_year() -> None:
    # 31 Dec 2020 23:30 UTC is still 2020 in London (GMT); an hour later it is 2021.
    assert parse_when("3 March", utc(2020, 12, 31, 23, 30)).instant == utc(2020, 3, 3)
    assert parse_when("1 January", utc(2021, 1, 1, 0, 30)).instant == utc(2021, 1, 1)
    assert parse_when("29 Feb", utc(2024, 3, 1)).instant == utc(2024, 2, 29)


def test_now_in_another_zone_is_accepted() -> None:
    now = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    assert parse_when("now", now).instant == utc(2026, 11, 23, 18, 40)
    assert parse_when("today", now).instant == utc(2026, 11, 23)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("today", datetime(2026, 11, 23, 18, 40))


# ---------------------------------------------------------------------------------------------
# Clock changes
# ---------------------------------------------------------------------------------------------


def test_spring_forward_gap_is_an_error() -> None:
    message = assert_input_error("29 March 2020 01:30", "never happened", "01:00 to 02:00")
    assert "clocks went forward" in message
    assert_input_error("2020-03-29T01:59", "never happened")
    assert_input_error("29/03/2020 1am", "never happened")


def test_spring_forward_edges_exist() -> None:
    assert parse_when("29 March 2020 00:59", NOW).instant == utc(2020, 3, 29, 0, 59)
    assert parse_when("29 March 2020 02:00", NOW).instant == utc(2020, 3, 29, 1, 0)  # BST
    assert parse_when("29 March 2020", NOW).instant == utc(2020, 3, 29)


def test_autumn_back_overlap_takes_first_occurrence() -> None:
    # 01:00-01:59 happened twice on 25 October 2020: first in BST (00:xx UTC), then GMT (01:xx UTC).
    assert parse_when("25 October 2020 01:30", NOW).instant == utc(2020, 10, 25, 0, 30)
    assert parse_when("2020-10-25 01:30", NOW).instant == utc(2020, 10, 25, 0, 30)
    assert parse_when("25 October 2020 01:30 BST", NOW).instant == utc(2020, 10, 25, 0, 30)
    assert parse_when("25 October 2020 01:30 GMT", NOW).instant == utc(2020, 10, 25, 1, 30)
    assert parse_when("25 October 2020 02:00", NOW).instant == utc(2020, 10, 25, 2, 0)
    assert parse_when("25 October 2020", NOW).instant == utc(2020, 10, 24, 23, 0)


def test_zone_label_must_match_the_date() -> None:
    assert_input_error("3 March 2020 14:00 BST", "GMT, not BST")
    assert_input_error("4 July 2020 14:00 GMT", "BST, not GMT")
    assert_input_error("3 March 2020 GMT", "no time of day")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(text: str) -> None:
    with pytest.raises(InputError, match="No date or time was given"):
        parse_when(text, NOW)


@pytest.mark.parametrize(
    "text",
    [
        "xyz",
        "last fortnight",
        "next tuesday",
        "this night",
        "yesterday dawn",
        "last tuesday teatime",
        "last tuesday evening morning",
        "3 marc 2020",
        "3 hours ago 14:00",
        "2020-03-03T14:00:00 hello",
        "2020-3",
        "five weeks",
        "3 March 2020 EST",
        "3 March 2020 +01:00",
        "٣/٣/٢٠٢٠",  # Arabic-Indic digits are not read as numbers
        "14:00 3 March 2020 15:00",
    ],
)
def test_unparseable(text: str) -> None:
    assert_input_error(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2020", "(February 2020 has no 31st)"),
        ("29/02/2019", "(February 2019 has no 29th)"),
        ("31 April 2020", "(April 2020 has no 31st)"),
        ("32 March 2020", "(March 2020 has no 32nd)"),
        ("0/3/2020", "(there is no day 0)"),
        ("3/13/2020", "(there is no month 13)"),
        ("2020-13-01", "(there is no month 13)"),
        ("2020-02-30", "(February 2020 has no 30th)"),
        ("2020-02-30 14:00", "(February 2020 has no 30th)"),
        ("31 February", "(February has no 31st)"),
        ("25:00", "(there is no hour 25; hours go from 00 to 23)"),
        ("24:00", "there is no hour 24"),
        ("3 March 2020 25:00", "there is no hour 25"),
        ("2020-03-03T25:00", "there is no hour 25"),
        ("14:60", "minutes and seconds go from 00 to 59"),
        ("13pm", "with am/pm the hour goes from 1 to 12"),
        ("0am", "with am/pm the hour goes from 1 to 12"),
    ],
)
def test_impossible_dates_and_times(text: str, reason: str) -> None:
    assert_input_error(text, reason)


def test_exact_messages() -> None:
    assert assert_input_error("31/02/2020") == "'31/02/2020' is not a real date (February 2020 has no 31st)"
    assert (
        assert_input_error("tomorrow")
        == "'tomorrow' is in the future; an entry records something that already happened"
    )


def test_month_first_dates_are_refused_with_a_hint() -> None:
    assert_input_error("12/31/2020", "there is no month 31", "day first", "31/12/2020")


def test_missing_day_or_month() -> None:
    assert_input_error("March 2020", "no day of the month", "3 March 2020")
    assert_input_error("march", "no day of the month")
    assert_input_error("2020", "not a full date")
    assert_input_error("3", "not a full date")
    assert_input_error("Tuesday", "needs the date as well as the day of the week", "or 'last Tuesday'")


def test_weekday_must_match_date() -> None:
    assert_input_error("Monday 3 March 2020", "3 March 2020 was a Tuesday, not a Monday")
    assert_input_error("Fri 03/03/2020 14:00", "was a Tuesday")


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "tomorrow 9am",
        "2027-01-01",
        "24/11/2026",
        "2026-11-23T18:41",
        "18:41",
        "in 2 days",
        "9999-12-31T23:59-05:00",
        "2026-11-23T19:00:00+00:00",
    ],
)
def test_future_is_refused(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_when(text, NOW)
    message = str(info.value)
    assert f"'{text}'" in message
    if text != "in 2 days":  # not understood at all; that's fine too
        assert "future" in message or "later than" in message


def test_future_time_today_suggests_yesterday() -> None:
    message = assert_input_error("22:00", "later than the time now (18:40)")
    assert "'yesterday 22:00'" in message
    # Same clock time reads differently in BST: 11:00 BST is the time now.
    assert_input_error("11:01", "later than the time now (11:00)", now=SUMMER_NOW)
    assert parse_when("11:00", SUMMER_NOW).instant == SUMMER_NOW


def test_future_year_less_date_asks_for_the_year() -> None:
    message = assert_input_error("3 December", "in the future", "add the year", "'3 December 2025'")
    assert "3 December 2026" in message
    assert_input_error("23 November 19:00", "add the year")


def test_year_less_29_february_in_common_year() -> None:
    assert_input_error("29 Feb", "29 February 2026", "not a leap year", "add the year")
    assert_input_error("29/02", "not a leap year")


def test_before_1900() -> None:
    assert_input_error("1 Jan 1899", "before 1900")
    assert_input_error("31/12/1899", "before 1900")
    assert_input_error("1899-12-31", "before 1900")
    assert_input_error("0001-01-01", "before 1900")
    assert_input_error("1900-01-01T00:30+01:00", "before 1900")
    assert_input_error("10000000 weeks ago", "before 1900")
    assert parse_when("1 Jan 1900", NOW).instant == utc(1900, 1, 1)


def test_error_message_is_one_line_and_short() -> None:
    message = assert_input_error("not\na date")
    assert "'not a date'" in message
    with pytest.raises(InputError) as info:
        parse_when("x" * 500, NOW)
    assert len(str(info.value)) < 250


# ---------------------------------------------------------------------------------------------
# parse_bound
# ---------------------------------------------------------------------------------------------


def test_bound_day_precision_start_and_exclusive_end() -> None:
    assert parse_bound("3 March 2020", NOW, end=False) == utc(2020, 3, 3)
    assert parse_bound("3 March 2020", NOW, end=True) == utc(2020, 3, 4)
    assert parse_bound("2020-07-04", NOW, end=False) == utc(2020, 7, 3, 23, 0)
    assert parse_bound("2020-07-04", NOW, end=True) == utc(2020, 7, 4, 23, 0)
    # 25 October 2020 was 25 hours long.
    assert parse_bound("25/10/2020", NOW, end=False) == utc(2020, 10, 24, 23, 0)
    assert parse_bound("25/10/2020", NOW, end=True) == utc(2020, 10, 26, 0, 0)


def test_bound_minute_precision_is_the_instant() -> None:
    assert parse_bound("3 March 2020 14:00", NOW, end=False) == utc(2020, 3, 3, 14, 0)
    assert parse_bound("3 March 2020 14:00", NOW, end=True) == utc(2020, 3, 3, 14, 0)
    assert parse_bound("3 hours ago", NOW, end=True) == utc(2026, 11, 23, 15, 40)


def test_bound_allows_future() -> None:
    assert parse_bound("tomorrow", NOW, end=False) == utc(2026, 11, 24)
    assert parse_bound("tomorrow", NOW, end=True) == utc(2026, 11, 25)
    assert parse_bound("3 December", NOW, end=True) == utc(2026, 12, 4)
    assert parse_bound("2030-01-01 09:00", NOW, end=False) == utc(2030, 1, 1, 9, 0)
    assert parse_bound("22:00", NOW, end=False) == utc(2026, 11, 23, 22, 0)


def test_bound_errors() -> None:
    with pytest.raises(InputError, match="'31/02/2020'"):
        parse_bound("31/02/2020", NOW, end=False)
    with pytest.raises(InputError, match="never happened"):
        parse_bound("29 March 2020 01:30", NOW, end=True)
    with pytest.raises(InputError, match="too far in the future"):
        parse_bound("9999-12-31", NOW, end=True)
    assert parse_bound("9999-12-31", NOW, end=False) == utc(9999, 12, 31)


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def test_format_local_gmt_and_bst() -> None:
    assert format_local(utc(2020, 3, 3, 14, 0)) == "Tue 3 Mar 2020 14:00 GMT"
    assert format_local(utc(2020, 7, 4, 8, 5)) == "Sat 4 Jul 2020 09:05 BST"
    assert format_local(utc(2020, 7, 3, 23, 30)) == "Sat 4 Jul 2020 00:30 BST"
    assert format_local(utc(2020, 10, 25, 0, 30)) == "Sun 25 Oct 2020 01:30 BST"
    assert format_local(utc(2020, 10, 25, 1, 30)) == "Sun 25 Oct 2020 01:30 GMT"
    assert format_local(utc(2020, 3, 3, 14, 0, 59)) == "Tue 3 Mar 2020 14:00 GMT"


def test_format_local_day_precision() -> None:
    assert format_local(utc(2020, 3, 3), "day") == "Tue 3 Mar 2020"
    assert format_local(utc(2020, 7, 3, 23, 0), "day") == "Sat 4 Jul 2020"
    assert format_local(parse_when("today", NOW).instant, "day") == "Mon 23 Nov 2026"


def test_format_local_short() -> None:
    assert format_local_short(utc(2020, 3, 3, 14, 0)) == "2020-03-03 14:00"
    assert format_local_short(utc(2020, 7, 4, 8, 5)) == "2020-07-04 09:05"
    assert format_local_short(utc(2020, 3, 3), "day") == "2020-03-03"
    assert format_local_short(utc(2020, 7, 3, 23, 0), "day") == "2020-07-04"


def test_format_accepts_any_aware_zone() -> None:
    tokyo = utc(2020, 3, 3, 14, 0).astimezone(ZoneInfo("Asia/Tokyo"))
    assert format_local(tokyo) == "Tue 3 Mar 2020 14:00 GMT"


def test_format_rejects_naive_and_bad_precision() -> None:
    with pytest.raises(ValueError):
        format_local(datetime(2020, 3, 3, 14, 0))
    with pytest.raises(ValueError):
        format_local_short(datetime(2020, 3, 3, 14, 0))
    with pytest.raises(ValueError):
        format_local(utc(2020, 3, 3), "second")


def test_rfc3339() -> None:
    assert to_rfc3339(utc(2020, 3, 3, 14, 0)) == "2020-03-03T14:00:00+00:00"
    assert to_rfc3339(utc(2020, 3, 3, 14, 0, 5, 999999)) == "2020-03-03T14:00:05+00:00"
    bst = datetime(2020, 7, 4, 9, 5, tzinfo=LONDON)
    assert to_rfc3339(bst) == "2020-07-04T08:05:00+00:00"
    assert from_rfc3339("2020-03-03T14:00:00+00:00") == utc(2020, 3, 3, 14, 0)
    assert from_rfc3339("2020-07-04T09:05:00+01:00") == utc(2020, 7, 4, 8, 5)
    assert from_rfc3339("2020-03-03T14:00:00Z") == utc(2020, 3, 3, 14, 0)
    assert from_rfc3339("2020-03-03T14:00:00Z").tzinfo is UTC


def _strict_rfc3339(text: str) -> datetime | str:
    """from_rfc3339 as it was before its fast path for stored times: the pattern, then the parse."""
    import re

    pattern = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]\d{2}:\d{2})"
    if not re.fullmatch(pattern, text, re.ASCII):
        return "refused"
    try:
        return datetime.fromisoformat(text.upper()).astimezone(UTC)
    except ValueError:
        return "refused"


def _read_rfc3339(text: str) -> datetime | str:
    try:
        return from_rfc3339(text)
    except ValueError:
        return "refused"


@given(
    st.lists(st.sampled_from("0123456789-:T+Wt Z.\u0661\u00b2x"), min_size=25, max_size=25).map("".join)
    | st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0).isoformat())
    | st.builds(
        lambda d, i, c: d.replace(microsecond=0).isoformat()[:i] + c + d.isoformat()[i + 1 : 25],
        st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)),
        st.integers(0, 24),
        st.sampled_from("0123456789-:T+Wt Z.\u0661\u00b2x"),
    )
)
def test_rfc3339_fast_path_reads_exactly_what_the_pattern_does(text: str) -> None:
    read = _read_rfc3339(text)
    assert read == _strict_rfc3339(text)
    if isinstance(read, datetime):
        assert read.tzinfo is UTC


def test_rfc3339_rejects() -> None:
    with pytest.raises(ValueError):
        to_rfc3339(datetime(2020, 3, 3, 14, 0))
    for bad in ["2020-03-03T14:00:00", "2020-03-03", "yesterday", "2020-02-30T14:00:00+00:00", ""]:
        with pytest.raises(ValueError):
            from_rfc3339(bad)


def test_when_validates_and_normalises() -> None:
    with pytest.raises(ValueError):
        When(instant=datetime(2020, 3, 3), precision="day", text="x")
    with pytest.raises(ValueError):
        When(instant=utc(2020, 3, 3), precision="hour", text="x")  # type: ignore[arg-type]
    when = When(instant=datetime(2020, 7, 4, 9, 5, tzinfo=LONDON), precision="minute", text="x")
    assert when.instant.tzinfo is UTC
    assert when.instant == utc(2020, 7, 4, 8, 5)


def test_dateutil_is_not_imported_at_module_import() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    import residentlog.ledger.when

    src = str(Path(residentlog.ledger.when.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    code = "import sys, residentlog.ledger.when; print('dateutil' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

ZONES = [UTC, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Australia/Sydney")]
NOW_NAIVE_UTC = NOW.replace(tzinfo=None)


def _aware(lo: datetime, hi: datetime) -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda x, zone: x.astimezone(zone),
        st.datetimes(min_value=lo, max_value=hi, timezones=st.just(UTC)),
        st.sampled_from(ZONES),
    )


@settings(deadline=None)
@given(_aware(datetime(1950, 1, 1), NOW_NAIVE_UTC))
def test_property_rfc3339_text_round_trips_to_the_minute(x: datetime) -> None:
    when = parse_when(to_rfc3339(x), NOW)
    assert when.precision == "minute"
    assert when.instant == x.astimezone(UTC).replace(second=0, microsecond=0)


@settings(deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 23)))
def test_property_uk_numeric_date_is_local_midnight(d: date) -> None:
    when = parse_when(d.strftime("%d/%m/%Y"), NOW)
    assert when.precision == "day"
    assert when.instant == london_midnight(d)
    assert format_local_short(when.instant, "day") == d.isoformat()


@settings(deadline=None)
@given(_aware(datetime(1900, 1, 1), datetime(2200, 1, 1)))
def test_property_from_rfc3339_inverts_to_rfc3339(x: datetime) -> None:
    back = from_rfc3339(to_rfc3339(x))
    # compared as instants: Python never finds an aware time in a repeated (DST fold) hour equal
    # to a time in another zone, e.g. 01:00 New York on the night clocks go back
    assert back.timestamp() == x.replace(microsecond=0).timestamp()
    assert back.tzinfo is UTC


@settings(deadline=None)
@given(_aware(datetime(1950, 1, 1), NOW_NAIVE_UTC))
def test_property_format_local_reads_back(x: datetime) -> None:
    # The display form names the zone, so even the repeated autumn hour reads back exactly.
    expected = x.astimezone(UTC).replace(second=0, microsecond=0)
    assert parse_when(format_local(x), NOW).instant == expected
    day = parse_when(format_local(x, "day"), NOW)
    assert day.precision == "day"
    assert format_local(day.instant, "day") == format_local(x, "day")


FRAGMENTS = [
    "3", "03", "29", "31", "12", "2020", "20", "1899", "9999", "0", "/", ".", "-", ":", ",", " ",
    "march", "feb", "sept", "tuesday", "mon", "am", "pm", "p.m.", "noon", "midnight", "today",
    "yesterday", "tomorrow", "now", "ago", "days", "hours", "an", "at", "on", "of", "t", "z", "gmt",
    "bst", "utc", "+01:00", "14:00", "25:00", "2pm", "2020-03-03", "2020-13-01", "\n", "é", "٣",
    "last", "this", "tonight", "morning", "afternoon", "evening", "night", "week", "month", "07:30",
    "7:30", "11", "24", "99",
]  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)))
def test_property_only_input_errors(text: str) -> None:
    for call in (lambda: parse_when(text, NOW), lambda: parse_bound(text, NOW, end=True)):
        try:
            result = call()
        except InputError as error:
            assert "\n" not in str(error)
            assert str(error)
        else:
            instant = result.instant if isinstance(result, When) else result
            assert instant.tzinfo is UTC


# ---------------------------------------------------------------------------------------------
# Days, parts of days and ranges as residents say them (issue 12 §7)
# ---------------------------------------------------------------------------------------------

# Tuesday 24 November 2026, 10:00 GMT: the evening has not started yet.
TUESDAY_10AM = utc(2026, 11, 24, 10, 0)


@pytest.mark.parametrize(
    ("text", "instant", "precision"),
    [
        # last <weekday>: the most recent one strictly before today (NOW is Monday 23 November 2026)
        ("last Monday", utc(2026, 11, 16), "day"),  # on a Monday: a week ago, not today
        ("LAST MONDAY", utc(2026, 11, 16), "day"),
        ("last mon", utc(2026, 11, 16), "day"),
        ("last Tuesday", utc(2026, 11, 17), "day"),
        ("last tues", utc(2026, 11, 17), "day"),
        ("last Wednesday", utc(2026, 11, 18), "day"),
        ("last Thursday", utc(2026, 11, 19), "day"),
        ("last Friday", utc(2026, 11, 20), "day"),
        ("last Saturday", utc(2026, 11, 21), "day"),
        ("last Sunday", utc(2026, 11, 22), "day"),  # yesterday
        # ... with a time
        ("last Tuesday 6pm", utc(2026, 11, 17, 18, 0), "minute"),
        ("last Tuesday at 18:00", utc(2026, 11, 17, 18, 0), "minute"),
        ("last Tuesday, 6pm", utc(2026, 11, 17, 18, 0), "minute"),
        ("6pm last Tuesday", utc(2026, 11, 17, 18, 0), "minute"),
        ("last Tuesday 6 p.m.", utc(2026, 11, 17, 18, 0), "minute"),
        ("last Tuesday 6pm GMT", utc(2026, 11, 17, 18, 0), "minute"),
        ("last Tuesday 6pm UTC", utc(2026, 11, 17, 18, 0), "minute"),
        ("last Sunday 09:05", utc(2026, 11, 22, 9, 5), "minute"),
        # parts of today, without a time: the date (NOW is 18:40, so every part has started)
        ("this morning", utc(2026, 11, 23), "day"),
        ("This Afternoon", utc(2026, 11, 23), "day"),
        ("this evening", utc(2026, 11, 23), "day"),
        ("tonight", utc(2026, 11, 23), "day"),
        ("TONIGHT", utc(2026, 11, 23), "day"),
        # ... with a time, read in that part of the day
        ("this morning 7:30", utc(2026, 11, 23, 7, 30), "minute"),
        ("7:30 this morning", utc(2026, 11, 23, 7, 30), "minute"),
        ("this morning at 7.30am", utc(2026, 11, 23, 7, 30), "minute"),
        ("this morning 12:15", utc(2026, 11, 23, 0, 15), "minute"),  # quarter past midnight
        ("this afternoon 3", utc(2026, 11, 23, 15, 0), "minute"),
        ("this afternoon 3:15pm", utc(2026, 11, 23, 15, 15), "minute"),
        ("this afternoon noon", utc(2026, 11, 23, 12, 0), "minute"),
        ("this evening 5:30", utc(2026, 11, 23, 17, 30), "minute"),
        ("this evening at 6", utc(2026, 11, 23, 18, 0), "minute"),
        ("tonight 6:15", utc(2026, 11, 23, 18, 15), "minute"),
        ("tonight 6:40pm", utc(2026, 11, 23, 18, 40), "minute"),  # this very minute
        # yesterday's parts
        ("yesterday morning", utc(2026, 11, 22), "day"),
        ("yesterday afternoon", utc(2026, 11, 22), "day"),
        ("Yesterday Evening", utc(2026, 11, 22), "day"),
        ("yesterday night", utc(2026, 11, 22), "day"),
        ("last night", utc(2026, 11, 22), "day"),  # the same as "yesterday night"
        ("yesterday morning 9", utc(2026, 11, 22, 9, 0), "minute"),
        ("yesterday afternoon 2:45", utc(2026, 11, 22, 14, 45), "minute"),
        ("yesterday evening 7:30", utc(2026, 11, 22, 19, 30), "minute"),
        ("yesterday evening 11:59pm", utc(2026, 11, 22, 23, 59), "minute"),
        ("yesterday night 11pm", utc(2026, 11, 22, 23, 0), "minute"),
        ("yesterday night 1am", utc(2026, 11, 23, 1, 0), "minute"),  # a night runs into the morning
        ("last night at 11", utc(2026, 11, 22, 23, 0), "minute"),
        ("last night 2am", utc(2026, 11, 23, 2, 0), "minute"),
        ("last night midnight", utc(2026, 11, 23, 0, 0), "minute"),
        ("12:30 last night", utc(2026, 11, 23, 0, 30), "minute"),
        ("last night 5:59", utc(2026, 11, 23, 5, 59), "minute"),
        ("last night 6:00", utc(2026, 11, 22, 18, 0), "minute"),  # 06:00 is morning: 18:00
        ("last night 23:15", utc(2026, 11, 22, 23, 15), "minute"),
        # a weekday and a part of it
        ("last Tuesday evening", utc(2026, 11, 17), "day"),
        ("last Tuesday night", utc(2026, 11, 17), "day"),  # dated by the evening it began
        ("last tue morning", utc(2026, 11, 17), "day"),
        ("last Tuesday evening 8", utc(2026, 11, 17, 20, 0), "minute"),
        ("last Tuesday evening at 8:15pm", utc(2026, 11, 17, 20, 15), "minute"),
        ("last Tuesday night 1:30", utc(2026, 11, 18, 1, 30), "minute"),
        ("Last Friday Afternoon 4pm", utc(2026, 11, 20, 16, 0), "minute"),
        ("last Sunday morning 10:15", utc(2026, 11, 22, 10, 15), "minute"),
        ("11pm last Saturday night", utc(2026, 11, 21, 23, 0), "minute"),
    ],
)
def test_spoken_days_and_parts(text: str, instant: datetime, precision: str) -> None:
    when = parse_when(text, NOW)
    assert when == When(instant=instant, precision=precision, text=text.strip())  # type: ignore[arg-type]


def test_last_weekday_on_sundays_and_mondays() -> None:
    sunday = utc(2026, 11, 22, 12, 0)
    assert parse_when("last Sunday", sunday).instant == utc(2026, 11, 15)  # a week ago
    assert parse_when("last Monday", sunday).instant == utc(2026, 11, 16)  # six days ago
    assert parse_when("last Saturday", sunday).instant == utc(2026, 11, 21)  # yesterday
    # The last minute of Monday and the first of Tuesday: "last Monday" moves on at midnight.
    assert parse_when("last Monday", utc(2026, 11, 23, 23, 59)).instant == utc(2026, 11, 16)
    assert parse_when("last Monday", utc(2026, 11, 24, 0, 0)).instant == utc(2026, 11, 23)
    # The London date decides, not the UTC one: 23:30 UTC on Sunday 5 July 2020 is 00:30 BST Monday.
    just_after = utc(2020, 7, 5, 23, 30)
    assert parse_when("last Monday", just_after).instant == utc(2020, 6, 28, 23, 0)  # Mon 29 June
    assert parse_when("last Sunday", just_after).instant == utc(2020, 7, 4, 23, 0)  # Sun 5 July
    assert format_local(parse_when("last Sunday", just_after).instant, "day") == "Sun 5 Jul 2020"


def test_spoken_days_around_the_clocks_going_forward() -> None:
    # Monday 30 March 2020, 09:00 BST; the clocks went forward at 01:00 GMT on Sunday 29 March.
    now = utc(2020, 3, 30, 8, 0)
    assert parse_when("last Sunday", now).instant == utc(2020, 3, 29, 0, 0)  # midnight was GMT
    assert parse_when("yesterday", now).instant == utc(2020, 3, 29, 0, 0)
    assert parse_when("this morning", now).instant == utc(2020, 3, 29, 23, 0)  # midnight BST
    assert parse_when("this morning 8:15", now).instant == utc(2020, 3, 30, 7, 15)
    assert parse_when("last Saturday evening 7pm", now).instant == utc(2020, 3, 28, 19, 0)  # GMT
    assert parse_when("yesterday evening 7pm", now).instant == utc(2020, 3, 29, 18, 0)  # BST
    assert parse_when("last Saturday night 11pm", now).instant == utc(2020, 3, 28, 23, 0)
    assert parse_when("last Saturday night 12:30", now).instant == utc(2020, 3, 29, 0, 30)
    assert parse_when("last Saturday night 2:30", now).instant == utc(2020, 3, 29, 1, 30)  # BST
    message = assert_input_error("last Saturday night 1:30", "never happened", "01:00 to 02:00", now=now)
    assert message.startswith("'last Saturday night 1:30' never happened in the UK")


def test_spoken_days_around_the_clocks_going_back() -> None:
    # Monday 26 October 2020, 09:00 GMT; 01:00-01:59 happened twice early on Sunday 25 October.
    now = utc(2020, 10, 26, 9, 0)
    assert parse_when("last Sunday", now).instant == utc(2020, 10, 24, 23, 0)  # midnight was BST
    assert parse_when("yesterday morning", now).instant == utc(2020, 10, 24, 23, 0)
    assert parse_when("this morning", now).instant == utc(2020, 10, 26, 0, 0)
    assert parse_when("last Saturday night 1:30", now).instant == utc(2020, 10, 25, 0, 30)  # first
    assert parse_when("last Saturday night 1:30 BST", now).instant == utc(2020, 10, 25, 0, 30)
    assert parse_when("last Saturday night 1:30 GMT", now).instant == utc(2020, 10, 25, 1, 30)
    assert parse_when("yesterday morning 1:30 GMT", now).instant == utc(2020, 10, 25, 1, 30)
    assert parse_when("last night 1:30", now).instant == utc(2020, 10, 26, 1, 30)  # Monday, GMT
    assert parse_when("last Saturday evening 6pm", now).instant == utc(2020, 10, 24, 17, 0)  # BST
    assert parse_when("last Saturday night 1:30 UTC", now).instant == utc(2020, 10, 25, 1, 30)
    assert parse_when("this morning 1:30", utc(2020, 10, 25, 9, 0)).instant == utc(2020, 10, 25, 0, 30)


def test_a_part_of_today_not_yet_started_is_refused() -> None:
    # Tuesday 24 November 2026, 10:00 GMT.
    assert parse_when("this morning", TUESDAY_10AM).instant == utc(2026, 11, 24)
    assert (
        assert_input_error("this afternoon", now=TUESDAY_10AM)
        == "'this afternoon' is in the future: the afternoon starts at 12:00 and it is 10:00 now; "
        "did you mean 'yesterday afternoon'?"
    )
    assert (
        assert_input_error("this evening", now=TUESDAY_10AM)
        == "'this evening' is in the future: the evening starts at 17:00 and it is 10:00 now; "
        "did you mean 'yesterday evening'?"
    )
    assert (
        assert_input_error("tonight", now=TUESDAY_10AM)
        == "'tonight' is in the future: the night starts at 18:00 and it is 10:00 now; "
        "did you mean 'last night'?"
    )
    assert (
        assert_input_error("this evening 7pm", now=TUESDAY_10AM)
        == "'this evening 7pm' is later than the time now (10:00); did you mean 'yesterday evening 7pm'?"
    )
    assert_input_error(
        "7:30 tonight", "later than the time now (10:00)", "'7:30 last night'", now=TUESDAY_10AM
    )
    assert_input_error("this morning 10:01", "later than the time now (10:00)", now=TUESDAY_10AM)
    assert parse_when("this morning 10:00", TUESDAY_10AM).instant == TUESDAY_10AM
    # A part of the day counts from its first minute, in London time (BST here).
    assert_input_error("this afternoon", "it is 11:59 now", now=utc(2026, 11, 24, 11, 59))
    assert parse_when("this afternoon", utc(2026, 11, 24, 12, 0)).instant == utc(2026, 11, 24)
    assert_input_error("this evening", "it is 16:59 now", now=utc(2020, 7, 4, 15, 59))
    assert parse_when("this evening", utc(2020, 7, 4, 16, 0)).instant == utc(2020, 7, 3, 23, 0)
    assert parse_when("this morning 10:30", SUMMER_NOW).instant == utc(2020, 7, 4, 9, 30)


def test_tonight_in_the_small_hours_is_the_night_still_going_on() -> None:
    small_hours = utc(2026, 11, 24, 1, 30)  # Tuesday 01:30 GMT: the night began on Monday
    assert parse_when("tonight", small_hours).instant == utc(2026, 11, 23)
    assert parse_when("tonight 11pm", small_hours).instant == utc(2026, 11, 23, 23, 0)
    assert parse_when("tonight 1am", small_hours).instant == utc(2026, 11, 24, 1, 0)
    assert parse_when("last night", small_hours).instant == utc(2026, 11, 23)  # the same night
    message = assert_input_error("tonight 3am", now=small_hours)
    assert message == "'tonight 3am' is in the future; an entry records something that already happened"
    # At 06:00 that night is over, and tonight's has not begun.
    assert_input_error("tonight", "the night starts at 18:00", now=utc(2026, 11, 24, 6, 0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "this morning 7pm",
            "'this morning 7pm' does not add up: 19:00 is not in the morning (midnight to noon)",
        ),
        (
            "this evening 07:30",  # a leading zero is the 24-hour clock: not re-read as 19:30
            "'this evening 07:30' does not add up: 07:30 is not in the evening (17:00 to midnight)",
        ),
        (
            "yesterday afternoon 7:00",
            "'yesterday afternoon 7:00' does not add up: 07:00 is not in the afternoon (noon to 18:00)",
        ),
        (
            "last night 9am",
            "'last night 9am' does not add up: 09:00 is not at night (18:00 to 06:00 the next morning)",
        ),
        (
            "last Tuesday evening 2pm",
            "'last Tuesday evening 2pm' does not add up: 14:00 is not in the evening (17:00 to midnight)",
        ),
        (
            "last night at 11 6pm",
            "'last night at 11 6pm' seems to give two different times of day; give just one",
        ),
        (
            "yesterday evening at 25",
            "'yesterday evening at 25' is not a real time (there is no hour 25; hours go from 00 to 23)",
        ),
        ("last night 13pm", "'last night 13pm' is not a real time (with am/pm the hour goes from 1 to 12)"),
        (
            "last Tuesday evening GMT",
            "'last Tuesday evening GMT' gives a time zone but no time of day; "
            "add the time, or leave out the zone",
        ),
        (
            "last Tuesday 6pm BST",
            "'last Tuesday 6pm BST' does not add up: UK clocks were on GMT, not BST, at that time",
        ),
        (
            "this Tuesday",
            "'this Tuesday' could mean more than one day; say 'last Tuesday', or give the date",
        ),
        (
            "last Tuesday 3 March 2020",
            "'last Tuesday 3 March 2020' is not a date or time residentlog understands; try e.g. "
            "'3 March 2020 14:00', '03/03/2020', 'yesterday 6pm', 'last Tuesday evening' or '2 days ago'",
        ),
    ],
)
def test_spoken_days_refused(text: str, message: str) -> None:
    assert assert_input_error(text) == message


def test_a_range_is_refused_for_one_moment() -> None:
    assert (
        assert_input_error("last week")
        == "'last week' is a range of days; say which day, e.g. 'last Tuesday' or '16 November 2026'"
    )
    assert (
        assert_input_error("This Week")
        == "'This Week' is a range of days; say which day, e.g. 'last Tuesday' or '23 November 2026'"
    )
    assert (
        assert_input_error("last month")
        == "'last month' is a range of days; say which day, e.g. '1 October 2026'"
    )
    assert (
        assert_input_error("this month")
        == "'this month' is a range of days; say which day, e.g. '1 November 2026'"
    )
    assert (
        assert_input_error("last week 6pm")
        == "'last week 6pm' gives a time of day for a range of days; say which day, e.g. 'last Tuesday 6pm'"
    )
    with pytest.raises(InputError, match="gives a time of day for a range of days"):
        parse_bound("this month 14:00", NOW, end=False)


@pytest.mark.parametrize(
    ("text", "now", "since", "until"),
    [
        # NOW is Monday 23 November 2026: this week starts today.
        ("this week", NOW, utc(2026, 11, 23), utc(2026, 11, 30)),
        ("last week", NOW, utc(2026, 11, 16), utc(2026, 11, 23)),
        ("LAST WEEK", NOW, utc(2026, 11, 16), utc(2026, 11, 23)),
        ("this month", NOW, utc(2026, 11, 1), utc(2026, 12, 1)),
        ("last month", NOW, utc(2026, 9, 30, 23, 0), utc(2026, 11, 1)),  # 1 October was BST
        # On a Sunday the week is nearly over: it began six days ago.
        ("this week", utc(2026, 11, 29, 20, 0), utc(2026, 11, 23), utc(2026, 11, 30)),
        ("last week", utc(2026, 11, 29, 20, 0), utc(2026, 11, 16), utc(2026, 11, 23)),
        # Across the new year and a leap February.
        ("last month", utc(2027, 1, 15, 12, 0), utc(2026, 12, 1), utc(2027, 1, 1)),
        ("last week", utc(2027, 1, 2, 12, 0), utc(2026, 12, 21), utc(2026, 12, 28)),
        ("this week", utc(2027, 1, 2, 12, 0), utc(2026, 12, 28), utc(2027, 1, 4)),
        ("last month", utc(2024, 3, 10, 12, 0), utc(2024, 2, 1), utc(2024, 3, 1)),
        # Around the clock changes: each bound is local midnight, GMT or BST as it was.
        ("this month", utc(2020, 3, 15, 12, 0), utc(2020, 3, 1), utc(2020, 3, 31, 23, 0)),
        ("last week", utc(2020, 3, 30, 8, 0), utc(2020, 3, 23), utc(2020, 3, 29, 23, 0)),
        ("this week", utc(2020, 3, 30, 8, 0), utc(2020, 3, 29, 23, 0), utc(2020, 4, 5, 23, 0)),
        ("last week", utc(2020, 10, 26, 9, 0), utc(2020, 10, 18, 23, 0), utc(2020, 10, 26)),
        ("this week", utc(2020, 10, 26, 9, 0), utc(2020, 10, 26), utc(2020, 11, 2)),
        ("last month", utc(2020, 10, 26, 9, 0), utc(2020, 8, 31, 23, 0), utc(2020, 9, 30, 23, 0)),
        ("this month", utc(2020, 10, 26, 9, 0), utc(2020, 9, 30, 23, 0), utc(2020, 11, 1)),
        # London's date decides: 23:30 UTC on Sunday 5 July 2020 is already Monday in BST.
        ("this week", utc(2020, 7, 5, 23, 30), utc(2020, 7, 5, 23, 0), utc(2020, 7, 12, 23, 0)),
    ],
)
def test_bound_ranges(text: str, now: datetime, since: datetime, until: datetime) -> None:
    assert parse_bound(text, now, end=False) == since
    assert parse_bound(text, now, end=True) == until


def test_bound_spoken_days_and_parts() -> None:
    # A part of a day without a time covers its whole day: entries dated "yesterday evening" are
    # stored at the start of that day, and must fall inside --since/--until "yesterday evening".
    stored = parse_when("yesterday evening", NOW).instant
    since = parse_bound("yesterday evening", NOW, end=False)
    until = parse_bound("yesterday evening", NOW, end=True)
    assert (since, until) == (utc(2026, 11, 22), utc(2026, 11, 23))
    assert since <= stored < until
    assert parse_bound("last Tuesday", NOW, end=False) == utc(2026, 11, 17)
    assert parse_bound("last Tuesday", NOW, end=True) == utc(2026, 11, 18)
    assert parse_bound("last Tuesday night", NOW, end=True) == utc(2026, 11, 18)
    assert parse_bound("last night 2am", NOW, end=True) == utc(2026, 11, 23, 2, 0)
    assert parse_bound("last Tuesday 6pm", NOW, end=False) == utc(2026, 11, 17, 18, 0)
    # Bounds may be in the future.
    assert parse_bound("this evening", TUESDAY_10AM, end=True) == utc(2026, 11, 25)
    assert parse_bound("tonight 11pm", TUESDAY_10AM, end=True) == utc(2026, 11, 24, 23, 0)


WEEKDAY_WORDS = ["Monday", "tuesday", "WED", "thurs", "Fri", "saturday", "sun"]


@settings(deadline=None)
@given(_aware(datetime(1950, 1, 1), datetime(2100, 1, 1)), st.integers(min_value=0, max_value=6))
def test_property_last_weekday_is_the_latest_one_before_today(now: datetime, weekday: int) -> None:
    when = parse_when(f"last {WEEKDAY_WORDS[weekday]}", now)
    assert when.precision == "day"
    day = when.instant.astimezone(LONDON)
    assert (day.hour, day.minute) == (0, 0)
    assert day.weekday() == weekday
    assert 1 <= (now.astimezone(LONDON).date() - day.date()).days <= 7


@settings(deadline=None)
@given(
    _aware(datetime(1950, 1, 1), datetime(2100, 1, 1)),
    st.integers(min_value=1, max_value=7),
    st.integers(min_value=0, max_value=23 * 60 + 59),
)
def test_property_last_weekday_with_a_time_reads_back(x: datetime, days_later: int, offset: int) -> None:
    # Any instant, said as "last <its weekday> HH:MM GMT/BST" up to a week later, reads back exactly
    # (the zone label picks the hour when the clocks went back).
    local = x.astimezone(LONDON)
    today = local.date() + timedelta(days=days_later)
    now = datetime.combine(today, time(), tzinfo=LONDON) + timedelta(minutes=offset)
    text = f"last {_WEEKDAY_NAMES_FOR_TEST[local.weekday()]} {local:%H:%M} {local.tzname()}"
    assert parse_when(text, now).instant == x.astimezone(UTC).replace(second=0, microsecond=0)


_WEEKDAY_NAMES_FOR_TEST = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@settings(deadline=None)
@given(_aware(datetime(1950, 1, 1), datetime(2100, 1, 1)))
def test_property_weeks_and_months_tile_time(now: datetime) -> None:
    for unit in ("week", "month"):
        start = parse_bound(f"this {unit}", now, end=False)
        end = parse_bound(f"this {unit}", now, end=True)
        assert start <= now < end
        assert parse_bound(f"last {unit}", now, end=True) == start
        assert parse_bound(f"last {unit}", now, end=False) < start
        first, after = start.astimezone(LONDON), end.astimezone(LONDON)
        assert (first.hour, first.minute, after.hour, after.minute) == (0, 0, 0, 0)
        if unit == "week":
            assert first.weekday() == 0 and (after.date() - first.date()).days == 7
        else:
            assert first.day == 1 and after.day == 1
            assert (after.year * 12 + after.month) - (first.year * 12 + first.month) == 1


@settings(deadline=None)
@given(
    _aware(datetime(1950, 1, 1), datetime(2100, 1, 1)),
    st.sampled_from(["morning", "afternoon", "evening", "night"]),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
)
def test_property_yesterday_part_with_a_time(now: datetime, part: str, hour: int, minute: int) -> None:
    # "yesterday <part> HH:MM" is accepted exactly when the time falls in that part, on yesterday's
    # date (a night's small hours on today's). "07:30" (leading zero), "00:30" and "19:30" are the
    # 24-hour clock; "10:30", "11:30" and "12:30" may be read 12 hours on ("evening 10:30" is 22:30).
    windows = {"morning": (0, 12), "afternoon": (12, 18), "evening": (17, 24), "night": (18, 30)}
    lo, hi = windows[part]
    yesterday = now.astimezone(LONDON).date() - timedelta(days=1)
    text = f"yesterday {part} {hour:02d}:{minute:02d}"
    readings = [hour] if hour < 10 or hour > 12 else [hour % 12, hour % 12 + 12]
    hours = [h + extra for h in readings for extra in (0, 24) if lo <= h + extra < hi]
    try:
        when = parse_when(text, now)
    except InputError as error:
        message = str(error)
        if hours:  # the right part of the day: only a time the clocks skipped, or one still to come
            assert "never happened" in message or "future" in message
        else:
            assert message.startswith(f"'{text}' does not add up: ") and message.endswith(")")
        return
    assert len(hours) == 1
    local = when.instant.astimezone(LONDON)
    assert local.date() == yesterday + timedelta(days=hours[0] // 24)
    assert (local.hour, local.minute) == (hours[0] % 24, minute)
