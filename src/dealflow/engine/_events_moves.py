"""Events of the declared moves (issue 17): a deal closed with an extra outcome."""

from __future__ import annotations

from typing import Any, Literal

from dealflow.deal import Status
from dealflow.engine._events import EventBase
from dealflow.values import Note, Ref

__all__ = ["DealClosed", "closed_changes"]


class DealClosed(EventBase):
    """The deal was closed with one of the playbook's extra outcomes (like `duplicate`);
    `counts_as_lost` records whether the outcome counted as lost when it was closed."""

    type: Literal["deal_closed"] = "deal_closed"
    stage: Ref
    outcome: Ref
    counts_as_lost: bool
    note: Note = ""


def closed_changes(event: DealClosed) -> dict[str, Any]:
    """What a `deal_closed` event changes on its deal."""
    return {"status": Status.lost if event.counts_as_lost else Status.closed,
            "outcome": event.outcome, "lost_reason": None, "lost_note": event.note,
            "hold": None, "next_step": None}
