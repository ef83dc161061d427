"""What stands behind a deal's record: the evidence of its facts, the waivers of its
control points, and the review written when it closed.

A fact set with evidence keeps its `Provenance`: the evidence itself (a text, a link or a
document reference), where it came from (`Source`), the stakeholder who confirmed it, the
day, and later who verified it. A `Waiver` lets a blocked control point pass on the
record: who, acting in which of our roles, why, and until when. A `Review` holds the
answers to the playbook's win/loss review form.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dealflow.deal._kinds import Source
from dealflow.rules import trust
from dealflow.values import Actor, Day, Id, Moment, Name, Note, Ref

__all__ = ["Evidence", "Provenance", "Review", "Verification", "Waiver"]

trust(Source)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@trust
class Evidence(_Frozen):
    """What backs a fact as it is set: the evidence, its source, who confirmed it, when."""

    evidence: Annotated[Note, Field(min_length=1)] | None = None
    """The evidence: a text, a link or a document reference."""
    source: Source | None = None
    """Where it came from: a meeting, an email, a document, a call, a visit, ..."""
    confirmed_by: Id | None = None
    """The id of the stakeholder (on the deal's map) who confirmed it."""
    on: Day | None = None
    """The day it was confirmed."""


@trust
class Verification(_Frozen):
    """A second person checked a fact's evidence."""

    by: Name
    at: Moment
    note: Note = ""


@trust
class Provenance(_Frozen):
    """Where a fact's value comes from: its evidence, who set it, who verified it."""

    evidence: Evidence
    set_by: Actor
    set_at: Moment
    verification: Verification | None = None


@trust
class Waiver(_Frozen):
    """A control point let through on the record: who, in which role, why, until when."""

    gate: Ref
    stage: Ref
    person: Name
    role: Ref
    reason: Annotated[Note, Field(min_length=1)]
    until: Day | None = None
    """The last day the waiver holds; None: until the deal leaves the stage."""
    stage_entered_at: Moment
    """When the deal entered the stage the waiver was given in (a stage waiver holds only
    during that stay)."""
    at: Moment
    actor: Actor

    def holds(self, stage: str, stage_entered_at: dt.datetime, today: dt.date) -> bool:
        """Whether the waiver still lets its control point pass."""
        if stage != self.stage:
            return False
        if self.until is None:
            return stage_entered_at == self.stage_entered_at
        return today <= self.until


@trust
class Review(_Frozen):
    """The answers to the playbook's review form for a won or lost deal."""

    outcome: Ref
    """`won` or `lost`."""
    stage: Ref
    """The stage the deal was closed from."""
    answers: dict[Ref, Ref]
    """Question id -> the chosen answer."""
    by: Actor
    at: Moment
