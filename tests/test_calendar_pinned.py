"""Days that deadlines depend on, pinned for every year the calendar covers.

Each row is worked out by hand from the law (docs/calendar.md) and the weekday of the date, not
copied from the `holidays` package: an upgrade of the package that moves one of these days fails
here, instead of silently moving every deadline that crosses it. When a year is added to
rules/calendar/kazakhstan.yaml, add its rows (the last test says so).

Constitution Day under the Constitution in force from 1 July 2026: 30 August until 2025, no
holiday in 2026, 15 March from 2027 (holidays 0.101, vacanza/holidays#3690).
"""

from __future__ import annotations

import datetime as dt

import pytest
from rexcheck.engine.core.calendar import WorkingCalendar

OFF, WORKING = False, True
HOLIDAY = "public-holiday"
IN_PLACE = "holiday-on-weekend-day-off"       # the next working day, for a holiday on a weekend
TRANSFER_OFF = "transferred-day-off"
TRANSFER_WORKED = "transferred-working-day"
WEEKEND = "weekend"
ORDINARY = None                                # an ordinary working day

NEW_YEAR, NAURYZ, INDEPENDENCE = "New Year's Day", "Nowruz Holiday", "Independence Day"
CONSTITUTION = "Constitution Day"

# (date, weekday, working?, kind, holiday name or the day a moved day off stands in for)
PINNED = [
    # 2021
    ("2021-01-01", "Fri", OFF, HOLIDAY, NEW_YEAR),
    ("2021-01-02", "Sat", OFF, HOLIDAY, NEW_YEAR),
    ("2021-01-04", "Mon", OFF, IN_PLACE, "2021-01-02"),
    ("2021-03-21", "Sun", OFF, HOLIDAY, NAURYZ),
    ("2021-03-22", "Mon", OFF, HOLIDAY, NAURYZ),
    ("2021-03-23", "Tue", OFF, HOLIDAY, NAURYZ),
    ("2021-03-24", "Wed", OFF, IN_PLACE, "2021-03-21"),
    ("2021-07-03", "Sat", WORKING, TRANSFER_WORKED, None),
    ("2021-07-05", "Mon", OFF, TRANSFER_OFF, "2021-07-03"),
    ("2021-08-30", "Mon", OFF, HOLIDAY, CONSTITUTION),
    ("2021-12-01", "Wed", OFF, HOLIDAY, "First President Day"),
    ("2021-12-16", "Thu", OFF, HOLIDAY, INDEPENDENCE),
    ("2021-12-17", "Fri", OFF, HOLIDAY, INDEPENDENCE),
    # 2022
    ("2022-01-01", "Sat", OFF, HOLIDAY, NEW_YEAR),
    ("2022-01-02", "Sun", OFF, HOLIDAY, NEW_YEAR),
    ("2022-01-03", "Mon", OFF, IN_PLACE, "2022-01-01"),
    ("2022-01-04", "Tue", OFF, IN_PLACE, "2022-01-02"),
    ("2022-03-21", "Mon", OFF, HOLIDAY, NAURYZ),
    ("2022-03-22", "Tue", OFF, HOLIDAY, NAURYZ),
    ("2022-03-23", "Wed", OFF, HOLIDAY, NAURYZ),
    ("2022-08-27", "Sat", WORKING, TRANSFER_WORKED, None),
    ("2022-08-29", "Mon", OFF, TRANSFER_OFF, "2022-08-27"),
    ("2022-08-30", "Tue", OFF, HOLIDAY, CONSTITUTION),
    ("2022-12-01", "Thu", WORKING, ORDINARY, None),      # First President's Day abolished
    ("2022-12-16", "Fri", OFF, HOLIDAY, INDEPENDENCE),
    # 2023
    ("2023-01-01", "Sun", OFF, HOLIDAY, NEW_YEAR),
    ("2023-01-02", "Mon", OFF, HOLIDAY, NEW_YEAR),
    ("2023-01-03", "Tue", OFF, IN_PLACE, "2023-01-01"),
    ("2023-03-21", "Tue", OFF, HOLIDAY, NAURYZ),
    ("2023-03-22", "Wed", OFF, HOLIDAY, NAURYZ),
    ("2023-03-23", "Thu", OFF, HOLIDAY, NAURYZ),
    ("2023-08-30", "Wed", OFF, HOLIDAY, CONSTITUTION),
    ("2023-12-16", "Sat", OFF, HOLIDAY, INDEPENDENCE),
    ("2023-12-18", "Mon", OFF, IN_PLACE, "2023-12-16"),
    # 2024
    ("2024-01-01", "Mon", OFF, HOLIDAY, NEW_YEAR),
    ("2024-01-02", "Tue", OFF, HOLIDAY, NEW_YEAR),
    ("2024-03-21", "Thu", OFF, HOLIDAY, NAURYZ),
    ("2024-03-22", "Fri", OFF, HOLIDAY, NAURYZ),
    ("2024-03-23", "Sat", OFF, HOLIDAY, NAURYZ),
    ("2024-03-25", "Mon", OFF, IN_PLACE, "2024-03-23"),
    ("2024-05-04", "Sat", WORKING, TRANSFER_WORKED, None),
    ("2024-05-08", "Wed", OFF, TRANSFER_OFF, "2024-05-04"),
    ("2024-08-30", "Fri", OFF, HOLIDAY, CONSTITUTION),
    ("2024-12-16", "Mon", OFF, HOLIDAY, INDEPENDENCE),
    # 2025
    ("2025-01-01", "Wed", OFF, HOLIDAY, NEW_YEAR),
    ("2025-01-02", "Thu", OFF, HOLIDAY, NEW_YEAR),
    ("2025-01-03", "Fri", OFF, TRANSFER_OFF, "2025-01-05"),
    ("2025-01-05", "Sun", WORKING, TRANSFER_WORKED, None),
    ("2025-03-21", "Fri", OFF, HOLIDAY, NAURYZ),
    ("2025-03-22", "Sat", OFF, HOLIDAY, NAURYZ),
    ("2025-03-23", "Sun", OFF, HOLIDAY, NAURYZ),
    ("2025-03-24", "Mon", OFF, IN_PLACE, "2025-03-22"),
    ("2025-03-25", "Tue", OFF, IN_PLACE, "2025-03-23"),
    ("2025-08-30", "Sat", OFF, HOLIDAY, CONSTITUTION),
    ("2025-09-01", "Mon", OFF, IN_PLACE, "2025-08-30"),
    ("2025-12-16", "Tue", OFF, HOLIDAY, INDEPENDENCE),
    # 2026: the new Constitution (in force 1 July 2026) moves Constitution Day to 15 March,
    # so there is none this year: 30 August is only a Sunday, Monday 31 August is worked
    ("2026-01-01", "Thu", OFF, HOLIDAY, NEW_YEAR),
    ("2026-01-02", "Fri", OFF, HOLIDAY, NEW_YEAR),
    ("2026-03-15", "Sun", OFF, WEEKEND, None),
    ("2026-03-16", "Mon", WORKING, ORDINARY, None),
    ("2026-03-21", "Sat", OFF, HOLIDAY, NAURYZ),
    ("2026-03-22", "Sun", OFF, HOLIDAY, NAURYZ),
    ("2026-03-23", "Mon", OFF, HOLIDAY, NAURYZ),
    ("2026-03-24", "Tue", OFF, IN_PLACE, "2026-03-21"),
    ("2026-03-25", "Wed", OFF, IN_PLACE, "2026-03-22"),
    ("2026-05-27", "Wed", OFF, HOLIDAY, "Kurban Ait"),       # announced, from the data file
    ("2026-08-30", "Sun", OFF, WEEKEND, None),
    ("2026-08-31", "Mon", WORKING, ORDINARY, None),
    ("2026-10-26", "Mon", OFF, IN_PLACE, "2026-10-25"),
    ("2026-12-16", "Wed", OFF, HOLIDAY, INDEPENDENCE),
    # 2027: Constitution Day on 15 March, a Monday: the day itself is off, nothing moves
    ("2027-01-01", "Fri", OFF, HOLIDAY, NEW_YEAR),
    ("2027-01-02", "Sat", OFF, HOLIDAY, NEW_YEAR),
    ("2027-01-04", "Mon", OFF, IN_PLACE, "2027-01-02"),
    ("2027-03-15", "Mon", OFF, HOLIDAY, CONSTITUTION),
    ("2027-03-16", "Tue", WORKING, ORDINARY, None),
    ("2027-03-21", "Sun", OFF, HOLIDAY, NAURYZ),
    ("2027-03-22", "Mon", OFF, HOLIDAY, NAURYZ),
    ("2027-03-23", "Tue", OFF, HOLIDAY, NAURYZ),
    ("2027-03-24", "Wed", OFF, IN_PLACE, "2027-03-21"),
    ("2027-08-30", "Mon", WORKING, ORDINARY, None),
    ("2027-08-31", "Tue", WORKING, ORDINARY, None),
    ("2027-12-16", "Thu", OFF, HOLIDAY, INDEPENDENCE),
]


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.load()


@pytest.mark.parametrize("date, weekday, working, kind, what", PINNED,
                         ids=[row[0] for row in PINNED])
def test_pinned_day(cal, date, weekday, working, kind, what):
    day = dt.date.fromisoformat(date)
    assert day.strftime("%a") == weekday, "the row's weekday is wrong, not the calendar"
    entry = cal.entry(day)
    assert cal.is_working_day(day) is working
    assert (entry.kind if entry else None) == kind
    if kind in (IN_PLACE, TRANSFER_OFF):
        assert entry.moved_from == dt.date.fromisoformat(what)
    elif kind == HOLIDAY:
        assert entry.name == what


def test_no_constitution_day_in_2026_and_one_in_2027(cal):
    def constitution_days(year: int) -> list[dt.date]:
        return [d.date for d in cal.year_days(year) if d.name == CONSTITUTION]

    assert constitution_days(2025) == [dt.date(2025, 8, 30), dt.date(2025, 9, 1)]
    assert constitution_days(2026) == []
    assert constitution_days(2027) == [dt.date(2027, 3, 15)]


def test_a_deadline_across_31_august_2026_counts_it_as_a_working_day(cal):
    # within 1 working day of Friday 28 August 2026: Monday 31 August (Saturday and Sunday off)
    assert cal.add_working_days(dt.date(2026, 8, 28), 1) == dt.date(2026, 8, 31)
    # within 1 working day of Friday 12 March 2027: Tuesday 16 March (Monday 15 is off)
    assert cal.add_working_days(dt.date(2027, 3, 12), 1) == dt.date(2027, 3, 16)


def test_every_year_of_the_calendar_has_pinned_days(cal):
    pinned_years = {int(row[0][:4]) for row in PINNED}
    assert pinned_years == set(range(cal.first_year, cal.last_year + 1)), (
        "rules/calendar/kazakhstan.yaml covers a year with no pinned days: add its rows here")
