"""The policy officer's tools: lint, YAML rule tests, JSON Schema."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL_RULE, ROOT, write_pack
from rexcheck.cli.main import main
from rexcheck.engine.authoring.jsonschema import case_file_schema, rule_file_schema
from rexcheck.engine.authoring.lint import lint


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def as_json(data):
    return json.loads(json.dumps(data, default=str))


def test_shipped_rules_lint_without_errors():
    result = run("rules", "lint")
    assert result.exit_code in (0, 1), result.output
    assert " 0 error(s)" in result.output or result.output.startswith("0 error(s)")


def test_broken_rule_file_lints_with_locations_and_hints(tmp_path):
    text = MINIMAL_RULE.replace("descripton", "x").replace("    description: test",
                                                        "    descripton: test")
    text = text.replace("eq: email", "eq: emial")
    text = text.replace('    citation: {ref: Order 244 p.4, text: "Application No. 1 shall be filled in Kazakh or Russian and in English."}\n', "")
    write_pack(tmp_path, text)
    result = run("rules", "lint", "--rules", str(tmp_path))
    assert result.exit_code == 2
    assert "pack.yaml:7:5: error: rule T-1-channel: field 'descripton': unknown field " \
           "'descripton'; did you mean 'description'? [extra-forbidden]" in result.output
    assert "field 'citation': required field 'citation' is missing" in result.output


def test_clean_pack_without_tests_gets_warnings_and_exit_1(tmp_path):
    write_pack(tmp_path, MINIMAL_RULE)
    codes = {d.code for d in lint(tmp_path)}
    assert codes == {"untested-fires", "untested-silent", "missing-translation"}
    assert run("rules", "lint", "--rules", str(tmp_path)).exit_code == 1


def test_clean_pack_with_tests_and_translations_lints_clean(tmp_path):
    write_pack(tmp_path, MINIMAL_RULE.replace(
        'message: "sent by {application.channel}"}',
        'message: "sent by {application.channel}", message_ru: "подано: {application.channel}"}'))
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "t.yaml").write_text(yaml.safe_dump({"tests": [
        {"name": "fires", "as_of": "2026-04-15", "case_file": str(EXAMPLES / "registered-clean.yaml"),
         "set": {"applications.0.channel": "email"}, "expect": [{"rule": "T-1-channel"}]},
        {"name": "silent", "as_of": "2026-04-15", "case_file": str(EXAMPLES / "registered-clean.yaml"),
         "expect_not": ["T-1-channel"]},
    ]}, allow_unicode=True))
    result = run("rules", "lint", "--rules", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert run("rules", "test", "--rules", str(tmp_path)).exit_code == 0


def test_failing_rule_test_shows_expected_and_actual(tmp_path):
    write_pack(tmp_path, MINIMAL_RULE)
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "t.yaml").write_text(yaml.safe_dump({"tests": [
        {"name": "wrongly expects a finding", "as_of": "2026-04-15",
         "case_file": str(EXAMPLES / "registered-clean.yaml"),
         "expect": [{"rule": "T-1-channel", "subject": "application A1"}]}]}))
    result = run("rules", "test", "--rules", str(tmp_path))
    assert result.exit_code == 1
    assert "FAIL" in result.output and "wrongly expects a finding" in result.output
    assert "- expected, did not happen: T-1-channel subject=application A1" in result.output
    assert "actual: (nothing)" in result.output
    doc = json.loads(run("rules", "test", "--rules", str(tmp_path), "--format", "json").output)
    assert doc["failed"] == 1 and doc["tests"][0]["missing"]


def test_shipped_rule_tests_pass_from_the_cli():
    result = run("rules", "test")
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_json_schema_accepts_shipped_packs_and_rejects_broken_ones(tmp_path):
    schema = rule_file_schema()
    for path in sorted((ROOT / "rules").glob("order-*/*.yaml")):
        jsonschema.validate(as_json(yaml.safe_load(path.read_text(encoding="utf-8"))), schema)
    broken = as_json(yaml.safe_load((ROOT / "rules/order-244/ch2-refusal.yaml").read_text()))
    broken["rules"][0]["when"] = {"field": "application.channel", "equals": "email"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    broken = as_json(yaml.safe_load((ROOT / "rules/order-244/ch2-refusal.yaml").read_text()))
    broken["rules"][0]["descripton"] = broken["rules"][0].pop("description")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_json_schema_for_case_files_accepts_the_examples():
    schema = case_file_schema()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        jsonschema.validate(as_json(yaml.safe_load(path.read_text(encoding="utf-8"))), schema)


def test_schema_command_writes_the_five_schemas(tmp_path):
    result = run("rules", "schema", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "case-file.schema.json", "law-file.schema.json", "result.schema.json",
        "rule-file.schema.json", "rule-test-file.schema.json"]


def test_committed_catalogue_is_what_the_rules_generate(checker, tmp_path):
    """CI fails when the catalogue is stale: run `rexcheck rules docs` and commit."""
    from rexcheck.engine.authoring import catalogue
    from rexcheck.engine.authoring.ruletests import load_tests
    from rexcheck.engine.core.loader import default_rules_dir
    from rexcheck.engine.web.workbench.pages import catalogue_page

    paths = catalogue.write(checker.ruleset, load_tests(default_rules_dir()), tmp_path,
                            catalogue_page)
    for path in paths:
        committed = ROOT / "docs" / path.name
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"docs/{path.name} is out of date: run `rexcheck rules docs` and commit it")
