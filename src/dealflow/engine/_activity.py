"""Timers: a deal's last activity and its own expectation of days in a stage.

A deal's timer starts when it enters its stage and restarts with each activity the
playbook counts (`activity.counts`; every kind when the playbook has no `activity`
section). A stage's `expected_days` is a number or an `Expectation` worked out for the
deal: the first case that holds, else the days for the deal's value of the fact `by`,
else the default.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import ValidationError

from dealflow._days import whole_days
from dealflow._messages import _
from dealflow._plain import plain_errors
from dealflow._problems import did_you_mean
from dealflow.deal import Deal
from dealflow.engine._context import RuleContext
from dealflow.engine._events import apply_event
from dealflow.engine._events_timers import ActivityLogged
from dealflow.engine._gates import Check, GateReport
from dealflow.engine._outcome import Outcome, fails
from dealflow.playbook import ActivityPolicy, Expectation, Playbook, Stage

if TYPE_CHECKING:
    from dealflow.engine._engine import Engine

__all__ = ["expected_days", "last_activity", "log_activity", "loggable_kinds",
           "opened_item_checks", "timer_age"]


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


def loggable_kinds(playbook: Playbook) -> tuple[str, ...]:
    """The kinds of activity people may log on the playbook's deals."""
    return (playbook.activity or ActivityPolicy()).kinds


def log_activity(engine: Engine, deal: Deal, *, kind: str, actor: str, note: str = "",
                 raise_on_refusal: bool = False) -> Outcome:
    """Record activity on the deal (a meeting, a call, ...): an `ActivityLogged` event;
    refused for a kind the playbook does not declare."""
    playbook = engine.playbook
    checks: list[Check] = []
    if (deal.playbook_id, deal.playbook_version) != (playbook.id, playbook.version):
        checks.append(fails("playbook", _("the deal runs under this playbook version"),
                            _("deal {deal} runs under {id} {version}", deal=deal.id,
                              id=deal.playbook_id, version=deal.playbook_version)))
    kinds = loggable_kinds(playbook)
    if kind not in kinds:
        checks.append(fails("kind", _("the kind of activity is one the playbook declares"),
                            _("unknown kind {kind!r}", kind=kind) + did_you_mean(kind, kinds)))
    if not checks:
        try:
            event = ActivityLogged(deal_id=deal.id, seq=deal.version + 1, at=engine.clock(),
                                   actor=actor, kind=kind, note=note)
        except ValidationError as exc:
            checks.append(fails("value", _("every value is in its documented form"),
                                *plain_errors(exc)))
    report = GateReport("log activity", deal.id, deal.stage, deal.stage, tuple(checks))
    if not report.allowed:
        outcome = Outcome(deal, (), report)
        return outcome.raise_for_refusal() if raise_on_refusal else outcome
    return Outcome(apply_event(deal, event, playbook), (event,), report)
