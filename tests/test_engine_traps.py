"""The traps of durable_rules 2.0.28 (docs/engine.md), each owned by the runtime."""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest
from conftest import AS_OF, MINIMAL_RULE, case_with, counted, rule_ids, write_pack
from rexcheck.engine.core import runtime as runtime_module
from rexcheck.engine.core.compiler import compile_program
from rexcheck.engine.services.checker import Checker
from rexcheck.facts.base.yamlsource import Positions
from rexcheck.facts.loader import parse_case


def test_rules_really_run_in_durable_rules(checker):
    """A derived fact asserted by one rule triggers another rule inside the engine."""
    program = compile_program(checker.ruleset)
    chained = program.definition["R244-8-registered-despite-ground"]["all"]
    assert {"refusal_ground": {"$and": [{"fact": "refusal_ground"},
                                        {"application": {"application": "ref"}}]}} in chained
    session = checker.runtime.session
    assert session.name.startswith("rexcheck_")
    decision = {"outcome": "registered", "date": dt.date(2026, 3, 18)}
    result = checker.check(case_with(languages=["ru"], decision=decision), AS_OF,
                           explain=True)
    steps = {s.rule_id: s for s in result.trace}
    source = steps["R244-8-1-no-english"]
    assert source.derived["fact"] == "refusal_ground"
    chained_step = steps["R244-8-registered-despite-ground"]
    assert source.derived["ref"] in [f.ref for f in chained_step.facts]
    assert chained_step.index > source.index


def test_an_exception_in_an_action_is_surfaced_not_swallowed(checker, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    normally = rule_ids(checker.check(case_with(languages=["ru"]), AS_OF))
    assert "R244-8-1-no-english" in normally
    monkeypatch.setattr(runtime_module, "derive", broken)
    result = checker.check(case_with(languages=["ru"]), AS_OF)
    assert result.error is not None and "boom" in result.error
    assert "R244-8-1-no-english" in result.error
    # the session was cleaned up: the next case runs normally
    monkeypatch.undo()
    assert rule_ids(checker.check(case_with(languages=["ru"]), AS_OF)) == normally


def test_more_than_1024_cases_in_one_ruleset(tmp_path):
    checker = Checker(write_pack(tmp_path, MINIMAL_RULE))
    results = [checker.check(case_with(channel="email"), AS_OF) for _ in range(1500)]
    assert all(rule_ids(r) == ["T-1-channel"] for r in results)


def test_negation_does_not_depend_on_the_order_facts_arrive_in(checker):
    """p.8 'refused without a ground' negates a fact derived in the same case."""
    decision = {"outcome": "refused", "date": dt.date(2026, 3, 17),
                "notified": dt.date(2026, 3, 18)}
    base = case_with(languages=["ru"], decision=decision)
    base["applications"].append(copy.deepcopy(base["applications"][0]) | {
        "ref": "A2", "languages": ["ru", "en"]})
    expected = None
    for seed in range(6):
        case = copy.deepcopy(base)
        random.Random(seed).shuffle(case["applications"])
        result = checker.check(case, AS_OF)
        got = [(f.rule_id, f.subject.ref) for f in counted(result)]
        expected = expected or got
        assert got == expected
    assert expected == [("R244-8-1-no-english", "A1"), ("R244-8-refused-without-ground", "A2")]


def test_same_facts_in_any_order_give_identical_results(checker):
    case = case_with(languages=["ru"], goods=[
        {"description": "a", "hs_code": "7601", "meets_origin_rules": False},
        {"description": "b", "hs_code": "7605", "meets_origin_rules": False}])
    first = checker.check(case, AS_OF).to_json_bytes()
    case["applications"][0]["goods"].reverse()
    case["applications"][0]["goods"][0], case["applications"][0]["goods"][1] = (
        case["applications"][0]["goods"][1], case["applications"][0]["goods"][0])
    assert checker.check(case, AS_OF).to_json_bytes() == first


def test_non_ascii_text_is_matched_and_kept(checker):
    case = case_with(representative={"name": "Консалт Экспорт ТОО", "power_of_attorney": False})
    (finding,) = [f for f in counted(checker.check(case, AS_OF)) if f.kind == "refusal_ground"]
    assert "Консалт Экспорт ТОО" in finding.message


def test_loose_typing_is_stopped_before_the_engine():
    """durable_rules would let "9" > 10 fire; the fact models refuse the string."""
    from rexcheck.facts.base.errors import InvalidInput

    case = case_with()
    case["applications"][0]["received"] = "not a date"
    with pytest.raises(InvalidInput) as exc:
        parse_case(case, Positions("case.yaml"))
    assert exc.value.diagnostics[0].field == "applications.0.received"


def test_a_fact_with_a_field_named_id_is_refused():
    from rexcheck.facts.base.errors import InvalidInput

    case = case_with()
    case["applications"][0]["id"] = "x"
    with pytest.raises(InvalidInput):
        parse_case(case, Positions("case.yaml"))


def test_a_fact_model_with_a_field_the_engine_reserves_cannot_start_a_runtime(monkeypatch):
    from rexcheck.facts.base.errors import EngineFailure
    from rexcheck.facts.catalog import base_fields

    fields = base_fields()
    fields["application"] = {**fields["application"], "sid": fields["application"]["ref"]}
    monkeypatch.setattr(runtime_module, "base_fields", lambda: fields)
    with pytest.raises(EngineFailure, match="'sid'"):
        Checker()


def test_a_fact_too_wide_for_the_engine_is_a_case_error_not_a_crash(checker, monkeypatch):
    from rexcheck.engine.core import normalise

    monkeypatch.setattr(normalise, "MAX_FACT_FIELDS", 5)
    result = checker.check(case_with(), AS_OF)
    assert counted(result) == []
    assert "more than the engine can take" in result.error


def test_a_fact_matching_no_rule_does_not_stop_the_others(tmp_path):
    checker = Checker(write_pack(tmp_path, MINIMAL_RULE))
    case = case_with(channel="email")
    case["consignments"] = [{"destination": "CH", "value": {"amount": 5, "currency": "CHF"}}]
    assert rule_ids(checker.check(case, AS_OF)) == ["T-1-channel"]


def test_runtime_drives_the_c_layer_without_the_stock_host(checker):
    import durable.engine

    assert not any(isinstance(v, durable.engine.Host) for v in vars(checker.runtime).values())


@pytest.mark.parametrize("headings, fires", [(20, True), (21, False), (10**30, False)])
def test_an_integer_beyond_64_bits_still_reaches_the_engine_and_compares_right(
        checker, headings, fires):
    """orjson refuses integers beyond 64 bits; those facts go through the standard library's
    JSON instead, and the engine still compares them as numbers."""
    goods = [{"description": "Cereals", "hs_code": "10", "meets_origin_rules": True}]
    result = checker.check(case_with(goods=goods, headings_covered=headings), AS_OF)
    assert result.error is None
    assert ("R244-App1-chapters-for-few-headings" in rule_ids(result)) is fires


def _leak_prone_cases() -> list[dict]:
    """Cases whose findings change if facts of an earlier case were still in the engine:
    the same refs, and rules that test for the absence of a derived fact."""
    refused = {"outcome": "refused", "date": dt.date(2026, 3, 17),
               "notified": dt.date(2026, 3, 18)}
    return [
        case_with(languages=["ru"], decision=refused),  # refused on a ground
        case_with(decision=refused),  # the same refs, refused without a ground
        case_with(languages=["ru"]),
        case_with(),
        case_with(channel="email", decision=refused),
    ]


def test_one_engine_state_serves_case_after_case_and_keeps_nothing_between_them(
        checker, monkeypatch):
    """The runtime takes each case's facts back out of the engine instead of deleting and
    recreating its state per case (docs/engine.md). Every case must give what it gives on
    a state of its own, in any order, and the state must come out clean every time."""
    cases = _leak_prone_cases()
    # each case on an engine of its own
    alone = [Checker(checker.ruleset).check(case, AS_OF).to_json_bytes() for case in cases]
    deleted = []
    monkeypatch.setattr(runtime_module.dre, "delete_state",
                        lambda handle, sid, real=runtime_module.dre.delete_state:
                        (deleted.append(sid), real(handle, sid))[1])
    for order in (cases, cases[::-1], cases + cases):
        for case in order:
            expected = alone[cases.index(case)]
            assert checker.check(case, AS_OF).to_json_bytes() == expected
            session = checker.runtime.session  # facts are taken back by id: none is left
            assert runtime_module.dre.get_facts(session.handle, session._sid) == "[]"
    assert deleted == []  # every case was retracted cleanly; no state was thrown away
    assert alone[0] != alone[1]  # the two refused cases do differ


def test_no_pattern_tests_the_same_thing_twice(checker):
    # a rule's own `exists` and the guards of its comparisons often coincide; each copy would
    # be one more alpha node every fact of the type is tested against
    import json

    program = compile_program(checker.ruleset)
    checked = 0
    for rule in program.definition.values():
        for pattern in rule["all"]:
            (body,) = pattern.values()
            if "$and" in body:
                tests = [json.dumps(t, sort_keys=True) for t in body["$and"]]
                assert len(tests) == len(set(tests)), pattern
                checked += 1
    assert checked > 50


def test_the_width_limit_counts_the_fields_added_for_due_dates_and_patterns(checker,
                                                                              monkeypatch):
    from rexcheck.engine.core import normalise
    from rexcheck.engine.core.normalise import case_facts

    case = parse_case(case_with(), Positions("<case>"))
    widest = max(len(fact) for fact in case_facts(case))
    monkeypatch.setattr(normalise, "MAX_FACT_FIELDS", widest)  # the case's own facts fit
    result = checker.check(case, AS_OF)
    assert "more than the engine can take" in result.error  # with `_as_of` and due dates not


def test_a_negation_of_the_cases_own_facts_needs_no_marker_and_decides_rightly(checker,
                                                                                monkeypatch):
    """R244-8-1-no-goods negates goods items, which the runtime sends before applications
    (compiler.base_order): it runs in stratum 0, without a marker, and must decide rightly
    with goods listed anywhere, and leave the engine state clean (docs/engine.md)."""
    program = checker.runtime.program
    assert program.actions["R244-8-1-no-goods"].stratum == 0
    assert program.type_order["goods_item"] < program.type_order["application"]
    deleted = []
    monkeypatch.setattr(runtime_module.dre, "delete_state",
                        lambda handle, sid, real=runtime_module.dre.delete_state:
                        (deleted.append(sid), real(handle, sid))[1])
    goods = case_with()["applications"][0]["goods"]
    for case in (case_with(), case_with(goods=goods * 3), case_with(goods=[])):
        two = copy.deepcopy(case)
        two["applications"].append(copy.deepcopy(two["applications"][0]) | {"ref": "A0"})
        for c in (case, two):
            result = checker.check(c, AS_OF)
            no_goods = [f.subject.ref for f in result.findings if f.rule_id == "R244-8-1-no-goods"]
            expected = [] if c["applications"][0]["goods"] else sorted(
                a["ref"] for a in c["applications"])
            assert sorted(no_goods) == expected
    assert deleted == []


def _fnv1a32(text: str) -> int:
    """The hash durable_rules files a fact under (state.c fnv1Hash32 of its id)."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def test_the_ids_of_a_case_facts_never_share_the_engine_hash():
    """The engine answers "already observed" for a fact whose id hashes like one it holds,
    without comparing them. The runtime's ids are the facts' positions (and m1, m2... for the
    stratum markers): up to 300,000 facts in a case, far past the record limit, no two meet."""
    ids = [str(i) for i in range(300_000)] + [f"m{n}" for n in range(1, 100)]
    assert len({_fnv1a32(i) for i in ids}) == len(ids)


def test_a_case_the_engine_takes_for_one_it_holds_is_run_again_under_a_new_state(
        checker, monkeypatch):
    """Should the state's own record ("sid-N") hash like one of the case's facts, the engine
    would drop that fact as already observed: the case is run again under a new state and
    judged whole, never without the fact."""
    case = case_with(languages=["ru"])
    expected = checker.check(case, AS_OF).to_json_bytes()
    real = runtime_module.dre.assert_facts
    calls = []

    def once_observed(handle, text):
        calls.append(text)
        result = real(handle, text)
        return (2, result[1]) if len(calls) == 1 else result

    monkeypatch.setattr(runtime_module.dre, "assert_facts", once_observed)
    before = checker.runtime.session._sid
    assert checker.check(case, AS_OF).to_json_bytes() == expected
    assert len(calls) == 2 and checker.runtime.session._sid != before


def test_a_case_met_twice_by_the_hash_is_an_error_not_a_decision(checker, monkeypatch):
    real = runtime_module.dre.assert_facts
    monkeypatch.setattr(runtime_module.dre, "assert_facts",
                        lambda handle, text: (2, real(handle, text)[1]))
    result = checker.check(case_with(), AS_OF)
    assert result.outcome == "error"
    assert "already held" in result.errors[0].message
    monkeypatch.undo()
    assert checker.check(case_with(), AS_OF).outcome != "error"  # the engine serves on
