"""The Kazakhstan working calendar: due dates in working or calendar days.

Built on the `holidays` package (country KZ: public holidays, the day off on the next working day
when a secular holiday falls on a weekend, the Government's transfers of days off), corrected by
the data file `rules/calendar/kazakhstan.yaml` that policy staff edit. Counting conventions
(docs/calendar.md):

- the day of the triggering event is not counted;
- "within N working days" ends at the end of the N-th working day after it;
- "within N calendar days" ends N days after it; if that day is not a working day, the limit
  ends on the next working day;
- a date outside the years the calendar knows raises `CalendarError`: never a silent guess.

Every day that is not an ordinary working day is a `CalendarDay`: what kind of day it is, why,
and where that comes from (the `holidays` package and its version, or the data-file entry and
its citation), so `rexcheck calendar list`, `explain` and docs/calendar.md all say the same.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rexcheck.engine.core.loader import default_rules_dir
from rexcheck.facts.base.errors import InvalidInput
from rexcheck.facts.base.yamlsource import Positions, load_yaml
from rexcheck.facts.diagnose import from_validation_error

ONE_DAY = dt.timedelta(days=1)

# The package's holiday names carry what we need to know (a day off for a holiday on a weekend,
# a transferred day off and the day it came from, an estimated date) in words; they are read in
# this language, never in the one the user's locale would choose.
PACKAGE_LANGUAGE = "en_US"
_SUBSTITUTED = re.compile(r"^Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)$")
_NOTES = re.compile(r"^(?P<name>.+?) \((?P<notes>observed|estimated|observed, estimated)\)$")

# What a day is (the `kind` of a CalendarDay).
WEEKEND = "weekend"
PUBLIC_HOLIDAY = "public-holiday"
HOLIDAY_ON_WEEKEND_DAY_OFF = "holiday-on-weekend-day-off"  # the next working day, in its place
TRANSFERRED_DAY_OFF = "transferred-day-off"                # Government transfer: weekday off
TRANSFERRED_WORKING_DAY = "transferred-working-day"        # ... and a weekend day worked
ADDED_DAY_OFF = "added-day-off"                            # data file, days_off
ADDED_WORKING_DAY = "added-working-day"                    # data file, working_days

HOLIDAYS_PACKAGE = "holidays"
DATA_FILE = "data-file"
SHIPPED_FILE_NAME = "rules/calendar/kazakhstan.yaml"


class CalendarError(Exception):
    """A date the calendar cannot answer for (outside its years)."""


@dataclass(frozen=True)
class Source:
    """Where a day's status comes from: the `holidays` package (with its version) or an entry
    of the data file (file, line, section and the entry's own `source`, its citation)."""

    kind: str  # HOLIDAYS_PACKAGE | DATA_FILE
    version: str | None = None
    file: str | None = None
    line: int | None = None
    section: str | None = None
    citation: str | None = None

    @property
    def label(self) -> str:
        if self.kind == HOLIDAYS_PACKAGE:
            return f"holidays {self.version}"
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{where} ({self.section}): {self.citation}"

    def as_dict(self) -> dict:
        if self.kind == HOLIDAYS_PACKAGE:
            return {"type": self.kind, "package": "holidays", "version": self.version,
                    "country": "KZ"}
        return {"type": self.kind, "file": self.file, "line": self.line,
                "section": self.section, "citation": self.citation}


@dataclass(frozen=True)
class CalendarDay:
    """A day that is not an ordinary working day: non-working (`working` False), or a weekend
    day made a working day. `moved_from` is the day a day off stands in for; `moved_to` the day
    off a worked weekend day pays for."""

    date: dt.date
    working: bool
    kind: str
    reason: str
    source: Source
    name: str | None = None
    moved_from: dt.date | None = None
    moved_to: dt.date | None = None
    estimated: bool = False

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "weekday": self.date.strftime("%a"),
                "working": self.working, "kind": self.kind, "name": self.name,
                "moved_from": self.moved_from.isoformat() if self.moved_from else None,
                "moved_to": self.moved_to.isoformat() if self.moved_to else None,
                "estimated": self.estimated, "reason": self.reason,
                "source": self.source.as_dict()}


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    working: bool
    reason: str | None
    entry: CalendarDay | None = None  # None for an ordinary working day


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
    """The calendar of the default rules tree (REXCHECK_RULES, else the shipped packs)."""
    return default_rules_dir() / "calendar" / "kazakhstan.yaml"


def _day_name(d: dt.date) -> str:
    return f"{d.strftime('%A')} {d.isoformat()}"


def _package_days(package: holidays.HolidayBase, source: Source,
                  skip_estimated_years: set[int]) -> Iterator[CalendarDay]:
    """The package's days off as CalendarDays, read from its (en_US) names."""
    # (day, name, observed, estimated, substituted_from)
    parsed: list[tuple[dt.date, str | None, bool, bool, dt.date | None]] = []
    name: str | None  # None on a day off moved from another day
    key: tuple[int, str | None]
    for day, label in sorted(package.items()):
        if m := _SUBSTITUTED.match(label):
            month, dom, year = (int(x) for x in m.groups())
            parsed.append((day, None, False, False, dt.date(year, month, dom)))
            continue
        name, notes = label, ""
        if m := _NOTES.match(label):
            name, notes = m["name"], m["notes"]
        parsed.append((day, name, "observed" in notes, "estimated" in notes, None))
    # A day off for a holiday on a weekend stands in for that weekend day: pair them in date
    # order, by holiday and year (Nauryz 2026: Sat 21 -> Tue 24, Sun 22 -> Wed 25). When the
    # counts differ the day is still off; only the day it stands in for is left unsaid.
    on_weekend: defaultdict[tuple[int, str | None], list[dt.date]] = defaultdict(list)
    observed: defaultdict[tuple[int, str | None], list[dt.date]] = defaultdict(list)
    for day, name, is_observed, _, moved in parsed:
        if moved is None:
            key = (day.year, name)
            if is_observed:
                observed[key].append(day)
            elif day.weekday() in package.weekend:
                on_weekend[key].append(day)
    stands_for: dict[dt.date, dt.date] = {}
    for key, days in observed.items():
        if len(days) == len(on_weekend[key]):
            stands_for.update(zip(days, on_weekend[key], strict=True))
    for day, name, is_observed, estimated, moved in parsed:
        if moved is not None:
            yield CalendarDay(day, False, TRANSFERRED_DAY_OFF,
                              f"day off moved from {_day_name(moved)} "
                              "(Government transfer of days off)", source, moved_from=moved)
        elif estimated and day.year in skip_estimated_years:
            continue  # the announced date, from the data file, replaces the package's estimate
        elif is_observed:
            weekend_day = stands_for.get(day)
            instead = _day_name(weekend_day) if weekend_day else "a holiday on a weekend"
            yield CalendarDay(day, False, HOLIDAY_ON_WEEKEND_DAY_OFF,
                              f"{name}, day off in place of {instead}", source, name=name,
                              moved_from=weekend_day, estimated=estimated)
        else:
            note = "; date estimated by the holidays package" if estimated else ""
            yield CalendarDay(day, False, PUBLIC_HOLIDAY, f"{name} (public holiday{note})",
                              source, name=name, estimated=estimated)


class WorkingCalendar:
    """Working and non-working days of Kazakhstan for the years in the data file."""

    def __init__(self, data: CalendarFile, source: str = "<calendar>",
                 positions: Positions | None = None):
        self.first_year = data.first_year
        self.last_year = data.last_year
        self.source = source
        # the shipped file is named as in the repository, wherever the package is installed
        self.file_name = (SHIPPED_FILE_NAME if Path(source) == default_calendar_file()
                          else source)
        self.holidays_version = holidays.__version__
        self._package = Source(HOLIDAYS_PACKAGE, version=self.holidays_version)
        years = range(data.first_year, data.last_year + 1)
        package = holidays.country_holidays("KZ", years=years, language=PACKAGE_LANGUAGE)
        self._weekend = frozenset(package.weekend)
        confirmed_years = {e.date.year for e in data.confirmed_holidays}
        self._off: dict[dt.date, CalendarDay] = {
            day.date: day for day in _package_days(package, self._package, confirmed_years)}
        self._working = self._weekend_days_worked(package)
        self._apply(data, positions)
        self.day = lru_cache(maxsize=8192)(self._day)
        # working days counted from the first known day: counting becomes a subtraction
        self._origin = dt.date(self.first_year, 1, 1)
        self._count: list[int] = []
        total, d = 0, self._origin
        while d.year <= self.last_year:
            total += self._day(d).working
            self._count.append(total)
            d += ONE_DAY

    def _weekend_days_worked(self, package: holidays.HolidayBase) -> dict[dt.date, CalendarDay]:
        """The Government's transfers: each Saturday or Sunday worked, with its day off."""
        moved_to = {d.moved_from: d.date for d in self._off.values()
                    if d.kind == TRANSFERRED_DAY_OFF and d.moved_from}
        worked = {}
        for day in sorted(getattr(package, "weekend_workdays", ())):
            if self.first_year <= day.year <= self.last_year:
                off = moved_to.get(day)
                to = f"moved to {_day_name(off)}" if off else "moved to a weekday"
                worked[day] = CalendarDay(
                    day, True, TRANSFERRED_WORKING_DAY,
                    f"working day, its day off {to} (Government transfer of days off)",
                    self._package, moved_to=off)
        return worked

    def _apply(self, data: CalendarFile, positions: Positions | None) -> None:
        """The data file's corrections, each entry its own source."""
        for section, entry, where in self._entries(data, positions):
            if section == "confirmed_holidays":
                name = entry.name or entry.reason or "public holiday"
                self._off[entry.date] = CalendarDay(
                    entry.date, False, PUBLIC_HOLIDAY, f"{name} (public holiday; announced date)",
                    where, name=name)
            elif section == "days_off":
                self._off[entry.date] = CalendarDay(entry.date, False, ADDED_DAY_OFF,
                                                    entry.reason or "day off", where)
            else:
                self._working[entry.date] = CalendarDay(entry.date, True, ADDED_WORKING_DAY,
                                                        entry.reason or "working day", where)

    def _entries(self, data: CalendarFile, positions: Positions | None
                 ) -> Iterable[tuple[str, _Entry, Source]]:
        """The data file's entries with their sources; later sections win (confirmed holidays,
        then days off, then working days), as they always have."""
        for section in ("confirmed_holidays", "days_off", "working_days"):
            for i, entry in enumerate(getattr(data, section)):
                line = positions.of((section, i))[0] if positions else None
                yield section, entry, Source(DATA_FILE, file=self.file_name, line=line,
                                             section=section, citation=entry.source)

    @classmethod
    def load(cls, path: Path | str | None = None) -> WorkingCalendar:
        path = Path(path) if path is not None else default_calendar_file()
        data, positions = load_yaml(path)
        try:
            parsed = CalendarFile.model_validate(data)
        except ValidationError as exc:
            raise InvalidInput(from_validation_error(exc, positions, CalendarFile)) from None
        return cls(parsed, str(path), positions)

    def __getstate__(self) -> dict:
        """Pickled without its cache (a bound lru_cache does not pickle): the service hands
        the calendar it loaded at start to the process that runs a what-if."""
        state = dict(self.__dict__)
        del state["day"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.day = lru_cache(maxsize=8192)(self._day)

    def _check(self, d: dt.date) -> None:
        if not self.first_year <= d.year <= self.last_year:
            raise CalendarError(f"{d.isoformat()} is outside the years the calendar knows "
                                f"({self.first_year}-{self.last_year}); extend "
                                "rules/calendar/kazakhstan.yaml")

    def entry(self, d: dt.date) -> CalendarDay | None:
        """Why `d` is not an ordinary working day, and the source; None when it is one."""
        self._check(d)
        if d in self._working:
            return self._working[d]
        if d in self._off:
            return self._off[d]
        if d.weekday() in self._weekend:
            return CalendarDay(d, False, WEEKEND, f"weekend ({d.strftime('%A')})", self._package)
        return None

    def _day(self, d: dt.date) -> DayInfo:
        entry = self.entry(d)
        if entry is None:
            return DayInfo(d, True, None)
        return DayInfo(d, entry.working, entry.reason, entry)

    def year_days(self, year: int, weekends: bool = True) -> list[CalendarDay]:
        """Every non-working day of `year` and every weekend day made a working day (a transfer
        moves a deadline as much as a holiday does), in date order; `weekends=False` leaves out
        the ordinary Saturdays and Sundays."""
        if not self.first_year <= year <= self.last_year:
            raise CalendarError(f"{year} is outside the years the calendar knows "
                                f"({self.first_year}-{self.last_year}); extend "
                                "rules/calendar/kazakhstan.yaml")
        days, d = [], dt.date(year, 1, 1)
        while d.year == year:
            entry = self.entry(d)
            if entry is not None and (weekends or entry.kind != WEEKEND):
                days.append(entry)
            d += ONE_DAY
        return days

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
