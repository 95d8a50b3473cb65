"""Dates with a precision, stored as the earliest or latest day they can mean.

"2013" as a start is 2013-01-01, as an end 2013-12-31; then every question
about time is a comparison of plain dates, and overlap is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

PRECISIONS = ("Day", "Month", "Year")
YEARS = (1, 9999)  # the years a date can hold; --year takes what --from and --to take

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DateFormatError(ValueError):
    """A date string that is not YYYY, YYYY-MM or YYYY-MM-DD, or no real day."""


@dataclass(frozen=True, order=True)
class Period:
    """A closed interval of days; ``end`` None means open-ended (ongoing)."""

    start: date
    end: date | None
    start_precision: str = field(default="Day", compare=False)
    end_precision: str = field(default="Day", compare=False)

    def overlaps(self, other: Period, as_of: date | None = None) -> bool:
        """Whether the two share a day; an open end runs to ``as_of`` when given."""
        self_end = self.end or as_of
        other_end = other.end or as_of
        return (other_end is None or self.start <= other_end) and (
            self_end is None or other.start <= self_end
        )

    def text(self) -> str:
        """'2013-01 – 2014-07', '2017-03-02 – ongoing', '2024-07-27'."""
        start = display(self.start, self.start_precision)
        if self.end is None:
            return f"{start} – ongoing"
        end = display(self.end, self.end_precision)
        return start if end == start else f"{start} – {end}"

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "start_precision": self.start_precision,
            "end_precision": self.end_precision if self.end else None,
        }

    def clip(self, other: Period) -> Period | None:
        """The part of this period inside ``other``, or None."""
        if not self.overlaps(other):
            return None
        start, sp = max((self.start, self.start_precision), (other.start, other.start_precision))
        ends = [(p.end, p.end_precision) for p in (self, other) if p.end is not None]
        end, ep = min(ends) if ends else (None, "Day")
        return Period(start, end, sp, ep)


def parse(text: str, *, as_end: bool = False) -> tuple[date, str]:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD into (day, precision).

    As a start the day is the earliest the text allows; ``as_end`` gives the latest.
    """
    m = _PATTERN.match(text.strip())
    if not m:
        raise DateFormatError(f"'{text}' is not a date; expected YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m[1]), m[2], m[3]
    if year < YEARS[0]:
        raise DateFormatError(f"'{text}': there is no year 0; years run {YEARS[0]:04d}..{YEARS[1]}")
    if month is not None and not 1 <= int(month) <= 12:
        raise DateFormatError(f"'{text}' is not a real month")
    try:
        if day is not None:
            return date(year, int(month), int(day)), "Day"
        if month is not None:
            mo = int(month)
            if not as_end:
                return date(year, mo, 1), "Month"
            import calendar  # only for the last day of a month: 1.7 ms of imports (locale) otherwise

            return date(year, mo, calendar.monthrange(year, mo)[1]), "Month"
        return date(year, 12, 31) if as_end else date(year, 1, 1), "Year"
    except ValueError:
        raise DateFormatError(f"'{text}' is not a real day") from None


def start_of(text: str) -> date:
    return parse(text)[0]


def end_of(text: str) -> date:
    return parse(text, as_end=True)[0]


def window(
    year: int | None = None, start: str | None = None, end: str | None = None
) -> Period | None:
    """The time window a question asks about: a year, or from/to bounds, or None."""
    if year is not None and (start or end):
        raise DateFormatError("give either a year or from/to bounds, not both")
    if year is not None:
        if not YEARS[0] <= year <= YEARS[1]:
            raise DateFormatError(f"year {year} is out of range; expected a year from {YEARS[0]} to {YEARS[1]}")
        return Period(date(year, 1, 1), date(year, 12, 31))
    if start is None and end is None:
        return None
    lo = start_of(start) if start else date(1, 1, 1)
    hi = end_of(end) if end else None
    if hi is not None and hi < lo:
        raise DateFormatError(f"the window ends ({end}) before it starts ({start})")
    return Period(lo, hi)


def display(day: date, precision: str) -> str:
    """Render a stored day at its precision (2013-12-31 as Year end -> '2013')."""
    if precision == "Year":
        return f"{day.year:04d}"
    if precision == "Month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def merge(periods: list[Period]) -> list[Period]:
    """Merge periods that overlap or touch (end + 1 day = next start)."""
    out: list[Period] = []
    for p in sorted(periods, key=lambda p: (p.start, p.end or date.max)):
        if out:
            last = out[-1]
            if last.end is None or p.start.toordinal() <= last.end.toordinal() + 1:
                if last.end is None or p.end is None:
                    out[-1] = Period(last.start, None, last.start_precision, "Day")
                elif p.end > last.end:
                    out[-1] = Period(last.start, p.end, last.start_precision, p.end_precision)
                continue
        out.append(p)
    return out
