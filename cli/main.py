"""The `rexcheck` command line: thin wrappers that parse, call the engine and print."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from rexcheck import __version__
from rexcheck.engine.errors import Diagnostic, InvalidInput

EXIT_CODES = """
Exit codes: 0 no findings; 1 findings; 2 invalid input or rules (nothing evaluated).
"""


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


def fail(diagnostics: list[Diagnostic], fmt: str = "text") -> None:
    """Print every diagnostic and exit 2."""
    if fmt == "json":
        click.echo(json.dumps({"errors": [d.as_dict() for d in sorted(diagnostics)]},
                              ensure_ascii=False, sort_keys=True, indent=2))
    else:
        for d in sorted(diagnostics):
            click.echo(d.format(), err=True)
        click.echo(f"{len(diagnostics)} error(s); nothing was evaluated", err=True)
    sys.exit(2)


RULES_OPTION = click.option(
    "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Rules directory (default: the packs shipped with rexcheck).")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rexcheck")
def main() -> None:
    """Check REX (registered exporter) cases against Kazakhstan's Orders 244 and 358.

    Rules are YAML files under rules/ (a folder per act, a file per chapter), each citing the
    paragraph it encodes. Facts are case files: one exporter's applications, registrations,
    changes, revocations, verification requests and consignments.

    \b
    Examples:
      rexcheck check facts/examples/                 every example case
      rexcheck check case.yaml --as-of 2026-05-01 --explain
      rexcheck check case.yaml --format json         stable JSON for machines
      rexcheck rules list                            every rule with its citation
      rexcheck calendar add 2026-03-19 5 --working   a due date on the Kazakhstan calendar
    """


def _fact_paths(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(x for x in p.rglob("*") if x.suffix in (".yaml", ".yml", ".json")))
        else:
            files.append(p)
    return files


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
def check(facts: tuple[Path, ...], rules_dir: Path | None, as_of: dt.date | None, fmt: str,
          explain: bool, lang: str) -> None:
    """Evaluate case files (YAML or JSON; directories are searched) against the rules.

    Each finding names the rule, its citation, the subject (e.g. application A1), the message
    and the facts that made it fire. Steps not yet due are listed as pending.

    \b
    Examples:
      rexcheck check facts/examples/refused-no-english.yaml
      rexcheck check facts/examples/ --format json --as-of 2026-05-01
    """
    from rexcheck.engine.checker import Checker
    from rexcheck.engine.render import to_json, to_text
    from rexcheck.facts.loader import load_case_file

    try:
        checker = Checker(rules_dir)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)
    cases, problems = [], []
    for path in _fact_paths(facts):
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
    meta = {"rexcheck": __version__, "rules": {"digest": checker.ruleset.digest}}
    if fmt == "json":
        click.echo(to_json(results, [], meta, explain), nl=False)
    else:
        click.echo(to_text(results, [], explain), nl=False)
    if any(r.error for r in results):
        sys.exit(2)
    sys.exit(1 if any(r.findings for r in results) else 0)


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


def _register_optional() -> None:
    try:
        from rexcheck.cli.calendar_cmd import calendar
    except ImportError:  # pragma: no cover - the calendar command ships with the package
        return
    main.add_command(calendar)


_register_optional()
main.help = (main.help or "") + EXIT_CODES
check.help = (check.help or "") + EXIT_CODES

if __name__ == "__main__":  # pragma: no cover
    main()
