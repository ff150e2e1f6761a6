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
from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.base.yamlsource import Positions, load_yaml
from rexcheck.facts.canonical import Canonical, canonical_counted
from rexcheck.facts.diagnose import from_validation_error
from rexcheck.facts.jsontext import keys_unique_given, may_hold_nul, nul_path
from rexcheck.facts.models import WHOLE_CASE_CHECKED, Case
from rexcheck.facts.records import read_records
from rexcheck.facts.wholecase import (  # noqa: F401  (MAX_RECORDS: the limit, for callers)
    _REF_LISTS,
    MAX_RECORDS,
    _duplicate_refs,
    _links_resolve,
    _refs_fit,
    _unresolved_links,
    case_problems,
)

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
    if may_hold_nul(text) or not _refs_fit(case) or not _links_resolve(case):
        return None
    canonical = canonical_counted(case)
    if not keys_unique_given(text, *canonical):
        return None
    return case, canonical


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
