"""Converting deals and events to table rows and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from dealflow._messages import _
from dealflow._plain import plain_errors
from dealflow.deal import Deal, typed_facts
from dealflow.engine import (
    DealClosed,
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
from dealflow.errors import StoreError
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
    elif isinstance(event, DealClosed):  # an outcome that does not count as lost: `closed`
        from_stage, reason = event.stage, event.outcome
        to_stage = "lost" if event.counts_as_lost else "closed"
    elif isinstance(event, DealReopened):
        from_stage, to_stage = "closed", event.stage
    elif isinstance(event, DealMigrated) and event.from_stage != event.to_stage:
        from_stage, to_stage = event.from_stage, event.to_stage
    else:
        return None
    return {"deal_id": event.deal_id, "seq": event.seq, "type": event.type, "at": event.at,
            "from_stage": from_stage, "to_stage": to_stage, "reason": reason,
            "undated": isinstance(event, DealCreated) and event.undated}


def _unreadable(what: str, problems: list[str]) -> StoreError:
    return StoreError(_("{what} in the store holds a value this dealflow does not take: "
                        "{problems}. It was written by another program or an older dealflow; "
                        "correct it in the database, or export and import the deals to see "
                        "every such value", what=what, problems=_("; ").join(problems)))


def event_from_row(row: Any) -> Event:
    """The event stored in an `events` row; `StoreError` when it holds a value out of its
    form (written by another program, or by an older dealflow)."""
    data = {**row.payload, "deal_id": row.deal_id, "seq": row.seq, "type": row.type,
            "actor": row.actor, "at": utc(row.at), "source": row.source}
    try:
        return event_adapter.validate_python(data)
    except ValidationError as exc:
        raise _unreadable(_("event {seq} of deal {deal!r}", seq=row.seq, deal=row.deal_id),
                          plain_errors(exc, str(row.type))) from None


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
    """The deal stored as JSON, with its facts typed by its playbook; `StoreError` when it
    holds a value out of its form."""
    try:
        deal = Deal.model_validate(data)
        if playbook is None:
            return deal
        return deal.model_copy(update={"facts": typed_facts(dict(deal.facts), playbook)})
    except ValidationError as exc:
        raise _unreadable(f"deal {data.get('id')!r}", plain_errors(exc)) from None
    except ValueError as exc:  # a fact no longer of its type
        raise _unreadable(f"deal {data.get('id')!r}", [str(exc)]) from None
