"""A deal's health: one score 0-100 from small factors, each with its reason (issue 20).

Each factor is a small function in `FACTORS`, keyed by name: it reads the deal (and its
playbook, at a time) and returns a value from 0 (bad) to 1 (good) with a reason, or None
when it does not apply (no scorecard declared, no expected time for the stage, nothing on
the checklist, no close date). The score is the mean of the applying factors weighted by
the playbook's `health.weights` (a factor not named weighs 1, weight 0 leaves it out),
times 100. The close date counts a quarter less for each push, nothing once it passed
while the deal is open. Another factor is added by putting its function in `FACTORS`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from dealflow._days import whole_days
from dealflow._messages import _, current_locale
from dealflow.deal import Deal, Status
from dealflow.engine import RuleContext, expected_days
from dealflow.playbook import Playbook
from dealflow.sop import build_checklist
from dealflow.stakeholders import analyse_stakeholders
from dealflow.store import Store

__all__ = ["FACTORS", "DealHealth", "HealthFactor", "deal_health", "health_ranking"]

_PENALTY = {"high": 0.25, "medium": 0.1, "low": 0.05}


@dataclass(frozen=True, slots=True)
class HealthFactor:
    """One contribution to a deal's health: its value 0-1, its weight and why."""

    name: str
    value: float
    weight: float
    reason: str


@dataclass(frozen=True, slots=True)
class DealHealth:
    """A deal's health score (0-100) and every factor that made it."""

    deal_id: str
    title: str
    stage: str
    score: int | None
    factors: tuple[HealthFactor, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain data."""
        return {"deal_id": self.deal_id, "title": self.title, "stage": self.stage,
                "score": self.score, "factors": [
                    {"name": f.name, "value": round(f.value, 3), "weight": f.weight,
                     "reason": f.reason} for f in self.factors]}


Factor = Callable[[Playbook, Deal, dt.datetime], tuple[float, str] | None]


def _scorecard(playbook: Playbook, deal: Deal, now: dt.datetime) -> tuple[float, str] | None:
    card = playbook.scorecard
    if card is None:
        return None
    levels = [deal.scores[c.id].level if c.id in deal.scores else 0 for c in card.criteria]
    falling = [c.id for c in card.criteria if c.id in deal.scores
               and (deal.scores[c.id].previous or 0) > deal.scores[c.id].level]
    reason = _("{card} {total} of {most}", card=playbook.text(card.name), total=sum(levels),
               most=3 * len(levels))
    if falling:
        reason += "; " + _("falling: {criteria}", criteria=", ".join(falling))
    return sum(levels) / (3 * len(levels)), reason


def _red_flags(playbook: Playbook, deal: Deal, now: dt.datetime) -> tuple[float, str]:
    flags = analyse_stakeholders(playbook, deal, now=now).red_flags
    value = max(0.0, 1.0 - sum(_PENALTY.get(flag.severity, 0.1) for flag in flags))
    if not flags:
        return value, _("no red flags")
    counted = Counter(flag.code for flag in flags)  # each code once: `not_contacted ×3`
    return value, _("{count} red flag(s): {codes}", count=len(flags), codes=", ".join(
        code if times == 1 else f"{code} ×{times}" for code, times in counted.items()))


def _time_in_stage(playbook: Playbook, deal: Deal, now: dt.datetime) -> tuple[float, str] | None:
    expected = expected_days(RuleContext(playbook, deal, now))  # the deal's own expectation
    if expected is None:
        return None
    days = whole_days(deal.stage_entered_at, now)
    value = 1.0 if days <= expected else max(0.0, 1.0 - (days - expected) / expected)
    stage = playbook.text(playbook.stage(deal.stage).name, current_locale())
    return value, _("{days} days in {stage}, {expected} expected", days=days, stage=stage,
                    expected=expected)


def _checklist(playbook: Playbook, deal: Deal, now: dt.datetime) -> tuple[float, str] | None:
    items = [item for item in build_checklist(playbook, deal, now=now).items
             if item.state != "not_applicable"]
    if not items:
        return None
    overdue = sum(item.state == "overdue" for item in items)
    done = sum(item.state == "done" for item in items)
    return 1.0 - overdue / len(items), _("{done} of {count} items done, {overdue} overdue",
                                         done=done, count=len(items), overdue=overdue)


#: The factors of a deal's health, by name (the names `health.weights` may weigh).
def _close_date(playbook: Playbook, deal: Deal, now: dt.datetime) -> tuple[float, str] | None:
    """A close date that slipped, or passed while the deal is open, counts against it."""
    if deal.close_date is None and not deal.close_date_pushes:
        return None
    value = max(0.0, 1.0 - 0.25 * deal.close_date_pushes)
    if deal.close_date is not None and deal.close_date < now.date():
        return 0.0, _("the close date {day} has passed", day=deal.close_date)
    if not deal.close_date_pushes:
        return value, _("the close date has not moved")
    return value, _("the close date moved later {count} time(s), {days} days in all",
                    count=deal.close_date_pushes, days=deal.close_date_slipped)


FACTORS: dict[str, Factor] = {
    "scorecard": _scorecard,
    "red_flags": _red_flags,
    "time_in_stage": _time_in_stage,
    "checklist": _checklist,
    "close_date": _close_date,
}


def deal_health(playbook: Playbook, deal: Deal, *, now: dt.datetime | None = None) -> DealHealth:
    """The health of `deal` at `now`: the score and every factor that applies."""
    moment = now or dt.datetime.now(dt.UTC)
    weights = playbook.health.weights
    factors = []
    for name, factor in FACTORS.items():
        weight = float(weights.get(name, 1.0))
        found = factor(playbook, deal, moment) if weight > 0 else None
        if found is not None:
            factors.append(HealthFactor(name, found[0], weight, found[1]))
    total = sum(f.weight for f in factors)
    score = round(100 * sum(f.value * f.weight for f in factors) / total) if total else None
    return DealHealth(deal.id, deal.title, deal.stage, score, tuple(factors))


def health_ranking(store: Store, *, playbook: Playbook | str | None = None,
                   now: dt.datetime | None = None) -> list[DealHealth]:
    """The open deals of one playbook, least healthy first (see `Store.choose_playbook`)."""
    chosen = store.choose_playbook(playbook)
    moment = now or dt.datetime.now(dt.UTC)
    found = []
    for deal in store.list_deals(playbook_id=chosen.id):
        if deal.status not in (Status.open, Status.on_hold):
            continue
        runs_under = store.engine_for(deal).playbook
        found.append(deal_health(runs_under, deal, now=moment))
    return sorted(found, key=lambda h: (h.score if h.score is not None else 101, h.deal_id))
