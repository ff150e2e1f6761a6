"""`rexcheck calendar`: due dates and working days on the Kazakhstan calendar."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rexcheck.cli.common import DATE, Group
from rexcheck.facts.base.errors import InvalidInput

if TYPE_CHECKING:  # the calendar is imported by the commands that use it (start-up time)
    from rexcheck.engine.core.calendar import CalendarDay, DayInfo, WorkingCalendar


def _invalid(exc: InvalidInput) -> NoReturn:
    for d in exc.diagnostics:
        click.echo(d.format(), err=True)
    sys.exit(2)


def _load(path: Path | None) -> WorkingCalendar:
    from rexcheck.engine.core.calendar import WorkingCalendar

    try:
        return WorkingCalendar.load(path)
    except InvalidInput as exc:
        _invalid(exc)


CALENDAR_FILE = click.option(
    "--calendar-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Calendar data file (default: the shipped rules/calendar/kazakhstan.yaml).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True)


def _day_json(d: DayInfo) -> dict:
    """A day for JSON: an ordinary working day has no kind and no source."""
    if d.entry is None:
        return {"date": d.date.isoformat(), "weekday": d.date.strftime("%a"), "working": True,
                "kind": None, "reason": None, "source": None}
    return d.entry.as_dict()


def _day_line(date: dt.date, working: bool, entry: CalendarDay | None) -> str:
    """One day for people: date, weekday, working or off, and why, with the source."""
    line = f"{date.isoformat()} {date.strftime('%a')} {'working' if working else 'off':7}"
    if entry is not None:
        line += f"  {entry.reason}  [{entry.source.label}]"
    return line


@click.group(cls=Group, short_help="Due dates and working days on the Kazakhstan calendar.")
def calendar() -> None:
    """Working and calendar days on the Kazakhstan calendar (see docs/calendar.md).

    The day of the event is not counted; a limit in working days ends at the end of the N-th
    working day after it; a limit in calendar days that ends on a day off ends on the next
    working day. Dates outside the calendar's years are an error.

    \b
    Examples:
      rexcheck calendar add 2026-03-19 5               a due date, 5 working days on
      rexcheck calendar explain 2026-08-28 2026-09-01  each day: working or not, why, source
      rexcheck calendar list 2026 --no-weekends        the year's holidays and transfers
      rexcheck calendar docs                           regenerate docs/calendar.md's list

    \b
    Exit codes (every calendar command):
      0  done
      2  a bad date, a date or year outside the calendar's years, or an invalid data file
    """


@calendar.command("add", short_help="The due date N working (or calendar) days after a date.")
@click.argument("start", type=DATE)
@click.argument("days", type=click.IntRange(0, 3660))
@click.option("--working/--calendar", "working", default=True, show_default=True,
              help="Count working days (default) or calendar days.")
@FORMAT
@CALENDAR_FILE
def add(start: dt.date, days: int, working: bool, fmt: str, calendar_file: Path | None) -> None:
    """Print the due date DAYS working (or calendar) days after START.

    \b
    Examples:
      rexcheck calendar add 2026-03-19 5              # registration, Order 244 p.5
      rexcheck calendar add 2026-03-11 10 --calendar  # change of data, Order 244 p.14

    \b
    Exit codes:
      0  the due date is printed
      2  a bad date, or a date outside the calendar's years
    """
    from rexcheck.engine.core.calendar import CalendarError

    cal = _load(calendar_file)
    try:
        due = (cal.add_working_days(start, days) if working
               else cal.add_calendar_days(start, days))
        skipped = [d for d in cal.explain(start + dt.timedelta(days=1), due) if not d.working]
    except CalendarError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    kind = "working" if working else "calendar"
    if fmt == "json":
        click.echo(json.dumps({"start": start.isoformat(), "days": days, "kind": kind,
                               "due": due.isoformat(),
                               "non_working_days": [_day_json(d) for d in skipped]},
                              indent=2, ensure_ascii=False))
        return
    text = f"{due.isoformat()} ({days} {kind} days after {start.isoformat()}"
    if skipped:
        text += "; non-working days on the way: " + ", ".join(
            f"{d.date.isoformat()} {d.reason}" for d in skipped)
    click.echo(text + ")")


@calendar.command("explain", short_help="Each day of a period: working or not, why, source.")
@click.argument("start", type=DATE)
@click.argument("end", type=DATE)
@FORMAT
@CALENDAR_FILE
def explain(start: dt.date, end: dt.date, fmt: str, calendar_file: Path | None) -> None:
    """List each day from START to END as working or not, with the reason and the source of
    every day that is not an ordinary working day (as `calendar list` gives them).

    \b
    Examples:
      rexcheck calendar explain 2026-03-19 2026-03-31
      rexcheck calendar explain 2026-08-28 2026-09-01 --format json

    \b
    Exit codes:
      0  the days are listed
      2  a bad date, or a date outside the calendar's years
    """
    from rexcheck.engine.core.calendar import CalendarError

    cal = _load(calendar_file)
    try:
        days = cal.explain(start, end)
    except CalendarError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps({"days": [_day_json(d) for d in days],
                               "working_days": sum(d.working for d in days)},
                              indent=2, ensure_ascii=False))
        return
    for d in days:
        click.echo(_day_line(d.date, d.working, d.entry))
    click.echo(f"{sum(d.working for d in days)} working day(s) of {len(days)}")


@calendar.command("list", short_help="A year's days off (and weekend days worked), why, source.")
@click.argument("year", type=int)
@click.option("--weekends/--no-weekends", default=True, show_default=True,
              help="List ordinary Saturdays and Sundays too, or only holidays, days off and "
                   "weekend days worked (as docs/calendar.md does).")
@FORMAT
@CALENDAR_FILE
def list_year(year: int, weekends: bool, fmt: str, calendar_file: Path | None) -> None:
    """List every non-working day of YEAR with its reason and its source, and every Saturday
    or Sunday made a working day by a transfer of days off (it moves deadlines as much as a
    holiday does).

    \b
    Reasons:  weekend; a public holiday by name (estimated when the `holidays` package only
              computes its date); a holiday on a weekend and the day off in its place; a
              Government transfer (the day off, and the weekend day worked for it); a day off
              or working day added by the data file.
    Sources:  `holidays VERSION` (the installed package, country KZ), or the data-file entry:
              file:line (section): its citation.

    \b
    Examples:
      rexcheck calendar list 2026
      rexcheck calendar list 2027 --no-weekends
      rexcheck calendar list 2026 --format json
      rexcheck calendar list 2026 --calendar-file my-kazakhstan.yaml

    \b
    Exit codes:
      0  the year is listed
      2  YEAR is outside the calendar's years (first_year-last_year of the data file), or
         the data file is invalid
    """
    from rexcheck.engine.core.calendar import WEEKEND, CalendarError

    cal = _load(calendar_file)
    try:
        every = cal.year_days(year)
    except CalendarError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    days = every if weekends else [d for d in every if d.kind != WEEKEND]
    off = [d for d in every if not d.working]
    holidays_off = sum(d.kind != WEEKEND for d in off)
    worked = sum(d.working for d in every)  # transfers and the data file's working days
    if fmt == "json":
        click.echo(json.dumps({"year": year, "calendar_file": cal.file_name,
                               "holidays_version": cal.holidays_version,
                               "days": [d.as_dict() for d in days],
                               "non_working_days": len(off),
                               "weekend_days_worked": worked},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"Kazakhstan calendar {year}: days from holidays {cal.holidays_version} "
               f"(country KZ), corrected by {cal.file_name}")
    for d in days:
        click.echo(_day_line(d.date, d.working, d))
    click.echo(f"{len(off)} non-working day(s): {holidays_off} public holiday(s) and day(s) off, "
               f"{len(off) - holidays_off} other Saturday(s) and Sunday(s); "
               f"{worked} weekend day(s) worked")


@calendar.command("docs", short_help="Rewrite the generated list of docs/calendar.md.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("docs"), show_default=True,
              help="Folder of the hand-written calendar.md whose generated section to rewrite.")
@CALENDAR_FILE
def docs(out_dir: Path, calendar_file: Path | None) -> None:
    """Rewrite the generated section of docs/calendar.md (every year's holidays, days off and
    weekend days worked, from the calendar data) and keep the hand-written rest of the page.

    Run it after changing rules/calendar/kazakhstan.yaml or upgrading `holidays`, and commit
    the page: a test fails while the page and the data disagree.

    \b
    Examples:
      rexcheck calendar docs                  # in the repository root: docs/calendar.md
      rexcheck calendar docs --out site/docs  # the calendar.md in another folder

    \b
    Exit codes:
      0  written, or already up to date
      2  the page or its marker lines are missing, or the data is invalid
    """
    from rexcheck.engine.authoring import calendar_docs

    cal = _load(calendar_file)
    try:
        path, changed = calendar_docs.write(cal, out_dir)
    except InvalidInput as exc:
        _invalid(exc)
    click.echo(f"wrote {path}" if changed else f"{path} is up to date")
