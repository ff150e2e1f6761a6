"""Load case files: YAML or JSON (one case per file, or a list of cases, or `cases: [...]`), or
JSON lines (one case per line, as screening systems write them).

Every problem is reported with file, line, column and field; a file with a broken case still
yields its other cases (`load_case_file` returns both the cases and the diagnostics).
`case_files` finds the case files of folders: every file in a folder is read, or named in an
error; none is passed over in silence.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rexcheck.engine.diagnose import from_validation_error
from rexcheck.engine.errors import Diagnostic, InvalidInput
from rexcheck.engine.yamlsource import Positions, load_yaml
from rexcheck.facts.canonical import Canonical, canonical_counted
from rexcheck.facts.catalog import BASE_TYPES
from rexcheck.facts.jsontext import keys_unique_given, may_hold_nul, nul_path
from rexcheck.facts.models import WHOLE_CASE_CHECKED, Case
from rexcheck.facts.normalise import SHORT

# Limits of one case (SECURITY.md). Each record (document or goods item) becomes an engine
# fact; 2,000 of them evaluate in about a tenth of a second. Beyond it a case is refused
# before it is validated, clearly, rather than taking the engine's time and memory.
MAX_RECORDS = 2_000
MAX_ERRORS = 20  # problems of one case listed; the others are counted


def parse_case(data: Any, positions: Positions, prefix: tuple = ()) -> Case:
    """Validate one case record; raise `InvalidInput` with its problems (the first
    MAX_ERRORS of them, and a count of the others)."""
    if not isinstance(data, dict):
        line, col = positions.of(prefix)
        raise InvalidInput([Diagnostic(positions.file, line, col,
                                       "a case must be a mapping with 'case' and 'exporter'",
                                       "case-shape")])
    refused = _refused_unread(data, positions, prefix)
    if refused is not None:
        raise InvalidInput([refused])
    try:
        case = Case.model_validate(data, context=_CHECKED_HERE)
    except ValidationError as exc:
        first = _FirstErrors(exc)
        found = from_validation_error(first, positions, Case, prefix)  # type: ignore[arg-type]
        raise InvalidInput(_capped(found, exc.error_count(), positions, prefix)) from None
    problems = _duplicate_refs(case, positions, prefix) or _unresolved_links(case, positions,
                                                                              prefix)
    if problems:
        raise InvalidInput(_capped(problems, len(problems), positions, prefix))
    return case


# the checks of the whole case are made here, located (Case's own validator then passes)
_CHECKED_HERE = {WHOLE_CASE_CHECKED: True}


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


def _refused_unread(data: dict, positions: Positions, prefix: tuple) -> Diagnostic | None:
    """What refuses a case before it is validated: a NUL anywhere in it, too many records."""
    nul = nul_path(data)
    if nul is not None:
        line, col = positions.of(prefix + nul)
        return Diagnostic(positions.file, line, col, "text holds a NUL character", "nul",
                          field=".".join(map(str, nul)) or None,
                          hint="no document of the law holds one; remove it")
    records = _count_records(data)
    if records > MAX_RECORDS:
        line, col = positions.of(prefix)
        return Diagnostic(positions.file, line, col, f"case holds {records} records (documents "
                          f"and goods items), more than the {MAX_RECORDS} allowed in one case",
                          "too-large", hint="split the exporter's file into several cases")
    return None


def _count_records(data: dict) -> int:
    total = 0
    for name, _ in _REF_LISTS:
        items = data.get(name)
        if isinstance(items, list):
            total += len(items)
    applications = data.get("applications")
    if isinstance(applications, list):
        total += sum(len(app["goods"]) for app in applications
                     if isinstance(app, dict) and isinstance(app.get("goods"), list))
    return total


class _FirstErrors:
    """A pydantic ValidationError seen through its first MAX_ERRORS errors: turning each into
    a diagnostic costs (a 'did you mean' for an unknown key), and a hostile record may hold a
    hundred thousand of them."""

    def __init__(self, exc: ValidationError):
        self.exc = exc

    def errors(self) -> list:
        return self.exc.errors(include_url=False)[:MAX_ERRORS]


def _capped(problems: list[Diagnostic], total: int, positions: Positions, prefix: tuple
            ) -> list[Diagnostic]:
    shown = sorted(problems)[:MAX_ERRORS]
    if total > len(shown):
        line, col = positions.of(prefix)
        shown.append(Diagnostic(positions.file, line, col, f"and {total - len(shown)} more "
                                f"problem(s) in this case (the first {len(shown)} are shown)",
                                "more-errors"))
    return shown


def parse_case_json(text: str) -> Case | None:
    """A JSON line validated in one pass by pydantic's own JSON reader, or None when it is
    not a valid case: the caller then reads it the long way (`parse_json_line`, then
    `parse_case`), which names the line, field and reason. Both ways give equal cases for a
    valid line (amounts included: see `models.Exact`); tests/test_screen_fast_path.py holds
    them to it."""
    read = read_case_json(text)
    return read[0] if read is not None else None


def read_case_json(text: str) -> tuple[Case, Canonical] | None:
    """`parse_case_json`, with the case's canonical JSON (for its digest), which also tells
    that no key of the line was given twice."""
    try:
        case = Case.model_validate_json(text, context=_CHECKED_HERE)
    except ValueError:  # pydantic's ValidationError, or JSON it will not read
        return None
    # pydantic's reader keeps the last of a key given twice, and reads an escaped NUL: the
    # long way refuses both, naming the key or the field
    if may_hold_nul(text) or not _refs_fit(case) or _unresolved_links(case, _NOWHERE, ()):
        return None
    canonical = canonical_counted(case)
    if not keys_unique_given(text, *canonical):
        return None
    return case, canonical


# the case's lists of documents, and the name normalise gives a document without a ref
_REF_LISTS = tuple((list_name, SHORT[fact_type]) for fact_type, (_, list_name)
                   in BASE_TYPES.items() if list_name != "exporter")


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


_NOWHERE = Positions("<json>")


def _duplicate_refs(case: Case, positions: Positions, prefix: tuple) -> list[Diagnostic]:
    """Two records of a kind with one ref, given or made up: normalise names a record without
    a ref after its kind and place (`consignment-2`), and a ref given to another record that
    reads the same would merge the two, their findings and outcomes, without a word."""
    problems = []
    for fact_type, (_, list_name) in BASE_TYPES.items():
        records = getattr(case, list_name)
        if not isinstance(records, list) or len(records) < 2:
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


YAML_SUFFIXES = (".yaml", ".yml", ".json")
LINES_SUFFIXES = (".jsonl", ".ndjson")
CASE_SUFFIXES = YAML_SUFFIXES + LINES_SUFFIXES
READ = "*.yaml, *.yml, *.json, *.jsonl, *.ndjson"


def case_files(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """The case files named, and those found in the folders named (sorted), with a diagnostic
    for every other file of those folders and for a folder that holds no case file. Passed
    over, and said so in `check --help`: hidden files and folders (`.name`) and notes
    (`*.md`, README)."""
    files: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)  # named by the user: read whatever its name
            continue
        found = 0
        for file in _walk(path):
            if file.name.startswith(".") or _is_note(file):
                continue
            odd = _not_regular(file)
            if odd is not None:
                problems.append(Diagnostic(str(file), 1, 1, odd, "not-a-case-file"))
            elif file.suffix.lower() not in CASE_SUFFIXES:
                problems.append(Diagnostic(str(file), 1, 1, f"not a case file: rexcheck reads "
                                           f"{READ} (in upper or lower case)",
                                           "not-a-case-file",
                                           hint="rename it, or move it out of the folder"))
            else:
                files.append(file)
                found += 1
        if not found:
            problems.append(Diagnostic(str(path), 1, 1, f"no case file in this folder (looked "
                                       f"for {READ}, in upper or lower case, in it and its "
                                       "subfolders)", "no-cases"))
    return files, problems


def _walk(folder: Path) -> list[Path]:
    """Every file under `folder`, sorted; symbolic links to folders are not followed (a link
    to a parent would loop), hidden folders are passed over."""
    out: list[Path] = []
    for top, folders, names in os.walk(folder, onerror=None):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        out.extend(Path(top) / name for name in names)
    return sorted(out)


def _is_note(file: Path) -> bool:
    return file.suffix.lower() == ".md" or file.name.upper().startswith("README")


def _not_regular(file: Path) -> str | None:
    """Why a path in a folder is not read, when it is not a regular file (a FIFO would block
    the reading, a device never end): None for a regular file or a link to one."""
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not read"
    if stat.S_ISDIR(mode):
        return "a link to a folder, not read"
    return "not a regular file, not read"


def load_case_file(path: Path | str) -> tuple[list[Case], list[Diagnostic]]:
    """All valid cases of a file and the diagnostics of the invalid ones.

    A file that cannot be read at all (not YAML, not UTF-8, refused) raises `InvalidInput`.
    """
    if Path(path).suffix.lower() in LINES_SUFFIXES:
        return _load_json_lines(str(path))
    data, positions = load_yaml(path)
    prefix: tuple | None  # where the records are in the file; None: the file is one case
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


def _load_json_lines(path: str) -> tuple[list[Case], list[Diagnostic]]:
    """One case per line, read as `rexcheck screen` reads it; each error names its line."""
    from rexcheck.facts.records import read_records

    cases, problems = [], []
    for record in read_records([path], "jsonl"):
        record = record.parsed()
        if record.problem is not None:
            problems.append(record.problem)
            continue
        try:
            assert record.positions is not None
            cases.append(parse_case(record.data, record.positions))
        except InvalidInput as exc:
            problems.extend(exc.diagnostics)
    if not cases and not problems:
        problems.append(Diagnostic(path, 1, 1, "no case in this file (JSON lines: one case per "
                                   "line)", "no-cases"))
    return cases, problems
