"""Time: how long deals stay in each stage, how long they take to close, which are stalled.

- Time in stage counts finished stays only (a stay ends when the deal leaves the stage);
  a deal that came back to a stage has one stay per visit. Percentiles are nearest-rank:
  the smallest stay with at least that share of stays at or below it. A stay whose entry
  is undated (an imported deal whose first stage has no date, `DealCreated.undated`) has
  no known length and is left out, here and in `stalled(percentile=...)`.
- Cycle time runs from a deal's creation to its close (won or lost). For an undated
  creation that is the deal's earliest dated event, the only start known.
- A deal is stalled when it is open (not on hold) and has been in its stage longer than
  the stage's `expected_days`, or, with `percentile`, longer than that percentile of
  finished stays in the same stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import case, func, not_, select

from dealflow.analytics._query import Filters, days_between, deal_ids, visits
from dealflow.store.repository import Store
from dealflow.store.tables import DEALS, EVENTS

__all__ = ["CycleTime", "StageTime", "StalledDeal", "cycle_time", "stalled", "time_in_stage"]

PERCENTILES = (0.5, 0.75, 0.9)


@dataclass(frozen=True)
class StageTime:
    """Finished stays in one stage, in days."""

    stage: str
    stays: int
    mean: float | None
    median: float | None
    p75: float | None
    p90: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)


@dataclass(frozen=True)
class CycleTime:
    """Days from creation to close, over closed deals."""

    deals: int
    mean: float | None
    median: float | None
    p75: float | None
    p90: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)


@dataclass(frozen=True)
class StalledDeal:
    """An open deal that has stayed too long in its stage."""

    deal_id: str
    title: str
    owner: str
    stage: str
    days: float
    limit: float

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)


def _percentiles(store: Store, values: Any, group: Any | None) -> dict[Any, list[float]]:
    """Nearest-rank percentiles of `values.c.days`, per `group` column (or overall),
    all three from one pass over the ranked stays."""
    keys = [group] if group is not None else []
    rank = func.cume_dist().over(partition_by=keys or None, order_by=values.c.days)
    ranked = select(*keys, values.c.days.label("days"), rank.label("rank")).subquery()
    group_col = [ranked.c[group.name]] if group is not None else []
    picks = [func.min(case((ranked.c.rank >= share, ranked.c.days))) for share in PERCENTILES]
    query = select(*group_col, *picks)
    if group_col:
        query = query.group_by(*group_col)
    out: dict[Any, list[float]] = {}
    with store.database.connect() as conn:
        for row in conn.execute(query):
            key = row[0] if group_col else None
            values_found = list(row[len(group_col):])
            if any(value is None for value in values_found):
                continue
            out[key] = [float(value) for value in values_found]
    return out


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def _finished_stays(store: Store, filters: Filters | None, now: dt.datetime) -> Any:
    """Subquery: stage and days of every finished stay whose entry is dated."""
    stays = visits(store.database, filters, now)
    return (select(stays.c.stage, stays.c.days)
            .where(stays.c.closed).where(not_(stays.c.undated)).subquery())


def time_in_stage(store: Store, filters: Filters | None = None, *,
                  now: dt.datetime | None = None) -> list[StageTime]:
    """Finished stays per stage: count, mean, median, p75, p90 (days)."""
    done = _finished_stays(store, filters, _now(now))
    summary = select(done.c.stage, func.count(), func.avg(done.c.days)).group_by(done.c.stage)
    with store.database.connect() as conn:
        counts = {row[0]: (int(row[1]), float(row[2])) for row in conn.execute(summary)}
    ranks = _percentiles(store, done, done.c.stage)
    result = []
    for stage in store.playbook.stages:
        count, mean = counts.get(stage.id, (0, None))
        p = ranks.get(stage.id, [None, None, None])
        result.append(StageTime(stage.id, count, mean, p[0], p[1], p[2]))
    return result


def cycle_time(store: Store, filters: Filters | None = None, *,
               outcome: str | None = None) -> CycleTime:
    """Days from creation to close over the closed deals `filters` select (only the won
    or only the lost ones with `outcome`)."""
    outcomes = (outcome,) if outcome else ("won", "lost")
    closes = (select(EVENTS.c.deal_id, func.max(EVENTS.c.at).label("closed_at"))
              .where(EVENTS.c.type.in_(("deal_won", "deal_lost")))
              .group_by(EVENTS.c.deal_id).subquery())
    cycles = (select(DEALS.c.id, days_between(store.database, DEALS.c.created_at,
                                              closes.c.closed_at).label("days"))
              .join(closes, closes.c.deal_id == DEALS.c.id)
              .where(DEALS.c.status.in_(outcomes))
              .where(DEALS.c.id.in_(deal_ids(filters))).subquery())
    with store.database.connect() as conn:
        count, mean = conn.execute(select(func.count(), func.avg(cycles.c.days))).one()
    ranks = _percentiles(store, cycles, None).get(None, [None, None, None])
    return CycleTime(int(count), float(mean) if mean is not None else None, *ranks)


def stalled(store: Store, filters: Filters | None = None, *, now: dt.datetime | None = None,
            percentile: float | None = None) -> list[StalledDeal]:
    """Open deals in their stage longer than its expected days (or a percentile of history)."""
    moment = _now(now)
    limits: dict[str, float] = {}
    if percentile is not None:
        done = _finished_stays(store, filters, moment)
        index = {0.5: 0, 0.75: 1, 0.9: 2}.get(percentile)
        if index is None:
            raise ValueError("percentile must be 0.5, 0.75 or 0.9")
        limits = {str(k): v[index] for k, v in _percentiles(store, done, done.c.stage).items()}
    else:
        limits = {s.id: float(s.expected_days) for s in store.playbook.stages if s.expected_days}
    age = days_between(store.database, DEALS.c.stage_entered_at, moment)
    query = (select(DEALS.c.id, DEALS.c.title, DEALS.c.owner, DEALS.c.stage, age)
             .where(DEALS.c.status == "open").where(DEALS.c.id.in_(deal_ids(filters)))
             .order_by(DEALS.c.stage, DEALS.c.id))
    found = []
    with store.database.connect() as conn:
        for deal_id, title, owner, stage, days in conn.execute(query):
            limit = limits.get(stage)
            if limit is not None and float(days) > limit:
                found.append(StalledDeal(deal_id, title, owner, stage, float(days), limit))
    return found
