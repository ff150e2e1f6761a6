"""What only the whole case shows: its size, each ref once, each link to a document of the case.

The case files' reader (facts/loader.py) checks it with the line of each problem; the Case model
itself (facts/models.py) checks it for a case made any other way. It knows the case's lists by
name (`DOCUMENT_LISTS`, held equal to the fact catalogue by tests/test_layers.py), so that it
sits below the models and the catalogue, which both use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rexcheck.facts.base.errors import Diagnostic
from rexcheck.facts.base.yamlsource import Positions

if TYPE_CHECKING:
    from rexcheck.facts.models import Case

# the documents of a case: fact type and the case's list holding them (facts/catalog.py
# BASE_TYPES without the exporter, in the same order)
DOCUMENT_LISTS = (
    ("application", "applications"), ("registration", "registrations"),
    ("change_report", "change_reports"), ("revocation_request", "revocation_requests"),
    ("verification_request", "verification_requests"), ("consignment", "consignments"),
    ("kept_item", "kept_items"),
)

# the name a record without a ref of its own is given, by fact type (normalise names it so)
SHORT = {
    "exporter": "exporter", "application": "application", "registration": "registration",
    "change_report": "change-report", "revocation_request": "revocation-request",
    "verification_request": "verification", "consignment": "consignment",
    "kept_item": "kept-item",
}

# Limits of one case (SECURITY.md). Each record (document or goods item) becomes an engine
# fact; 2,000 of them evaluate in about a tenth of a second. Beyond it a case is refused
# before it is validated, clearly, rather than taking the engine's time and memory.
MAX_RECORDS = 2_000

def case_problems(case: Case, positions: Positions | None = None) -> list[Diagnostic]:
    """What a case file would be refused for that the models alone do not see: more records
    than MAX_RECORDS, a ref given twice, a link that names no document of the case. Located
    by field (the case was not read from a file)."""
    positions = positions or Positions("<case>")
    records = sum(len(getattr(case, name)) for name, _ in _REF_LISTS) + sum(
        len(application.goods) for application in case.applications)
    if records > MAX_RECORDS:
        return [Diagnostic(positions.file, 1, 1, f"case holds {records} records (documents "
                           f"and goods items), more than the {MAX_RECORDS} allowed in one case",
                           "too-large", hint="split the exporter's file into several cases")]
    return _duplicate_refs(case, positions, ()) or _unresolved_links(case, positions, ())


# the case's lists of documents, and the name normalise gives a document without a ref
_REF_LISTS = tuple((list_name, SHORT[fact_type]) for fact_type, list_name in DOCUMENT_LISTS)


def _refs_fit(case: Case) -> bool:
    """`not _duplicate_refs(case, ...)` and at most MAX_RECORDS records, in less time (it
    runs on every screened line)."""
    fields = case.__dict__
    total = 0
    for name, short in _REF_LISTS:
        records = fields[name]
        total += len(records)
        if len(records) > 1:
            refs = [record.ref for record in records]
            if None in refs:
                refs = [ref or f"{short}-{i}" for i, ref in enumerate(refs, start=1)]
            if len(set(refs)) != len(refs):
                return False
    for application in fields["applications"]:
        total += len(application.goods)
    return total <= MAX_RECORDS


def _duplicate_refs(case: Case, positions: Positions, prefix: tuple) -> list[Diagnostic]:
    """Two records of a kind with one ref, given or made up: normalise names a record without
    a ref after its kind and place (`consignment-2`), and a ref given to another record that
    reads the same would merge the two, their findings and outcomes, without a word."""
    problems = []
    for fact_type, list_name in DOCUMENT_LISTS:
        records = getattr(case, list_name)
        if len(records) < 2:
            continue  # one record cannot repeat a ref
        short = SHORT[fact_type]
        unnamed = {f"{short}-{i}": i for i, record in enumerate(records, start=1)
                   if record.ref is None}
        seen: dict[str, int] = {}
        for i, record in enumerate(records):
            if record.ref is None:
                continue
            line, col = positions.of(prefix + (list_name, i, "ref"))
            if record.ref in seen:
                problems.append(Diagnostic(
                    positions.file, line, col,
                    f"{fact_type} ref '{record.ref}' is used twice "
                    f"(first at item {seen[record.ref] + 1})",
                    "duplicate-ref", field=f"{list_name}.{i}.ref",
                    hint="give every record of a case its own ref"))
            elif record.ref in unnamed:
                problems.append(Diagnostic(
                    positions.file, line, col,
                    f"{fact_type} ref '{record.ref}' is the name given to item "
                    f"{unnamed[record.ref]}, which has no ref", "duplicate-ref",
                    field=f"{list_name}.{i}.ref",
                    hint=f"give item {unnamed[record.ref]} a ref, or this one another"))
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
    ("kept_items", "application", "applications", "ref"),
    ("kept_items", "registration", "registrations", "ref"),
    ("kept_items", "change_report", "change_reports", "ref"),
    ("kept_items", "revocation_request", "revocation_requests", "ref"),
)


def _links_resolve(case: Case) -> bool:
    """`not _unresolved_links(case, ...)`, in less time: it runs on every screened line, where
    a case whose links all resolve is the rule, so nothing is located or kept (measured with
    callgrind: 6,500 fewer instructions per screened case)."""
    fields = case.__dict__
    targets: dict[tuple[str, str], dict[str, str]] = {}
    for list_name, fld, target, by in LINKS:
        records = fields[list_name]
        if not records:
            continue
        key = (target, by)
        known = targets.get(key)
        if known is None:
            known = targets[key] = {}
            for r in fields[target]:  # a plain loop: a comprehension is a call per case
                name = getattr(r, by)
                if name is not None:
                    known[name] = r.ref or ""
        for record in records:
            value = getattr(record, fld)
            if value is None:
                continue
            if value not in known:
                return False
            if by == "number" and getattr(record, "registration", None) not in (
                    None, known[value]):
                return False
    return True


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


