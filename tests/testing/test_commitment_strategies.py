"""`dealflow.testing` generates commitments: deals that carry them, and histories of the
commitment events that replay, export and import exactly (issue 19)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealflow import Playbook, Store, load_playbook, parse_playbook, replay
from dealflow.engine import evaluate_rule
from dealflow.rules import compile_rule
from dealflow.store import export_jsonl, import_jsonl
from dealflow.testing import commitment_histories, deals, deep_check
from tests.conftest import LAB_PLAYBOOK

PLAYBOOKS = {"complex-b2b": load_playbook(), "lab-subscriptions": load_playbook(LAB_PLAYBOOK)}
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("name", PLAYBOOKS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_histories_replay_to_the_deal_their_operations_built(
        name: str, data: st.DataObject) -> None:
    playbook = PLAYBOOKS[name]
    events = data.draw(commitment_histories(playbook))
    deal = replay(events, playbook)
    assert deal.version == len(events)
    assert replay(events[:-1] or events, playbook).version == max(1, len(events) - 1)


@pytest.mark.parametrize("name", PLAYBOOKS)
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_histories_export_and_import_exactly(name: str, data: st.DataObject,
                                                       tmp_path: Path) -> None:
    playbook = PLAYBOOKS[name]
    events = data.draw(commitment_histories(playbook))
    file = tmp_path / f"{data.draw(st.uuids())}.jsonl"
    with Store("sqlite://", playbook=playbook) as source:
        from dealflow.store import import_events

        import_events(source, events)
        with file.open("w", encoding="utf-8") as out:
            export_jsonl(source, out)
        original = source.get("h-1")
    with Store("sqlite://") as target:
        import_jsonl(target, file)
        assert target.get("h-1") == original
        assert target.events("h-1") == events


@pytest.mark.parametrize("name", PLAYBOOKS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_deals_carry_commitments_the_helpers_read(name: str,
                                                            data: st.DataObject) -> None:
    playbook = PLAYBOOKS[name]
    deal = data.draw(deals(playbook, now=NOW))
    from dealflow import Engine

    ctx = Engine(playbook, clock=lambda: NOW).context(deal)
    for source in ("close_date_set()", "close_plan_agreed()", "plan_overdue()",
                   "not plan_overdue()"):
        holds, missing, error = evaluate_rule(compile_rule(source), ctx)
        assert error is None
        assert holds or missing


GATED = """
id: gated
version: "1"
locales: [en]
title: Gated on commitments
buyer_phases: [{id: buy, name: Buying}]
stages:
  - id: talk
    name: Talk
    buyer_phase: buy
    goal: Agree the way to a signature
    probability: 30
    gates:
      - {id: dated, text: Dated, when: close_date_set()}
      - {id: planned, text: Planned, when: close_plan_agreed() and not plan_overdue()}
  - {id: sign, name: Sign, buyer_phase: buy, goal: Sign, probability: 80}
roles: [{id: buyer, name: Buyer}]
our_roles: [{id: rep, name: Rep}]
lost_reasons: [{id: gone, name: Gone}]
"""


def test_a_playbook_gated_on_commitments_is_found_sound_by_the_deep_check() -> None:
    playbook: Playbook = parse_playbook(GATED)
    assert deep_check(playbook, examples=30) == []
