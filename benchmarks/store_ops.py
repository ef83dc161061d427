"""A store operation committed to a SQLite file, one at a time, on a realistic deal (the
default playbook, 8 stakeholders, 20 facts): `Store.apply` of an advance, then of a move
back, over and over. Each operation reads the deal, checks the move and writes its
projection, its event and the stage tables (the stay it closes and the one it opens).

The baseline is raw `sqlite3` issuing the same statements on a copy of the same database
(so the same schema, indexes and rows): read the deal's JSON, `json.loads` it, change the
stage and version, then in one `BEGIN IMMEDIATE` transaction update the `deals` row (every
column), insert the event, close the open stay (the same SQL expression for its days) and
insert the new stage change, and commit. Both sides run at the same durability (WAL,
`synchronous=FULL`: an fsync per commit) and again without fsync (`synchronous=OFF`),
which shows how much of each side is the disk. The two databases must end with the same
deal (read back by dealflow from both) and the same number of events and stays.

Target: <= 2x raw sqlite3 at the same durability.

With `DEALFLOW_BENCH_POSTGRES_URL` naming a PostgreSQL database (its deals and events are
kept; two deals of a fresh id are added), the round trips of one operation (`set_fact`
on a deal with stakeholders) are counted on the wire by a proxy (the one the tests use),
against raw psycopg at its best for the same transaction: BEGIN, the deal's row read
`FOR UPDATE`, its update and the event's insert pipelined with the COMMIT (with psycopg's
`transaction()` block instead of a BEGIN by hand it makes 5). Target: <= 4.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks._common import Figure
from dealflow.store import Store

DEAL = "zh-1"


def _prepare(folder: Path) -> Path:
    """A dealflow database holding the realistic deal, standing in `qualify`, ready to
    advance."""
    from benchmarks.advance import FACTS, PEOPLE

    path = folder / "seed.db"
    store = Store(f"sqlite:///{path}")
    store.create(deal_id=DEAL, title="Cracker control upgrade", account="Zhenhai",
                 owner="li.wei", actor="li.wei", amount=1_200_000)
    for person in PEOPLE:
        store.apply(DEAL, lambda e, d, p=person: e.add_stakeholder(d, p, actor="li.wei"))
    for name, value in FACTS.items():
        store.apply(DEAL, lambda e, d, n=name, v=value: e.set_fact(d, n, v, actor="li.wei"))
    store.close()
    return path


def _ours(path: Path, *, fsync: bool) -> tuple[Callable[[], None], Callable[[], None]]:
    """(one advance and one move back with `Store.apply`, close)."""
    store = Store(f"sqlite:///{path}")
    if not fsync:
        event.listen(store._db, "connect",  # after dealflow's own pragmas
                     lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
        store._db.dispose()

    def pair() -> None:
        assert store.apply(DEAL, lambda e, d: e.advance(d, actor="li.wei")).ok
        assert store.apply(DEAL, lambda e, d: e.move_back(d, to="qualify", reason="re-qualify",
                                                           actor="li.wei")).ok

    return pair, store.close


_UPDATE = ("UPDATE deals SET id=?, title=?, account=?, amount=?, currency=?, owner=?, "
           "playbook_id=?, playbook_version=?, stage=?, status=?, created_at=?, "
           "stage_entered_at=?, version=?, data=? WHERE deals.id = ? AND deals.version = ?")
_EVENT = ("INSERT INTO events (deal_id, seq, type, actor, at, source, payload) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)")
_CLOSE = ("UPDATE stage_changes SET left_at=?, days=(CAST(round((julianday(?) - "
          "julianday(stage_changes.at)) * 86400000) AS FLOAT) / (86400000.0 + 0.0)) "
          "WHERE stage_changes.deal_id = ? AND stage_changes.left_at IS NULL")
_STAY = ("INSERT INTO stage_changes (deal_id, seq, type, at, from_stage, to_stage, reason, "
         "undated, left_at, days) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL)")


def _raw_op(conn: sqlite3.Connection, to_stage: str, kind: str, extra: dict[str, Any]) -> None:
    data = json.loads(conn.execute("SELECT deals.data FROM deals WHERE deals.id = ?",
                                   (DEAL,)).fetchone()[0])
    now = dt.datetime.now(dt.UTC)
    at, version = now.strftime("%Y-%m-%d %H:%M:%S.%f"), data["version"] + 1
    from_stage = data["stage"]
    data.update(stage=to_stage, stage_entered_at=now.isoformat().replace("+00:00", "Z"),
                version=version)
    conn.execute("BEGIN IMMEDIATE")
    updated = conn.execute(_UPDATE, (
        DEAL, data["title"], data["account"], float(data["amount"]), data["currency"],
        data["owner"], data["playbook_id"], data["playbook_version"], to_stage,
        data["status"], data["created_at"].replace("T", " ").removesuffix("Z"), at, version,
        json.dumps(data), DEAL, version - 1))
    assert updated.rowcount == 1
    conn.execute(_EVENT, (DEAL, version, kind, "li.wei", at, None, json.dumps(
        {"from_stage": from_stage, "to_stage": to_stage, **extra})))
    conn.execute(_CLOSE, (at, at, DEAL))
    conn.execute(_STAY, (DEAL, version, kind, at, from_stage, to_stage, extra.get("reason")))
    conn.execute("COMMIT")


def _raw(path: Path, *, fsync: bool) -> tuple[Callable[[], None], Callable[[], None]]:
    """(the same two operations' statements in raw sqlite3, close)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=60000")
    conn.execute(f"PRAGMA synchronous={'FULL' if fsync else 'OFF'}")

    def pair() -> None:
        _raw_op(conn, "discover", "stage_advanced", {"warnings": []})
        _raw_op(conn, "qualify", "stage_moved_back", {"reason": "re-qualify"})

    return pair, conn.close


def interleaved(sides: list[Callable[[], None]], pairs: int, blocks: int) -> list[float]:
    """Microseconds per operation of each side: blocks of `pairs` pairs of operations,
    the sides taking turns (so both meet the same load on a shared machine), the best
    block of each."""
    best = [float("inf")] * len(sides)
    for _ in range(blocks):
        for index, side in enumerate(sides):
            start = time.perf_counter()
            for _ in range(pairs):
                side()
            best[index] = min(best[index], (time.perf_counter() - start) / (2 * pairs))
    return [value * 1e6 for value in best]


def check(ours_db: Path, raw_db: Path) -> None:
    """Both databases hold the same deal (read by dealflow), events and stays."""
    counts = []
    for path in (ours_db, raw_db):
        with Store(f"sqlite:///{path}") as store:
            deal = store.get(DEAL)
            counts.append((deal.stage, deal.version, len(deal.facts), len(deal.stakeholders),
                           len(store.events(DEAL))))
        conn = sqlite3.connect(path)
        counts.append(conn.execute("SELECT count(*), count(left_at) FROM stage_changes "
                                   "WHERE deal_id = ?", (DEAL,)).fetchone())
        conn.close()
    assert counts[:2] == counts[2:], counts


def _raw_postgres_op(url: str, deal_id: str, trips: Any) -> int:
    """Round trips of the same operation in raw psycopg: BEGIN, the locked read, then the
    update and the event's insert pipelined with the COMMIT."""
    import psycopg
    from psycopg.types.json import Json

    url = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:  # BEGIN and COMMIT sent by hand
        trips.reset()
        conn.execute("BEGIN")
        data = conn.execute("SELECT data FROM deals WHERE id = %s FOR UPDATE",
                            (deal_id,)).fetchone()[0]
        version = data["version"] + 1
        data["facts"]["pain_confirmed"] = False
        data["version"] = version
        with conn.pipeline():
            conn.execute("UPDATE deals SET data = %s, version = %s WHERE id = %s AND "
                         "version = %s", (Json(data), version, deal_id, version - 1))
            conn.execute("INSERT INTO events (deal_id, seq, type, actor, at, payload) "
                         "VALUES (%s, %s, 'fact_set', 'li.wei', now(), %s)",
                         (deal_id, version, Json({"name": "pain_confirmed", "value": False})))
            conn.execute("COMMIT")
        return int(trips.count)


def postgres_round_trips(url: str) -> list[Figure]:
    """Round trips of one `Store.apply` (a fact set) against raw psycopg (see above)."""
    from tests.store._round_trips import RoundTrips

    from benchmarks.advance import PEOPLE

    ours_id, raw_id = (f"bench-{uuid.uuid4().hex[:12]}" for _ in range(2))
    with RoundTrips(url) as trips:
        with Store(trips.url) as store:
            for deal_id in (ours_id, raw_id):
                store.create(deal_id=deal_id, title="Cracker control upgrade",
                             account="Zhenhai", owner="li.wei", actor="li.wei")
                for person in PEOPLE:
                    store.apply(deal_id, lambda e, d, p=person: e.add_stakeholder(
                        d, p, actor="li.wei"))
            store.apply(ours_id, lambda e, d: e.set_fact(d, "pain_confirmed", True,
                                                          actor="li.wei"))
            trips.reset()
            assert store.apply(ours_id, lambda e, d: e.set_fact(
                d, "pain_confirmed", False, actor="li.wei")).ok
            ours = trips.count
        base = _raw_postgres_op(trips.url, raw_id, trips)
        with Store(url) as store:  # the raw write is one a dealflow store reads back
            assert store.get(raw_id).facts["pain_confirmed"] is False
            assert store.get(ours_id).facts["pain_confirmed"] is False
    return [Figure("store op, PostgreSQL: round trips (vs raw psycopg)", ours, "trips",
                   base, "<= 4", ours <= 4)]


def main(quick: bool = False) -> list[Figure]:
    blocks = 4 if quick else 12
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed = _prepare(folder)
        for fsync in (True, False):
            mine, theirs = folder / f"ours-{fsync}.db", folder / f"raw-{fsync}.db"
            shutil.copy(seed, mine)
            shutil.copy(seed, theirs)
            (ours, close_ours), (raw, close_raw) = _ours(mine, fsync=fsync), _raw(theirs,
                                                                                  fsync=fsync)
            value, base = interleaved([ours, raw], pairs=10, blocks=blocks)
            close_ours()
            close_raw()
            check(mine, theirs)
            if fsync:
                figures.append(Figure("store op + commit, SQLite, fsync (synchronous=FULL)",
                                      value, "us", base, "<= 2x", value <= 2 * base))
            else:
                figures.append(Figure("store op + commit, SQLite, no fsync (synchronous=OFF)",
                                      value, "us", base, "reported", True))
    url = os.environ.get("DEALFLOW_BENCH_POSTGRES_URL")
    if url:
        figures.extend(postgres_round_trips(url))
    return figures


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
