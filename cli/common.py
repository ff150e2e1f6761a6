"""What every command of the `rexcheck` command line shares: options, exit codes, the located
error report (`fail`), the audit-log options, and the help formatter (`Group`). The commands'
modules (main.py, screen_cmd.py, serve_cmd.py, calendar_cmd.py) import it; it imports none of
them."""

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
from rexcheck.facts.base.errors import Diagnostic, InvalidInput


class Day(click.ParamType):
    """A date on the command line: YYYY-MM-DD, refused with the fix otherwise."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.datetime.strptime(str(value), "%Y-%m-%d").date()
        except ValueError:
            from rexcheck.facts.diagnose import date_hint

            self.fail(f"'{value}' is not a date; {date_hint(value)}", param, ctx)


DATE = Day()


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """The callback form of `DATE` (kept for commands that still use it)."""
    return None if value is None else DATE.convert(value, param, ctx)


MAX_SHOWN = 100  # diagnostics printed by a command; the others are counted


def fail(diagnostics: list[Diagnostic], fmt: str = "text", lang: str = "en") -> None:
    """Print the diagnostics (in `lang`; the first MAX_SHOWN, sorted, and a count of the
    others) and exit 2: a hostile file must not turn into a million lines of output."""
    from rexcheck.engine.services.messages import format_line, localise, summary

    shown = sorted(diagnostics)[:MAX_SHOWN]
    hidden = len(diagnostics) - len(shown)
    if fmt == "json":
        click.echo(json.dumps({"errors": [localise(d, lang).as_dict() for d in shown],
                               "errors_not_shown": hidden},
                              ensure_ascii=False, sort_keys=True, indent=2))
    else:
        for d in shown:
            click.echo(format_line(d, lang), err=True)
        if hidden:
            click.echo(summary("hidden", lang, hidden), err=True)
        click.echo(summary("failed", lang, len(diagnostics)), err=True)
    sys.exit(2)


RULES_HELP = ("The rules folder (default: $REXCHECK_RULES, else the packs shipped with "
              "rexcheck).")
def _remember_rules(ctx: click.Context, param: click.Parameter, value: Path | None
                    ) -> Path | None:
    ctx.meta["rexcheck.rules"] = value  # for naming the rules in an engine's refusal
    return value


RULES_OPTION = click.option(
    "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    metavar="DIR", callback=_remember_rules, help=RULES_HELP)
OLD_RULES_ROOT = click.argument("rules_root", required=False, metavar="[RULES_ROOT]",
                                type=click.Path(file_okay=False, path_type=Path))


def rules_folder(rules_dir: Path | None, old_root: Path | None) -> Path:
    """The rules folder of a command that once took it as an argument: --rules, or the old
    argument (with a note on standard error), or the default."""
    from rexcheck.engine.core.loader import default_rules_dir

    if rules_dir is not None and old_root is not None:
        raise click.UsageError("give the rules folder once: --rules DIR")
    if old_root is not None:
        click.echo("note: the rules folder as an argument is deprecated; use --rules "
                   f"{old_root}", err=True)
    return rules_dir or old_root or default_rules_dir()

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

AUDIT_LOG_OPTION = click.option(
    "--audit-log", type=click.Path(dir_okay=False, path_type=Path),
    help="Append one line per decision to this hash-chained log (never rewritten; appenders "
    "lock it); `rexcheck audit verify` checks and replays it.")

AUDIT_KEY_OPTION = click.option(
    "--audit-key", "audit_key_file", type=click.Path(dir_okay=False, path_type=Path),
    envvar="REXCHECK_AUDIT_KEY_FILE", show_envvar=True,
    help="File holding the operator's key (never the key itself): each log line then "
    "carries an HMAC, so forging a line needs the key. Not readable by others (chmod 600); "
    "16 to 4096 bytes.")


def read_audit_key(ctx: click.Context, key_file: Path | None, needed: bool,
                   fmt: str = "text"):
    """The key in `key_file`, or None; exit 2 with the reason for a bad key file, or for
    --audit-key given on the command line where nothing uses it (`needed` false)."""
    from rexcheck.engine.services.auditchain import read_key

    if key_file is None:
        return None
    if not needed:
        if ctx.get_parameter_source("audit_key_file") == click.core.ParameterSource.COMMANDLINE:
            fail([Diagnostic(str(key_file), 1, 1, "--audit-key is used only with --audit-log",
                             "audit-key")], fmt)
        return None  # named by REXCHECK_AUDIT_KEY_FILE for the runs that log
    try:
        return read_key(key_file)
    except InvalidInput as exc:
        fail(exc.diagnostics, fmt)


def open_audit_log(path: Path, key, sync_each: bool = False, fmt: str = "text"):
    """The audit log, opened (created with its header, or its header and head checked)
    before anything is decided; exit 2 with the reason when it cannot be."""
    from rexcheck.engine.services.audit import AuditLog
    from rexcheck.engine.services.auditchain import AuditLogError

    try:
        return AuditLog(path, key, sync_each)
    except AuditLogError as exc:
        fail([exc.diagnostic], fmt)


def audit_log_failed(diagnostic: Diagnostic) -> None:
    """Appending to the audit log failed half way: say so and exit 2."""
    click.echo(diagnostic.format(), err=True)
    click.echo("the audit log is incomplete: the decisions after its last line were not "
               "logged", err=True)
    sys.exit(2)


class Group(click.Group):
    """A command group: its list of commands shows each summary whole, never cut; and what a
    user can cause outside a command's own checks is one line and an exit code, never a
    traceback: output that cannot be written (a full disk, /dev/full: exit 2; a reader that
    went away, `| head`: a quiet stop, 141), Ctrl-C (130), and a rule set the engine refuses
    when it first compiles it (exit 2)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
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
