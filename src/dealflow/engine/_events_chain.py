"""Events of the decision chain, the competition and the scorecard (issue 20).

Imported by `_events` once `EventBase` is defined there (for the `Event` union).

Organisations and competitors are set whole (added, or replaced by id) and removed by id;
lines between people are linked and unlinked; a scorecard criterion is scored. A deal's
`lost_to` is written by the `deal_lost` event's optional `winner`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from dealflow.deal import Competitor, Deal, Link, LinkKind, Organisation, Score
from dealflow.engine._events import EventBase
from dealflow.values import Id, Note, Ref

__all__ = [
    "CHAIN_EVENTS",
    "CompetitorRemoved",
    "CompetitorSet",
    "CriterionScored",
    "OrganisationRemoved",
    "OrganisationSet",
    "StakeholderLinked",
    "StakeholderUnlinked",
    "chain_changes",
]


class OrganisationSet(EventBase):
    """An organisation was added to the deal's decision chain, or changed."""

    type: Literal["organisation_set"] = "organisation_set"
    organisation: Organisation


class OrganisationRemoved(EventBase):
    """An organisation left the decision chain (its people keep their other data)."""

    type: Literal["organisation_removed"] = "organisation_removed"
    organisation_id: Id


class StakeholderLinked(EventBase):
    """A line was drawn: one person reports to, or influences, another."""

    type: Literal["stakeholder_linked"] = "stakeholder_linked"
    link: Link


class StakeholderUnlinked(EventBase):
    """A line between two people was taken away."""

    type: Literal["stakeholder_unlinked"] = "stakeholder_unlinked"
    kind: LinkKind
    source: Id
    target: Id


class CompetitorSet(EventBase):
    """A competitor was added to the deal, or changed."""

    type: Literal["competitor_set"] = "competitor_set"
    competitor: Competitor


class CompetitorRemoved(EventBase):
    """A competitor left the deal."""

    type: Literal["competitor_removed"] = "competitor_removed"
    competitor_id: Id


class CriterionScored(EventBase):
    """A criterion of the playbook's scorecard was scored 0-3, with evidence."""

    type: Literal["criterion_scored"] = "criterion_scored"
    criterion: Ref
    level: Annotated[int, Field(ge=0, le=3)]
    evidence: Note = ""


CHAIN_EVENTS = (OrganisationSet, OrganisationRemoved, StakeholderLinked, StakeholderUnlinked,
                CompetitorSet, CompetitorRemoved, CriterionScored)
"""The event types of this module (for `isinstance`)."""

ChainEvent = (OrganisationSet | OrganisationRemoved | StakeholderLinked | StakeholderUnlinked
              | CompetitorSet | CompetitorRemoved | CriterionScored)


def _replace(items: tuple[Any, ...], new: Any) -> tuple[Any, ...]:
    kept = [item for item in items if item.id != new.id]
    if len(kept) == len(items):
        return (*items, new)
    return tuple(new if item.id == new.id else item for item in items)


def _linked(deal: Deal, link: Link) -> tuple[Link, ...]:
    """A person reports to one person at most: a new reporting line replaces the old."""
    kept = tuple(old for old in deal.links if not (
        old.kind == link.kind and old.source == link.source
        and (old.target == link.target or link.kind == "reports_to")))
    return (*kept, link)


def chain_changes(deal: Deal, event: ChainEvent) -> dict[str, Any]:
    """The fields of `deal` that `event` changes."""
    if isinstance(event, OrganisationSet):
        return {"organisations": _replace(deal.organisations, event.organisation)}
    if isinstance(event, OrganisationRemoved):
        return {"organisations": tuple(org for org in deal.organisations
                                       if org.id != event.organisation_id)}
    if isinstance(event, StakeholderLinked):
        return {"links": _linked(deal, event.link)}
    if isinstance(event, StakeholderUnlinked):
        return {"links": tuple(old for old in deal.links if (old.kind, old.source, old.target)
                               != (event.kind, event.source, event.target))}
    if isinstance(event, CompetitorSet):
        return {"competitors": _replace(deal.competitors, event.competitor)}
    if isinstance(event, CompetitorRemoved):
        return {"competitors": tuple(rival for rival in deal.competitors
                                     if rival.id != event.competitor_id)}
    old = deal.scores.get(event.criterion)
    scores = dict(deal.scores)
    scores[event.criterion] = Score(level=event.level, at=event.at, evidence=event.evidence,
                                    previous=old.level if old else None)
    return {"scores": scores}
