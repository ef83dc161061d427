"""The database tables, as SQLAlchemy Core tables (no ORM: the store writes and reads rows
with Core statements, and importing the ORM cost every command about 0.1 s).

- `deals`: the current projection of each deal (queryable columns plus the whole deal as
  JSON) with its `version`, the sequence number of its last event;
- `events`: the append-only log, one row per event, `(deal_id, seq)` unique;
- `stakeholders` and `item_states`: projections of the map and of checklist completion,
  for queries;
- `stage_changes`: one narrow row per stage-changing event (the stage left and the stage
  entered), written with the event, so the analytics never read the event payloads;
- `playbooks`: every playbook version deals run under, as YAML;
- `meta`: the schema version;
- `stage_figures` and `loss_figures` (in `_counters`): per-stage counters kept by triggers.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

__all__ = [
    "DEALS",
    "EVENTS",
    "ITEM_STATES",
    "META",
    "PLAYBOOKS",
    "SCHEMA_VERSION",
    "STAGE_CHANGES",
    "STAKEHOLDERS",
    "metadata",
]

SCHEMA_VERSION = 5
"""The schema this code reads and writes; `migrations.py` brings older ones up to it."""

metadata = MetaData()


def _text(name: str, length: int | None = None, *, key: bool = False,
          null: bool = False) -> Column[str]:
    """A text column (`VARCHAR(length)`, or `VARCHAR` without a length); NOT NULL unless
    `null`."""
    return Column(name, String(length), primary_key=key, nullable=null)


def _int(name: str, *, key: bool = False) -> Column[int]:
    return Column(name, Integer, primary_key=key, nullable=False)


def _utc(name: str, *, null: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=null)


#: Key-value facts about the database, such as the schema version.
META = Table(
    "meta", metadata,
    _text("key", 64, key=True),
    _text("value", 256),
)

#: A playbook version as YAML, so every process can load what a deal runs under.
PLAYBOOKS = Table(
    "playbooks", metadata,
    _text("id", 64, key=True),
    _text("version", 64, key=True),
    _text("text"),
)

#: A deal's current projection.
DEALS = Table(
    "deals", metadata,
    _text("id", 128, key=True),
    _text("title"),
    _text("account"),
    Column("amount", Numeric(20, 2), nullable=False),
    _text("currency", 3),
    _text("owner"),
    _text("playbook_id", 64),
    _text("playbook_version", 64),
    _text("stage", 64),
    _text("status", 16),
    _utc("created_at"),
    _utc("stage_entered_at"),
    _int("version"),
    Column("data", JSON, nullable=False),
    Index("ix_deals_stage_status", "stage", "status"),
    Index("ix_deals_owner", "owner", "status"),
    Index("ix_deals_playbook", "playbook_id", "playbook_version"),
    # Covers the analytics' reads of the deals (schema 2 on), so they never read the
    # wide rows.
    Index("ix_deals_figures", "status", "stage", "owner", "amount", "id"),
)

#: One event of the append-only log.
EVENTS = Table(
    "events", metadata,
    _int("id", key=True),
    _text("deal_id", 128),
    _int("seq"),
    _text("type", 32),
    _text("actor"),
    _utc("at"),
    _text("source", null=True),
    Column("payload", JSON, nullable=False),
    UniqueConstraint("deal_id", "seq", name="uq_events_deal_seq"),
    Index("ix_events_type_at", "type", "at"),
    Index("ix_events_at", "at"),
)

#: A stage-changing event, reduced to what the analytics read (schema 2 on).
#:
#: Each row is also the deal's stay in the stage it enters: `to_stage` is the stage
#: entered (`won` or `lost` for a close) at `at`; `left_at` and `days` are filled when
#: the deal's next stage change is written (empty while the stay goes on). `from_stage`
#: is the stage left (`closed` for a reopen, empty for a creation); `reason` the lost
#: reason; `undated` marks an imported creation whose entry has no date of its own.
STAGE_CHANGES = Table(
    "stage_changes", metadata,
    _text("deal_id", 128, key=True),
    _int("seq", key=True),
    _text("type", 32),
    _utc("at"),
    _text("from_stage", 64, null=True),
    _text("to_stage", 64),
    _text("reason", null=True),
    Column("undated", Boolean, nullable=False, default=False),
    _utc("left_at", null=True),
    Column("days", Float, nullable=True),
    Index("ix_stage_changes_to", "to_stage", "deal_id"),
    Index("ix_stage_changes_from", "from_stage", "type", "deal_id"),
    Index("ix_stage_changes_lost", "type", "from_stage", "reason", "deal_id"),
    Index("ix_stage_changes_stays", "to_stage", "days", "undated"),
)

#: A stakeholder of a deal (projection).
STAKEHOLDERS = Table(
    "stakeholders", metadata,
    _text("deal_id", 128, key=True),
    _text("stakeholder_id", 128, key=True),
    _text("name"),
    Column("roles", JSON, nullable=False),
    _text("stance", 16),
    _text("influence", 16),
)

#: A checklist item marked done (projection).
ITEM_STATES = Table(
    "item_states", metadata,
    _text("deal_id", 128, key=True),
    _text("item_id", 300, key=True),
    _text("stage", 64),
    _text("actor"),
    _utc("at"),
    _text("evidence", null=True),
)
