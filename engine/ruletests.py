"""Rule tests as YAML: named cases, written by policy staff, run by `rexcheck rules test` and pytest.

A test file lives under `rules/tests/` (mirroring the packs) and reads like the law's examples:

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
        expect:                     # findings that must appear
          - {rule: R244-8-1-no-english, subject: application A1}
        expect_not: [R244-8-1-channel]   # rules that must not fire
        only: false                 # true: no finding other than `expect` may appear
                                    # (information notices excepted)

Instead of `use`, a test may give `case:` inline or `case_file:` (relative to the test file).
An `expect` entry may also give `status` (late, overdue, pending) and `due` (a date).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from rexcheck.engine.diagnose import from_validation_error
from rexcheck.engine.errors import Diagnostic, InvalidInput
from rexcheck.engine.findings import CaseResult, Finding
from rexcheck.engine.yamlsource import Positions, load_yaml


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expected(Strict):
    rule: str
    subject: str | None = Field(default=None, description="'application A1'")
    status: str | None = None
    due: dt.date | None = None

    def matches(self, f: Finding) -> bool:
        return (f.rule_id == self.rule
                and (self.subject is None or self.subject == f"{f.subject.type} {f.subject.ref}")
                and (self.status is None or (f.deadline is not None
                                             and f.deadline.status == self.status))
                and (self.due is None or (f.deadline is not None and f.deadline.due == self.due)))

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
    only: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> RuleTest:
        if sum(x is not None for x in (self.use, self.case, self.case_file)) != 1:
            raise ValueError("give exactly one of 'use', 'case' and 'case_file'")
        if not self.expect and not self.expect_not and not self.only:
            raise ValueError("a test must expect something: 'expect', 'expect_not' or 'only'")
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
    return sorted(folder.rglob("*.yaml")) if folder.is_dir() else []


def load_tests(root: Path) -> list[LoadedTest]:
    """Every rule test under `root/tests`; all problems of all files raised together."""
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
            try:
                case = _build_case(test, parsed.fixtures, path)
            except (ValueError, KeyError, IndexError, OSError, InvalidInput) as exc:
                problems.append(Diagnostic(str(path), line, col, f"test '{test.name}': {exc}",
                                           "bad-test"))
                continue
            out.append(LoadedTest(test, str(path), line, case))
    if problems:
        raise InvalidInput(problems)
    return out


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
    from rexcheck.facts.loader import parse_case

    test = loaded.test
    try:
        case = parse_case(loaded.case, Positions(loaded.file))
    except InvalidInput as exc:
        return Outcome(loaded, False, error=str(exc))
    result: CaseResult = checker.check(case, test.as_of)
    if result.error:
        return Outcome(loaded, False, error=result.error)
    found = list(result.findings) + list(result.pending)
    # a rule that only derives a fact shows in the trace, not among the findings
    derived_by = {step.rule_id for step in result.trace if step.derived}
    missing = [e.describe() for e in test.expect
               if not any(e.matches(f) for f in found) and e.rule not in derived_by]
    unexpected = [_label(f) for f in found if f.rule_id in test.expect_not]
    unexpected += [f"{r} (derived a fact)" for r in test.expect_not if r in derived_by]
    if test.only:  # information notices (e.g. the publication data set) never count here
        unexpected += [_label(f) for f in result.findings
                       if f.severity != "info" and not any(e.matches(f) for e in test.expect)]
    return Outcome(loaded, not missing and not unexpected, missing, sorted(set(unexpected)),
                   [_label(f) for f in found])


def coverage(tests: list[LoadedTest]) -> tuple[set[str], set[str]]:
    """Rule ids with a test that fires them, and with a test where they must not fire."""
    fires = {e.rule for t in tests for e in t.test.expect}
    silent = {r for t in tests for r in t.test.expect_not}
    return fires, silent


def report(outcomes: list[Outcome]) -> str:
    lines = []
    for o in outcomes:
        mark = "PASS" if o.passed else "FAIL"
        lines.append(f"{mark} {o.loaded.file}:{o.loaded.line}: {o.loaded.test.name}")
        if o.passed:
            continue
        if o.error:
            lines.append(f"     error: {o.error}")
        for m in o.missing:
            lines.append(f"     - expected, did not fire: {m}")
        for u in o.unexpected:
            lines.append(f"     + fired, not expected:    {u}")
        lines.append(f"     actual findings: {', '.join(o.actual) or '(none)'}")
    failed = sum(not o.passed for o in outcomes)
    lines.append(f"{len(outcomes) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"
