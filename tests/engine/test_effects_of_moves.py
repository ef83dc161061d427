"""Effects that open items, and effects a declared move carries (issue 18): recorded with
the move, once, replayed exactly, checked at load time; on any playbook."""

from __future__ import annotations

import datetime as dt

import pytest

from dealflow import Engine, PlaybookError, Stakeholder, parse_playbook
from dealflow.engine import EffectApplied, ItemOpened
from tests.conftest import FIXED, LAB_PLAYBOOK, DealLog

REVIEW = """    on_enter:
      - open_item: {id: book_trial_review, text: Book the trial review, owner: OWNER, due_days: 3}
"""
MOVES = """moves:
  lose:
    effects:
      - {set: trial_outcome, value: failed}
"""


def _lab(owner: str = "field_engineer", extra: str = MOVES) -> str:
    text = LAB_PLAYBOOK.read_text(encoding="utf-8")
    anchor = "    required_roles: [lab_head]\n"
    return text.replace(anchor, anchor + REVIEW.replace("OWNER", owner), 1) + extra


@pytest.fixture
def log() -> DealLog:
    engine = Engine(parse_playbook(_lab(), "lab-effects.yaml"), clock=lambda: FIXED)
    created = engine.create(deal_id="E-1", title="Spectrometer", account="Lab A", owner="ana",
                            actor="ana")
    log = DealLog(engine, created.deal, list(created.events))
    log.record(engine.set_fact(log.deal, "use_case_named", True, actor="ana"))
    return log


def test_entering_a_stage_opens_its_item_once(log: DealLog) -> None:
    log.record(log.engine.advance(log.deal, actor="ana"))
    opened = [e for e in log.events if isinstance(e, ItemOpened)]
    log.record(log.engine.move_back(log.deal, reason="scope changed", actor="ana"))
    log.record(log.engine.advance(log.deal, actor="ana"))

    (event,) = opened
    assert (event.item_id, event.owner, event.due) == (
        "book_trial_review", "field_engineer", FIXED.date() + dt.timedelta(days=3))
    assert event.source == "on_enter of trial_run"
    assert [e for e in log.events if isinstance(e, ItemOpened)] == opened
    assert "book_trial_review" in log.deal.items_opened
    assert log.engine.replay(log.events) == log.deal


def test_a_declared_move_sets_its_facts(log: DealLog) -> None:
    log.record(log.engine.lose(log.deal, reason="went_dark", actor="ana"))

    (effect,) = [e for e in log.events if isinstance(e, EffectApplied)]
    assert (effect.name, effect.value, effect.effect) == ("trial_outcome", "failed",
                                                          "moves.lose")
    assert log.deal.facts["trial_outcome"] == "failed"
    assert log.engine.replay(log.events) == log.deal


def test_a_refused_move_runs_no_effect(log: DealLog) -> None:
    log.record(log.engine.add_stakeholder(log.deal, Stakeholder(
        id="hana", name="Hana", roles=("lab_head",)), actor="ana"))
    log.record(log.engine.advance(log.deal, actor="ana"))
    before = len(log.events)

    refused = log.engine.advance(log.deal, actor="ana")  # the trial has not passed

    assert not refused.ok
    assert refused.events == ()
    assert len(log.events) == before


@pytest.mark.parametrize(("text", "said"), [
    pytest.param(_lab(owner="nobody"), "stages[1].on_enter[0].open_item.owner", id="owner"),
    pytest.param(_lab(extra=MOVES.replace("{set: trial_outcome, value: failed}",
                                          "{set: seats, open_item: {id: x, text: t, "
                                          "owner: ae}}")),
                 "an effect that opens an item sets no fact", id="both"),
    pytest.param(_lab(extra=MOVES.replace("trial_outcome", "outcome_of_trial")),
                 "moves.lose.effects[0].set", id="unknown-fact"),
])
def test_a_bad_effect_is_refused_at_load_time_with_its_place(text: str, said: str) -> None:
    with pytest.raises(PlaybookError) as refused:
        parse_playbook(text, "lab-effects.yaml")

    assert said in str(refused.value)
