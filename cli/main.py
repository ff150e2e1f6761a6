"""The `rexcheck` command line: thin wrappers that parse, call the engine and print."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import sys
from pathlib import Path

import click
from rexcheck import __version__
from rexcheck.engine.errors import Diagnostic, InvalidInput


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


MAX_SHOWN = 100  # diagnostics printed by a command; the others are counted


def fail(diagnostics: list[Diagnostic], fmt: str = "text") -> None:
    """Print the diagnostics (the first MAX_SHOWN, sorted, and a count of the others) and
    exit 2: a hostile file must not turn into a million lines of output."""
    shown = sorted(diagnostics)[:MAX_SHOWN]
    hidden = len(diagnostics) - len(shown)
    if fmt == "json":
        click.echo(json.dumps({"errors": [d.as_dict() for d in shown], "errors_not_shown": hidden},
                              ensure_ascii=False, sort_keys=True, indent=2))
    else:
        for d in shown:
            click.echo(d.format(), err=True)
        if hidden:
            click.echo(f"... and {hidden} more error(s), not shown", err=True)
        click.echo(f"{len(diagnostics)} error(s); nothing was evaluated", err=True)
    sys.exit(2)


def _remember_rules(ctx: click.Context, param: click.Parameter, value: Path | None
                    ) -> Path | None:
    ctx.meta["rexcheck.rules"] = value  # for naming the rules in an engine's refusal
    return value


RULES_OPTION = click.option(
    "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    callback=_remember_rules, help="Rules directory (default: the packs shipped with rexcheck).")

# Exit codes beyond 0, 1 and 2, as a shell gives a process stopped by the signal (128 + its
# number): interrupted (Ctrl-C), and the output closed by its reader (`| head`).
EXIT_INTERRUPTED = 130
EXIT_OUTPUT_CLOSED = 141

# durable_rules' own limits, by the error code it refuses a rule set with (its rules.h)
ENGINE_LIMITS = {
    106: "more rules than the engine takes",
    107: "too many 'without' tests in one rule",
    108: "more than 256 rules begin with the same tests of one fact (the engine's "
         "BETA_LIST_LENGTH); split them by a first condition of their own",
    113: "a condition with more terms than the engine takes",
}


class _Cli(click.Group):
    """The command group, turning what a user can cause outside a command's own checks into
    one line and an exit code, never a traceback: output that cannot be written (a full disk,
    /dev/full: exit 2; a reader that went away, `| head`: a quiet stop, 141), Ctrl-C (130),
    and a rule set the engine refuses when it first compiles it (exit 2)."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            detach_output()
            click.echo("rexcheck: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except OSError as exc:
            detach_output()
            if exc.errno == errno.EPIPE:
                sys.exit(EXIT_OUTPUT_CLOSED)
            if exc.filename:
                echo_err(f"rexcheck: error: {exc.filename}: {exc.strerror or exc}")
            elif exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                echo_err(f"rexcheck: error: cannot write the output: {exc.strerror}")
            else:
                echo_err(f"rexcheck: error: {exc.strerror or exc}")
            sys.exit(2)
        except Exception as exc:
            if type(exc).__module__ != "durable_rules_engine":
                raise  # a fault of rexcheck's own: the traceback is its report
            detach_output()
            code = int(re.sub(r"\D", "", str(exc)) or 0)
            rules = ctx.meta.get("rexcheck.rules") or "the shipped rules"
            echo_err(f"{rules}:1:1: error: the engine refused the rule set: "
                      f"{ENGINE_LIMITS.get(code, str(exc))} (durable_rules error {code}) "
                      "[engine-limit]")
            sys.exit(2)


def detach_output() -> None:
    """Point standard output at /dev/null, so that nothing more is written where writing
    failed (Python's final flush would print its own error there)."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a file (tests capture the output)


def echo_err(text: str) -> None:
    try:
        click.echo(text, err=True)
    except OSError:
        pass  # standard error is gone too: the exit code says it


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"],
                                         "max_content_width": 100})
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
      rexcheck audit verify decisions.jsonl           replay logged decisions

    Exit codes: 0 no findings (information notices do not count); 1 findings (errors or
    warnings); 2 invalid input or rules, or output that could not be written; 130
    interrupted (Ctrl-C); 141 the output was closed by its reader (e.g. `| head`). Each
    command's --help has examples.
    """


@main.command()
@click.argument("facts", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@RULES_OPTION
@click.option("--as-of", callback=parse_date, help="Judge the cases on this date (YYYY-MM-DD); "
              "default: each case's own as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for machines.")
@click.option("--explain", is_flag=True, help="Show the chain of rule firings and derived "
              "facts behind each finding, and the full trace.")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of finding messages.")
@click.option("--audit-log", type=click.Path(path_type=Path),
              help="Append one JSON line per decision to this file (never rewritten); "
              "`rexcheck audit verify` replays it.")
def check(facts: tuple[Path, ...], rules_dir: Path | None, as_of: dt.date | None, fmt: str,
          explain: bool, lang: str, audit_log: Path | None) -> None:
    """Evaluate case files against the rules: YAML or JSON (a case, a list of cases, or
    `cases: [...]`), or JSON lines (one case per line, *.jsonl or *.ndjson).

    A folder is searched with its subfolders: every *.yaml, *.yml, *.json, *.jsonl and
    *.ndjson file (in any case, X.YAML too) is read, and any other file is an error, as is a
    folder with no case file; only hidden files (.name) and notes (*.md, README) are passed
    over.

    Each finding names the rule, its citation, the subject (e.g. application A1), the message
    and the facts that made it fire. Steps not yet due are listed as pending.

    \b
    Examples:
      rexcheck check facts/examples/refused-no-english.yaml
      rexcheck check facts/examples/ --format json --as-of 2026-05-01

    Exit codes: 0 no findings (information notices do not count); 1 findings (errors or
    warnings); 2 invalid input or rules (nothing is evaluated) or a case that could not be
    evaluated.
    """
    from rexcheck.engine.checker import Checker
    from rexcheck.engine.render import to_json, to_text
    from rexcheck.facts.loader import case_files, load_case_file

    check_appendable(audit_log, fmt)
    try:
        checker = Checker(rules_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    paths, problems = case_files(facts)
    cases = []
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
        fail(problems, fmt)
    cases.sort(key=lambda item: (item[0].case, item[1]))
    results = [checker.check(case, as_of, lang) for case, _ in cases]
    if audit_log is not None:
        from rexcheck.engine.audit import AuditLog

        log = AuditLog(audit_log)
        for (case, _), result in zip(cases, results):
            if result.audit is not None:
                outcome = ("error" if result.error else
                           "findings" if result.has_findings else "clean")
                log.write(case, result.audit, outcome, result.findings)
        log.close()
    meta = {"rexcheck": __version__, "rules": {"digest": checker.ruleset.digest}}
    if fmt == "json":
        click.echo(to_json(results, [], meta, explain), nl=False)
    else:
        click.echo(to_text(results, [], explain), nl=False)
    if any(r.error for r in results):
        sys.exit(2)
    sys.exit(1 if any(r.has_findings for r in results) else 0)


def check_appendable(path: Path | None, fmt: str = "text") -> None:
    """Fail (exit 2) before any work when an audit log cannot be opened for appending: a
    decision taken and not logged is worse than one not taken."""
    if path is None:
        return
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        fail([Diagnostic(str(path), 1, 1, f"cannot open the audit log for appending: "
                                          f"{exc.strerror or exc}", "io")], fmt)


def check_readable(inputs: tuple[str, ...] | list[str]) -> None:
    """Fail (exit 2) before any work on an input that is missing, a folder or unreadable;
    what goes wrong later, while reading, is a record's error."""
    problems = []
    for name in inputs:
        if name == "-":
            continue
        try:
            if os.path.isdir(name):
                raise IsADirectoryError(errno.EISDIR, "is a folder; name the files in it")
            os.stat(name)
            if not os.access(name, os.R_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        except OSError as exc:
            problems.append(Diagnostic(name, 1, 1, f"cannot read: {exc.strerror or exc}", "io"))
    if problems:
        fail(problems)


def _duplicate_cases(cases: list) -> list[Diagnostic]:
    seen: dict[str, str] = {}
    out = []
    for case, path in cases:
        if case.case in seen:
            out.append(Diagnostic(path, 1, 1, f"case id '{case.case}' is also used in "
                                  f"{seen[case.case]}", "duplicate-case"))
        seen.setdefault(case.case, path)
    return out


@main.group()
def rules() -> None:
    """Inspect the rule packs."""


@rules.command("list")
@RULES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_list(rules_dir: Path | None, fmt: str) -> None:
    """List every rule with its id, citation, fact type and title.

    \b
    Example:
      rexcheck rules list --format json
    """
    from rexcheck.engine.loader import load_rules

    try:
        ruleset = load_rules(rules_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    rows = [{
        "id": lr.rule.id, "citation": lr.rule.citation.ref, "also": lr.rule.citation.also,
        "applies_to": lr.rule.applies_to, "title": lr.rule.title,
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


@rules.command("lint")
@click.argument("rules_root", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--readings", "readings_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The readings document (default: docs/readings.md beside the rules tree).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_lint(rules_root: Path | None, readings_file: Path | None, fmt: str) -> None:
    """Check a rules tree: schema errors with file:line:column and hints, unknown fields,
    duplicate ids, derived facts never produced or never used, rules without tests, readings
    not documented, messages without a Russian translation.

    \b
    Examples:
      rexcheck rules lint
      rexcheck rules lint my-rules/ --format json

    Exit codes: 0 clean; 1 warnings only; 2 errors (the tree cannot be used).
    """
    from rexcheck.engine.lint import lint
    from rexcheck.engine.loader import default_rules_dir

    root = rules_root or default_rules_dir()
    if readings_file is None:
        readings_file = root.resolve().parent / "docs" / "readings.md"
    found = lint(root, readings_file)
    if fmt == "json":
        click.echo(json.dumps({"diagnostics": [d.as_dict() for d in found]}, indent=2,
                              ensure_ascii=False, sort_keys=True))
    else:
        for d in found:
            click.echo(d.format())
        errors = sum(d.severity == "error" for d in found)
        click.echo(f"{errors} error(s), {len(found) - errors} warning(s)")
    if any(d.severity == "error" for d in found):
        sys.exit(2)
    sys.exit(1 if found else 0)


@rules.command("schema")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("schema"), show_default=True, help="Folder to write the schemas to.")
def rules_schema(out_dir: Path) -> None:
    """Write JSON Schemas for rule files, rule test files and case files.

    An editor with a YAML language server (VS Code with the Red Hat YAML extension) then
    completes field names, operators and fact fields and flags mistakes while you type; see
    docs/editing-rules.md for the settings.

    \b
    Example:
      rexcheck rules schema --out schema/
    """
    from rexcheck.engine.jsonschema import case_file_schema, rule_file_schema, test_file_schema

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, schema in (("rule-file", rule_file_schema()), ("rule-test-file", test_file_schema()),
                         ("case-file", case_file_schema())):
        path = out_dir / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        click.echo(f"wrote {path}")


@rules.command("docs")
@click.argument("rules_root", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("docs"), show_default=True)
def rules_docs(rules_root: Path | None, out_dir: Path) -> None:
    """Generate the rule catalogue (catalogue.md and a single-page catalogue.html): per act
    and paragraph, the quoted law, the rule in plain words, its reading and its tests.

    \b
    Example:
      rexcheck rules docs --out docs/
    """
    from rexcheck.engine import catalogue
    from rexcheck.engine.loader import default_rules_dir, load_rules
    from rexcheck.engine.ruletests import load_tests

    root = rules_root or default_rules_dir()
    try:
        paths = catalogue.write(load_rules(root), load_tests(root), out_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics)
    for path in paths:
        click.echo(f"wrote {path}")


@rules.command("test")
@click.argument("rules_root", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_test(rules_root: Path | None, fmt: str) -> None:
    """Run the rule tests written as YAML under RULES_ROOT/tests (default: the shipped rules).

    Each test names a case (a fixture varied with `set`, an inline case or a case file), a
    date, the findings expected and the rules that must not fire; a failure shows the
    expected and the actual findings. See docs/editing-rules.md.

    \b
    Example:
      rexcheck rules test
      rexcheck rules test my-rules/ --format json

    Exit codes: 0 all pass; 1 some fail; 2 invalid rules or tests.
    """
    from rexcheck.engine.checker import Checker
    from rexcheck.engine.loader import default_rules_dir
    from rexcheck.engine.ruletests import load_tests, report, run_test

    root = rules_root or default_rules_dir()
    try:
        checker = Checker(root)
        tests = load_tests(root)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    outcomes = [run_test(checker, t) for t in tests]
    if fmt == "json":
        click.echo(json.dumps({"tests": [{
            "name": o.loaded.test.name, "file": o.loaded.file, "line": o.loaded.line,
            "passed": o.passed, "missing": o.missing, "unexpected": o.unexpected,
            "actual": o.actual, "error": o.error} for o in outcomes],
            "passed": sum(o.passed for o in outcomes),
            "failed": sum(not o.passed for o in outcomes)}, indent=2, ensure_ascii=False))
    else:
        click.echo(report(outcomes), nl=False)
    sys.exit(0 if all(o.passed for o in outcomes) else 1)


@main.command()
@click.option("--baseline", "baseline_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Rules in force (default: the shipped packs).")
@click.option("--proposed", "proposed_path", required=True,
              type=click.Path(exists=True, path_type=Path),
              help="A proposed rules directory, or a scenario file (see docs/whatif.md).")
@click.argument("population", nargs=-1, required=True)
@click.option("--as-of", callback=parse_date, help="Judge every case on this date.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text",
              show_default=True)
def whatif(baseline_dir: Path | None, proposed_path: Path, population: tuple[str, ...],
           as_of: dt.date | None, fmt: str) -> None:
    """What changes if the law changes: run the baseline and a proposal over a population.

    Reports, per rule, how many cases it newly fires or stops firing in; per outcome, the
    transitions (e.g. valid -> invalid); and every changed case with its outcome before and
    after; plus the number of cases unchanged. POPULATION is one or more JSONL, JSON, YAML or
    CSV files of cases (as for `rexcheck screen`).

    \b
    Example:
      rexcheck whatif --proposed examples/whatif/raise-chf-threshold.yaml \\
          examples/whatif/population.jsonl --format md

    Exit codes: 0 no case changes; 1 some cases change; 2 invalid rules, proposal or input.
    """
    from rexcheck.engine.checker import Checker
    from rexcheck.engine.loader import load_rules
    from rexcheck.engine.proposal import load_proposal
    from rexcheck.engine.whatif import compare, to_text
    from rexcheck.facts.records import read_records

    try:
        baseline = load_rules(baseline_dir)
        proposed = load_proposal(proposed_path, baseline)
        base_checker = Checker(baseline)
        prop_checker = Checker(proposed, base_checker.calendar)
    except InvalidInput as exc:
        fail(exc.diagnostics, "json" if fmt == "json" else "text")
    check_readable(population)
    report = compare(base_checker, prop_checker, read_records(list(population)), as_of)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(to_text(report, markdown=fmt == "md"), nl=False)
    if report.errors:
        click.echo(f"{report.errors} case(s) could not be evaluated", err=True)
        sys.exit(2)
    sys.exit(1 if report.changed else 0)


@main.group()
def audit() -> None:
    """Replay logged decisions (see --audit-log of check and screen)."""


@audit.command("verify")
@click.argument("log_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@RULES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def audit_verify(log_file: Path, rules_dir: Path | None, fmt: str) -> None:
    """Re-evaluate every decision of an audit log with the given rules, on its logged as-of
    date, and report each decision they would now take differently.

    \b
    Example:
      rexcheck check facts/examples/ --audit-log decisions.jsonl
      rexcheck audit verify decisions.jsonl --rules proposed-rules/

    Exit codes: 0 every decision stands; 1 some would change; 2 invalid rules or log lines.
    """
    from rexcheck.engine.audit import verify
    from rexcheck.engine.checker import Checker

    try:
        checker = Checker(rules_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    _check_utf8(log_file, fmt)
    report = verify(log_file, checker)
    if fmt == "json":
        click.echo(json.dumps({"entries": report.entries, "same": report.same,
                               "differences": [d.__dict__ for d in report.differences],
                               "unreadable": report.unreadable, "rules": checker.ruleset.digest},
                              indent=2, ensure_ascii=False, sort_keys=True))
    else:
        for d in report.differences:
            click.echo(f"line {d.line}: case {d.case} (as of {d.as_of}) would change"
                       + (f" [{d.note}]" if d.note else ""))
            for key in sorted(set(d.logged) - set(d.now)):
                click.echo(f"    - {key}")
            for key in sorted(set(d.now) - set(d.logged)):
                click.echo(f"    + {key}")
        for problem in report.unreadable:
            click.echo(problem, err=True)
        click.echo(f"{report.entries} decision(s): {report.same} stand, "
                   f"{len(report.differences)} would change, {len(report.unreadable)} unreadable")
    if report.unreadable:
        sys.exit(2)
    sys.exit(1 if report.differences else 0)


def _check_utf8(log_file: Path, fmt: str) -> None:
    """Fail (exit 2) on an audit log that is not UTF-8, naming the first bad byte."""
    with open(log_file, "rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                fail([Diagnostic(str(log_file), number, exc.start + 1, f"byte "
                                 f"0x{line[exc.start]:02x} is not valid UTF-8; an audit log is "
                                 "written in UTF-8, so this one was changed", "encoding")], fmt)


def _register_commands() -> None:
    """Commands that live in their own modules (they import `main` to attach themselves)."""
    from rexcheck.cli import calendar_cmd, screen_cmd  # noqa: F401

    main.add_command(calendar_cmd.calendar)



_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
