"""Each document's outcome, and the case's, from the outcome rules that fired.

The law decides: rules of the packs with `then: {outcome: ...}` fire for a document (an
application No. 1 with a ground of p.8 is refused: Order 244 p.8). Here only the order policy
staff wrote in law.yaml is applied: when several outcome rules fire for one document, the one
listed first among its type's outcomes wins; the case's outcome is the first, in `case_outcome`,
that any document has. A document no outcome rule decided is `undetermined`, with an error that
names the day it was judged on and the first day the packs judge such a document: a date before
the law never reads as a clean decision.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass
from typing import Any

from rexcheck.engine.core.loader import JUDGED_ON_KEY, RuleSet
from rexcheck.engine.core.normalise import TYPE_KEY, from_day_number
from rexcheck.engine.core.runtime import Firing

_date = functools.lru_cache(maxsize=4096)(from_day_number)

_BY_DOCUMENT = operator.attrgetter("type", "ref")
UNDETERMINED = "undetermined"
ERROR = "error"
NO_DOCUMENTS = "none"


@dataclass
class DocumentOutcome:
    document: str  # "application A1"
    type: str
    ref: str
    outcome: str
    rule_id: str | None  # the rule that decided it; None when undetermined
    citation: str | None
    judged_on: dt.date
    firing: int | None = None  # index into the trace


@dataclass
class Undecided:
    document: str
    message: str


class OutcomePolicy:
    """The order of outcomes of law.yaml, worked out once per rule set."""

    def __init__(self, ruleset: RuleSet):
        self.documents = ruleset.documents
        self.rank = {t: {o: i for i, o in enumerate(doc.outcomes)}
                     for t, doc in self.documents.items()}
        case_order = ruleset.law.case_outcome if ruleset.law else []
        self.case_rank = {o: i for i, o in enumerate([ERROR, UNDETERMINED, *case_order])}
        self.first_day = {t: _first_outcome_day(ruleset, t) for t in self.documents}

    def decide(self, facts: list[dict[str, Any]], decided: list[Firing]
               ) -> tuple[list[DocumentOutcome], list[Undecided]]:
        """The outcome of every document of the case, by type and ref."""
        best: dict[tuple[str, str], tuple[int, Firing]] = {}
        for firing in decided:
            c = firing.rule
            subject = firing.subject
            rank = self.rank[subject[0]][c.outcome]
            held = best.get(subject)
            if held is None or rank < held[0] or (rank == held[0]
                                                  and firing.index < held[1].index):
                best[subject] = (rank, firing)
        out: list[DocumentOutcome] = []
        undecided: list[Undecided] = []
        documents = self.documents
        for fact in facts:
            fact_type = fact[TYPE_KEY]
            if fact_type not in documents:
                continue
            ref = fact["ref"]
            key = (fact_type, ref)
            name = f"{fact_type} {ref}"
            on = _date(fact[JUDGED_ON_KEY])
            held = best.get(key)
            if held is None:
                out.append(DocumentOutcome(name, fact_type, fact["ref"], UNDETERMINED, None,
                                           None, on))
                undecided.append(Undecided(name, self._why_undecided(fact_type, name, on)))
                continue
            c = held[1].rule
            out.append(DocumentOutcome(name, fact_type, ref, c.outcome or "", c.rule_id,
                                       c.rule.citation.ref, on, held[1].index))
        out.sort(key=_BY_DOCUMENT)  # by type and ref, whatever order the engine had the facts in
        undecided.sort(key=operator.attrgetter("document"))
        return out, undecided

    def _why_undecided(self, fact_type: str, name: str, on: dt.date) -> str:
        label = self.documents[fact_type].label
        first = self.first_day.get(fact_type)
        if first is not None and on < first:
            return (f"{name} is judged on {on.isoformat()}, before the law rexcheck encodes "
                    f"applies to a {label} ({first.isoformat()}): no rule decides it")
        return (f"no outcome rule decided {name} (a {label}, judged on {on.isoformat()}); "
                "the rule packs leave this document without an outcome")

    def overall(self, outcomes: list[DocumentOutcome], failed: bool) -> str:
        if failed:
            return ERROR
        if not outcomes:
            return NO_DOCUMENTS
        return min((o.outcome for o in outcomes), key=self.case_rank.__getitem__)


def _first_outcome_day(ruleset: RuleSet, fact_type: str) -> dt.date | None:
    days = [lr.spans[0][0] for lr in ruleset.rules
            if lr.spans and lr.rule.enabled and lr.rule.then.outcome is not None
            and lr.rule.applies_to == fact_type]
    return min(days) if days else None
