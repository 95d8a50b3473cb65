from datetime import date

import pytest

from kg.graph.dates import DateFormatError, Period, end_of, merge, parse, start_of, window


@pytest.mark.parametrize(
    "text, start, end, precision",
    [
        ("2013", date(2013, 1, 1), date(2013, 12, 31), "Year"),
        ("2016-02", date(2016, 2, 1), date(2016, 2, 29), "Month"),
        ("2017-03-02", date(2017, 3, 2), date(2017, 3, 2), "Day"),
    ],
)
def test_a_date_is_its_earliest_day_as_a_start_and_latest_as_an_end(text, start, end, precision):
    assert parse(text) == (start, precision)
    assert parse(text, as_end=True) == (end, precision)


@pytest.mark.parametrize("text", ["2013-13", "2013-02-30", "13", "2013/01/02", "2013-1-2", "soon", ""])
def test_malformed_and_impossible_dates_are_refused(text):
    with pytest.raises(DateFormatError):
        start_of(text)


def test_overlap_respects_open_ends_and_the_as_of_day():
    ongoing = Period(date(2017, 3, 2), None)
    assert ongoing.overlaps(window(year=2024))
    assert not ongoing.overlaps(window(year=2026), as_of=date(2025, 11, 30))
    assert not Period(date(2013, 1, 1), end_of("2013")).overlaps(window(year=2014))


def test_merge_joins_periods_that_touch_or_overlap_but_not_gaps():
    a = Period(date(2013, 1, 1), date(2013, 6, 30))
    b = Period(date(2013, 7, 1), date(2013, 12, 31))
    c = Period(date(2015, 1, 1), None)
    assert merge([c, b, a]) == [Period(date(2013, 1, 1), date(2013, 12, 31)), c]


def test_a_window_cannot_be_both_a_year_and_bounds_nor_end_before_it_starts():
    with pytest.raises(DateFormatError):
        window(year=2013, start="2013")
    with pytest.raises(DateFormatError):
        window(start="2014", end="2013")


def test_period_text_shows_each_end_at_its_precision():
    assert Period(date(2013, 1, 1), date(2014, 7, 31), "Year", "Month").text() == "2013 – 2014-07"
    assert Period(date(2017, 3, 2), None).text() == "2017-03-02 – ongoing"
