"""Waiver counts: how often control points were waived, by control point, by the deal's
owner and by the person who approved the waiver. Read from the `gate_waived` events, so a
waiver counts once whatever became of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dealflow.engine import DealCreated, DealEdited, Event, GateWaived

__all__ = ["WaiverCounts"]


@dataclass
class WaiverCounts:
    """Waivers over a set of deals: the total, by control point, owner and approver."""

    total: int = 0
    by_gate: Counter[str] = field(default_factory=Counter)
    by_owner: Counter[str] = field(default_factory=Counter)
    by_approver: Counter[str] = field(default_factory=Counter)

    def add_history(self, events: Sequence[Event]) -> None:
        """Count the waivers of one deal's events (the owner as it was at each waiver)."""
        owner = ""
        for event in events:
            if isinstance(event, DealCreated):
                owner = event.owner
            elif isinstance(event, DealEdited):
                owner = str(event.changes.get("owner", owner))
            elif isinstance(event, GateWaived):
                self.total += 1
                self.by_gate[event.gate] += 1
                self.by_owner[owner] += 1
                self.by_approver[f"{event.person} ({event.role})"] += 1

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain data, most frequent first."""
        return {"total": self.total,
                "by_gate": dict(self.by_gate.most_common()),
                "by_owner": dict(self.by_owner.most_common()),
                "by_approver": dict(self.by_approver.most_common())}
