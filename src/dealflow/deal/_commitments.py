"""What a deal is committed to: the steps of its close plan, the plan's agreement with
the customer, and the plays taken on (issue 19).

These are parts of a `Deal` (its `close_plan`, `plan_agreed` and `plays` fields), each
changed only by events (see `dealflow.engine`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dealflow.deal._kinds import PlayResult, PlayState, StepStatus
from dealflow.rules import trust
from dealflow.values import Actor, Day, Id, Moment, Name, Note, Ref

__all__ = ["PlanAgreement", "PlanStep", "PlayRecord"]

for _kind in (StepStatus, PlayState, PlayResult):
    trust(_kind)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@trust
class PlanStep(_Frozen):
    """A step of the close plan: what, by when, who on our side and who on the
    customer's, where it stands and what shows it."""

    id: Id
    what: Annotated[Note, Field(min_length=1)]
    due: Day
    our_owner: Name
    """Who on our side: an id of the playbook's `our_roles`, or a person."""
    their_owner: Id | None = None
    """Who on the customer's side: a stakeholder id on the deal's map."""
    status: StepStatus = StepStatus.planned
    evidence: Note | None = None
    template: Ref | None = None
    """The playbook's step template it was seeded from (None when added by hand)."""


@trust
class PlanAgreement(_Frozen):
    """The close plan as agreed with the customer: with whom, on which day."""

    stakeholder: Id
    on: Day
    note: Note = ""


@trust
class PlayRecord(_Frozen):
    """What became of a play that fired on a deal: taken on by whom and when, then
    completed with an outcome, or declined with a reason."""

    play: Ref
    state: PlayState
    stage: Ref
    """The deal's stage when the play was taken on (or declined)."""
    owner: Name | None = None
    """Who took the play on."""
    taken_at: Moment | None = None
    closed_at: Moment | None = None
    """When it was completed or declined."""
    actor: Actor | None = None
    """Who completed or declined it."""
    outcome: PlayResult | None = None
    note: Note = ""
    """The outcome in words (completed), or the reason (declined)."""

    @property
    def is_open(self) -> bool:
        """True while the play is taken on and not yet completed."""
        return self.state is PlayState.taken
