"""rexcheck: the REX rules of Kazakhstan Orders 244 and 358 as code.

    import rexcheck
    checker = rexcheck.Checker()            # the shipped rule packs
    result = checker.check(case, as_of=datetime.date(2026, 4, 15))

`case` is a dict (validated like a case file), a `rexcheck.Case` or the path of a case file;
the result is a `rexcheck.CaseResult` (the `rexcheck.result/1` contract, docs/result.md) with
each document's `outcomes` and the case's `outcome`, `findings`, `notices`, `pending` steps,
`errors`, the `audit` block and, with `explain=True`, the `trace` of rule firings.
"""

from rexcheck.engine.core.findings import Finding
from rexcheck.engine.core.version import __version__
from rexcheck.engine.services.checker import Checker
from rexcheck.engine.services.result import SCHEMA, CaseResult, result_schema
from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.models import Case

__all__ = ["SCHEMA", "Case", "CaseResult", "Checker", "Diagnostic", "Finding", "InvalidInput",
           "__version__", "result_schema"]
