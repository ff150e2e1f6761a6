"""`rexcheck calendar list YEAR` and `explain`: every day off with its reason and its source,
as a user reads them."""

from __future__ import annotations

import json

import holidays
from click.testing import CliRunner
from rexcheck.cli.main import main

VERSION = holidays.__version__


def run(*args: str):
    return CliRunner().invoke(main, ["calendar", *args])


def lines_of(output: str) -> dict[str, str]:
    """Each listed day's line by its date."""
    return {line[:10]: line for line in output.splitlines() if line[:4].isdigit()}


def test_list_2026_has_no_constitution_day_and_31_august_is_not_listed():
    result = run("list", "2026")
    assert result.exit_code == 0, result.output
    assert "Constitution Day" not in result.output
    days = lines_of(result.output)
    assert days["2026-08-30"] == f"2026-08-30 Sun off      weekend (Sunday)  [holidays {VERSION}]"
    assert "2026-08-31" not in days  # an ordinary working day is not listed


def test_list_2027_has_constitution_day_on_15_march():
    days = lines_of(run("list", "2027").output)
    assert days["2027-03-15"] == (f"2027-03-15 Mon off      Constitution Day (public holiday)  "
                                  f"[holidays {VERSION}]")


def test_list_names_the_data_file_entry_and_its_citation_as_the_source():
    days = lines_of(run("list", "2026").output)
    assert days["2026-05-27"].startswith(
        "2026-05-27 Wed off      Kurban Ait (public holiday; announced date)  "
        "[rules/calendar/kazakhstan.yaml:")
    assert "(confirmed_holidays): 2026 calendar of holidays on the e-government portal" in (
        days["2026-05-27"])


def test_list_shows_a_transfer_from_both_ends():
    days = lines_of(run("list", "2025").output)
    assert days["2025-01-03"].startswith(
        "2025-01-03 Fri off      day off moved from Sunday 2025-01-05 "
        "(Government transfer of days off)")
    assert days["2025-01-05"].startswith(
        "2025-01-05 Sun working  working day, its day off moved to Friday 2025-01-03")


def test_list_header_and_totals_name_the_package_version_and_the_data_file():
    result = run("list", "2025")
    first, *_, last = result.output.splitlines()
    assert first == (f"Kazakhstan calendar 2025: days from holidays {VERSION} (country KZ), "
                     "corrected by rules/calendar/kazakhstan.yaml")
    # 2025 by hand: 104 Saturdays and Sundays, one worked (5 Jan); 22 holidays and days off
    # (Jan 1, 2, 3, 7; Mar 8, 10, 21-25; May 1, 7, 9; Jun 6; Jul 6, 7; Aug 30, Sep 1; Oct 25,
    # 27; Dec 16), 6 of them on a weekend (Mar 8, 22, 23, Jul 6, Aug 30, Oct 25):
    # 103 - 6 = 97 other weekend days, 22 + 97 = 119 non-working days
    assert last == ("119 non-working day(s): 22 public holiday(s) and day(s) off, "
                    "97 other Saturday(s) and Sunday(s); 1 weekend day(s) worked")


def test_list_without_weekends_keeps_holidays_and_weekend_days_worked():
    days = lines_of(run("list", "2025", "--no-weekends").output)
    assert "2025-01-04" not in days                     # an ordinary Saturday
    assert "2025-03-22" in days                         # Nauryz on a Saturday
    assert "2025-01-05" in days                         # a Sunday worked


def test_list_json_gives_kind_reason_and_source_of_each_day():
    data = json.loads(run("list", "2026", "--format", "json").output)
    assert (data["year"], data["holidays_version"]) == (2026, VERSION)
    assert data["calendar_file"] == "rules/calendar/kazakhstan.yaml"
    day = next(d for d in data["days"] if d["date"] == "2026-03-24")
    assert day == {"date": "2026-03-24", "weekday": "Tue", "working": False,
                   "kind": "holiday-on-weekend-day-off", "name": "Nowruz Holiday",
                   "moved_from": "2026-03-21", "moved_to": None, "estimated": False,
                   "reason": "Nowruz Holiday, day off in place of Saturday 2026-03-21",
                   "source": {"type": "holidays", "package": "holidays", "version": VERSION,
                              "country": "KZ"}}
    assert data["non_working_days"] == len([d for d in data["days"] if not d["working"]])


def test_list_json_marks_an_estimated_date():
    data = json.loads(run("list", "2027", "--format", "json").output)
    kurban_ait = next(d for d in data["days"] if d["date"] == "2027-05-16")
    assert kurban_ait["estimated"] and kurban_ait["name"] == "Eid al-Adha"


def test_list_a_year_outside_the_calendar_exits_2_with_one_line_naming_the_range():
    result = run("list", "2030")
    assert result.exit_code == 2
    assert result.output == ("error: 2030 is outside the years the calendar knows (2021-2027); "
                             "extend rules/calendar/kazakhstan.yaml\n")


def test_list_a_year_that_is_not_a_number_exits_2():
    result = run("list", "next")
    assert result.exit_code == 2 and "'next' is not a valid integer" in result.output


def test_list_reads_another_calendar_file_and_cites_its_entries(tmp_path):
    path = tmp_path / "kz.yaml"
    path.write_text("first_year: 2026\nlast_year: 2026\n"
                    "days_off:\n  - {date: 2026-06-05, reason: extra day off, source: decree X}\n")
    days = lines_of(run("list", "2026", "--calendar-file", str(path)).output)
    assert days["2026-06-05"] == (f"2026-06-05 Fri off      extra day off  "
                                  f"[{path}:4 (days_off): decree X]")


def test_list_help_teaches_with_examples_and_exit_codes():
    result = run("list", "--help")
    assert "rexcheck calendar list 2027 --no-weekends" in result.output
    assert "Exit codes:" in result.output and "YEAR is outside the calendar's years" in result.output


def test_explain_gives_the_source_of_each_day_off_as_list_does():
    result = run("explain", "2026-08-28", "2026-09-01")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "2026-08-28 Fri working",
        f"2026-08-29 Sat off      weekend (Saturday)  [holidays {VERSION}]",
        f"2026-08-30 Sun off      weekend (Sunday)  [holidays {VERSION}]",
        "2026-08-31 Mon working",
        "2026-09-01 Tue working",
        "3 working day(s) of 5",
    ]


def test_explain_json_gives_kind_and_source_and_none_for_an_ordinary_working_day():
    data = json.loads(run("explain", "2027-03-12", "2027-03-15", "--format", "json").output)
    friday, *_, monday = data["days"]
    assert friday == {"date": "2027-03-12", "weekday": "Fri", "working": True, "kind": None,
                      "reason": None, "source": None}
    assert (monday["kind"], monday["name"], monday["source"]["type"]) == (
        "public-holiday", "Constitution Day", "holidays")
