"""`rexcheck calendar`: due dates and working days on the Kazakhstan calendar."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from rexcheck.engine.calendar import CalendarError, DayInfo, WorkingCalendar
from rexcheck.engine.errors import InvalidInput


def _date(ctx: click.Context, param: click.Parameter, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _load(path: Path | None) -> WorkingCalendar:
    try:
        return WorkingCalendar.load(path)
    except InvalidInput as exc:
        for d in exc.diagnostics:
            click.echo(d.format(), err=True)
        sys.exit(2)


CALENDAR_FILE = click.option(
    "--calendar-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Calendar data file (default: the shipped rules/calendar/kazakhstan.yaml).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True)


def _day_json(d: DayInfo) -> dict:
    return {"date": d.date.isoformat(), "working": d.working, "reason": d.reason}


@click.group()
def calendar() -> None:
    """Working and calendar days on the Kazakhstan calendar (see docs/calendar.md).

    The day of the event is not counted; a limit in working days ends at the end of the N-th
    working day after it; a limit in calendar days that ends on a day off ends on the next
    working day. Dates outside the calendar's years are an error.
    """


@calendar.command("add")
@click.argument("start", callback=_date)
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
    """
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


@calendar.command("explain")
@click.argument("start", callback=_date)
@click.argument("end", callback=_date)
@FORMAT
@CALENDAR_FILE
def explain(start: dt.date, end: dt.date, fmt: str, calendar_file: Path | None) -> None:
    """List each day from START to END as working or not, with the reason for days off.

    \b
    Example:
      rexcheck calendar explain 2026-03-19 2026-03-31
    """
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
        state = "working" if d.working else "off"
        reason = f"  {d.reason}" if d.reason else ""
        click.echo(f"{d.date.isoformat()} {d.date.strftime('%a')} {state:7}{reason}")
    click.echo(f"{sum(d.working for d in days)} working day(s) of {len(days)}")
