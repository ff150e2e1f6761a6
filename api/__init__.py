"""rexcheck: the REX rules of Kazakhstan Orders 244 and 358 as code.

    import rexcheck
    checker = rexcheck.Checker()            # the shipped rule packs
    result = checker.check(case, as_of=datetime.date(2026, 4, 15))

`case` is a dict (validated like a case file) or a `rexcheck.Case`; the result is a
`rexcheck.CaseResult` with `findings`, `pending` steps and the `trace` of rule firings.
"""

__version__ = "0.1.0"

from rexcheck.engine.checker import Checker
from rexcheck.engine.errors import Diagnostic, InvalidInput
from rexcheck.engine.findings import CaseResult, Finding
from rexcheck.facts.models import Case

__all__ = ["Case", "CaseResult", "Checker", "Diagnostic", "Finding", "InvalidInput",
           "__version__"]
