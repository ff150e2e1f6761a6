"""The `rexcheck` command line: thin wrappers that parse, call the engine and print.

Each command imports the engine inside its function, and the `rexcheck` package names its API
lazily (api/__init__.py): `rexcheck --help`, `rexcheck calendar add` and a mistyped option
answer without loading the rules engine, the fact models or the web stack (measured:
`rexcheck --help` 0.80 s with the imports at the top, 0.18 s so).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rexcheck.engine.core.version import __version__
from rexcheck.facts.base.errors import Diagnostic, InvalidInput

if TYPE_CHECKING:  # the CLI imports the models when a command needs them (start-up time)
    from rexcheck.facts.models import Case


from rexcheck.cli.common import (  # noqa: F401  (shared by every command)
    AUDIT_KEY_OPTION,
    AUDIT_LOG_OPTION,
    DATE,
    ENGINE_LIMITS,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT_CLOSED,
    MAX_SHOWN,
    OLD_RULES_ROOT,
    RULES_HELP,
    RULES_OPTION,
    Day,
    Group,
    audit_log_failed,
    check_readable,
    detach_output,
    echo_err,
    fail,
    open_audit_log,
    read_audit_key,
    rules_folder,
)


@click.group(cls=Group,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rexcheck")
def main() -> None:
    """Check REX (registered exporter) cases against Kazakhstan's Orders 244 and 358.

    Rules are YAML files under rules/ (a folder per Order, a file per chapter), each citing
    and quoting the paragraph it encodes. Facts are case files: one exporter's applications
    No. 1, registrations, changes of data, revocations, verification requests and
    consignments with their statements on origin.

    \b
    Examples:
      rexcheck check facts/examples/                  every example case
      rexcheck check case.yaml --as-of 2026-05-01 --explain
      rexcheck check case.yaml --format json          stable JSON for machines
      rexcheck screen cases.jsonl --workers 2         bulk screening, one result per record
      rexcheck whatif --proposed proposal.yaml population.jsonl
      rexcheck rules list | lint | test | docs        for the people who edit the rules
      rexcheck calendar add 2026-03-19 5              a due date on the Kazakhstan calendar
      rexcheck audit verify decisions.jsonl           check an audit log, replay it
      rexcheck serve --port 8080                      the same checks over HTTP

    Every command that reads rules takes the rules folder as --rules DIR (default:
    $REXCHECK_RULES, else the shipped packs) and dates as YYYY-MM-DD.

    \b
    Exit codes (each command's --help gives its own):
      0  nothing to report: no findings (notices do not count), tests pass, no change
      1  something to report: findings, failed tests, lint warnings, cases that change
      2  invalid input or rules, or the command could not run: nothing half-done is reported
      130  interrupted (Ctrl-C)
      141  the output was closed by its reader (e.g. `| head`): a quiet stop
    """


@main.command(short_help="Judge case files: outcomes and findings with citations.")
@click.argument("facts", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@RULES_OPTION
@click.option("--as-of", type=DATE, help="Judge the cases on this date; default: each case's "
              "own as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for machines.")
@click.option("--explain", is_flag=True, help="Show the chain of rule firings and derived "
              "facts behind each finding, and the full trace.")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of finding messages and of errors in rule and case files.")
@AUDIT_LOG_OPTION
@AUDIT_KEY_OPTION
@click.pass_context
def check(ctx: click.Context, facts: tuple[Path, ...], rules_dir: Path | None,
          as_of: dt.date | None, fmt: str, explain: bool, lang: str, audit_log: Path | None,
          audit_key_file: Path | None) -> None:
    """Evaluate case files against the rules: YAML or JSON (a case, a list of cases, or
    `cases: [...]`), or JSON lines (one case per line, *.jsonl or *.ndjson).

    A folder is searched with its subfolders: every *.yaml, *.yml, *.json, *.jsonl and
    *.ndjson file (in any case, X.YAML too) is read, and any other file is an error, as is a
    folder with no case file; only hidden files (.name) and notes (*.md, README) are passed
    over.

    Each case gets the outcome of each of its documents (application A1: refuse) and its own,
    each decided by a cited outcome rule; each finding names the rule, its citation, the
    subject (e.g. application A1), the message and the facts that made it fire; notices
    (a reading applied, the data set published) and steps not yet due (pending) are listed
    apart. Each rule is judged by the law in force on the date of its document.

    With --audit-log each decision (outcome as `rexcheck screen` gives it, findings, the
    case, the audit block) is appended to a hash-chained log before the results are shown.

    \b
    Examples:
      rexcheck check facts/examples/refused-no-english.yaml
      rexcheck check facts/examples/ --format json --as-of 2026-05-01
      rexcheck check case.yaml --audit-log decisions.jsonl --audit-key /etc/rexcheck/audit.key

    \b
    Exit codes:
      0  no findings (notices do not count)
      1  findings (errors or warnings)
      2  invalid input or rules (nothing is evaluated), or a case that could not be judged
         (its dates after the as-of date, a document no rule in force decides)
    """
    from rexcheck.engine.services.checker import Checker, Item
    from rexcheck.engine.services.messages import problem_in
    from rexcheck.engine.services.render import to_json, to_text
    from rexcheck.engine.services.result import Source
    from rexcheck.facts.loader import case_files, load_case_file

    key = read_audit_key(ctx, audit_key_file, audit_log is not None, fmt)
    try:
        checker = Checker(rules_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt, lang)
    paths, problems = case_files(facts)
    cases: list[tuple[Case, str]] = []  # and the file it is in
    for path in paths:
        try:
            found, bad = load_case_file(path)
        except InvalidInput as exc:
            problems.extend(exc.diagnostics)
            continue
        cases.extend((c, str(path)) for c in found)
        problems.extend(bad)
    problems.extend(_duplicate_cases(cases))
    if problems:
        fail(problems, fmt, lang)
    cases.sort(key=lambda item: (item[0].case, item[1]))
    results = checker.results([Item(case, Source(path)) for case, path in cases], as_of, lang,
                              explain)
    for r in results:
        r.errors = [problem_in(p, lang) for p in r.errors]
    if audit_log is not None:
        _log_decisions(open_audit_log(audit_log, key, True, fmt),
                       [case for case, _ in cases], results)
    meta = {"rexcheck": __version__, "rules": {"digest": checker.ruleset.digest}}
    if fmt == "json":
        click.echo(to_json(results, [], meta), nl=False)
    else:
        click.echo(to_text(results, []), nl=False)
    if any(r.errors for r in results):
        sys.exit(2)
    sys.exit(1 if any(r.has_findings for r in results) else 0)


def _log_decisions(log, cases: list, results: list) -> None:
    """Each case's decision, logged before any is shown (each line synced to the disk)."""
    from rexcheck.engine.services.audit import decision_of
    from rexcheck.engine.services.auditchain import AuditLogError

    try:
        with log:
            for case, result in zip(cases, results, strict=True):
                log.write(case, decision_of(result))
    except AuditLogError as exc:
        audit_log_failed(exc.diagnostic)


def _duplicate_cases(cases: list) -> list[Diagnostic]:
    seen: dict[str, str] = {}
    out = []
    for case, path in cases:
        if case.case in seen:
            out.append(Diagnostic(path, 1, 1, f"case id '{case.case}' is also used in "
                                  f"{seen[case.case]}", "duplicate-case"))
        seen.setdefault(case.case, path)
    return out


@main.group(cls=Group, short_help="For the people who edit the rules: list, lint, test, "
            "docs, schema.")
def rules() -> None:
    """Inspect, check, test and document the rule packs. Each command takes the rules folder
    as --rules DIR (default: $REXCHECK_RULES, else the shipped packs).

    \b
    Examples:
      rexcheck rules lint --rules my-rules/
      rexcheck rules test --rules my-rules/ -v
      rexcheck rules docs --rules my-rules/ --out docs/

    \b
    Exit codes: each command's --help gives its own; 2 always means invalid rules or input.
    """


@rules.command("list", short_help="Every rule: id, citation, fact type and title.")
@RULES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_list(rules_dir: Path | None, fmt: str) -> None:
    """List every rule with its id, citation, fact type and title (the values of the law
    written out).

    \b
    Example:
      rexcheck rules list --format json
      rexcheck rules list --rules my-rules/

    \b
    Exit codes:
      0  listed
      2  invalid rules
    """
    from rexcheck.engine.authoring.prose import rule_title
    from rexcheck.engine.core.loader import load_rules

    try:
        ruleset = load_rules(rules_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    rows = [{
        "id": lr.rule.id, "citation": lr.rule.citation.ref, "also": lr.rule.citation.also,
        "applies_to": lr.rule.applies_to, "title": rule_title(lr, ruleset),
        "kind": lr.rule.then.finding.kind if lr.rule.then.finding else "derive",
        "derives": lr.rule.then.derive.fact if lr.rule.then.derive else None,
        "reading": lr.rule.reading.id if lr.rule.reading else None,
        "file": str(Path(lr.file).relative_to(ruleset.root)),
    } for lr in sorted(ruleset.rules, key=lambda r: (r.file, r.rule.id))]
    if fmt == "json":
        click.echo(json.dumps({"digest": ruleset.digest, "rules": rows}, ensure_ascii=False,
                              indent=2, sort_keys=True))
        return
    for row in rows:
        click.echo(f"{row['id']:44} {row['citation']:24} {row['applies_to']:20} {row['title']}")
    click.echo(f"{len(rows)} rule(s), digest {ruleset.digest}")


@rules.command("lint", short_help="Check the rules, their tests and their citations.")
@RULES_OPTION
@OLD_RULES_ROOT
@click.option("--readings", "readings_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The readings document (default: docs/readings.md beside the rules tree).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the errors and warnings.")
def rules_lint(rules_dir: Path | None, rules_root: Path | None, readings_file: Path | None,
               fmt: str, lang: str) -> None:
    """Check a rules tree: schema errors with file:line:column and hints, unknown fields,
    duplicate ids, rules that can never fire, rule tests naming rules or fields that do not
    exist, citations that do not match the texts of the law (rules/texts/), derived facts never
    produced or never used, rules without tests, readings not documented, messages without a
    Russian translation.

    \b
    Examples:
      rexcheck rules lint
      rexcheck rules lint --rules my-rules/ --format json

    \b
    Exit codes:
      0  clean
      1  warnings only (the tree can be used; the shipped packs have none)
      2  errors (the tree cannot be used)

    RULES_ROOT, the rules folder given as an argument, still works but is deprecated: use
    --rules DIR, as every command does.
    """
    from rexcheck.engine.authoring.lint import lint

    root = rules_folder(rules_dir, rules_root)
    if readings_file is None:
        readings_file = root.resolve().parent / "docs" / "readings.md"
    from rexcheck.engine.services.messages import format_line, localise, summary

    found = lint(root, readings_file)
    if fmt == "json":
        click.echo(json.dumps({"diagnostics": [localise(d, lang).as_dict() for d in found]},
                              indent=2, ensure_ascii=False, sort_keys=True))
    else:
        for d in found:
            click.echo(format_line(d, lang))
        errors = sum(d.severity == "error" for d in found)
        click.echo(summary("lint", lang, errors, len(found) - errors))
    if any(d.severity == "error" for d in found):
        sys.exit(2)
    sys.exit(1 if found else 0)


@rules.command("schema", short_help="JSON Schemas for editors and for the result.")
@RULES_OPTION
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("schema"), show_default=True, help="Folder to write the schemas to.")
def rules_schema(rules_dir: Path | None, out_dir: Path) -> None:
    """Write JSON Schemas: rule files, law.yaml, rule test files, case files, and the result
    of a case (result.schema.json, the rexcheck.result/1 contract of check, screen and serve).

    An editor with a YAML language server (VS Code with the Red Hat YAML extension) then
    completes field names, operators and fact fields and flags mistakes while you type; see
    docs/editing-rules.md for the settings.

    The field paths offered in conditions are those of the rules folder: the fact models'
    fields, and the derived facts and computed values its rule files declare.

    \b
    Example:
      rexcheck rules schema --out schema/
      rexcheck rules schema --rules my-rules/ --out schema/

    \b
    Exit codes:
      0  written
      2  invalid rules, or a schema could not be written
    """
    from rexcheck.engine.authoring.jsonschema import SCHEMAS
    from rexcheck.engine.core.loader import load_rules

    try:
        fields = load_rules(rules_dir).fields
    except InvalidInput as exc:
        fail(exc.diagnostics)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, make in SCHEMAS.items():
            path = out_dir / f"{name}.schema.json"
            schema = make(fields) if name == "rule-file" else make()
            path.write_text(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False)
                            + "\n", encoding="utf-8")
            click.echo(f"wrote {path}")
    except OSError as exc:
        fail([Diagnostic(str(out_dir), 1, 1, f"cannot write the schemas: {exc.strerror}",
                         "io")])


@rules.command("docs", short_help="Write the rule catalogue (catalogue.md and .html).")
@RULES_OPTION
@OLD_RULES_ROOT
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("docs"), show_default=True, help="Folder to write the catalogue to.")
def rules_docs(rules_dir: Path | None, rules_root: Path | None, out_dir: Path) -> None:
    """Generate the rule catalogue (catalogue.md and a single-page catalogue.html): per act
    and paragraph, the quoted law, the rule in plain words, its reading and its tests.

    \b
    Example:
      rexcheck rules docs --out docs/
      rexcheck rules docs --rules my-rules/ --out my-docs/

    \b
    Exit codes:
      0  written
      2  invalid rules or tests

    RULES_ROOT, the rules folder given as an argument, still works but is deprecated: use
    --rules DIR, as every command does.
    """
    from rexcheck.engine.authoring import catalogue
    from rexcheck.engine.authoring.ruletests import load_tests
    from rexcheck.engine.core.loader import load_rules

    root = rules_folder(rules_dir, rules_root)
    try:
        from rexcheck.engine.web.workbench.pages import catalogue_page

        paths = catalogue.write(load_rules(root), load_tests(root), out_dir, catalogue_page)
    except InvalidInput as exc:
        fail(exc.diagnostics)
    for path in paths:
        click.echo(f"wrote {path}")


@rules.command("test", short_help="Run the rule tests (YAML, under the rules' tests/).")
@RULES_OPTION
@OLD_RULES_ROOT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="List every test, passed or failed.")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of errors in rule and test files.")
def rules_test(rules_dir: Path | None, rules_root: Path | None, fmt: str, verbose: bool,
               lang: str) -> None:
    """Run the rule tests written as YAML under the rules folder's tests/.

    Each test names a case (a fixture varied with `set`, an inline case or a case file), a
    date, the findings expected, the outcomes expected and the rules that must not fire; a
    failure shows what was expected and what happened. Only failures and the summary are
    shown, every test with -v. See docs/rule-tests.md.

    \b
    Example:
      rexcheck rules test
      rexcheck rules test --rules my-rules/ -v
      rexcheck rules test --rules my-rules/ --format json

    \b
    Exit codes:
      0  every test passes
      1  some test fails
      2  invalid rules or tests (no test is run)

    RULES_ROOT, the rules folder given as an argument, still works but is deprecated: use
    --rules DIR, as every command does.
    """
    from rexcheck.engine.authoring.ruletests import load_tests, report, run_test
    from rexcheck.engine.services.checker import Checker

    root = rules_folder(rules_dir, rules_root)
    try:
        checker = Checker(root)
        tests = load_tests(root, checker.ruleset)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt, lang)
    outcomes = [run_test(checker, t) for t in tests]
    if fmt == "json":
        click.echo(json.dumps({"tests": [{
            "name": o.loaded.test.name, "file": o.loaded.file, "line": o.loaded.line,
            "passed": o.passed, "missing": o.missing, "unexpected": o.unexpected,
            "actual": o.actual, "error": o.error} for o in outcomes],
            "passed": sum(o.passed for o in outcomes),
            "failed": sum(not o.passed for o in outcomes)}, indent=2, ensure_ascii=False))
    else:
        click.echo(report(outcomes, verbose, lang), nl=False)
    sys.exit(0 if all(o.passed for o in outcomes) else 1)


@main.command(short_help="What changes if the law changes: rules in force vs a proposal.")
@click.option("--rules", "--baseline", "baseline_dir", metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The rules in force, the baseline (default: $REXCHECK_RULES, else the "
              "shipped packs); --baseline is its old name, deprecated.")
@click.option("--proposed", "proposed_path", required=True,
              type=click.Path(exists=True, path_type=Path),
              help="A proposed rules directory, or a scenario file (see docs/whatif.md).")
@click.argument("population", nargs=-1, required=True)
@click.option("--as-of", type=DATE, help="Judge every case on this date; default: each "
              "case's own as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text",
              show_default=True)
@click.option("--summary", is_flag=True, help="The summary only: the title, the change of "
              "the law, the outcome changes per document type and the totals, without the list "
              "of changed cases.")
def whatif(baseline_dir: Path | None, proposed_path: Path, population: tuple[str, ...],
           as_of: dt.date | None, fmt: str, summary: bool) -> None:
    """What changes if the law changes: run the rules in force and a proposal over a
    population of cases, and report the difference.

    The report gives its title and what the proposal changes in the law first (each
    parameter's values, e.g. "statement_threshold_chf: 500 -> 600 CHF from 2027-01-01";
    the rules added, removed or disabled), then the cases changed (an outcome or a finding
    differs) and, apart, those changed in notices only; the outcome changes per document type
    (consignment: invalid -> valid); the totals of each outcome before and after; per rule,
    the cases in which it newly fires or stops firing; and every changed case (not with
    --summary). POPULATION is one or more JSONL, JSON, YAML or CSV files of cases (as for
    `rexcheck screen`). When standard error is a terminal, the cases done, their
    rate and the time left are shown there as it runs. See docs/whatif.md.

    \b
    Example:
      rexcheck whatif --proposed examples/whatif/raise-chf-threshold.yaml \\
          examples/whatif/population.jsonl --summary
      rexcheck whatif --rules /tmp/rules-before --proposed rules/ population.jsonl

    \b
    Exit codes:
      0  no case changes (notices alone do not count)
      1  some case changes: an outcome or a finding differs
      2  invalid rules, proposal or input, or a case that could not be judged
    """
    from rexcheck.engine.core.loader import load_rules
    from rexcheck.engine.services.checker import Checker
    from rexcheck.engine.services.proposal import describe, load_proposal
    from rexcheck.engine.services.whatif import compare, to_text
    from rexcheck.facts.records import read_records

    try:
        baseline = load_rules(baseline_dir)
        proposed = load_proposal(proposed_path, baseline)
        base_checker = Checker(baseline)
        prop_checker = Checker(proposed, base_checker.calendar)
    except InvalidInput as exc:
        fail(exc.diagnostics, "json" if fmt == "json" else "text")
    from rexcheck.cli.screen_cmd import Progress, _count_lines

    check_readable(population)
    progress = Progress(None, sys.stderr)
    if progress.enabled:  # a person watches: worth reading the files once more to count
        progress.total = _count_lines(population)

    def ticking(records):
        for record in records:
            yield record
            progress.tick()  # the record is judged by both rule sets when the next is asked

    about = describe(proposed_path)
    title = about.get("scenario") or f"the proposed rules in {proposed_path}/"
    report = compare(base_checker, prop_checker, ticking(read_records(list(population))),
                     as_of, title)
    progress.close()
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(summary), indent=2, sort_keys=True,
                              ensure_ascii=False, default=str))
    else:
        click.echo(to_text(report, markdown=fmt == "md", summary=summary), nl=False)
    if report.errors:
        click.echo(f"{report.errors} case(s) could not be evaluated", err=True)
        sys.exit(2)
    sys.exit(1 if report.changed else 0)


@main.group(cls=Group, short_help="Check and replay audit logs; print a log's head.")
def audit() -> None:
    """Check and replay audit logs (see --audit-log of check and screen).

    \b
    Examples:
      rexcheck audit verify decisions.jsonl --audit-key /etc/rexcheck/audit.key
      rexcheck audit head decisions.jsonl           the head to keep outside the machine
      rexcheck audit verify decisions.jsonl --anchor 1204:sha256:3f2a...

    \b
    Exit codes: each command's --help gives its own; 2 always means the log was altered or
    cannot be read, or invalid input.
    """


def _anchor(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
    from rexcheck.engine.services.auditchain import parse_anchor

    try:
        return [parse_anchor(v) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


MAX_PROBLEMS_SHOWN = 100


def _show_problems(problems: list[Diagnostic]) -> None:
    for d in problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(d.format(), err=True)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        click.echo(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problem(s)", err=True)


def _macs(chain) -> str:
    return {"checked": "MACs checked", "none": "not keyed (no MACs)",
            "not checked": f"keyed ({chain.key_id}), MACs NOT checked"}[chain.macs]


@audit.command("verify", short_help="Check an audit log's chain and replay its decisions.")
@click.argument("log_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@RULES_OPTION
@click.option("--audit-key", "audit_key_file", type=click.Path(dir_okay=False, path_type=Path),
              envvar="REXCHECK_AUDIT_KEY_FILE", show_envvar=True,
              help="File holding the log's key: check every line's HMAC. Without it a keyed "
              "log's chain is checked, its MACs are not (and the report says so).")
@click.option("--anchor", "anchors", multiple=True, callback=_anchor, metavar="COUNT:HASH",
              help="A head printed earlier by `rexcheck audit head`: check that the log still "
              "holds it at that line (catches truncation and rewritten tails). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def audit_verify(log_file: Path, rules_dir: Path | None, audit_key_file: Path | None,
                 anchors: list, fmt: str) -> None:
    """Check an audit log and replay its decisions.

    The chain: every line's hash against its content, every link to the line before, the
    header, the line numbers, the times; every line's HMAC when given the key; the anchors.
    The replay: every decision re-evaluated with the given rules on its logged as-of date,
    its outcome and findings compared with those logged. Decisions taken with other rules or
    another rexcheck version are noted.

    \b
    Example:
      rexcheck check facts/examples/ --audit-log decisions.jsonl
      rexcheck audit verify decisions.jsonl --rules proposed-rules/
      rexcheck audit verify decisions.jsonl --audit-key audit.key --anchor 12:sha256:9c1e...

    \b
    Exit codes:
      0  the log is whole and every decision stands
      1  some decision would change (with these rules)
      2  the log was altered or cannot be read (a broken link, hash, MAC or anchor, an
         unreadable line), or invalid rules or key
    """
    from rexcheck.engine.services.audit import verify
    from rexcheck.engine.services.auditchain import read_key
    from rexcheck.engine.services.checker import Checker

    try:
        key = read_key(audit_key_file) if audit_key_file else None
        checker = Checker(rules_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    report = verify(log_file, checker, key, anchors)
    chain = report.chain
    if fmt == "json":
        click.echo(json.dumps({
            "log": str(log_file), "lines": chain.lines, "key_id": chain.key_id,
            "macs": chain.macs, "anchors": [a.anchor for a in anchors],
            "head": {"count": chain.head.count, "hash": chain.head.hash,
                     "anchor": chain.head.anchor} if chain.head else None,
            "entries": report.entries, "same": report.same,
            "differences": [d.__dict__ for d in report.differences],
            "problems": [d.as_dict() for d in chain.problems], "notes": chain.notes,
            "rules": report.rules_digest}, indent=2, ensure_ascii=False, sort_keys=True))
    else:
        _show_problems(chain.problems)
        for d in report.differences:
            change = (f": outcome {d.logged_outcome}, now {d.now_outcome}"
                      if d.logged_outcome != d.now_outcome else "")
            click.echo(f"line {d.line}: case {d.case} (as of {d.as_of}) would change{change}")
            for k in sorted(set(d.logged) - set(d.now)):
                click.echo(f"    - {k}")
            for k in sorted(set(d.now) - set(d.logged)):
                click.echo(f"    + {k}")
        for note in chain.notes:
            click.echo(f"note: {note}")
        state = (f"{len(chain.problems)} problem(s)" if chain.problems else "whole")
        head = f"; head {chain.head.anchor}" if chain.head else ""
        anchored = f"; {len(anchors)} anchor(s) checked" if anchors else ""
        click.echo(f"chain: {chain.lines} line(s), {state}{head}; {_macs(chain)}{anchored}")
        click.echo(f"{report.entries} decision(s): {report.same} stand, "
                   f"{len(report.differences)} would change")
    if chain.problems:
        sys.exit(2)
    sys.exit(1 if report.differences else 0)


@audit.command("head", short_help="Print an audit log's head, to keep outside the machine.")
@click.argument("log_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--audit-key", "audit_key_file", type=click.Path(dir_okay=False, path_type=Path),
              envvar="REXCHECK_AUDIT_KEY_FILE", show_envvar=True,
              help="File holding the log's key: check every line's HMAC first.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def audit_head(log_file: Path, audit_key_file: Path | None, fmt: str) -> None:
    """Print the head of an audit log: its number of lines and the hash of the last.

    Keep it outside the machine (a ticket, an e-mail, paper): the log can then be shown
    later to still hold it (`audit verify --anchor COUNT:HASH`), so neither truncating the
    log nor rewriting it, even with the key, goes unseen. The chain is checked first (not
    the decisions: that is `audit verify`); a broken chain has no head to anchor.

    \b
    Example:
      rexcheck audit head decisions.jsonl
      rexcheck audit head decisions.jsonl --format json

    \b
    Exit codes:
      0  the head is printed
      2  the chain is broken or the log cannot be read
    """
    from rexcheck.engine.services.auditchain import chain_of, read_key

    try:
        key = read_key(audit_key_file) if audit_key_file else None
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    chain = chain_of(log_file, key)
    if chain.problems or chain.head is None:
        _show_problems(chain.problems)
        click.echo(f"{log_file}: no head printed: the chain is not whole (see `rexcheck "
                   "audit verify`), and a broken chain is no head to anchor", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps({"log": str(log_file), "count": chain.head.count,
                               "hash": chain.head.hash, "anchor": chain.head.anchor,
                               "key_id": chain.key_id, "macs": chain.macs,
                               "notes": chain.notes}, indent=2, sort_keys=True))
        return
    for note in chain.notes:
        click.echo(f"note: {note}")
    click.echo(f"{log_file}: {chain.head.count} line(s), {_macs(chain)}")
    click.echo(f"anchor: {chain.head.anchor}")


def _register_commands() -> None:
    """Commands that live in their own modules, added in the order `--help` lists them."""
    from rexcheck.cli import calendar_cmd, screen_cmd, serve_cmd

    main.add_command(screen_cmd.screen)
    main.add_command(serve_cmd.serve)
    main.add_command(calendar_cmd.calendar)



_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
