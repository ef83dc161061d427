"""Bulk import of events (JSON Lines) into SQLite, against raw `sqlite3.executemany` into
the same schema and indexes (an empty dealflow database), in batches of the same size,
one transaction each, at the same durability (WAL, synchronous=FULL).

The raw side writes what the tables that grow with the events need: each line parsed
(`json.loads`), its `events` row, for a stage change its `stage_changes` row with the
stay it closes (in the batch, or by an UPDATE of the stored one), a `deals` row per deal
(its columns kept current by an UPDATE per batch), the `stakeholders` and `item_states`
rows. It skips what dealflow adds: checking every line first, validating each event,
replaying it on the deal and storing the deal's whole JSON (the raw `data` column holds
the creation line). Both databases must end with the same events, stays and deals.

Target: <= 3x, with memory flat in the number of events.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks._common import Figure
from dealflow import load_playbook
from dealflow.analytics import simulate
from dealflow.engine import event_adapter
from dealflow.store import Store, import_jsonl

PLAYBOOK = load_playbook()


def _write(path: Path, deals: int) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for event in simulate(PLAYBOOK, deals=deals, seed=5):
            out.write(event_adapter.dump_json(event).decode() + "\n")
            count += 1
    return count


def ours(path: Path, folder: Path, *, trace: bool = False) -> tuple[float, int]:
    """Seconds to import `path`, and (with `trace`) the peak of traced memory in bytes."""
    store = Store(f"sqlite:///{folder / ('traced.db' if trace else 'ours.db')}")
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    import_jsonl(store, path, batch_size=5000)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    store.close()
    return elapsed, peak


_STAYS = ("deal_created", "stage_advanced", "stage_moved_back", "deal_reopened", "deal_won",
          "deal_lost")
_STATUS = {"deal_won": "won", "deal_lost": "lost", "deal_held": "on_hold",
           "deal_resumed": "open", "deal_reopened": "open"}
_ENVELOPE = ("deal_id", "seq", "type", "actor", "at", "source")
_SQL = {
    "event": "INSERT INTO events (deal_id, seq, type, actor, at, source, payload) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "stay": "INSERT INTO stage_changes (deal_id, seq, type, at, from_stage, to_stage, reason, "
            "undated, left_at, days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "close": "UPDATE stage_changes SET left_at = ?, days = round((julianday(?) - "
             "julianday(at)) * 86400000) / 86400000.0 WHERE deal_id = ? AND left_at IS NULL",
    "deal": "INSERT INTO deals (id, title, account, amount, currency, owner, playbook_id, "
            "playbook_version, stage, status, created_at, stage_entered_at, version, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "update": "UPDATE deals SET stage = ?, status = ?, stage_entered_at = ?, version = ? "
              "WHERE id = ?",
    "person": "INSERT OR REPLACE INTO stakeholders (deal_id, stakeholder_id, name, roles, "
              "stance, influence) VALUES (?, ?, ?, ?, ?, ?)",
    "unperson": "DELETE FROM stakeholders WHERE deal_id = ? AND stakeholder_id = ?",
    "item": "INSERT INTO item_states (deal_id, item_id, stage, actor, at, evidence) "
            "VALUES (?, ?, ?, ?, ?, ?)",
}


def _when(text: str) -> str:
    return text.replace("T", " ").removesuffix("Z")


def _days(start: str, end: str) -> float:
    took = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
    return round(took.total_seconds() * 1000) / 86_400_000


class _RawBatch:
    """The rows of one batch, and the deals' state the raw side keeps in memory."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {key: [] for key in _SQL}
        self.open_stay: dict[str, list[Any]] = {}  # deal -> its open stay row in this batch
        self.deals: dict[str, list[Any]] = {}  # deal -> [stage, status, entered, version]
        self.touched: set[str] = set()

    def add(self, line: str) -> None:
        data = json.loads(line)
        deal, kind, at = data["deal_id"], data["type"], _when(data["at"])
        payload = {k: v for k, v in data.items() if k not in _ENVELOPE}
        self.rows["event"].append((deal, data["seq"], kind, data["actor"], at, data["source"],
                                   json.dumps(payload)))
        if kind == "deal_created":
            self.rows["deal"].append((deal, data["title"], data["account"],
                                      float(data["amount"]), data["currency"], data["owner"],
                                      data["playbook_id"], data["playbook_version"],
                                      data["stage"], "open", at, at, data["seq"], line))
            self.deals[deal] = [data["stage"], "open", at, data["seq"]]
        state = self.deals[deal]
        state[3] = data["seq"]
        state[1] = _STATUS.get(kind, state[1])
        self.touched.add(deal)
        if kind in _STAYS:
            self._stay(deal, kind, at, data, state)
        elif kind in ("stakeholder_added", "stakeholder_updated"):
            person = data["stakeholder"]
            self.rows["person"].append((deal, person["id"], person["name"],
                                        json.dumps(person["roles"]), person["stance"],
                                        person["influence"]))
        elif kind == "stakeholder_removed":
            self.rows["unperson"].append((deal, data["stakeholder_id"]))
        elif kind == "item_completed":
            self.rows["item"].append((deal, data["item_id"], data["stage"], data["actor"], at,
                                      data["evidence"]))

    def _stay(self, deal: str, kind: str, at: str, data: dict[str, Any],
              state: list[Any]) -> None:
        before = {"deal_won": data.get("stage"), "deal_lost": data.get("stage"),
                  "deal_reopened": "closed", "deal_created": None}.get(
            kind, data.get("from_stage"))
        after = {"deal_won": "won", "deal_lost": "lost"}.get(
            kind, data.get("to_stage") or data.get("stage"))
        previous = self.open_stay.get(deal)
        if previous is not None:
            previous[8], previous[9] = at, _days(previous[3], at)
        elif kind != "deal_created":
            self.rows["close"].append((at, at, deal))
        row = [deal, data["seq"], kind, at, before, after, data.get("reason"),
               int(bool(data.get("undated"))), None, None]
        self.open_stay[deal] = row
        self.rows["stay"].append(row)  # type: ignore[arg-type]
        if after not in ("won", "lost"):
            state[0], state[2] = after, at

    def flush(self, conn: sqlite3.Connection) -> None:
        self.rows["update"] = [(*self.deals[d][:3], self.deals[d][3], d) for d in self.touched]
        conn.execute("BEGIN IMMEDIATE")
        for key in ("deal", "update", "close", "stay", "event", "person", "unperson", "item"):
            if self.rows[key]:
                conn.executemany(_SQL[key], [tuple(row) for row in self.rows[key]])
        conn.execute("COMMIT")
        self.rows = {key: [] for key in _SQL}
        self.open_stay.clear()
        self.touched.clear()


def raw(path: Path, folder: Path) -> float:
    """Seconds to write the same lines with raw executemany into dealflow's own schema."""
    target = folder / "raw.db"
    Store(f"sqlite:///{target}").close()  # the same schema and indexes, empty
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    batch, size = _RawBatch(), 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            batch.add(line)
            size += 1
            if size >= 5000:
                batch.flush(conn)
                size = 0
    batch.flush(conn)
    conn.close()
    return time.perf_counter() - start


def check(folder: Path) -> None:
    """Both databases hold the same events, stays (with their lengths) and deals."""
    queries = ["SELECT count(*), count(DISTINCT deal_id) FROM events",
               "SELECT to_stage, count(*), count(left_at), round(sum(days), 3) "
               "FROM stage_changes GROUP BY to_stage ORDER BY to_stage",
               "SELECT stage, status, count(*), sum(version) FROM deals "
               "GROUP BY stage, status ORDER BY stage, status",
               "SELECT count(*) FROM stakeholders", "SELECT count(*) FROM item_states"]
    found = []
    for name in ("ours.db", "raw.db"):
        conn = sqlite3.connect(folder / name)
        found.append([conn.execute(query).fetchall() for query in queries])
        conn.close()
    assert found[0] == found[1], found


def main(quick: bool = False) -> list[Figure]:
    """Time at the full size (1,000,000 events: 72,000 deals); memory at two sizes ten
    times apart (traced, which is slow, so at smaller sizes)."""
    timed = 3_000 if quick else 72_000
    traced = (300, 3_000) if quick else (1_000, 10_000)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "events.jsonl"
        count = _write(path, timed)
        value, _ = ours(path, folder)
        base = raw(path, folder)
        check(folder)
        figures.append(Figure(f"bulk import {count:,} events, SQLite", value, "s", base,
                              "<= 3x", value <= 3 * base))
        peaks = []
        for deals in traced:
            sub = folder / f"mem-{deals}"
            sub.mkdir()
            events = _write(sub / "events.jsonl", deals)
            peaks.append((events, ours(sub / "events.jsonl", sub, trace=True)[1]))
    for events, peak in peaks:
        figures.append(Figure(f"bulk import {events:,} events: peak memory", peak / 1e6, "MB",
                              None, "flat in events", True))
    (small_n, small), (big_n, big) = peaks
    growth = big / small
    figures.append(Figure("bulk import: peak memory growth for 10x events", growth, "x",
                          big_n / small_n, "<= 1.5x", growth <= 1.5))
    return figures


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
