"""A bulk import killed with SIGKILL part way leaves a usable store; a re-run completes it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dealflow import Engine, Stakeholder, load_playbook
from dealflow.engine import event_adapter
from dealflow.store import Store, import_jsonl

REPO = Path(__file__).resolve().parents[2]
DEALS = 400
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

IMPORTER = """
import sys
from dealflow.store import Store, import_jsonl
with Store(sys.argv[1]) as store:
    import_jsonl(store, sys.argv[2], batch_size=int(sys.argv[3]),
                 progress=lambda n: print(n, flush=True))
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """JSON Lines of about 4,000 events of 400 deals."""
    engine = Engine(load_playbook(), clock=lambda: NOW)
    path = tmp_path_factory.mktemp("import") / "events.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for index in range(DEALS):
            outcome = engine.create(deal_id=f"d{index:04}", title=f"Deal {index}",
                                    account="Acme", owner="li", actor="li", amount=index * 1000)
            events = list(outcome.events)
            deal = outcome.deal
            for step in range(3):
                person = Stakeholder(id=f"p{step}", name=f"Person {step}", roles=("initiator",))
                outcome = engine.add_stakeholder(deal, person, actor="li")
                events += outcome.events
                deal = outcome.deal
            for name in ("pain_confirmed", "impact_quantified", "project_approved"):
                outcome = engine.set_fact(deal, name, True, actor="li")
                events += outcome.events
                deal = outcome.deal
            outcome = engine.set_fact(deal, "budget_status", "approved", actor="li")
            events += outcome.events
            deal = outcome.deal
            events += engine.advance(deal, actor="li", raise_on_refusal=True).events
            for event in events:
                out.write(event_adapter.dump_json(event).decode() + "\n")
    return path


def _count_lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_sigkill_during_an_import_loses_nothing_and_a_rerun_completes_it(
    store_url: str, history: Path
) -> None:
    Store(store_url).close()
    importer = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, store_url, str(history), "200"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert importer.stdout is not None
    for _ in range(3):  # let three batches commit, then kill it in the middle of the next
        assert importer.stdout.readline(), importer.stderr.read() if importer.stderr else ""
    os.kill(importer.pid, signal.SIGKILL)
    importer.communicate(timeout=60)  # reaps the process and closes its pipes
    assert importer.returncode == -signal.SIGKILL

    with Store(store_url) as store:
        partial = store.count_deals()
        assert 0 < partial < DEALS, "the kill did not land part way"
        for deal in store.list_deals():
            assert store.replay(deal.id) == deal
        result = import_jsonl(store, history, batch_size=200)
        assert result.added + result.skipped == _count_lines(history)
        assert store.count_deals() == DEALS
        total = 0
        for deal in store.list_deals():
            events = store.events(deal.id)
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert store.replay(deal.id) == deal
            total += len(events)
        assert total == _count_lines(history)
        again = import_jsonl(store, history, batch_size=200)
        assert (again.added, again.skipped) == (0, _count_lines(history))
