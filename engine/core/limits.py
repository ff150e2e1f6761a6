"""durable_rules' fixed limits, checked on a compiled ruleset before the engine ever sees it.

The engine's C layer (durable_rules 2.0.28, src/rules/) builds one network of tests (alpha
nodes) per ruleset from the rules' patterns, and several of its tables have a fixed size.
Past one of them it answers with a bare error code when the ruleset is created (108, 106,
107, 113), fails facts one by one while matching (303, 304), or loops for ever. This module
builds the same network as the engine would, from the same ruleset definition, and measures
every table against its size, so that the compiler can keep a ruleset inside them
(engine/core/partition.py) and refuse, naming the limit and the rules, what it cannot.

How the engine builds the network (rete.c `createAlpha`, `findAlpha`, `linkAlpha`): each
pattern of a rule is a chain of tests from the root, one per item of its `$and`, in order.
A test with the same field, operator and literal value as one already under the same parent
is shared; a test against another fact (a join), an `$iany`/`$iall` and the node that joins
the branches of an `$or` are never shared. The last test of a pattern links to the rule's
join node (beta); a test of absence (`$nex`) sits in its parent's short list, every other in
its parent's 512-bucket hash set.

The limits, as this module counts them (each one slot short of the table, since a full table
has no end marker and the engine reads past it, or probes it for ever):
- BETA_LIST: joins one test feeds (rules.h BETA_LIST_LENGTH 256; error 108);
- NEXT_HASHSET: distinct tests under one test (NEXT_BUCKET_LENGTH 512, linear probing from
  one of the first 32 buckets; 106, or a hang once the set is full);
- NEXT_LIST: tests of absence under one test (NEXT_LIST_LENGTH 128; error 107);
- STACK: tests waiting on the matching stack while one fact is matched (events.c
  MAX_STACK_SIZE 64; error 303 for that fact). Every test under a passed test that the fact
  passes too is pushed at once; the count here is an upper bound over every fact (see
  `_depth`);
- SEQUENCE: expressions of one pattern (rete.h MAX_SEQUENCE_EXPRESSIONS 32; error 113):
  two per `$and` and `$or`, one per join;
- FRAME: facts one rule matches together (state.h MAX_MESSAGE_FRAMES 16; error 304);
- ACTIONS: rules in one ruleset (rete.c MAX_ACTIONS 4096; error 106).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

BETA_LIST = 255
NEXT_HASHSET = 511
NEXT_LIST = 127
STACK = 64
SEQUENCE = 31
FRAME = 16
ACTIONS = 4095

# limit -> (the engine's name for it, its size there, what it counts)
LIMITS = {
    "BETA_LIST_LENGTH": ("rules.h", 256, BETA_LIST, "rules fed by one test"),
    "NEXT_BUCKET_LENGTH": ("rules.h", 512, NEXT_HASHSET, "distinct tests under one test"),
    "NEXT_LIST_LENGTH": ("rules.h", 128, NEXT_LIST, "tests of absence under one test"),
    "MAX_STACK_SIZE": ("events.c", 64, STACK, "tests waiting while one fact is matched"),
    "MAX_SEQUENCE_EXPRESSIONS": ("rete.h", 32, SEQUENCE, "expressions of one pattern"),
    "MAX_MESSAGE_FRAMES": ("state.h", 16, FRAME, "facts one rule matches together"),
    "MAX_ACTIONS": ("rete.c", 4096, ACTIONS, "rules in one ruleset"),
}

_OPERATORS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$neq": "!=", "$ex": "exists",
              "$nex": "missing", "$mt": "matches", "$imt": "matches", "$iall": "all",
              "$iany": "any"}
_FORWARD = "$forward"  # the field of the node that joins an $or's branches (never present)


class Node:
    """One alpha node: a test of one field of a fact. (A plain class with slots: a grown
    catalogue makes tens of thousands of them at load.)"""

    __slots__ = ("absent", "betas", "field", "hashed", "op", "parent", "rules", "shared",
                 "value")

    def __init__(self, field: str, op: str, value: Any, parent: Node | None):
        self.field = field
        self.op = op
        self.value = value
        self.parent = parent
        self.hashed: list[Node] = []  # tests in its hash set
        self.absent: list[Node] = []  # tests of absence, $or joins
        self.betas: list[str] = []  # rules whose pattern ends here
        self.rules: set[str] = set()  # rules whose patterns pass here
        self.shared: dict[tuple, Node] = {}  # literal tests under it

    def label(self) -> str:
        """The tests from the root to this one, as people read them."""
        parts: list[str] = []
        node: Node | None = self
        while node is not None and node.parent is not None:
            if node.field != _FORWARD:
                value = "(another fact)" if isinstance(node.value, dict) else json.dumps(
                    node.value, ensure_ascii=False)
                parts.append(f"{node.field} {node.op} {value}" if node.op not in (
                    "exists", "missing") else f"{node.field} {node.op}")
            node = node.parent
        return ", ".join(reversed(parts)) or "(any fact)"


@dataclass
class Excess:
    """One table past its size: which limit, where, by how much, and the rules that fill it."""

    limit: str
    count: int
    where: str  # the tests leading to the full table, or the pattern
    rules: list[str]  # engine rule names, in definition order

    @property
    def allowed(self) -> int:
        return LIMITS[self.limit][2]

    def describe(self) -> str:
        source, size, _, what = LIMITS[self.limit]
        return (f"durable_rules' {self.limit} ({size}, {source}): {self.count} {what}, "
                f"at most {self.allowed} fit; at '{self.where}'")


class Network:
    """The alpha network durable_rules builds from a ruleset definition."""

    def __init__(self, definition: dict[str, dict]):
        self.root = Node("", "", None, None)
        self.order = {name: i for i, name in enumerate(definition)}
        self.excess: list[Excess] = []
        if len(definition) > ACTIONS:
            self.excess.append(Excess("MAX_ACTIONS", len(definition), "the whole ruleset",
                                      list(definition)))
        for name, rule in definition.items():
            patterns = rule.get("all") or rule.get("any") or []
            if len(patterns) > FRAME:
                self.excess.append(Excess("MAX_MESSAGE_FRAMES", len(patterns), name, [name]))
            for pattern in patterns:
                (alias, test), = pattern.items()
                counter = [0]
                end = self._chain(test, self.root, name, counter)
                end.betas.append(name)
                if counter[0] > SEQUENCE:
                    self.excess.append(Excess("MAX_SEQUENCE_EXPRESSIONS", counter[0],
                                              f"{name}, pattern {alias}", [name]))

    def _chain(self, test: dict, parent: Node, rule: str, counter: list[int]) -> Node:
        (key, value), = test.items()
        if key == "$and":
            counter[0] += 2
            node = parent
            for item in value:
                node = self._chain(item, node, rule, counter)
            return node
        if key == "$or":
            counter[0] += 2
            join = Node(_FORWARD, "missing", 1, parent)  # its own, never shared
            join.rules.add(rule)
            for item in value:
                self._chain(item, parent, rule, counter).absent.append(join)
            return join
        if key in _OPERATORS:
            op = _OPERATORS[key]
            (name, literal), = value.items()
        else:
            op, name, literal = "==", key, value
        if isinstance(literal, dict) and op not in ("all", "any") and "$m" not in literal:
            counter[0] += 1  # a join: an expression of the pattern
        shareable = _shares(op, literal)
        found: Node | None = None
        if shareable:
            ident = (name, op, type(literal).__name__,
                     literal if isinstance(literal, (str, int, float, bool)) or literal is None
                     else json.dumps(literal, sort_keys=True))
            found = parent.shared.get(ident)
        if found is None:
            found = Node(name, op, literal, parent)
            if shareable:
                parent.shared[ident] = found
            (parent.absent if op == "missing" else parent.hashed).append(found)
        found.rules.add(rule)
        return found

    def nodes(self) -> list[Node]:
        out, todo, seen = [], [self.root], set()
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            out.append(node)
            todo.extend(reversed(node.hashed + node.absent))
        return out

    def check(self) -> list[Excess]:
        """Every table past its size, worst first within each limit."""
        out = list(self.excess)
        for node in self.nodes():
            if len(node.betas) > BETA_LIST:
                out.append(Excess("BETA_LIST_LENGTH", len(node.betas), node.label(),
                                  self._sorted(set(node.betas))))
            if len(node.hashed) > NEXT_HASHSET:
                out.append(Excess("NEXT_BUCKET_LENGTH", len(node.hashed), node.label(),
                                  self._under(node.hashed)))
            if len(node.absent) > NEXT_LIST:
                out.append(Excess("NEXT_LIST_LENGTH", len(node.absent), node.label(),
                                  self._under(node.absent)))
        depth = self.depth()
        if depth > STACK:
            node = self._widest()
            out.append(Excess("MAX_STACK_SIZE", depth, node.label(),
                              self._under(node.hashed + node.absent)))
        return out

    def release(self) -> None:
        """Break the network's reference cycles (each test points to the one above it), so
        that it is freed as soon as it is dropped rather than left to the cyclic collector
        (a grown catalogue builds a few networks of tens of thousands of tests at load)."""
        for node in self.nodes():
            node.parent = None

    def depth(self) -> int:
        """The most tests that can wait on the engine's stack while one fact is matched."""
        memo: dict[int, int] = {}
        return _depth(self.root, memo)

    def _widest(self) -> Node:
        """The test under which the most tests can pass at once (where the stack fills)."""
        return max(self.nodes(), key=_width)

    def _under(self, nodes: list[Node]) -> list[str]:
        return self._sorted(set().union(*(n.rules for n in nodes)) if nodes else set())

    def _sorted(self, names: set[str]) -> list[str]:
        return sorted(names, key=lambda n: self.order.get(n, 0))


def _shares(op: str, literal: Any) -> bool:
    """Whether the engine shares a test with an equal one under the same parent: not a join
    (a test against another fact), `$iany` or `$iall`."""
    return not isinstance(literal, dict) and op not in ("all", "any")


def shared(test: dict) -> bool:
    """`_shares` for one test as a ruleset states it (`{"$gte": {"_on": 18728}}`)."""
    ((key, value),) = test.items()
    if key in _OPERATORS:
        ((_, literal),) = value.items()
        return _shares(_OPERATORS[key], literal)
    return _shares("==", value)


def measure(definition: dict[str, dict]) -> list[Excess]:
    """`Network(definition).check()`, the network freed at once."""
    network = Network(definition)
    try:
        return network.check()
    finally:
        network.release()


def _loose(value: Any) -> Any:
    """Equality tests the engine may pass for one value together (it compares loosely:
    `== 1` passes "1" and true): values that read as the same number are one class."""
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return json.dumps(value, sort_keys=True)


def _width(node: Node) -> int:
    """How many tests under `node` one fact can pass at once. Per field: the fact either
    lacks it (every test of absence on it passes) or has it (every test on it may pass, but
    of equality tests with different values only one, or those the engine compares equal)."""
    present: dict[str, int] = {}
    classes: dict[str, dict[Any, int]] = {}
    for child in node.hashed:
        if child.op == "==" and not isinstance(child.value, dict):
            group = classes.setdefault(child.field, {})
            key = _loose(child.value)
            group[key] = group.get(key, 0) + 1
        else:
            present[child.field] = present.get(child.field, 0) + 1
    for name, group in classes.items():
        present[name] = present.get(name, 0) + max(group.values())
    missing: dict[str, int] = {}
    for child in node.absent:
        missing[child.field] = missing.get(child.field, 0) + 1
    fields = set(present) | set(missing)
    return sum(max(present.get(f, 0), missing.get(f, 0)) for f in fields)


def _depth(node: Node, memo: dict[int, int]) -> int:
    """An upper bound of the stack the engine fills below `node` (events.c `handleAlpha`):
    a passed test pushes every test under it that the fact passes, then takes them off one
    by one, last first; while one is worked on, the others wait. With k passing, the worst
    is the deepest one taken first: k - 1 waiting plus its own."""
    known = memo.get(id(node))
    if known is not None:
        return known
    width = _width(node)
    deepest = max((_depth(c, memo) for c in node.hashed + node.absent), default=0)
    memo[id(node)] = out = 0 if width == 0 else max(width, width - 1 + deepest)
    return out
