"""SOP compliance figures match a hand count."""

from __future__ import annotations

import datetime as dt

import pytest

from dealflow import Engine, Playbook, parse_playbook
from dealflow.engine import Event
from dealflow.sop import audit_deal, compliance

DAY0 = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)

PLAYBOOK_TEXT = """
id: two-stage
version: "1"
title: Two stages
locales: [en]
buyer_phases: [{id: needs, name: Needs}]
stages:
  - id: s1
    name: One
    buyer_phase: needs
    goal: First
    probability: 20
    gates: [{id: g1, text: Always, when: "true"}]
    items:
      - {id: a1, text: First item, owner: sales, due_days: 2}
      - {id: a2, text: Second item, owner: presales, due_days: 3}
  - id: s2
    name: Two
    buyer_phase: needs
    goal: Second
    probability: 60
    items:
      - {id: b1, text: Third item, owner: sales, due_days: 1}
      - {id: b2, text: Fourth item, owner: presales, due_days: 10}
roles: [{id: buyer, name: Buyer}]
our_roles: [{id: sales, name: Sales}, {id: presales, name: Presales}]
lost_reasons: [{id: competitor, name: Competitor}]
"""


@pytest.fixture
def playbook() -> Playbook:
    return parse_playbook(PLAYBOOK_TEXT, "two-stage.yaml")


class _Clock:
    def __init__(self) -> None:
        self.now = DAY0

    def __call__(self) -> dt.datetime:
        return self.now

    def day(self, n: int) -> None:
        self.now = DAY0 + dt.timedelta(days=n)


def _history(playbook: Playbook) -> tuple[list[Event], list[Event]]:
    clock = _Clock()
    engine = Engine(playbook, clock=clock)
    a_events: list[Event] = []
    b_events: list[Event] = []

    def run(events: list[Event], outcome_events: tuple[Event, ...]) -> None:
        events.extend(outcome_events)

    a = engine.create(deal_id="A", title="A", account="X", owner="o", actor="o")
    run(a_events, a.events)
    deal = a.deal
    clock.day(1)
    out = engine.complete_item(deal, "a1", actor="o", raise_on_refusal=True)
    run(a_events, out.events)
    clock.day(5)
    out = engine.complete_item(out.deal, "a2", actor="o", raise_on_refusal=True)
    run(a_events, out.events)
    clock.day(6)
    out = engine.advance(out.deal, actor="o", raise_on_refusal=True)
    run(a_events, out.events)
    clock.day(9)
    out = engine.lose(out.deal, reason="competitor", actor="o", raise_on_refusal=True)
    run(a_events, out.events)

    clock.day(0)
    b = engine.create(deal_id="B", title="B", account="Y", owner="o", actor="o")
    run(b_events, b.events)
    clock.day(3)
    out = engine.complete_item(b.deal, "a2", actor="o", raise_on_refusal=True)
    run(b_events, out.events)
    return a_events, b_events


def test_one_deal_is_audited_visit_by_visit(playbook: Playbook) -> None:
    a_events, _ = _history(playbook)
    records = {(r.stage, r.item_id): r.outcome for r in audit_deal(playbook, a_events,
                                                                    now=DAY0)}
    assert records == {("s1", "a1"): "on_time", ("s1", "a2"): "late",
                       ("s2", "b1"): "skipped", ("s2", "b2"): "skipped"}


def test_compliance_over_deals_matches_the_hand_count(playbook: Playbook) -> None:
    a_events, b_events = _history(playbook)
    result = compliance(playbook, [a_events, b_events], now=DAY0 + dt.timedelta(days=4))
    total = result.total
    assert (total.on_time, total.late, total.overdue, total.skipped, total.open) == (2, 1, 1, 2, 0)
    assert total.rate == pytest.approx(2 / 6)
    s1, s2 = result.by_stage["s1"], result.by_stage["s2"]
    assert (s1.on_time, s1.late, s1.overdue, s1.skipped) == (2, 1, 1, 0)
    assert (s2.on_time, s2.late, s2.overdue, s2.skipped) == (0, 0, 0, 2)
    sales, presales = result.by_owner["sales"], result.by_owner["presales"]
    assert (sales.on_time, sales.late, sales.overdue, sales.skipped) == (1, 0, 1, 1)
    assert (presales.on_time, presales.late, presales.overdue, presales.skipped) == (1, 1, 0, 1)


def test_an_item_not_yet_due_is_open_and_does_not_count_against_the_rate(
    playbook: Playbook,
) -> None:
    _, b_events = _history(playbook)
    result = compliance(playbook, [b_events], now=DAY0 + dt.timedelta(days=1))
    assert (result.total.open, result.total.on_time) == (1, 1)
    assert result.total.rate == 1.0
