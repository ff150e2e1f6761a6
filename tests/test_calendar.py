"""The Kazakhstan working calendar, checked against the official holiday list by hand.

Holidays (Labour Code art. 84 and the Law on holidays, as applied each year by Government
decree): New Year 1-2 Jan, Orthodox Christmas 7 Jan, Women's Day 8 Mar, Nauryz 21-23 Mar, Unity
Day 1 May, Defender's Day 7 May, Victory Day 9 May, Capital Day 6 Jul, Constitution Day (30 Aug
until 2025, none in 2026, 15 Mar from 2027: the 2026 Constitution), Republic Day 25 Oct (restored
from 2022), First President's Day 1 Dec (until 2021), Independence Day 16 Dec (and 17 Dec until
2021), Kurban Ait (first day, moves every year, not moved off a weekend). A secular holiday on a
weekend gives the next working day off. Each expected date below is worked out by hand; the
days pinned year by year are in test_calendar_pinned.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from rexcheck.cli.calendar_cmd import calendar as calendar_cli
from rexcheck.engine.core.calendar import CalendarError, WorkingCalendar
from rexcheck.facts.base.errors import InvalidInput

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.load()


@pytest.mark.parametrize("start, days, due, why", [
    (D(2025, 12, 30), 3, D(2026, 1, 6),
     "31 Dec; 1-2 Jan New Year; 3-4 weekend; 5 Jan; 6 Jan: crosses the year end"),
    (D(2026, 1, 6), 1, D(2026, 1, 8), "7 Jan Orthodox Christmas (Wed)"),
    (D(2026, 3, 6), 1, D(2026, 3, 10), "8 Mar is a Sunday: Monday 9 Mar off"),
    (D(2026, 3, 20), 1, D(2026, 3, 26),
     "21-22 weekend, Nauryz 21-23 Mar: 23 Mon, and 24-25 for the two on the weekend"),
    (D(2026, 4, 30), 1, D(2026, 5, 4), "1 May Unity Day (Fri), 2-3 weekend"),
    (D(2026, 5, 6), 3, D(2026, 5, 13),
     "7 May Defender's Day; 8 May; 9 May Victory Day (Sat) -> Mon 11 off; 12; 13"),
    (D(2026, 7, 3), 1, D(2026, 7, 7), "6 Jul Capital Day (Mon)"),
    (D(2025, 8, 29), 1, D(2025, 9, 2), "30 Aug 2025 Constitution Day (Sat) -> Mon 1 Sep off"),
    (D(2026, 10, 23), 1, D(2026, 10, 27), "25 Oct 2026 Republic Day (Sun) -> Mon 26 off"),
    (D(2026, 12, 15), 1, D(2026, 12, 17), "16 Dec Independence Day (Wed)"),
    (D(2021, 12, 15), 1, D(2021, 12, 20), "2021: 16 and 17 Dec both off, then a weekend"),
    (D(2021, 7, 19), 1, D(2021, 7, 21), "Kurban Ait 20 Jul 2021 (Tue)"),
    (D(2023, 6, 27), 1, D(2023, 6, 29), "Kurban Ait 28 Jun 2023 (Wed)"),
    (D(2025, 6, 5), 1, D(2025, 6, 9), "Kurban Ait 6 Jun 2025 (Fri), then a weekend"),
    (D(2024, 12, 31), 1, D(2025, 1, 5),
     "1-2 Jan; 3 Jan off by transfer from Sunday 5 Jan, which is worked: across the year end"),
    (D(2022, 3, 4), 1, D(2022, 3, 5), "Saturday 5 Mar 2022 worked (transfer to Mon 7 Mar)"),
    (D(2022, 3, 4), 2, D(2022, 3, 9), "7 Mar off by transfer, 8 Mar Women's Day"),
    (D(2023, 12, 15), 1, D(2023, 12, 19), "16 Dec 2023 (Sat) -> Mon 18 Dec off"),
    (D(2026, 3, 2), 0, D(2026, 3, 2), "zero days: the same day"),
])
def test_working_days_across_every_kind_of_holiday(cal, start, days, due, why):
    assert cal.add_working_days(start, days) == due, why


@pytest.mark.parametrize("start, days, due, why", [
    (D(2026, 6, 3), 10, D(2026, 6, 15), "13 Jun is a Saturday -> Monday 15"),
    (D(2026, 3, 11), 10, D(2026, 3, 26), "21 Mar Nauryz (Sat) -> 26 Mar, the first working day"),
    (D(2026, 3, 2), 10, D(2026, 3, 12), "ends on a working day: no move"),
    (D(2025, 12, 22), 10, D(2026, 1, 5), "1 Jan, 2 Jan off, 3-4 weekend: across the year end"),
])
def test_calendar_days_ending_on_a_day_off_move_to_the_next_working_day(cal, start, days, due,
                                                                        why):
    assert cal.add_calendar_days(start, days) == due, why


def test_days_late_are_counted_in_working_days(cal):
    # due Thu 5 Mar 2026, done Tue 10 Mar: 6 Mar working, 7-8 weekend, 9 Mar off, 10 working
    assert cal.working_days_between(D(2026, 3, 5), D(2026, 3, 10)) == 2
    assert cal.working_days_between(D(2026, 3, 10), D(2026, 3, 5)) == -2


def test_each_day_off_has_its_reason(cal):
    days = {d.date: d for d in cal.explain(D(2025, 1, 1), D(2025, 1, 6))}
    assert days[D(2025, 1, 1)].reason == "New Year's Day (public holiday)"
    assert days[D(2025, 1, 3)].reason.startswith("day off moved from Sunday 2025-01-05")
    assert days[D(2025, 1, 4)].reason == "weekend (Saturday)"
    assert days[D(2025, 1, 5)].working and "transfer" in days[D(2025, 1, 5)].reason
    assert days[D(2025, 1, 6)].working and days[D(2025, 1, 6)].reason is None


@pytest.mark.parametrize("start, days", [(D(2027, 12, 28), 5), (D(2020, 12, 30), 1)])
def test_dates_outside_the_known_years_are_an_error_not_a_guess(cal, start, days):
    with pytest.raises(CalendarError, match="the calendar knows"):
        cal.add_working_days(start, days)


def test_the_data_file_adds_days_off_and_working_days(tmp_path):
    path = tmp_path / "kz.yaml"
    path.write_text(
        "first_year: 2026\nlast_year: 2026\n"
        "days_off:\n  - {date: 2026-06-05, reason: test day off, source: decree X}\n"
        "working_days:\n  - {date: 2026-06-06, reason: test working Saturday, source: decree X}\n"
        "confirmed_holidays:\n  - {date: 2026-05-26, name: Kurban Ait, source: announcement}\n")
    cal = WorkingCalendar.load(path)
    assert cal.add_working_days(D(2026, 6, 4), 1) == D(2026, 6, 6)
    assert cal.day(D(2026, 6, 5)).reason == "test day off"
    assert cal.day(D(2026, 6, 5)).entry.source.citation == "decree X"
    assert not cal.is_working_day(D(2026, 5, 26))
    assert cal.is_working_day(D(2026, 5, 27))  # the estimate is replaced


def test_an_invalid_data_file_names_line_and_field(tmp_path):
    path = tmp_path / "kz.yaml"
    path.write_text("first_year: 2026\nlast_year: 2026\ndays_of:\n  - {date: 2026-06-05}\n")
    with pytest.raises(InvalidInput) as exc:
        WorkingCalendar.load(path)
    (d,) = exc.value.diagnostics
    assert (d.line, d.column, d.code) == (3, 1, "extra-forbidden")
    assert d.hint == "did you mean 'days_off'?"


def test_cli_add_text_and_json():
    result = CliRunner().invoke(calendar_cli, ["add", "2026-03-19", "5"])
    assert result.exit_code == 0
    assert result.output.startswith("2026-03-31 (5 working days after 2026-03-19; non-working")
    assert "2026-03-23 Nowruz Holiday" in result.output
    result = CliRunner().invoke(calendar_cli, ["add", "2026-06-03", "10", "--calendar",
                                               "--format", "json"])
    import json

    data = json.loads(result.output)
    assert data["due"] == "2026-06-15" and data["kind"] == "calendar"


def test_cli_explain_and_errors():
    result = CliRunner().invoke(calendar_cli, ["explain", "2026-03-20", "2026-03-26"])
    assert "2026-03-24 Tue off" in result.output
    assert result.output.rstrip().endswith("2 working day(s) of 7")
    bad = CliRunner().invoke(calendar_cli, ["add", "2027-12-28", "5"])
    assert bad.exit_code == 2 and "the calendar knows" in bad.output
    assert "Traceback" not in bad.output
    bad = CliRunner().invoke(calendar_cli, ["add", "2026-02-30", "5"])
    assert bad.exit_code == 2 and "is not a date" in bad.output


# ---- each day with its reason and source (what `calendar list`, `explain` and the docs show) ---

def test_a_public_holiday_comes_from_the_holidays_package_with_its_version(cal):
    import holidays

    day = cal.entry(D(2026, 12, 16))
    assert (day.kind, day.name, day.working) == ("public-holiday", "Independence Day", False)
    assert day.source.as_dict() == {"type": "holidays", "package": "holidays",
                                    "version": holidays.__version__, "country": "KZ"}
    assert day.source.label == f"holidays {holidays.__version__}"


def test_a_day_off_for_a_holiday_on_a_weekend_names_the_weekend_day_it_stands_in_for(cal):
    # Nauryz 2026: Saturday 21 and Sunday 22 March give Tuesday 24 and Wednesday 25 off
    tuesday, wednesday = cal.entry(D(2026, 3, 24)), cal.entry(D(2026, 3, 25))
    assert tuesday.kind == "holiday-on-weekend-day-off" and tuesday.name == "Nowruz Holiday"
    assert (tuesday.moved_from, wednesday.moved_from) == (D(2026, 3, 21), D(2026, 3, 22))
    assert tuesday.reason == "Nowruz Holiday, day off in place of Saturday 2026-03-21"


def test_a_transfer_names_both_the_day_off_and_the_weekend_day_worked(cal):
    day_off, worked = cal.entry(D(2025, 1, 3)), cal.entry(D(2025, 1, 5))
    assert (day_off.kind, day_off.moved_from) == ("transferred-day-off", D(2025, 1, 5))
    assert (worked.kind, worked.working, worked.moved_to) == (
        "transferred-working-day", True, D(2025, 1, 3))


def test_an_estimated_holiday_says_so(tmp_path):
    path = tmp_path / "kz.yaml"
    path.write_text("first_year: 2027\nlast_year: 2027\n")
    day = WorkingCalendar.load(path).entry(D(2027, 5, 16))
    assert day.estimated and "estimated" in day.reason


def test_a_data_file_entry_is_its_own_source_with_file_line_and_citation(tmp_path):
    path = tmp_path / "kz.yaml"
    path.write_text(
        "first_year: 2026\nlast_year: 2026\n"
        "days_off:\n  - {date: 2026-06-05, reason: test day off, source: decree X}\n"
        "working_days:\n  - {date: 2026-06-06, reason: test working Saturday, source: decree Y}\n")
    cal = WorkingCalendar.load(path)
    off, worked = cal.entry(D(2026, 6, 5)), cal.entry(D(2026, 6, 6))
    assert (off.kind, worked.kind) == ("added-day-off", "added-working-day")
    assert off.source.as_dict() == {"type": "data-file", "file": str(path), "line": 4,
                                    "section": "days_off", "citation": "decree X"}
    assert worked.source.label == f"{path}:6 (working_days): decree Y"


def test_the_shipped_data_file_is_named_as_in_the_repository(cal):
    day = cal.entry(D(2026, 5, 27))  # Kurban Ait 2026, announced
    assert day.source.file == "rules/calendar/kazakhstan.yaml"


def test_the_year_lists_every_non_working_day_and_every_weekend_day_worked(cal):
    days = cal.year_days(2025)
    assert D(2025, 1, 4) in {d.date for d in days}                     # a Saturday
    assert D(2025, 1, 5) in {d.date for d in days if d.working}        # worked by transfer
    assert not any(d.working for d in days if d.kind != "transferred-working-day")
    without = cal.year_days(2025, weekends=False)
    assert {d.kind for d in without} >= {"public-holiday", "holiday-on-weekend-day-off",
                                         "transferred-day-off", "transferred-working-day"}
    assert "weekend" not in {d.kind for d in without}
    assert [d.date for d in days] == sorted(d.date for d in days)


def test_a_year_outside_the_calendar_is_an_error_naming_the_range(cal):
    with pytest.raises(CalendarError, match=r"2030 is outside the years the calendar knows "
                                            r"\(2021-2027\)"):
        cal.year_days(2030)


def test_holiday_names_are_read_in_english_whatever_the_locale(monkeypatch):
    # the package names days in the locale's language unless told; transfers are read from
    # the English names, so a Kazakh locale must not turn a transfer into a nameless holiday
    monkeypatch.setenv("LANGUAGE", "kk")
    day = WorkingCalendar.load().entry(D(2025, 1, 3))
    assert (day.kind, day.moved_from) == ("transferred-day-off", D(2025, 1, 5))
