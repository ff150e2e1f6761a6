"""Issue 16 point 1: a parameter whose value cannot be read is one error, at its line; the
rules that name the parameter are not reported as naming an unknown one (knock-on errors).

The values and the parameters come from the shipped packs; each is made unreadable on a copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from rexcheck.engine.core.loader import load_rules
from rexcheck.engine.services.proposal import apply_scenario
from rexcheck.facts.base.errors import InvalidInput

REXCHECK = str(Path(sys.executable).with_name("rexcheck"))
SHIPPED = load_rules(ROOT / "rules")
USED = sorted(name for name, p in SHIPPED.parameters.items()
              if any(f"param.{name}" in str(lr.rule.model_dump()) or name in str(
                  lr.rule.model_dump()) for lr in SHIPPED.rules))
NOT_A_VALUE = {"not": "a value of any unit"}  # a mapping: no unit takes one


def _copy_with_bad_value(tmp: Path, name: str) -> tuple[Path, Path]:
    """The shipped rules copied, with the last dated value of `name` made unreadable; the
    rules root and the file changed."""
    root = tmp / "rules"
    shutil.copytree(ROOT / "rules", root)
    file = root / Path(SHIPPED.parameters[name].file).relative_to(ROOT / "rules")
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["parameters"][name]["values"][-1]["value"] = NOT_A_VALUE
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root, file


def test_some_parameters_are_named_by_rules():
    assert len(USED) >= 5  # else the tests below prove little


@pytest.mark.parametrize("name", USED)
def test_an_unreadable_parameter_value_is_the_only_error(tmp_path, name):
    root, file = _copy_with_bad_value(tmp_path, name)
    with pytest.raises(InvalidInput) as raised:
        load_rules(root)
    found = raised.value.diagnostics
    assert [(d.code, d.file) for d in found] == [("bad-param", str(file))], [
        d.format() for d in found]
    assert name in found[0].message or name in (found[0].field or "")


def test_lint_shows_the_root_cause_alone(tmp_path):
    name = "statement_threshold_chf" if "statement_threshold_chf" in USED else USED[0]
    root, file = _copy_with_bad_value(tmp_path, name)
    run = subprocess.run([REXCHECK, "rules", "lint", "--rules", str(root)],
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stdout + run.stderr
    errors = [line for line in (run.stdout + run.stderr).splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(str(file)), errors
    assert "[bad-param]" in errors[0] and "unknown-param" not in run.stdout + run.stderr


@pytest.mark.parametrize("value", ["abc", "[1, 2]", "-5"])
def test_a_scenario_with_an_unreadable_value_is_one_error_in_the_scenario(tmp_path, value):
    name = "statement_threshold_chf" if "statement_threshold_chf" in USED else USED[0]
    start = SHIPPED.parameters[name].periods()[-1][0]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"scenario: x\nset_parameters:\n  {name}:\n"
                        f"    - {{from: {start.isoformat()}, value: {value}}}\n",
                        encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        apply_scenario(scenario, SHIPPED)
    found = raised.value.diagnostics
    assert [(d.code, d.file, d.line) for d in found] == [("bad-param", str(scenario), 4)], [
        d.format() for d in found]
    run = subprocess.run([REXCHECK, "whatif", "--proposed", str(scenario),
                          str(ROOT / "examples" / "whatif" / "population.jsonl")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    errors = [line for line in (run.stdout + run.stderr).splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(f"{scenario}:4:"), errors
