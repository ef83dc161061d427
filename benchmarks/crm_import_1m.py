"""Importing a 1,000,000-row long CRM export (Salesforce OpportunityHistory) into SQLite.

Writes a seeded export to a temporary folder (deals of 2 to 20 rows, interleaved in time
as a real history export is), then imports its first 100,000 rows and all of it, each
in a fresh process and database, with the bundled `salesforce` mapping. Reports rows per
second (both passes and the store) and the peak memory the import added to the process
(the process's own peak resident size, `VmHWM` in /proc/self/status, after minus
before), in total and per deal: memory grows with the deals (one small record each), not
with the rows, so it stays flat per deal from 100k to 1M. (`ru_maxrss` is not used: it
carries the parent's peak across fork and exec, so a child started by a big parent
reads as if the import added nothing.)

    python benchmarks/crm_import_1m.py [--rows N]

`main()` returns the figures as dicts (name, value, unit, baseline, ratio, target, met).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import heapq
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
          "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
          "Negotiation/Review")
HEADER = ("OpportunityId", "StageName", "CreatedDate", "Amount", "Probability", "CloseDate",
          "ForecastCategory")
START = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


def _history(rng: random.Random, start: dt.datetime) -> Iterator[tuple[dt.datetime, str, int]]:
    """(time, stage, amount) of one opportunity's changes, first to last."""
    at, position, amount = start, 0, rng.randrange(5, 500) * 1000
    yield at, STAGES[0], amount
    for _ in range(19):
        at += dt.timedelta(minutes=rng.randrange(60, 60 * 24 * 40))
        roll = rng.random()
        if roll < 0.10:
            yield at, "Closed Lost", amount
            return
        if roll < 0.15:
            amount = rng.randrange(5, 500) * 1000  # an amount change, same stage
        elif roll < 0.19 and position > 0:
            position -= 1
        elif position == len(STAGES) - 1:
            yield at, "Closed Won", amount
            return
        else:
            position += rng.randrange(1, 3) if rng.random() < 0.2 else 1
            position = min(position, len(STAGES) - 1)
        yield at, STAGES[position], amount


def write_export(path: Path, rows: int, seed: int = 1) -> int:
    """Write a long export of `rows` rows; returns the number of opportunities in it.

    Opportunities open one after another; their rows come out in time order (a heap of
    the open ones), so a deal's rows are spread over the file between other deals'.
    """
    rng = random.Random(seed)
    heap: list[tuple[dt.datetime, int, Iterator[tuple[dt.datetime, str, int]]]] = []
    opened = written = 0
    next_open = START
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        while written < rows:
            while not heap or next_open <= heap[0][0]:
                history = _history(rng, next_open)
                first = next(history)
                heapq.heappush(heap, (first[0], opened, _chain(first, history)))
                opened += 1
                next_open += dt.timedelta(minutes=rng.randrange(1, 40))
            _, number, history = heapq.heappop(heap)
            at, stage, amount = next(history)
            writer.writerow((f"0065g{number:010d}", stage, at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                             amount, "", "", ""))
            written += 1
            following = next(history, None)
            if following is not None:
                heapq.heappush(heap, (following[0], number, _chain(following, history)))
    return opened


def _chain(first: tuple[dt.datetime, str, int],
           rest: Iterator[tuple[dt.datetime, str, int]]) -> Iterator[tuple[dt.datetime, str, int]]:
    yield first
    yield from rest


def _head(source: Path, target: Path, rows: int) -> None:
    """The header and the first `rows` rows of `source`."""
    with source.open(encoding="utf-8", newline="") as src, \
            target.open("w", encoding="utf-8", newline="") as out:
        for index, line in enumerate(src):
            if index > rows:
                break
            out.write(line)


def _peak_kb() -> int:
    """This process's peak resident size in KiB, since its exec (not inherited)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # without /proc


def worker(csv_path: Path, db: Path) -> dict[str, Any]:
    """Import `csv_path` into a new SQLite database (in this process): the figures."""
    from dealflow.crm import import_csv, load_mapping
    from dealflow.store import Store

    mapping = load_mapping("salesforce")
    store = Store(f"sqlite:///{db}")
    phases: dict[str, float] = {}

    def progress(phase: str, row: int) -> None:
        phases.setdefault(phase, time.perf_counter())

    before = _peak_kb()
    start = time.perf_counter()
    result = import_csv(store, csv_path, mapping, progress=progress)
    seconds = time.perf_counter() - start
    after = _peak_kb()
    store.close()
    return {"rows": result.rows, "deals": result.deals, "events": result.added,
            "rejected": result.rejected, "seconds": seconds,
            "check_seconds": phases.get("importing", start + seconds) - start,
            "added_kb": after - before, "peak_kb": after}


def _measure(csv_path: Path, db: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--worker", str(csv_path), str(db)],
                          check=True, capture_output=True, text=True)
    measured: dict[str, Any] = json.loads(done.stdout)
    return measured


def _figure(name: str, value: float, unit: str, baseline: float | None, target: str,
            met: bool) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "baseline": baseline,
            "ratio": value / baseline if baseline else None, "target": target, "met": met}


def main(quick: bool = False, rows: int | None = None) -> list[dict[str, Any]]:
    """Measure at `rows` (default 1,000,000; 100,000 with `quick`) and a tenth of it."""
    big = rows or (100_000 if quick else 1_000_000)
    small = max(big // 10, 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = folder / "history.csv"
        write_export(export, big)
        _head(export, folder / "head.csv", small)
        first = _measure(folder / "head.csv", folder / "small.db")
        full = _measure(export, folder / "big.db")
    for run in (first, full):
        print(f"  {run['rows']:,} rows, {run['deals']:,} deals, {run['events']:,} events: "
              f"{run['seconds']:.1f} s ({run['check_seconds']:.1f} s checking), peak RSS "
              f"{run['peak_kb'] / 1024:.0f} MB, {run['added_kb'] / 1024:.0f} MB added by the "
              "import", file=sys.stderr)
    rate_small, rate_big = first["rows"] / first["seconds"], full["rows"] / full["seconds"]
    checked = full["rows"] / full["check_seconds"]
    added_small, added_big = first["added_kb"] / 1024, full["added_kb"] / 1024
    more_deals = max(full["deals"] - first["deals"], 1)
    per_deal = (full["added_kb"] - first["added_kb"]) * 1024 / more_deals
    return [
        _figure(f"crm import {small:,} rows: rows/s", rate_small, "rows/s", None,
                "report", True),
        _figure(f"crm import {big:,} rows: rows/s", rate_big, "rows/s", rate_small,
                ">= 0.7x the rate at 1/10", rate_big >= 0.7 * rate_small),
        _figure(f"crm import {big:,} rows: pass 1 (checking) rows/s", checked, "rows/s", None,
                "report", True),
        _figure(f"crm import {small:,} rows ({first['deals']:,} deals): memory added",
                added_small, "MB", None, "report", True),
        _figure(f"crm import {big:,} rows ({full['deals']:,} deals): memory added",
                added_big, "MB", added_small, "grows less than the deals",
                added_big / max(added_small, 1e-9) <= full["deals"] / max(first["deals"], 1)),
        _figure("crm import: memory per additional deal", per_deal, "bytes", None,
                "< 1,000 (rows are not kept)", per_deal < 1000),
    ]


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the export")
    parser.add_argument("--worker", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), Path(args.worker[1]))))
        return
    for figure in main(rows=args.rows):
        ratio = "-" if figure["ratio"] is None else f"{figure['ratio']:.2f}x"
        print(f"{figure['name']:<58} {figure['value']:>12,.1f} {figure['unit']:<7} "
              f"ratio {ratio:>6}  target {figure['target']:<44} "
              f"{'met' if figure['met'] else 'NOT MET'}")


if __name__ == "__main__":
    _cli()
