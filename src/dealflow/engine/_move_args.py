"""`move` in the rules of a move's control points: the arguments of the move tried."""

from __future__ import annotations

from dataclasses import dataclass

from dealflow.rules import trust

__all__ = ["MoveArgs"]


@trust
@dataclass(frozen=True, slots=True)
class MoveArgs:
    """The move being tried, as its control points see it (`move.kind`, `move.target`,
    `move.reason`, `move.sub_reason`, `move.note`). A record: rules pay for it by its
    fields, like any of dealflow's data."""

    kind: str
    """advance, skip, win, lose, close, back or reopen."""
    target: str
    """The stage moved to, or `won`, `lost`, the outcome closed with."""
    reason: str = ""
    """The lost reason (lose) or the reason given for moving back."""
    sub_reason: str | None = None
    """The lost sub-reason, when one is given."""
    note: str = ""
    """The note given with a loss or an outcome."""
