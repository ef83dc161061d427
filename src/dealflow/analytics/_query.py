"""SQL building blocks shared by the analytics: filters, stage visits, durations.

Everything is computed in the database: queries return one row per stage (or per deal
for small result sets), never the event log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    case,
    func,
    literal,
    select,
)

from dealflow.store.tables import DEALS, EVENTS

__all__ = ["Filters", "days_between", "deal_ids", "stage_changes", "undated", "visits"]

STAGE_EVENTS = ("deal_created", "stage_advanced", "stage_moved_back", "deal_reopened",
                "deal_won", "deal_lost")


@dataclass(frozen=True)
class Filters:
    """Which deals a figure covers. Every field given must match.

    `created_from`/`created_to` select deals by the day they were created (a cohort);
    `amount_min` is inclusive and `amount_max` exclusive.
    """

    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    owner: str | None = None
    account: str | None = None
    amount_min: Decimal | int | None = None
    amount_max: Decimal | int | None = None
    playbook_id: str | None = None
    playbook_version: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions on the deals table."""
        c = DEALS.c
        out: list[ColumnElement[bool]] = []
        if self.created_from is not None:
            out.append(c.created_at >= self.created_from)
        if self.created_to is not None:
            out.append(c.created_at < self.created_to)
        if self.amount_min is not None:
            out.append(c.amount >= self.amount_min)
        if self.amount_max is not None:
            out.append(c.amount < self.amount_max)
        for name in ("owner", "account", "playbook_id", "playbook_version"):
            value = getattr(self, name)
            if value is not None:
                out.append(c[name] == value)
        return out


def deal_ids(filters: Filters | None) -> Select[Any]:
    """The ids of the deals the filters select."""
    query = select(DEALS.c.id)
    for condition in (filters or Filters()).conditions():
        query = query.where(condition)
    return query


def _text(key: str) -> ColumnElement[str]:
    value: ColumnElement[str] = EVENTS.c.payload[key].as_string()
    return value


def stage_after() -> ColumnElement[str]:
    """The stage a stage-changing event leaves the deal in (`won`, `lost` for closes)."""
    return case(
        (EVENTS.c.type.in_(("deal_created", "deal_reopened")), _text("stage")),
        (EVENTS.c.type.in_(("stage_advanced", "stage_moved_back")), _text("to_stage")),
        (EVENTS.c.type == "deal_won", literal("won")),
        else_=literal("lost"),
    )


def stage_before() -> ColumnElement[str]:
    """The stage a stage-changing event moves the deal out of (None for created)."""
    return case(
        (EVENTS.c.type.in_(("stage_advanced", "stage_moved_back")), _text("from_stage")),
        (EVENTS.c.type.in_(("deal_won", "deal_lost")), _text("stage")),
        (EVENTS.c.type == "deal_reopened", literal("closed")),
        else_=literal(None),
    )


def days_between(engine: Engine, start: Any, end: Any) -> ColumnElement[Any]:
    """`end - start` in days (fractional), in the database's own dialect."""
    if engine.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


def undated() -> ColumnElement[bool]:
    """True for an event whose entry into its stage has no date of its own (an imported
    `deal_created` with `undated: true`); false for every other event."""
    flag = EVENTS.c.payload["undated"].as_boolean()
    return case((EVENTS.c.type == "deal_created", func.coalesce(flag, False)),
                else_=literal(False))


def stage_changes(filters: Filters | None) -> Any:
    """Subquery: every stage-changing event of the selected deals, with the stage it
    leaves and the stage it enters, and whether that entry is `undated`."""
    return (
        select(EVENTS.c.deal_id, EVENTS.c.seq, EVENTS.c.type, EVENTS.c.at,
               stage_before().label("from_stage"), stage_after().label("to_stage"),
               _text("reason").label("reason"), undated().label("undated"))
        .where(EVENTS.c.type.in_(STAGE_EVENTS))
        .where(EVENTS.c.deal_id.in_(deal_ids(filters)))
        .subquery("changes")
    )


def visits(engine: Engine, filters: Filters | None, now: dt.datetime) -> Any:
    """Subquery: one row per stay of a deal in a stage, with its length in days.

    `closed` is false for a stay still going on (its length runs to `now`); `undated` is
    true for a stay whose entering event has no date of its own (see `DealCreated.undated`):
    its length is unknown, so time-in-stage figures leave it out.
    """
    changes = stage_changes(filters)
    nxt = func.lead(changes.c.at).over(partition_by=changes.c.deal_id,
                                       order_by=changes.c.seq)
    inner = select(changes.c.deal_id, changes.c.to_stage.label("stage"),
                   changes.c.at.label("entered"), changes.c.undated,
                   nxt.label("left")).subquery("stays")
    left = func.coalesce(inner.c.left, literal(now))
    return (
        select(inner.c.deal_id, inner.c.stage, inner.c.entered, inner.c.undated,
               (inner.c.left.is_not(None)).label("closed"),
               days_between(engine, inner.c.entered, left).label("days"))
        .where(inner.c.stage.not_in(("won", "lost")))
        .subquery("visits")
    )
