"""Rule tests as YAML: named cases, written by policy staff, run by `rexcheck rules test` and
pytest.

A test file lives under `rules/tests/` (mirroring the packs) and reads like the law's examples
(docs/rule-tests.md documents the format in full):

    fixtures:                       # named base cases the tests vary
      clean:
        case: T-1
        exporter: {tin: KZ010140000123, name: Altyn Dala LLP}
        applications: [{ref: A1, received: 2026-03-16, channel: electronic, ...}]
    tests:
      - name: refused when the application has no English version
        as_of: 2026-04-15
        use: clean                  # start from a fixture ...
        set:                        # ... and change fields (dotted paths, list positions)
          applications.0.languages: [ru]
        expect:                     # findings (or derivations) that must appear
          - {rule: R244-8-1-no-english, subject: application A1}
        expect_not: [R244-8-1-channel]   # rules that must not fire
        outcomes:                   # outcomes that must be decided
          application A1: refuse
        only: false                 # true: no finding other than `expect` may appear
                                    # (notices excepted)

Instead of `use`, a test may give `case:` inline or `case_file:` (relative to the test file).
An `expect` entry may also give `status` (late, overdue, pending) and `due` (a date) for a rule
with a deadline. Every field of an expectation is checked, for a rule that only derives a fact
as for one with a finding; a rule id the rule set does not have, a status or due date for a rule
without a deadline, and a `set` path the case files do not have are errors when the tests load
(and in `rexcheck rules lint`), located at their line with a "did you mean".
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rexcheck.engine.core.findings import Finding, TraceStep
from rexcheck.engine.services.result import CaseResult
from rexcheck.facts.base.errors import Diagnostic, InvalidInput, closest, did_you_mean
from rexcheck.facts.base.yamlsource import Positions, load_yaml
from rexcheck.facts.diagnose import from_validation_error, inner_model
from rexcheck.facts.loader import parse_case
from rexcheck.facts.models import Case


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expected(Strict):
    rule: str
    subject: str | None = Field(default=None, description="'application A1'")
    status: Literal["late", "overdue", "pending"] | None = None
    due: dt.date | None = None

    def matches(self, f: Finding) -> bool:
        return (f.rule_id == self.rule
                and (self.subject is None or self.subject == f"{f.subject.type} {f.subject.ref}")
                and (self.status is None or (f.deadline is not None
                                             and f.deadline.status == self.status))
                and (self.due is None or (f.deadline is not None and f.deadline.due == self.due)))

    def matches_derivation(self, step: TraceStep) -> bool:
        """A firing of a rule that derives a fact (and has no finding): its rule and subject."""
        if step.rule_id != self.rule or step.derived is None:
            return False
        if self.subject is None:
            return True
        subject = f"{step.derived.get('_subject_type')} {step.derived.get('_subject_ref')}"
        return subject == self.subject

    def matches_outcome(self, step: TraceStep) -> bool:
        """A firing of an outcome rule for a document (whether or not its outcome won)."""
        return (step.outcome is not None and step.rule_id == self.rule and self.status is None
                and self.due is None
                and (self.subject is None
                     or self.subject == f"{step.subject.type} {step.subject.ref}"))

    def describe(self) -> str:
        parts = [self.rule] + [f"{k}={v}" for k, v in (("subject", self.subject),
                                                      ("status", self.status),
                                                      ("due", self.due)) if v]
        return " ".join(str(p) for p in parts)


class RuleTest(Strict):
    name: str
    as_of: dt.date
    use: str | None = None
    case: dict[str, Any] | None = None
    case_file: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    expect: list[Expected] = Field(default_factory=list)
    expect_not: list[str] = Field(default_factory=list)
    outcomes: dict[str, str] = Field(default_factory=dict, description=(
        "document -> outcome, e.g. {application A1: refuse}"))
    outcome: str | None = Field(default=None, description="the case's outcome")
    only: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> RuleTest:
        if sum(x is not None for x in (self.use, self.case, self.case_file)) != 1:
            raise ValueError("give exactly one of 'use', 'case' and 'case_file'")
        if not (self.expect or self.expect_not or self.only or self.outcomes or self.outcome):
            raise ValueError("a test must expect something: 'expect', 'expect_not', "
                             "'outcomes', 'outcome' or 'only'")
        return self


class TestFile(Strict):
    fixtures: dict[str, dict[str, Any]] = Field(default_factory=dict)
    tests: list[RuleTest] = Field(min_length=1)


@dataclass
class LoadedTest:
    test: RuleTest
    file: str
    line: int
    case: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{Path(self.file).name}::{self.test.name}"


@dataclass
class Outcome:
    loaded: LoadedTest
    passed: bool
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    actual: list[str] = field(default_factory=list)
    error: str | None = None


def test_files(root: Path) -> list[Path]:
    folder = root / "tests"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and p.suffix.lower() in (".yaml", ".yml"))


def load_tests(root: Path, ruleset: Any = None) -> list[LoadedTest]:
    """Every rule test under `root/tests`; all problems of all files raised together. With a
    rule set, rule ids and what is expected of each rule are checked against it too."""
    problems: list[Diagnostic] = []
    out: list[LoadedTest] = []
    for path in test_files(root):
        try:
            data, positions = load_yaml(path)
            parsed = TestFile.model_validate(data)
        except InvalidInput as exc:
            problems.extend(exc.diagnostics)
            continue
        except ValidationError as exc:
            problems.extend(from_validation_error(exc, positions, TestFile))
            continue
        for i, test in enumerate(parsed.tests):
            line, col = positions.of(("tests", i))
            where = positions.child(("tests", i))
            found = _check_test(test, where, ruleset) + _check_set_paths(test, where)
            if found:
                problems.extend(found)
                continue
            try:
                case = _build_case(test, parsed.fixtures, path)
            except (ValueError, KeyError, IndexError, TypeError, OSError, InvalidInput) as exc:
                problems.append(Diagnostic(str(path), line, col, f"test '{test.name}': {exc}",
                                           "bad-test"))
                continue
            out.append(LoadedTest(test, str(path), line, case))
    if problems:
        raise InvalidInput(problems)
    return out


def _check_test(test: RuleTest, where: Positions, ruleset: Any) -> list[Diagnostic]:
    """Rule ids the rule set does not have; a status or due date for a rule with no deadline;
    outcomes no document type has."""
    if ruleset is None:
        return []
    rules = {lr.rule.id: lr.rule for lr in ruleset.rules}
    out = []

    def error(path: tuple, message: str, code: str, hint: str | None = None) -> None:
        line, col = where.of(path)
        out.append(Diagnostic(where.file, line, col, f"test '{test.name}': {message}", code,
                              hint=hint))

    for i, e in enumerate(test.expect):
        rule = rules.get(e.rule)
        if rule is None:
            error(("expect", i, "rule"), f"no rule '{e.rule}'", "unknown-rule",
                  did_you_mean(e.rule, rules))
        elif (e.status or e.due) and rule.deadline is None:
            error(("expect", i), f"{e.rule} has no deadline: 'status' and 'due' cannot be "
                  "checked", "bad-expectation")
    for i, rule_id in enumerate(test.expect_not):
        if rule_id not in rules:
            error(("expect_not", i), f"no rule '{rule_id}'", "unknown-rule",
                  did_you_mean(rule_id, rules))
    known = {o for doc in ruleset.documents.values() for o in doc.outcomes}
    known |= {"error", "undetermined", "none"}
    for document, outcome in test.outcomes.items():
        if outcome not in known:
            error(("outcomes", document), f"'{outcome}' is no outcome", "bad-outcome",
                  did_you_mean(outcome, known))
    if test.outcome is not None and test.outcome not in known:
        error(("outcome",), f"'{test.outcome}' is no outcome", "bad-outcome",
              did_you_mean(test.outcome, known))
    return out


def _check_set_paths(test: RuleTest, where: Positions) -> list[Diagnostic]:
    """Each `set` path names a field of the case files, located at its line."""
    out = []
    for dotted in test.set:
        problem = _path_problem(dotted)
        if problem is not None:
            message, hint = problem
            line, col = where.of(("set", dotted))
            out.append(Diagnostic(where.file, line, col, f"test '{test.name}': 'set' path "
                                  f"'{dotted}': {message}", "unknown-field", hint=hint))
    return out


def _path_problem(dotted: str) -> tuple[str, str | None] | None:
    model: Any = Case
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if part.isdigit():
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return f"'{part}' is inside a value that has no fields", None
        info = model.model_fields.get(part)
        if info is None:
            before = ".".join(parts[:i] + [""]) if i else ""
            after = "".join("." + p for p in parts[i + 1:])
            close = closest(part, model.model_fields)
            hint = f"did you mean '{before}{close}{after}'?" if close else None
            return f"{model.__name__} has no field '{part}'", hint
        model = inner_model(info.annotation)
    return None


def _build_case(test: RuleTest, fixtures: dict[str, dict], path: Path) -> dict[str, Any]:
    if test.use is not None:
        if test.use not in fixtures:
            raise ValueError(f"no fixture '{test.use}' (fixtures: {', '.join(fixtures)})")
        case = copy.deepcopy(fixtures[test.use])
    elif test.case is not None:
        case = copy.deepcopy(test.case)
    else:
        data, _ = load_yaml(path.parent / str(test.case_file))
        case = data
    for dotted, value in test.set.items():
        _set_path(case, dotted, value)
    return case


def _set_path(data: Any, dotted: str, value: Any) -> None:
    """Set `a.0.b` in nested data; `null` removes the field; the next list position appends."""
    parts = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    node = data
    for part in parts[:-1]:
        if isinstance(part, str) and isinstance(node, dict) and part not in node:
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if value is None and isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and last == len(node):
        node.append(value)  # `applications.1` adds a second application
    else:
        node[last] = value


def _label(f: Finding) -> str:
    status = f" ({f.deadline.status}, due {f.deadline.due})" if f.deadline else ""
    return f"{f.rule_id} {f.subject.type} {f.subject.ref}{status}"


def run_test(checker: Any, loaded: LoadedTest) -> Outcome:

    test = loaded.test
    try:
        case = parse_case(loaded.case, Positions(loaded.file))
    except InvalidInput as exc:
        return Outcome(loaded, False, error=str(exc))
    result: CaseResult = checker.check(case, test.as_of, explain=True)
    if result.outcome == "error":
        return Outcome(loaded, False, error=result.error)
    found = list(result.findings) + list(result.notices) + list(result.pending)
    steps = [s for s in result.trace or [] if s.derived is not None]
    missing = [e.describe() for e in test.expect
               if not any(e.matches(f) for f in found)
               and not any(e.matches_derivation(s) for s in steps)
               and not any(e.matches_outcome(step) for step in result.trace or [])]
    decided = {o.document: o.outcome for o in result.outcomes}
    missing += [f"outcome of {doc}: {want} (decided: {decided.get(doc, 'no such document')})"
                for doc, want in test.outcomes.items() if decided.get(doc) != want]
    if test.outcome is not None and result.outcome != test.outcome:
        missing.append(f"case outcome: {test.outcome} (decided: {result.outcome})")
    unexpected = [_label(f) for f in found if f.rule_id in test.expect_not]
    unexpected += [f"{s.rule_id} (derived {s.derived['ref']})" for s in result.trace or []
                   if s.derived is not None and s.rule_id in test.expect_not]
    unexpected += [f"{s.rule_id} (decided {s.outcome})" for s in result.trace or []
                   if s.outcome is not None and s.rule_id in test.expect_not]
    if test.only:  # notices (e.g. the publication data set) never count here
        unexpected += [_label(f) for f in result.findings
                       if not any(e.matches(f) for e in test.expect)]
    actual = [_label(f) for f in found] + [f"{o.document} => {o.outcome}"
                                           for o in result.outcomes]
    return Outcome(loaded, not missing and not unexpected, missing, sorted(set(unexpected)),
                   actual)


def needs_silent_test(rule: Any) -> bool:
    """A rule with no condition at all fires for every fact it applies to: no test can show
    it silent, and none is asked for."""
    return bool(rule.when is not None or rule.with_ or rule.without or rule.deadline)


def coverage(tests: list[LoadedTest]) -> tuple[set[str], set[str]]:
    """Rule ids with a test that fires them, and with a test where they must not fire (an
    outcome rule counts as fired by a test that expects its outcome)."""
    fires = {e.rule for t in tests for e in t.test.expect}
    silent = {r for t in tests for r in t.test.expect_not}
    return fires, silent


REPORT_WORDS = {
    "en": {"expected": "expected, did not happen", "unexpected": "happened, not expected",
           "actual": "actual", "nothing": "(nothing)", "error": "error",
           "summary": "{} passed, {} failed ({} test(s) in {} file(s))"},
    "ru": {"expected": "ожидалось, не произошло", "unexpected": "произошло, не ожидалось",
           "actual": "на деле", "nothing": "(ничего)", "error": "ошибка",
           "summary": "пройдено: {}, не пройдено: {} (тестов: {}, файлов: {})"},
}


def report(outcomes: list[Outcome], verbose: bool = False, lang: str = "en") -> str:
    """Failures with what was expected and what happened, then a summary; every test with
    `verbose`."""
    words = REPORT_WORDS[lang]
    lines = []
    for o in outcomes:
        if o.passed and not verbose:
            continue
        mark = "PASS" if o.passed else "FAIL"
        lines.append(f"{mark} {o.loaded.file}:{o.loaded.line}: {o.loaded.test.name}")
        if o.passed:
            continue
        if o.error:
            lines.append(f"     {words['error']}: {o.error}")
        for m in o.missing:
            lines.append(f"     - {words['expected']}: {m}")
        for u in o.unexpected:
            lines.append(f"     + {words['unexpected']}:   {u}")
        lines.append(f"     {words['actual']}: {', '.join(o.actual) or words['nothing']}")
    failed = sum(not o.passed for o in outcomes)
    files = len({o.loaded.file for o in outcomes})
    lines.append(words["summary"].format(len(outcomes) - failed, failed, len(outcomes), files))
    return "\n".join(lines) + "\n"
