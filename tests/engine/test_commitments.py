"""Close dates, the close plan and plays taken on: what each operation needs, what it
refuses, what it records, and that the events replay to the same deal (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from dealflow import (
    Engine,
    Outcome,
    PlayResult,
    PlayState,
    StepStatus,
    add_plan_step,
    agree_plan,
    complete_play,
    decline_play,
    firing_plays,
    parse_playbook,
    replay,
    seed_close_plan,
    set_close_date,
    take_play,
    update_plan_step,
)
from dealflow.engine import CloseDateSet, evaluate_rule
from dealflow.rules import compile_rule
from tests.conftest import FIXED, LAB_PLAYBOOK

if TYPE_CHECKING:
    from tests.conftest import DealLog, Drive

TODAY = FIXED.date()


def _new(engine: Engine) -> DealLog:
    from tests.conftest import DealLog

    created = engine.create(deal_id="C-1", title="Upgrade", account="Acme", owner="li",
                            actor="li", amount=1000)
    return DealLog(engine, created.deal, list(created.events))


def _reasons(outcome: Outcome) -> str:
    return str(outcome.report)


@pytest.fixture
def lab_engine() -> Engine:
    from dealflow import load_playbook

    return Engine(load_playbook(LAB_PLAYBOOK), clock=lambda: FIXED)


@pytest.fixture(params=["complex-b2b", "lab-subscriptions"])
def any_engine(request: pytest.FixtureRequest, engine: Engine, lab_engine: Engine) -> Engine:
    return engine if request.param == "complex-b2b" else lab_engine


def test_each_close_date_change_records_the_old_and_the_new_date_and_replays(
        any_engine: Engine) -> None:
    log = _new(any_engine)
    first, later = TODAY + dt.timedelta(days=30), TODAY + dt.timedelta(days=60)
    log.record(set_close_date(any_engine, log.deal, first, actor="li"))
    log.record(set_close_date(any_engine, log.deal, later, actor="li", note="budget slips"))
    last = log.events[-1]
    assert isinstance(last, CloseDateSet)
    assert (last.previous, last.close_date, last.note) == (first, later, "budget slips")
    assert last.pushed_days == 30
    assert log.deal.close_date == later
    assert replay(log.events, any_engine.playbook) == log.deal


def test_setting_the_same_close_date_again_is_refused_and_says_so(engine: Engine) -> None:
    log = _new(engine)
    day = TODAY + dt.timedelta(days=10)
    log.record(set_close_date(engine, log.deal, day, actor="li"))
    refused = set_close_date(engine, log.deal, day, actor="li")
    assert not refused.ok
    assert refused.events == ()
    assert f"the close date is {day} already" in _reasons(refused)


def test_a_close_date_out_of_range_is_refused_not_raised(engine: Engine) -> None:
    log = _new(engine)
    refused = set_close_date(engine, log.deal, dt.date(1800, 1, 1), actor="li")
    assert not refused.ok
    assert "close_date" in _reasons(refused)


def test_a_closed_deal_takes_no_new_close_date(engine: Engine) -> None:
    log = _new(engine)
    log.record(engine.lose(log.deal, reason=engine.playbook.lost_reasons[0].id, actor="li"))
    refused = set_close_date(engine, log.deal, TODAY, actor="li")
    assert not refused.ok
    assert "is lost" in _reasons(refused)


def test_a_close_plan_is_built_updated_and_agreed_and_replays(drive: Drive) -> None:
    log = drive("negotiate")
    engine = log.engine
    due = TODAY + dt.timedelta(days=14)
    log.record(add_plan_step(engine, log.deal, what="Legal review", due=due, our_owner="sales",
                             their_owner="paula", actor="li"))
    step = log.deal.close_plan[-1]
    assert (step.id, step.their_owner, step.status) == (
        f"step-{len(log.deal.close_plan)}", "paula", StepStatus.planned)
    log.record(update_plan_step(engine, log.deal, step.id, actor="li", status="done",
                                evidence="Redlines returned"))
    log.record(agree_plan(engine, log.deal, stakeholder="eric", actor="li"))
    assert log.deal.close_plan[-1].status is StepStatus.done
    assert log.deal.plan_agreed is not None
    assert log.deal.plan_agreed.on == TODAY
    assert replay(log.events, engine.playbook) == log.deal


@pytest.mark.parametrize(("changes", "fragment"), [
    pytest.param({"status": "finished"}, "status", id="unknown-status"),
    pytest.param({"their_owner": "nobody"}, "no stakeholder 'nobody'", id="unknown-person"),
    pytest.param({"colour": "red"}, "cannot change 'colour'", id="unknown-field"),
    pytest.param({"what": ""}, "what", id="empty-what"),
])
def test_a_bad_step_update_is_refused_naming_the_field(drive: Drive, changes: dict[str, str],
                                                       fragment: str) -> None:
    log = drive("qualify")
    log.record(add_plan_step(log.engine, log.deal, what="Visit", due=TODAY, our_owner="sales",
                             actor="li"))
    refused = update_plan_step(log.engine, log.deal, "step-1", actor="li", **changes)
    assert not refused.ok
    assert refused.events == ()
    assert fragment in _reasons(refused)


def test_an_empty_plan_cannot_be_agreed(drive: Drive) -> None:
    log = drive("qualify")
    refused = agree_plan(log.engine, log.deal, stakeholder="eric", actor="li")
    assert "close plan of D-1 is empty" in _reasons(refused)


def test_the_rule_helpers_read_the_close_date_and_the_plan(drive: Drive) -> None:
    log = drive("qualify")
    engine = log.engine

    def holds(source: str) -> bool:
        return evaluate_rule(compile_rule(source), engine.context(log.deal))[0]

    assert not holds("close_date_set()")
    assert not holds("close_plan_agreed()")
    log.record(set_close_date(engine, log.deal, TODAY + dt.timedelta(days=5), actor="li"))
    log.record(add_plan_step(engine, log.deal, what="Visit", our_owner="sales", actor="li",
                             due=TODAY - dt.timedelta(days=1)))
    assert holds("close_date_set()")
    assert holds("plan_overdue()")
    log.record(agree_plan(engine, log.deal, stakeholder="ines", actor="li"))
    assert holds("close_plan_agreed()")
    log.record(update_plan_step(engine, log.deal, "step-1", actor="li", status="dropped"))
    assert not holds("plan_overdue()")
    assert not holds("close_plan_agreed()")


SEEDED = """
id: seeded
version: "1"
locales: [en]
title: Seeded plans
buyer_phases: [{id: buy, name: Buying}]
stages:
  - id: talk
    name: Talk
    buyer_phase: buy
    goal: Agree the way to a signature
    probability: 30
    gates:
      - id: plan_agreed
        text: The close plan is agreed with the customer
        when: close_plan_agreed()
      - id: dated
        text: The deal has an expected close date
        when: close_date_set()
    close_plan:
      - id: legal
        what: "Legal review of the contract for {{ deal.account }}"
        our_owner: rep
        their_role: buyer
        due_days: 10
      - id: sign
        what: Signature
        our_owner: rep
        due_days: 20
  - id: sign
    name: Sign
    buyer_phase: buy
    goal: Sign
    probability: 80
roles: [{id: buyer, name: Buyer}]
our_roles: [{id: rep, name: Rep}]
lost_reasons: [{id: gone, name: Gone}]
"""


@pytest.fixture
def seeded() -> Engine:
    return Engine(parse_playbook(SEEDED), clock=lambda: FIXED)


def test_seeding_renders_the_stages_steps_with_owners_on_both_sides(seeded: Engine) -> None:
    from dealflow import Stakeholder

    log = _new(seeded)
    log.record(seeded.add_stakeholder(log.deal, Stakeholder(id="bo", name="Bo",
                                                            roles=("buyer",)), actor="li"))
    outcome = log.record(seed_close_plan(seeded, log.deal, actor="li"))
    legal, sign = outcome.close_plan
    assert legal.what == "Legal review of the contract for Acme"
    assert (legal.due, legal.their_owner, legal.template) == (
        TODAY + dt.timedelta(days=10), "bo", "legal")
    assert (sign.their_owner, sign.our_owner) == (None, "rep")
    again = seed_close_plan(seeded, log.deal, actor="li")
    assert "already" in _reasons(again)
    assert replay(log.events, seeded.playbook) == log.deal


def test_gates_on_the_plan_and_the_close_date_say_what_is_missing(seeded: Engine) -> None:
    log = _new(seeded)
    refused = seeded.advance(log.deal, actor="li")
    text = _reasons(refused)
    assert "the deal has no close plan" in text
    assert "the deal has no expected close date" in text


def test_a_stage_without_steps_has_nothing_to_seed(lab_engine: Engine) -> None:
    log = _new(lab_engine)
    refused = seed_close_plan(lab_engine, log.deal, actor="li")
    assert "declares no close-plan steps" in _reasons(refused)


def test_a_close_plan_step_with_an_unknown_owner_fails_the_load() -> None:
    from dealflow import PlaybookError

    with pytest.raises(PlaybookError, match=r"close_plan\[0\]\.our_owner"):
        parse_playbook(SEEDED.replace("our_owner: rep\n        their_role",
                                      "our_owner: nobody\n        their_role"))


def _opposed(drive: Drive) -> DealLog:
    from dealflow import Influence, Stance

    log = drive("discover")
    log.record(log.engine.update_stakeholder(log.deal, "tara", actor="li",
                                             stance=Stance.opponent,
                                             influence=Influence.high))
    return log


def test_a_firing_play_is_taken_on_then_completed_with_an_outcome(drive: Drive) -> None:
    log = _opposed(drive)
    engine = log.engine
    assert "high_influence_opponent" in firing_plays(engine.playbook, log.deal, FIXED)
    log.record(take_play(engine, log.deal, "high_influence_opponent", actor="li",
                         owner="wang.manager"))
    record = log.deal.plays["high_influence_opponent"]
    assert (record.state, record.owner, record.taken_at) == (PlayState.taken, "wang.manager",
                                                            FIXED)
    again = take_play(engine, log.deal, "high_influence_opponent", actor="li")
    assert "was taken on by wang.manager" in _reasons(again)
    log.record(complete_play(engine, log.deal, "high_influence_opponent", actor="li",
                             outcome="helped", note="Tara now backs a staged cut-over"))
    record = log.deal.plays["high_influence_opponent"]
    assert (record.state, record.outcome, record.owner) == (
        PlayState.completed, PlayResult.helped, "wang.manager")
    assert replay(log.events, engine.playbook) == log.deal


def test_a_play_that_does_not_fire_cannot_be_taken_or_declined(drive: Drive) -> None:
    log = drive("discover")
    refused = take_play(log.engine, log.deal, "high_influence_opponent", actor="li")
    assert "does not fire for D-1 now" in _reasons(refused)
    refused = decline_play(log.engine, log.deal, "high_influence_opponent", actor="li",
                           reason="no time")
    assert "does not fire" in _reasons(refused)
    unknown = take_play(log.engine, log.deal, "high_influence_oponent", actor="li")
    assert "did you mean 'high_influence_opponent'" in _reasons(unknown)


def test_a_play_is_declined_with_a_reason_and_completing_it_then_is_refused(
        drive: Drive) -> None:
    log = _opposed(drive)
    empty = decline_play(log.engine, log.deal, "high_influence_opponent", actor="li",
                         reason=" ")
    assert "declining a play needs a reason" in _reasons(empty)
    log.record(decline_play(log.engine, log.deal, "high_influence_opponent", actor="li",
                            reason="Tara leaves in May"))
    assert log.deal.plays["high_influence_opponent"].state is PlayState.declined
    refused = complete_play(log.engine, log.deal, "high_influence_opponent", actor="li",
                            outcome="helped")
    assert "is not taken on" in _reasons(refused)


def test_a_play_without_plays_in_the_playbook_is_unknown(lab_engine: Engine) -> None:
    log = _new(lab_engine)
    assert firing_plays(lab_engine.playbook, log.deal, FIXED) == []
    refused = take_play(lab_engine, log.deal, "no_champion", actor="li")
    assert "unknown play 'no_champion'" in _reasons(refused)

