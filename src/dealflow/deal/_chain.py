"""The decision chain of a deal beyond its people: the organisations they sit in, the lines
of reporting and influence between them, what each wins, the competitors we face and the
scores of the deal's scorecard."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dealflow.deal._kinds import Influence
from dealflow.rules import trust
from dealflow.values import MAX_NAME, Id, Moment, Name, Note, Ref

__all__ = [
    "Competitor",
    "Link",
    "LinkKind",
    "Organisation",
    "Position",
    "Score",
    "Win",
]

LinkKind = Literal["reports_to", "influences"]
Position = Literal["ahead", "even", "behind"]

_Short = Annotated[Note, Field(max_length=MAX_NAME)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@trust
class Organisation(_Frozen):
    """An organisation of the decision chain: the owner, its group, the EPC contractor..."""

    id: Id
    name: Name
    kind: Ref = "customer"
    """A kind of organisation: built in (customer, group, contractor, design_institute,
    partner, consultant) or declared by the playbook."""


@trust
class Win(_Frozen):
    """What a person wins (for their organisation or personally), and whether our offer
    addresses it."""

    text: Annotated[Note, Field(min_length=1)]
    addressed: bool = False


@trust
class Link(_Frozen):
    """A line between two people: `source` reports to, or influences, `target`."""

    kind: LinkKind
    source: Id
    target: Id
    strength: Influence = Influence.medium
    """How strongly `source` influences `target` (reporting lines keep the default)."""


@trust
class Competitor(_Frozen):
    """A competitor in a deal: incumbent or not, strengths, our position on each decision
    criterion, and the people who prefer them."""

    id: Id
    name: Name
    incumbent: bool = False
    strengths: tuple[_Short, ...] = ()
    positions: dict[Ref, Position] = Field(default_factory=dict)
    """Our position against this competitor per decision criterion of the playbook."""
    preferred_by: tuple[Id, ...] = ()
    """Stakeholders who prefer this competitor."""


@trust
class Score(_Frozen):
    """The current score of a scorecard criterion: level 0-3, with its evidence."""

    level: Annotated[int, Field(ge=0, le=3)]
    at: Moment
    evidence: Note = ""
    previous: Annotated[int, Field(ge=0, le=3)] | None = None
    """The level before this score (for the trend), None for a first score."""
