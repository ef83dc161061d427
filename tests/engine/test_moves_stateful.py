"""Random sequences of moves drawn from each playbook's declared graph (allowed and
refused ones, `dealflow.testing.moves`) keep the machine's promises.

After every step: a refused move changed nothing and said why; an allowed move is a move
of the declared graph, from where the deal was to where it is; the deal equals the replay
of its events, read back from JSON.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dealflow import Engine, Playbook, Stakeholder, load_playbook
from dealflow.engine import Event, event_adapter, replay
from dealflow.playbook import move_edges
from dealflow.testing import fact_values, moves
from dealflow.testing._move_attempts import state_of
from tests.conftest import LAB_PLAYBOOK, REPO

EXAMPLES = REPO / "docs" / "examples"
NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
PLAYBOOKS = {
    "bundled": "complex-b2b",
    "lab": LAB_PLAYBOOK,
    "forward-only": EXAMPLES / "crm-forward-only.yaml",
    "skip-allowed": EXAMPLES / "crm-skip-allowed.yaml",
    "close-rules": EXAMPLES / "close-rules.yaml",
}


def _machine_for(playbook: Playbook) -> type[RuleBasedStateMachine]:
    graph = {(e.kind, e.source, e.dest) for e in move_edges(playbook)}
    roles = tuple(role.id for role in playbook.roles)

    class Moves(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.engine = Engine(playbook, clock=lambda: NOW)
            created = self.engine.create(deal_id="S-1", title="T", account="A", owner="o",
                                         actor="t", amount=Decimal(30000))
            self.events: list[Event] = list(created.events)
            self.deal = created.deal
            added = self.engine.add_stakeholder(
                self.deal, Stakeholder(id="p1", name="P", roles=roles), actor="t")
            self._keep(added)

        def _keep(self, outcome: object) -> None:
            self.deal = outcome.deal  # type: ignore[attr-defined]
            self.events.extend(outcome.events)  # type: ignore[attr-defined]

        @rule(data=st.data())
        def set_a_fact(self, data: st.DataObject) -> None:
            if not playbook.facts:
                return
            fact = data.draw(st.sampled_from(playbook.facts))
            value = data.draw(fact_values(fact))
            outcome = self.engine.set_fact(self.deal, fact.id, value, actor="t")
            if outcome.ok:
                self._keep(outcome)

        @rule(data=st.data())
        def make_a_move(self, data: st.DataObject) -> None:
            before, where = self.deal, state_of(self.deal)
            attempt = data.draw(moves(playbook, before))
            outcome = attempt.apply(self.engine, before)
            if not outcome.ok:
                assert outcome.deal == before
                assert outcome.events == ()
                assert outcome.report.blocking, "a refusal says why"
                return
            kind = attempt.kind  # `deal advance --to` the next stage is an advance
            if kind in ("advance", "skip"):
                forward = ("advance", where, attempt.target) in graph
                kind = "advance" if forward else "skip"
            assert (kind, where, state_of(outcome.deal)) in graph
            self._keep(outcome)

        @invariant()
        def the_deal_is_the_replay_of_its_events(self) -> None:
            read_back = [event_adapter.validate_json(event_adapter.dump_json(e))
                         for e in self.events]
            assert replay(read_back, playbook) == self.deal

    return Moves


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_generated_moves_keep_the_machines_promises(name: str) -> None:
    machine = _machine_for(load_playbook(PLAYBOOKS[name]))
    machine.TestCase.settings = settings(
        max_examples=15, stateful_step_count=20, deadline=None, derandomize=True,
        database=None, suppress_health_check=list(HealthCheck))
    machine.TestCase().runTest()
