"""A deal held in memory, against the same deal as plain data (the dicts, lists and
scalars `json.loads` makes of its stored JSON): bytes per deal, each measured with
`tracemalloc` over 2,000 distinct realistic deals (8 stakeholders, 20 facts with their
evidence, items done, approvals) in a fresh process, so nothing allocated before (the
playbook, the imports, another figure's peak) counts.

Target: a deal <= 2x its plain-data size. The size of its JSON text (what the store
keeps) is reported beside it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from typing import Any

from benchmarks._common import Figure

COUNT = 2000


def _datas() -> list[str]:
    """The stored JSON of COUNT distinct deals."""
    from benchmarks.advance import DEAL

    return [DEAL.model_copy(update={
        "id": f"zh-{index}", "title": f"Cracker control upgrade {index}",
        "amount": 1_000_000 + index,
        "facts": {**DEAL.facts, "budget_status": ("planned", "approved")[index % 2]}},
    ).model_dump_json() for index in range(COUNT)]


def _bytes_per_item(make: Any) -> float:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = make()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(kept) == COUNT
    return (after - before) / COUNT


def worker() -> dict[str, float]:
    """In this (fresh) process: bytes per deal as `Deal`, and as plain data."""
    from dealflow import Deal

    texts = _datas()
    plain = _bytes_per_item(lambda: [json.loads(text) for text in texts])
    deals = _bytes_per_item(lambda: [Deal.model_validate_json(text) for text in texts])
    for text in texts[:3]:
        assert Deal.model_validate(json.loads(text)) == Deal.model_validate_json(text), (
            "the plain data holds the whole deal")
    return {"plain": plain, "deal": deals, "json": sum(map(len, texts)) / COUNT}


def main(quick: bool = False) -> list[Figure]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--worker"],
                          check=True, capture_output=True, text=True)
    sizes = json.loads(done.stdout)
    return [Figure("a deal held in memory (bytes, vs plain data)", sizes["deal"], "bytes",
                   sizes["plain"], "<= 2x", sizes["deal"] <= 2 * sizes["plain"]),
            Figure("a deal held in memory (bytes, vs its JSON text)", sizes["deal"], "bytes",
                   sizes["json"], "reported", True)]


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker()))
    else:
        for figure in main("--quick" in sys.argv):
            print(figure.line())
