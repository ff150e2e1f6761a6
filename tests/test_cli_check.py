"""`rexcheck check` and `rexcheck rules list` as a user runs them."""

from __future__ import annotations

import json
import re
import shutil

from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL_RULE, write_pack
from rexcheck.cli.main import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_teaches_commands_and_exit_codes():
    result = run("--help")
    assert result.exit_code == 0
    for word in ("check", "rules", "calendar", "Exit codes", "Examples"):
        assert word in result.output


def test_clean_case_exits_0_and_shows_each_outcome_with_the_rule_that_decided_it():
    result = run("check", str(EXAMPLES / "registered-clean.yaml"))
    assert result.exit_code == 0, result.output
    assert "no findings (2 notice(s))" in result.output
    assert "application A1: register  [Order 244 p.5] R244-5-outcome-register" in result.output
    assert "registered without problems: register (as of 2026-04-15)" in result.output


def test_refused_case_prints_findings_with_citations_and_exits_1():
    result = run("check", str(EXAMPLES / "refused-no-english.yaml"))
    assert result.exit_code == 1
    assert "R244-8-1-no-english  [Order 244 p.8(1)]  application A1" in result.output
    assert "not filled in English" in result.output


def test_json_output_is_valid_and_complete():
    result = run("check", str(EXAMPLES / "refused-no-english.yaml"), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["schema"] == "rexcheck.check/1"
    assert doc["rules"]["digest"].startswith("sha256:")
    (case,) = doc["results"]
    assert case["schema"] == "rexcheck.result/1"
    assert case["outcome"] == "refuse"
    assert case["outcomes"][0]["rule_id"] == "R244-8-outcome-refuse"
    finding = next(f for f in case["findings"] if f["rule_id"] == "R244-8-1-no-english")
    assert finding["citation"]["ref"] == "Order 244 p.8(1)"
    assert finding["subject"] == {"type": "application", "ref": "A1"}
    assert finding["facts"] == [{"alias": "application", "type": "application", "ref": "A1",
                                 "derived_by": None}]
    assert finding["judged_on"] == "2026-03-19"
    assert case["trace"] is None
    assert all(f["severity"] != "info" for f in case["findings"])
    assert all(f["severity"] == "info" for f in case["notices"])
    assert doc["summary"]["findings"] == len(case["findings"])
    assert doc["summary"]["notices"] == len(case["notices"])


def test_explain_shows_the_chain_of_firings():
    result = run("check", str(EXAMPLES / "refused-documents-origin.yaml"), "--explain")
    assert "why:" in result.output and "trace:" in result.output
    assert ("R244-8-3-origin [Order 244 p.8(3)] fired on goods_item A1/goods-1 -> derived "
            "refusal_ground") in result.output
    doc = json.loads(run("check", str(EXAMPLES / "refused-documents-origin.yaml"), "--explain",
                         "--format", "json").output)
    flag = next(f for f in doc["results"][0]["findings"]
                if f["rule_id"] == "R244-8-registered-despite-ground")
    assert flag["explanation"]["because"][0]["derived"].startswith("refusal_ground:")


def test_output_is_byte_identical_whatever_the_order_of_files(tmp_path):
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    one = run("check", *files, "--format", "json").output
    two = run("check", *reversed(files), "--format", "json").output
    assert one == two
    assert run("check", *files).output == run("check", *reversed(files)).output


def test_bad_fact_file_gives_position_field_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (EXAMPLES / "registered-clean.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("channel: electronic", "chanel: electronic"), encoding="utf-8")
    result = run("check", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:15:5: error: field 'applications.0.chanel': unknown field 'chanel'; did " \
           "you mean 'channel'? [extra-forbidden]" in result.output
    assert "nothing was evaluated" in result.output


def test_bad_rules_give_exit_2_and_nothing_is_evaluated(tmp_path):
    rules = write_pack(tmp_path / "rules", MINIMAL_RULE.replace("eq: email", "eq: emial"))
    result = run("check", str(EXAMPLES / "registered-clean.yaml"), "--rules", str(rules))
    assert result.exit_code == 2
    assert "did you mean 'email'?" in result.output
    assert "case " not in result.output


def test_as_of_must_be_a_date():
    result = CliRunner().invoke(main, ["check", str(EXAMPLES), "--as-of", "2026-13-01"])
    assert result.exit_code == 2 and "is not a date" in result.output


def test_a_directory_is_searched_for_cases():
    result = run("check", str(EXAMPLES), "--format", "json")
    doc = json.loads(result.output)
    assert len(doc["results"]) == len(list(EXAMPLES.glob("*.yaml")))
    assert [c["case"] for c in doc["results"]] == sorted(c["case"] for c in doc["results"])


def test_duplicate_case_ids_are_an_input_error(tmp_path):
    shutil.copy(EXAMPLES / "registered-clean.yaml", tmp_path / "a.yaml")
    shutil.copy(EXAMPLES / "registered-clean.yaml", tmp_path / "b.yaml")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2 and "duplicate-case" in result.output


def test_rules_list_json_has_id_and_canonical_citation():
    doc = json.loads(run("rules", "list", "--format", "json").output)
    by_id = {r["id"]: r for r in doc["rules"]}
    assert by_id["R244-8-2-no-documents"]["citation"] == "Order 244 p.8(2)"
    assert all(r["citation"].startswith("Order ") for r in doc["rules"])


def test_russian_messages():
    result = run("check", str(EXAMPLES / "refused-no-english.yaml"), "--lang", "ru")
    assert "не заполнено на английском языке" in result.output


def test_an_as_of_date_outside_the_calendar_is_a_case_error_not_a_crash():
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "pending-decision.yaml"),
                                       "--as-of", "2028-06-01"])
    assert result.exit_code == 2
    assert "outside the years the calendar knows" in result.output
    assert "Traceback" not in result.output


def test_a_parameter_without_a_value_while_its_rule_is_in_force_is_refused_at_load(
        tmp_path, checker):
    import shutil

    from conftest import ROOT, parameter_line

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "order-244" / "parameters.yaml"
    line = parameter_line(checker.ruleset, "statement_threshold_chf", 0)
    params.write_text(params.read_text(encoding="utf-8").replace(
        line, re.sub(r"from: [0-9-]+", "from: 2100-01-01", line)), encoding="utf-8")
    first_day = checker.ruleset.rule("R244-11-rex-number-required-ch").effective_from
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "registered-clean.yaml"),
                                       "--rules", str(rules)])
    assert result.exit_code == 2
    assert (f"parameter 'statement_threshold_chf' has no value on {first_day}, when the rule "
            "is in force") in result.output
    assert "[param-not-in-force]" in result.output and "case " not in result.output


def test_rexcheck_rules_names_the_default_rules_tree(tmp_path, monkeypatch):
    root = write_pack(tmp_path / "rules", MINIMAL_RULE)
    monkeypatch.setenv("REXCHECK_RULES", str(root))
    result = run("rules", "list")
    assert result.exit_code == 0
    assert "T-1-channel" in result.output and "1 rule(s)" in result.output


def test_rules_list_writes_out_the_values_of_the_law_in_titles(checker):
    from conftest import law_value

    days = law_value(checker.ruleset, "refusal_notice_working_days")
    result = run("rules", "list")
    assert f"Refusal notified later than {days} working days" in result.output
    assert "{param." not in result.output


def test_a_title_shows_each_value_the_law_gives_while_the_rule_is_in_force(tmp_path, checker):
    from conftest import ROOT, law_value, parameter_line

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "order-244" / "parameters.yaml"
    line = parameter_line(checker.ruleset, "statement_threshold_chf")
    now = law_value(checker.ruleset, "statement_threshold_chf")
    params.write_text(params.read_text(encoding="utf-8").replace(
        line, line + f"      - {{from: 2099-01-01, value: {now + 1}}}\n"), encoding="utf-8")
    result = run("rules", "list", "--rules", str(rules))
    assert (f"Statement for a consignment to Switzerland above {now:.2f} ({now + 1:.2f} from "
            "2099-01-01) CHF without the REX number") in result.output
