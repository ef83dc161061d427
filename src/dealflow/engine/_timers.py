"""Timers: a deal's last activity and its own expectation of days in a stage.

A deal's timer starts when it enters its stage and restarts with each activity the
playbook counts (`activity.counts`; every kind when the playbook has no `activity`
section). A stage's `expected_days` is a number or an `Expectation` worked out for the
deal: the first case that holds, else the days for the deal's value of the fact `by`,
else the default.
"""

from __future__ import annotations

import datetime as dt

from dealflow._days import whole_days
from dealflow._messages import _
from dealflow.deal import Deal
from dealflow.engine._context import RuleContext
from dealflow.engine._gates import Check
from dealflow.engine._outcome import fails
from dealflow.playbook import Expectation, Playbook, Stage

__all__ = ["expected_days", "last_activity", "opened_item_checks", "timer_age"]


def last_activity(playbook: Playbook, deal: Deal) -> dt.datetime:
    """When the deal's timer last started: its stage entry or the latest counted activity."""
    counted = playbook.activity.counted if playbook.activity is not None else None
    moments = [deal.stage_entered_at]
    moments.extend(at for kind, at in deal.activity.items()
                   if counted is None or kind in counted)
    return max(moments)


def timer_age(playbook: Playbook, deal: Deal, now: dt.datetime) -> int:
    """Whole days from the deal's last activity to `now`."""
    return whole_days(last_activity(playbook, deal), now)


def expected_days(context: RuleContext, stage: Stage | None = None) -> int | None:
    """The days the deal of `context` is expected to stay in `stage` (its own stage by
    default); None when the stage sets no expectation for it."""
    chosen = stage or context.playbook.stage(context.deal.stage)
    days = chosen.expected_days
    if not isinstance(days, Expectation):
        return days
    for case in days.cases:
        if context.holds(case.when):
            return case.days
    if days.by is not None:
        value = context.deal.facts.get(days.by)
        if value is not None and str(value) in days.values:
            return days.values[str(value)]
    return days.default


def opened_item_checks(deal: Deal, item_id: str) -> list[Check]:
    """The checks of completing `item_id`, an item opened on the deal: done only once."""
    if item_id in deal.items_done:
        return [fails("item", _("an item is marked done once"),
                      _("{item} was done by {actor}", item=item_id,
                        actor=deal.items_done[item_id].actor))]
    return []
