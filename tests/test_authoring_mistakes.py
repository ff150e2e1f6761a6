"""Every mistake docs/editing-rules.md shows ("When something is wrong"), made on a copy of the
rules and run through the command the page gives: the message is the one the page prints, it
names the line of the mistake, and it says how to fix it; in Russian too.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from conftest import ROOT, parameter_line
from rexcheck.cli.main import main
from rexcheck.engine.core.loader import load_rules

DOC = (ROOT / "docs" / "editing-rules.md").read_text(encoding="utf-8")
SECTION = DOC[DOC.index("## 7. When something is wrong"):DOC.index("## 8. ")]
SHIPPED = load_rules()
RULE = "  - id: R244-11-rex-number-required-ch\n"
STATEMENTS = "order-244/ch2-statements.yaml"
STATEMENT_TESTS = "tests/order-244/ch2-statements.yaml"


@dataclass
class Mistake:
    name: str
    file: str  # under rules/
    make: Callable[[str], tuple[str, int]]  # the file's text -> the text with the mistake,
    #                                         and the line the message must name
    fix: str  # words of the message that say how to fix it
    below: int = 0  # the message names the line this many below the edit (the quotation)


def _replace_after(anchor: str, old: str, new: str) -> Callable[[str], tuple[str, int]]:
    def make(text: str) -> tuple[str, int]:
        at = text.index(old, text.index(anchor))
        return text[:at] + new + text[at + len(old):], text[:at].count("\n") + 1
    return make


def _wrong_date(text: str) -> tuple[str, int]:
    line = parameter_line(SHIPPED, "statement_threshold_chf")
    start = str(SHIPPED.parameters["statement_threshold_chf"].periods()[-1][0])
    day_first = ".".join(reversed(start.split("-")))
    at = text.index(line)
    return (text[:at] + line.replace(start, day_first) + text[at + len(line):],
            text[:at].count("\n") + 1)


def _then_too_deep(text: str) -> tuple[str, int]:
    start = text.index("    then:\n", text.index(RULE))
    end = text.index("\n\n", start)
    block = "\n".join("  " + line for line in text[start:end].split("\n"))
    return text[:start] + block + text[end:], text[:start].count("\n") + 1


MISTAKES = [
    Mistake("A date in the wrong format", "order-244/parameters.yaml", _wrong_date,
            "write dates as YYYY-MM-DD, e.g. "),
    Mistake("A line indented too far", STATEMENTS,
            _replace_after(RULE, "    when:\n", "     when:\n"),
            "line it up with the field above"),
    Mistake("A block indented one level too deep", STATEMENTS, _then_too_deep,
            "move 'then:' left, to line up with 'when:'"),
    Mistake("A misspelt rule id in a test", STATEMENT_TESTS,
            _replace_after("tests:\n", "expect_not: [R244-11-rex-number-required-ch,",
                           "expect_not: [R244-11-rex-number-requred-ch,"),
            "did you mean 'R244-11-rex-number-required-ch'?"),
    Mistake("A misspelt `set` path in a test", STATEMENT_TESTS,
            _replace_after("  - name: below the CHF threshold",
                           "consignments.0.statement.rex_number: null",
                           "consignments.0.statement.rex_nubmer: null"),
            "did you mean 'consignments.0.statement.rex_number'?"),
    Mistake("A citation of a paragraph the act does not have", STATEMENTS,
            _replace_after(RULE, "ref: Order 244 p.11\n", "ref: Order 244 p.111\n"),
            "(its Rules have p.1-p.22)"),
    Mistake("A quotation from another paragraph", STATEMENTS,
            _replace_after(RULE, "ref: Order 244 p.11\n", "ref: Order 244 p.12\n"),
            "cite 'Order 244 p.11', or quote p.12", below=1),
]


def test_every_mistake_the_page_shows_is_replayed_here():
    shown = re.findall(r"^\*\*(.+?)\.\*\*", SECTION, re.MULTILINE)
    assert shown == [m.name for m in MISTAKES]


def lint(tmp_path, monkeypatch, mistake: Mistake, lang: str = "en") -> tuple[list[str], int]:
    """The errors `rexcheck rules lint --rules rules/` prints, run where the page runs it."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / mistake.file
    text, line = mistake.make(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    line += mistake.below
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["rules", "lint", "--rules", "rules/", "--lang", lang],
                                catch_exceptions=False)
    assert result.exit_code == 2
    return [x for x in result.output.splitlines() if x.startswith("rules/")], line


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_the_message_is_the_one_the_page_prints_at_the_line_of_the_mistake(
        tmp_path, monkeypatch, mistake):
    (error,), line = lint(tmp_path, monkeypatch, mistake)
    assert error.startswith(f"rules/{mistake.file}:{line}:"), error
    assert mistake.fix in error
    assert error in SECTION, f"the page does not show: {error}"


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_the_message_speaks_russian_with_lang_ru(tmp_path, monkeypatch, mistake):
    (error,), line = lint(tmp_path, monkeypatch, mistake, "ru")
    assert error.startswith(f"rules/{mistake.file}:{line}:") and ": ошибка: " in error
    assert mistake.fix not in error  # the fix is said in Russian
