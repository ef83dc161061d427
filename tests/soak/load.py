"""Many processes hammer one store with mixed operations for a bounded time.

    python -m tests.soak.load --backend sqlite --seconds 60
    python -m tests.soak.load --backend postgresql --url URL --seconds 60

--processes defaults to twice the number of cores. Each process (forked, so none spends
the run starting Python) works on 20 shared deals and on deals it creates: it creates
deals, tries to advance them, adds and updates stakeholders, sets facts, completes
checklist items and reads (one deal, a list of deals, a deal's events), chosen at
random. After each write it logs the events the store acknowledged to a file of its own.

Afterwards every deal must equal the replay of its events, every acknowledged event must
be stored exactly as acknowledged, and the store must hold no event that was not
acknowledged. Printed: operations per second (reads, writes that landed, writes the
playbook refused, conflicts) and conflicts per second. `tests/store/test_load.py` runs a
few seconds of it in the normal test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dealflow import Deal, Engine, Outcome, Playbook, Stakeholder
from dealflow.engine import event_adapter
from dealflow.errors import ConflictError
from dealflow.store import Store
from tests.soak._common import add_backend_options, empty_database, machine
from tests.store._crash import check_store

SHARED = 20
"""Deals every process works on (where conflicts happen)."""

Operation = Callable[[Engine, Deal], Outcome]


@dataclass(frozen=True)
class LoadResult:
    """What a load run did (summed over the processes) and how long it ran."""

    processes: int
    seconds: float
    reads: int
    landed: int
    refused: int
    conflicts: int
    events: int

    @property
    def operations(self) -> int:
        """Every operation that finished: reads, landed and refused writes, conflicts."""
        return self.reads + self.landed + self.refused + self.conflicts

    def summary(self, backend: str) -> str:
        """The figures in one paragraph."""
        per = 1 / self.seconds
        return (f"{backend}: {self.processes} processes for {self.seconds:.1f} s: "
                f"{self.operations * per:.0f} operations/s ({self.reads * per:.0f} reads/s, "
                f"{self.landed * per:.0f} writes landed/s, {self.refused * per:.0f} refused/s), "
                f"{self.conflicts * per:.1f} conflicts/s; {self.events} events, every "
                f"acknowledged one present, every deal equal to its replay; on {machine()}")


def _fact_value(rng: random.Random, fact: Any) -> object:
    if fact.type == "bool":
        return rng.random() < 0.8
    if fact.type == "enum":
        return rng.choice(fact.values)
    if fact.type == "date":
        return dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))
    if fact.type in ("int", "float"):
        return rng.randrange(1000)
    return f"note {rng.randrange(1000)}"


def _write(rng: random.Random, playbook: Playbook, who: str, step: int) -> Operation:
    """A random write (decided on the deal as read, so it fits the deal's state)."""
    kind = rng.choice(["advance", "add", "update", "fact", "fact", "item"])
    roles = [role.id for role in playbook.roles]
    fact = rng.choice(playbook.facts)
    value = _fact_value(rng, fact)
    stance = rng.choice(["champion", "supporter", "neutral", "skeptic"])
    person = Stakeholder(id=f"{who}-{step}", name=f"Person {step}",
                         roles=(rng.choice(roles),), stance=stance)

    def operation(e: Engine, d: Deal) -> Outcome:
        if kind == "update" and d.stakeholders:
            return e.update_stakeholder(d, d.stakeholders[step % len(d.stakeholders)].id,
                                        actor=who, stance=stance)
        if kind == "item":
            open_items = [i.id for i in e.playbook.stage(d.stage).items
                          if i.id not in d.items_done]
            if open_items:
                return e.complete_item(d, open_items[step % len(open_items)], actor=who,
                                       evidence="load test")
        if kind == "advance":
            return e.advance(d, actor=who)
        if kind == "fact":
            return e.set_fact(d, fact.id, value, actor=who)
        return e.add_stakeholder(d, person, actor=who)

    return operation


def _read(store: Store, deal_id: str, kind: int) -> None:
    if kind == 0:
        store.get(deal_id)
    elif kind == 1:
        store.events(deal_id)
    else:
        store.list_deals(limit=50)


def _work(url: str, number: int, seconds: float, go: int, log: Path) -> None:
    """One process: wait for `go` to close, then operate for `seconds`; acks to `log`."""
    rng = random.Random(number)
    who = f"w{number}"
    counts = {"reads": 0, "landed": 0, "refused": 0, "conflicts": 0}
    with Store(url) as store, log.open("w", encoding="utf-8") as out:
        playbook = store.playbook
        own: list[str] = []
        out.write("ready\n")
        out.flush()
        os.read(go, 1)  # returns when the parent closes its end: everyone starts together
        started = time.monotonic()
        step = 0
        while time.monotonic() - started < seconds:
            step += 1
            deal_id = (rng.choice(own) if own and rng.random() < 0.2
                       else f"shared-{rng.randrange(SHARED)}")
            roll = rng.random()
            try:
                if roll < 0.3:
                    _read(store, deal_id, rng.randrange(3))
                    counts["reads"] += 1
                    continue
                if roll < 0.37:
                    deal_id = f"{who}-{step}"
                    outcome = store.create(deal_id=deal_id, title=f"Deal {step}",
                                           account="Acme", owner=who, actor=who, amount=step)
                    own.append(deal_id)
                else:
                    outcome = store.apply(deal_id, _write(rng, playbook, who, step))
            except ConflictError:
                counts["conflicts"] += 1
                continue
            if outcome.ok and outcome.events:
                counts["landed"] += 1
                events = [event_adapter.dump_json(e).decode("utf-8") for e in outcome.events]
                out.write(json.dumps({"deal": outcome.deal.id, "events": events}) + "\n")
            else:
                counts["refused"] += 1
        out.write(json.dumps({"done": counts, "seconds": time.monotonic() - started}) + "\n")


def _spawn(url: str, number: int, seconds: float, go: tuple[int, int], log: Path) -> int:
    pid = os.fork()
    if pid == 0:  # the worker: never returns into the caller's code
        code = 1
        try:
            os.close(go[1])
            _work(url, number, seconds, go[0], log)
            code = 0
        except BaseException:  # noqa: B036 - reported to the parent through the log
            with log.open("a", encoding="utf-8") as out:
                out.write("\nfailed:\n" + traceback.format_exc())
        finally:
            os._exit(code)
    return pid


def run_load(url: str, *, seconds: float, processes: int, workdir: Path) -> LoadResult:
    """Hammer the (empty) store at `url`, then check it; see the module docs."""
    with Store(url) as store:  # the shared deals, and the default playbook registered
        for index in range(SHARED):
            store.create(deal_id=f"shared-{index}", title=f"Shared {index}", account="Acme",
                         owner="li", actor="li", amount=1000 * index)
    go = os.pipe()
    logs = [workdir / f"worker-{number}.log" for number in range(processes)]
    pids = [_spawn(url, number, seconds, go, log) for number, log in enumerate(logs)]
    os.close(go[0])
    deadline = time.monotonic() + 120
    while not all(log.exists() and log.read_text(encoding="utf-8").startswith("ready\n")
                  for log in logs):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.01)
    os.close(go[1])
    failed = [pid for pid in pids if os.waitpid(pid, 0)[1] != 0]
    texts = [log.read_text(encoding="utf-8") for log in logs]
    assert not failed, "a worker failed:\n" + "\n".join(t[-3000:] for t in texts)
    acks: list[dict[str, Any]] = []
    totals = {"reads": 0, "landed": 0, "refused": 0, "conflicts": 0}
    elapsed = 0.0
    for text in texts:
        *lines, last = text.splitlines()[1:]
        acks += [json.loads(line) for line in lines]
        summary = json.loads(last)
        elapsed = max(elapsed, summary["seconds"])
        for key in totals:
            totals[key] += summary["done"][key]
    unacknowledged = check_store(url, acks, playbook=None)
    assert unacknowledged == SHARED, f"{unacknowledged - SHARED} events were not acknowledged"
    assert len(acks) == totals["landed"]
    return LoadResult(processes=processes, seconds=elapsed, events=SHARED + sum(
        len(a["events"]) for a in acks), **totals)


def main() -> None:
    """Run the load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_backend_options(parser)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processes", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = empty_database(args.backend, args.url, Path(tmp))
        result = run_load(url, seconds=args.seconds, processes=args.processes,
                          workdir=Path(tmp))
    print(result.summary(args.backend))


if __name__ == "__main__":
    main()
