"""Issue 13 through the Python API: a `rexcheck.Case` made in Python and given to
`Checker.check` is held to everything a case file is held to. The models refuse NUL and blank
text themselves; what only the whole case shows (the record limit, a ref given twice, a link
that names nothing, two links that disagree) was checked only when a file or a dict was read,
so a model built in Python was decided on (registered, do not revoke, invalid) instead.

Each odd case is tried three ways: as a dict through the API (the reference: refused, located),
as a model built with `Case.model_validate` and as one built with `Case(**...)`."""

from __future__ import annotations

import copy

import pytest
import rexcheck
from conftest import AS_OF, CLEAN_CASE
from pydantic import ValidationError
from rexcheck.facts.loader import MAX_RECORDS


def _with(**lists) -> dict:
    case = copy.deepcopy(CLEAN_CASE)
    case.update(copy.deepcopy(lists))
    return case


REGISTRATION = {"ref": "R1", "number": "KZ-TEST-1", "application": "A1",
                "registered": AS_OF, "valid_from": CLEAN_CASE["applications"][0]["received"]}
REVOCATION = {"ground": "exporter_application", "requested_by": "exporter",
              "received": AS_OF}
ODD = {
    "too-large": _with(applications=[{**CLEAN_CASE["applications"][0],
                                      "goods": CLEAN_CASE["applications"][0]["goods"]
                                      * (MAX_RECORDS + 1)}]),
    "duplicate-ref": _with(applications=[CLEAN_CASE["applications"][0]] * 2),
    "unresolved-link": _with(registrations=[REGISTRATION],
                             revocation_requests=[{**REVOCATION, "registration": "R9"}]),
    "unresolved-link-by-number": _with(registrations=[REGISTRATION], revocation_requests=[
        {**REVOCATION, "registration_number": "KZ-OTHER"}]),
    "unresolved-application": _with(registrations=[{**REGISTRATION, "application": "A9"}]),
    "conflicting-link": _with(registrations=[REGISTRATION, {**REGISTRATION, "ref": "R2",
                                                            "number": "KZ-TEST-2"}],
                              revocation_requests=[{**REVOCATION, "registration": "R2",
                                                    "registration_number": "KZ-TEST-1"}]),
}
CODE = {"unresolved-link-by-number": "unresolved-link",
        "unresolved-application": "unresolved-link"}


@pytest.mark.parametrize("name", ODD)
def test_a_dict_with_it_is_refused_through_the_api(checker, name):
    result = checker.check(ODD[name], as_of=AS_OF)
    assert result.outcome == "error"
    assert CODE.get(name, name) in [p.code for p in result.errors]


@pytest.mark.parametrize("name", ODD)
def test_a_model_with_it_cannot_be_made(name):
    with pytest.raises(ValidationError) as raised:
        rexcheck.Case.model_validate(ODD[name])
    assert raised.value.errors()[0]["type"] == CODE.get(name, name)
    with pytest.raises(ValidationError):
        rexcheck.Case(**ODD[name])


@pytest.mark.parametrize("name", ["duplicate-ref", "unresolved-link", "conflicting-link"])
def test_the_models_error_names_the_field(name):
    with pytest.raises(ValidationError) as raised:
        rexcheck.Case.model_validate(ODD[name])
    message = raised.value.errors()[0]["msg"]
    field = {"duplicate-ref": "applications.1.ref",
             "unresolved-link": "revocation_requests.0.registration",
             "conflicting-link": "revocation_requests.0.registration_number"}[name]
    assert message.startswith(f"{field}: "), message


def test_a_case_at_the_record_limit_is_still_a_model_and_is_judged(checker):
    app = CLEAN_CASE["applications"][0]
    # the application is a record, and so is each goods item
    case = rexcheck.Case.model_validate(_with(applications=[{**app, "goods": app["goods"]
                                                             * (MAX_RECORDS - 1)}]))
    result = checker.check(case, as_of=AS_OF)
    assert result.outcome != "error", result.errors


def test_a_clean_model_is_judged_as_its_dict(checker):
    model = rexcheck.Case.model_validate(CLEAN_CASE)
    by_model = checker.check(model, as_of=AS_OF).to_dict()
    by_dict = checker.check(CLEAN_CASE, as_of=AS_OF).to_dict()
    by_model.pop("source", None)
    by_dict.pop("source", None)
    assert by_model == by_dict and by_model["outcome"] == "register"


@pytest.mark.parametrize("where", ["exporter.name", "applications.0.contact",
                                   "applications.0.goods.0.description",
                                   "applications.0.documents.0"])
def test_a_nul_is_refused_in_a_model_as_in_a_dict(checker, where):
    case = copy.deepcopy(CLEAN_CASE)
    node, *path, last = [case, *where.split(".")]
    for key in path:
        node = node[int(key)] if isinstance(node, list) else node[key]
    key = int(last) if isinstance(node, list) else last
    node[key] = "A\x00B"
    with pytest.raises(ValidationError):
        rexcheck.Case.model_validate(case)
    result = checker.check(case, as_of=AS_OF)
    assert result.outcome == "error" and result.errors[0].field == where


def test_a_case_made_without_validation_is_still_held_to_the_whole_case_checks():
    """`model_construct` runs no validator: the checker itself refuses a link to nothing."""
    from rexcheck.facts.models import Case

    good = Case.model_validate(_with(registrations=[REGISTRATION],
                                     revocation_requests=[{**REVOCATION, "registration": "R1"}]))
    unchecked = good.model_copy(update={"revocation_requests": [
        good.revocation_requests[0].model_copy(update={"registration": "R9"})]})
    result = rexcheck.Checker().check(unchecked)
    assert result.outcome == "error"
    assert any(p.code == "unresolved-link" for p in result.errors), result.errors


@pytest.mark.parametrize("name", ["unresolved-link", "unresolved-link-by-number",
                                  "unresolved-application", "conflicting-link"])
def test_screenings_quick_link_check_agrees_with_the_located_one(name):
    """Screening's fast path asks `_links_resolve` (a yes or no); the located check
    (`_unresolved_links`) must find a problem exactly when it says no."""
    from rexcheck.facts.base.yamlsource import Positions
    from rexcheck.facts.loader import WHOLE_CASE_CHECKED
    from rexcheck.facts.wholecase import _links_resolve, _unresolved_links

    context = {WHOLE_CASE_CHECKED: True}
    odd = rexcheck.Case.model_validate(ODD[name], context=context)
    clean = rexcheck.Case.model_validate(CLEAN_CASE, context=context)
    assert not _links_resolve(odd) and _unresolved_links(odd, Positions("<x>"), ())
    assert _links_resolve(clean) and not _unresolved_links(clean, Positions("<x>"), ())
