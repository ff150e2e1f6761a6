"""Every decision carries its audit block; the log is append-only; verify finds reversals."""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT
from rexcheck import __version__
from rexcheck.cli.main import main
from rexcheck.engine.core.loader import load_rules
from rexcheck.engine.services.audit import canonical_json, case_digest
from rexcheck.facts.models import Case


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_results_carry_version_rules_digest_as_of_and_case_digest():
    doc = json.loads(run("check", str(EXAMPLES / "refused-no-english.yaml"), "--format",
                         "json").output)
    audit = doc["results"][0]["audit"]
    assert audit["version"] == __version__
    assert audit["rules_digest"] == doc["rules"]["digest"]
    assert audit["as_of"] == "2026-04-15"
    assert audit["case_digest"].startswith("sha256:")


def test_rules_digest_is_stable_across_formatting_and_file_order(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "order-244" / "ch2-statements.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text("# a comment\n\n" + text.replace("  - id:", "\n  - id:"), encoding="utf-8")
    (rules / "order-244" / "ch2-statements.yaml").rename(rules / "order-244" / "a-first.yaml")
    assert load_rules(rules).digest == load_rules(ROOT / "rules").digest


def test_audit_log_appends_and_verify_finds_a_reversed_decision(tmp_path):
    log = tmp_path / "decisions.jsonl"
    run("check", str(EXAMPLES / "refused-no-english.yaml"), "--audit-log", str(log))
    first = log.read_text(encoding="utf-8")
    run("check", str(EXAMPLES / "registered-clean.yaml"), "--audit-log", str(log))
    text = log.read_text(encoding="utf-8")
    assert text.startswith(first) and len(text.splitlines()) == 3  # appended, not rewritten

    result = run("audit", "verify", str(log))
    assert result.exit_code == 0 and "2 stand, 0 would change" in result.output

    changed = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", changed)
    path = changed / "order-244" / "ch2-refusal.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - id: R244-8-1-no-english\n", "  - id: R244-8-1-no-english\n    enabled: false\n"),
        encoding="utf-8")
    result = run("audit", "verify", str(log), "--rules", str(changed))
    assert result.exit_code == 1
    assert "case KZ-2026-0102 (as of 2026-04-15) would change" in result.output
    assert "- R244-8-1-no-english application A1" in result.output


def test_screen_writes_one_log_line_per_decision(tmp_path):
    log = tmp_path / "screen.jsonl"
    population = ROOT / "examples" / "whatif" / "population.jsonl"
    result = run("screen", str(population), "--audit-log", str(log))
    _header, *decisions = log.read_text().splitlines()
    assert len(decisions) == len(result.stdout.splitlines()) == 9
    entry = json.loads(decisions[0])["decision"]
    assert entry["case"]["case"] == "W-01" and entry["audit"]["as_of"] == "2026-06-01"
    assert run("audit", "verify", str(log)).exit_code == 0


def test_a_tampered_log_line_is_reported(tmp_path):
    log = tmp_path / "decisions.jsonl"
    run("check", str(EXAMPLES / "registered-clean.yaml"), "--audit-log", str(log))
    header, line = log.read_text().splitlines()
    entry = json.loads(line)
    entry["decision"]["case"]["exporter"]["name"] = "Someone Else LLP"
    log.write_text(header + "\n" + json.dumps(entry) + "\n{broken\n")
    result = run("audit", "verify", str(log))
    assert result.exit_code == 2
    assert "does not match its digest" in result.output
    assert f"{log}:3:1: error: not valid JSON" in result.output


# The case digest hashes the case's canonical JSON, which orjson writes for speed; it must be
# pydantic's `model_dump_json()` byte for byte, or digests in earlier audit logs stop matching.

def _cases_to_digest():
    import sys

    from rexcheck.facts.loader import load_case_file

    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    cases = [c for p in sorted(EXAMPLES.glob("*.yaml")) for c in load_case_file(p)[0]]
    cases += [Case.model_validate_json(line) for line in generate.lines(1000, seed=5)]
    return cases


def test_canonical_json_is_pydantics_json_of_every_example_and_generated_case():
    cases = _cases_to_digest()
    assert len(cases) > 1000
    for case in cases:
        assert canonical_json(case) == case.model_dump_json().encode(), case.case


EDGE_AMOUNTS = ["1E+2", "0.000001", "1e-7", "100.00", "0", "0E-10", "1e15", 12500.0, 1e-05,
                "123456789012345.123456789", 3]
EDGE_TEXT = ["a\u2028\u2029b", "😀", '\\"/', "Беркут", "  padded  ", "tab\tinside"]


@pytest.mark.parametrize("amount", EDGE_AMOUNTS)
def test_canonical_json_writes_edge_amounts_as_pydantic_does(amount):
    case = Case.model_validate({**_MINIMAL, "consignments": [{
        "destination": "NO", "value": {"amount": amount, "currency": "EUR"},
        "exchange_rates": [{"currency": "EUR", "to": "NOK", "rate": amount if Decimal(str(amount)) > 0 else "1"}]}]})
    assert canonical_json(case) == case.model_dump_json().encode()


@pytest.mark.parametrize("text", EDGE_TEXT)
def test_canonical_json_writes_edge_text_as_pydantic_does(text):
    case = Case.model_validate({**_MINIMAL, "exporter": {"tin": "KZ1", "name": text}})
    assert canonical_json(case) == case.model_dump_json().encode()


@pytest.mark.parametrize("text", ["a\x00b", "a\x1fb", "a\x7fb", "a\x1b[2Jb"])
def test_control_characters_in_a_text_are_refused(text):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"exporter\.name"):
        Case.model_validate({**_MINIMAL, "exporter": {"tin": "KZ1", "name": text}})


def test_an_integer_orjson_cannot_write_goes_through_pydantic():
    case = Case.model_validate({**_MINIMAL, "applications": [{
        "received": "2026-01-05", "channel": "post", "languages": ["en"],
        "headings_covered": 2**70}]})
    assert canonical_json(case) == case.model_dump_json().encode()
    assert case_digest(case) == "sha256:" + hashlib.sha256(
        case.model_dump_json().encode()).hexdigest()


_MINIMAL = {"case": "D-1", "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"}}
