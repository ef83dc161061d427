"""Hypothesis strategies for the events of timers and automation: histories of a deal
with logged activity, next steps, items opened by automation rules, and closes and
reopenings, in time order; replaying one must rebuild the deal exactly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from dealflow.deal import Deal, NextStep
from dealflow.engine import (
    SWEEP_ACTOR,
    ActivityLogged,
    DealCreated,
    DealLost,
    DealReopened,
    Event,
    ItemOpened,
    NextStepSet,
    apply_event,
    loggable_kinds,
)
from dealflow.playbook import Playbook
from dealflow.testing._strategies import hostile_text

__all__ = ["timer_histories"]

_START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _base(deal: Deal, at: dt.datetime, actor: str = "ana") -> dict[str, Any]:
    return {"deal_id": deal.id, "seq": deal.version + 1, "at": at, "actor": actor}


def _next(draw: st.DrawFn, playbook: Playbook, deal: Deal, at: dt.datetime) -> Event:
    choice = draw(st.sampled_from(["log", "next_step", "open", "close"]))
    if choice == "close":
        if deal.is_closed:
            return DealReopened(**_base(deal, at), stage=deal.stage)
        return DealLost(**_base(deal, at), stage=deal.stage,
                        reason=draw(st.sampled_from([r.id for r in playbook.lost_reasons])))
    if choice == "next_step":
        step = draw(st.none() | st.builds(
            NextStep, what=hostile_text(1, 30).filter(str.strip), who=st.just("ana"),
            due=st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31))))
        return NextStepSet(**_base(deal, at), next_step=step)
    if choice == "open":
        rule = draw(st.sampled_from(["follow_up", "check_in", "renewal"]))
        if rule not in deal.items_opened:
            return ItemOpened(**_base(deal, at, SWEEP_ACTOR), source=f"automation:{rule}",
                              item_id=rule, text=draw(hostile_text(1, 40).filter(str.strip)),
                              owner=playbook.our_roles[0].id, due=at.date(), rule=rule)
    return ActivityLogged(**_base(deal, at), kind=draw(st.sampled_from(
        loggable_kinds(playbook))), note=draw(hostile_text(0, 40)))


@st.composite
def timer_histories(draw: st.DrawFn, playbook: Playbook, max_events: int = 12
                    ) -> list[Event]:
    """The events of one deal of `playbook`: its creation, then activity logged, next
    steps, items opened by automation rules, losses and reopenings, hours to weeks apart."""
    at = _START
    created = DealCreated(deal_id="timed-1", seq=1, at=at, actor="ana", title="Timed deal",
                          account="Acme", amount=0, currency="CNY", owner="ana",
                          playbook_id=playbook.id, playbook_version=playbook.version,
                          stage=playbook.stages[0].id)
    events: list[Event] = [created]
    deal = apply_event(None, created, playbook)
    for _ in range(draw(st.integers(0, max_events))):
        at += dt.timedelta(hours=draw(st.integers(1, 24 * 21)))
        event = _next(draw, playbook, deal, at)
        deal = apply_event(deal, event, playbook)
        events.append(event)
    return events
