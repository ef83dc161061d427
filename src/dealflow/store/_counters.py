"""Per-stage counters kept at write time, so that the funnel, the win rates by stage and
the time in stage's counts and means read a few rows instead of counting distinct deals
over every stage change (schema 5 on).

- `stage_figures`, per playbook id and stage: `entered` (deals that ever entered the
  stage), `moved_on` (deals that ever advanced out of it, or were won from it), `won` and
  `lost` (deals won or lost now that ever entered it). `won` and `lost` count as stages.
  `stays` and `stay_days`: the finished stays in the stage whose entry is dated, and
  their lengths added up (days), for the time in stage.
- `loss_figures`, per playbook id, stage and lost reason (`''` for none): the deals lost
  now whose last loss was there (a loss whose stay in `lost` has not ended).

Each is exactly what the analytics would count from `stage_changes` and `deals` (the
definitions of `analytics._funnel`), kept current by database triggers in the same
transaction as the rows they count: a new stage change (the first entry of a stage, the
first move out of it, a loss), a lost stay ended by a reopen, a deal's status changed, a
deal's row written after its stage changes. So every writer (a single operation, a bulk
import, a sweep, another program writing the same tables) keeps them right, with no
statement of its own. Rows are never deleted by dealflow; whoever empties or rebuilds the
tables calls `refill_figures` (the schema upgrades do).

On PostgreSQL the stage changes of one INSERT are counted by one statement-level trigger
(see `_ON_STAGE_CHANGES_PG`), and each trigger first takes one transaction-level
advisory lock, so that
concurrent writers never take the counters' rows in different orders (no deadlock); they
wait for each other only while both change counters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    String,
    Table,
    case,
    delete,
    distinct,
    func,
    insert,
    literal,
    not_,
    select,
)
from sqlalchemy import event as sa_event

from dealflow.store._tables import DEALS, STAGE_CHANGES, metadata

__all__ = ["LOSS_FIGURES", "STAGE_FIGURES", "install_figures", "refill_figures"]

STAGE_FIGURES = Table(
    "stage_figures", metadata,
    Column("playbook_id", String(64), primary_key=True),
    Column("stage", String(64), primary_key=True),
    Column("entered", Integer, nullable=False),
    Column("moved_on", Integer, nullable=False),
    Column("won", Integer, nullable=False),
    Column("lost", Integer, nullable=False),
    Column("stays", Integer, nullable=False, server_default="0"),
    Column("stay_days", Float, nullable=False, server_default="0"),
)

LOSS_FIGURES = Table(
    "loss_figures", metadata,
    Column("playbook_id", String(64), primary_key=True),
    Column("stage", String(64), primary_key=True),
    Column("reason", String, primary_key=True),
    Column("deals", Integer, nullable=False),
)

_MOVES = "('stage_advanced', 'deal_won')"


def _is(column: str, value: str) -> str:
    return f"CASE WHEN {column} = '{value}' THEN 1 ELSE 0 END"


_UPSERT_STAGE = ("INSERT INTO stage_figures (playbook_id, stage, entered, moved_on, won, lost) "
                 "{select} ON CONFLICT (playbook_id, stage) DO UPDATE SET "
                 "entered = stage_figures.entered + excluded.entered, "
                 "moved_on = stage_figures.moved_on + excluded.moved_on, "
                 "won = stage_figures.won + excluded.won, "
                 "lost = stage_figures.lost + excluded.lost")
_UPSERT_LOSS = ("INSERT INTO loss_figures (playbook_id, stage, reason, deals) {select} "
                "ON CONFLICT (playbook_id, stage, reason) DO UPDATE SET "
                "deals = loss_figures.deals + excluded.deals")

# A stage change: the first entry of its stage, the first move out of the stage it
# leaves, a loss (whose stay in `lost` is open unless written already ended).
_ON_STAGE_CHANGE = [
    _UPSERT_STAGE.format(select=(
        f"SELECT d.playbook_id, NEW.to_stage, 1, 0, {_is('d.status', 'won')}, "
        f"{_is('d.status', 'lost')} FROM deals d WHERE d.id = NEW.deal_id AND NOT EXISTS "
        "(SELECT 1 FROM stage_changes s WHERE s.deal_id = NEW.deal_id "
        "AND s.to_stage = NEW.to_stage AND s.seq <> NEW.seq)")),
    _UPSERT_STAGE.format(select=(
        "SELECT d.playbook_id, NEW.from_stage, 0, 1, 0, 0 FROM deals d "
        f"WHERE d.id = NEW.deal_id AND NEW.type IN {_MOVES} AND NOT EXISTS "
        "(SELECT 1 FROM stage_changes s WHERE s.deal_id = NEW.deal_id "
        f"AND s.from_stage = NEW.from_stage AND s.type IN {_MOVES} AND s.seq <> NEW.seq)")),
    _UPSERT_LOSS.format(select=(
        "SELECT d.playbook_id, COALESCE(NEW.from_stage, ''), COALESCE(NEW.reason, ''), 1 "
        "FROM deals d WHERE d.id = NEW.deal_id AND NEW.to_stage = 'lost' "
        "AND NEW.left_at IS NULL")),
]

def _stay(row: str) -> str:
    """The upsert that counts the finished stay `row` (NEW) when it is one to count."""
    return ("INSERT INTO stage_figures (playbook_id, stage, entered, moved_on, won, lost, "
            f"stays, stay_days) SELECT d.playbook_id, {row}.to_stage, 0, 0, 0, 0, 1, "
            f"{row}.days FROM deals d "
            f"WHERE d.id = {row}.deal_id AND {row}.days IS NOT NULL AND NOT {row}.undated "
            f"AND {row}.to_stage NOT IN ('won', 'lost', 'closed') "
            "ON CONFLICT (playbook_id, stage) DO UPDATE SET "
            "stays = stage_figures.stays + excluded.stays, "
            "stay_days = stage_figures.stay_days + excluded.stay_days")


_ON_STAGE_CHANGE.append(_stay("NEW"))
# A stay's length written when it ends.
_ON_STAY_LENGTH = [_stay("NEW")]
_STAY_LENGTH_WHEN = "OLD.days IS NULL AND NEW.days IS NOT NULL"
# A lost stay ended (the deal was reopened): no longer lost there.
_ON_STAY_ENDED = [
    "UPDATE loss_figures SET deals = deals - 1 WHERE playbook_id = (SELECT d.playbook_id "
    "FROM deals d WHERE d.id = NEW.deal_id) AND stage = COALESCE(OLD.from_stage, '') "
    "AND reason = COALESCE(OLD.reason, '')",
]
_STAY_ENDED_WHEN = "OLD.to_stage = 'lost' AND OLD.left_at IS NULL AND NEW.left_at IS NOT NULL"
# A deal's status changed: its stages move between the won, lost and other deals.
_ON_STATUS = [
    f"UPDATE stage_figures SET won = won + {_is('NEW.status', 'won')} - "
    f"{_is('OLD.status', 'won')}, lost = lost + {_is('NEW.status', 'lost')} - "
    f"{_is('OLD.status', 'lost')} WHERE playbook_id = NEW.playbook_id AND stage IN "
    "(SELECT s.to_stage FROM stage_changes s WHERE s.deal_id = NEW.id)",
]
_STATUS_WHEN = "OLD.status <> NEW.status"
# A deal's row written after some of its stage changes (no writer of dealflow does that:
# this keeps the counters right whatever the order).
_ON_DEAL = [
    _UPSERT_STAGE.format(select=(
        f"SELECT NEW.playbook_id, x.to_stage, 1, 0, {_is('NEW.status', 'won')}, "
        f"{_is('NEW.status', 'lost')} FROM (SELECT DISTINCT s.to_stage FROM stage_changes s "
        "WHERE s.deal_id = NEW.id) x WHERE true")),
    _UPSERT_STAGE.format(select=(
        "SELECT NEW.playbook_id, x.from_stage, 0, 1, 0, 0 FROM (SELECT DISTINCT s.from_stage "
        f"FROM stage_changes s WHERE s.deal_id = NEW.id AND s.type IN {_MOVES}) x "
        "WHERE true")),
    _UPSERT_LOSS.format(select=(
        "SELECT NEW.playbook_id, COALESCE(s.from_stage, ''), COALESCE(s.reason, ''), 1 "
        "FROM stage_changes s WHERE s.deal_id = NEW.id AND s.to_stage = 'lost' "
        "AND s.left_at IS NULL")),
]

_ON_DEAL.append(
    "INSERT INTO stage_figures (playbook_id, stage, entered, moved_on, won, lost, stays, "
    "stay_days) SELECT NEW.playbook_id, s.to_stage, 0, 0, 0, 0, count(*), "
    "sum(s.days) FROM stage_changes s "
    "WHERE s.deal_id = NEW.id AND s.days IS NOT NULL AND NOT s.undated "
    "AND s.to_stage NOT IN ('won', 'lost', 'closed') GROUP BY s.to_stage "
    "ON CONFLICT (playbook_id, stage) DO UPDATE SET "
    "stays = stage_figures.stays + excluded.stays, "
    "stay_days = stage_figures.stay_days + excluded.stay_days")

#: (name, timing and table, condition or None, statements)
_TRIGGERS: list[tuple[str, str, str | None, list[str]]] = [
    ("figures_stage_change", "AFTER INSERT ON stage_changes", None, _ON_STAGE_CHANGE),
    ("figures_stay_ended", "AFTER UPDATE OF left_at ON stage_changes", _STAY_ENDED_WHEN,
     _ON_STAY_ENDED),
    ("figures_stay_length", "AFTER UPDATE OF days ON stage_changes", _STAY_LENGTH_WHEN,
     _ON_STAY_LENGTH),
    ("figures_status", "AFTER UPDATE OF status ON deals", _STATUS_WHEN, _ON_STATUS),
    ("figures_deal", "AFTER INSERT ON deals", None, _ON_DEAL),
]

_LOCK = 0x6466_6967  # the advisory lock of the counters on PostgreSQL


def _sqlite_ddl() -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS {name} {timing} FOR EACH ROW "
            f"{'' if when is None else f'WHEN {when} '}BEGIN "
            + "".join(f"{statement}; " for statement in statements) + "END"
            for name, timing, when, statements in _TRIGGERS]


# On PostgreSQL the stage changes of one INSERT are counted together (a statement-level
# trigger reading the statement's rows, `added`): a row-level trigger would run once per
# row after the whole statement, when the other rows of a multi-row INSERT are already
# there, and a PL/pgSQL call per row doubled the cost of a bulk import. A stage's first
# entry (or first move out of it) is the earliest row of the deal for it: no stored row
# of the deal has a lower sequence number (a deal's stage changes are only ever appended).
_ON_STAGE_CHANGES_PG = [
    _UPSERT_STAGE.format(select=(
        f"SELECT d.playbook_id, n.to_stage, count(*), 0, sum({_is('d.status', 'won')}), "
        f"sum({_is('d.status', 'lost')}) FROM (SELECT deal_id, to_stage, min(seq) AS seq "
        "FROM added GROUP BY deal_id, to_stage) n JOIN deals d ON d.id = n.deal_id "
        "WHERE NOT EXISTS (SELECT 1 FROM stage_changes s WHERE s.deal_id = n.deal_id "
        "AND s.to_stage = n.to_stage AND s.seq < n.seq) "
        "GROUP BY d.playbook_id, n.to_stage")),
    _UPSERT_STAGE.format(select=(
        "SELECT d.playbook_id, n.from_stage, 0, count(*), 0, 0 FROM (SELECT deal_id, "
        f"from_stage, min(seq) AS seq FROM added WHERE type IN {_MOVES} "
        "GROUP BY deal_id, from_stage) n JOIN deals d ON d.id = n.deal_id "
        "WHERE NOT EXISTS (SELECT 1 FROM stage_changes s WHERE s.deal_id = n.deal_id "
        f"AND s.from_stage = n.from_stage AND s.type IN {_MOVES} AND s.seq < n.seq) "
        "GROUP BY d.playbook_id, n.from_stage")),
    _UPSERT_LOSS.format(select=(
        "SELECT d.playbook_id, COALESCE(a.from_stage, ''), COALESCE(a.reason, ''), "
        "count(*) FROM added a JOIN deals d ON d.id = a.deal_id "
        "WHERE a.to_stage = 'lost' AND a.left_at IS NULL "
        "GROUP BY d.playbook_id, COALESCE(a.from_stage, ''), COALESCE(a.reason, '')")),
    ("INSERT INTO stage_figures (playbook_id, stage, entered, moved_on, won, lost, stays, "
     "stay_days) SELECT d.playbook_id, a.to_stage, 0, 0, 0, 0, count(*), sum(a.days) "
     "FROM added a JOIN deals d ON d.id = a.deal_id WHERE a.days IS NOT NULL "
     "AND NOT a.undated AND a.to_stage NOT IN ('won', 'lost', 'closed') "
     "GROUP BY d.playbook_id, a.to_stage ON CONFLICT (playbook_id, stage) DO UPDATE SET "
     "stays = stage_figures.stays + excluded.stays, "
     "stay_days = stage_figures.stay_days + excluded.stay_days"),
]


def _postgresql_ddl() -> list[str]:
    ddl = []
    for name, timing, when, statements in _TRIGGERS:
        table = timing.rsplit(" ", 1)[1]
        each = "ROW"
        if name == "figures_stage_change":
            statements, each = _ON_STAGE_CHANGES_PG, "STATEMENT REFERENCING NEW TABLE AS added"
        body = "".join(f"{statement}; " for statement in statements)
        ddl.append(f"CREATE OR REPLACE FUNCTION dealflow_{name}() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock({_LOCK}); "
                   f"{body}RETURN NULL; END $$")
        ddl.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        referencing = "" if each == "ROW" else " " + each.split(" ", 1)[1]
        ddl.append(f"CREATE TRIGGER {name} {timing}{referencing} FOR EACH "
                   f"{each.split(' ', 1)[0]} {'' if when is None else f'WHEN ({when}) '}"
                   f"EXECUTE FUNCTION dealflow_{name}()")
    return ddl


def install_figures(conn: Connection) -> None:
    """Create the triggers that keep the counters (the tables must exist)."""
    ddl = _sqlite_ddl() if conn.dialect.name == "sqlite" else _postgresql_ddl()
    for statement in ddl:
        conn.exec_driver_sql(statement)


@sa_event.listens_for(metadata, "after_create")
def _after_create(_target: Any, connection: Connection, **_kw: Any) -> None:
    """A new database gets its triggers with its tables."""
    install_figures(connection)


def refill_figures(conn: Connection) -> None:
    """Count every counter anew from `stage_changes` and `deals` (after a rebuild)."""
    conn.execute(delete(STAGE_FIGURES))
    conn.execute(delete(LOSS_FIGURES))
    c, d = STAGE_CHANGES.c, DEALS.c
    pairs = (select(c.deal_id, d.playbook_id, c.to_stage.label("stage"), d.status)
             .join(DEALS, d.id == c.deal_id).distinct().subquery())
    moves = (select(d.playbook_id, c.from_stage.label("stage"),
                    func.count(distinct(c.deal_id)).label("deals"))
             .join(DEALS, d.id == c.deal_id)
             .where(c.type.in_(("stage_advanced", "deal_won")))
             .group_by(d.playbook_id, c.from_stage).subquery())
    entered = (select(pairs.c.playbook_id, pairs.c.stage, func.count().label("entered"),
                      func.sum(_flag(pairs.c.status, "won")).label("won"),
                      func.sum(_flag(pairs.c.status, "lost")).label("lost"))
               .group_by(pairs.c.playbook_id, pairs.c.stage).subquery())
    stays = (select(d.playbook_id, c.to_stage.label("stage"), func.count().label("stays"),
                    func.sum(c.days).label("days"))
             .join(DEALS, d.id == c.deal_id)
             .where(c.days.is_not(None), not_(c.undated),
                    c.to_stage.not_in(("won", "lost", "closed")))
             .group_by(d.playbook_id, c.to_stage).subquery())
    stages = (select(entered.c.playbook_id, entered.c.stage).union(
        select(moves.c.playbook_id, moves.c.stage),
        select(stays.c.playbook_id, stays.c.stage))).subquery()
    rows = (select(stages.c.playbook_id, stages.c.stage,
                   func.coalesce(entered.c.entered, 0), func.coalesce(moves.c.deals, 0),
                   func.coalesce(entered.c.won, 0), func.coalesce(entered.c.lost, 0),
                   func.coalesce(stays.c.stays, 0), func.coalesce(stays.c.days, 0))
            .outerjoin(entered, (entered.c.playbook_id == stages.c.playbook_id)
                       & (entered.c.stage == stages.c.stage))
            .outerjoin(moves, (moves.c.playbook_id == stages.c.playbook_id)
                       & (moves.c.stage == stages.c.stage))
            .outerjoin(stays, (stays.c.playbook_id == stages.c.playbook_id)
                       & (stays.c.stage == stages.c.stage)))
    conn.execute(insert(STAGE_FIGURES).from_select(
        ["playbook_id", "stage", "entered", "moved_on", "won", "lost", "stays", "stay_days"],
        rows))
    stage, reason = func.coalesce(c.from_stage, ""), func.coalesce(c.reason, "")
    losses = (select(d.playbook_id, stage, reason, func.count())
              .join(DEALS, d.id == c.deal_id)
              .where(c.to_stage == "lost", c.left_at.is_(None))
              .group_by(d.playbook_id, stage, reason))
    conn.execute(insert(LOSS_FIGURES).from_select(
        ["playbook_id", "stage", "reason", "deals"], losses))


def _flag(column: Any, value: str) -> Any:
    return case((column == value, literal(1)), else_=literal(0))
