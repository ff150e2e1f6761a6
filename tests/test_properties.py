"""Property-based tests: nearly-valid input never crashes, order never matters, thresholds hold."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from decimal import Decimal

from conftest import AS_OF, CLEAN_CASE, registration_number
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rexcheck.engine.core.loader import load_rules
from rexcheck.facts.base.errors import InvalidInput
from rexcheck.facts.base.yamlsource import Positions
from rexcheck.facts.loader import parse_case

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

junk = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                 st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
                 st.lists(st.text(max_size=5), max_size=3), st.just({}))


def _paths(data, prefix=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


PATHS = list(_paths(CLEAN_CASE))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PATHS), junk, st.booleans()), min_size=1, max_size=4))
def test_nearly_valid_cases_never_crash_and_every_rejection_is_located(checker, mutations):
    case = copy.deepcopy(CLEAN_CASE)
    for path, value, delete in mutations:
        node = case
        try:
            for part in path[:-1]:
                node = node[part]
            if delete and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        parse_case(case, Positions("case.yaml"))
    except InvalidInput as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.file == "case.yaml" and d.line >= 1 and d.message
    result = checker.check(case, AS_OF)  # never raises: an invalid case is an error result
    assert result.error is None or result.findings == []


NUMBER = registration_number(load_rules(), dt.date(2026, 3, 18))  # the structure of p.6


def _case_with_documents(n_consignments: int, seed: int) -> dict:
    rng = random.Random(seed)
    case = copy.deepcopy(CLEAN_CASE)
    case["registrations"] = [{"ref": "R1", "number": NUMBER,
                              "registered": "2026-03-18", "valid_from": "2026-03-16"}]
    case["consignments"] = [{
        "ref": f"C{i}", "destination": rng.choice(["CH", "NO", "DE"]),
        "value": {"amount": str(rng.randint(5000, 80000)), "currency": rng.choice(["CHF", "NOK"])},
        "statement": {"date": "2026-05-04", "document": rng.choice(["invoice", "cmr"]),
                      "rex_number": rng.choice([None, NUMBER]),
                      "exporter_name": "x", "exporter_address": "y", "country_of_origin": "KZ",
                      "country_of_importation": "CH", "goods_description": "g",
                      "origin_criterion": "P", "hs_code": "1001", "language": "en"}}
        for i in range(n_consignments)]
    return case


@SETTINGS
@given(st.integers(1, 6), st.integers(0, 10**6), st.randoms(use_true_random=False))
def test_the_same_facts_in_any_order_give_identical_output(checker, n, seed, rnd):
    case = _case_with_documents(n, seed)
    first = checker.check(case, dt.date(2026, 6, 1))
    assert first.errors == []
    shuffled = copy.deepcopy(case)
    rnd.shuffle(shuffled["consignments"])
    second = checker.check(shuffled, dt.date(2026, 6, 1))
    def strip(r):
        return json.dumps([{k: v for k, v in f.items() if k != "firing"}
                           for f in r.to_dict()["findings"]], sort_keys=True)
    assert strip(first) == strip(second)


def threshold_of(checker, country: str, on: dt.date) -> tuple[str, Decimal]:
    """The threshold of p.11 for a country, as the packs state it on a date (never a copy)."""
    currency = {"CH": "CHF", "NO": "NOK"}[country]
    parameter = checker.ruleset.parameters[f"statement_threshold_{currency.lower()}"]
    return currency, Decimal(str(parameter.written_on(on)))


@SETTINGS
@given(st.sampled_from(["CH", "NO"]), st.sampled_from(["same", "EUR"]),
       st.sampled_from([Decimal("-0.01"), Decimal(0), Decimal("0.01"), Decimal(-100),
                        Decimal("250.5")]),
       st.decimals(Decimal("0.5"), Decimal(20), places=4))
def test_the_number_is_required_exactly_above_the_threshold(checker, country, currency, offset,
                                                            rate):
    threshold_currency, threshold = threshold_of(checker, country, dt.date(2026, 5, 4))
    target = threshold + offset
    if currency == "same":
        value = {"amount": str(target), "currency": threshold_currency}
        rates = []
        converted = target
    else:
        amount = (target / rate).quantize(Decimal("0.01"))
        value = {"amount": str(amount), "currency": "EUR"}
        rates = [{"currency": "EUR", "to": threshold_currency, "rate": str(rate)}]
        converted = (amount * rate * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP") / 100
    case = copy.deepcopy(CLEAN_CASE)
    case["consignments"] = [{"ref": "C1", "destination": country, "value": value,
                             "exchange_rates": rates,
                             "statement": {"date": "2026-05-04", "document": "invoice",
                                           "exporter_name": "x", "exporter_address": "y",
                                           "country_of_origin": "KZ",
                                           "country_of_importation": country,
                                           "goods_description": "g", "origin_criterion": "P",
                                           "hs_code": "1001", "language": "en"}}]
    result = checker.check(case, dt.date(2026, 6, 1))
    assert result.errors == []
    ids = {f.rule_id for f in result.findings + result.notices}
    rule = f"R244-11-rex-number-required-{country.lower()}"
    assert (rule in ids) == (converted > threshold)
    assert ("R244-11-value-at-threshold" in ids) == (converted == threshold)


RULE_KEYS = ["id", "title", "citation", "description", "applies_to", "when", "then"]


@SETTINGS
@given(st.sampled_from(RULE_KEYS), junk, st.booleans())
def test_nearly_valid_rule_files_are_refused_with_a_location_never_a_crash(tmp_path_factory,
                                                                          key, value, drop):
    import yaml
    from conftest import MINIMAL_RULE

    data = yaml.safe_load(MINIMAL_RULE)
    rule = data["rules"][0]
    if drop:
        rule.pop(key)
    else:
        rule[key] = value
    from conftest import TEST_LAW

    root = tmp_path_factory.mktemp("rules")
    (root / "law.yaml").write_text(TEST_LAW, encoding="utf-8")
    (root / "act").mkdir()
    (root / "act" / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")
    try:
        load_rules(root)
    except InvalidInput as exc:
        assert all(d.line >= 1 and d.file.endswith("pack.yaml") for d in exc.diagnostics)


# starts late enough in 2027 run past the calendar's last year, an error tested in
# test_calendar.py: 30 working days are at most about seven weeks
@SETTINGS
@given(st.dates(dt.date(2021, 1, 1), dt.date(2027, 10, 31)), st.integers(0, 30))
def test_a_due_date_in_working_days_is_a_working_day_n_working_days_later(checker, start, n):
    cal = checker.calendar
    due = cal.add_working_days(start, n)
    assert cal.working_days_between(start, due) == n
    assert n == 0 or cal.is_working_day(due)
    assert n == 0 or cal.working_days_between(start, due - dt.timedelta(days=1)) == n - 1
