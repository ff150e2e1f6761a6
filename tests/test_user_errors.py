"""A user's mistake is one located line and exit 2: never a traceback, never exit 1 (the code
for findings). Run as a user runs rexcheck, in a process of its own where the output or the
file system is what is odd."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL_RULE, ROOT, case_with, write_pack
from rexcheck.cli.main import main

REXCHECK = [sys.executable, "-c", "from rexcheck.cli.main import main; main()"]
CLEAN = str(EXAMPLES / "registered-clean.yaml")


def rexcheck(*args: str, stdout=subprocess.PIPE, stdin=None, timeout: float = 120):
    return subprocess.run([*REXCHECK, *args], stdout=stdout, stderr=subprocess.PIPE,
                          stdin=stdin, timeout=timeout, text=True, check=False)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_error_line(stderr: str, expected: str) -> None:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if ": error: " in line or
              line.startswith("rexcheck: error:")]
    assert errors == [expected], stderr


@pytest.fixture
def jsonl(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(case_with(), default=str) + "\n")
    return path


def test_screening_a_file_that_is_not_there_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "nosuch.jsonl"
    done = rexcheck("screen", str(missing))
    assert done.returncode == 2 and done.stdout == ""
    one_error_line(done.stderr, f"{missing}:1:1: error: cannot read: No such file or directory "
                                "[io]")


def test_screening_a_folder_is_one_line_and_exit_2(tmp_path):
    done = rexcheck("screen", str(tmp_path))
    assert done.returncode == 2
    one_error_line(done.stderr, f"{tmp_path}:1:1: error: cannot read: is a folder; name the "
                                "files in it [io]")


@pytest.mark.parametrize("command", ["check", "screen"])
def test_an_audit_log_that_cannot_be_opened_stops_before_anything_is_shown(jsonl, command):
    done = rexcheck(command, str(jsonl), "--audit-log", "/nonexistent/x")
    assert done.returncode == 2 and done.stdout == ""
    one_error_line(done.stderr, "/nonexistent/x:1:1: error: cannot open the audit log: No such "
                                "file or directory [audit-log]")


@pytest.mark.parametrize("command", ["check", "screen"])
def test_output_to_a_full_disk_is_one_line_and_exit_2(jsonl, command):
    with open("/dev/full", "w") as full:
        done = rexcheck(command, str(EXAMPLES) if command == "check" else str(jsonl),
                        stdout=full)
    assert done.returncode == 2
    one_error_line(done.stderr, "rexcheck: error: cannot write the output: No space left on "
                                "device")


def test_an_audit_log_that_is_not_utf8_names_the_byte(tmp_path):
    log = tmp_path / "decisions.jsonl"
    log.write_bytes(b'{"case": "caf\xe9"}\n')
    result = run("audit", "verify", str(log))
    assert result.exit_code == 2
    assert f"{log}:1:1: error: not valid UTF-8 (byte 14 of the line" in result.output


def test_an_infinite_parameter_value_is_refused_where_it_is_written(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("__pycache__"))
    parameters = rules / "order-244" / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    number = re.search(r"value: ([0-9]+)\}", text)  # the first value of the law, whatever it is
    parameters.write_text(text[:number.start(1)] + ".inf" + text[number.end(1):],
                          encoding="utf-8")
    line = text[:number.start()].count("\n") + 1
    column = number.start(1) - text.rfind("\n", 0, number.start())
    result = run("check", CLEAN, "--rules", str(rules))
    assert result.exit_code == 2
    assert f"{parameters}:{line}:{column}: error: .inf is not a finite number" in result.output


def test_a_rule_set_past_an_engine_table_is_dealt_into_chunks_not_refused(tmp_path):
    """300 rules beginning with the same tests once met durable_rules' BETA_LIST_LENGTH
    (error 108, refused); the compiler now deals them into chunks (engine/core/partition.py).
    What no chunking fits is refused at load: tests/test_engine_limits.py."""
    head, rule = MINIMAL_RULE.split("rules:\n")
    write_pack(tmp_path, head + "rules:\n" + "".join(
        rule.replace("T-1-channel", f"T-{i}-channel") for i in range(300)))
    done = rexcheck("check", CLEAN, "--rules", str(tmp_path))
    assert done.returncode in (0, 1) and done.stderr == ""


def test_an_empty_json_lines_case_file_is_an_error(tmp_path):
    (tmp_path / "none.jsonl").write_text("\n")
    result = run("check", str(tmp_path / "none.jsonl"))
    assert result.exit_code == 2
    assert "none.jsonl:1:1: error: no case in this file" in result.output


@pytest.mark.parametrize("args", [
    ["check", "EMPTY"],
    ["check", "FOLDER"],
    ["check", CLEAN, "--rules", "FILE"],
    ["check", CLEAN, "--rules", "FOLDER"],
    ["screen", "EMPTY", "--workers", "0"],
    ["screen", "FILE", "--input-format", "yaml"],
    ["screen", CLEAN, "--as-of", "9999-12-31"],
    ["screen", CLEAN, "--as-of", "0001-01-01"],
    ["screen", CLEAN, "--as-of", "10000-01-01"],
    ["rules", "lint", "FOLDER"],
    ["rules", "test", "FOLDER"],
    ["whatif", "--proposed", "EMPTY", CLEAN],
    ["whatif", "--proposed", "FOLDER", "FOLDER"],
    ["audit", "verify", "FOLDER"],
    ["calendar", "add", "2026-01-01", "5", "--calendar", "EMPTY"],
])
def test_odd_arguments_never_give_a_traceback_nor_exit_1(tmp_path, args):
    empty, plain = tmp_path / "empty.yaml", tmp_path / "file.txt"
    empty.write_text("")
    plain.write_text("x\n")
    (tmp_path / "folder").mkdir()
    args = [{"EMPTY": str(empty), "FILE": str(plain), "FOLDER": str(tmp_path / "folder")}
            .get(a, a) for a in args]
    result = CliRunner().invoke(main, args)  # an exception escaping would be a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-500:])
