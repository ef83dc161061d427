"""Rule evaluation: `explain` over many deals x 5 rules in memory, against `simpleeval`
with pre-parsed ASTs evaluating the same rules on the same data.

Target: the rules <= 1x simpleeval per deal, `explain` (with its reasons) <= 2x; memory
per report reported.
"""

from __future__ import annotations

import ast
import datetime as dt
import sys
import time
import tracemalloc

from benchmarks._common import Figure
from dealflow import Deal, Engine, Stakeholder, parse_playbook

#: A one-stage playbook whose five gates are the five rules.
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


RULES = [
    "pain",
    "covered_eb",
    "people >= 3",
    "support > 0",
    "budget >= 50000",
]


def _deals(count: int) -> list[Deal]:
    return [DEAL.model_copy(update={"id": f"d{i}", "facts": {"pain": i % 2 == 0,
                                                              "budget": 1000 * (i % 100)}})
            for i in range(count)]


def dealflow_explain(deals: list[Deal]) -> float:
    engine = Engine(PLAYBOOK, clock=lambda: NOW)
    start = time.perf_counter()
    for deal in deals:
        engine.explain(deal)
    return (time.perf_counter() - start) / len(deals) * 1e6


def dealflow_rules(deals: list[Deal]) -> float:
    """The five gate rules alone, evaluated on each deal's rule context."""
    from dealflow import RuleContext

    rules = [gate.when for gate in PLAYBOOK.stages[0].gates]
    start = time.perf_counter()
    for deal in deals:
        ctx = RuleContext(PLAYBOOK, deal, NOW)
        for rule in rules:
            rule.evaluate(ctx)
    return (time.perf_counter() - start) / len(deals) * 1e6


def simpleeval_rules(deals: list[Deal]) -> float:
    from simpleeval import SimpleEval

    evaluator = SimpleEval()
    parsed = [ast.parse(rule).body[0].value for rule in RULES]  # type: ignore[attr-defined]
    weight = {"high": 3, "medium": 2, "low": 1}
    value = {"champion": 2, "supporter": 1, "neutral": 0, "unknown": 0, "skeptic": -1,
             "opponent": -2}
    start = time.perf_counter()
    for deal in deals:
        evaluator.names = {
            "pain": bool(deal.facts.get("pain")),
            "covered_eb": any("economic_buyer" in p.roles for p in deal.stakeholders),
            "people": len(deal.stakeholders),
            "support": sum(weight[p.influence] * value[p.stance] for p in deal.stakeholders),
            "budget": deal.facts.get("budget", 0),
        }
        for tree in parsed:
            evaluator._eval(tree)
    return (time.perf_counter() - start) / len(deals) * 1e6


def memory_per_deal(deals: list[Deal]) -> float:
    tracemalloc.start()
    engine = Engine(PLAYBOOK, clock=lambda: NOW)
    before = tracemalloc.get_traced_memory()[0]
    reports = [engine.explain(deal) for deal in deals[:2000]]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del reports
    return (after - before) / 2000


def main(quick: bool = False) -> list[Figure]:
    deals = _deals(10_000 if quick else 100_000)
    ours = dealflow_explain(deals)
    rules_only = dealflow_rules(deals)
    base = simpleeval_rules(deals)
    memory = memory_per_deal(deals)
    return [
        Figure(f"5 rules on {len(deals)} deals (per deal)", rules_only, "us", base, "<= 1x",
               rules_only <= base),
        Figure(f"explain {len(deals)} deals x 5 rules (per deal)", ours, "us", base, "<= 2x",
               ours <= 2 * base),
        Figure("explain: memory per report kept", memory, "bytes", None, "reported", True),
    ]


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
