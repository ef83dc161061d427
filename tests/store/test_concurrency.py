"""Two processes write the same deals at once: nothing is lost, nothing is doubled."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from dealflow.store import EVENTS, Store

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = 500


def test_two_processes_on_the_same_20_deals_either_land_or_conflict(store_url: str) -> None:
    with Store(store_url) as store:
        for index in range(20):
            store.create(deal_id=f"d{index}", title=f"Deal {index}", account="Acme",
                         owner="li", actor="li", amount=10_000 * index)
    start_at = time.time() + 3
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store._worker", store_url, str(seed), str(OPERATIONS),
             str(start_at)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for seed in (1, 2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(results)
    landed = sum(r["landed"] for r in results)
    for result in results:  # every operation makes one event when it lands
        assert result["landed"] + result["conflicts"] + result["refused"] == OPERATIONS
    with Store(store_url) as store:
        for deal in store.list_deals():
            assert store.replay(deal.id) == deal, f"{deal.id} differs from its replay"
            assert deal.version == len(store.events(deal.id))
        engine = create_engine(store_url)
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()
        engine.dispose()
    assert count == 20 + landed, "the event log holds other than what landed"
    assert all(r["landed"] > 0 for r in results), results
