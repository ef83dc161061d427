"""Authority in a playbook: who on our side may make each move, and internal approvals.

Roles are the ids of `our_roles`; who holds them comes from a team (see
`dealflow.deal.Team`), never from the playbook. An empty list of roles means anyone.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from dealflow.playbook._base import Identifier, _Model
from dealflow.playbook._localized import Text
from dealflow.rules import RuleType

__all__ = ["Approval", "ApprovedMove", "MoveRoles"]

ApprovedMove = Literal["move_back", "reopen", "lose", "win"]
"""A move an approval (or a role restriction) may be about."""


class MoveRoles(_Model):
    """Which of our roles may make each move; anyone, when a list is empty."""

    move_back: tuple[Identifier, ...] = ()
    """Roles that may move a deal back to an earlier stage."""
    reopen: tuple[Identifier, ...] = ()
    """Roles that may reopen a won or lost deal."""
    lose: tuple[Identifier, ...] = ()
    """Roles that may close a deal as lost."""
    win: tuple[Identifier, ...] = ()
    """Roles that may close a deal as won."""


class Approval(_Model):
    """An internal approval: which of our roles must approve what, recorded as an event."""

    id: Identifier
    """Unique id of the approval; rules ask for it as `approved('<id>')`."""
    text: Text
    """The approval as people read it, e.g. "Spend over 50,000 needs top management"."""
    by: Annotated[tuple[Identifier, ...], Field(min_length=1)]
    """The roles of ours (ids from `our_roles`) whose holders may give it."""
    when: RuleType | None = None
    """The deals that need it, e.g. `deal.amount > 50000` (every deal when absent). The
    values this rule reads are kept with the approval; see `lapses_on`."""
    before: Identifier | None = None
    """A stage a deal that needs the approval may not enter without it."""
    moves: tuple[ApprovedMove, ...] = ()
    """Moves a deal that needs the approval may not make without it."""
    evidence: Text | None = None
    """What the approval's note must hold (a note is required when this is set)."""
    lapses_on: Literal["change", "increase"] = "change"
    """When a given approval stops counting: `change` when any value `when` reads
    differs from the one approved; `increase` when a number read is higher than
    approved (or any other value changed)."""
