"""An interrupted screening run says where to resume, and resumes: `--skip N` numbers the
records from N+1, so its output appended to the lines written before gives the bytes of an
uninterrupted run. Stopped by Ctrl-C, by a reader that went away (`| head`) or by `kill -9`,
neither the parent nor its workers print a traceback, and the lines written stay whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ROOT
from rexcheck.cli.main import main

sys.path.insert(0, str(ROOT / "bench"))

import generate

REXCHECK = [sys.executable, "-c", "from rexcheck.cli.main import main; main()"]


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    path = tmp_path_factory.mktemp("population") / "population.jsonl"
    path.write_text("".join(line + "\n" for line in generate.lines(30_000, seed=3)),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "small.jsonl"
    path.write_text("".join(line + "\n" for line in generate.lines(60, seed=4, fraction=0.1)),
                    encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def summary_of(result) -> dict:
    return json.loads(result.stderr.strip().splitlines()[-1])["summary"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_skip_resumes_a_run_whose_output_appended_is_the_whole_run(small, fmt):
    whole = run("screen", str(small), "--format", fmt)
    header = 1 if fmt == "csv" else 0
    first = whole.stdout.splitlines(keepends=True)[:header + 25]
    rest = run("screen", str(small), "--format", fmt, "--skip", "25")
    assert "".join(first) + rest.stdout == whole.stdout
    summary = summary_of(rest)
    assert (summary["skipped"], summary["records_in"], summary["last_record"]) == (25, 35, 60)


def test_skipped_records_keep_their_numbers(small):
    rest = run("screen", str(small), "--skip", "58")
    assert [json.loads(x)["source"]["record"] for x in rest.stdout.splitlines()] == [59, 60]


def test_the_summary_names_the_last_record_written(small):
    result = run("screen", str(small))
    assert "; last record written: 60" in result.stderr
    assert summary_of(result)["last_record"] == 60


def _started(population, *args: str, stdout=subprocess.PIPE, stderr=subprocess.PIPE):
    """A screening run in a session of its own (as a terminal's foreground group), once it
    has written its first result."""
    process = subprocess.Popen([*REXCHECK, "screen", str(population), *args], stdout=stdout,
                               stderr=stderr, start_new_session=True)
    return process


def test_ctrl_c_stops_the_workers_quietly_and_says_where_to_resume(population, tmp_path):
    out = tmp_path / "results.jsonl"
    with open(out, "wb") as results:
        process = _started(population, "--workers", "2", stdout=results)
        while out.stat().st_size < 10_000:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: every process of the group
        _, err = process.communicate(timeout=60)
    err = err.decode()
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b""  # the lines written are whole
    last = json.loads(lines[-2])["source"]["record"]
    assert len(lines) - 1 == last
    assert err.strip().endswith(f"rexcheck: interrupted after record {last} was written; to "
                                f"resume, run the same command with --skip {last} and append "
                                "its output")


def test_a_reader_that_goes_away_is_a_quiet_stop(population):
    process = _started(population, "--workers", "2")
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert process.returncode == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert "rexcheck: the output was closed by its reader after record" in err


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(x) for x in f.read().split()]


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc")
def test_workers_left_behind_by_kill_9_end_without_a_traceback(population, tmp_path):
    out, err = tmp_path / "results.jsonl", tmp_path / "stderr.txt"
    with open(out, "wb") as results, open(err, "wb") as errors:
        process = _started(population, "--workers", "2", stdout=results, stderr=errors)
        while out.stat().st_size < 10_000:
            time.sleep(0.05)
        workers = _children(process.pid)
        assert len(workers) == 2
        process.kill()
        process.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(os.path.exists(f"/proc/{pid}") for pid in workers):
            assert time.monotonic() < deadline, "the workers outlived their parent"
            time.sleep(0.1)
    assert "Traceback" not in err.read_text(), err.read_text()[-2000:]
    text = out.read_bytes()
    whole = text[:text.rfind(b"\n") + 1]
    records = [json.loads(line)["source"]["record"] for line in whole.splitlines()]
    assert records == list(range(1, len(records) + 1))
