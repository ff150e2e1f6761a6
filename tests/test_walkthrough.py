"""docs/editing-rules.md, step by step, on a copy of the rules: it must work as printed.

The page raises the CHF threshold of p.11 from the value the packs give, and shows what each
command prints. When the packs give another value (the copy the walk-through suite makes has
done these very edits already), the page does not apply and this test says so; the page is
then to be brought up to date with the packs.
"""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT, law_value, parameter_line
from rexcheck.cli.main import main

DOC = (ROOT / "docs" / "editing-rules.md").read_text(encoding="utf-8")
CHF = "statement_threshold_chf"
TESTS = "tests/order-244/ch2-statements.yaml"
AT_THRESHOLD = "  - name: a value exactly at the CHF threshold"
IN_EURO = "  - name: a value in euro above the threshold once converted"
DOC_OLD, DOC_NEW = (int(v) for v in re.search(r"sed -i 's/value: (\d+)}/value: (\d+)}/'",
                                              DOC).groups())


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def fence_after(marker: str) -> list[str]:
    """The lines of the first output block (a code block with no language) after `marker`."""
    rest = DOC[DOC.index(marker):]
    return next(body for lang, body in re.findall(r"```(\w*)\n(.*?)```", rest, re.DOTALL)
                if not lang).splitlines()


def amount_in(text: str, test: str, currency: str) -> str:
    """The amount a rule test (named by the start of its line) sets, in a currency."""
    block = text[text.index(test):]
    pattern = r'consignments\.0\.value: \{amount: "([^"]+)", currency: ' + currency + r"\}"
    return re.search(pattern, block).group(1)


def set_amount(text: str, test: str, currency: str, amount: str) -> str:
    at = text.index(test)
    old = f'consignments.0.value: {{amount: "{amount_in(text, test, currency)}", ' \
          f'currency: {currency}}}'
    new = f'consignments.0.value: {{amount: "{amount}", currency: {currency}}}'
    return text[:at] + text[at:].replace(old, new, 1)


def test_the_walkthrough_works_as_printed(tmp_path, checker):
    now = law_value(checker.ruleset, CHF)
    if now != DOC_OLD:
        pytest.skip(f"the packs give {CHF} = {now}, the page starts from {DOC_OLD}")
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = tmp_path / "rules-before"
    shutil.copytree(rules, before)

    # 1. clean to start with
    assert run("rules", "lint", "--rules", rules).output.endswith("0 error(s), 0 warning(s)\n")

    # 2. change the threshold, as the page's sed command does
    params = rules / "order-244" / "parameters.yaml"
    line = parameter_line(checker.ruleset, CHF)
    params.write_text(params.read_text(encoding="utf-8").replace(
        line, line.replace(f"value: {DOC_OLD}}}", f"value: {DOC_NEW}}}")), encoding="utf-8")

    # 3. the two failures the page prints, and its summary
    result = run("rules", "test", "--rules", rules)
    assert result.exit_code == 1
    printed = [x.replace(str(rules), "rules") for x in result.output.splitlines()]
    assert [x for x in printed if x.startswith("FAIL")] == [
        x for x in DOC.splitlines() if x.startswith("FAIL")]
    for x in printed:
        assert x in DOC, f"the page does not show: {x}"
    assert re.match(r"\d+ passed, 2 failed", printed[-1])

    # 4. the fixes the page describes
    tests = rules / TESTS
    text = tests.read_text(encoding="utf-8")
    for name, currency in ((AT_THRESHOLD, "CHF"), (IN_EURO, "EUR")):
        pattern = r'`consignments\.0\.value: \{amount: "([0-9.]+)", currency: ' + currency
        amount = re.search(pattern + r"\}`", DOC).group(1)
        text = set_amount(text, name, currency, amount)
    tests.write_text(text, encoding="utf-8")
    result = run("rules", "test", "--rules", rules)
    assert result.exit_code == 0 and ", 0 failed (" in result.output
    assert result.output.splitlines()[-1] in DOC

    # 5. catalogue
    result = run("rules", "docs", "--rules", rules, "--out", tmp_path / "docs")
    assert result.exit_code == 0 and (tmp_path / "docs" / "catalogue.html").exists()

    # 6. what-if: the change of the law first, then the outcome changes per document type
    result = run("whatif", "--rules", before, "--proposed", rules,
                 ROOT / "examples/whatif/population.jsonl", "--summary")
    output = result.output.replace(str(rules), "rules")
    for x in fence_after("## 6. See what the change does"):
        assert x == "..." or x in output, f"the output does not show: {x}"
