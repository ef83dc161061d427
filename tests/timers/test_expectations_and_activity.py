"""A stage's expectation may depend on the deal, and activity the playbook counts
restarts a deal's timer (`days_since_activity`, `stalled`)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from dealflow import NextStep, Playbook, Stakeholder, Store, parse_playbook, stalled
from dealflow.engine import expected_days, log_activity
from dealflow.playbook import lint_playbook
from tests.timers.conftest import TIMED_PLAYBOOK, Clock, open_deal


def _context(store: Store, deal_id: str):  # type: ignore[no-untyped-def]
    deal = store.get(deal_id)
    return store.engine_for(deal).context(deal)


@pytest.mark.parametrize(("segment", "days"), [
    ("large", 45), ("mid", 21), ("small", 7), (None, 21),
], ids=["large", "mid", "small", "unset-gets-the-default"])
def test_the_expectation_is_the_days_of_the_deals_segment(
    store: Store, segment: str | None, days: int,
) -> None:
    open_deal(store, "d1", segment)
    assert expected_days(_context(store, "d1")) == days


def test_the_first_case_that_holds_comes_before_the_segment(store: Store, clock: Clock) -> None:
    open_deal(store, "big", "small", amount=250000)
    for fact in ("demo_booked",):
        store.apply("big", lambda engine, deal, fact=fact: engine.set_fact(
            deal, fact, True, actor="ana"))
    store.apply("big", lambda engine, deal: engine.advance(deal, actor="ana"))
    assert expected_days(_context(store, "big")) == 60


def test_a_fixed_expectation_is_the_same_for_every_deal(lab: Playbook, clock: Clock) -> None:
    with Store("sqlite://", playbook=lab, clock=clock) as lab_store:
        lab_store.create(deal_id="l1", title="T", account="A", owner="ana", actor="ana")
        assert expected_days(_context(lab_store, "l1")) == lab.stages[0].expected_days


def _log(kind: str):  # type: ignore[no-untyped-def]
    return lambda engine, deal: log_activity(engine, deal, kind=kind, actor="ana")


@pytest.mark.parametrize(("operation", "restarts"), [
    (_log("meeting"), True),
    (_log("site_visit"), True),
    (_log("call"), False),
    (lambda engine, deal: engine.set_next_step(deal, NextStep(
        what="Demo", who="ana", due=dt.date(2026, 4, 1)), actor="ana"), True),
    (lambda engine, deal: engine.complete_item(deal, "qualify_segment", actor="ana"), True),
    (lambda engine, deal: engine.add_stakeholder(deal, Stakeholder(
        id="olga", name="Olga", roles=("owner_manager",),
        last_contact=dt.date(2026, 3, 12)), actor="ana"), True),
    (lambda engine, deal: engine.add_stakeholder(deal, Stakeholder(
        id="olga", name="Olga", roles=("owner_manager",)), actor="ana"), False),
    (lambda engine, deal: engine.set_fact(deal, "demo_booked", True, actor="ana"), False),
], ids=["meeting", "site-visit", "call-not-counted", "next-step", "item-done",
        "stakeholder-contacted", "stakeholder-without-contact", "fact-set"])
def test_counted_activity_restarts_the_timer_and_other_changes_do_not(
    store: Store, clock: Clock, operation, restarts: bool,  # type: ignore[no-untyped-def]
) -> None:
    open_deal(store, "d1", "small")
    clock.move_on(10)
    assert store.apply("d1", operation).ok
    clock.move_on(2)
    ctx = _context(store, "d1")
    assert ctx["days_in_stage"] == 12
    assert ctx["days_since_activity"] == (2 if restarts else 12)
    assert [d.deal_id for d in stalled(store, now=clock())] == ([] if restarts else ["d1"])


def test_entering_a_stage_restarts_the_timer(store: Store, clock: Clock) -> None:
    open_deal(store, "d1", "large")
    clock.move_on(30)
    store.apply("d1", lambda engine, deal: engine.set_fact(deal, "demo_booked", True,
                                                           actor="ana"))
    store.apply("d1", lambda engine, deal: engine.advance(deal, actor="ana"))
    clock.move_on(1)
    assert _context(store, "d1")["days_since_activity"] == 1


def test_without_an_activity_section_every_kind_counts_and_stalled_counts_days_in_stage(
    lab: Playbook, clock: Clock,
) -> None:
    with Store("sqlite://", playbook=lab, clock=clock) as lab_store:
        lab_store.create(deal_id="l1", title="T", account="A", owner="ana", actor="ana")
        clock.move_on(11)
        assert lab_store.apply("l1", _log("email")).ok
        clock.move_on(1)
        assert _context(lab_store, "l1")["days_since_activity"] == 1
        assert [d.deal_id for d in stalled(lab_store, now=clock())] == ["l1"]


def test_stalled_measures_each_deal_against_its_own_expectation(
    store: Store, clock: Clock,
) -> None:
    for deal_id, segment in [("big", "large"), ("middle", "mid"), ("tiny", "small")]:
        open_deal(store, deal_id, segment)
    clock.move_on(22)
    found = [(d.deal_id, d.limit) for d in stalled(store, now=clock())]
    assert found == [("middle", 21.0), ("tiny", 7.0)]


@pytest.mark.parametrize("kind", ["lunch", "Meeting", "next_step"],
                         ids=["unknown", "wrong-case", "recorded-kind"])
def test_logging_an_undeclared_kind_is_refused_naming_a_declared_one(
    store: Store, kind: str,
) -> None:
    open_deal(store, "d1")
    outcome = store.apply("d1", _log(kind))
    assert not outcome.ok
    assert not outcome.events
    reasons = [m for check in outcome.report.blocking for m in check.missing]
    assert any(f"unknown kind {kind!r}" in reason and "meeting" in reason for reason in reasons)
    assert store.get("d1").activity == {}


def test_logging_on_a_playbook_without_kinds_accepts_the_default_ones(
    lab: Playbook, clock: Clock,
) -> None:
    with Store("sqlite://", playbook=lab, clock=clock) as lab_store:
        lab_store.create(deal_id="l1", title="T", account="A", owner="ana", actor="ana")
        assert lab_store.apply("l1", _log("meeting")).ok
        assert not lab_store.apply("l1", _log("site_visit")).ok
        assert lab_store.get("l1").activity == {"meeting": clock()}


def _lint_codes(data: dict[str, object]) -> list[tuple[str, str]]:
    playbook = parse_playbook(yaml.safe_dump(data, allow_unicode=True), "linted.yaml")
    return [(f.code, f.path) for f in lint_playbook(playbook) if f.code in ("DF110", "DF115",
                                                                            "DF116")]


def _example() -> dict[str, object]:
    return yaml.safe_load(TIMED_PLAYBOOK.read_text(encoding="utf-8"))


def test_the_example_playbook_lints_clean_of_timer_findings() -> None:
    assert _lint_codes(_example()) == []


def test_an_expectation_without_days_for_a_value_and_no_default_is_flagged() -> None:
    data = _example()
    stage = data["stages"][0]  # type: ignore[index]
    stage["expected_days"] = {"by": "segment", "values": {"large": 45}}
    assert _lint_codes(data) == [("DF115", "stages[0].expected_days.values")]


def test_an_automation_rule_that_reads_no_time_is_flagged() -> None:
    data = _example()
    data["automation"].append({"id": "always", "text": "Every small deal",  # type: ignore[union-attr]
                               "when": "facts.segment == 'small'", "remind": True})
    assert _lint_codes(data) == [("DF116", "automation[5].when")]


def test_a_fact_used_only_to_key_an_expectation_counts_as_used() -> None:
    data = _example()
    data["automation"] = [rule for rule in data["automation"]  # type: ignore[attr-defined]
                          if "segment" not in rule["when"]]
    assert _lint_codes(data) == []
