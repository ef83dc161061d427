"""On-move effects: the facts a move sets and the items it opens by itself.

`on_leave` effects of the stage left run on an advance, a move back and a win; `on_enter`
effects of the stage entered on an advance, a move back and a reopen; then the `effects`
of the declared move (`moves:`) that allowed it, on any move. A fact set is an
`EffectApplied` event, an item opened an `ItemOpened` event (once per deal and item id),
after the move's own, with its time and actor, in the same write; each reads the deal as
the move and the effects before it left it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dealflow._days import utc_date
from dealflow._messages import _
from dealflow.deal import Deal, coerce_fact
from dealflow.engine._events import (
    DealLost,
    DealReopened,
    DealWon,
    Event,
    StageAdvanced,
    StageMovedBack,
    apply_event,
)
from dealflow.engine._events_authority import EffectApplied
from dealflow.engine._events_moves import DealClosed
from dealflow.engine._events_timers import ItemOpened
from dealflow.engine._gates import Check
from dealflow.engine._outcome import fails
from dealflow.playbook import LOST, WON, Effect, OpenItem, Playbook

__all__ = ["effect_events", "move_effects", "stage_effects"]


def _moves(event: Event) -> tuple[str | None, str | None]:
    """(the stage left, the stage entered) by `event`, as far as effects go."""
    if isinstance(event, StageAdvanced | StageMovedBack):
        return event.from_stage, event.to_stage
    if isinstance(event, DealWon):
        return event.stage, None
    if isinstance(event, DealReopened):
        return None, event.stage
    return None, None


def _source(effect: Effect, deal: Deal, event: Event) -> Any:
    if effect.copy_of is None:
        return effect.value
    if effect.copy_of == "today":
        return utc_date(event.at)
    kind, _dot, name = effect.copy_of.partition(".")
    if kind == "deal":
        return getattr(deal, name)
    return deal.facts.get(name)


def stage_effects(playbook: Playbook, event: Event) -> list[tuple[Effect, str]]:
    """The effects a move recorded by `event` runs, each with where it is declared: the
    `on_leave` of the stage it leaves, then the `on_enter` of the stage it enters."""
    left, entered = _moves(event)
    effects = [(effect, _("on_leave of {stage}", stage=left))
               for effect in (playbook.stage(left).on_leave if left else ())]
    effects += [(effect, _("on_enter of {stage}", stage=entered))
                for effect in (playbook.stage(entered).on_enter if entered else ())]
    return effects


def _edge(before: Deal, event: Event) -> tuple[tuple[str, ...], str, str] | None:
    """(the kinds of move, from, to) `event` records of the deal as it was `before`."""
    if isinstance(event, StageAdvanced):
        return ("advance", "skip"), event.from_stage, event.to_stage
    if isinstance(event, StageMovedBack):
        return ("back",), event.from_stage, event.to_stage
    if isinstance(event, DealWon):
        return ("win",), event.stage, WON
    if isinstance(event, DealLost):
        return ("lose",), event.stage, LOST
    if isinstance(event, DealClosed):
        return ("close",), event.stage, event.outcome
    if isinstance(event, DealReopened):
        closed = before.outcome or before.status.value
        return ("reopen",), closed, event.stage
    return None


def move_effects(playbook: Playbook, before: Deal, event: Event) -> list[tuple[Effect, str]]:
    """The `effects` of the declared move that allowed `event` on the deal as it was
    `before` (none without a `moves:` section), each with where it is declared."""
    found = _edge(before, event)
    if playbook.moves is None or found is None:
        return []
    kinds, source, dest = found
    for edge in playbook.edges:  # worked out once per playbook
        if edge.kind in kinds and edge.source == source and edge.dest == dest:
            where = _("moves.{kind}", kind=edge.kind if edge.kind != "close" else "outcomes")
            return [(effect, where) for effect in edge.rule.effects]
    return []


def _opened(item: OpenItem, deal: Deal, event: Event, where: str, playbook: Playbook
            ) -> ItemOpened | None:
    if item.id in deal.items_opened:  # opened once per deal
        return None
    due = utc_date(event.at) + dt.timedelta(days=item.due_days)
    return ItemOpened(deal_id=deal.id, seq=deal.version + 1, at=event.at, actor=event.actor,
                      source=where, item_id=item.id, text=playbook.text(item.text),
                      owner=item.owner, due=due)


def effect_events(playbook: Playbook, deal: Deal, event: Event,
                  effects: Sequence[tuple[Effect, str]] | None = None,
                  ) -> tuple[list[Check], list[Event], Deal]:
    """(checks failed, effect events, the deal after them) for `event` applied to `deal`
    (the deal after the move itself). `effects` (each with where it is declared) default
    to the stages' (`stage_effects`); a declared move passes its own as well."""
    if effects is None:
        effects = stage_effects(playbook, event)
    declared = {fact.id: fact for fact in playbook.facts}
    events: list[Event] = []
    for effect, where in effects:
        if effect.open_item is not None:
            opened = _opened(effect.open_item, deal, event, where, playbook)
            if opened is not None:
                deal = apply_event(deal, opened, playbook)
                events.append(opened)
            continue
        assert effect.set is not None  # the model: a fact, or an item
        value = _source(effect, deal, event)
        try:
            typed = None if value is None else coerce_fact(declared[effect.set], value)
        except (ValueError, KeyError) as exc:
            return [fails("effect", _("every effect of the move sets a valid value"),
                          _("{where}: fact {fact} cannot take {value}: {why}", where=where,
                            fact=effect.set, value=repr(value), why=str(exc)))], [], deal
        effect_event = EffectApplied(deal_id=deal.id, seq=deal.version + 1, at=event.at,
                                     actor=event.actor, name=effect.set, value=typed,
                                     effect=where)
        deal = apply_event(deal, effect_event, playbook)
        events.append(effect_event)
    return [], events, deal
