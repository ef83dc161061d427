"""The analytics on a million events: import, then funnel, time in stage and win rates.

    .venv/bin/python -m benchmarks.analytics_1m               # ~1,000,000 events
    .venv/bin/python -m benchmarks.analytics_1m --events 100000
    .venv/bin/python -m benchmarks.analytics_1m --keep /tmp/b --reuse   # queries only
    .venv/bin/python -m benchmarks.analytics_1m --url postgresql+psycopg://...  # PostgreSQL

Generates about `--events` events with `simulate` (the default playbook, about 14 events
per deal: some 72,000 deals for a million), imports them into a SQLite file in a temporary
folder with `import_events` (timed), then times `funnel`, `time_in_stage` and `win_rates`
on that store, each on its own (the median of `--repeat` runs).

The baseline, in the same run: the same three figures computed with pandas from
DataFrames already in memory and given the same preparation dealflow makes at write time
(its `stage_changes` table): the stage changes only (not every event), each stay's length
in days precomputed, ids and stages categorical; and the deals as they stand. Each pandas
figure is checked to be equal to the database's. Preparing the frames is not timed (as
dealflow's preparation is paid when the events are written). Target for each query: no
slower than pandas (ratio <= 1x), though pandas starts with everything in memory and the
database reads its files. The import has no baseline; its
target is the run budget of ten minutes. Results are merged into `benchmarks/results.json`.
Needs the `bench` extra (pandas).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._common import Figure, seconds, write_results
from dealflow import load_playbook
from dealflow.analytics import DEFAULT_BANDS, funnel, simulate, time_in_stage, win_rates
from dealflow.engine import Event
from dealflow.playbook import Playbook
from dealflow.store import Store, import_events

END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
IMPORT_TARGET = 600.0
CHANGES = ("deal_created", "stage_advanced", "stage_moved_back", "deal_reopened",
           "deal_won", "deal_lost")
PERCENTILES = (0.5, 0.75, 0.9)


# -- generating ------------------------------------------------------------------------------
def deals_for(playbook: Playbook, events: int, seed: int) -> int:
    """How many deals make about `events` events (from the first 2,000 deals of the run)."""
    sample = 2000
    per_deal = sum(1 for _ in simulate(playbook, deals=sample, seed=seed, end=END)) / sample
    return max(1, round(events / per_deal))


def _row(event: Event) -> tuple[Any, ...]:
    """(deal, seq, type, at, stage before, stage after, lost reason) of an event."""
    kind, data = event.type, vars(event)
    before = data.get("from_stage") or (data.get("stage") if kind in ("deal_won", "deal_lost")
                                        else None)
    after = {"deal_won": "won", "deal_lost": "lost"}.get(
        kind, data.get("to_stage") or data.get("stage"))
    return (event.deal_id, event.seq, kind, event.at, before,
            after if kind in CHANGES else None, data.get("reason"))


_STATUS = {"deal_won": "won", "deal_lost": "lost", "deal_held": "on_hold",
           "deal_resumed": "open", "deal_reopened": "open"}


def frames(events: list[Event]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stage changes as a DataFrame, prepared as the `stage_changes` table is (only
    the stage-changing events, each stay's length in days, ids and stages categorical),
    and the deals as they stand (like the `deals` table)."""
    deals: dict[str, list[Any]] = {}
    for event in events:
        data = vars(event)
        if event.type == "deal_created":
            deals[event.deal_id] = [data["owner"], float(data["amount"]), "open",
                                    data["stage"]]
        elif event.type in ("stage_advanced", "stage_moved_back", "deal_reopened"):
            deals[event.deal_id][3] = data.get("to_stage") or data["stage"]
        if event.type in _STATUS:
            deals[event.deal_id][2] = _STATUS[event.type]
    table = pd.DataFrame.from_records(
        [_row(e) for e in events if e.type in CHANGES],
        columns=["deal_id", "seq", "type", "at", "from_stage", "to_stage", "reason"])
    table["at"] = pd.to_datetime(table["at"], utc=True)
    table = table.sort_values(["deal_id", "seq"], ignore_index=True)
    left = table.groupby("deal_id", sort=False)["at"].shift(-1)
    table["days"] = ((left - table["at"]).dt.total_seconds() * 1000).round() / 86_400_000
    for column in ("deal_id", "type", "from_stage", "to_stage", "reason"):
        table[column] = table[column].astype("category")
    projection = pd.DataFrame.from_dict(deals, orient="index",
                                        columns=["owner", "amount", "status", "stage"])
    projection.index.name = "deal_id"
    for column in ("owner", "status", "stage"):
        projection[column] = projection[column].astype("category")
    return table, projection


# -- the pandas baseline -----------------------------------------------------------------------
def _distinct(frame: pd.DataFrame, by: str | list[str]) -> dict[Any, int]:
    counts = frame.groupby(by, observed=True)["deal_id"].nunique()
    return {key: int(value) for key, value in counts.items()}


def pandas_funnel(changes: pd.DataFrame, deals: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """entered, moved on, lost by reason (deals lost now, at their last loss), open and
    won per stage."""
    entered = _distinct(changes, "to_stage")
    moved = _distinct(changes[changes["type"].isin(("stage_advanced", "deal_won"))],
                      "from_stage")
    lost: dict[str, dict[str, int]] = {}
    lost_now = deals.index[deals["status"] == "lost"]
    losses = changes[(changes["type"] == "deal_lost") & changes["deal_id"].isin(lost_now)]
    last_losses = losses.sort_values("seq").drop_duplicates("deal_id", keep="last")
    for (stage, reason), count in _distinct(last_losses, ["from_stage", "reason"]).items():
        lost.setdefault(stage, {})[reason] = count
    open_now = deals[deals["status"].isin(("open", "on_hold"))].groupby(
        "stage", observed=True).size()
    won_ids = deals.index[deals["status"] == "won"]
    won = _distinct(changes[changes["deal_id"].isin(won_ids)], "to_stage")
    return {stage: {"entered": entered.get(stage, 0), "moved_on": moved.get(stage, 0),
                    "lost": lost.get(stage, {}), "open": int(open_now.get(stage, 0)),
                    "won": won.get(stage, 0)}
            for stage in entered if stage not in ("won", "lost")}


def pandas_time_in_stage(changes: pd.DataFrame) -> dict[str, tuple[float, ...]]:
    """Finished stays per stage: count, mean and nearest-rank median, p75, p90 (days)."""
    done = changes[changes["days"].notna() & ~changes["to_stage"].isin(("won", "lost"))]
    done = done[["to_stage", "days"]].sort_values(["to_stage", "days"])
    groups = done.groupby("to_stage", observed=True)["days"]
    rank = groups.cumcount().to_numpy()
    size = groups.transform("size").to_numpy()
    summary = groups.agg(["count", "mean"])
    result = {str(stage): [float(row["count"]), float(row["mean"])]
              for stage, row in summary.iterrows()}
    for share in PERCENTILES:
        picked = done[rank == np.maximum(np.ceil(share * size) - 1, 0)]
        for stage, days in zip(picked["to_stage"], picked["days"], strict=True):
            result[str(stage)].append(float(days))
    return {stage: tuple(values) for stage, values in result.items()}


def pandas_win_rates(changes: pd.DataFrame, deals: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """(won, lost) overall, by stage reached, by owner and by amount band."""
    marks = pd.DataFrame({"won": deals["status"] == "won", "lost": deals["status"] == "lost"},
                         index=deals.index)
    edges = [-np.inf, *DEFAULT_BANDS, np.inf]
    band = pd.cut(deals["amount"], edges, right=False, labels=False)
    reached = (changes[["to_stage", "deal_id"]].drop_duplicates()
               .join(marks, on="deal_id"))

    def pairs(frame: pd.DataFrame, by: Any) -> dict[Any, tuple[int, int]]:
        sums = frame.groupby(by, observed=True)[["won", "lost"]].sum()
        return {key: (int(row["won"]), int(row["lost"])) for key, row in sums.iterrows()}

    return {"overall": {"all": (int(marks["won"].sum()), int(marks["lost"].sum()))},
            "by_stage_reached": pairs(reached, "to_stage"),
            "by_owner": pairs(marks, deals["owner"]),
            "by_band": pairs(marks, band)}


# -- checking the baseline against the database -------------------------------------------------
def check_funnel(store: Store, expected: dict[str, dict[str, Any]]) -> None:
    """The pandas funnel equals the database's."""
    for layer in funnel(store).stages:
        got = {"entered": layer.entered, "moved_on": layer.moved_on, "lost": layer.lost,
               "open": layer.open, "won": layer.won}
        assert got == expected.get(layer.stage), (layer.stage, got, expected.get(layer.stage))


def check_time_in_stage(store: Store, expected: dict[str, tuple[float, ...]]) -> None:
    """The pandas times equal the database's (to a millionth of a day)."""
    for row in time_in_stage(store, now=END):
        got = (row.stays, row.mean, row.median, row.p75, row.p90)
        want = expected[row.stage]
        assert all(abs(float(a or 0) - b) < 1e-6 for a, b in zip(got, want, strict=True)), (
            row.stage, got, want)


def check_win_rates(store: Store, playbook: Playbook,
                    expected: dict[str, dict[str, Any]]) -> None:
    """The pandas win rates equal the database's."""
    rates = win_rates(store)
    assert (rates.overall.won, rates.overall.lost) == expected["overall"]["all"]
    stages = {s.id: (r.won, r.lost) for s, r in zip(playbook.stages,
                                                    rates.by_stage_reached.values(),
                                                    strict=True)}
    assert stages == {k: v for k, v in expected["by_stage_reached"].items()
                      if k not in ("won", "lost")}
    assert {k: (v.won, v.lost) for k, v in rates.by_owner.items()} == expected["by_owner"]
    assert [(v.won, v.lost) for v in rates.by_band.values()] == [
        expected["by_band"][k] for k in sorted(expected["by_band"])]


# -- running ---------------------------------------------------------------------------------
def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    """The median wall time of `repeat` calls."""
    return statistics.median(seconds(fn) for _ in range(repeat))


def label(events: int) -> str:
    """1M, 100k or the number itself."""
    if events % 1_000_000 == 0:
        return f"{events // 1_000_000}M"
    return f"{events // 1000}k" if events % 1000 == 0 else str(events)


def generate(playbook: Playbook, target: int, seed: int) -> list[Event]:
    """About `target` events (within 5%), deal after deal."""
    started = time.perf_counter()
    deals = deals_for(playbook, target, seed)
    events = list(simulate(playbook, deals=deals, seed=seed, end=END))
    print(f"simulate: {len(events):,} events of {deals:,} deals (target {target:,}, "
          f"{(len(events) - target) / target:+.1%}) in {time.perf_counter() - started:.1f} s")
    assert abs(len(events) - target) <= 0.05 * target, "the event count is off by over 5%"
    return events


def queries(store: Store, playbook: Playbook, table: pd.DataFrame, projection: pd.DataFrame,
            size: str, repeat: int, backend: str = "SQLite") -> list[Figure]:
    """Each figure checked against pandas, then timed, with pandas as the baseline."""
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[Any], None]]] = [
        ("funnel", lambda: funnel(store), lambda: pandas_funnel(table, projection),
         lambda want: check_funnel(store, want)),
        ("time_in_stage", lambda: time_in_stage(store, now=END),
         lambda: pandas_time_in_stage(table), lambda want: check_time_in_stage(store, want)),
        ("win_rates", lambda: win_rates(store), lambda: pandas_win_rates(table, projection),
         lambda want: check_win_rates(store, playbook, want)),
    ]
    figures = []
    for name, query, baseline, check in cases:
        check(baseline())
        value = median_seconds(query, repeat)
        base = median_seconds(baseline, repeat)
        figures.append(Figure(f"{name} ({size} events, {backend})", value, "s", base,
                              "<= 1x (pandas in memory)", value <= base))
    return figures


def _emptied(url: str) -> str:
    """`url`, a PostgreSQL database, emptied of dealflow's tables (its own, for this run)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        for table in ("loss_figures", "stage_figures", "stage_changes", "item_states",
                      "stakeholders", "events", "deals", "playbooks", "meta"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return url


def run(target: int, seed: int, repeat: int, folder: Path, *,
        reuse: bool = False, url: str | None = None) -> list[Figure]:
    """Generate, import into `folder`/bench.db (or the database at `url`, emptied first),
    query and compare; the figures measured. With `reuse`, a `bench.db` already in
    `folder` (from a run with the same `target` and `seed`) is queried as it is, and only
    the queries are measured."""
    playbook = load_playbook()
    events = generate(playbook, target, seed)
    count = len(events)
    table, projection = frames(events)
    size = label(target)
    path = folder / "bench.db"
    if reuse and path.exists():
        events.clear()
        with Store(f"sqlite:///{path}") as store:
            return queries(store, playbook, table, projection, size, repeat)
    path.unlink(missing_ok=True)
    backend = "SQLite" if url is None else "PostgreSQL"
    with Store(f"sqlite:///{path}" if url is None else _emptied(url)) as store:
        took = seconds(lambda: import_events(store, events))
        events.clear()  # the DataFrames hold what the baseline needs
        print(f"import_events: {took:.1f} s ({count / took:,.0f} events/s), "
              f"{store.count_deals():,} deals"
              + (f", {path.stat().st_size / 1e6:,.0f} MB" if url is None else ""))
        imported = Figure(f"import_events ({size} events, {backend})", took, "s", None,
                          f"<= {IMPORT_TARGET:g} s", took <= IMPORT_TARGET)
        return [imported, *queries(store, playbook, table, projection, size, repeat,
                                   backend)]


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="about how many events to generate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--no-save", action="store_true", help="do not write results.json")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="write the database to DIR/bench.db and keep it (default: a "
                        "temporary folder, removed at the end)")
    parser.add_argument("--url", help="a PostgreSQL database of its own for this run "
                        "(emptied first) instead of a SQLite file")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: query the DIR/bench.db a former run left there "
                        "instead of importing again")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args.events, args.seed, args.repeat, args.keep, reuse=args.reuse,
                      url=args.url)
    else:
        with tempfile.TemporaryDirectory() as folder:
            figures = run(args.events, args.seed, args.repeat, Path(folder), url=args.url)
    for figure in figures:
        print(figure.line())
    if not args.no_save:
        write_results(figures)
    return figures


if __name__ == "__main__":
    main()
