"""The Kazakhstan working calendar: due dates in working or calendar days.

Built on the `holidays` package (country KZ: public holidays, the Monday off when a secular
holiday falls on a weekend, the Government's transfers of days off), corrected by the data file
`rules/calendar/kazakhstan.yaml` that policy staff edit. Counting conventions (docs/calendar.md):

- the day of the triggering event is not counted;
- "within N working days" ends at the end of the N-th working day after it;
- "within N calendar days" ends N days after it; if that day is not a working day, the limit
  ends on the next working day;
- a date outside the years the calendar knows raises `CalendarError`: never a silent guess.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rexcheck.engine.diagnose import from_validation_error
from rexcheck.engine.errors import InvalidInput
from rexcheck.engine.yamlsource import load_yaml

ONE_DAY = dt.timedelta(days=1)


class CalendarError(Exception):
    """A date the calendar cannot answer for (outside its years)."""


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    working: bool
    reason: str | None


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    reason: str | None = None
    name: str | None = None
    source: str = Field(min_length=1)


class CalendarFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_year: int = Field(ge=1992, le=2100)
    last_year: int = Field(ge=1992, le=2100)
    days_off: list[_Entry] = Field(default_factory=list)
    working_days: list[_Entry] = Field(default_factory=list)
    confirmed_holidays: list[_Entry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range(self) -> CalendarFile:
        if self.first_year > self.last_year:
            raise ValueError("first_year is after last_year")
        return self


def default_calendar_file() -> Path:
    return Path(str(resources.files("rexcheck.rules"))) / "calendar" / "kazakhstan.yaml"


class WorkingCalendar:
    """Working and non-working days of Kazakhstan for the years in the data file."""

    def __init__(self, data: CalendarFile, source: str = "<calendar>"):
        self.first_year = data.first_year
        self.last_year = data.last_year
        self.source = source
        self._off: dict[dt.date, str] = {}
        self._working: dict[dt.date, str] = {}
        years = range(data.first_year, data.last_year + 1)
        package = holidays.country_holidays("KZ", years=years)
        confirmed_years = {e.date.year for e in data.confirmed_holidays}
        for day, name in sorted(package.items()):
            if "estimated" in name and day.year in confirmed_years:
                continue  # the announced date, below, replaces the package's estimate
            if "substituted from" in name:  # e.g. "Day off (substituted from 01/05/2025)"
                moved = dt.datetime.strptime(name.split("from ")[1].rstrip(")"), "%m/%d/%Y")
                self._off[day] = (f"day off moved from {moved.date().isoformat()} "
                                  "(Government transfer of days off)")
            else:
                self._off[day] = f"{name} (public holiday)"
        for entry in data.confirmed_holidays:
            self._off[entry.date] = f"{entry.name or entry.reason} (public holiday; {entry.source})"
        for day in getattr(package, "weekend_workdays", ()):
            if self.first_year <= day.year <= self.last_year:
                self._working[day] = "working day moved by the Government (transfer of days off)"
        for entry in data.days_off:
            self._off[entry.date] = f"{entry.reason or 'day off'} ({entry.source})"
        for entry in data.working_days:
            self._working[entry.date] = f"{entry.reason or 'working day'} ({entry.source})"
        self.day = lru_cache(maxsize=8192)(self._day)  # type: ignore[method-assign]
        # working days counted from the first known day: counting becomes a subtraction
        self._origin = dt.date(self.first_year, 1, 1)
        self._count: list[int] = []
        total, d = 0, self._origin
        while d.year <= self.last_year:
            total += self._day(d).working
            self._count.append(total)
            d += ONE_DAY

    @classmethod
    def load(cls, path: Path | str | None = None) -> WorkingCalendar:
        path = Path(path) if path is not None else default_calendar_file()
        data, positions = load_yaml(path)
        try:
            parsed = CalendarFile.model_validate(data)
        except ValidationError as exc:
            raise InvalidInput(from_validation_error(exc, positions, CalendarFile)) from None
        return cls(parsed, str(path))

    def _check(self, d: dt.date) -> None:
        if not self.first_year <= d.year <= self.last_year:
            raise CalendarError(f"{d.isoformat()} is outside the years the calendar knows "
                                f"({self.first_year}-{self.last_year}); extend "
                                "rules/calendar/kazakhstan.yaml")

    def _day(self, d: dt.date) -> DayInfo:
        self._check(d)
        if d in self._working:
            return DayInfo(d, True, self._working[d])
        if d in self._off:
            return DayInfo(d, False, self._off[d])
        if d.weekday() >= 5:
            return DayInfo(d, False, d.strftime("%A"))
        return DayInfo(d, True, None)

    def is_working_day(self, d: dt.date) -> bool:
        return self.day(d).working

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The due date of "within n working days from start" (start not counted)."""
        self._check(start)
        if n <= 0:
            return start
        target = self._count[(start - self._origin).days] + n
        index = bisect_left(self._count, target)  # the first day whose count reaches it
        if index >= len(self._count):
            raise CalendarError(f"{n} working days after {start.isoformat()} run past "
                                f"{self.last_year}, the last year the calendar knows; extend "
                                "rules/calendar/kazakhstan.yaml")
        return self._origin + dt.timedelta(days=index)

    def add_calendar_days(self, start: dt.date, n: int) -> dt.date:
        """The due date of "within n calendar days from start", moved to the next working day
        when it falls on a day off."""
        self._check(start)
        d = start + dt.timedelta(days=n)
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        self._check(start)
        self._check(end)
        return (self._count[(end - self._origin).days]
                - self._count[(start - self._origin).days])

    def explain(self, start: dt.date, end: dt.date) -> list[DayInfo]:
        if end < start:
            start, end = end, start
        days, d = [], start
        while d <= end:
            days.append(self.day(d))
            d += ONE_DAY
        return days
