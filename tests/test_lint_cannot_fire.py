"""Issue 14 point 3: lint proves every rule can fire. A rule that matches a derived fact no
rule derives never fires, and one that negates it always passes that test: both are located
errors of `rules lint`, not warnings, and the shipped packs have none."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MINIMAL_RULE, ROOT, write_pack

REXCHECK = str(Path(sys.executable).with_name("rexcheck"))
GHOST = "derived:\n  ghost:\n    description: nothing derives it\n    fields: {ground: str}\nrules:\n"
WHEN = "    when: {field: application.channel, eq: email}\n"


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([REXCHECK, "rules", "lint", "--rules", str(root)],
                          capture_output=True, text=True)


@pytest.mark.parametrize("kind", ["with", "without"])
def test_a_match_on_a_fact_nothing_derives_is_a_located_error(tmp_path, kind):
    text = MINIMAL_RULE.replace("rules:\n", GHOST).replace(
        WHEN, WHEN + f"    {kind}:\n      - {{fact: ghost, as: g, where: {{field: g.ground, "
        "eq: x}}\n")
    run = lint(write_pack(tmp_path, text))
    assert run.returncode == 2, run.stdout + run.stderr
    errors = [line for line in (run.stdout + run.stderr).splitlines() if ": error: " in line]
    assert len(errors) == 1 and re.search(r"pack\.yaml:16:\d+: error: rule T-1-channel: "
                                          r"'ghost' is derived by no rule", errors[0]), errors
    assert errors[0].endswith("[never-derived]")


def test_the_shipped_packs_have_no_rule_that_cannot_fire():
    run = lint(ROOT / "rules")
    assert "never-derived" not in run.stdout + run.stderr


CANNOT_FIRE = {
    # a join of a date with a text: no value of the one ever equals the other
    "join-of-different-types": (
        "{field: application.received, eq: {field: application.channel}}",
        r"cannot compare application\.received \(date\) with application\.channel",
        "type-mismatch"),
    # a due date counted from a field that holds no date
    "due-from-a-field-without-a-date": (
        "{field: application.decision.date, gt: {due: {from: application.channel, "
        "working_days: 5}}}", r"'application\.channel' is not a date", "type-mismatch"),
    # a condition on a field no fact has
    "field-no-fact-has": (
        "{field: application.chanel, eq: email}",
        r"unknown field 'application\.chanel'.*did you mean 'application\.channel'",
        "unknown-field"),
}


@pytest.mark.parametrize("name", CANNOT_FIRE)
def test_a_rule_that_cannot_fire_is_a_located_error(tmp_path, name):
    when, message, code = CANNOT_FIRE[name]
    text = MINIMAL_RULE.replace(WHEN, f"    when: {when}\n")
    run = lint(write_pack(tmp_path, text))
    out = run.stdout + run.stderr
    assert run.returncode == 2, out
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert len(errors) == 1, out
    assert re.search(r"pack\.yaml:10:\d+: error: rule T-1-channel: .*" + message, errors[0]), out
    assert errors[0].endswith(f"[{code}]")
