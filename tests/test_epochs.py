"""Rules by law epoch (engine/core/epochs.py): a case runs against the rules in force on its
dates only, and its result is the same, byte for byte, as under the whole catalogue."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, case_with
from rexcheck.engine.authoring.ruletests import load_tests
from rexcheck.engine.core import runtime as runtime_module
from rexcheck.engine.core.epochs import SESSIONS, Epochs, hazard_types, shadows
from rexcheck.engine.core.normalise import day_number
from rexcheck.engine.services.checker import Checker

sys.path.insert(0, str(ROOT / "bench"))
import generate
import grow


def _results(checker: Checker, cases: list, explain: bool = False) -> list[bytes]:
    return [r.to_json_bytes() for r in checker.check_all(cases, explain=explain)]


def _without_digest(lines: list[bytes]) -> list[dict]:
    out = []
    for line in lines:
        result = json.loads(line)
        result["audit"].pop("rules_digest")
        out.append(result)
    return out


@pytest.fixture(scope="module")
def population() -> list[dict]:
    return [json.loads(line) for line in generate.lines(400, seed=11)]


@pytest.fixture(scope="module")
def later(tmp_path_factory) -> Checker:
    """The shipped packs and two copies in force under later versions of the acts only."""
    return Checker(grow.grow(tmp_path_factory.mktemp("later") / "rules", 3, mode="later"))


def test_the_shipped_packs_run_in_one_ruleset_as_always(checker):
    epochs = Epochs(checker.runtime.program)
    assert not epochs.worth_it() and checker.runtime.epochs is None


def test_a_rule_is_in_force_in_the_epochs_of_its_period(checker):
    program = checker.runtime.program
    epochs = Epochs(program)
    for name, compiled in program.actions.items():
        start, end = compiled.period
        mask = epochs.in_force[name]
        if compiled.aliases[compiled.judged.alias] not in epochs.keys:
            assert mask == epochs.everything  # judged on a derived fact: everywhere
            continue
        for day in (start, end):
            if day is None:
                continue
            fact = {"fact": compiled.aliases[compiled.judged.alias],
                    compiled.judged.key: day_number(day)}
            assert epochs.touched([fact]) & mask, (name, day)
        before = {"fact": compiled.aliases[compiled.judged.alias],
                  compiled.judged.key: day_number(start - dt.timedelta(days=1))}
        assert not epochs.touched([before]) & mask, name


def test_a_date_the_engine_could_not_compare_keeps_every_rule(checker):
    epochs = Epochs(checker.runtime.program)
    assert epochs.touched([{"fact": "application", "_on": "2025-01-01"}]) == epochs.everything


def test_a_catalogue_of_later_versions_runs_each_case_in_the_rules_in_force(later, population):
    runtime = later.runtime
    assert runtime.epochs is not None and runtime.program.chunks == 1
    got = _results(later, population)
    assert _without_digest(got) == _without_digest(_results(Checker(), population))
    # the cases of today touch none of the later versions: their rules are left out
    assert runtime._live
    for session in runtime._live.values():
        assert len(session.program.definition) < len(runtime.program.definition) / 2


def test_the_shipped_packs_decide_the_same_split_by_epochs(monkeypatch, population):
    """Forced to split, the shipped packs give every result byte for byte as one ruleset:
    the bench population, the examples and every rule test (with the trace of firings),
    and still when only one ruleset may stay live at a time."""
    examples = sorted(EXAMPLES.glob("*.yaml"))
    plain = Checker()
    tests = load_tests(ROOT / "rules", plain.ruleset)
    rule_tests = [(t.case, t.test.as_of) for t in tests]
    expected = (_results(plain, population), _results(plain, examples, explain=True),
                [plain.check(c, on, explain=True).to_json_bytes() for c, on in rule_tests])
    monkeypatch.setattr(Epochs, "worth_it", lambda self: True)
    closed = []
    close = runtime_module._Session.close
    monkeypatch.setattr(runtime_module._Session, "close",
                        lambda self: (closed.append(self), close(self)))
    for live in (SESSIONS, 1):
        split = Checker()
        split.runtime.sessions_kept = live
        assert split.runtime.epochs is not None
        got = (_results(split, population), _results(split, examples, explain=True),
               [split.check(c, on, explain=True).to_json_bytes() for c, on in rule_tests])
        assert got == expected
        assert 1 <= len(split.runtime._live) <= live
    assert closed  # one live ruleset at a time: the older ones were closed on the way


def test_screening_a_catalogue_of_later_versions_gives_the_same_bytes_with_two_workers(
        later, population):
    """Each worker makes its own rulesets, in the order its own cases need them: the output
    is the same bytes as one process's."""
    from rexcheck.engine.services.screening import screen
    from rexcheck.facts.records import read_records

    path = later.ruleset.root
    source = Path(path).parent / "population.jsonl"
    source.write_text("".join(json.dumps(case) + "\n" for case in population), "utf-8")
    one = [s.line for s in screen(read_records([str(source)]), path, None, workers=1)]
    two = [s.line for s in screen(read_records([str(source)]), path, None, workers=2)]
    assert one == two and len(one) == len(population)


PAIRING = """act: Order 244
chapter: "5"
title: A rule matching two kept items (tests/test_epochs.py)
versions: [order-244-later]
rules:
  - id: R244-21-pairing
    title: Two kept items
    citation:
      ref: Order 244 p.21
      text: >-
        The documents specified in paragraphs 4, 13 and 16 of these Rules shall be stored in
        an authorized organization for 5 (five) years.
    description: Each kept item with every other received since Order 244 applies.
    applies_to: kept_item
    judged_on: kept_item.received
    with:
      - fact: kept_item
        as: other
        where: {field: other.received, gte: 2021-04-11}
    then:
      finding:
        kind: flag
        severity: warning
        message: "{kept_item.ref} paired with {other.ref}"
        message_ru: "{kept_item.ref} в паре с {other.ref}"
"""


@pytest.fixture(scope="module")
def pairing(tmp_path_factory) -> Path:
    """The shipped packs, a later version of Order 244 from 2032-06-01, and one rule of it
    with two patterns on kept items whose second shares its first test with the chapter 5
    rules of the version before (a review's example)."""
    root = tmp_path_factory.mktemp("pairing") / "rules"
    shutil.copytree(ROOT / "rules", root,
                    ignore=shutil.ignore_patterns("__pycache__", "__init__.py", "tests"))
    law = (root / "law.yaml").read_text("utf-8")
    entry = ("      - id: order-244-later\n        title: Order 244, a later version\n"
             "        from: 2032-06-01\n        confirmed: true\n        citation:\n"
             "          ref: Order 244 item 4\n          text: a later version\n")
    at = law.index("\n  Order 358:")
    while law[at - 1] == "\n":
        at -= 1
    (root / "law.yaml").write_text(law[:at + 1] + entry + law[at + 1:], "utf-8")
    (root / "order-244" / "zz-pairing.yaml").write_text(PAIRING, "utf-8")
    return root


def test_a_rule_matching_two_facts_of_one_type_fires_in_the_whole_catalogues_order(
        pairing, monkeypatch):
    """Left out, the chapter 5 rules of the version before would no longer make the test the
    pairing rule's second pattern starts with, and its two matches would fire the other way
    round; their shadows keep the order, in a ruleset of its own and in one widened by an
    earlier case."""
    items = [{"ref": "K1", "kind": "revocation_request", "received": "2032-07-01"},
             {"ref": "K2", "kind": "revocation_request", "received": "2032-08-01"}]
    case = {"case": "P1", "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
            "kept_items": items}
    earlier = {**case, "case": "P0", "kept_items": [{**items[0], "received": "2022-07-01"}]}
    on = dt.date(2033, 1, 10)
    whole = Checker(pairing)
    assert whole.runtime.epochs is None
    expected = whole.check(case, on, explain=True).to_json_bytes()
    pairs = [(f["message"], f["firing"]) for f in json.loads(expected)["findings"]
             if "paired" in f["message"]]
    assert sorted(pairs) == [("K1 paired with K2", 0), ("K2 paired with K1", 1)]
    monkeypatch.setattr(Epochs, "worth_it", lambda self: True)
    alone = Checker(pairing)
    assert "kept_item" in hazard_types(alone.runtime.program.definition)
    assert alone.check(case, on, explain=True).to_json_bytes() == expected
    widened = Checker(pairing)
    widened.check(earlier, on)
    assert widened.check(case, on, explain=True).to_json_bytes() == expected


def test_a_shadow_makes_the_shared_tests_and_stops_where_sharing_stops():
    rule = {"all": [
        {"a": {"$and": [{"fact": "x"}, {"$gte": {"_on": 10}}, {"v": 1},
                        {"$or": [{"w": 2}, {"$and": [{"w": 3}, {"u": {"b": "u"}}]}]},
                        {"z": 4}]}},
        {"b": {"$and": [{"fact": "x"}, {"v": 1}, {"u": {"a": "u"}}, {"z": 5}]}},
        {"c$not": {"$and": [{"fact": "y"}, {"v": 9}]}},
    ]}
    [shadow] = shadows(rule, {"x"})
    chains = [next(iter(p.values()))["$and"] for p in shadow["all"]]
    never = {"fact": "$never"}
    assert chains == [
        [{"fact": "x"}, {"$gte": {"_on": 10}}, {"v": 1}, {"w": 2}, never],  # a branch
        [{"fact": "x"}, {"$gte": {"_on": 10}}, {"v": 1}, {"w": 3}, never],  # up to its join
        [{"fact": "x"}, {"$gte": {"_on": 10}}, {"v": 1}, never],  # what comes after the $or
        [{"fact": "x"}, {"v": 1}, never],  # up to the join
    ]  # and nothing of type y, which no rule matches twice
    assert hazard_types({"r": rule}) == {"x"}
    assert shadows(rule, set()) == []


def test_a_ruleset_the_engine_refuses_mid_run_leaves_the_whole_catalogue_to_judge(
        later, population, monkeypatch):
    """Should the engine refuse to create a smaller ruleset while cases are screened, the
    whole catalogue's judges them (the same bytes), rather than the batch failing."""
    from rexcheck.engine.core import runtime as runtime_module

    expected = _results(Checker(later.ruleset.root), population[:50])
    fresh = Checker(later.ruleset.root)
    made = runtime_module._Session.__init__

    def refused(self, program, due_day):
        if program is not fresh.runtime.program:
            raise runtime_module.dre.error("Could not create ruleset, error code: 101")
        made(self, program, due_day)

    monkeypatch.setattr(runtime_module._Session, "__init__", refused)
    assert _results(fresh, population[:50]) == expected
    assert list(fresh.runtime._live.values()) == [fresh.runtime.session]


def test_split_in_chunks_the_shipped_packs_decide_the_same(monkeypatch, population):
    """Dealt into 3 chunks, the whole catalogue and the same split by epochs give the same
    bytes: rulesets keep the chunks on registrations, which R244-18 and R244-20 match twice,
    and drop them elsewhere."""
    from rexcheck.engine.core import compiler
    from rexcheck.engine.core.partition import CHUNK, chunk

    monkeypatch.setattr(compiler, "fit", lambda d, fixed, rule_of, where:
                        (chunk(d, 3, fixed, rule_of), 3))
    examples = sorted(EXAMPLES.glob("*.yaml"))
    whole = Checker()
    assert whole.runtime.program.chunks == 3 and whole.runtime.epochs is None
    expected = (_results(whole, population, explain=True), _results(whole, examples, True))
    monkeypatch.setattr(Epochs, "worth_it", lambda self: True)
    split = Checker()
    assert (_results(split, population, explain=True), _results(split, examples, True)
            ) == expected
    assert hazard_types(split.runtime.program.definition) == {"registration"}
    for session in split.runtime._live.values():
        for name, rule in session.program.definition.items():
            for pattern in rule["all"]:
                text = json.dumps(pattern)
                assert (CHUNK in text) == ('"fact": "registration"' in text), (name, text)


@pytest.fixture(scope="module")
def amended(tmp_path_factory) -> Path:
    """The shipped packs with Order 244 amended on 2024-01-01: its rules stop on 2023-12-31
    and a copy of them (own ids, own derived facts) is in force from then on. The bench
    population's dates fall on both sides, so cases touch one version or both, and rules of
    both versions fire."""
    root = tmp_path_factory.mktemp("amended") / "rules"
    source = ROOT / "rules"
    shutil.copytree(source, root,
                    ignore=shutil.ignore_patterns("__pycache__", "__init__.py", "tests"))
    acts = {"Order 244": ["order-244"]}
    files = [p for p in grow.rule_files(source) if p.parent.name == "order-244"]
    # the derived facts Order 244's files declare (those of Order 358 keep their names)
    derived = sorted({name for path in files
                      for block in grow.DERIVED.findall(path.read_text("utf-8"))
                      for name in grow.DERIVED_NAME.findall(block)}, key=lambda n: (-len(n), n))
    for path in files:
        copied = grow.later_versions(grow.copy_text(path.read_text("utf-8"), 2, derived),
                                     acts, 2)
        (root / "order-244" / f"{path.stem}.x2.yaml").write_text(copied, "utf-8")
    law = root / "law.yaml"
    law.write_text(grow.later_law(law.read_text("utf-8"), acts, 2, first=2022), "utf-8")
    return root


def test_an_amended_act_split_by_epochs_decides_as_the_whole_catalogue(amended, population,
                                                                       monkeypatch):
    """The bench population, the examples, and applications received on the last day of the
    first version and the first day of the amended one."""
    examples = sorted(EXAMPLES.glob("*.yaml"))
    edges = []
    for day in (dt.date(2023, 12, 31), dt.date(2024, 1, 1)):  # either side of the cut
        edge = case_with(received=day)
        edge.update(case=f"EDGE-{day}", as_of=day + dt.timedelta(days=10),
                    kept_items=[{"ref": "K1", "kind": "application", "application": "A1",
                                 "received": day}])
        edges.append(edge)
    monkeypatch.setattr(Epochs, "worth_it", lambda self: False)
    whole = Checker(amended)
    expected = (_results(whole, population, explain=True), _results(whole, examples, True))
    expected_edges = [_results(whole, [edge], True) for edge in edges]
    fired = {json.loads(line)["trace"][i]["rule_id"] for line in expected[0]
             for i in range(len(json.loads(line)["trace"] or []))}
    assert any(r.endswith("-x2") for r in fired) and any(
        r.startswith("R244") and not r.endswith("-x2") for r in fired)  # both versions fire
    monkeypatch.setattr(Epochs, "worth_it", lambda self: True)
    split = Checker(amended)
    got = (_results(split, population, explain=True), _results(split, examples, True))
    assert got == expected
    assert len(split.runtime._live) >= 2  # cases of one version, then of both
    for edge, want in zip(edges, expected_edges, strict=True):  # each in a ruleset of its own
        assert _results(Checker(amended), [edge], True) == want
