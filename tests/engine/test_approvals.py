"""A deal over 50,000 cannot reach the decision stage until our top management approved it.

The default playbook's internal approval `top_management_over_50k` applies when
`deal.amount > 50000`, is given by a holder of our role `executive_sponsor`, and is needed
before the stage `decide` (and, through the gate `approvals_done`, to win). Every deal
here is driven to `negotiate` with all of that stage's gates holding (our bid/no-bid and
pricing reviews given on the way, and the customer's approver a supporter), so the
approval is the only thing that can stop it. The `engine` fixture's team has `li` (sales)
and `gao` (executive sponsor).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from dealflow import ApprovalGiven, Engine, Influence, Playbook, Stakeholder, Stance, Team, replay
from tests.conftest import TEAM

if TYPE_CHECKING:
    from tests.conftest import DealLog, Drive

APPROVAL = "top_management_over_50k"
CHECK = f"approval:{APPROVAL}"
APPROVER = Stakeholder(id="alex", name="Alex", title="General manager", roles=("approver",),
                       stance=Stance.supporter, influence=Influence.high)


Negotiating = Callable[[int], "DealLog"]


@pytest.fixture
def negotiating(drive: Drive) -> Negotiating:
    """`negotiating(amount)`: a deal in `negotiate`, its approver on the map and for us."""
    return lambda amount: drive("negotiate", amount=amount, people=(*TEAM, APPROVER))


def test_the_default_playbook_asks_our_executive_sponsor_to_approve_over_50000(
    default_playbook: Playbook,
) -> None:
    approvals = {approval.id: approval for approval in default_playbook.approvals}
    approval = approvals[APPROVAL]
    assert (approval.id, approval.when and approval.when.source, approval.by, approval.before,
            approval.lapses_on) == (APPROVAL, "deal.amount > 50000", ("executive_sponsor",),
                                    "decide", "increase")
    assert list(approvals) == [APPROVAL, "bid_no_bid", "pricing_review", "contract_review",
                               "lose_after_contract"]
    assert (approvals["bid_no_bid"].before, approvals["lose_after_contract"].moves) == (
        "propose", ("lose",))
    assert not default_playbook.approval_rules


def test_a_deal_over_50000_without_the_approval_cannot_enter_decide_and_says_who_gives_it(
    engine: Engine, negotiating: Negotiating
) -> None:
    deal = negotiating(80000).deal

    outcome = engine.advance(deal, actor="li")

    assert not outcome.ok
    (check,) = outcome.report.blocking
    assert check.id == CHECK
    assert check.missing == ("not given; it is given by Executive sponsor (executive_sponsor): "
                             "Gao Min (gao)",)
    assert (outcome.deal, outcome.events) == (deal, ())


def test_the_approval_records_who_gave_it_their_role_the_note_and_what_was_approved(
    engine: Engine, negotiating: Negotiating
) -> None:
    deal = negotiating(80000).deal

    outcome = engine.approve(deal, APPROVAL, by="gao", note="Deal review, margin 31%")

    assert outcome.ok, str(outcome.report)
    (event,) = outcome.events
    assert isinstance(event, ApprovalGiven)
    assert (event.actor, event.approval, event.role, event.note, event.snapshot) == (
        "gao", APPROVAL, "executive_sponsor", "Deal review, margin 31%",
        {"deal.amount": "80000"})
    assert engine.advance(outcome.deal, actor="li").deal.stage == "decide"


@pytest.mark.parametrize(("by", "team", "reason"), [
    pytest.param("li", "ours", "li does not hold these roles", id="without-the-role"),
    pytest.param("nobody", "ours", "nobody does not hold these roles", id="not-on-the-team"),
    pytest.param("gao", "none", "dealflow cannot tell who holds these roles", id="no-team"),
])
def test_only_a_holder_of_the_role_may_give_the_approval(
    engine: Engine, negotiating: Negotiating, by: str, team: str, reason: str
) -> None:
    deal = negotiating(80000).deal
    judge = engine if team == "ours" else Engine(engine.playbook, clock=engine.clock)

    outcome = judge.approve(deal, APPROVAL, by=by, note="ok")

    assert not outcome.ok
    (check,) = outcome.report.blocking
    assert check.id == "authority"
    assert "Executive sponsor (executive_sponsor)" in check.text
    assert any(reason in line for line in check.missing), check.missing
    assert outcome.events == ()


def test_the_approval_needs_a_note_with_its_evidence(
    engine: Engine, negotiating: Negotiating
) -> None:
    deal = negotiating(80000).deal

    outcome = engine.approve(deal, APPROVAL, by="gao")

    assert [check.id for check in outcome.report.blocking] == ["evidence"]


def test_an_unknown_approval_is_refused_with_the_closest_one(
    engine: Engine, negotiating: Negotiating
) -> None:
    deal = negotiating(80000).deal

    outcome = engine.approve(deal, "top_management_over_50", by="gao", note="ok")

    (check,) = outcome.report.blocking
    assert check.missing == ("unknown approval 'top_management_over_50'; did you mean "
                             "'top_management_over_50k'?",)


@pytest.mark.parametrize(("amount", "counts"), [
    pytest.param(95000, False, id="raised"),
    pytest.param(80000, True, id="unchanged"),
    pytest.param(60000, True, id="lowered"),
])
def test_an_approval_given_before_the_amount_was_raised_no_longer_counts(
    engine: Engine, negotiating: Negotiating, amount: int, counts: bool
) -> None:
    deal = negotiating(80000).deal
    deal = engine.approve(deal, APPROVAL, by="gao", note="ok").deal
    deal = engine.advance(deal, actor="li").deal
    assert deal.stage == "decide"
    deal = engine.approve(deal, "contract_review", by="gao", note="contract reviewed").deal

    edited = engine.edit(deal, amount=amount, actor="li").deal
    check = next(c for c in engine.explain(edited).checks if c.id == "approvals_done")

    assert check.passed is counts
    if not counts:
        assert any("deal.amount is 95000, approved at 80000" in line for line in check.missing)
        assert not engine.win(edited, actor="li").ok
        again = engine.approve(edited, APPROVAL, by="gao", note="re-approved at 95,000").deal
        again = engine.approve(again, "contract_review", by="gao", note="at 95,000").deal
        assert next(c for c in engine.explain(again).checks
                    if c.id == "approvals_done").passed


def test_a_deal_of_50000_or_less_needs_no_approval(
    engine: Engine, negotiating: Negotiating
) -> None:
    deal = negotiating(50000).deal

    assert engine.advance(deal, actor="li").ok


def test_approvals_replay_to_the_same_deal(engine: Engine, negotiating: Negotiating) -> None:
    log = negotiating(80000)
    log.record(engine.approve(log.deal, APPROVAL, by="gao", note="ok"))
    log.record(engine.advance(log.deal, actor="li"))

    assert replay(log.events, engine.playbook) == log.deal
    assert log.deal.approvals[APPROVAL].by == "gao"


def test_a_team_is_what_the_engine_was_given(engine: Engine) -> None:
    assert isinstance(engine.team, Team)
    assert [person.id for person in engine.team.holders(("executive_sponsor",))] == ["gao"]
