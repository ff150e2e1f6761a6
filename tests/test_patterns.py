"""`matches` and `not matches`: the whole value against a pattern, anywhere in a condition.

Each pattern a rule uses is tested when the facts are made (base facts, and derived facts as
they are derived); the engine tests the result. So `not matches` needs no helper rule and may
stand inside `any` and `not`, and a missing value never matches.
"""

from __future__ import annotations

from conftest import AS_OF, MINIMAL_RULE, case_with, write_pack
from rexcheck.engine.core.compiler import compile_program
from rexcheck.engine.core.loader import load_rules
from rexcheck.engine.services.checker import Checker

EMAIL_OR_BAD_TIN = MINIMAL_RULE.replace(
    "when: {field: application.channel, eq: email}",
    "when: {any: [{field: application.channel, eq: email},"
    " {not: {field: application.tin, matches: 'KZ[0-9]{12}'}}]}")


def fired(tmp_path, pack: str, **application) -> list[str]:
    """The rules of `pack` that fire on the clean case with the application's fields changed."""
    result = Checker(load_rules(write_pack(tmp_path, pack))).check(case_with(**application),
                                                                    AS_OF)
    assert result.error is None, result.error
    return [f.rule_id for f in result.findings]


def test_not_matches_inside_any_fires_on_a_value_that_does_not_match(tmp_path):
    assert fired(tmp_path, EMAIL_OR_BAD_TIN, tin="KZ12345") == ["T-1-channel"]
    assert fired(tmp_path, EMAIL_OR_BAD_TIN, tin="KZ0101400001234") == ["T-1-channel"]


def test_not_matches_inside_any_does_not_fire_on_a_value_that_matches(tmp_path):
    assert fired(tmp_path, EMAIL_OR_BAD_TIN, tin="KZ010140000123") == []


def test_the_other_branch_of_the_any_still_fires(tmp_path):
    assert fired(tmp_path, EMAIL_OR_BAD_TIN, tin="KZ010140000123", channel="email") == [
        "T-1-channel"]


def test_a_missing_value_does_not_match(tmp_path):
    matches = MINIMAL_RULE.replace(
        "when: {field: application.channel, eq: email}",
        "when: {field: application.tin, matches: 'KZ[0-9]{12}'}")
    assert fired(tmp_path, matches, tin=None) == []
    assert fired(tmp_path, matches) == ["T-1-channel"]
    assert fired(tmp_path, EMAIL_OR_BAD_TIN, tin=None) == ["T-1-channel"]


def test_the_whole_value_must_match_and_a_dot_matches_any_character(tmp_path):
    pack = MINIMAL_RULE.replace(
        "when: {field: application.channel, eq: email}",
        "when: {field: application.exporter_name, matches: 'Altyn.Dala.*'}")
    assert fired(tmp_path, pack, exporter_name="Altyn Dala LLP") == ["T-1-channel"]
    assert fired(tmp_path, pack, exporter_name="AltynЖDala\nLLP") == ["T-1-channel"]
    assert fired(tmp_path, pack, exporter_name="The Altyn Dala LLP") == []


DERIVED_PACK = """\
act: Order 244
title: test pack
versions: [order-244]
derived:
  flagged:
    description: an application flagged by the first rule
    fields: {application: str, ground: str}
rules:
  - id: T-1-flag
    title: flag every application sent by e-mail
    citation: {ref: Order 244 p.4, text: "Application No. 1 shall be filled in Kazakh or Russian and in English."}
    description: test
    applies_to: application
    when: {field: application.channel, eq: email}
    then:
      derive:
        fact: flagged
        set: {application: {field: application.ref}, ground: "Order 244 p.8(1)"}
  - id: T-2-ground
    title: a flag whose ground is not a paragraph of p.8
    citation: {ref: Order 244 p.8, text: "shall notify the exporter of the refusal to register in the REX system"}
    description: test
    applies_to: flagged
    when: {not: {field: flagged.ground, matches: 'Order 244 p[.]8[(][0-9][)]'}}
    then:
      finding: {kind: flag, message: "ground {flagged.ground}"}
  - id: T-3-ground
    title: a flag whose ground is a paragraph of p.8
    citation: {ref: Order 244 p.8, text: "shall notify the exporter of the refusal to register in the REX system"}
    description: test
    applies_to: flagged
    when: {field: flagged.ground, matches: 'Order 244 p[.]8[(][0-9][)]'}
    then:
      finding: {kind: flag, message: "ground {flagged.ground}"}
"""


def test_patterns_are_tested_on_derived_facts_too(tmp_path):
    assert fired(tmp_path, DERIVED_PACK, channel="email") == ["T-3-ground"]
    assert fired(tmp_path, DERIVED_PACK.replace('ground: "Order 244 p.8(1)"',
                                                'ground: "Order 244 p.9"'),
                 channel="email") == ["T-2-ground"]
    assert fired(tmp_path, DERIVED_PACK) == []


def test_not_matches_needs_no_helper_rule_and_no_later_stratum(tmp_path):
    ruleset = load_rules(write_pack(tmp_path, EMAIL_OR_BAD_TIN))
    program = compile_program(ruleset)
    assert sorted(program.actions) == ["T-1-channel"]
    assert program.strata == 0
    (test,) = program.patterns_by_type()["application"]
    assert test.key.startswith("_mt__tin__")
