"""Hostile and broken files: each refused fast, with exit 2, a one-line reason and no traceback."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL_RULE, write_pack
from rexcheck.cli.main import main

CLEAN = (EXAMPLES / "registered-clean.yaml").read_text(encoding="utf-8")

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9))

HOSTILE = {
    "alias-bomb": (BILLION_LAUGHS, "anchors"),
    "deep-nesting": ("case: " + "[" * 5000 + "]" * 5000 + "\n", "nesting"),
    "python-tag": (CLEAN.replace("name: Altyn Dala LLP\n",
                                 "name: !!python/object/apply:os.system ['echo pwned']\n", 1),
                   "tag"),
    "duplicate-key": (CLEAN.replace("case: KZ-2026-0101\n", "case: KZ-2026-0101\ncase: X\n"),
                      "duplicate key"),
    "no-such-date": (CLEAN.replace("received: 2026-03-16", "received: 2026-02-30"),
                     "day is out of range"),
    "nan-amount": (CLEAN + "consignments:\n  - {destination: CH, value: {amount: .nan, "
                   "currency: CHF}}\n", "finite"),
    "infinite-amount": (CLEAN + "consignments:\n  - {destination: CH, value: {amount: .inf, "
                        "currency: CHF}}\n", "finite"),
    "negative-amount": (CLEAN + "consignments:\n  - {destination: CH, value: {amount: -5, "
                        "currency: CHF}}\n", "0 or more"),
    "control-chars-in-id": (CLEAN.replace("case: KZ-2026-0101", 'case: "KZ\\x07\\x1b[2J"'),
                            "should match pattern"),
}


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_fact_file_is_refused_quickly_and_clearly(tmp_path, name):
    text, reason = HOSTILE[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.monotonic()
    result = run("check", str(path))
    assert time.monotonic() - start < 10
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert errors and all(line.startswith(str(path)) for line in errors)
    assert reason in result.output


def test_non_utf8_bytes_are_refused_with_their_position(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(CLEAN.replace("Altyn Dala LLP", "Altyn D\u00e4la").encode("latin-1"))
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "is not valid UTF-8" in result.output and f"{path}:" in result.output


def test_a_very_large_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as f:
        f.truncate(25 * 1024 * 1024)
    result = run("check", str(path))
    assert result.exit_code == 2 and "more than the" in result.output


def test_a_very_long_line_in_a_screened_input_is_one_error_record(tmp_path):
    path = tmp_path / "in.jsonl"
    case = {"case": "ok", "exporter": {"tin": "KZ010140000123", "name": "x"}}
    path.write_text(json.dumps(case) + "\n" + "x" * 1_200_000 + "\n" + json.dumps(case) + "\n")
    result = run("screen", str(path))
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["outcome"] for x in lines] == ["none", "error", "none"]
    assert "longer than" in lines[1]["errors"][0]["message"]


def test_a_rule_file_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"
    text = MINIMAL_RULE.replace(
        "    description: test",
        f"    description: !!python/object/apply:os.system ['touch {marker}']")
    rules = write_pack(tmp_path / "rules", text)
    result = run("rules", "lint", "--rules", str(rules))
    assert result.exit_code == 2 and "tag" in result.output
    assert not marker.exists()
    result = run("check", str(EXAMPLES / "registered-clean.yaml"), "--rules", str(rules))
    assert result.exit_code == 2 and not marker.exists()


def test_a_rule_pattern_cannot_smuggle_a_regex_bomb(tmp_path):
    text = MINIMAL_RULE.replace("{field: application.channel, eq: email}",
                                "{field: application.tin, matches: '(a+)+\\\\$'}")
    rules = write_pack(tmp_path / "rules", text)
    result = run("rules", "lint", "--rules", str(rules))
    assert result.exit_code == 2 and "bad-pattern" in result.output


@pytest.mark.parametrize("pattern, why", [
    ("(a+)+b", "a repeated group"),
    ("(KZ|KZ0)*[0-9]", "a repeated group"),
    (".*x.*", "more than one open-ended repeat"),
    ("[0-9]+[0-9]{3,}", "more than one open-ended repeat"),
    ("[0-9]{0,9}[0-9]{0,9}[0-9]{0,9}[0-9]{0,9}", "more than 1000 ways"),
    ("(?:KZ)", "repeats nothing"),
    ("(a|aa){,60}", "not a counted repeat"),
    ("[a-z ]{,}[a-z ]{,}[0-9]", "not a counted repeat"),
    ("(a|aa){0,60}", "more than 1000 ways"),
    ("(a*)?b", "repeated group"),
])
def test_a_pattern_that_could_backtrack_without_bound_is_refused(tmp_path, pattern, why):
    # patterns are matched by Python's backtracking `re` on values from screened records
    text = MINIMAL_RULE.replace("{field: application.channel, eq: email}",
                                f"{{field: application.tin, matches: '{pattern}'}}")
    rules = write_pack(tmp_path / "rules", text)
    result = run("rules", "lint", "--rules", str(rules))
    assert result.exit_code == 2 and "bad-pattern" in result.output and why in result.output


@pytest.mark.parametrize("pattern", ["KZ[0-9]{12}", "KZREX[0-9]{3}[0-9]{8}[0-9]{4}",
                                     "(NO|CH)[0-9]{2,4}", "Altyn.Dala.*", "(KZ)?[0-9]{12}",
                                     "[0-9]{4}([0-9]{2})?", "([0-9]{3}-){2}[0-9]{4}"])
def test_patterns_of_the_usual_shapes_are_accepted(tmp_path, pattern):
    text = MINIMAL_RULE.replace("{field: application.channel, eq: email}",
                                f"{{field: application.tin, matches: '{pattern}'}}")
    result = run("rules", "lint", "--rules", str(write_pack(tmp_path / "rules", text)))
    assert "0 error(s)" in result.output and "bad-pattern" not in result.output


def test_a_very_long_line_in_a_yaml_file_is_refused_with_a_short_message(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(CLEAN.replace("title: Altyn Dala LLP", "title: " + "x" * 1_500_000),
                    encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "characters, more than the 1000000 allowed" in result.output
    assert len(result.output) < 500


def test_an_overlong_value_is_not_echoed_whole(tmp_path):
    path = tmp_path / "long-value.yaml"
    path.write_text(CLEAN.replace("title: Altyn Dala LLP", "title: " + "x" * 50_000),
                    encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 2 and "characters)) [string-too-long]" in result.output
    assert len(result.output) < 500
