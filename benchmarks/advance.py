"""Gate-checked `advance` of a deal with 8 stakeholders and 5 rule gates, against
(a) a bare `transitions` trigger with the same 5 conditions as Python callables and
(b) a `python-statemachine` trigger with the same 5 guards.

Target: <= 3x (a), and faster than (b).
"""

from __future__ import annotations

import datetime as dt
import sys

from transitions import Machine

from benchmarks._common import Figure, per_call
from dealflow import Deal, Engine, Stakeholder, parse_playbook

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
PLAYBOOK = parse_playbook("""
id: bench
version: "1"
title: Bench
locales: [en]
buyer_phases: [{id: p, name: P}]
stages:
  - id: one
    name: One
    buyer_phase: p
    goal: G
    probability: 10
    gates:
      - {id: g1, text: Pain, when: facts.pain}
      - {id: g2, text: Economic buyer, when: "covered('economic_buyer')"}
      - {id: g3, text: Three people, when: "stakeholders | length >= 3"}
      - {id: g4, text: Support, when: "support_score > 0"}
      - {id: g5, text: Budget, when: "facts.budget >= 50000"}
  - {id: two, name: Two, buyer_phase: p, goal: G, probability: 50}
roles: [{id: economic_buyer, name: EB}, {id: user, name: U}]
our_roles: [{id: sales, name: S}]
facts:
  - {id: pain, name: Pain, type: bool}
  - {id: budget, name: Budget, type: int}
lost_reasons: [{id: lost, name: Lost}]
""", "bench.yaml")

PEOPLE = tuple(
    Stakeholder(id=f"p{i}", name=f"Person {i}", roles=("economic_buyer",) if i == 0 else ("user",),
                stance="champion" if i % 2 else "supporter", influence="high")
    for i in range(8))
DEAL = Deal(id="d1", title="T", account="A", owner="o", playbook_id="bench",
            playbook_version="1", stage="one", facts={"pain": True, "budget": 80000},
            stakeholders=PEOPLE, created_at=NOW, stage_entered_at=NOW)

WEIGHT = {"high": 3, "medium": 2, "low": 1}
VALUE = {"champion": 2, "supporter": 1, "neutral": 0, "unknown": 0, "skeptic": -1,
         "opponent": -2}


def _conditions() -> list:  # type: ignore[type-arg]
    def g1(model: object) -> bool:
        return bool(DEAL.facts.get("pain"))

    def g2(model: object) -> bool:
        return any("economic_buyer" in p.roles for p in DEAL.stakeholders)

    def g3(model: object) -> bool:
        return len(DEAL.stakeholders) >= 3

    def g4(model: object) -> bool:
        total = sum(WEIGHT[p.influence] * VALUE[p.stance] for p in DEAL.stakeholders)
        return total > 0

    def g5(model: object) -> bool:
        return int(DEAL.facts.get("budget", 0)) >= 50000

    return [g1, g2, g3, g4, g5]


class _Model:
    state = "one"


def bare_transitions() -> float:
    machine = Machine(model=None, states=["one", "two"], initial="one", auto_transitions=False,
                      send_event=False)
    conditions = _conditions()
    machine.add_transition("advance", "one", "two",
                           conditions=[lambda c=c: c(None) for c in conditions])
    model = _Model()
    trigger = machine.events["advance"].trigger

    def run() -> None:
        model.state = "one"
        trigger(model)

    return per_call(run, number=5000)


def python_statemachine() -> float:
    from statemachine import State, StateMachine

    g1, g2, g3, g4, g5 = _conditions()

    class Flow(StateMachine):  # type: ignore[misc]
        one = State(initial=True)
        two = State(final=True)
        advance = one.to(two, cond=["c1", "c2", "c3", "c4", "c5"])

        def c1(self) -> bool:
            return g1(None)

        def c2(self) -> bool:
            return g2(None)

        def c3(self) -> bool:
            return g3(None)

        def c4(self) -> bool:
            return g4(None)

        def c5(self) -> bool:
            return g5(None)

    def run() -> None:
        Flow().send("advance")

    return per_call(run, number=1000)


def dealflow_advance() -> float:
    engine = Engine(PLAYBOOK, clock=lambda: NOW)
    assert engine.advance(DEAL, actor="bench").ok

    def run() -> None:
        engine.advance(DEAL, actor="bench")

    return per_call(run, number=2000)


def main(quick: bool = False) -> list[Figure]:
    ours = dealflow_advance()
    bare = bare_transitions()
    psm = python_statemachine()
    return [
        Figure("advance vs bare transitions", ours, "us", bare, "<= 3x", ours <= 3 * bare),
        Figure("advance vs python-statemachine", ours, "us", psm, "< 1x", ours < psm),
    ]


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
