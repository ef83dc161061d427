"""The demo's steps on the deal's commitments (issue 19): a close date that is set and
then slips once, the close plan seeded and agreed, and a play taken on to an outcome.

Each step is a small record the story (`_demo_story`) lists in its chapters, and
`run_commitment` carries it out through the public API and says what happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine import Outcome
    from dealflow.store import Store

__all__ = ["AgreePlan", "CloseDate", "CommitmentStep", "CompletePlay", "SeedPlan",
           "StepDone", "TakePlay", "run_commitment"]


@dataclass(frozen=True)
class CloseDate:
    """Set the expected close date, `days_from_today` out, saying why."""

    days_from_today: int
    note: str


@dataclass(frozen=True)
class SeedPlan:
    """Seed the close plan the deal's stage declares."""


@dataclass(frozen=True)
class AgreePlan:
    """The close plan agreed with a stakeholder."""

    stakeholder: str
    note: str


@dataclass(frozen=True)
class StepDone:
    """A step of the close plan done, with its evidence."""

    step: str
    evidence: str


@dataclass(frozen=True)
class TakePlay:
    """Take on a play that fires; `owner` runs it."""

    play: str
    owner: str


@dataclass(frozen=True)
class CompletePlay:
    """Complete a play taken on, with its outcome."""

    play: str
    outcome: str
    note: str


CommitmentStep = CloseDate | SeedPlan | AgreePlan | StepDone | TakePlay | CompletePlay


def run_commitment(store: Store, step: CommitmentStep, deal_id: str, actor: str,
                   say: Callable[[str, str], None]) -> None:
    """Carry out `step` on the deal and `say(verb, detail)` what happened."""
    from dealflow import engine as e

    def apply(operation: Callable[[Any, Any], Outcome]) -> Outcome:
        return store.apply(deal_id, operation).raise_for_refusal()

    if isinstance(step, CloseDate):
        day = store.clock().date() + dt.timedelta(days=step.days_from_today)
        before = store.get(deal_id).close_date
        apply(lambda g, d: e.set_close_date(g, d, day, note=step.note, actor=actor))
        pushed = f", pushed {(day - before).days} days" if before and day > before else ""
        say("close", f"expected close {day}{pushed} ({step.note})")
    elif isinstance(step, SeedPlan):
        plan = apply(lambda g, d: e.seed_close_plan(g, d, actor=actor)).deal.close_plan
        for line in plan:
            say("plan", f"{line.id}: {line.what} ({line.our_owner} / "
                f"{line.their_owner or '-'}, by {line.due})")
    elif isinstance(step, AgreePlan):
        apply(lambda g, d: e.agree_plan(g, d, stakeholder=step.stakeholder, note=step.note,
                                        actor=actor))
        say("agreed", f"close plan agreed with {step.stakeholder} ({step.note})")
    elif isinstance(step, StepDone):
        apply(lambda g, d: e.update_plan_step(g, d, step.step, status="done",
                                              evidence=step.evidence, actor=actor))
        say("step", f"{step.step} done ({step.evidence})")
    elif isinstance(step, TakePlay):
        apply(lambda g, d: e.take_play(g, d, step.play, owner=step.owner, actor=actor))
        say("play", f"{step.play} taken on by {step.owner}")
    else:
        apply(lambda g, d: e.complete_play(g, d, step.play, outcome=step.outcome,
                                           note=step.note, actor=actor))
        say("play", f"{step.play} completed: {step.outcome} ({step.note})")
