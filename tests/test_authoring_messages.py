"""Mistakes in rule, law, test and case files are reported once, at their line, in words.

A mistake that stops a file loading is the root cause: it comes first, and the errors it would
cause elsewhere (a rule using a parameter that did not load) are not reported. Dates say how
they are written, wherever a date is read; indentation mistakes say which line is out of line
with which; a key indented one level too deep or too little says so at that key's line.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, MINIMAL_RULE, ROOT, parameter_line, write_pack
from rexcheck.cli.main import main
from rexcheck.engine.core.loader import load_rules
from rexcheck.facts.base.errors import InvalidInput
from rexcheck.facts.base.yamlsource import load_yaml

SHIPPED = load_rules()
CHF_LINE = parameter_line(SHIPPED, "statement_threshold_chf")  # `      - {from: ..., value: ...}`
FIRST_DAY = SHIPPED.parameters["statement_threshold_chf"].periods()[-1][0]  # its `from`
DAY_FIRST = FIRST_DAY.strftime("%d.%m.%Y")  # the same date written the wrong way round
DATE_HINT = f"write dates as YYYY-MM-DD, e.g. {FIRST_DAY}"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def rules(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", root)
    return root


def edit(path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error: " in line]


def test_a_parameter_date_in_the_wrong_format_is_one_error_with_the_fix(rules):
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    line = text[:text.index(CHF_LINE)].count("\n") + 1
    edit(params, CHF_LINE, CHF_LINE.replace(str(FIRST_DAY), DAY_FIRST))
    result = run("rules", "lint", "--rules", str(rules))
    assert result.exit_code == 2
    (error,) = errors(result.output)
    assert error.startswith(f"{params}:{line}:10: error: ")
    assert f"'{DAY_FIRST}' is not a date" in error and DATE_HINT in error
    assert result.output.endswith("1 error(s), 0 warning(s)\n")


def test_the_date_hint_rewrites_the_value_when_it_reads_as_a_day_month_year(rules):
    params = rules / "order-244" / "parameters.yaml"
    edit(params, CHF_LINE, CHF_LINE.replace(str(FIRST_DAY), "01/02/2021"))
    (error,) = errors(run("rules", "lint", "--rules", str(rules)).output)
    assert "write dates as YYYY-MM-DD, e.g. 2021-02-01" in error


def test_a_date_in_law_yaml_in_the_wrong_format_is_one_error(rules):
    start = SHIPPED.versions["order-244"].start
    edit(rules / "law.yaml", f"from: {start}", f"from: {start.strftime('%d.%m.%Y')}")
    result = run("rules", "lint", "--rules", str(rules))
    (error,) = errors(result.output)
    assert error.startswith(f"{rules / 'law.yaml'}:")
    assert f"write dates as YYYY-MM-DD, e.g. {start}" in error


def test_a_date_in_a_rule_test_in_the_wrong_format_names_its_line(rules):
    tests = rules / "tests" / "order-244" / "ch2-statements.yaml"
    text = tests.read_text(encoding="utf-8")
    line = text[:text.index("as_of: 2026-")].count("\n") + 1
    edit(tests, "as_of: 2026-06-01", "as_of: 01.06.2026")
    result = run("rules", "test", "--rules", str(rules))
    assert result.exit_code == 2
    (error,) = errors(result.output)
    assert error.startswith(f"{tests}:{line}:")
    assert "write dates as YYYY-MM-DD, e.g. 2026-06-01" in error


def test_a_date_in_a_case_file_in_the_wrong_format_names_its_line(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text((EXAMPLES / "refused-no-english.yaml").read_text(encoding="utf-8")
                    .replace("received: 2026-03-19", "received: 19.03.2026"), encoding="utf-8")
    result = run("check", str(case))
    assert result.exit_code == 2
    (error,) = errors(result.output)
    assert "'19.03.2026' is not a date" in error
    assert "write dates as YYYY-MM-DD, e.g. 2026-03-19" in error


def test_a_day_that_does_not_exist_is_named_as_such(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("case: X\nas_of: 2026-02-30\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_yaml(path)
    (d,) = exc.value.diagnostics
    assert (d.line, d.column) == (2, 8)
    assert "'2026-02-30' is not a day of the calendar" in d.message and d.hint == DATE_HINT


def test_a_rule_file_that_is_not_yaml_blames_no_rule_that_uses_its_names(rules):
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    line = text[:text.index(CHF_LINE)].count("\n") + 1
    edit(params, CHF_LINE, CHF_LINE[3:])  # the list item indented less than its key
    result = run("rules", "lint", "--rules", str(rules))
    (error,) = errors(result.output)
    assert error.startswith(f"{params}:{line}:4: error: line {line} is not lined up")


def test_the_error_that_stops_a_file_loading_comes_first(tmp_path):
    root = write_pack(tmp_path / "rules", MINIMAL_RULE.replace("eq: email", "eq: emial"))
    (root / "test" / "other.yaml").write_text("act: Order 244\ntitle: [\n", encoding="utf-8")
    result = run("rules", "lint", "--rules", str(root))
    first, second = errors(result.output)
    assert "other.yaml" in first and "pack.yaml" in second


def test_then_indented_one_level_too_deep_is_reported_at_its_line(tmp_path):
    text = MINIMAL_RULE.replace("    when: {field: application.channel, eq: email}\n    then:\n"
                                "      finding:",
                                "    when:\n      field: application.channel\n      eq: email\n"
                                "      then:\n        finding:")
    root = write_pack(tmp_path / "rules", text)
    (error,) = errors(run("rules", "lint", "--rules", str(root)).output)
    assert ":13:7: error: rule T-1-channel: field 'then': 'then' is indented one level too " \
           "deep: it sits inside 'when' (line 10)" in error
    assert "move 'then:' left, to line up with 'when:' [misplaced-key]" in error


def test_a_key_indented_too_little_names_where_it_belongs(tmp_path):
    text = MINIMAL_RULE.replace("    then:\n      finding:", "    then:\n    finding:")
    root = write_pack(tmp_path / "rules", text)
    found = errors(run("rules", "lint", "--rules", str(root)).output)
    assert any("'finding' cannot stand here: it is a field of 'then', so it is probably "
               "indented too little; indent it under 'then:'" in e for e in found)


@pytest.mark.parametrize("text, line, words", [
    ("rules:\n  - id: A\n    title: x\n   - id: B\n", 4,
     "line 4 is not lined up with the list it follows: its items have their '-' in column 3 "
     "(line 2), this line starts in column 4"),
    ("tests:\n  - name: a\n    expect_not:\n      - R1\n     - R2\n", 5,
     "line 5 is not lined up with the list item above it: that one has its '-' in column 7 "
     "(line 4), this one in column 6"),
    ("rule:\n  id: A\n  title: x\n    then: y\n", 4,
     "line 4 is indented further than line 3 above it, which already has its value"),
    ("a:\n    b: 1\n  c: 2\n", 3, "line 3 is not lined up with the fields of the block"),
    ("rule:\n\tid: A\n", 2, "line 2 is indented with a tab"),
    ('a: "abc\nb: c\n', 1, "the quotation mark opened on line 1 is never closed"),
    ("a: {b: 1, c: 2\nd: 3\n", 2, "the '{' opened on line 1 is not closed"),
    ("a: 1\nb\nc: 2\n", 2, "line 2 has no ':' after its key"),
])
def test_yaml_mistakes_are_told_in_words_at_their_line(tmp_path, text, line, words):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_yaml(path)
    (d,) = exc.value.diagnostics
    assert d.line == line and words in d.message and d.code == "yaml-syntax"
    assert "while parsing" not in d.message and "expected" not in d.message


def test_a_date_in_a_rule_condition_in_the_wrong_format_says_how_to_write_it(tmp_path):
    text = MINIMAL_RULE.replace("{field: application.channel, eq: email}",
                                "{field: application.received, lt: 11.04.2021}")
    (error,) = errors(run("rules", "lint", "--rules", str(write_pack(tmp_path / "rules", text)))
                      .output)
    assert ":10:41: error: rule T-1-channel: field 'application.received'" in error
    assert "'11.04.2021' is not; write dates as YYYY-MM-DD, e.g. 2021-04-11" in error
