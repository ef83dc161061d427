"""The events of authority and effects (issue 18): an internal approval given, and a
fact set by a move's effect (recorded with the move, by the same actor)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from dealflow.deal import ApprovalRecord, Deal, Snapshot
from dealflow.engine._events import EventBase, FactSet
from dealflow.values import Note, Ref

__all__ = ["ApprovalGiven", "EffectApplied", "approval_changes"]


class ApprovalGiven(EventBase):
    """An internal approval was given by `actor`, holding `role`, with a note; `snapshot`
    keeps the values the approval's rule read (what was approved, e.g. the amount)."""

    type: Literal["approval_given"] = "approval_given"
    approval: Ref
    role: Ref
    note: Note = ""
    snapshot: Snapshot = Field(default_factory=dict)


class EffectApplied(FactSet):
    """A fact set by a move's effect, in the same write as the move; `effect` names it
    (`on_enter of qualify`, `on_leave of qualify`). Applied as a `fact_set` is."""

    type: Literal["effect_applied"] = "effect_applied"  # type: ignore[assignment]
    effect: Note


def approval_changes(deal: Deal, event: ApprovalGiven) -> dict[str, Any]:
    """What an `approval_given` event changes: the deal's latest approval of that id."""
    approvals = dict(deal.approvals)
    approvals[event.approval] = ApprovalRecord(by=event.actor, role=event.role, at=event.at,
                                               note=event.note, snapshot=event.snapshot)
    return {"approvals": approvals}
