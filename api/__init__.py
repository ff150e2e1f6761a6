"""rexcheck: the REX rules of Kazakhstan Orders 244 and 358 as code.

    import rexcheck
    checker = rexcheck.Checker()            # the shipped rule packs
    result = checker.check(case, as_of=datetime.date(2026, 4, 15))

`case` is a dict (validated like a case file), a `rexcheck.Case` or the path of a case file;
the result is a `rexcheck.CaseResult` (the `rexcheck.result/1` contract, docs/result.md) with
each document's `outcomes` and the case's `outcome`, `findings`, `notices`, `pending` steps,
`errors`, the `audit` block and, with `explain=True`, the `trace` of rule firings.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rexcheck.engine.core.version import __version__

if TYPE_CHECKING:
    from rexcheck.engine.core.findings import Finding
    from rexcheck.engine.services.checker import Checker
    from rexcheck.engine.services.result import SCHEMA, CaseResult, result_schema
    from rexcheck.facts.base.errors import Diagnostic, InvalidInput
    from rexcheck.facts.models import Case

# The names of the API, each imported on first use (PEP 562): every module of rexcheck is
# inside this package, so importing any of them (a command of the CLI, the calendar) first
# runs this file; importing the checker here would load the whole engine and the fact models
# for `rexcheck --help` too (measured: 0.80 s -> 0.25 s for `rexcheck --help`).
_WHERE = {
    "Finding": "rexcheck.engine.core.findings",
    "Checker": "rexcheck.engine.services.checker",
    "SCHEMA": "rexcheck.engine.services.result",
    "CaseResult": "rexcheck.engine.services.result",
    "result_schema": "rexcheck.engine.services.result",
    "Diagnostic": "rexcheck.facts.base.errors",
    "InvalidInput": "rexcheck.facts.base.errors",
    "Case": "rexcheck.facts.models",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rexcheck' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = ["SCHEMA", "Case", "CaseResult", "Checker", "Diagnostic", "Finding", "InvalidInput",
           "__version__", "result_schema"]
