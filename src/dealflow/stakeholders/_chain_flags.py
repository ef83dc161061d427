"""Red flags of the decision chain's shape (issue 20): relationships nobody owns, opponents
who reach a decision-maker, decision-makers whose wins our offer leaves open."""

from __future__ import annotations

from dataclasses import dataclass

from dealflow._messages import _
from dealflow.deal import Influence, Stance
from dealflow.engine import RuleContext, decision_makers
from dealflow.rules import trust

__all__ = ["ChainFlag", "chain_flags"]


@trust
@dataclass(frozen=True, slots=True)
class ChainFlag:
    """A red flag of the chain, in the fields of `RedFlag`."""

    code: str
    severity: str
    reason: str
    stakeholder: str | None = None


def _unowned(ctx: RuleContext) -> list[ChainFlag]:
    return [ChainFlag("no_relationship_owner", "high",
                      _("{name} has high influence and nobody of ours owns the relationship",
                        name=person.name), person.id)
            for person in ctx.deal.stakeholders
            if person.influence is Influence.high and not person.owner]


def _opposing_influencers(ctx: RuleContext) -> list[ChainFlag]:
    deciders = {person.id: person for person in decision_makers(ctx.playbook, ctx.deal)}
    flags = []
    for link in ctx.deal.links:
        if link.kind != "influences" or link.target not in deciders:
            continue
        source = ctx.deal.stakeholder(link.source)
        if source is not None and source.stance is Stance.opponent:
            flags.append(ChainFlag(
                "opponent_influences_decider", "high",
                _("{name} opposes us and influences {decider} ({strength})", name=source.name,
                  decider=deciders[link.target].name, strength=link.strength.value),
                source.id))
    return flags


def _unaddressed(ctx: RuleContext) -> list[ChainFlag]:
    flags = []
    for person in decision_makers(ctx.playbook, ctx.deal):
        open_wins = [win.text for kind in ("org", "personal") for win in person.wins(kind)
                     if not win.addressed]
        if open_wins:
            flags.append(ChainFlag(
                "decider_wins_unaddressed", "medium",
                _("{name} decides, and our offer does not address: {wins}", name=person.name,
                  wins=_("; ").join(open_wins)), person.id))
    return flags


def chain_flags(ctx: RuleContext) -> list[ChainFlag]:
    """The red flags of the chain's shape, for `ctx.deal`."""
    return _unowned(ctx) + _opposing_influencers(ctx) + _unaddressed(ctx)
