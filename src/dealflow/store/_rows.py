"""Converting deals and events to table rows and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dealflow.deal import Deal, typed_facts
from dealflow.engine import (
    DealCreated,
    DealLost,
    DealMigrated,
    DealReopened,
    DealWon,
    Event,
    StageAdvanced,
    StageMovedBack,
    event_adapter,
)
from dealflow.playbook import Playbook

__all__ = ["deal_from_data", "deal_values", "event_from_row", "event_values",
           "stage_change_values", "utc"]

_ENVELOPE = ("deal_id", "seq", "type", "actor", "at", "source")


def utc(value: dt.datetime) -> dt.datetime:
    """A time read back from the database, as UTC (SQLite drops the zone)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def event_values(event: Event) -> dict[str, Any]:
    """The `events` row of an event."""
    payload = event_adapter.dump_python(event, mode="json")
    for key in _ENVELOPE:
        payload.pop(key, None)
    return {"deal_id": event.deal_id, "seq": event.seq, "type": event.type,
            "actor": event.actor, "at": event.at, "source": event.source, "payload": payload}


def stage_change_values(event: Event) -> dict[str, Any] | None:
    """The `stage_changes` row of a stage-changing event; None for any other event."""
    from_stage: str | None
    reason: str | None = None
    if isinstance(event, DealCreated):
        from_stage, to_stage = None, event.stage
    elif isinstance(event, StageAdvanced):
        from_stage, to_stage = event.from_stage, event.to_stage
    elif isinstance(event, StageMovedBack):
        from_stage, to_stage, reason = event.from_stage, event.to_stage, event.reason
    elif isinstance(event, DealWon):
        from_stage, to_stage = event.stage, "won"
    elif isinstance(event, DealLost):
        from_stage, to_stage, reason = event.stage, "lost", event.reason
    elif isinstance(event, DealReopened):
        from_stage, to_stage = "closed", event.stage
    elif isinstance(event, DealMigrated) and event.from_stage != event.to_stage:
        from_stage, to_stage = event.from_stage, event.to_stage
    else:
        return None
    return {"deal_id": event.deal_id, "seq": event.seq, "type": event.type, "at": event.at,
            "from_stage": from_stage, "to_stage": to_stage, "reason": reason,
            "undated": isinstance(event, DealCreated) and event.undated}


def event_from_row(row: Any) -> Event:
    """The event stored in an `events` row."""
    data = {**row.payload, "deal_id": row.deal_id, "seq": row.seq, "type": row.type,
            "actor": row.actor, "at": utc(row.at), "source": row.source}
    return event_adapter.validate_python(data)


def deal_values(deal: Deal) -> dict[str, Any]:
    """The `deals` row of a deal."""
    return {
        "id": deal.id, "title": deal.title, "account": deal.account, "amount": deal.amount,
        "currency": deal.currency, "owner": deal.owner, "playbook_id": deal.playbook_id,
        "playbook_version": deal.playbook_version, "stage": deal.stage,
        "status": deal.status.value, "created_at": deal.created_at,
        "stage_entered_at": deal.stage_entered_at, "version": deal.version,
        "data": deal.model_dump(mode="json"),
    }


def deal_from_data(data: dict[str, Any], playbook: Playbook | None) -> Deal:
    """The deal stored as JSON, with its facts typed by its playbook."""
    deal = Deal.model_validate(data)
    if playbook is None:
        return deal
    return deal.model_copy(update={"facts": typed_facts(dict(deal.facts), playbook)})
