"""Rules by law epoch: a catalogue that keeps many versions of the law runs each case against
the rules in force on its dates only.

Every compiled rule stands for one period of the law (compiler.py): it can fire only on a fact
of the type it is judged on whose date (`judged_on`) falls in that period. The periods of all
rules cut the time line into epochs (a new epoch starts wherever some rule's period starts or
ends). A case's own facts carry every date a rule on a fact of the case's types can be judged on
(derived facts copy theirs from them), so the epochs a case touches are known before the engine
sees it, and a rule none of whose epochs the case touches cannot fire on it. Such rules are
left out of the ruleset the case runs in: one ruleset per set of epochs touched, built when a
case first needs it and kept (at most `SESSIONS` at a time).

Nothing else changes for the rules that stay: they run in the same order (the definition's, so
the engine picks among pending firings as before), on the same facts and markers (unchunked,
but on the types below, in the whole catalogue's chunks). One thing more is needed for the same
bytes: the engine fires a rule's own matches in the order one fact reaches its pattern ends,
which follows the order the network's shared tests were made in, by the first rule to use each;
a rule with two patterns on one fact type (`hazard_types`) could see that order change if the
rule that made a test were left out. So a rule left out keeps, on such types, a shadow that
makes the same shared tests at the same place and never matches (`shadows`). A case's result is
then the same, byte for byte, as under the whole catalogue, whichever ruleset it runs in and
whatever ran before it (tests/test_epochs.py). Rules judged on derived facts are kept in every
ruleset (their dates come from other rules).

It pays when a case touches a small part of the catalogue: the engine's cost grows with the
rules that test the types of the facts it is sent, whether or not they can fire, and a rule of
a version of the law not in force on a case's dates joins its facts all the same. So the runtime
splits only when even the epoch with the most rules in force leaves out a quarter of them
(`worth_it`); otherwise one ruleset serves every case, as it always did (the shipped packs: 168
of their 169 engine rules are in force together).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from rexcheck.engine.core.compiler import WARMUP, Program
from rexcheck.engine.core.limits import shared
from rexcheck.engine.core.normalise import TYPE_KEY, day_number
from rexcheck.engine.core.partition import untagged
from rexcheck.facts.catalog import BASE_TYPES, CHILD_TYPES

SESSIONS = 8  # rulesets kept live at once (each holds the engine's network and states)
LEFT_OUT = 0.25  # the share of rules an epoch must leave out for splitting to pay


class Epochs:
    """The epochs of a program's periods, and which rules are in force in each."""

    def __init__(self, program: Program):
        base = set(BASE_TYPES) | set(CHILD_TYPES)
        spans: dict[str, tuple[int, int | None]] = {}
        keys: dict[str, set[str]] = {}
        cuts: set[int] = set()
        for name, compiled in program.actions.items():
            fact_type = compiled.aliases[compiled.judged.alias]
            if fact_type not in base:
                continue  # judged on a derived fact: kept everywhere
            start, end = compiled.period
            first = day_number(start)
            last = None if end is None else day_number(end)
            cuts.add(first)
            if last is not None:
                cuts.add(last + 1)
            spans[name] = (first, last)
            keys.setdefault(fact_type, set()).add(compiled.judged.key)
        self.cuts = sorted(cuts)
        self.count = len(self.cuts) + 1  # epoch 0: before every period
        # fact type -> the date fields rules judge its facts on
        self.keys = {t: tuple(sorted(k)) for t, k in sorted(keys.items())}
        self.everything = (1 << self.count) - 1
        self.in_force: dict[str, int] = {}  # engine rule -> bit mask of its epochs
        for name in program.actions:
            span = spans.get(name)
            if span is None:
                self.in_force[name] = self.everything
                continue
            first, last = span
            low = bisect_right(self.cuts, first)
            high = self.count - 1 if last is None else bisect_right(self.cuts, last)
            self.in_force[name] = ((1 << (high + 1)) - 1) ^ ((1 << low) - 1)

    def touched(self, facts: list[dict[str, Any]]) -> int:
        """The epochs a case's facts touch, as a bit mask: every date a rule could judge one
        of them on. A date that is not a day number (never, once normalised) touches all."""
        mask = 0
        keys, cuts = self.keys, self.cuts
        for fact in facts:
            names = keys.get(fact[TYPE_KEY])
            if names:
                for name in names:
                    value = fact.get(name)
                    if value is not None:
                        if type(value) is not int:
                            return self.everything
                        mask |= 1 << bisect_right(cuts, value)
        return mask

    def rules(self, mask: int) -> list[str]:
        """The engine rules that can fire on a case touching `mask`, in definition order."""
        return [name for name, epochs in self.in_force.items() if epochs & mask]

    def worth_it(self) -> bool:
        """Whether even the epoch with the most rules in force leaves out at least LEFT_OUT
        of them (a catalogue holding versions of the law that are never in force together)."""
        total = len(self.in_force)
        most = max((sum(1 for m in self.in_force.values() if m >> e & 1)
                    for e in range(self.count)), default=0)
        return total > 0 and total - most >= LEFT_OUT * total


def in_force_definition(program: Program, names: list[str], unchunk: bool = True
                        ) -> dict[str, dict]:
    """The program's definition (as fitted to the engine) with only `names` and the warm-up,
    and a shadow of every other rule that matches a type some rule matches twice (`hazards`),
    in their places. Patterns on those types keep their chunks (the order in which the engine
    walks them depends on it); with `unchunk`, the others lose theirs (a fraction of the
    catalogue fits the engine's tables unchunked, and chunks repeat tests)."""
    keep = set(names)
    hazards = hazard_types(program.definition)
    out: dict[str, dict] = {}
    for name, rule in program.definition.items():
        if name == WARMUP:
            out[name] = rule
        elif name in keep:
            out[name] = rule if not unchunk else {**rule, "all": [
                p if _type_of(next(iter(p.values()))) in hazards else untagged(p)
                for p in rule["all"]]}
        elif hazards:
            for k, shadowed in enumerate(shadows(rule, hazards)):
                out[f"{SHADOW}{name}#{k}"] = shadowed
    return out


SHADOW = "$shadow:"  # the name of a shadow rule starts so; it never fires
NEVER = "$never"  # a fact type no fact has
PATTERNS = 16  # patterns one rule may have (durable_rules' MAX_MESSAGE_FRAMES)


def _type_of(test: dict) -> str | None:
    first = test["$and"][0] if "$and" in test else test
    value = first.get(TYPE_KEY)
    return value if isinstance(value, str) else None


def hazard_types(definition: dict[str, dict]) -> set[str]:
    """Fact types some rule has two patterns on (matched or negated).

    One fact can then reach two pattern ends of one rule, and the engine makes that rule's
    matches, and so fires them, in the order the fact reaches those ends: the order in which
    the engine walks the network, which follows the order its shared tests were made in (a
    test is made by the first rule that uses it). Leaving out a rule that made one of them
    would change that order. So a rule left out keeps a shadow on such types (`shadows`)."""
    out: set[str] = set()
    for rule in definition.values():
        seen: set[str] = set()
        for pattern in rule.get("all", []):
            (test,) = pattern.values()
            fact_type = _type_of(test)
            if fact_type in seen:
                out.add(fact_type)
            if fact_type is not None:
                seen.add(fact_type)
    return out


def shadows(rule: dict, hazards: set[str]) -> list[dict]:
    """Rules that make, in the same order, every test the rule's patterns on `hazards` share
    with other rules (the tests up to the first the engine never shares: a join, `$iany`,
    `$iall`, what follows an `$or`), each chain ended by a test no fact passes: the network
    of the rules that stay is then walked in the very order it is walked with the whole
    catalogue, and no fact ever reaches a shadow's join. In groups of at most PATTERNS."""
    paths: list[list[dict]] = []
    for pattern in rule.get("all", []):
        (test,) = pattern.values()
        if _type_of(test) not in hazards:
            continue
        end = _shared_paths(test.get("$and", [test]), [], paths)
        if end:
            paths.append(end)
    chains = [{f"s{i}": {"$and": [*path, {TYPE_KEY: NEVER}]}} for i, path in enumerate(paths)
              if path]
    return [{"all": chains[i:i + PATTERNS]} for i in range(0, len(chains), PATTERNS)]


def _shared_paths(items: list[dict], prefix: list[dict], out: list[list[dict]]
                  ) -> list[dict] | None:
    """The chain of tests `items` makes under `prefix`, as far as the engine shares them;
    paths that stop earlier (an `$or`'s branches, a test never shared) go to `out`. None when
    the chain goes on under a test that is never shared."""
    path = list(prefix)
    for item in items:
        ((key, value),) = item.items()
        if key == "$and":
            end = _shared_paths(value, path, out)
            if end is None:
                return None
            path = end
        elif key == "$or":
            for branch in value:
                end = _shared_paths([branch], path, out)
                if end is not None:
                    out.append(end)
            out.append(path)
            return None  # the pattern goes on under the node joining the branches: its own
        elif shared(item):
            path.append(item)
        else:
            out.append(path)
            return None
    return path
