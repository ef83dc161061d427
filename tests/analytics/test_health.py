"""A deal's health: the factors, their weights and reasons, and the ranking of open deals."""

from __future__ import annotations

import datetime as dt

import pytest

from dealflow import Engine, Playbook, Stakeholder, load_playbook, set_close_date
from dealflow.analytics import FACTORS, deal_health
from dealflow.playbook import parse_playbook
from tests.conftest import FIXED, LAB_PLAYBOOK, DealLog

LATER = FIXED + dt.timedelta(days=200)


def new_deal(playbook: Playbook) -> DealLog:
    engine = Engine(playbook, clock=lambda: FIXED)
    created = engine.create(deal_id="H-1", title="Health", account="Co", owner="li",
                            actor="t")
    return DealLog(engine, created.deal, list(created.events))


def test_health_always_lists_the_factors_that_made_it(any_playbook: Playbook) -> None:
    log = new_deal(any_playbook)
    log.record(log.engine.add_stakeholder(log.deal, Stakeholder(
        id="p", name="P", influence="high"), actor="t"))

    health = deal_health(any_playbook, log.deal, now=FIXED)

    assert health.score is not None
    assert 0 <= health.score <= 100
    assert health.factors
    assert {f.name for f in health.factors} <= set(FACTORS)
    assert all(f.reason for f in health.factors)
    red = next(f for f in health.factors if f.name == "red_flags")
    assert "no_relationship_owner" in red.reason


def test_a_scorecard_scored_high_makes_a_deal_healthier_and_a_fall_is_named() -> None:
    playbook = load_playbook()
    log = new_deal(playbook)
    before = deal_health(playbook, log.deal, now=FIXED)
    for criterion in playbook.scorecard.criteria:  # type: ignore[union-attr]
        log.record(log.engine.score(log.deal, criterion.id, 3, actor="t", evidence="seen"))
    log.record(log.engine.score(log.deal, "champion", 1, actor="t"))

    after = deal_health(playbook, log.deal, now=FIXED)

    card = next(f for f in after.factors if f.name == "scorecard")
    assert card.value == pytest.approx(22 / 24)
    assert "falling: champion" in card.reason
    assert after.score is not None
    assert before.score is not None
    assert after.score > before.score
    assert log.deal.scores["champion"].previous == 3


def test_time_beyond_the_stages_expectation_lowers_health(any_playbook: Playbook) -> None:
    expected = any_playbook.stages[0].expected_days
    if expected is None:
        pytest.skip("the first stage expects no time")
    log = new_deal(any_playbook)

    fresh = deal_health(any_playbook, log.deal, now=FIXED)
    stale = deal_health(any_playbook, log.deal, now=LATER)

    timing = {h: next(f for f in h.factors if f.name == "time_in_stage") for h in (fresh, stale)}
    assert timing[fresh].value == 1.0
    assert timing[stale].value == 0.0
    assert f"{expected} expected" in timing[stale].reason


def test_a_weight_of_zero_leaves_a_factor_out() -> None:
    text = LAB_PLAYBOOK.read_text(encoding="utf-8") + (
        "health:\n  weights: {red_flags: 0, time_in_stage: 3}\n")
    playbook = parse_playbook(text, "lab-weighted.yaml")
    log = new_deal(playbook)

    health = deal_health(playbook, log.deal, now=FIXED)

    assert "red_flags" not in {f.name for f in health.factors}
    assert next(f for f in health.factors if f.name == "time_in_stage").weight == 3.0


@pytest.mark.parametrize(("pushes", "now", "value", "said"), [
    pytest.param(0, FIXED, 1.0, "has not moved", id="kept"),
    pytest.param(2, FIXED, 0.5, "moved later 2 time(s), 20 days in all", id="slipped-twice"),
    pytest.param(0, LATER, 0.0, "has passed", id="passed"),
])
def test_a_close_date_that_slips_or_passes_lowers_health(
    any_playbook: Playbook, pushes: int, now: dt.datetime, value: float, said: str,
) -> None:
    log = new_deal(any_playbook)
    day = FIXED.date() + dt.timedelta(days=30)
    log.record(set_close_date(log.engine, log.deal, day, actor="t"))
    for push in range(pushes):
        day += dt.timedelta(days=10)
        log.record(set_close_date(log.engine, log.deal, day, actor="t", note=f"push {push}"))

    factor = next(f for f in deal_health(any_playbook, log.deal, now=now).factors
                  if f.name == "close_date")

    assert (factor.value, log.deal.close_date_pushes) == (value, pushes)
    assert said in factor.reason
    assert log.engine.replay(log.events) == log.deal


def test_a_deal_without_a_close_date_has_no_close_date_factor(any_playbook: Playbook) -> None:
    health = deal_health(any_playbook, new_deal(any_playbook).deal, now=FIXED)

    assert "close_date" not in {f.name for f in health.factors}
