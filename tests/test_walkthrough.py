"""docs/editing-rules.md, step by step, on a copy of the rules: it must work as printed."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from conftest import ROOT
from rexcheck.cli.main import main

DOC = (ROOT / "docs" / "editing-rules.md").read_text(encoding="utf-8")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_walkthrough_works_as_printed(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = tmp_path / "rules-before"
    shutil.copytree(rules, before)

    # 1. clean to start with
    assert run("rules", "lint", str(rules)).output.endswith("0 error(s), 0 warning(s)\n")

    # 2. change the threshold as the doc's sed command does
    params = rules / "order-244" / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("value: 10300}", "value: 12000}"),
                      encoding="utf-8")

    # 3. the two failures the doc prints
    result = run("rules", "test", str(rules))
    assert result.exit_code == 1
    assert "215 passed, 2 failed" in result.output and "215 passed, 2 failed" in DOC
    for line in result.output.splitlines():
        if line.startswith("FAIL") or line.startswith("     "):
            printed = line.replace(str(rules), "rules")
            assert printed in DOC, f"the doc does not show: {printed}"

    # 4. the fixes the doc describes
    tests = rules / "tests" / "order-244" / "ch2-statements.yaml"
    text = tests.read_text(encoding="utf-8")
    text = text.replace('consignments.0.value: {amount: "10300.00", currency: CHF}',
                        'consignments.0.value: {amount: "12000.00", currency: CHF}')
    text = text.replace('consignments.0.value: {amount: "11000", currency: EUR}\n'
                        '      consignments.0.exchange_rates',
                        'consignments.0.value: {amount: "13000", currency: EUR}\n'
                        '      consignments.0.exchange_rates')
    tests.write_text(text, encoding="utf-8")
    result = run("rules", "test", str(rules))
    summary = "217 passed, 0 failed (217 test(s) in 8 file(s))"
    assert result.exit_code == 0 and result.output.endswith(summary + "\n")
    assert summary in DOC

    # 5. catalogue
    result = run("rules", "docs", str(rules), "--out", str(tmp_path / "docs"))
    assert result.exit_code == 0 and (tmp_path / "docs" / "catalogue.html").exists()

    # 6. what-if
    result = run("whatif", "--baseline", str(before), "--proposed", str(rules),
                 str(ROOT / "examples/whatif/population.jsonl"))
    assert "invalid -> valid         4" in result.output
    assert "invalid -> valid  4" in DOC
