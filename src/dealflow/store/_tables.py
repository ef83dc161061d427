"""The database tables (SQLModel). No `from __future__ import annotations` here: it breaks
the mapping.

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

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Numeric, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "DEALS",
    "EVENTS",
    "ITEM_STATES",
    "META",
    "PLAYBOOKS",
    "SCHEMA_VERSION",
    "STAGE_CHANGES",
    "STAKEHOLDERS",
    "DealRow",
    "EventRow",
    "ItemStateRow",
    "MetaRow",
    "PlaybookRow",
    "StageChangeRow",
    "StakeholderRow",
    "metadata",
]

SCHEMA_VERSION = 5
"""The schema this code reads and writes; `migrations.py` brings older ones up to it."""

metadata = SQLModel.metadata


def _utc_column(**kwargs: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kwargs))


class MetaRow(SQLModel, table=True):
    """Key-value facts about the database, such as the schema version."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


class PlaybookRow(SQLModel, table=True):
    """A playbook version as YAML, so every process can load what a deal runs under."""

    __tablename__ = "playbooks"

    id: str = Field(primary_key=True, max_length=64)
    version: str = Field(primary_key=True, max_length=64)
    text: str


class DealRow(SQLModel, table=True):
    """A deal's current projection."""

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_stage_status", "stage", "status"),
        Index("ix_deals_owner", "owner", "status"),
        Index("ix_deals_playbook", "playbook_id", "playbook_version"),
        # Covers the analytics' reads of the deals (schema 2 on), so they never read the
        # wide rows.
        Index("ix_deals_figures", "status", "stage", "owner", "amount", "id"),
    )

    id: str = Field(primary_key=True, max_length=128)
    title: str
    account: str
    amount: Decimal = Field(sa_column=Column(Numeric(20, 2), nullable=False))
    currency: str = Field(max_length=3)
    owner: str
    playbook_id: str = Field(max_length=64)
    playbook_version: str = Field(max_length=64)
    stage: str = Field(max_length=64)
    status: str = Field(max_length=16)
    created_at: dt.datetime = _utc_column(nullable=False)
    stage_entered_at: dt.datetime = _utc_column(nullable=False)
    version: int
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class EventRow(SQLModel, table=True):
    """One event of the append-only log."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("deal_id", "seq", name="uq_events_deal_seq"),
        Index("ix_events_type_at", "type", "at"),
        Index("ix_events_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: str = Field(max_length=128)
    seq: int
    type: str = Field(max_length=32)
    actor: str
    at: dt.datetime = _utc_column(nullable=False)
    source: str | None = None
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class StageChangeRow(SQLModel, table=True):
    """A stage-changing event, reduced to what the analytics read (schema 2 on).

    Each row is also the deal's stay in the stage it enters: `to_stage` is the stage
    entered (`won` or `lost` for a close) at `at`; `left_at` and `days` are filled when
    the deal's next stage change is written (empty while the stay goes on). `from_stage`
    is the stage left (`closed` for a reopen, empty for a creation); `reason` the lost
    reason; `undated` marks an imported creation whose entry has no date of its own.
    """

    __tablename__ = "stage_changes"
    __table_args__ = (
        Index("ix_stage_changes_to", "to_stage", "deal_id"),
        Index("ix_stage_changes_from", "from_stage", "type", "deal_id"),
        Index("ix_stage_changes_lost", "type", "from_stage", "reason", "deal_id"),
        Index("ix_stage_changes_stays", "to_stage", "days", "undated"),
    )

    deal_id: str = Field(primary_key=True, max_length=128)
    seq: int = Field(primary_key=True)
    type: str = Field(max_length=32)
    at: dt.datetime = _utc_column(nullable=False)
    from_stage: str | None = Field(default=None, max_length=64)
    to_stage: str = Field(max_length=64)
    reason: str | None = None
    undated: bool = False
    left_at: dt.datetime | None = _utc_column(nullable=True)
    days: float | None = None


class StakeholderRow(SQLModel, table=True):
    """A stakeholder of a deal (projection)."""

    __tablename__ = "stakeholders"

    deal_id: str = Field(primary_key=True, max_length=128)
    stakeholder_id: str = Field(primary_key=True, max_length=128)
    name: str
    roles: list[str] = Field(sa_column=Column(JSON, nullable=False))
    stance: str = Field(max_length=16)
    influence: str = Field(max_length=16)


class ItemStateRow(SQLModel, table=True):
    """A checklist item marked done (projection)."""

    __tablename__ = "item_states"

    deal_id: str = Field(primary_key=True, max_length=128)
    item_id: str = Field(primary_key=True, max_length=300)
    stage: str = Field(max_length=64)
    actor: str
    at: dt.datetime = _utc_column(nullable=False)
    evidence: str | None = None


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


#: The Core tables, for typed queries (`DEALS.c.id`).
META = _table(MetaRow)
PLAYBOOKS = _table(PlaybookRow)
DEALS = _table(DealRow)
EVENTS = _table(EventRow)
STAGE_CHANGES = _table(StageChangeRow)
STAKEHOLDERS = _table(StakeholderRow)
ITEM_STATES = _table(ItemStateRow)
