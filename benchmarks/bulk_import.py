"""Bulk import of events into SQLite, against raw `sqlite3.executemany` in batches of the
same rows. Target: <= 2x, with memory flat in the number of events."""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

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


def raw(path: Path, folder: Path) -> float:
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, deal_id TEXT, seq INT, "
                 "type TEXT, actor TEXT, at TEXT, payload TEXT, UNIQUE (deal_id, seq))")
    start = time.perf_counter()
    batch: list[tuple[str, int, str, str, str, str]] = []

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO events (deal_id, seq, type, actor, at, payload) "
                         "VALUES (?, ?, ?, ?, ?, ?)", batch)
        conn.execute("COMMIT")
        batch.clear()

    with path.open(encoding="utf-8") as lines:
        for line in lines:
            data = json.loads(line)
            batch.append((data["deal_id"], data["seq"], data["type"], data["actor"],
                          data["at"], line))
            if len(batch) >= 5000:
                flush()
    if batch:
        flush()
    conn.close()
    return time.perf_counter() - start


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
        figures.append(Figure(f"bulk import {count:,} events, SQLite", value, "s", base,
                              "<= 2x", value <= 2 * base))
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
