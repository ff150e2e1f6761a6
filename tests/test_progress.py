"""Long runs show progress on standard error when it is a terminal, also when standard output
goes to a file; never when standard error is not a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

REXCHECK = str(Path(sys.executable).with_name("rexcheck"))
SCENARIO = ROOT / "examples/whatif/raise-chf-threshold.yaml"
POPULATION = ROOT / "examples/whatif/population.jsonl"


def population(tmp_path: Path, copies: int) -> Path:
    path = tmp_path / "population.jsonl"
    path.write_bytes(POPULATION.read_bytes() * copies)
    return path


def stderr_on_a_terminal(args: list[str], stdout: Path) -> str:
    """Run with standard error on a pseudo-terminal and standard output to a file."""
    controller, terminal = os.openpty()
    with open(stdout, "wb") as out:
        process = subprocess.Popen([REXCHECK, *args], stdout=out, stderr=terminal)
    os.close(terminal)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    process.wait(120)
    os.close(controller)
    return seen.decode(errors="replace")


def test_screen_to_a_file_shows_progress_on_the_terminal(tmp_path):
    path = population(tmp_path, 400)  # 3,600 records
    shown = stderr_on_a_terminal(["screen", str(path)], tmp_path / "out.jsonl")
    assert "/3600" in shown and "/s ETA" in shown
    assert len((tmp_path / "out.jsonl").read_bytes().splitlines()) == 3600


def test_whatif_shows_progress_on_the_terminal(tmp_path):
    path = population(tmp_path, 200)  # 1,800 cases, each judged twice
    shown = stderr_on_a_terminal(["whatif", "--proposed", str(SCENARIO), str(path),
                                  "--format", "json"], tmp_path / "report.json")
    assert "/1800" in shown and "/s ETA" in shown


def test_no_progress_when_standard_error_is_not_a_terminal(tmp_path):
    path = population(tmp_path, 50)
    result = subprocess.run([REXCHECK, "screen", str(path)], capture_output=True, check=False)
    assert b"ETA" not in result.stderr and b"\r" not in result.stderr
