"""Operation + event commit on a SQLite file, one at a time, against raw `sqlite3` doing
an insert and an update in one transaction. Target: <= 3x."""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import Figure
from dealflow.store import Store


def ours(folder: Path, count: int) -> float:
    store = Store(f"sqlite:///{folder / 'ours.db'}")
    store.create(deal_id="d1", title="T", account="A", owner="o", actor="o")
    start = time.perf_counter()
    for index in range(count):
        store.apply("d1", lambda e, d, i=index: e.set_fact(d, "pain_confirmed", i % 2 == 0,
                                                          actor="o"))
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed / count * 1e6


def raw(folder: Path, count: int) -> float:
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE deals (id TEXT PRIMARY KEY, version INT, data TEXT)")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, deal_id TEXT, seq INT, "
                 "payload TEXT, UNIQUE (deal_id, seq))")
    conn.execute("INSERT INTO deals VALUES ('d1', 1, '{}')")
    start = time.perf_counter()
    for index in range(count):
        version = conn.execute("SELECT version, data FROM deals WHERE id = 'd1'").fetchone()[0]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events (deal_id, seq, payload) VALUES (?, ?, ?)",
                     ("d1", version + 1, json.dumps({"name": "pain", "value": index % 2})))
        conn.execute("UPDATE deals SET version = ?, data = ? WHERE id = 'd1' AND version = ?",
                     (version + 1, json.dumps({"v": version + 1}), version))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / count * 1e6


def main(quick: bool = False) -> list[Figure]:
    count = 200 if quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        value, base = ours(Path(tmp), count), raw(Path(tmp), count)
    return [Figure("operation + event commit, SQLite file", value, "us", base, "<= 3x",
                   value <= 3 * base)]


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
