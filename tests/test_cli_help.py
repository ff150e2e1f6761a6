"""One name for one thing on the command line, and help that is complete.

Every command that reads rules names the folder `--rules`; dates are typed as dates; every
command's --help ends its description with its exit codes; the lists of commands never cut a
summary short.
"""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT
from rexcheck.cli.main import main


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def every_command(group: click.Group = main, path: tuple = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += every_command(command, path + (name,))
        else:
            out.append(path + (name,))
    return out


@pytest.mark.parametrize("path", every_command(), ids=lambda p: " ".join(p) or "rexcheck")
def test_every_help_has_an_exit_codes_section(path):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Exit codes" in result.output
    section = result.output[result.output.index("Exit codes"):]
    assert " 0 " in section or " 2 " in section or "2 always" in section


@pytest.mark.parametrize("path", [p for p in every_command() if len(p) < 2],
                         ids=lambda p: " ".join(p) or "rexcheck")
def test_no_summary_in_a_list_of_commands_is_cut(path):
    result = run(*path, "--help")
    commands = result.output.split("Commands:")[-1] if "Commands:" in result.output else ""
    assert "..." not in commands


def test_the_rules_folder_is_named_rules_wherever_a_command_reads_rules():
    readers = [("check",), ("screen",), ("whatif",), ("audit", "verify"), ("rules", "list"),
               ("rules", "lint"), ("rules", "test"), ("rules", "docs"), ("rules", "schema")]
    for path in readers:
        assert re.search(r"--rules[ ,a-z-]* DIR", run(*path, "--help").output), path


@pytest.mark.parametrize("command", ["lint", "test", "docs"])
def test_the_old_positional_rules_folder_still_works_with_a_note(command, tmp_path):
    extra = ["--out", str(tmp_path)] if command == "docs" else []
    result = run("rules", command, ROOT / "rules", *extra)
    assert result.exit_code == 0
    assert "note: the rules folder as an argument is deprecated; use --rules" in result.output
    assert "deprecated: use\n  --rules DIR" in run("rules", command, "--help").output or \
        "deprecated: use --rules DIR" in run("rules", command, "--help").output.replace(
            "\n  ", " ")


def test_the_rules_folder_given_twice_is_refused():
    result = run("rules", "lint", ROOT / "rules", "--rules", ROOT / "rules")
    assert result.exit_code == 2 and "give the rules folder once: --rules DIR" in result.output


@pytest.mark.parametrize("args", [
    ("check", EXAMPLES / "registered-clean.yaml"), ("screen", "-"),
    ("whatif", "--proposed", ROOT / "rules", ROOT / "examples/whatif/population.jsonl")])
def test_as_of_is_typed_as_a_date_with_the_fix(args):
    result = run(*args, "--as-of", "15.04.2026")
    assert result.exit_code == 2
    assert ("Invalid value for '--as-of': '15.04.2026' is not a date; write dates as "
            "YYYY-MM-DD, e.g. 2026-04-15") in result.output


def test_a_calendar_date_is_typed_as_a_date_too():
    result = run("calendar", "add", "19/03/2026", "5")
    assert result.exit_code == 2 and "e.g. 2026-03-19" in result.output


def test_every_option_of_screen_and_check_has_help():
    for command in ("check", "screen"):
        params = main.commands[command].params
        for p in params:
            if isinstance(p, click.Option) and not p.hidden:
                assert p.help, f"{command} {p.opts}"


def test_the_readme_has_the_exit_codes_of_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Exit codes"):]
    commands = [p for p in every_command() if p and not isinstance(
        main.commands[p[0]].commands.get(p[1]) if len(p) == 2 else main.commands[p[0]],
        click.Group)]
    for path in commands:
        assert f"| `{' '.join(path)}` |" in table, path
