"""Events of timers and automation: activity logged on a deal, an item opened on it, and
what every event tells about a deal's last activity and close.

`timer_changes(deal, event)` is the part of the projection these concern: `apply_event`
adds it to the changes of every event, so a replay rebuilds `Deal.activity`,
`Deal.closed_at` and `Deal.items_opened` exactly.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from dealflow.deal import Deal, OpenedItem
from dealflow.engine._events import (
    DealLost,
    DealReopened,
    DealWon,
    EventBase,
    ItemCompleted,
    NextStepSet,
    StakeholderAdded,
    StakeholderUpdated,
)
from dealflow.values import Day, Note, Ref

__all__ = ["SWEEP_ACTOR", "ActivityLogged", "ItemOpened", "timer_changes"]

#: The actor of every event `dealflow sweep` writes.
SWEEP_ACTOR = "dealflow:sweep"


class ActivityLogged(EventBase):
    """Someone logged activity on the deal (a meeting, a call, ...), with a note."""

    type: Literal["activity_logged"] = "activity_logged"
    kind: Ref
    note: Note = ""


class ItemOpened(EventBase):
    """An item was opened on the deal outside its stages' checklists (a follow-up);
    `rule` names the automation rule that opened it, if one did."""

    type: Literal["item_opened"] = "item_opened"
    item_id: Ref
    text: Annotated[Note, Field(min_length=1)]
    owner: Ref
    due: Day
    rule: Ref | None = None


def _contacted(deal: Deal, event: StakeholderAdded | StakeholderUpdated) -> bool:
    contact = event.stakeholder.last_contact
    if contact is None:
        return False
    before = deal.stakeholder(event.stakeholder.id)
    return before is None or before.last_contact != contact


def _activity_kind(deal: Deal, event: Any) -> str | None:
    if isinstance(event, ActivityLogged):
        return event.kind
    if isinstance(event, NextStepSet) and event.next_step is not None:
        return "next_step"
    if isinstance(event, ItemCompleted):
        return "item_done"
    if isinstance(event, StakeholderAdded | StakeholderUpdated) and _contacted(deal, event):
        return "stakeholder_contact"
    return None


def timer_changes(deal: Deal, event: Any) -> dict[str, Any]:
    """The changes `event` makes to the deal's activity, close time and opened items."""
    changes: dict[str, Any] = {}
    kind = _activity_kind(deal, event)
    if kind is not None:
        changes["activity"] = {**deal.activity, kind: event.at}
    if isinstance(event, DealWon | DealLost):
        changes["closed_at"] = event.at
    elif isinstance(event, DealReopened):
        changes["closed_at"] = None
    elif isinstance(event, ItemOpened):
        opened = OpenedItem(text=event.text, owner=event.owner, due=event.due,
                            opened_at=event.at, rule=event.rule)
        changes["items_opened"] = {**deal.items_opened, event.item_id: opened}
    return changes
