"""The days of imported events, in every way ACLED's and UCDP's files (and the
spreadsheets that re-save them) write them, checked against the row's year.

    2013-01-12   2013-01-12 00:00:00.000   12 January 2013   12-Jan-13   9-May-20
    31-12-19     12/01/2013   2013/01/12   12jan2013 (Stata)

Numeric dates are read day first (ACLED's and Europe's order) unless that is
impossible (a second number above 12). A two-digit year is settled by the
row's ``year`` column (or, without one, as the latest year not after today).
A date that contradicts ``year``, lies before 1989 (the first year UCDP GED
and ACLED cover) or after the import day is a `RowError`: never stored.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date

from kg.imports.rows import RowError

FIRST_YEAR = 1989
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_PARTS = re.compile(r"[\s\-/.,]+")
_STATA = re.compile(r"^(\d{1,2})([A-Za-z]{3,9})(\d{4})$")  # Stata's %td: 04mar2022
_EXPECTED = "expected a day such as 2013-01-12, 12 January 2013, 12-Jan-13 or 12/01/2013"


def utc_today() -> date:
    """Today in UTC: what "after today" means for a row, whatever the machine's TZ (a day
    in UTC+14 is already tomorrow in UTC-12; the data sets date their events in UTC days)."""
    from datetime import datetime

    return datetime.now(UTC).date()


class FutureDate(RowError):
    """A row dated after today (UTC): refused now, and read again by a later import of the
    same file (the file's stored hash says it held such rows, so it is never "unchanged")."""


class DayReader:
    """Parses one data set's dates; results are cached per (text, year) since days repeat."""

    def __init__(self, today: date | None = None):
        self.today = today or utc_today()
        self.cache: dict[tuple[str, str], date] = {}

    def read(self, text: str, year: str, column: str) -> date:
        key = (text, year)
        day = self.cache.get(key)
        if day is None:
            day = self._read(text.strip(), year.strip(), column)
            if len(self.cache) < 100_000:
                self.cache[key] = day
        return day

    def _read(self, text: str, year_text: str, column: str) -> date:
        if not text:
            raise RowError(column, f"is empty; {_EXPECTED}")
        year = int(year_text) if year_text.isdigit() else None
        m = _ISO.match(text)
        if m:
            day = _make(int(m[1]), int(m[2]), int(m[3]), text, column)
        else:
            day = self._other(text, year, column)
        if year is not None and day.year != year:
            raise RowError(column, f"'{text}' is in {day.year} but the row's year column says {year}")
        if day.year < FIRST_YEAR:
            raise RowError(column, f"'{text}' is before {FIRST_YEAR}; ACLED and UCDP GED begin in {FIRST_YEAR}")
        if day > self.today:
            raise FutureDate(column, f"'{text}' ({day.isoformat()}) is after today ({self.today.isoformat()}, UTC)")
        return day

    def _other(self, text: str, year: int | None, column: str) -> date:
        stata = _STATA.match(text)
        parts = list(stata.groups()) if stata else [p for p in _PARTS.split(text) if p]
        if len(parts) != 3:
            raise RowError(column, f"'{text}' is not a date; {_EXPECTED}")
        a, b, c = parts
        if b.lower() in _MONTHS and a.isdigit() and c.isdigit():  # 12 January 2013, 12-Jan-13
            return _make(self._year(c, year, text, column), _MONTHS[b.lower()], int(a), text, column)
        if a.lower() in _MONTHS and b.isdigit() and c.isdigit():  # January 12 2013
            return _make(self._year(c, year, text, column), _MONTHS[a.lower()], int(b), text, column)
        if not (a.isdigit() and b.isdigit() and c.isdigit()):
            raise RowError(column, f"'{text}' is not a date; {_EXPECTED}")
        if len(a) == 4:  # 2013/01/12
            return _make(int(a), int(b), int(c), text, column)
        first, second = int(a), int(b)
        day, month = (second, first) if second > 12 >= first else (first, second)  # day first unless impossible
        return _make(self._year(c, year, text, column), month, day, text, column)

    def _year(self, text: str, year: int | None, whole: str, column: str) -> int:
        if len(text) == 4:
            return int(text)
        if len(text) != 2:
            raise RowError(column, f"'{whole}' has no readable year; {_EXPECTED}")
        short = int(text)
        if year is not None:
            if year % 100 != short:
                raise RowError(column, f"'{whole}' has the year {text}, but the row's year column says {year}")
            return year
        century = self.today.year // 100 * 100
        return century + short if century + short <= self.today.year else century - 100 + short


def _make(year: int, month: int, day: int, text: str, column: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise RowError(column, f"'{text}' is not a date (no such day); {_EXPECTED}") from None
