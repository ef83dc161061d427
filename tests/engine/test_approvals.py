"""A deal over 50,000 cannot reach the decision stage until its approver is mapped.

The default playbook's approval rule `top_management_over_50k` applies when
`deal.amount > 50000` and requires the role `approver` before the stage `decide`. Every
deal here is driven to `negotiate` with all of that stage's gates holding, so the
approval rule is the only thing that can stop it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from dealflow import Engine, Influence, Playbook, Stakeholder, Stance

if TYPE_CHECKING:
    from tests.conftest import Drive

RULE = "approval:top_management_over_50k"
APPROVER = Stakeholder(id="alex", name="Alex", title="General manager", roles=("approver",),
                       stance=Stance.neutral, influence=Influence.high)


def test_the_default_playbook_asks_for_an_approver_before_decide_over_50000(
    default_playbook: Playbook,
) -> None:
    (rule,) = default_playbook.approval_rules
    assert (rule.id, rule.when.source, rule.requires, rule.before) == (
        "top_management_over_50k", "deal.amount > 50000", ("approver",), "decide")


def test_a_deal_over_50000_without_an_approver_cannot_enter_decide(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("negotiate", amount=80000).deal

    outcome = engine.advance(deal, actor="test")

    assert not outcome.ok
    (check,) = outcome.report.blocking
    assert check.id == RULE
    assert check.missing == ("no stakeholder has role approver, which this deal's approval "
                             "requires before decide",)
    assert outcome.deal == deal
    assert outcome.events == ()
    assert RULE in str(outcome.report)


def test_a_deal_over_50000_enters_decide_once_an_approver_is_mapped(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("negotiate", amount=80000).deal
    deal = engine.add_stakeholder(deal, APPROVER, actor="test").deal

    outcome = engine.advance(deal, actor="test")

    assert outcome.ok, str(outcome.report)
    assert outcome.deal.stage == "decide"
    assert [check.passed for check in outcome.report.checks if check.id == RULE] == [True]


def test_giving_the_approver_role_to_someone_already_mapped_is_enough(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("negotiate", amount=80000).deal
    deal = engine.update_stakeholder(deal, "eric", actor="test",
                                     roles=("economic_buyer", "approver")).deal

    assert engine.advance(deal, actor="test").ok


@pytest.mark.parametrize("amount", [50000, 20000, 0], ids=["exactly-50000", "20000", "zero"])
def test_a_deal_of_at_most_50000_enters_decide_without_an_approver(
    engine: Engine, drive: Drive, amount: int
) -> None:
    deal = drive("negotiate", amount=amount).deal
    assert not deal.holders("approver")

    outcome = engine.advance(deal, actor="test")

    assert outcome.ok, str(outcome.report)
    assert outcome.deal.stage == "decide"
    assert [check.passed for check in outcome.report.checks if check.id == RULE] == [True]


def test_the_approval_rule_is_not_checked_before_the_stage_it_guards(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("propose", amount=80000).deal

    outcome = engine.advance(deal, actor="test")

    assert outcome.ok, str(outcome.report)
    assert RULE not in [check.id for check in outcome.report.checks]


def test_raising_the_amount_in_decide_makes_approvals_done_fail(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("decide", amount=20000).deal
    assert engine.explain(deal).allowed

    edited = engine.edit(deal, actor="test", amount=80000)
    report = engine.explain(edited.deal)

    assert edited.ok
    (approvals,) = [check for check in report.checks if check.id == "approvals_done"]
    assert not approvals.passed
    assert approvals.missing == (
        "approval rule top_management_over_50k needs role(s) approver mapped",)
    assert not engine.advance(edited.deal, actor="test").ok


def test_mapping_the_approver_after_the_raise_lets_the_deal_leave_decide(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("decide", amount=20000).deal
    deal = engine.edit(deal, actor="test", amount="80000.00").deal
    deal = engine.add_stakeholder(deal, APPROVER, actor="test").deal

    outcome = engine.advance(deal, actor="test")

    assert outcome.ok, str(outcome.report)
    assert outcome.deal.stage == "handover"
