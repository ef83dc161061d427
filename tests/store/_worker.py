"""A process that hammers a store with operations (run by the concurrency tests).

Usage: python -m tests.store._worker URL SEED OPERATIONS START_AT
Prints one JSON line: {"landed": n, "conflicts": n, "refused": n}.
"""

from __future__ import annotations

import json
import random
import sys
import time

from dealflow import Stakeholder
from dealflow.errors import ConflictError
from dealflow.store import Store

DEALS = 20


def _operation(rng: random.Random, worker: int, step: int):  # type: ignore[no-untyped-def]
    kind = rng.randrange(4)
    if kind == 0:
        value = rng.random() < 0.5
        return lambda e, d: e.set_fact(d, "pain_confirmed", value, actor=f"w{worker}")
    if kind == 1:
        person = Stakeholder(id=f"w{worker}-{step}", name=f"Person {step}",
                             roles=(rng.choice(["initiator", "coach", "user_buyer"]),),
                             stance=rng.choice(["supporter", "neutral", "skeptic"]))
        return lambda e, d: e.add_stakeholder(d, person, actor=f"w{worker}")
    if kind == 2:
        status = rng.choice(["planned", "approved", "unknown"])
        return lambda e, d: e.set_fact(d, "budget_status", status, actor=f"w{worker}")
    return lambda e, d: e.advance(d, actor=f"w{worker}")


def main() -> None:
    url, seed, operations, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(
        sys.argv[4])
    rng = random.Random(seed)
    landed = conflicts = refused = 0
    with Store(url) as store:
        time.sleep(max(0.0, start_at - time.time()))
        for step in range(operations):
            deal_id = f"d{rng.randrange(DEALS)}"
            try:
                outcome = store.apply(deal_id, _operation(rng, seed, step))
            except ConflictError:
                conflicts += 1
                continue
            if outcome.ok and outcome.events:
                landed += len(outcome.events)
            else:
                refused += 1
    print(json.dumps({"landed": landed, "conflicts": conflicts, "refused": refused}))


if __name__ == "__main__":
    main()
