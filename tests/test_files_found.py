"""Every file in a cases folder or a rules tree is read, or named in an error: a case or a rule
saved under an unexpected name is never left out without a word."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from click.testing import CliRunner
from conftest import EXAMPLES, ROOT, case_with
from rexcheck.cli.main import main

RULES = ROOT / "rules"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_case_file_with_an_upper_case_extension_is_read(tmp_path):
    shutil.copy(EXAMPLES / "refused-no-english.yaml", tmp_path / "X.YAML")
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert "1 case(s): 1 with findings" in result.output


def test_check_reads_json_lines_one_case_per_line(tmp_path):
    first, second = case_with(), case_with(languages=["ru"])
    second["case"] = "T-2"
    (tmp_path / "cases.jsonl").write_text(
        json.dumps(first, default=str) + "\n\n" + json.dumps(second, default=str) + "\n")
    result = run("check", str(tmp_path), "--as-of", "2026-03-20")
    assert "2 case(s): 1 with findings" in result.output
    assert "R244-8-1-no-english" in result.output and result.exit_code == 1


def test_an_invalid_line_of_a_json_lines_case_file_is_named_by_its_line(tmp_path):
    bad = case_with(channel="pigeon")
    path = tmp_path / "cases.ndjson"
    path.write_text(json.dumps(case_with(), default=str) + "\n" + json.dumps(bad, default=str)
                    + "\n{oops\n")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert f"{path}:2:1: error: field 'applications.0.channel'" in result.output
    assert f"{path}:3:2: error: not valid JSON" in result.output


def test_a_folder_without_case_files_is_an_error_saying_where_it_looked(tmp_path):
    (tmp_path / "cases").mkdir()
    result = run("check", str(tmp_path / "cases"))
    assert result.exit_code == 2
    assert (f"{tmp_path / 'cases'}:1:1: error: no case file in this folder (looked for *.yaml, "
            "*.yml, *.json, *.jsonl, *.ndjson, in upper or lower case, in it and its "
            "subfolders)" in result.output)


def test_any_other_file_in_a_cases_folder_is_named_and_nothing_is_evaluated(tmp_path):
    shutil.copy(EXAMPLES / "registered-clean.yaml", tmp_path / "a.yaml")
    (tmp_path / "b.yaml.bak").write_text("case: B\n")
    (tmp_path / "README.md").write_text("notes on these cases\n")
    (tmp_path / ".hidden.yaml").write_text("not: read\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'b.yaml.bak'}:1:1: error: not a case file" in result.output
    assert "README" not in result.output and ".hidden" not in result.output
    assert "1 error(s); nothing was evaluated" in result.output


def test_a_named_pipe_in_a_cases_folder_is_named_not_waited_on(tmp_path):
    shutil.copy(EXAMPLES / "registered-clean.yaml", tmp_path / "a.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    # a process of its own: opening the pipe would wait for a writer for ever
    result = subprocess.run([sys.executable, "-c", "from rexcheck.cli.main import main; main()",
                             "check", str(tmp_path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert f"{tmp_path / 'pipe.yaml'}:1:1: error: a named pipe (FIFO), not read" in result.stderr


def _rules_copy(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_a_rule_file_named_yml_is_loaded(tmp_path):
    root = _rules_copy(tmp_path)
    (root / "order-244" / "ch2-refusal.yaml").rename(root / "order-244" / "ch2-refusal.yml")
    shipped = run("rules", "list", "--format", "json")
    renamed = run("rules", "list", "--rules", str(root), "--format", "json")
    assert len(json.loads(renamed.output)["rules"]) == len(json.loads(shipped.output)["rules"])
    result = run("check", str(EXAMPLES / "refused-no-english.yaml"), "--rules", str(root))
    assert result.exit_code == 1 and "R244-8-1-no-english" in result.output


def test_any_other_file_in_a_rules_tree_is_named(tmp_path):
    root = _rules_copy(tmp_path)
    (root / "order-244" / "ch2-refusal.yaml").rename(root / "order-244" / "ch2-refusal.yaml~")
    (root / "order-244" / "NOTES.md").write_text("why the refusal rules read as they do\n")
    result = run("check", str(EXAMPLES / "refused-no-english.yaml"), "--rules", str(root))
    assert result.exit_code == 2
    stray = root / "order-244" / "ch2-refusal.yaml~"
    assert f"{stray}:1:1: error: not a rule file" in result.output
    assert "NOTES.md" not in result.output
    lint = run("rules", "lint", str(root))
    assert lint.exit_code == 2 and f"{stray}:1:1: error: not a rule file" in lint.output
