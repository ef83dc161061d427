"""Plays: which situations hold for a deal, and the recommended response to each.

A play answers the questions of a strategic project: when to step in, who on our side,
and with which strategy. `recommend_plays` evaluates every play of the playbook for a
deal and returns those that fire, most urgent first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dealflow.deal import Deal, Status
from dealflow.engine import RuleContext
from dealflow.playbook import Playbook
from dealflow.rules import trust

__all__ = ["Recommendation", "recommend_plays"]


@trust
@dataclass(frozen=True, slots=True)
class Recommendation:
    """A play that fires for a deal: the situation, what to do, who, why, how urgent."""

    play: str
    situation: str
    action: str
    who: tuple[str, ...]
    strategy: str
    priority: int
    why: str


def recommend_plays(playbook: Playbook, deal: Deal, *, now: dt.datetime | None = None,
                    locale: str | None = None) -> list[Recommendation]:
    """The plays whose condition holds for `deal`, by priority (1 first)."""
    if deal.status not in (Status.open, Status.on_hold):
        return []
    ctx = RuleContext(playbook, deal, now or dt.datetime.now(dt.UTC))
    names = {role.id: playbook.text(role.name, locale) for role in playbook.our_roles}
    fired = []
    for order, play in enumerate(playbook.plays):
        if play.stages and deal.stage not in play.stages:
            continue
        if not ctx.holds(play.when):
            continue
        fired.append((play.priority, order, Recommendation(
            play=play.id,
            situation=playbook.text(play.name, locale),
            action=playbook.text(play.action, locale),
            who=tuple(names[role] for role in play.who),
            strategy=playbook.text(play.strategy, locale),
            priority=play.priority,
            why=play.when.source,
        )))
    return [recommendation for _, _, recommendation in sorted(fired, key=lambda f: f[:2])]
