"""Diagnostics speak Russian with --lang ru, and none is left without its Russian text.

Every diagnostic code the code base produces is registered (engine/services/messages.py) with an English
and a Russian text, pydantic's as well; every message and hint the code base writes about rule,
law, test and case files has its Russian translation. Both are found by reading the code: a new
message without a translation fails here.
"""

from __future__ import annotations

import ast
import shutil

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT
from rexcheck.cli.main import main
from rexcheck.engine.services.messages import RU, format_line, pydantic_types, registry, translate
from rexcheck.facts.base.errors import Diagnostic

# the calls that make a diagnostic (or an error that becomes one), and the functions whose
# returned text is a message
MAKERS = {"Diagnostic", "error", "_error", "_warn", "_Refused", "Problem", "Inconsistent",
          "CalendarError", "did_you_mean", "error_at"}
MESSAGE_FUNCTIONS = {"_why_undecided", "_describe", "_divergence", "date_hint"}
MESSAGE_NAMES = {"message", "hint"}
# the modules whose messages are about rule, law, test and case files (and the cases judged)
MODULES = [
    "engine/core/conditions.py", "facts/diagnose.py", "engine/core/lawtexts.py",
    "engine/authoring/lint.py", "engine/core/loader.py", "facts/base/yamlsource.py",
    "engine/authoring/ruletests.py", "engine/services/proposal.py", "engine/core/compiler.py",
    "engine/core/partition.py", "engine/core/outcomes.py", "engine/core/factplan.py",
    "engine/services/checker.py", "facts/loader.py", "facts/records.py", "facts/models.py",
    "facts/wholecase.py"]
# words passed beside a code that are not codes: severities, languages, what a citation
# problem is about (its ref or its text), a kind of day
NOT_CODES = {"warning", "info", "en", "ru", "ref", "text", "working",
             # the workbench's kinds of calendar day and chain step, and an HTTP header value
             "weekend", "holiday", "outcome", "no-store"}
CODE_MODULES = sorted(str(p.relative_to(ROOT)) for folder in ("engine", "facts", "cli")
                      for p in (ROOT / folder).rglob("*.py"))


def _template(node: ast.AST) -> str | None:
    """The text an expression writes, `{}` for each value put in; None if it is no text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value.replace("{", "{{").replace("}", "}}")
                       if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def _texts(node: ast.AST) -> list[str]:
    if isinstance(node, ast.IfExp):
        return _texts(node.body) + _texts(node.orelse)
    text = _template(node)
    return [text] if text is not None else []


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def message_templates(module: str) -> set[str]:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        exprs: list[ast.AST] = []
        if isinstance(node, ast.Call) and _name(node) in MAKERS:
            exprs = [*node.args, *(k.value for k in node.keywords if k.arg in MESSAGE_NAMES)]
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in MESSAGE_NAMES for t in node.targets):
            exprs = [node.value]
        elif isinstance(node, ast.FunctionDef) and node.name in MESSAGE_FUNCTIONS:
            exprs = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value]
        for expr in exprs:
            found.update(t for t in _texts(expr) if " " in t.strip() and len(t) > 12)
    return found


def codes_in_use(module: str) -> set[str]:
    """The codes a module gives its diagnostics: the code-like texts passed to the calls that
    make them, set as `kind`, or mapped from an exception's name."""
    import re

    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    code = re.compile(r"^[a-z]+(-[a-z0-9]+)+$|^[a-z]{2,}$")
    found: set[str] = set()
    for node in ast.walk(tree):
        values: list[ast.AST] = []
        if isinstance(node, ast.Call) and _name(node) in MAKERS | {"failed", "problem"}:
            values = [*node.args, *(k.value for k in node.keywords if k.arg == "code")]
        elif (isinstance(node, ast.keyword) and node.arg == "code") or (isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in ("kind", "code") for t in node.targets)):
            values = [node.value]
        elif isinstance(node, ast.Dict) and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value[:1].isupper()
                for k in node.keys if k is not None) and node.keys:
            values = list(node.values)  # {"Inconsistent": "inconsistent-dates", ...}
        for value in values:
            for text in _texts(value):
                if code.match(text) and text not in NOT_CODES:
                    found.add(text)
    return found


def test_every_code_in_use_has_an_english_and_a_russian_text():
    known = registry()
    used = set().union(*(codes_in_use(m) for m in CODE_MODULES))
    assert len(used) > 60
    missing = sorted(c for c in used if c not in known or not all(known[c]))
    assert missing == [], f"codes without both texts in engine/services/messages.py: {missing}"


def test_every_code_pydantic_can_give_has_a_russian_text():
    known = registry()
    for kind in pydantic_types():
        english, russian = known[kind.replace("_", "-")]
        assert english and russian, kind


@pytest.mark.parametrize("module", MODULES)
def test_every_message_about_a_file_has_its_russian_translation(module):
    missing = sorted(t for t in message_templates(module) if t not in RU)
    assert missing == [], f"{module}: messages without a translation in RU: {missing}"


def test_every_translation_puts_in_as_many_values_as_its_english():
    import string

    for english, russian in RU.items():
        count = sum(1 for _, name, _, _ in string.Formatter().parse(english) if name is not None)
        fields = [name for _, name, _, _ in string.Formatter().parse(russian) if name is not None]
        assert len(fields) == count, english
        russian.format(*["x"] * count)


def test_a_translation_keeps_the_values_and_translates_messages_inside_messages():
    text = ("test 'T1': 'set' path 'consignments.0.x': Consignment has no field 'x'")
    assert translate(text, "ru") == ("тест 'T1': путь 'set' 'consignments.0.x': у Consignment "
                                     "нет поля 'x'")
    assert translate(text, "en") == text


def test_pydantic_messages_are_translated_by_their_type():
    d = Diagnostic("f.yaml", 3, 5, "Input should be 'error', 'warning' or 'info' (got 'fatal')",
                   "literal-error")
    assert format_line(d, "ru") == ("f.yaml:3:5: ошибка: значение должно быть одним из: "
                                    "'error', 'warning' or 'info' (получено 'fatal') "
                                    "[literal-error]")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def rules(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", root)
    return root


def test_lint_speaks_russian(rules):
    tests = rules / "tests" / "order-244" / "ch2-statements.yaml"
    text = tests.read_text(encoding="utf-8")
    tests.write_text(text.replace("R244-11-rex-number-required-ch,",
                                  "R244-11-rex-number-requred-ch,", 1), encoding="utf-8")
    result = run("rules", "lint", "--rules", rules, "--lang", "ru")
    assert result.exit_code == 2
    assert ": ошибка: тест '" in result.output
    assert "нет правила 'R244-11-rex-number-requred-ch'; возможно, имелось в виду " \
           "'R244-11-rex-number-required-ch'? [unknown-rule]" in result.output
    assert result.output.endswith("ошибок: 1, предупреждений: 0\n")


def test_rule_test_errors_and_report_speak_russian(rules):
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("{from: 2021-04-11,", "{from: 11.04.2021,", 1),
                      encoding="utf-8")
    result = run("rules", "test", "--rules", rules, "--lang", "ru")
    assert result.exit_code == 2
    assert "'11.04.2021' — не дата в том виде, в каком rexcheck читает даты; пишите даты в " \
           "виде ГГГГ-ММ-ДД, например 2021-04-11 [bad-date]" in result.output
    assert "ошибок: 1; ничего не проверено" in result.output


def test_a_passing_rule_test_run_summarises_in_russian():
    result = run("rules", "test", "--lang", "ru")
    assert result.exit_code == 0
    assert result.output.startswith("пройдено: ") and ", не пройдено: 0 (тестов: " in \
        result.output


def test_check_speaks_russian_about_a_case_file(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text((EXAMPLES / "refused-no-english.yaml").read_text(encoding="utf-8")
                    .replace("channel: email", "chanel: email"), encoding="utf-8")
    result = run("check", case, "--lang", "ru")
    assert result.exit_code == 2
    assert "ошибка: поле 'applications.0.chanel': неизвестное поле 'chanel'; возможно, " \
           "имелось в виду 'channel'? [extra-forbidden]" in result.output


def test_screen_gives_the_errors_of_a_record_in_russian(tmp_path):
    import json

    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"case": "R-1", "exporter": {"tin": "KZ1", "name": "x"},
                               "as_of": "01.06.2026"}) + "\n", encoding="utf-8")
    result = run("screen", path, "--lang", "ru")
    (line,) = [x for x in result.output.splitlines() if x.startswith("{")][:1]
    (problem,) = json.loads(line)["errors"]
    assert problem["message"] == "'01.06.2026' — не дата в том виде, в каком rexcheck читает даты"
    assert problem["hint"] == "пишите даты в виде ГГГГ-ММ-ДД, например 2026-06-01"
