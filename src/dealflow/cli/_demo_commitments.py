"""The demo's steps on the deal's commitments (issue 19): a close date that is set and
then slips once, the close plan seeded and agreed, a play taken on to an outcome; and the
win at contract + PO, which opens the handover checklist (complex-b2b 2.0.0).

Each step is a small record the story (`_demo_story`) lists in its chapters, and
`run_commitment` carries it out through the public API and says what happened. A step's
texts are message ids (marked with `N_` in the story), read in the current locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dealflow._messages import _

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine import Outcome
    from dealflow.store import Store

__all__ = ["AgreePlan", "CloseDate", "CommitmentStep", "CompletePlay", "SeedPlan",
           "StepDone", "TakePlay", "Win", "run_commitment", "told"]


def told(message: str) -> str:
    """A story text (a message id) in the current locale; an empty one stays empty."""
    return _(message) if message else message


@dataclass(frozen=True)
class CloseDate:
    """Set the expected close date, `days_from_today` out, saying why."""

    days_from_today: int
    note_id: str

    @property
    def note(self) -> str:
        """Why, in the current locale."""
        return told(self.note_id)


@dataclass(frozen=True)
class SeedPlan:
    """Seed the close plan the deal's stage declares."""


@dataclass(frozen=True)
class AgreePlan:
    """The close plan agreed with a stakeholder."""

    stakeholder: str
    note_id: str

    @property
    def note(self) -> str:
        """How it was agreed, in the current locale."""
        return told(self.note_id)


@dataclass(frozen=True)
class StepDone:
    """A step of the close plan done, with its evidence."""

    step: str
    evidence_id: str

    @property
    def evidence(self) -> str:
        """The evidence, in the current locale."""
        return told(self.evidence_id)


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
    note_id: str

    @property
    def note(self) -> str:
        """What came of it, in the current locale."""
        return told(self.note_id)


@dataclass(frozen=True)
class Win:
    """Close the deal as won (at contract + PO) and list the handover items it opens."""


CommitmentStep = CloseDate | SeedPlan | AgreePlan | StepDone | TakePlay | CompletePlay | Win


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
        if before and day > before:
            said = _("expected close {day}, pushed {days} days ({note})", day=day,
                     days=(day - before).days, note=step.note)
        else:
            said = _("expected close {day} ({note})", day=day, note=step.note)
        say(_("close date"), said)
    elif isinstance(step, SeedPlan):
        plan = apply(lambda g, d: e.seed_close_plan(g, d, actor=actor)).deal.close_plan
        for line in plan:
            say(_("plan"), _("{step}: {what} ({ours} / {theirs}, by {due})", step=line.id,
                             what=line.what, ours=line.our_owner,
                             theirs=line.their_owner or "-", due=line.due))
    elif isinstance(step, AgreePlan):
        apply(lambda g, d: e.agree_plan(g, d, stakeholder=step.stakeholder, note=step.note,
                                        actor=actor))
        say(_("agreed"), _("close plan agreed with {person} ({note})",
                           person=step.stakeholder, note=step.note))
    elif isinstance(step, StepDone):
        apply(lambda g, d: e.update_plan_step(g, d, step.step, status="done",
                                              evidence=step.evidence, actor=actor))
        say(_("step"), _("{step} done ({evidence})", step=step.step, evidence=step.evidence))
    elif isinstance(step, Win):
        _win(store, deal_id, actor, say)
    elif isinstance(step, TakePlay):
        apply(lambda g, d: e.take_play(g, d, step.play, owner=step.owner, actor=actor))
        say(_("play"), _("{play} taken on by {owner}", play=step.play, owner=step.owner))
    else:
        apply(lambda g, d: e.complete_play(g, d, step.play, outcome=step.outcome,
                                           note=step.note, actor=actor))
        say(_("play"), _("{play} completed: {outcome} ({note})", play=step.play,
                         outcome=step.outcome, note=step.note))


def _win(store: Store, deal_id: str, actor: str, say: Callable[[str, str], None]) -> None:
    """Win the deal, and say which handover items the win opened, for whom and by when."""
    from dealflow._messages import current_locale

    outcome = store.apply(deal_id, lambda g, d: g.win(d, actor=actor)).raise_for_refusal()
    playbook, locale = store.engine_for(outcome.deal).playbook, current_locale()
    owners = {role.id: playbook.text(role.name, locale) for role in playbook.our_roles}
    win = playbook.moves.win if playbook.moves is not None else None
    texts = {effect.open_item.id: playbook.text(effect.open_item.text, locale)
             for effect in (win.effects if win is not None else ())
             if effect.open_item is not None}  # the item in the reader's language
    say(_("won"), _("{stage} -> won: contract signed and purchase order received",
                    stage=outcome.report.stage))
    for item_id, opened in outcome.deal.items_opened.items():
        say(_("opened"), _("{item}: {text} ({owner}, by {due})", item=item_id,
                           text=texts.get(item_id, opened.text),
                           owner=owners.get(opened.owner, opened.owner), due=opened.due))
