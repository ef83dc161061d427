"""The testing tools of authority and history: generated approvals and histories replay
exactly, and history in rules is paid for under the rule's budget."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealflow import Deal, FactSet, RuleContext, compile_rule, load_playbook, replay
from dealflow.errors import LimitExceeded
from dealflow.limits import Limits, using_limits
from dealflow.testing import approval_events, deals, full_team, history_of
from tests.conftest import REPO

PLAYBOOK = load_playbook(REPO / "docs" / "examples" / "field-service-contracts.yaml")
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
CHECKS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@CHECKS
@given(data=st.data(), changed=st.booleans())
def test_a_generated_history_replays_to_its_deal(data: st.DataObject, changed: bool) -> None:
    deal: Deal = data.draw(deals(PLAYBOOK, now=NOW))

    versioned, events = history_of(deal, amount_changed=changed)

    rebuilt = replay(events, PLAYBOOK)
    assert rebuilt.facts == versioned.facts
    assert (rebuilt.amount, rebuilt.stage, rebuilt.version) == (
        versioned.amount, versioned.stage, versioned.version)
    ctx = RuleContext(PLAYBOOK, versioned, NOW, history=events)
    assert ctx.changed_in_stage("amount") is changed


@CHECKS
@given(data=st.data())
def test_generated_approvals_replay_exactly_and_count_until_the_deal_changes(
    data: st.DataObject,
) -> None:
    deal, history = history_of(data.draw(deals(PLAYBOOK, now=NOW)))
    given_ = data.draw(approval_events(PLAYBOOK, deal))

    after = replay([*history, *given_], PLAYBOOK)

    assert set(after.approvals) == {event.approval for event in given_}
    ctx = RuleContext(PLAYBOOK, after, NOW, team=full_team(PLAYBOOK))
    for approval in PLAYBOOK.approvals:
        if approval.id in after.approvals:
            assert ctx.approved(approval.id)


def test_history_in_a_rule_is_charged_one_step_per_event() -> None:
    deal, created = history_of(Deal(
        id="d", title="t", account="a", owner="o", playbook_id=PLAYBOOK.id,
        playbook_version=PLAYBOOK.version, stage="quote", created_at=NOW, stage_entered_at=NOW))
    events = [*created, *(FactSet(deal_id="d", seq=seq, at=NOW, actor="x", name="discount",
                                  value=float(seq)) for seq in range(2, 400))]
    deal = deal.model_copy(update={"version": len(events)})
    rule = compile_rule("changed_in_stage('discount')")

    with using_limits(Limits(max_rule_steps=100)), pytest.raises(LimitExceeded):
        rule.evaluate(RuleContext(PLAYBOOK, deal, NOW, history=events))
    assert rule.evaluate(RuleContext(PLAYBOOK, deal, NOW, history=events)) is True
