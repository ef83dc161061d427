"""The small vocabularies of a deal: where a stakeholder stands, how much they weigh,
where a deal is in its life. Kept apart from the models so that the command line can offer
them as choices without loading the models."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Influence", "PlayResult", "PlayState", "Source", "Stance", "Status", "StepStatus"]


class Stance(StrEnum):
    """Where a stakeholder stands towards us."""

    champion = "champion"
    supporter = "supporter"
    neutral = "neutral"
    skeptic = "skeptic"
    opponent = "opponent"
    unknown = "unknown"


class Influence(StrEnum):
    """How much a stakeholder weighs in the decision."""

    high = "high"
    medium = "medium"
    low = "low"


class Status(StrEnum):
    """Where a deal is in its life: open, on hold, won, lost, or closed with an outcome
    that does not count as lost (`Deal.outcome`)."""

    open = "open"
    on_hold = "on_hold"
    won = "won"
    lost = "lost"
    closed = "closed"


class Source(StrEnum):
    """Where a piece of evidence came from."""

    meeting = "meeting"
    email = "email"
    document = "document"
    call = "call"
    visit = "visit"
    demo = "demo"
    workshop = "workshop"
    other = "other"


class StepStatus(StrEnum):
    """Where a step of the close plan stands: planned, done, or dropped."""

    planned = "planned"
    done = "done"
    dropped = "dropped"


class PlayState(StrEnum):
    """Where a play that fired stands on a deal: taken on, completed, or declined."""

    taken = "taken"
    completed = "completed"
    declined = "declined"


class PlayResult(StrEnum):
    """What a completed play did for the deal, as the person who ran it judges."""

    helped = "helped"
    partly = "partly"
    no_effect = "no_effect"
    hurt = "hurt"
