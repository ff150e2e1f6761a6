"""Odd input read as a user sends it: nothing decided silently, nothing lost on the way.

A key given twice, a column given twice, a NUL, a byte that is not UTF-8, a BOM, a lone CR:
each is either read as the user meant it or refused with the record and the field, and every
other record of the input is screened as if the odd one were not there (in == out).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import AS_OF, EXAMPLES, case_with
from rexcheck.cli.main import main

CLEAN = (EXAMPLES / "registered-clean.yaml").read_text(encoding="utf-8")



def errors_of(result: dict) -> str:
    """A result's errors as the located lines a user reads (`file:line:col: error: ...`)."""
    return "\n".join(
        f"{e.get('file')}:{e.get('line')}:{e.get('column')}: {e['severity']}: "
        + (f"field '{e['field']}': " if e.get("field") else "") + e["message"]
        + (f"; {e['hint']}" if e.get("hint") else "") + f" [{e['code']}]"
        for e in result["errors"])

def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def cases(n: int) -> list[dict]:
    out = []
    for i in range(n):
        case = case_with()
        case["case"] = f"E-{i:04d}"
        out.append(case)
    return out


def line(case: dict) -> str:
    return json.dumps(case, default=str, ensure_ascii=False)


def screened(path, *args: str) -> tuple[list[dict], dict, object]:
    """The JSON results of `rexcheck screen`, its summary and the click result."""
    result = run("screen", str(path), "--as-of", AS_OF.isoformat(), *args)
    assert "Traceback" not in result.output
    results = [json.loads(x) for x in result.stdout.splitlines()]
    summary = json.loads(result.stderr.strip().splitlines()[-1])["summary"]
    return results, summary, result


# --- a key given twice -----------------------------------------------------------------------

def test_a_key_given_twice_in_a_json_line_is_refused_naming_the_record_and_the_key(tmp_path):
    lines = [line(c) for c in cases(3)]
    lines[1] = lines[1].replace('{"case": "E-0001"', '{"case": "E-0001", "case": "E-9999"', 1)
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results, summary, result = screened(path)
    assert [r["outcome"] for r in results] == ["register", "error", "register"]
    error = errors_of(results[1])
    assert results[1]["source"]["record"] == 2
    assert error.startswith(f"{path}:2:20: error: field 'case': ")
    assert "key 'case' is given twice in one object (first at column 2)" in error
    assert error.endswith("[duplicate-key]")
    assert summary["records_in"] == summary["results_out"] == 3
    assert result.exit_code == 2


def test_a_key_given_twice_deep_in_a_line_names_its_field_and_column(tmp_path):
    case = cases(1)[0]
    text = line(case).replace('"tin": "KZ010140000123", "name"',
                              '"tin": "KZ010140000123", "tin": "KZ999999999999", "name"', 1)
    path = tmp_path / "in.jsonl"
    path.write_text(text + "\n", encoding="utf-8")
    results, _, _ = screened(path)
    column = text.index('"tin": "KZ999') + 1
    assert f"{path}:1:{column}: error: field 'exporter.tin': key 'tin' is given twice" in (
        errors_of(results[0]))


def test_check_and_screen_refuse_the_same_text_with_a_key_given_twice(tmp_path):
    text = line(cases(1)[0]).replace('"case": "E-0000"', '"case": "E-0000", "case": "X"', 1)
    (tmp_path / "one.json").write_text(text, encoding="utf-8")
    (tmp_path / "one.jsonl").write_text(text + "\n", encoding="utf-8")
    checked = run("check", str(tmp_path / "one.json"))
    assert checked.exit_code == 2 and "duplicate key 'case'" in checked.output
    for name in ("one.json", "one.jsonl"):
        results, _, result = screened(tmp_path / name)
        assert results[0]["outcome"] == "error" and result.exit_code == 2
        assert ("case" in errors_of(results[0]) and "twice" in errors_of(results[0])) or (
            "duplicate key" in errors_of(results[0]))


def test_a_colon_written_as_an_escape_does_not_hide_a_key_given_twice(tmp_path):
    text = '{"case": "E-1", "case": "E-2", "title": "a\\u003ab", ' + line(
        cases(1)[0])[len('{"case": "E-0000", '):]
    path = tmp_path / "in.jsonl"
    path.write_text(text + "\n", encoding="utf-8")
    results, _, _ = screened(path)
    assert "key 'case' is given twice" in errors_of(results[0])


def test_a_column_given_twice_in_a_csv_header_refuses_every_row(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("case,exporter.tin,exporter.name,case\n"
                    "C-1,KZ010140000123,Altyn Dala,C-2\n"
                    "C-3,KZ010140000123,Altyn Dala,C-4\n", encoding="utf-8")
    results, summary, result = screened(path)
    assert [r["outcome"] for r in results] == ["error", "error"]
    assert all("column 'case' is given twice (columns 1 and 4)" in errors_of(r) for r in results)
    assert summary["records_in"] == summary["results_out"] == 2
    assert result.exit_code == 2


@pytest.mark.parametrize("header, why", [
    ("case,exporter.tin,exporter.name,applications.0.ref,applications.00.ref",
     "column 'applications.00.ref' is given twice"),
    ("case,exporter,exporter.tin,exporter.name", "is a field of column 2 'exporter'"),
    (" case,exporter.tin,exporter.name,case ", "column 'case' is given twice"),
])
def test_csv_columns_that_would_overwrite_each_other_are_refused(tmp_path, header, why):
    path = tmp_path / "in.csv"
    cells = header.count(",") + 1
    path.write_text(header + "\n" + ",".join(["x"] * cells) + "\n", encoding="utf-8")
    results, _, _ = screened(path)
    assert why in errors_of(results[0])


# --- NUL -----------------------------------------------------------------------------------

def test_a_nul_in_a_json_line_is_refused_with_its_field(tmp_path):
    case = cases(2)
    case[0]["exporter"]["name"] = "Altyn\x00Dala"
    path = tmp_path / "in.jsonl"
    path.write_text("".join(line(c) + "\n" for c in case), encoding="utf-8")
    assert "\\u0000" in path.read_text()
    results, _, _ = screened(path)
    assert [r["outcome"] for r in results] == ["error", "register"]
    assert "field 'exporter.name': text holds a NUL character" in errors_of(results[0])


def test_a_nul_in_a_csv_cell_is_refused_with_its_column(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("case,exporter.tin,exporter.name\nC-1,KZ010140000123,Altyn\x00Dala\n",
                    encoding="utf-8")
    results, _, _ = screened(path)
    assert f"{path}:2:3: error: field 'exporter.name': cell holds a NUL character" in (
        errors_of(results[0]))


def test_a_nul_written_as_a_yaml_escape_is_refused(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(CLEAN.replace("name: Altyn Dala LLP", 'name: "Altyn\\0Dala"', 1),
                    encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert f"{path}:7:9: error: text holds a NUL character [nul]" in result.output


def test_a_nul_given_to_the_python_api_is_refused():
    import rexcheck

    case = case_with(contact="+7\x00 7142")
    result = rexcheck.Checker().check(case, as_of=AS_OF)
    assert result.error and "applications.0.contact" in result.error and "NUL" in result.error
    assert result.findings == []


# --- bytes, BOMs and line ends ---------------------------------------------------------------

def test_a_byte_that_is_not_utf8_costs_one_record_and_names_its_offset(tmp_path):
    lines = [line(c).encode() for c in cases(20)]
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"\n".join(lines) + b"\n")
    lines[9] = lines[9].replace(b"Altyn Dala", b"Altyn D\xe9la", 1)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    results, summary, _ = screened(path)
    assert summary["records_in"] == summary["results_out"] == 20
    assert [r["source"]["record"] for r in results] == list(range(1, 21))
    assert [r["outcome"] for r in results].count("error") == 1
    offset = path.read_bytes().index(b"\xe9")
    column = lines[9].index(b"\xe9") + 1
    assert errors_of(results[9]) == (f"{path}:10:{column}: error: byte 0xe9 (byte offset {offset} "
                                   "of the input) is not valid UTF-8; save the file as UTF-8 "
                                   "[encoding]")
    expected, _, _ = screened(clean)
    for result in results + expected:
        del result["source"]
    assert results[:9] + results[10:] == expected[:9] + expected[10:]


def test_a_byte_that_is_not_utf8_in_a_csv_row_costs_that_row(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"case,exporter.tin,exporter.name\nC-1,KZ010140000123,D\xe9la\n"
                     b"C-2,KZ010140000123,Dala\n")
    results, summary, _ = screened(path)
    assert [(r["source"]["line"], r["outcome"]) for r in results] == [(2, "error"), (3, "none")]
    assert "byte 0xe9" in errors_of(results[0])
    assert summary["records_in"] == summary["results_out"] == 2


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_a_bom_at_the_start_is_read_as_excel_means_it(tmp_path, suffix):
    path = tmp_path / f"in.{suffix}"
    if suffix == "jsonl":
        text = "".join(line(c) + "\r\n" for c in cases(2))
    else:
        text = "case,exporter.tin,exporter.name\r\nC-1,KZ010140000123,Dala\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    results, _, _ = screened(path)
    assert results and all(r["outcome"] != "error" for r in results), results
    assert results[0]["case"] in ("E-0000", "C-1")


def test_a_bom_on_standard_input_is_read_too():
    text = "\ufeff" + line(cases(1)[0]) + "\n"
    result = run("screen", "-", "--as-of", AS_OF.isoformat(), input=text.encode())
    assert json.loads(result.stdout)["outcome"] == "register"


def test_a_lone_cr_inside_a_line_does_not_split_the_record(tmp_path):
    lines = [line(c) for c in cases(3)]
    lines[1] = lines[1].replace(', "exporter"', ',\r"exporter"', 1)
    lines[2] = lines[2].replace("Altyn Dala LLP", "Altyn\u2028Dala\u0085LLP", 1)
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    results, summary, _ = screened(path)
    assert [r["source"]["line"] for r in results] == [1, 2, 3]
    assert [r["outcome"] for r in results] == ["register"] * 3
    assert summary["records_in"] == 3
