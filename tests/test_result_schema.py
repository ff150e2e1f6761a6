"""One result contract: what `check --format json`, `screen` and the Python API give validates
against the published JSON Schema (`rexcheck rules schema` writes it as result.schema.json),
and every summary has the same keys. The service's answers are held to the same schema in
tests/test_serve.py."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, case_with
from rexcheck.cli.main import main
from rexcheck.engine.authoring.jsonschema import result_file_schema
from rexcheck.engine.services.result import SCHEMA
from rexcheck.facts.loader import load_case_file

SUMMARY_KEYS = {"cases", "with_findings", "findings", "notices", "pending", "errors", "outcomes"}

BROKEN_LINES = [
    "{not json",
    json.dumps({"case": "B-type", "exporter": {"tin": 5, "name": "x"}}),
    json.dumps({"case": "B-extra", "exporter": {"tin": "KZ1", "name": "x", "colour": "red"}}),
    "[1, 2]",
]


@pytest.fixture(scope="module")
def validator():
    schema = result_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_valid(validator, result: dict) -> None:
    errors = sorted(validator.iter_errors(result), key=str)
    assert not errors, f"{result.get('case')}: {errors[0].message} at {list(errors[0].path)}"
    assert result["schema"] == SCHEMA


def test_the_published_schema_is_the_one_rules_schema_writes(tmp_path):
    run("rules", "schema", "--out", tmp_path)
    written = json.loads((tmp_path / "result.schema.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(result_file_schema()))
    assert written["$id"].endswith(SCHEMA)


def test_every_result_of_check_json_validates_with_and_without_explain(validator):
    for extra in ([], ["--explain"], ["--lang", "ru"]):
        result = run("check", EXAMPLES, "--format", "json", *extra)
        document = json.loads(result.stdout)
        assert len(document["results"]) == len(list(EXAMPLES.glob("*.yaml")))
        for one in document["results"]:
            assert_valid(validator, one)
        assert set(document["summary"]) == SUMMARY_KEYS


def test_every_line_of_screen_validates_errors_included(validator, tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(case_with(), default=str)] + BROKEN_LINES
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("screen", path, *sorted(EXAMPLES.glob("*.yaml")))
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines) + len(list(EXAMPLES.glob("*.yaml")))
    assert {one["outcome"] for one in out} >= {"error", "register", "refuse"}
    for one in out:
        assert_valid(validator, one)
    summary = json.loads(result.stderr.strip().splitlines()[-1])["summary"]
    assert set(summary) == SUMMARY_KEYS | {"records_in", "results_out", "skipped", "last_record"}


def test_the_api_gives_valid_results_from_a_path_a_dict_and_a_model(validator, checker):
    path = EXAMPLES / "verification-to-revocation.yaml"
    model = load_case_file(path)[0][0]
    given = [path, str(path), model, model.model_dump(mode="json"), case_with(),
             {"case": "B-1", "exporter": {"tin": 5}}]
    for case in given:
        assert_valid(validator, checker.check(case).to_dict())
    assert_valid(validator, checker.check(path, explain=True, lang="ru").to_dict())


def test_the_api_says_what_it_got_when_it_cannot_take_it(checker):
    with pytest.raises(TypeError, match=r"a case is a rexcheck\.Case, a dict or the path of a "
                       "case file, not int"):
        checker.check(42)
    missing = checker.check("no-such-case.yaml")
    assert missing.outcome == "error" and "no-such-case.yaml" in missing.error


def test_summaries_have_the_same_keys_in_the_api_and_the_commands(checker):
    from rexcheck.engine.services.result import summarise
    from rexcheck.engine.services.screening import Screened
    from rexcheck.engine.services.screening import summarise as summarise_screened

    results = [checker.check(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    screened = [Screened(r.to_json_bytes(), None, r.outcome, len(r.findings), len(r.notices),
                         len(r.pending)) for r in results]
    assert summarise(results) == summarise_screened(screened)
    assert set(summarise(results)) == SUMMARY_KEYS
