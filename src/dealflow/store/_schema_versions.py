"""Schema migrations: each step brings the database from one schema version to the next.

dealflow keeps its own small migration list instead of Alembic: the schema is ours alone,
steps run in one transaction each, and the version lives in the `meta` table. To change
the schema: bump `SCHEMA_VERSION` in `tables.py`, add a function here that turns version
N-1 into N with plain SQL, and add a test that opens a database of every older version.

- 1 to 2: adds `stage_changes` (the stage left and entered by each stage-changing event,
  and how long the stay it began lasted) and fills it from the events already stored;
  adds the index `ix_deals_figures` and widens `ix_deals_owner` to (owner, status), so
  that the analytics read the deals through indexes alone.
- 2 to 3: a `deal_migrated` event that maps a deal to another stage is a stage change
  too (the deal leaves one stage and enters another); `stage_changes` is filled anew
  from the events so that older databases count those moves.
- 3 to 4: every deal's projection is rebuilt from its events (`_refresh`), so that deals
  stored before timers and automation carry `closed_at` and `activity` as a replay does.
- 4 to 5: the per-stage counters the funnel and the win rates read (`_counters`), their
  triggers, and their figures counted from the rows already stored.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    case,
    delete,
    func,
    literal,
    select,
    update,
)

from dealflow.store._counters import (
    LOSS_FIGURES,
    STAGE_FIGURES,
    install_figures,
    refill_figures,
)
from dealflow.store._refresh import refresh_projections
from dealflow.store._sql import days_between
from dealflow.store._tables import DEALS, EVENTS, META, SCHEMA_VERSION, STAGE_CHANGES

__all__ = ["STEPS", "migrate"]


def _text(key: str) -> ColumnElement[str]:
    value: ColumnElement[str] = EVENTS.c.payload[key].as_string()
    return value


def _add_stage_changes(conn: Connection) -> None:
    """Schema 1 to 2: the `stage_changes` table, filled from the stored events."""
    STAGE_CHANGES.create(conn)
    indexes = {str(index.name): index for index in DEALS.indexes}
    indexes["ix_deals_owner"].drop(conn)
    indexes["ix_deals_owner"].create(conn)
    indexes["ix_deals_figures"].create(conn)
    _fill_stage_changes(conn)


def _refill_stage_changes(conn: Connection) -> None:
    """Schema 2 to 3: `stage_changes` anew, now with the stage changes of migrations."""
    conn.execute(delete(STAGE_CHANGES))
    _fill_stage_changes(conn)


def _fill_stage_changes(conn: Connection) -> None:
    """One `stage_changes` row per stage-changing event stored (each stay ends where the
    deal's next stage change begins), as `store._rows.stage_change_values` writes them."""
    kind = EVENTS.c.type
    to_stage = case(
        (kind.in_(("deal_created", "deal_reopened")), _text("stage")),
        (kind.in_(("stage_advanced", "stage_moved_back", "deal_migrated")), _text("to_stage")),
        (kind == "deal_won", literal("won")),
        else_=literal("lost"),
    )
    from_stage = case(
        (kind.in_(("stage_advanced", "stage_moved_back", "deal_migrated")),
         _text("from_stage")),
        (kind.in_(("deal_won", "deal_lost")), _text("stage")),
        (kind == "deal_reopened", literal("closed")),
        else_=literal(None),
    )
    undated = case((kind == "deal_created",
                    func.coalesce(EVENTS.c.payload["undated"].as_boolean(), False)),
                   else_=literal(False))
    stage_moving = kind.in_(("deal_created", "stage_advanced", "stage_moved_back",
                             "deal_won", "deal_lost", "deal_reopened")) | (
        (kind == "deal_migrated") & (_text("from_stage") != _text("to_stage")))
    changes = select(EVENTS.c.deal_id, EVENTS.c.seq, kind.label("type"), EVENTS.c.at,
                     from_stage.label("from_stage"), to_stage.label("to_stage"),
                     _text("reason").label("reason"), undated.label("undated")).where(
        stage_moving).subquery()
    left_at = func.lead(changes.c.at).over(partition_by=changes.c.deal_id,
                                           order_by=changes.c.seq)
    rows = select(*changes.c, left_at, days_between(conn, changes.c.at, left_at))
    conn.execute(STAGE_CHANGES.insert().from_select(
        ["deal_id", "seq", "type", "at", "from_stage", "to_stage", "reason", "undated",
         "left_at", "days"], rows))


def _add_figures(conn: Connection) -> None:
    """Schema 4 to 5: the counters, their triggers, and their figures so far (a database
    that has some of them already gets the rest)."""
    STAGE_FIGURES.create(conn, checkfirst=True)
    LOSS_FIGURES.create(conn, checkfirst=True)
    install_figures(conn)
    refill_figures(conn)


#: `STEPS[n]` turns a database of schema version `n` into version `n + 1`.
STEPS: dict[int, Callable[[Connection], None]] = {1: _add_stage_changes,
                                                  2: _refill_stage_changes,
                                                  3: refresh_projections,
                                                  4: _add_figures}


def migrate(engine: Engine, version: int) -> None:
    """Run every step from `version` up to `SCHEMA_VERSION`, one transaction each."""
    while version < SCHEMA_VERSION:
        step = STEPS[version]
        with engine.execution_options(dealflow_write=True).begin() as conn:
            step(conn)
            conn.execute(update(META).where(META.c.key == "schema_version")
                         .values(value=str(version + 1)))
        version += 1
