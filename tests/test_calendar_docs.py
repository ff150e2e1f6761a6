"""docs/calendar.md's year-by-year section is what the calendar generates, as docs/catalogue.md
is what the rules generate: CI fails while the page and the data disagree."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT
from rexcheck.cli.main import main
from rexcheck.engine.authoring import calendar_docs
from rexcheck.engine.core.calendar import WorkingCalendar, default_calendar_file
from rexcheck.facts.base.errors import InvalidInput

PAGE = ROOT / "docs" / "calendar.md"


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.load()


def test_committed_calendar_page_is_what_the_calendar_generates(cal):
    """Run `rexcheck calendar docs` (repository root) and commit docs/calendar.md."""
    committed = PAGE.read_text(encoding="utf-8")
    assert calendar_docs.update_page(committed, cal) == committed, (
        "docs/calendar.md disagrees with the calendar data: run `rexcheck calendar docs` and "
        "commit it")


def test_the_page_shows_constitution_day_only_where_the_calendar_has_it():
    page = PAGE.read_text(encoding="utf-8")
    generated = page[page.index(calendar_docs.BEGIN):]
    assert "| 2027-03-15 | Mon | off | Constitution Day (public holiday) | `holidays` |" in page
    assert "| 2025-08-30 | Sat | off | Constitution Day (public holiday) | `holidays` |" in page
    assert "| 2026-08-3" not in generated and "| 2026-03-15" not in generated
    assert "Constitution Day 30 August," not in page  # the claim issue 19 found


def test_a_change_in_the_data_makes_the_page_stale(tmp_path):
    # the check has teeth: one more day off in the data and the committed page disagrees
    data = tmp_path / "kz.yaml"
    data.write_text(default_calendar_file().read_text(encoding="utf-8").replace(
        "days_off: []",
        "days_off:\n  - {date: 2026-08-31, reason: test day off, source: decree X}"),
        encoding="utf-8")
    committed = PAGE.read_text(encoding="utf-8")
    regenerated = calendar_docs.update_page(committed, WorkingCalendar.load(data))
    assert regenerated != committed
    assert "| 2026-08-31 | Mon | off | test day off | `" in regenerated


def test_generating_keeps_the_hand_written_parts(cal):
    page = f"# Title\n\nhand-written\n\n{calendar_docs.BEGIN}\nold\n{calendar_docs.END}\n\ntail\n"
    new = calendar_docs.update_page(page, cal)
    assert new.startswith("# Title\n\nhand-written\n\n" + calendar_docs.BEGIN)
    assert new.endswith(calendar_docs.END + "\n\ntail\n")
    assert "\nold\n" not in new and "### 2021" in new and "### 2027" in new


def test_a_page_without_the_markers_is_refused_with_its_name(cal):
    with pytest.raises(InvalidInput) as exc:
        calendar_docs.update_page("# no markers\n", cal, "docs/calendar.md")
    (d,) = exc.value.diagnostics
    assert d.format().startswith("docs/calendar.md:1:1: error: no line '<!-- BEGIN generated")


def test_docs_command_rewrites_the_section_and_says_so(tmp_path):
    page = tmp_path / "calendar.md"
    shutil.copy(PAGE, page)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "| 2027-03-15 | Mon | off | Constitution Day (public holiday) | `holidays` |\n", ""),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["calendar", "docs", "--out", str(tmp_path)])
    assert result.exit_code == 0 and result.output == f"wrote {page}\n"
    assert page.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")
    again = CliRunner().invoke(main, ["calendar", "docs", "--out", str(tmp_path)])
    assert again.output == f"{page} is up to date\n"


def test_docs_command_without_the_page_exits_2_with_a_located_error(tmp_path):
    result = CliRunner().invoke(main, ["calendar", "docs", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"{tmp_path / 'calendar.md'}:1:1: error: the page does not "
                                    "exist")
    assert "Traceback" not in result.output
