"""Rules by law epoch (engine/core/epochs.py): a case runs against the rules in force on its
dates only, and its result is the same, byte for byte, as under the whole catalogue."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT
from rexcheck.engine.authoring.ruletests import load_tests
from rexcheck.engine.core import runtime as runtime_module
from rexcheck.engine.core.epochs import SESSIONS, Epochs
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
