"""One way through the data: load -> validate -> compile -> evaluate -> report.

`Checker` holds a loaded rule set and its engine sessions; `check(case)` evaluates one case in
isolation and returns a `CaseResult`. The CLI and the Python API (`import rexcheck`) both go
through here, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rexcheck import __version__
from rexcheck.engine.audit import Audit, case_digest
from rexcheck.engine.calendar import CalendarError, WorkingCalendar
from rexcheck.engine.errors import EngineFailure, InvalidInput
from rexcheck.engine.findings import CaseResult, build_result
from rexcheck.engine.loader import RuleSet, load_rules
from rexcheck.engine.runtime import Runtime
from rexcheck.engine.yamlsource import Positions
from rexcheck.facts.loader import parse_case
from rexcheck.facts.models import Case


class Checker:
    """Evaluates cases against one rule set (the shipped packs unless a directory is given)."""

    def __init__(self, rules: Path | str | RuleSet | None = None,
                 calendar: WorkingCalendar | None = None):
        self.ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
        self.calendar = calendar or WorkingCalendar.load()
        self.runtime = Runtime(self.ruleset, self.calendar)

    def check(self, case: Case | dict[str, Any], as_of: dt.date | None = None,
              lang: str = "en") -> CaseResult:
        """Evaluate one case. `as_of` defaults to the case's own `as_of`, else today.

        A case given as a dict is validated first. A case that is invalid, or that the engine
        cannot evaluate (e.g. a due date outside the calendar's years), gives a result with
        `error` set and no findings, never an exception: a batch never loses a record.
        """
        if isinstance(case, dict):
            try:
                case = parse_case(case, Positions("<case>"))
            except InvalidInput as exc:
                name = case.get("case") if isinstance(case.get("case"), str) else "<unnamed>"
                return CaseResult(case=name, as_of=as_of or dt.date.today(), findings=[],
                                  pending=[], trace=[], error=str(exc))
        when = as_of or case.as_of or dt.date.today()
        try:
            evaluation = self.runtime.evaluate(case, when)
            audit = Audit(__version__, self.ruleset.digest, when, case_digest(case))
            return build_result(evaluation, self.calendar, lang, audit)
        except (EngineFailure, CalendarError, InvalidInput) as exc:
            # e.g. days late counted up to an as-of date the calendar does not know, or a
            # parameter with no value on the as-of date
            return CaseResult(case=case.case, title=case.title, as_of=when, findings=[],
                              pending=[], trace=[], error=str(exc))

    def check_all(self, cases: Iterable[Case | dict[str, Any]], as_of: dt.date | None = None,
                  lang: str = "en") -> Iterator[CaseResult]:
        for case in cases:
            yield self.check(case, as_of, lang)
