"""A broken rule file is rejected whole, with file:line:column, rule id, field and a hint."""

from __future__ import annotations

import pytest
from conftest import MINIMAL_RULE, write_pack
from rexcheck.engine.core.loader import load_rules
from rexcheck.facts.base.errors import InvalidInput


def errors_of(tmp_path, text: str) -> list:
    write_pack(tmp_path, text)
    with pytest.raises(InvalidInput) as exc:
        load_rules(tmp_path)
    return sorted(exc.value.diagnostics)


def test_minimal_pack_loads(tmp_path):
    ruleset = load_rules(write_pack(tmp_path, MINIMAL_RULE))
    assert [r.rule.id for r in ruleset.rules] == ["T-1-channel"]


def test_unknown_rule_field_names_line_column_rule_and_suggests(tmp_path):
    (d,) = errors_of(tmp_path, MINIMAL_RULE.replace("    description: test",
                                                   "    descripton: test"))
    assert (d.line, d.column) == (8, 5)
    assert d.rule_id == "T-1-channel"
    assert d.field == "descripton"
    assert d.code == "extra-forbidden"
    assert "did you mean 'description'?" in d.format()
    assert d.format().startswith(f"{tmp_path}/test/pack.yaml:8:5: error: rule T-1-channel:")


def test_unknown_condition_field_suggests_the_right_one(tmp_path):
    (d,) = errors_of(tmp_path, MINIMAL_RULE.replace("application.channel, eq",
                                                   "application.chanel, eq"))
    assert (d.line, d.column) == (10, 12) and d.code == "unknown-field"
    assert d.hint == "did you mean 'application.channel'?"


def test_value_that_is_not_a_choice_of_the_field_is_an_error(tmp_path):
    (d,) = errors_of(tmp_path, MINIMAL_RULE.replace("eq: email", "eq: emial"))
    assert d.code == "bad-value" and d.hint == "did you mean 'email'?"


def test_wrong_type_in_condition(tmp_path):
    (d,) = errors_of(tmp_path, MINIMAL_RULE.replace(
        "{field: application.channel, eq: email}", "{field: application.received, gt: 5}"))
    assert d.code == "type-mismatch" and "application.received is date" in d.message


def test_unknown_operator(tmp_path):
    (d,) = errors_of(tmp_path, MINIMAL_RULE.replace("eq: email", "equals: email"))
    assert d.code == "bad-operator" and d.hint == "did you mean 'eq'?"


def test_missing_citation_is_an_error(tmp_path):
    text = MINIMAL_RULE.replace('    citation: {ref: Order 244 p.4, text: "Application No. 1 shall be filled in Kazakh or Russian and in English."}\n', "")
    (d,) = errors_of(tmp_path, text)
    assert d.code == "missing" and d.field == "citation"


def test_citation_must_be_canonical(tmp_path):
    (d,) = errors_of(tmp_path, MINIMAL_RULE.replace("Order 244 p.4", "Order 244 paragraph 4"))
    assert d.field == "citation.ref" and d.code == "string-pattern-mismatch"


def test_all_errors_of_a_pack_are_reported_at_once(tmp_path):
    text = MINIMAL_RULE.replace("descripton", "description").replace(
        "    description: test", "    descripton: test").replace("eq: email", "eq: emial")
    write_pack(tmp_path, text)
    write_pack(tmp_path, MINIMAL_RULE.replace("T-1-channel", "T-2-channel").replace(
        "applies_to: application", "applies_to: aplication"), name="second.yaml")
    with pytest.raises(InvalidInput) as exc:
        load_rules(tmp_path)
    codes = sorted(d.code for d in exc.value.diagnostics)
    assert codes == ["extra-forbidden", "unknown-fact"]


def test_duplicate_rule_ids_across_files(tmp_path):
    write_pack(tmp_path, MINIMAL_RULE)
    write_pack(tmp_path, MINIMAL_RULE, name="copy.yaml")
    with pytest.raises(InvalidInput) as exc:
        load_rules(tmp_path)
    assert [d.code for d in exc.value.diagnostics] == ["duplicate-id"]


def test_duplicate_yaml_key_is_an_error(tmp_path):
    text = MINIMAL_RULE.replace("    title: test rule\n", "    title: test rule\n    title: again\n")
    (d,) = errors_of(tmp_path, text)
    assert d.code == "duplicate-key" and d.line == 7


def test_python_tag_in_a_rule_file_is_refused_not_run(tmp_path):
    marker = tmp_path / "pwned"
    text = MINIMAL_RULE.replace('text: "Application No. 1 shall be filled in Kazakh or Russian and in English."',
                                f"text: !!python/object/apply:os.system ['touch {marker}']")
    (d,) = errors_of(tmp_path, text)
    assert d.code == "yaml-tag"
    assert not marker.exists()


def test_derived_fact_must_be_declared(tmp_path):
    text = MINIMAL_RULE.replace(
        '      finding: {kind: flag, message: "sent by {application.channel}"}',
        "      derive: {fact: undeclared, set: {x: 1}}")
    (d,) = errors_of(tmp_path, text)
    assert d.code == "unknown-fact"


def test_message_placeholder_must_name_a_field(tmp_path):
    (d,) = errors_of(tmp_path, MINIMAL_RULE.replace("{application.channel}\"",
                                                   "{application.chanel}\""))
    assert d.code == "unknown-field"


def test_shipped_rules_load(checker):
    assert len(checker.ruleset.rules) >= 10
    assert all(r.rule.citation.text for r in checker.ruleset.rules)


def test_negation_joined_to_an_optional_field_must_be_guarded(tmp_path):
    """With the joined field missing the engine decides the absence wrongly (measured)."""
    text = MINIMAL_RULE.replace(
        "    when: {field: application.channel, eq: email}\n",
        "    when: {field: application.channel, eq: email}\n"
        "    without:\n"
        "      - fact: registration\n"
        "        where: {field: registration.number, eq: {field: application.tin}}\n")
    (d,) = errors_of(tmp_path, text)
    assert d.code == "negation-on-optional"
    assert d.hint.startswith("add {field: application.tin, exists: true}")


def test_join_inside_any_is_refused(tmp_path):
    text = MINIMAL_RULE.replace(
        "    when: {field: application.channel, eq: email}\n",
        "    when: {field: application.channel, eq: email}\n"
        "    with:\n"
        "      - fact: registration\n"
        "        where: {any: [{field: registration.number, eq: {field: application.ref}},"
        " {field: registration.number, eq: x}]}\n")
    (d,) = errors_of(tmp_path, text)
    assert d.code == "join-in-any"
