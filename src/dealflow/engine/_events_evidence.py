"""The events of evidence, waivers and reviews (issue 19), and how each changes a deal.

`fact_set` carries its `Evidence` (see `FactSet.evidence`); `fact_verified` records a
second person's check of it; `gate_waived` lets a blocked control point pass on the
record; `review_given` keeps the answers to the win/loss review form.
"""

from __future__ import annotations

from typing import Any, Literal

from dealflow._messages import _
from dealflow.deal import Deal, Provenance, Review, Verification, Waiver
from dealflow.engine._events import EventBase
from dealflow.values import Day, Moment, Name, Note, Ref

__all__ = [
    "EVIDENCE_EVENTS",
    "FactVerified",
    "GateWaived",
    "ReviewGiven",
    "evidence_changes",
    "provenance_changes",
]


class FactVerified(EventBase):
    """A second person checked the evidence behind a fact."""

    type: Literal["fact_verified"] = "fact_verified"
    name: Ref
    by: Name
    note: Note = ""


class GateWaived(EventBase):
    """A blocked control point was waived: by whom, in which of our roles, why, until when."""

    type: Literal["gate_waived"] = "gate_waived"
    gate: Ref
    stage: Ref
    person: Name
    role: Ref
    reason: Note
    until: Day | None = None
    stage_entered_at: Moment


class ReviewGiven(EventBase):
    """The answers to the playbook's review form of a won or lost deal."""

    type: Literal["review_given"] = "review_given"
    outcome: Literal["won", "lost"]
    stage: Ref
    answers: dict[Ref, Ref]


EVIDENCE_EVENTS = (FactVerified, GateWaived, ReviewGiven)
"""The event types `evidence_changes` applies."""


def provenance_changes(deal: Deal, event: Any) -> dict[str, Any]:
    """The provenance after a `fact_set` event: kept with its evidence, dropped without."""
    provenance = dict(deal.provenance)
    if event.value is None or event.evidence is None:
        provenance.pop(event.name, None)
    else:
        provenance[event.name] = Provenance(evidence=event.evidence, set_by=event.actor,
                                            set_at=event.at)
    return {"provenance": provenance}


def evidence_changes(deal: Deal, event: FactVerified | GateWaived | ReviewGiven,
                     ) -> dict[str, Any]:
    """The fields of `deal` that `event` changes."""
    if isinstance(event, FactVerified):
        provenance = dict(deal.provenance)
        known = provenance.get(event.name) if event.name in deal.facts else None
        if known is None:
            raise ValueError(_("fact_verified of fact {name}, which deal {deal} holds without "
                               "evidence", name=event.name, deal=deal.id))
        check = Verification(by=event.by, at=event.at, note=event.note)
        provenance[event.name] = known.model_copy(update={"verification": check})
        return {"provenance": provenance}
    if isinstance(event, GateWaived):
        waivers = dict(deal.waivers)
        waivers[event.gate] = Waiver(
            gate=event.gate, stage=event.stage, person=event.person, role=event.role,
            reason=event.reason, until=event.until, stage_entered_at=event.stage_entered_at,
            at=event.at, actor=event.actor)
        return {"waivers": waivers}
    return {"review": Review(outcome=event.outcome, stage=event.stage, answers=event.answers,
                             by=event.actor, at=event.at)}
