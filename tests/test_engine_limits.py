"""durable_rules' fixed tables (engine/core/limits.py): the compiler keeps a ruleset inside them by
dealing its rules into chunks (engine/core/partition.py), and refuses at load, naming the limit and
the rules, what no chunking fits; never a bare engine error per record."""

from __future__ import annotations

import json
import shutil

import durable_rules_engine as dre
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT
from rexcheck.cli.main import main
from rexcheck.engine.core.compiler import compile_program
from rexcheck.engine.core.limits import STACK, Network
from rexcheck.engine.core.loader import load_rules
from rexcheck.engine.core.partition import CHUNK, chunk, fit
from rexcheck.engine.services.checker import Checker
from rexcheck.facts.base.errors import InvalidInput


def _fanned(rules: int) -> dict:
    """`rules` rules, each testing one more threshold of the same field of one fact type: a
    fact above all of them passes every test at once."""
    return {f"r{i}": {"all": [{"x": {"$and": [{"fact": "x"}, {"$gt": {"v": i}}]}}]}
            for i in range(rules)}


def _fired(definition: dict) -> tuple[int, set[str]]:
    """Assert one fact above every threshold: the engine's code, and the rules that fire."""
    handle = dre.create_ruleset(f"limits_{id(definition)}_{len(definition)}",
                                json.dumps(definition))
    try:
        result = dre.assert_fact(handle, json.dumps({"id": 1, "sid": "1", "fact": "x",
                                                     "v": 10_000}))
    except dre.error as exc:
        return int(str(exc).rsplit(" ", 1)[-1]), set()
    fired = set()
    action = dre.start_action_for_state(handle, result[1])
    message = action[1] if action else None
    while message:
        fired.update(json.loads(message))
        message = dre.complete_and_start_action(handle, result[1])
    return result[0], fired


def test_the_model_finds_the_stack_wall_where_the_engine_meets_it():
    fits, past = _fanned(STACK), _fanned(STACK + 6)
    assert Network(fits).check() == []
    assert _fired(fits) == (0, set(fits))
    excess = Network(past).check()
    assert [e.limit for e in excess] == ["MAX_STACK_SIZE"]
    assert excess[0].where == 'fact == "x"' and excess[0].rules == list(past)
    assert _fired(past)[0] == 303  # the engine's ERR_MAX_STACK_SIZE, for this fact


def test_a_ruleset_past_a_wall_is_dealt_into_chunks_that_fire_every_rule():
    past = _fanned(200)
    definition, chunks = fit(past, (), {}, lambda name: ("f", 1, 1, name))
    assert chunks > 1 and Network(definition).check() == []
    assert _fired(definition) == (0, set(past))


def test_the_shipped_packs_are_compiled_as_they_always_were():
    program = compile_program(load_rules())
    assert program.chunks == 1
    assert CHUNK not in json.dumps(program.definition)


def test_chunks_change_nothing_the_packs_decide(monkeypatch):
    """The shipped packs forced into 3 chunks give the very same results (the bench
    population; bench/grow.py measured 5,000 cases byte-identical in 2, 3 and 7 chunks)."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    import generate
    from rexcheck.engine.core import compiler

    lines = list(generate.lines(300, seed=5))
    plain = [r.to_json_bytes() for r in Checker().check_all(map(json.loads, lines))]
    monkeypatch.setattr(compiler, "fit", lambda d, fixed, rule_of, where:
                        (chunk(d, 3, fixed, rule_of), 3))
    checker = Checker()
    assert checker.runtime.program.chunks == 3
    assert [r.to_json_bytes() for r in checker.check_all(map(json.loads, lines))] == plain


def _wide_pack(tmp_path, matches: int):
    """The shipped packs and one rule matching an application with `matches` goods items."""
    root = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", root,
                    ignore=shutil.ignore_patterns("__pycache__", "__init__.py", "tests"))
    withs = "".join(f"      - fact: goods_item\n        as: goods{i}\n        where: {{field: "
                    f"goods{i}.application, eq: {{field: application.ref}}}}\n"
                    for i in range(matches))
    (root / "order-244" / "wide.yaml").write_text(
        "act: Order 244\ntitle: One rule matching many goods items together\n"
        "versions: [order-244]\nrules:\n"
        "  - id: R244-8-wide\n"
        "    title: Application No. 1 with many goods items\n"
        "    citation:\n      ref: Order 244 p.8(1)\n"
        "      text: 1) provision of incomplete and (or) inaccurate information\n"
        "    description: An application with many goods items at once.\n"
        "    applies_to: application\n"
        f"    with:\n{withs}"
        "    then:\n      finding:\n        kind: flag\n        severity: info\n"
        "        message: many goods items\n        message_ru: много товаров\n",
        encoding="utf-8")
    return root


def test_a_pack_past_a_limit_is_refused_at_load_with_the_limit_and_the_rule(tmp_path):
    root = _wide_pack(tmp_path, 16)  # 17 facts matched together; the engine's frame holds 16
    wide = root / "order-244" / "wide.yaml"
    with pytest.raises(InvalidInput) as refused:
        Checker(root)
    [d] = refused.value.diagnostics
    assert (d.file, d.line, d.code, d.rule_id) == (str(wide), 5, "engine-limit", "R244-8-wide")
    assert "MAX_MESSAGE_FRAMES (16, state.h): 17 where at most 16 fit" in d.message
    assert f"R244-8-wide ({wide}:5)" in d.message
    runner = CliRunner()
    for args in (["rules", "lint", "--rules", str(root)],
                 ["check", "--rules", str(root), str(EXAMPLES / "registered-clean.yaml")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, args
        assert f"{wide}:5:5: error: rule R244-8-wide" in result.output
        assert "MAX_MESSAGE_FRAMES" in result.output and "[engine-limit]" in result.output


def test_a_pack_at_the_limit_loads(tmp_path):
    Checker(_wide_pack(tmp_path, 15))  # 16 facts together: the frame's size


def test_the_model_finds_the_frame_wall_where_the_engine_meets_it():
    for n, code in ((16, 0), (17, 304)):  # 304: ERR_MAX_MESSAGES_IN_FRAME, for the case
        definition = {"r": {"all": [{f"a{i}": {"$and": [{"fact": "x"}, {"n": i}]}}
                                    for i in range(n)]}}
        assert [e.limit for e in Network(definition).check()] == (
            ["MAX_MESSAGE_FRAMES"] if code else [])
        handle = dre.create_ruleset(f"frames_{n}", json.dumps(definition))
        facts = json.dumps([{"id": i, "sid": "1", "fact": "x", "n": i} for i in range(n)])
        if code:
            with pytest.raises(dre.error, match=str(code)):
                dre.assert_facts(handle, facts)
        else:
            assert dre.assert_facts(handle, facts)[0] == 0
