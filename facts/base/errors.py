"""Diagnostics: every problem a user can cause is reported as
`path:line:col: error: message [code]`.

A `Diagnostic` names where the problem is (file, line, column), what it concerns (rule id, field)
and how to fix it (hint). Stages collect diagnostics and raise `InvalidInput` with all of them at
once, so a user sees every error of a file in one run and nothing half-loaded is ever evaluated.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace


@functools.total_ordering
@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    message: str
    code: str = "invalid"
    rule_id: str | None = None
    field: str | None = None
    hint: str | None = None
    severity: str = "error"
    rank: int = 1  # 0: a root cause (a file that does not load); sorted before the rest

    def _key(self) -> tuple:
        return (self.rank, self.file, self.line, self.column, self.message, self.code,
                self.rule_id or "", self.field or "", self.hint or "", self.severity)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return self._key() < other._key()

    def at_root(self) -> Diagnostic:
        """The same diagnostic, as a root cause: shown before the errors that follow from it."""
        return replace(self, rank=0)

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        about = ""
        if self.rule_id:
            about += f"rule {self.rule_id}: "
        if self.field:
            about += f"field '{self.field}': "
        text = f"{where}: {self.severity}: {about}{self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return f"{text} [{self.code}]"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "rule_id": self.rule_id,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class InvalidInput(Exception):
    """Raised with every diagnostic found; callers print them all and exit 2."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(d.format() for d in sorted(self.diagnostics))


class EngineFailure(Exception):
    """The engine could not evaluate a case (an action failed, a limit was hit).

    Never a user's mistake in a rule or fact file: those are `InvalidInput`.
    """


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to a misspelt name, or None when nothing is close."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str], prefix: str = "") -> str | None:
    """A 'did you mean' hint for a misspelt name, or None when nothing is close."""
    close = closest(word, choices)
    return f"did you mean '{prefix}{close}'?" if close else None
