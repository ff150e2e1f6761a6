"""The walk-through of docs/editing-rules.md breaks nothing: done on a copy of the repository,
its whole test suite still passes.

The copy holds the repository's tracked files (`git ls-files`). In it the walk-through's edits
are made as the page prints them (the threshold raised with its sed command, the two rule
tests fixed, the catalogue regenerated with `rexcheck rules docs`), and the copy's own pytest
runs as a subprocess, with REXCHECK_RULES naming the copy's rules so that every test reads the
changed law. This very test is left out there (it would copy itself again). A Python test that
keeps a value of the law of its own fails here: the values come from the packs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ROOT
from rexcheck.cli.main import main

DOC = (ROOT / "docs" / "editing-rules.md").read_text(encoding="utf-8")
SUITE_SECONDS = 600  # the copy's suite takes about a minute on two cores; ten means a hang
FIXES = [("a value exactly at the CHF threshold", "CHF"),  # the rule tests the page fixes
         ("a value in euro above the threshold", "EUR")]


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the files to copy are unknown")
    return [name for name in listed.decode().split("\0") if name]


def copy_repository(target) -> None:
    for name in tracked_files():
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def walk_through(copy) -> None:
    """The edits of the page, as it prints them."""
    old, new = re.search(r"sed -i 's/value: (\d+)}/value: (\d+)}/'", DOC).groups()
    params = copy / "rules" / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    assert f"value: {old}}}" in text, "the page's sed command no longer applies"
    params.write_text(text.replace(f"value: {old}}}", f"value: {new}}}"), encoding="utf-8")
    tests = copy / "rules" / "tests" / "order-244" / "ch2-statements.yaml"
    text = tests.read_text(encoding="utf-8")
    for name, currency in FIXES:  # the page's fixes: `consignments.0.value: {...}`
        value = r'consignments\.0\.value: \{amount: "[0-9.]+", currency: ' + currency + r"\}"
        fixed = re.search(f"`({value})`", DOC).group(1)
        at = text.index(f"  - name: {name}")
        rest, n = re.subn(value, fixed, text[at:], count=1)
        assert n == 1, f"the page's fix of '{name}' does not apply"
        text = text[:at] + rest
    tests.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "docs", "--rules", str(copy / "rules"),
                                       "--out", str(copy / "docs")], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_the_whole_suite_passes_on_a_copy_after_the_walkthrough(tmp_path):
    copy = tmp_path / "repo"
    copy_repository(copy)
    walk_through(copy)
    env = {**os.environ, "REXCHECK_RULES": str(copy / "rules"), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    # -x: the suite runs twice in CI (here, and once as itself), so the copy's run stops at
    # its first failure; its own temporary folders stay inside this test's
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "pytest"), "--deselect", "tests/test_walkthrough_suite.py"],
        cwd=copy, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=SUITE_SECONDS, check=False)
    took = time.monotonic() - started
    tail = "\n".join(result.stdout.splitlines()[-40:])
    assert result.returncode == 0, f"the suite fails after the walk-through:\n{tail}"
    assert took < SUITE_SECONDS
