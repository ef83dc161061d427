"""Kill a writer with SIGKILL at a random moment, then check what the store kept.

The writer is a child process forked from the caller (so that no time goes into starting
Python): it opens the store (the minimal playbook), writes `ready`, then writes deals in a
loop (create, advance, move back, add a stakeholder, set a fact, complete an item) and,
after each write's commit returned, writes one JSON line with the events it stored (an
acknowledgement) to its log file, flushed.

`kill_round` forks a writer and kills it after a random delay; `check_store` then verifies
that the store opens, that every acknowledged event is stored exactly as acknowledged,
that every deal equals the replay of its events, and that no event is stored without its
projection (or the other way round). The crash tests and `tests/soak/crash.py` use both.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, select, text

from dealflow import Deal, Engine, Outcome, Stakeholder, load_playbook
from dealflow.engine import event_adapter
from dealflow.store import EVENTS, Store
from dealflow.store._tables import ITEM_STATES, STAKEHOLDERS

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "playbooks" / "minimal.yaml"
DEALS_PER_WRITER = 6
"""Deals a writer creates before it only changes the ones it has."""

Ack = dict[str, Any]
Operation = Callable[[Engine, Deal], Outcome]


def _operation(rng: random.Random, step: int) -> tuple[str, Operation]:
    kind = rng.choice(["advance", "back", "stakeholder", "fact", "fact", "item"])
    if kind == "advance":
        return kind, lambda e, d: e.advance(d, actor="k")
    if kind == "back":
        return kind, lambda e, d: e.move_back(d, reason="test", actor="k")
    if kind == "stakeholder":
        person = Stakeholder(id=f"p{step}", name=f"Person {step}", roles=("economic_buyer",))
        return kind, lambda e, d: e.add_stakeholder(d, person, actor="k")
    if kind == "fact":
        name = rng.choice(["pain_confirmed", "contract_signed"])
        value = rng.random() < 0.8
        return kind, lambda e, d: e.set_fact(d, name, value, actor="k")
    return kind, lambda e, d: e.complete_item(d, "discovery_call", actor="k")


def _ack(out: Any, kind: str, outcome: Outcome) -> None:
    events = [event_adapter.dump_json(e).decode("utf-8") for e in outcome.events]
    out.write(json.dumps({"op": kind, "deal": outcome.deal.id, "events": events}) + "\n")
    out.flush()


def _write_forever(url: str, seed: int, out: Any) -> None:
    """The writer (see the module docs); it ends only when it is killed."""
    rng = random.Random(seed)
    with Store(url, playbook=load_playbook(MINIMAL)) as store:
        deals = [deal.id for deal in store.list_deals()]
        out.write("ready\n")
        out.flush()
        for step in range(10**9):
            if len(deals) < DEALS_PER_WRITER or rng.random() < 0.1:
                deal_id = f"s{seed}-{step}"
                outcome = store.create(deal_id=deal_id, title="Crash", account="Acme",
                                       owner="k", actor="k", amount=step)
                deals.append(deal_id)
                _ack(out, "create", outcome)
                continue
            kind, operation = _operation(rng, step)
            outcome = store.apply(rng.choice(deals), operation)
            if outcome.ok and outcome.events:
                _ack(out, kind, outcome)


def _named(url: str, name: str) -> str:
    """A PostgreSQL `url` whose connections carry `name` (SQLite: `url` as it is)."""
    if url.startswith("sqlite"):
        return url
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(
        hide_password=False)


def _wait_for_server_side_end(url: str, name: str) -> None:
    """Wait until the server has ended the killed writer's sessions: a COMMIT the writer
    sent just before it died may still complete on the server in the meantime."""
    if url.startswith("sqlite"):
        return
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + 60
        query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
        while True:
            with engine.connect() as conn:
                if not conn.execute(query, {"name": name}).scalar_one():
                    return
            assert time.monotonic() < deadline, "the killed writer's session did not end"
            time.sleep(0.01)
    finally:
        engine.dispose()


def kill_round(url: str, seed: int, workdir: Path, *, max_delay: float = 0.5) -> list[Ack]:
    """Run a writer on `url`, SIGKILL it a random time (0 to `max_delay` s, drawn from
    `seed`) after it is ready, wait until the server (PostgreSQL) has ended its session,
    and return its acknowledgements."""
    delay = random.Random(seed).uniform(0.0, max_delay)
    name = f"dealflow_crash_{seed}"
    log = workdir / f"writer-{seed}.out"
    log.write_text("", encoding="utf-8")
    pid = os.fork()
    if pid == 0:  # the writer: never returns into the caller's code
        try:
            with log.open("a", encoding="utf-8") as out:
                _write_forever(_named(url, name), seed, out)
        except BaseException:  # noqa: B036 - reported to the parent through the log
            with log.open("a", encoding="utf-8") as out:
                out.write("\nfailed:\n" + traceback.format_exc())
        finally:
            os._exit(1)
    ended, status = 0, 0
    try:
        deadline = time.monotonic() + 60
        while not log.read_text(encoding="utf-8").startswith("ready\n"):
            ended, status = os.waitpid(pid, os.WNOHANG)
            if ended or time.monotonic() > deadline:
                raise AssertionError("the writer did not start: "
                                     + log.read_text(encoding="utf-8"))
            time.sleep(0.005)
        time.sleep(delay)
    finally:
        if not ended:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
    written = log.read_text(encoding="utf-8")
    assert os.WIFSIGNALED(status), f"the writer ended by itself: {written[-3000:]}"
    _wait_for_server_side_end(url, name)
    complete = written[: written.rfind("\n") + 1]  # a cut line was not acknowledged
    return [json.loads(line) for line in complete.splitlines()[1:]]


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def check_store(url: str, acks: list[Ack], playbook: Path | None = MINIMAL) -> int:
    """Assert the crash guarantees (see the module docs); return how many events were
    stored without being acknowledged (the write in flight when the writer died).
    `playbook` is the store's playbook file (None: the default playbook)."""
    path = _sqlite_path(url)
    if path is not None:
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with Store(url, playbook=load_playbook(playbook)) as store:
        deals = {deal.id: deal for deal in store.list_deals()}
        stored: dict[str, list[str]] = {}
        for deal_id, deal in deals.items():
            events = store.events(deal_id)
            assert [e.seq for e in events] == list(range(1, len(events) + 1)), deal_id
            assert deal.version == len(events), f"{deal_id}: projection and events disagree"
            assert store.replay(deal_id) == deal, f"{deal_id} differs from its replay"
            stored[deal_id] = [event_adapter.dump_json(e).decode("utf-8") for e in events]
        with store.database.connect() as conn:
            logged = set(conn.execute(select(EVENTS.c.deal_id).distinct()).scalars())
            people = {(r.deal_id, r.stakeholder_id)
                      for r in conn.execute(select(STAKEHOLDERS))}
            items = {(r.deal_id, r.item_id) for r in conn.execute(select(ITEM_STATES))}
    assert logged == set(deals), "events without a deal, or a deal without events"
    assert people == {(d.id, p.id) for d in deals.values() for p in d.stakeholders}
    assert items == {(d.id, item) for d in deals.values() for item in d.items_done}
    acknowledged = 0
    for ack in acks:
        for dumped in ack["events"]:
            seq = json.loads(dumped)["seq"]
            events = stored.get(ack["deal"], [])
            assert seq <= len(events), f"acknowledged {ack['deal']} seq {seq} is missing"
            assert events[seq - 1] == dumped, f"acknowledged {ack['deal']} seq {seq} differs"
            acknowledged += 1
    return sum(len(events) for events in stored.values()) - acknowledged

