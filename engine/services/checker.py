"""One way through the data: load -> validate -> compile -> evaluate -> report.

`Checker` holds a loaded rule set and its engine session; `check(case)` evaluates one case in
isolation and returns a `CaseResult` (engine/services/result.py). The CLI (`check`, `screen`,
`whatif`,
`audit verify`), the service and the Python API (`import rexcheck`) all go through `results`,
so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rexcheck.engine.core.calendar import WorkingCalendar
from rexcheck.engine.core.findings import Windows, collect
from rexcheck.engine.core.loader import RuleSet, load_rules
from rexcheck.engine.core.normalise import day_number
from rexcheck.engine.core.outcomes import OutcomePolicy
from rexcheck.engine.core.runtime import CASE_ERRORS, Evaluation, Runtime
from rexcheck.engine.core.version import __version__
from rexcheck.engine.services.audit import Audit, case_digest
from rexcheck.engine.services.result import SCHEMA, CaseResult, Problem, Source, failed
from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.base.yamlsource import Positions
from rexcheck.facts.jsontext import nul_path
from rexcheck.facts.loader import case_problems, load_case_file, parse_case
from rexcheck.facts.models import Case

# Cases evaluated together, stage by stage (validation, engine facts, engine, digests,
# findings): over a few cases each stage's code and data stay in the processor's caches, where
# case by case every stage evicts the others'. Measured with `bench/run.py --cases 20000`
# (one process; several runs each, 2026-11): 8 cases 4,390 cases/s, 16 4,290, 24 4,670,
# 32 4,530-4,770, 64 4,340. Each case is still evaluated in isolation, and the results are
# the same bytes whatever the batch (tests/test_screen.py).
STAGE_BATCH = 32


@dataclass
class Item:
    """A case to judge, or why there is none (the record's problems), and where it came from."""

    case: Case | None
    source: Source | None = None
    problems: list[Diagnostic] | None = None
    name: str | None = None  # the case id of a record that could not be read, if it has one
    digest: str | None = None  # the case's digest, when reading it made it already


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a rule set is loaded and compiled.
    That makes hundreds of thousands of objects, nearly all of which live on, and each
    collection of the older generations would scan them all again: a third of the start-up
    of a catalogue of 1,000 rules (bench/RESULTS.md). Objects in cycles made meanwhile are
    collected once it is back on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Checker:
    """Evaluates cases against one rule set (the shipped packs unless a directory is given)."""

    def __init__(self, rules: Path | str | RuleSet | None = None,
                 calendar: WorkingCalendar | None = None):
        with collector_paused():
            self.ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
            self.calendar = calendar or WorkingCalendar.load()
            self.runtime = Runtime(self.ruleset, self.calendar)
            self.policy = OutcomePolicy(self.ruleset, self.runtime.program)
            self.uncertain = _uncertain_windows(self.ruleset)

    def check(self, case: Case | dict[str, Any] | str | Path, as_of: dt.date | None = None,
              lang: str = "en", explain: bool = False) -> CaseResult:
        """Evaluate one case: a `Case`, a dict (validated like a case file) or the path of a
        case file holding one case. `as_of` defaults to the case's own `as_of`, else today.

        An invalid case, or one the engine cannot evaluate (a due date outside the calendar's
        years, dates after the as-of date), gives a result with `errors` and outcome `error`,
        never an exception: a batch never loses a record.
        """
        return self.results([self.item(case)], as_of, lang, explain)[0]

    def check_all(self, cases: Iterable[Case | dict[str, Any] | str | Path],
                  as_of: dt.date | None = None, lang: str = "en", explain: bool = False,
                  batch: int = STAGE_BATCH) -> Iterator[CaseResult]:
        """`check` of each case, in order. The cases are evaluated `batch` at a time, stage
        by stage, as screening does: the same results, each case in isolation, about a fifth
        faster in bulk than one `check` after another. It reads up to `batch` cases ahead, so
        a caller that makes each case from the previous result passes `batch=1`. If reading
        the cases fails, the results of those read before come first, then the exception."""
        cases = iter(cases)
        while True:
            taken: list[Item] = []
            try:
                for case in cases:
                    taken.append(self.item(case))
                    if len(taken) >= batch:
                        break
            except Exception:
                yield from self.results(taken, as_of, lang, explain)
                raise
            if not taken:
                return
            yield from self.results(taken, as_of, lang, explain)

    def item(self, case: Any, source: Source | None = None) -> Item:
        """What `check` was given, as an item to judge; what it cannot take, a clear error."""
        if isinstance(case, Case):
            # a model made without validation (`model_construct`, `model_copy(update=...)`)
            # is held to what a case file would be refused for, like any other entry path
            problems = case_problems(case)
            nul = nul_path(case.model_dump())
            if nul is not None:
                problems.append(Diagnostic("<case>", 1, 1, "text holds a NUL character", "nul",
                                           field=".".join(map(str, nul)) or None))
            if problems:
                return Item(None, source, problems, case.case)
            return Item(case, source)
        if isinstance(case, dict):
            try:
                return Item(parse_case(case, Positions("<case>")), source)
            except InvalidInput as exc:
                name = case.get("case") if isinstance(case.get("case"), str) else None
                return Item(None, source, exc.diagnostics, name)
        if isinstance(case, (str, Path)):
            return self._item_from_file(Path(case))
        raise TypeError(f"a case is a rexcheck.Case, a dict or the path of a case file, not "
                        f"{type(case).__name__}")

    @staticmethod
    def _item_from_file(path: Path) -> Item:
        source = Source(str(path), 1)
        try:
            cases, problems = load_case_file(path)
        except InvalidInput as exc:
            return Item(None, source, exc.diagnostics)
        if problems:
            return Item(None, source, problems)
        if len(cases) != 1:
            return Item(None, source, [Diagnostic(
                str(path), 1, 1, f"the file holds {len(cases)} cases; check() takes one",
                "not-one-case", hint="use check_all(load_case_file(path)[0]) for several")])
        return Item(cases[0], source)

    def results(self, items: list[Item], as_of: dt.date | None = None, lang: str = "en",
                explain: bool = False) -> list[CaseResult]:
        """The result of each item, in order, stage by stage: the engine for all the cases
        (`Runtime.evaluate_all`), then digests, findings and outcomes."""
        today = dt.date.today()
        valid = [(i, item.case) for i, item in enumerate(items) if item.case is not None]
        whens = [as_of or case.as_of or today for _, case in valid]
        evaluations = self.runtime.evaluate_all([(case, when) for (_, case), when
                                                 in zip(valid, whens, strict=True)])
        out: list[Any] = [None] * len(items)
        for i, item in enumerate(items):
            if item.case is None:
                out[i] = failed(item.name, as_of, [Problem.of(d) for d in
                                                   sorted(item.problems or [])], item.source)
        for (i, case), when, evaluation in zip(valid, whens, evaluations, strict=True):
            out[i] = self._result(case, when, evaluation, items[i].source, lang, explain,
                                  items[i].digest)
        return out

    def _result(self, case: Case, when: dt.date, evaluation: Any, source: Source | None,
                lang: str, explain: bool, digest: str | None = None) -> CaseResult:
        if isinstance(evaluation, Evaluation):
            try:
                collected = collect(evaluation, self.calendar, lang, explain, self.uncertain)
            except CASE_ERRORS as exc:  # days late counted to an as-of date past the calendar
                evaluation = exc
        if not isinstance(evaluation, Evaluation):
            return failed(case.case, when, [Problem(_code(evaluation), str(evaluation))],
                          source, case.title)
        outcomes, undecided = self.policy.decide(evaluation.facts, collected.decided)
        problems = ([Problem(u.code, u.message, field=u.document) for u in undecided]
                    if undecided else [])  # mostly none: no comprehension made for nothing
        audit = Audit(__version__, self.ruleset.digest, when, digest or case_digest(case))
        return CaseResult(SCHEMA, case.case, case.title, when,
                          self.policy.overall(outcomes, False, undecided), outcomes,
                          collected.findings,
                          collected.notices, collected.pending, problems, audit, source,
                          collected.trace,
                          self.runtime.plan.explain(evaluation.facts) if explain else None)


def _code(exc: BaseException) -> str:
    name = type(exc).__name__
    return {"Inconsistent": "inconsistent-dates", "CalendarError": "outside-calendar",
            "EngineFailure": "engine", "InvalidInput": "invalid"}.get(name, "error")


def _uncertain_windows(ruleset: RuleSet) -> Windows:
    """Per act, the days on which it is not confirmed which version was in force."""
    out: Windows = {}
    for span in ruleset.versions.values():
        window = span.uncertain
        if window is None:
            continue
        start, end = window
        v = span.version
        note = (f"judged on a day when it is not confirmed whether {v.title} was already in "
                f"force (from {v.from_.isoformat()} at the earliest"
                + (f", {v.latest_from.isoformat()} at the latest" if v.latest_from else "")
                + f"; reading {v.reading})")
        out.setdefault(span.act, []).append((day_number(start), day_number(end), note))
    return out
