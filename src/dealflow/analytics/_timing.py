"""Time: how long deals stay in each stage, how long they take to close, which are stalled.

Days are days of 24 hours of elapsed time, fractional (36 hours are 1.5 days), the same
definition as everywhere in dealflow (`dealflow._days`), computed in the database.

- Time in stage counts finished stays only (a stay ends when the deal leaves the stage);
  a deal that came back to a stage has one stay per visit. Percentiles are nearest-rank:
  the smallest stay with at least that share of stays at or below it. A stay whose entry
  is undated (an imported deal whose first stage has no date, `DealCreated.undated`) has
  no known length and is left out, here and in `stalled(percentile=...)`.
- Cycle time runs from a deal's creation to its close (won or lost). For an undated
  creation that is the deal's earliest dated event, the only start known.
- A deal is stalled when it is open (not on hold) and has been in its stage longer than
  the stage's `expected_days`, or, with `percentile`, longer than that percentile of
  finished stays in the same stage. When the playbook's expectations depend on the deal
  or its activity restarts the timer, each deal is measured from its last activity
  against its own expectation (`_own_expectations`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import case, func, select

from dealflow.analytics._own_expectations import (
    depends_on_the_deal,
    stalled_by_own_expectation,
)
from dealflow.analytics._query import (
    Filters,
    counted_playbook,
    finished_stays,
    on_deals,
    scope,
)
from dealflow.playbook import Playbook
from dealflow.store import DEALS, STAGE_CHANGES, STAGE_FIGURES, Store, days_between

__all__ = ["CycleTime", "StageTime", "StalledDeal", "cycle_time", "cycle_times_by_outcome",
           "stalled", "time_in_stage"]

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


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


@dataclass(frozen=True)
class _Summary:
    count: int
    mean: float
    ranks: list[float]


def _summaries(store: Store, values: Any, group: Any | None) -> dict[Any, _Summary]:
    """Count, mean and nearest-rank percentiles of `values.c.days`, per `group` column
    (or overall), all from one pass over the ranked values."""
    keys = [group] if group is not None else []
    rank = func.cume_dist().over(partition_by=keys or None, order_by=values.c.days)
    ranked = select(*keys, values.c.days.label("days"), rank.label("rank")).subquery()
    group_col = [ranked.c[group.name]] if group is not None else []
    picks = [func.min(case((ranked.c.rank >= share, ranked.c.days))) for share in PERCENTILES]
    query = select(*group_col, func.count(), func.avg(ranked.c.days), *picks)
    if group_col:
        query = query.group_by(*group_col)
    out: dict[Any, _Summary] = {}
    with store.database.connect() as conn:
        for row in conn.execute(query):
            key = row[0] if group_col else None
            count, mean, *ranks = row[len(group_col):]
            if not count:
                continue
            out[key] = _Summary(int(count), float(mean), [float(value) for value in ranks])
    return out


def _stay_counts(conn: Any, filters: Filters | None, counted: str | None) -> list[Any]:
    """(stage, finished stays, mean days): from the counters kept at write time when the
    figure covers every deal of the playbook `counted`, else counted from the rows."""
    if counted is None:
        done = finished_stays(filters)
        return list(conn.execute(select(done.c.stage, func.count(), func.avg(done.c.days))
                                 .group_by(done.c.stage)).all())
    f = STAGE_FIGURES.c
    return [(stage, stays, days / stays) for stage, stays, days in conn.execute(
        select(f.stage, f.stays, f.stay_days).where(f.playbook_id == counted, f.stays > 0))]


def _stay_summaries(store: Store, filters: Filters | None,
                    counted: str | None = None) -> dict[Any, _Summary]:
    """`_summaries` of the finished stays per stage, each percentile read by an offset
    into the stays in order of length (the `stage_changes` index holds them in that
    order), which is much cheaper than ranking every stay; every offset in one statement.
    `counted`: the playbook whose counters give the count and mean (see `_stay_counts`)."""
    done = finished_stays(filters)
    with store.database.connect() as conn:
        counts = _stay_counts(conn, filters, counted)
        picks = [select(done.c.days).where(done.c.stage == stage).order_by(done.c.days)
                 .limit(1).offset(max(math.ceil(Fraction(str(share)) * count) - 1, 0))
                 .scalar_subquery()  # nearest rank: the ceil(share * count)-th stay
                 for stage, count, _ in counts for share in PERCENTILES]
        ranks = list(conn.execute(select(*picks)).one()) if picks else []
    width = len(PERCENTILES)
    return {stage: _Summary(int(count), float(mean), [float(value) for value in
                                                       ranks[i * width:(i + 1) * width]])
            for i, (stage, count, mean) in enumerate(counts)}


def time_in_stage(store: Store, filters: Filters | None = None, *,
                  now: dt.datetime | None = None,
                  playbook: Playbook | str | None = None) -> list[StageTime]:
    """Finished stays per stage: count, mean, median, p75, p90 (days).

    Only finished stays count, so `now` changes nothing; it is accepted so that every
    figure can be called the same way."""
    chosen, filters = scope(store, filters, playbook)
    summaries = _stay_summaries(store, filters, counted_playbook(chosen, filters))
    result = []
    for stage in chosen.stages:
        found = summaries.get(stage.id)
        if found is None:
            result.append(StageTime(stage.id, 0, None, None, None, None))
        else:
            result.append(StageTime(stage.id, found.count, found.mean, *found.ranks))
    return result


def _cycles(store: Store, filters: Filters | None, outcomes: tuple[str, ...]) -> Any:
    """Subquery: `status` and `days` from creation to close of each closed deal."""
    closes = (select(STAGE_CHANGES.c.deal_id, func.max(STAGE_CHANGES.c.at).label("closed_at"))
              .where(STAGE_CHANGES.c.to_stage.in_(("won", "lost")))
              .group_by(STAGE_CHANGES.c.deal_id).subquery())
    return (select(DEALS.c.status, days_between(store.database, DEALS.c.created_at,
                                                closes.c.closed_at).label("days"))
            .join(closes, closes.c.deal_id == DEALS.c.id)
            .where(DEALS.c.status.in_(outcomes))
            .where(on_deals(filters)).subquery())


def _cycle(found: _Summary | None) -> CycleTime:
    if found is None:
        return CycleTime(0, None, None, None, None)
    return CycleTime(found.count, found.mean, *found.ranks)


def cycle_time(store: Store, filters: Filters | None = None, *,
               outcome: str | None = None,
               playbook: Playbook | str | None = None) -> CycleTime:
    """Days from creation to close over the closed deals `filters` select (only the won
    or only the lost ones with `outcome`)."""
    _, filters = scope(store, filters, playbook)
    outcomes = (outcome,) if outcome else ("won", "lost")
    return _cycle(_summaries(store, _cycles(store, filters, outcomes), None).get(None))


def cycle_times_by_outcome(store: Store, filters: Filters | None = None,
                           ) -> dict[str, CycleTime]:
    """`cycle_time` of the won and of the lost deals, in one pass: `{"won": ..., "lost": ...}`."""
    cycles = _cycles(store, filters, ("won", "lost"))
    found = _summaries(store, cycles, cycles.c.status)
    return {outcome: _cycle(found.get(outcome)) for outcome in ("won", "lost")}


def stalled(store: Store, filters: Filters | None = None, *, now: dt.datetime | None = None,
            percentile: float | None = None,
            playbook: Playbook | str | None = None) -> list[StalledDeal]:
    """Open deals in their stage longer than its expected days (or a percentile of history)."""
    chosen, filters = scope(store, filters, playbook)
    moment = _now(now)
    limits: dict[str, float] = {}
    if percentile is not None:
        index = {0.5: 0, 0.75: 1, 0.9: 2}.get(percentile)
        if index is None:
            raise ValueError("percentile must be 0.5, 0.75 or 0.9")
        limits = {str(k): v.ranks[index] for k, v in _stay_summaries(
            store, filters, counted_playbook(chosen, filters)).items()}
    elif depends_on_the_deal(chosen):  # each deal's own expectation and timer (issue 18)
        return [StalledDeal(*row) for row in stalled_by_own_expectation(
            store, chosen, filters, moment)]
    else:
        limits = {s.id: float(s.typical_days) for s in chosen.stages if s.typical_days}
    age = days_between(store.database, DEALS.c.stage_entered_at, moment)
    query = (select(DEALS.c.id, DEALS.c.title, DEALS.c.owner, DEALS.c.stage, age)
             .where(DEALS.c.status == "open").where(on_deals(filters))
             .order_by(DEALS.c.stage, DEALS.c.id))
    found = []
    with store.database.connect() as conn:
        for deal_id, title, owner, stage, days in conn.execute(query):
            limit = limits.get(stage)
            if limit is not None and float(days) > limit:
                found.append(StalledDeal(deal_id, title, owner, stage, float(days), limit))
    return found
