"""Load case files (YAML or JSON): one case per file, or a list of cases, or `cases: [...]`.

Every problem is reported with file, line, column and field; a file with a broken case still
yields its other cases (`load_case_file` returns both the cases and the diagnostics).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rexcheck.engine.diagnose import from_validation_error
from rexcheck.engine.errors import Diagnostic, InvalidInput
from rexcheck.engine.yamlsource import Positions, load_yaml
from rexcheck.facts.catalog import BASE_TYPES
from rexcheck.facts.models import Case


def parse_case(data: Any, positions: Positions, prefix: tuple = ()) -> Case:
    """Validate one case record; raise `InvalidInput` with every problem in it."""
    if not isinstance(data, dict):
        line, col = positions.of(prefix)
        raise InvalidInput([Diagnostic(positions.file, line, col,
                                       "a case must be a mapping with 'case' and 'exporter'",
                                       "case-shape")])
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(from_validation_error(exc, positions, Case, prefix)) from None
    problems = _duplicate_refs(case, positions, prefix) or _unresolved_links(case, positions,
                                                                              prefix)
    if problems:
        raise InvalidInput(problems)
    return case


def parse_case_json(text: str) -> Case | None:
    """A JSON line validated in one pass by pydantic's own JSON reader, or None when it is
    not a valid case: the caller then reads it the long way (`parse_json_line`, then
    `parse_case`), which names the line, field and reason. Both ways give equal cases for a
    valid line (amounts included: see `models.Exact`); tests/test_screen_fast_path.py holds
    them to it."""
    try:
        case = Case.model_validate_json(text)
    except ValueError:  # pydantic's ValidationError, or JSON it will not read
        return None
    if _duplicate_refs(case, _NOWHERE, ()) or _unresolved_links(case, _NOWHERE, ()):
        return None
    return case


_NOWHERE = Positions("<json>")


def _duplicate_refs(case: Case, positions: Positions, prefix: tuple) -> list[Diagnostic]:
    problems = []
    for fact_type, (_, list_name) in BASE_TYPES.items():
        records = getattr(case, list_name)
        if not isinstance(records, list) or len(records) < 2:
            continue  # one record cannot repeat a ref
        seen: dict[str, int] = {}
        for i, record in enumerate(records):
            if record.ref is None:
                continue
            if record.ref in seen:
                line, col = positions.of(prefix + (list_name, i, "ref"))
                problems.append(Diagnostic(
                    positions.file, line, col,
                    f"{fact_type} ref '{record.ref}' is used twice (first at item {seen[record.ref] + 1})",
                    "duplicate-ref", field=f"{list_name}.{i}.ref",
                    hint="give every record of a case its own ref"))
            seen[record.ref] = i
    return problems


# Links between the documents of a case: (list, field, the list it points into, by what).
LINKS = (
    ("registrations", "application", "applications", "ref"),
    ("change_reports", "registration", "registrations", "ref"),
    ("change_reports", "registration_number", "registrations", "number"),
    ("revocation_requests", "registration", "registrations", "ref"),
    ("revocation_requests", "registration_number", "registrations", "number"),
    ("revocation_requests", "verification", "verification_requests", "ref"),
    ("verification_requests", "registration", "registrations", "ref"),
    ("verification_requests", "registration_number", "registrations", "number"),
)


def _unresolved_links(case: Case, positions: Positions, prefix: tuple) -> list[Diagnostic]:
    """A link to another document of the case must find it: a ref or number that names
    nothing would break a chain of rules without a word. A document that names its
    registration both by ref and by number must name the same one."""
    problems = []
    targets: dict[tuple[str, str], dict[str, str]] = {}
    for list_name, fld, target, by in LINKS:
        records = getattr(case, list_name)
        if not records:
            continue
        key = (target, by)
        if key not in targets:
            targets[key] = {getattr(r, by): (r.ref or "") for r in getattr(case, target)
                            if getattr(r, by) is not None}
        known = targets[key]
        for i, record in enumerate(records):
            value = getattr(record, fld)
            if value is None:
                continue
            where = prefix + (list_name, i, fld)
            if value not in known:
                line, col = positions.of(where)
                problems.append(Diagnostic(
                    positions.file, line, col,
                    f"'{value}' names no {target[:-1].replace('_', ' ')} of this case "
                    f"(by its {by})", "unresolved-link", field=f"{list_name}.{i}.{fld}",
                    hint=f"add that {target[:-1].replace('_', ' ')} to the case's "
                    f"'{target}', or correct the {by}"))
            elif by == "number" and getattr(record, "registration", None) not in (
                    None, known[value]):
                line, col = positions.of(where)
                problems.append(Diagnostic(
                    positions.file, line, col,
                    f"registration '{record.registration}' and number '{value}' name two "
                    "different registrations", "conflicting-link",
                    field=f"{list_name}.{i}.{fld}"))
    return problems


def load_case_file(path: Path | str) -> tuple[list[Case], list[Diagnostic]]:
    """All valid cases of a file and the diagnostics of the invalid ones.

    A file that cannot be read at all (not YAML, not UTF-8, refused) raises `InvalidInput`.
    """
    data, positions = load_yaml(path)
    if isinstance(data, dict) and "cases" in data and "case" not in data:
        extra = sorted(set(data) - {"cases"})
        if extra:
            line, col = positions.of((extra[0],))
            raise InvalidInput([Diagnostic(str(path), line, col,
                                           f"unknown top-level key '{extra[0]}' beside 'cases'",
                                           "case-shape")])
        records, prefix = data["cases"], ("cases",)
    elif isinstance(data, list):
        records, prefix = data, ()
    else:
        records, prefix = [data], None
    if not isinstance(records, list):
        raise InvalidInput([Diagnostic(str(path), 1, 1, "'cases' must be a list", "case-shape")])
    cases, problems = [], []
    for i, record in enumerate(records):
        where = () if prefix is None else prefix + (i,)
        try:
            cases.append(parse_case(record, positions, where))
        except InvalidInput as exc:
            problems.extend(exc.diagnostics)
    return cases, problems
