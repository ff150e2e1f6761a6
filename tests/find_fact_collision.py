"""Find two consignments that durable_rules takes for one fact (for tests/test_limits.py).

durable_rules stores a fact without an `id` under a 32-bit hash of a hash of its content and
answers "already observed" when another fact of the state has the same 32-bit hash, without
comparing the facts. This script finds a pair of refs (A..., B...) for which a case with just
those two consignments collides in the first case of a new Checker:

    python tests/find_fact_collision.py [--as-of 2026-03-20] [--tries 150000]

It takes the JSON the runtime sends for a two-consignment case (so every field the runtime
adds is there), asserts the first consignment under many refs into one engine state, then the
second under many refs: a second consignment answered "already observed" collides with one of
the first. About 10 seconds; a pair is found with odds of 99% at 150,000 tries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

import durable_rules_engine as dre
from rexcheck.engine.core import runtime
from rexcheck.engine.services.checker import Checker

TEMPLATE_REFS = ("AREF", "BREF")


def case_with(refs: tuple[str, str]) -> dict:
    return {"case": "H", "exporter": {"tin": "KZ010140000123", "name": "x"},
            "consignments": [{"ref": ref, "destination": "CH",
                              "value": {"amount": 100, "currency": "CHF"}} for ref in refs]}


def sent_facts(as_of: dt.date) -> list[dict]:
    """The facts the runtime asserts for the template case, as it sends them."""
    batches: list[str] = []
    real = runtime.dre.assert_facts

    def spy(handle, batch):
        batches.append(batch)
        return real(handle, batch)

    runtime.dre.assert_facts = spy
    try:
        Checker().check(case_with(TEMPLATE_REFS), as_of=as_of)
    finally:
        runtime.dre.assert_facts = real
    return json.loads(batches[0])


def find(as_of: dt.date, tries: int) -> tuple[str, str] | None:
    facts = sent_facts(as_of)
    first = next(f for f in facts if f.get("ref") == TEMPLATE_REFS[0])
    second = next(f for f in facts if f.get("ref") == TEMPLATE_REFS[1])
    # a rule matching every consignment: the engine stores only the facts some rule matches
    handle = dre.create_ruleset("collisions", json.dumps(
        {"r": {"all": [{"m": {"fact": "consignment"}}]}}))
    sid = first["sid"]

    def put(fact: dict, ref: str) -> int:
        code, state = dre.assert_fact(handle, json.dumps({**fact, "ref": ref}))
        if dre.start_action_for_state(handle, state):
            dre.abandon_action(handle, state)
        return code

    firsts = [f"A{k:06d}" for k in range(tries)]
    for ref in firsts:
        put(first, ref)
    for k in range(tries):
        ref = f"B{k:06d}"
        if put(second, ref) == 2:  # collides with a first, or with an earlier second
            for candidate in firsts:
                dre.delete_state(handle, sid)
                put(first, candidate)
                if put(second, ref) == 2:
                    return candidate, ref
            dre.delete_state(handle, sid)
            for candidate in firsts:
                put(first, candidate)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", default="2026-03-20")
    parser.add_argument("--tries", type=int, default=150_000)
    args = parser.parse_args()
    print(find(dt.date.fromisoformat(args.as_of), args.tries))


if __name__ == "__main__":
    main()
