"""Each document's outcome, and the case's, from the outcome rules that fired.

The law decides: rules of the packs with `then: {outcome: ...}` fire for a document (an
application No. 1 with a ground of p.8 is refused: Order 244 p.8). Here only the order policy
staff wrote in law.yaml is applied: when several outcome rules fire for one document, the one
listed first among its type's outcomes wins; the case's outcome is the first, in `case_outcome`,
that any document has. A document no outcome rule decided is `undetermined`, with an error that
names the day it was judged on and the first day the packs judge such a document: a date before
the law never reads as a clean decision. A record that is not a document and has no outcome (an
item of the organisation's file, chapter 5) but is dated on a day no rule judging it is in force
makes the case `undetermined` too, with an error naming it (`not-judged`): it would otherwise
take part in nothing and say nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass
from typing import Any

from rexcheck.engine.core import contract
from rexcheck.engine.core.compiler import Program
from rexcheck.engine.core.loader import JUDGED_ON_KEY, RuleSet
from rexcheck.engine.core.normalise import TYPE_KEY, day_number, from_day_number
from rexcheck.engine.core.runtime import Firing
from rexcheck.facts.catalog import BASE_TYPES

_date = functools.lru_cache(maxsize=4096)(from_day_number)

_BY_DOCUMENT = operator.attrgetter("type", "ref")
UNDETERMINED = "undetermined"
ERROR = "error"
NO_DOCUMENTS = "none"
NOT_JUDGED = "not-judged"


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
    code: str = UNDETERMINED  # or NOT_JUDGED: a record that is not a document


class OutcomePolicy:
    """The order of outcomes of law.yaml, worked out once per rule set."""

    def __init__(self, ruleset: RuleSet, program: Program | None = None):
        self.documents = ruleset.documents
        # fact type -> (date field, the days some rule judging it on that field is in force)
        self.records = _records_judged(program, self.documents) if program else {}
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
        records = self.records
        for fact in facts:
            fact_type = fact[TYPE_KEY]
            if fact_type not in documents:
                if fact_type in records:
                    self._judged(fact, records[fact_type], undecided)
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

    @staticmethod
    def _judged(fact: dict[str, Any], judged: list[tuple[str, list[tuple[int, int | None]]]],
                undecided: list[Undecided]) -> None:
        """A `not-judged` error for a record whose date falls on no day a rule judges it."""
        for key, spans in judged:
            day = fact.get(key)
            if day is None or any(first <= day and (last is None or day <= last)
                                  for first, last in spans):
                continue
            name = f"{fact[TYPE_KEY]} {fact['ref']}"
            first = min(start for start, _ in spans)
            if day < first:
                message = (f"{name} is dated {_date(day).isoformat()} ({key}), before the law "
                           f"rexcheck encodes judges it ({_date(first).isoformat()}): no rule "
                           "says anything of it")
            else:
                message = (f"{name} is dated {_date(day).isoformat()} ({key}), a day on which "
                           "no rule of the packs judges it: no rule says anything of it")
            undecided.append(Undecided(name, message, NOT_JUDGED))

    def _why_undecided(self, fact_type: str, name: str, on: dt.date) -> str:
        label = self.documents[fact_type].label
        first = self.first_day.get(fact_type)
        if first is not None and on < first:
            return (f"{name} is judged on {on.isoformat()}, before the law rexcheck encodes "
                    f"applies to a {label} ({first.isoformat()}): no rule decides it")
        return (f"no outcome rule decided {name} (a {label}, judged on {on.isoformat()}); "
                "the rule packs leave this document without an outcome")

    def overall(self, outcomes: list[DocumentOutcome], failed: bool,
                undecided: list[Undecided] | None = None) -> str:
        if failed:
            return ERROR
        if undecided:  # a document no rule decides, or a record no rule judges
            return UNDETERMINED
        if not outcomes:
            return NO_DOCUMENTS
        return min((o.outcome for o in outcomes), key=self.case_rank.__getitem__)


def _records_judged(program: Program, documents: dict
                    ) -> dict[str, list[tuple[str, list[tuple[int, int | None]]]]]:
    """Per type of record of a case that is not a document (documents have outcomes), the
    date fields of its own that rules judge it on, each with the periods (day numbers) of
    those rules. A type some rule judges through another record's date, or the date the case
    is judged on, is left out: whether such a rule applies cannot be read off the record."""
    spans: dict[tuple[str, str], set[tuple[int, int | None]]] = {}
    through_others: set[str] = set()
    for c in program.actions.values():
        applies = c.aliases[c.rule.applies_to]
        own = c.judged.key not in (JUDGED_ON_KEY, contract.AS_OF_KEY)
        if c.judged.alias != c.rule.applies_to or not own:
            through_others.add(applies)
        fact_type = c.aliases[c.judged.alias]
        if fact_type in BASE_TYPES and fact_type not in documents and own:
            start, end = c.period
            spans.setdefault((fact_type, c.judged.key), set()).add(
                (day_number(start), None if end is None else day_number(end)))
    out: dict[str, list[tuple[str, list[tuple[int, int | None]]]]] = {}
    for (fact_type, key), days in sorted(spans.items()):
        if fact_type not in through_others:
            out.setdefault(fact_type, []).append(
                (key, sorted(days, key=lambda d: (d[0], d[1] is None, d[1] or 0))))
    return out


def _first_outcome_day(ruleset: RuleSet, fact_type: str) -> dt.date | None:
    days = [lr.spans[0][0] for lr in ruleset.rules
            if lr.spans and lr.rule.enabled and lr.rule.then.outcome is not None
            and lr.rule.applies_to == fact_type]
    return min(days) if days else None
