"""Keep a compiled ruleset inside durable_rules' fixed limits (engine/core/limits.py), or refuse it.

A ruleset that fits is left exactly as compiled: the shipped packs run as they always did.
One that does not is cut into chunks *inside the one ruleset*: every pattern of a rule of
chunk c gets a second test right after its fact type, `fact != "$chunk<c>"`, true of every
fact. The engine shares a test only under the same parent (limits.py), so each chunk grows a
network of its own below the fact type's test, and each table (joins fed by one test, tests
under one test, the tests one fact can push on the matching stack) holds about 1/C of what
it held. Since it is still one ruleset, one session, one agenda, nothing else changes: facts
and stratum markers are asserted once, derived facts chain as before, stratified negation
keeps its markers, and the engine fires rules in the order they are defined, which chunking
keeps. The cost: the tests rules shared across chunks are made once per chunk.

Rules are dealt to the chunks in turn, in the order they are defined (files in name order,
rules in file order), the engine rules of one YAML rule (periods, deadline variants) to the
same chunk: so each chunk gets about 1/C of the rules of every file and fact type, and with
them about 1/C of each table. (Runs of consecutive rules instead kept a file's rules
together, and with them their fan-out: the grown catalogue needed twice as many chunks.) The
fewest chunks that fit are used; what no number of chunks can fit (a pattern with too many
expressions, a rule matching too many facts, too many rules) is refused with a located error
naming the limit and the rules.
"""

from __future__ import annotations

from typing import Any

from rexcheck.engine.core.limits import LIMITS, Excess, measure
from rexcheck.engine.core.normalise import TYPE_KEY
from rexcheck.facts.base.errors import Diagnostic, InvalidInput

CHUNK = "$chunk"
# chunk counts tried, fewest first; the fact type's test gets one child per chunk, and each
# of them waits on the engine's stack while another is matched, so more cannot help
TRIED = (2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48)
# limits that no chunking changes: they count within one rule, or the rules of a ruleset
PER_RULE = ("MAX_SEQUENCE_EXPRESSIONS", "MAX_MESSAGE_FRAMES", "MAX_ACTIONS")
NAMED = 8  # rules named in a refusal (then "and N more")


def fit(definition: dict[str, dict], fixed: tuple[str, ...], rule_of: dict[str, str],
        where: Any) -> tuple[dict[str, dict], int]:
    """The definition as compiled if it fits, else chunked (and the number of chunks); raises
    InvalidInput when no chunking fits. `fixed`: rules left out of chunks (the warm-up);
    `rule_of`: engine rule -> its YAML rule; `where(name)`: (file, line, column, rule id) of
    an engine rule, for the errors."""
    excess = measure(definition)
    if not excess:
        return definition, 1
    final = [e for e in excess if e.limit in PER_RULE]
    if final:
        raise InvalidInput(refusals(final, where))
    for chunks in TRIED:
        chunked = chunk(definition, chunks, fixed, rule_of)
        left = measure(chunked)
        if not left:
            return chunked, chunks
        excess = left
    raise InvalidInput(refusals(excess, where, TRIED[-1]))


def chunk(definition: dict[str, dict], chunks: int, fixed: tuple[str, ...] = (),
          rule_of: dict[str, str] | None = None) -> dict[str, dict]:
    """The definition with its rules dealt into `chunks` chunks, each pattern tested for its
    chunk. `rule_of`: engine rule -> the YAML rule it comes from (default: itself); the
    engine rules of one YAML rule (its periods and deadline variants) stay together."""
    rule_of = rule_of or {}
    order: dict[str, int] = {}
    for name in definition:
        if name not in fixed:
            order.setdefault(rule_of.get(name, name), len(order))
    out: dict[str, dict] = {}
    for name, rule in definition.items():
        if name in fixed:
            out[name] = rule
        else:
            c = order[rule_of.get(name, name)] % chunks
            out[name] = {**rule, "all": [_tagged(p, c) for p in rule["all"]]}
    return out


def untagged(pattern: dict) -> dict:
    """A pattern without the test of its chunk (as compiled)."""
    (alias, test), = pattern.items()
    items = test.get("$and")
    if not items or len(items) < 2 or not _is_tag(items[1]):
        return pattern
    rest = [items[0], *items[2:]]
    return {alias: rest[0] if len(rest) == 1 else {"$and": rest}}


def _is_tag(item: dict) -> bool:
    value = item.get("$neq")
    return (len(item) == 1 and isinstance(value, dict) and len(value) == 1
            and str(value.get(TYPE_KEY, "")).startswith(CHUNK))


def _tagged(pattern: dict, c: int) -> dict:
    (alias, test), = pattern.items()
    tag = {"$neq": {TYPE_KEY: f"{CHUNK}{c}"}}
    if "$and" in test:
        first, *rest = test["$and"]
        return {alias: {"$and": [first, tag, *rest]}}
    return {alias: {"$and": [test, tag]}}


def refusals(excess: list[Excess], where: Any, chunks: int = 1) -> list[Diagnostic]:
    """One located error per table past its size: the limit, where, and the rules in it,
    located at the first of them (the others named with their file and line)."""
    out = []
    for e in excess:
        located: list[tuple] = []
        for loc in map(where, e.rules):
            if loc[3] not in [i[3] for i in located]:
                located.append(loc)
        named = ", ".join(f"{rid} ({file}:{line})" for file, line, _, rid in located[:NAMED])
        if len(located) > NAMED:
            named += ", ..."
        source, size, allowed, _ = LIMITS[e.limit]
        file, line, col, rule_id = located[0]
        out.append(Diagnostic(
            file, line, col,
            f"the rule set exceeds durable_rules' {e.limit} ({size}, {source}): {e.count} "
            f"where at most {allowed} fit, at '{e.where}', with the rules dealt into {chunks} "
            f"chunk(s); the {len(located)} rules involved, first to last: {named}",
            "engine-limit", rule_id=rule_id,
            hint="split these rules by more specific conditions, fact types or acts "
                 "(docs/engine.md, 'Limits of the engine')"))
    return out
