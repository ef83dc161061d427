"""The events of a deal's commitments (issue 19): its expected close date, its close
plan and the plays taken on.

- `close_date_set`: the expected close date changed (old, new and a note); a change to a
  later date is a push, what the slip figures count;
- `plan_step_added` / `plan_step_updated`: a step of the close plan, whole;
- `plan_agreed`: the plan agreed with the customer (with whom, on which day);
- `play_taken` / `play_completed` / `play_declined`: a play that fired was taken on (by
  its owner), completed with an outcome, or declined with a reason.

`commitment_changes` gives what each does to a deal; `dealflow.engine._events` joins them
to the `Event` union and to the replay.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import Field

from dealflow.deal import (
    Deal,
    PlanAgreement,
    PlanStep,
    PlayRecord,
    PlayResult,
    PlayState,
)
from dealflow.engine._events import EventBase
from dealflow.values import Day, Id, Name, Note, Ref

__all__ = [
    "CloseDateSet",
    "CommitmentEvent",
    "PlanAgreed",
    "PlanStepAdded",
    "PlanStepUpdated",
    "PlayCompleted",
    "PlayDeclined",
    "PlayTaken",
    "commitment_changes",
]


class CloseDateSet(EventBase):
    """The expected close date changed (`close_date` None: cleared)."""

    type: Literal["close_date_set"] = "close_date_set"
    close_date: Day | None
    previous: Day | None = None
    note: Note = ""

    @property
    def pushed_days(self) -> int:
        """Days the date moved later (0 when it moved earlier, was first set or cleared)."""
        if self.previous is None or self.close_date is None:
            return 0
        return max(0, (self.close_date - self.previous).days)


class PlanStepAdded(EventBase):
    """A step was added to the close plan."""

    type: Literal["plan_step_added"] = "plan_step_added"
    step: PlanStep


class PlanStepUpdated(EventBase):
    """A step of the close plan changed (status, due date, owners, evidence, ...)."""

    type: Literal["plan_step_updated"] = "plan_step_updated"
    step: PlanStep


class PlanAgreed(EventBase):
    """The close plan was agreed with the customer: with which stakeholder, on which day."""

    type: Literal["plan_agreed"] = "plan_agreed"
    stakeholder: Id
    on: Day
    note: Note = ""


class PlayTaken(EventBase):
    """A play that fired was taken on by `owner`, in `stage`."""

    type: Literal["play_taken"] = "play_taken"
    play: Ref
    stage: Ref
    owner: Name


class PlayCompleted(EventBase):
    """A play taken on was completed, with what it did for the deal."""

    type: Literal["play_completed"] = "play_completed"
    play: Ref
    outcome: PlayResult
    note: Note = ""


class PlayDeclined(EventBase):
    """A play that fired was declined, with a reason."""

    type: Literal["play_declined"] = "play_declined"
    play: Ref
    stage: Ref
    reason: Annotated[Note, Field(min_length=1)]


CommitmentEvent: TypeAlias = (CloseDateSet | PlanStepAdded | PlanStepUpdated | PlanAgreed
                              | PlayTaken | PlayCompleted | PlayDeclined)
"""Any event of this module."""


def _play(deal: Deal, event: PlayTaken | PlayCompleted | PlayDeclined) -> dict[str, Any]:
    plays = dict(deal.plays)
    if isinstance(event, PlayTaken):
        plays[event.play] = PlayRecord(play=event.play, state=PlayState.taken,
                                       stage=event.stage, owner=event.owner,
                                       taken_at=event.at)
    elif isinstance(event, PlayCompleted):
        before = plays.get(event.play)
        plays[event.play] = PlayRecord(
            play=event.play, state=PlayState.completed,
            stage=before.stage if before else deal.stage,
            owner=before.owner if before else None,
            taken_at=before.taken_at if before else None, closed_at=event.at,
            actor=event.actor, outcome=event.outcome, note=event.note)
    else:
        before = plays.get(event.play)
        taken = before is not None and before.is_open
        plays[event.play] = PlayRecord(
            play=event.play, state=PlayState.declined, stage=event.stage,
            owner=before.owner if before and taken else None,
            taken_at=before.taken_at if before and taken else None,
            closed_at=event.at, actor=event.actor, note=event.reason)
    return {"plays": plays}


def commitment_changes(deal: Deal, event: CommitmentEvent) -> dict[str, Any]:
    """The fields of `deal` that `event` changes."""
    if isinstance(event, CloseDateSet):
        pushes = deal.close_date_pushes + (event.pushed_days > 0)
        return {"close_date": event.close_date, "close_date_pushes": pushes,
                "close_date_slipped": deal.close_date_slipped + event.pushed_days}
    if isinstance(event, PlanStepAdded):
        return {"close_plan": (*deal.close_plan, event.step)}
    if isinstance(event, PlanStepUpdated):
        return {"close_plan": tuple(event.step if step.id == event.step.id else step
                                    for step in deal.close_plan)}
    if isinstance(event, PlanAgreed):
        return {"plan_agreed": PlanAgreement(stakeholder=event.stakeholder, on=event.on,
                                             note=event.note)}
    return _play(deal, event)
