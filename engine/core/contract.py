"""The contract between rexcheck and durable_rules' C layer, in one place (docs/engine.md).

Every name rexcheck gives the engine that is not a field of a fact model, and every answer of
the C layer it acts on, is defined here; the compiler, the runtime, the fact plan and the
normaliser import them. A fact model may not have a field of a reserved name (checked when a
runtime starts), so that no value of a case can pass for one of these.

Keys of an engine fact, beside the model's own fields (flattened `parent__child`):
- `fact`: the fact's type (`application`, `refusal_ground`, `$stratum`, ...);
- `id`: its position among the case's facts, the first key, and its identity for the engine:
  the engine files a fact under a hash of its id; the runtime finds the facts of a firing by
  it in the firing's message and takes them back by it (`{"id": n, "sid": s}`);
- `sid`: the engine state (session) the case runs in; one state serves case after case;
- `ref`: the document's ref, or a name made for a record without one;
- `_on`: the day number the fact is judged on (its document's date): which version of a rule
  applies is a test on it;
- `_as_of`: the day number the case is judged on (for "overdue" and "still pending");
- `_due__<field>__<w|c><days>`: a due date the fact plan computed on the working or calendar
  calendar, from the field's date;
- `_mt__<field>__<digest>`: present (true) when the field's whole value matches a pattern of
  the packs (the engine's own regex is not used);
- on a derived fact: `_by` (the rule that derived it), `_subject_type` / `_subject_ref` (the
  document it is about).

Facts the runtime asserts itself: one `$stratum` marker per stratum (`n`: its number), which
wakes the rules that test for an absence once the strata below are done; and `$warmup`, which
every ruleset fires once when it is created (a state where nothing ever fired cannot be
deleted without killing the process).
"""

from __future__ import annotations

TYPE_KEY = "fact"
INDEX_KEY = "id"
STATE_KEY = "sid"
REF_KEY = "ref"
JUDGED_ON_KEY = "_on"
AS_OF_KEY = "_as_of"
DERIVED_BY_KEY = "_by"
SUBJECT_TYPE_KEY = "_subject_type"
SUBJECT_REF_KEY = "_subject_ref"
DUE_PREFIX = "_due__"
PATTERN_PREFIX = "_mt__"

MARKER = "$stratum"  # the type of the stratum markers
MARKER_ALIAS = "stratum__"  # the alias a rule matches its stratum's marker under
WARMUP = "$warmup"  # the type of the fact and the name of the rule every ruleset fires first

# field names no fact model may have: the engine's own
RESERVED = frozenset({INDEX_KEY, STATE_KEY})

# The C layer's answers to an assertion or a retraction (durable_rules' rules.h). 0-3 are not
# errors; every other number is one, named by its code in the case's error.
OK = 0  # RULES_OK: handled
NOT_HANDLED = 1  # ERR_EVENT_NOT_HANDLED: the fact matched no rule (fine: not every fact matters)
OBSERVED = 2  # ERR_EVENT_OBSERVED: a fact with that id's hash is already held
DEFERRED = 3  # ERR_EVENT_DEFERRED: handled, its actions queued
ACCEPTED = frozenset({OK, NOT_HANDLED, DEFERRED})


def due_key(field_key: str, unit: str, days: int) -> str:
    """The key of a due date: `_due__<field>__w5` (5 working days) or `__c10` (calendar)."""
    return f"{DUE_PREFIX}{field_key}__{unit[0]}{days}"


def pattern_key(field_key: str, digest: str) -> str:
    """The key of a pattern test: `_mt__<field>__<first 12 hex digits of the pattern's hash>`."""
    return f"{PATTERN_PREFIX}{field_key}__{digest}"
