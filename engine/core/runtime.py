"""Run compiled rules in durable_rules, one case at a time, and record every firing.

The runtime drives the engine's C layer (`durable_rules_engine`) directly instead of through the
stock `durable.engine.Host`, because the stock wrapper is where the engine's worst traps live
(docs/engine.md) and where the time goes:
- actions run synchronously in the caller, in our loop; an exception in one is never swallowed
  into the case state: the case fails with `EngineFailure` naming the rule;
- no background timer threads, and no JSON round trip of the case state on every firing (the
  stock wrapper serialises the whole state twice per firing; we never read or write it);
- each case has its own session id, deleted when the case ends, even when it fails (the engine
  allows 1024 live ones per ruleset);
- every ruleset is warmed up once (deleting state in a ruleset where nothing fired yet kills
  the process);
- facts are normalised before they arrive (types, dates, amounts, unique refs), each with its
  position among the case's facts as its engine `id` (else the engine hashes every value of
  every fact, sorted, to make one), sent
  with `ensure_ascii=False`, in a canonical order; negation is stratified (see compiler.py).
Matching and chaining are the engine's: derived facts are asserted back into the same session
from inside the action, and the engine decides which rules they trigger.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as dre
import orjson
from rexcheck.engine.core import contract
from rexcheck.engine.core.calendar import CalendarError, WorkingCalendar
from rexcheck.engine.core.compiler import (
    MARKER,
    WARMUP,
    CompiledRule,
    Program,
    compile_program,
)
from rexcheck.engine.core.contract import (
    ACCEPTED,
    INDEX_KEY,
    OBSERVED,
    RESERVED,
    SUBJECT_REF_KEY,
    SUBJECT_TYPE_KEY,
)
from rexcheck.engine.core.epochs import SESSIONS, Epochs, in_force_definition
from rexcheck.engine.core.factplan import FactPlan, Inconsistent, add_due_dates, add_pattern_tests
from rexcheck.engine.core.limits import measure
from rexcheck.engine.core.loader import JUDGED_ON_KEY, RuleSet
from rexcheck.engine.core.normalise import (
    TYPE_KEY,
    case_facts,
    check_width,
    day_number,
    from_day_number,
)
from rexcheck.facts.base.errors import EngineFailure, InvalidInput
from rexcheck.facts.catalog import base_fields
from rexcheck.facts.models import Case

# what evaluating one case may fail with: that case's result says why, a batch goes on
CASE_ERRORS = (EngineFailure, CalendarError, InvalidInput, Inconsistent)

_names = itertools.count(1)
# each fact's first key: its position among the case's facts, which is also its identity for
# the engine (the engine's reserved `id`; no fact model has a field of that name)
# A firing's message names each matched fact by alias, the fact's JSON as asserted following
# (the engine keeps the text as it was sent, key order included). Only the positions are read
# (`_matched`): the facts themselves are at hand, and parsing them back cost a sixth of the
# time. A quote inside a value is escaped, so the mark cannot occur within one; the stratum
# marker has no index and is left out.
_MARK = '":{"' + INDEX_KEY + '":'
REUSE_CASES = 1000  # cases one engine state serves before it is deleted and made afresh
DUE_MEMO = 100_000  # due dates remembered at most (a few MiB)
MASKS_KEPT = 10_000  # sets of epochs remembered with the session that covers them


class _Observed(Exception):
    """The engine answered "already observed" for a fact it had not been sent."""


@dataclass(slots=True)
class Firing:
    """One rule firing: which rule, on which facts, what it is about (the document: type and
    ref), and the fact it derived if any."""

    index: int
    rule: CompiledRule
    matched: dict[str, dict[str, Any]]  # alias -> engine fact
    subject: tuple[str, str]
    derived: dict[str, Any] | None = None


@dataclass
class Evaluation:
    """The raw outcome of one case: every firing in engine order."""

    case: Case
    as_of: dt.date
    program: Program
    firings: list[Firing] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)


class _Session:
    """One compiled program loaded into durable_rules."""

    def __init__(self, program: Program, due_day: Any):
        self.program = program
        self.due_day = due_day  # the runtime's due-date arithmetic, for derived facts
        self.name = f"rexcheck_{program.key}_{next(_names)}"
        self.handle = dre.create_ruleset(self.name, json.dumps(program.definition,
                                                                ensure_ascii=False))
        self._sids = itertools.count(1)
        self._sid = str(next(self._sids))
        self._cases = 0
        self._markers: dict[tuple[int, str], str] = {}
        self._facts: list[dict[str, Any]] = []
        self._derived: dict[str, int] = {}
        self._handles_sid = ""
        self._handle_list: list[str] = []
        self._dues = program.dues_by_type()
        self._patterns = program.patterns_by_type()
        self._warm_up()

    def _warm_up(self) -> None:
        sid = "warmup"
        result = dre.assert_fact(self.handle, to_json({TYPE_KEY: WARMUP, "sid": sid}))
        self._drain(result[1], sid, [], [])
        dre.delete_state(self.handle, sid)

    def run(self, facts: list[dict[str, Any]]) -> list[Firing]:
        """Evaluate one case's facts; the engine state is left empty for the next case.

        The engine files a fact under a 32-bit hash of its id and answers "already observed"
        when another fact has the same hash, without comparing the two (state.c
        storeMessage). The ids of a case's facts are its positions, whose hashes all differ
        (tests/test_engine_traps.py), but the state's own record ("sid-N") or a marker could
        meet one: the case is then run again under a new state, never judged without a fact."""
        for attempt in (1, 2):
            sid = self._sid
            firings: list[Firing] = []
            sent: list[str] = []  # what takes back every fact asserted after the case's own
            clean = False
            try:
                batch = self._run(facts, sid, firings, sent)
                clean = self._retract(batch, sent)
                return firings
            except _Observed as exc:
                if attempt == 2:
                    raise EngineFailure(f"the engine took a new fact ({exc}) for one it "
                                        "already held, twice") from None
            except dre.error as exc:  # the C layer's own errors are numeric codes
                raise EngineFailure(f"the engine refused the case: {exc}") from exc
            finally:
                self._cases += 1
                if not clean or self._cases % REUSE_CASES == 0:
                    dre.delete_state(self.handle, sid)  # start afresh: a new, empty state
                    self._sid = str(next(self._sids))
        raise AssertionError("unreachable")

    @property
    def sid(self) -> str:
        """The engine state the next case will run in, unless it is renewed first."""
        return self._sid

    def close(self) -> None:
        """Free the engine's ruleset (its network and states); the session is not used again."""
        dre.delete_ruleset(self.handle)

    def _retract(self, batch: str, sent: list[str]) -> bool:
        """Take every fact of the case back out, so the same state serves the next case.

        Creating and deleting a state per case costs more than the matching itself (the C
        layer clears an index per join node of every rule). Markers go first: rules that test
        for absence all need their stratum's marker, so once it is gone no retraction can make
        them fire. True when the state is empty and nothing fired; otherwise the caller
        deletes the state."""
        if sent:  # one call, in this order: markers, derived facts, the case's own facts
            batch = "[" + ",".join(sent) + ("," + batch[1:] if batch != "[]" else "]")
        result = dre.retract_facts(self.handle, batch)
        self._check_retracted(result)
        action = dre.start_action_for_state(self.handle, result[1])
        if action:
            dre.abandon_action(self.handle, result[1])
            return False
        return True

    @staticmethod
    def _check_retracted(result: tuple) -> None:
        if result[0] not in ACCEPTED:
            raise EngineFailure(f"engine error {result[0]} taking the case's facts back")

    def _run(self, facts: list[dict[str, Any]], sid: str, firings: list[Firing],
             sent: list[str]) -> str:
        """All facts in one call, then one marker per stratum, each run to quiescence."""
        if facts and facts[0].get("sid") != sid:  # made for a state deleted since (`prepare`)
            for fact in facts:
                fact["sid"] = sid
        self._facts = list(facts)  # the case's facts by position, derived ones joining
        self._derived = {}  # derived fact (JSON) -> its position
        batch = to_json(facts)
        result = dre.assert_facts(self.handle, batch)
        # taken back in reverse: a fact a rule negates goes after the facts it matches, so
        # that no rule relying on the order (compiler.base_order) fires while they go
        # (by id alone: the engine takes back the fact it holds under that id)
        handles = self._handles(len(facts), sid)
        back = "[" + ",".join(handles[len(facts) - 1::-1] if self.program.type_order
                              else handles[:len(facts)]) + "]"
        self._check(result, "case facts")
        self._drain(result[1], sid, firings, sent)
        # plain loops, no comprehension or generator: each costs a function call per case in
        # Python 3.11 (measured with the other such changes of its commit: -15,800 instructions
        # per screened case, callgrind)
        present = set()
        for fact in facts:
            present.add(fact[TYPE_KEY])
        seen = 0  # firings whose derived facts are already in `present`
        needs = self.program.needs
        for n in range(1, self.program.strata + 1):
            for i in range(seen, len(firings)):
                derived = firings[i].derived
                if derived:
                    present.add(derived[TYPE_KEY])
            seen = len(firings)
            for need in needs.get(n, ()):
                if need <= present:
                    break
            else:
                continue  # no rule of this stratum can match: waking it would change nothing
            marker = self._marker(n, sid)
            sent.insert(0, marker)
            result = dre.assert_fact(self.handle, marker)
            self._check(result, f"stratum {n}")
            self._drain(result[1], sid, firings, sent)
        return back

    def _handles(self, count: int, sid: str) -> list[str]:
        """The handles of the first `count` positions in state `sid` (made once per state)."""
        if self._handles_sid != sid or len(self._handle_list) < count:
            self._handles_sid = sid
            self._handle_list = [self._handle(i, sid) for i in range(max(count, 64))]
        return self._handle_list

    def _handle(self, index: int, sid: str) -> str:
        """What retracts the fact at `index`: its id and state (the engine finds the rest)."""
        return f'{{"{INDEX_KEY}":{index},"sid":"{sid}"}}'

    def _marker(self, n: int, sid: str) -> str:
        """The marker fact that wakes stratum `n`, as JSON (made once per state)."""
        key = (n, sid)
        marker = self._markers.get(key)
        if marker is None:
            if len(self._markers) > 4 * (self.program.strata + 1):
                self._markers.clear()  # markers of states deleted since
            # its id after its type: the mark the runtime reads firings by stays the facts'
            marker = self._markers[key] = to_json({TYPE_KEY: MARKER, INDEX_KEY: f"m{n}",
                                                   "n": n, "sid": sid})
        return marker

    @staticmethod
    def _check(result: tuple, what: str) -> None:
        # 0 handled, 1 matched no rule (fine: not every fact matters), 2 already observed:
        # every fact sent here is new, so 2 means its id's hash met another's (see `run`)
        if result[0] == OBSERVED:
            raise _Observed(what)
        if result[0] not in ACCEPTED:
            raise EngineFailure(f"engine error {result[0]} on {what}")

    def _drain(self, state_handle: int, sid: str, firings: list[Firing], sent: list[str]
               ) -> None:
        handle = self.handle
        action = dre.start_action_for_state(handle, state_handle)
        message = action[1] if action else None
        facts = self._facts
        actions = self.program.actions
        while message:
            name = message[2:message.index('"', 2)]
            try:
                if name != WARMUP:
                    compiled = actions[name]
                    matched = _matched(message, facts, compiled.matches)
                    firings.append(self._act(compiled, matched, sid, len(firings), sent))
            except _Observed:
                dre.abandon_action(handle, state_handle)
                raise
            except Exception as exc:
                dre.abandon_action(handle, state_handle)
                raise EngineFailure(f"rule {name} failed while firing: {exc!r}") from exc
            message = dre.complete_and_start_action(handle, state_handle)

    def _act(self, compiled: CompiledRule, matched: dict, sid: str, index: int,
             sent: list[str]) -> Firing:
        primary = matched[compiled.rule.applies_to]  # what it is about (`subject_of`, inline)
        firing = Firing(index, compiled, matched,
                        (primary[SUBJECT_TYPE_KEY], primary[SUBJECT_REF_KEY])
                        if SUBJECT_TYPE_KEY in primary else (primary[TYPE_KEY], primary["ref"]))
        spec = compiled.derives
        if spec is not None:
            firing.derived = derive(compiled, matched, firing.subject)
            fact = dict(firing.derived, sid=sid)
            dues = self._dues.get(spec.fact)
            if dues:
                add_due_dates(fact, dues, self.due_day)
            tests = self._patterns.get(spec.fact)
            if tests:
                add_pattern_tests(fact, tests)
            body = to_json(fact)
            # the same fact derived again keeps its position, so the engine sees it as the
            # same fact (already observed) as it would without the index
            at = self._derived.get(body)
            new = at is None
            if at is None:  # new
                at = self._derived[body] = len(self._facts)
                self._facts.append({INDEX_KEY: at, **fact})
            text = f'{{"{INDEX_KEY}":{at},{body[1:]}'
            sent.append(self._handle(at, sid))
            result = dre.assert_fact(self.handle, text)
            if result[0] == OBSERVED and new:
                raise _Observed(f"{spec.fact} derived by {compiled.name}")
            if result[0] not in ACCEPTED and result[0] != OBSERVED:
                raise EngineFailure(f"engine error {result[0]} asserting {spec.fact}")
        return firing


def _matched(message: str, facts: list[dict[str, Any]], count: int
             ) -> dict[str, dict[str, Any]]:
    """alias -> fact, for the `count` facts a firing's message names (see _MARK); the rest of
    the message (the facts' values, the stratum marker) is never read."""
    matched = {}
    find, index, width = message.find, message.index, len(_MARK)
    at = find(_MARK)
    while at != -1:
        start = at + width
        end = index(",", start)
        matched[message[message.rindex('"', 0, at) + 1:at]] = facts[int(message[start:end])]
        count -= 1
        if not count:
            break
        at = find(_MARK, end)
    return matched


def to_json(value: Any) -> str:
    """Facts as the engine reads them: compact, non-ASCII as is (the engine matches text
    only so). orjson writes them several times faster than the standard library; an integer
    beyond 64 bits, which orjson refuses, goes through the standard library instead."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def subject_of(compiled: CompiledRule, matched: dict) -> tuple[str, str]:
    primary = matched[compiled.rule.applies_to]
    if SUBJECT_TYPE_KEY in primary:
        return primary[SUBJECT_TYPE_KEY], primary[SUBJECT_REF_KEY]
    return primary[TYPE_KEY], primary["ref"]


def derive(compiled: CompiledRule, matched: dict, subject: tuple[str, str]) -> dict[str, Any]:
    """The derived fact of a firing: declared fields, subject and provenance."""
    plan = compiled.derive_plan
    if plan is None:
        plan = compiled.derive_plan = _derive_plan(compiled)
    fact_type, rule_id, aliases, values, judged_alias, judged_key = plan
    subject_type, subject_ref = subject
    # derived facts are named by the documents behind them, not by the chain of derivations
    refs = "+".join([matched[a].get(SUBJECT_REF_KEY) or matched[a]["ref"]
                     for a in aliases if a in matched])
    fact: dict[str, Any] = {TYPE_KEY: fact_type, "ref": f"{fact_type}:{rule_id}:{refs}",
                            contract.DERIVED_BY_KEY: rule_id, SUBJECT_TYPE_KEY: subject_type,
                            SUBJECT_REF_KEY: subject_ref}
    for name, alias, key, literal in values:
        if alias is None:
            fact[name] = literal
        else:
            got = matched[alias].get(key)
            if got is not None:
                fact[name] = got
    primary = matched[compiled.rule.applies_to]
    if contract.AS_OF_KEY in primary:
        fact[contract.AS_OF_KEY] = primary[contract.AS_OF_KEY]
    # a derived fact is judged on the date the rule that derived it was judged on
    on = matched[judged_alias].get(judged_key)
    if on is not None:
        fact[JUDGED_ON_KEY] = on
    return fact


def _derive_plan(compiled: CompiledRule) -> tuple:
    """What `derive` needs of a compiled rule, worked out on its first firing."""
    rule = compiled.rule
    spec = rule.then.derive
    assert spec is not None
    values: list[tuple[str, str | None, str | None, Any]] = []  # name, alias, path, value
    for name, value in sorted(compiled.derive_fields.items()):
        if isinstance(value, dict):
            alias, path = value["field"].split(".", 1)
            values.append((name, alias, path.replace(".", "__"), None))
        else:
            values.append((name, None, None,
                           day_number(value) if isinstance(value, dt.date) else value))
    return (spec.fact, rule.id, tuple(compiled.aliases), tuple(values),
            compiled.judged.alias, compiled.judged.key)


class Runtime:
    """Evaluates cases against a rule set: one program, compiled once, for every date."""

    def __init__(self, ruleset: RuleSet, calendar: WorkingCalendar | None = None):
        clash = sorted(RESERVED & {name for fields in base_fields().values() for name in fields})
        if clash:  # a fact model's field the engine reserves for itself: a developer's error
            raise EngineFailure(f"fact fields {clash} are reserved by the engine; rename them")
        self.ruleset = ruleset
        self.calendar = calendar or WorkingCalendar.load()
        self._due_days: dict[tuple[int, str, int], int] = {}
        self.program = compile_program(ruleset)
        self.plan = FactPlan(ruleset, self.program)
        self._session: _Session | None = None
        # a catalogue holding versions of the law never in force together runs each case
        # against the rules in force on its dates (engine/core/epochs.py); else one session
        epochs = Epochs(self.program)
        self.epochs = epochs if epochs.worth_it() else None
        self._by_epochs: dict[int, _Session] = {}  # epochs a case touched -> its session
        self._live: dict[int, _Session] = {}  # epochs covered -> session, oldest first
        self._seen = 0  # every epoch a case touched so far
        self._last: _Session | None = None
        self.sessions_kept = SESSIONS

    @property
    def session(self) -> _Session:
        """The engine session, created on first use (creating it costs the ruleset's build)."""
        if self._session is None:
            self._session = _Session(self.program, self.due_day)
        return self._session

    def session_for(self, facts: list[dict[str, Any]]) -> _Session:
        """The session a case's facts run in: the one session, or one holding every rule in
        force on the case's dates (engine/core/epochs.py)."""
        epochs = self.epochs
        if epochs is None:
            return self.session
        mask = epochs.touched(facts)
        session = self._by_epochs.get(mask)
        if session is None:
            if len(self._by_epochs) >= MASKS_KEPT:
                self._by_epochs.clear()  # a cache: bounded memory however many date mixes
            session = self._by_epochs[mask] = self._covering(mask)
        self._last = session
        return session

    def _covering(self, mask: int) -> _Session:
        """The live session with the fewest rules whose epochs cover `mask`; else a new one
        for every epoch seen so far, so that sessions are made at most once per epoch. Past
        `sessions_kept`, the oldest is closed."""
        best = None
        for covered, session in self._live.items():
            if covered & mask == mask and (
                    best is None or len(session.program.definition)
                    < len(best.program.definition)):
                best = session
        if best is not None:
            return best
        self._seen |= mask
        try:
            best = _Session(self._in_force(self._seen), self.due_day)
        except dre.error:  # the engine refused the smaller ruleset: the whole catalogue's
            assert self.epochs is not None  # serves every case from now on
            self._live[self.epochs.everything] = self.session
            return self.session
        if len(self._live) >= self.sessions_kept:
            old = self._live.pop(next(iter(self._live)))
            old.close()
            self._by_epochs = {m: s for m, s in self._by_epochs.items() if s is not old}
        self._live[self._seen] = best
        return best

    def _in_force(self, mask: int) -> Program:
        """The program of the rules in force in the epochs of `mask` (and the shadows that
        keep the engine's walk of the network as it is with the whole catalogue), unchunked
        where the walk's order does not matter, else in the whole catalogue's chunks; the
        whole catalogue itself should neither fit the engine's tables (it cannot: the second
        only leaves rules out of the whole, which was checked at load)."""
        assert self.epochs is not None
        program = self.program
        names = self.epochs.rules(mask)
        for unchunk in (True, False):
            definition = in_force_definition(program, names, unchunk)
            if not measure(definition):
                return dataclasses.replace(program, definition=definition,
                                           key=f"{program.key}e{mask:x}")
        return program

    def evaluate_all(self, cases: list[tuple[Case, dt.date]]) -> list[Any]:
        """Several cases, each on its as-of date, stage by stage: the facts of all of them are
        made, then all are run in the engine. Each case is evaluated in isolation as ever; run
        stage by stage over a small batch, each stage's code and data stay in the processor's
        caches (bulk screening measured a fifth faster than case by case). A case that fails
        gives its exception in its place, and the others go on."""
        out: list[Any] = [None] * len(cases)
        prepared = []
        for i, (case, as_of) in enumerate(cases):
            try:
                prepared.append((i, self.prepare(case, as_of)))
            except CASE_ERRORS as exc:
                out[i] = exc
        program = self.program
        for i, facts in prepared:
            case, as_of = cases[i]
            try:
                out[i] = Evaluation(case, as_of, program, self.session_for(facts).run(facts),
                                    facts)
            except CASE_ERRORS as exc:
                out[i] = exc
        return out

    def prepare(self, case: Case, as_of: dt.date) -> list[dict[str, Any]]:
        """The case's engine facts, with the as-of date, the date each is judged on, the
        values the packs compute, every due date rules compare and every pattern they test."""
        records: list[Any] = []
        # the facts are made for the engine state the session uses now, which the next case
        # run almost always finds unchanged (see _Session.run)
        facts = case_facts(case, records, self.program.type_order, INDEX_KEY,
                           {"sid": self._next_sid()}, check=False)
        self.plan.complete(facts, records, day_number(as_of), self.due_day)
        check_width(facts)  # due dates, computed values and pattern tests are fields too
        return facts

    def _next_sid(self) -> str:
        """The engine state the next case will most likely run in (see _Session.run)."""
        if self.epochs is None:
            return self.session.sid
        return self._last.sid if self._last is not None else "1"

    def due_day(self, start: int, unit: str, days: int) -> int:
        """The due date, as a day number, of a time limit counted from day number `start`;
        remembered, since a population shares few distinct dates."""
        key = (start, unit, days)
        due = self._due_days.get(key)
        if due is None:
            if len(self._due_days) >= DUE_MEMO:
                self._due_days.clear()  # bounded memory however long the run
            due = self._due_days[key] = day_number(
                self.due_date(from_day_number(start), unit, days))
        return due

    def due_date(self, start: dt.date, unit: str, days: int) -> dt.date:
        try:
            if unit == "working":
                return self.calendar.add_working_days(start, days)
            return self.calendar.add_calendar_days(start, days)
        except CalendarError as exc:
            raise EngineFailure(f"cannot compute a due date: {exc}") from exc
