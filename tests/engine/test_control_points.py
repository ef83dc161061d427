"""Every control point of the default playbook blocks with its reason, and passes once met.

For each stage a deal is driven there through the engine with every gate holding. Then,
for each gate, the table below undoes just that gate's condition: `explain` shows the
check failed and says what is missing; a `block` gate refuses the move and changes
nothing, a `warn` gate lets it through and the event records the warning. Redoing the
condition makes the check pass again. A gate added to the playbook without a row in the
table fails `test_the_table_covers_exactly_the_gates_of_the_playbook`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from dealflow import (
    Deal,
    Engine,
    GateReport,
    Influence,
    Outcome,
    Playbook,
    Stakeholder,
    Stance,
    add_plan_step,
    load_playbook,
    set_close_date,
    update_plan_step,
)
from dealflow.deal import Evidence, Source
from dealflow.engine import Check, StageAdvanced

if TYPE_CHECKING:
    from tests.conftest import Drive

Change = Callable[[Engine, Deal], Deal]


def _done(outcome: Outcome) -> Deal:
    assert outcome.ok, str(outcome.report)
    return outcome.deal


def fact(name: str, value: object) -> Change:
    """Set fact `name` to `value` (None clears it)."""
    return lambda engine, deal: _done(engine.set_fact(deal, name, value, actor="test"))


def confirmed(name: str, by: str, *, verify: bool = False) -> Change:
    """Set fact `name` true, confirmed by stakeholder `by` (and verified by a second person)."""

    def change(engine: Engine, deal: Deal) -> Deal:
        backing = Evidence(evidence="signed minutes", source=Source.meeting, confirmed_by=by)
        deal = _done(engine.set_fact(deal, name, True, actor="test", evidence=backing))
        if verify:
            deal = _done(engine.verify_fact(deal, name, by="manager", actor="manager"))
        return deal

    return change


def stances(**by_person: str) -> Change:
    """Change the stance of each named stakeholder."""

    def change(engine: Engine, deal: Deal) -> Deal:
        for person, stance in by_person.items():
            deal = _done(engine.update_stakeholder(deal, person, actor="test", stance=stance))
        return deal

    return change


def unmap(role: str) -> Change:
    """Take `role` from everyone who holds it."""

    def change(engine: Engine, deal: Deal) -> Deal:
        for person in deal.holders(role):
            roles = tuple(r for r in person.roles if r != role)
            deal = _done(engine.update_stakeholder(deal, person.id, actor="test", roles=roles))
        return deal

    return change


def give(person: str, role: str) -> Change:
    """Give `role` to the stakeholder `person`."""

    def change(engine: Engine, deal: Deal) -> Deal:
        current = deal.stakeholder(person)
        assert current is not None
        return _done(engine.update_stakeholder(deal, person, actor="test",
                                               roles=(*current.roles, role)))

    return change


def add(person: Stakeholder) -> Change:
    """Put `person` on the map."""
    return lambda engine, deal: _done(engine.add_stakeholder(deal, person, actor="test"))


def complete(item: str) -> Change:
    """Mark checklist item `item` done, with evidence."""
    return lambda engine, deal: _done(engine.complete_item(deal, item, actor="test",
                                                           evidence="signed minutes"))


def forget(item: str) -> Change:
    """The deal as it was before `item` was done.

    The engine has no operation that takes a completion back (done stays done), so this
    one edits the snapshot: the same deal, without the item's completion.
    """

    def change(engine: Engine, deal: Deal) -> Deal:
        assert item in deal.items_done
        done = {key: value for key, value in deal.items_done.items() if key != item}
        return deal.model_copy(update={"items_done": done})

    return change


def edit(**changes: object) -> Change:
    """Edit the deal's fields (amount, title, ...)."""
    return lambda engine, deal: _done(engine.edit(deal, actor="test", **changes))


def approve(approval: str, *, by: str) -> Change:
    """Give an internal approval (by a person of the engine's team)."""
    return lambda engine, deal: _done(engine.approve(deal, approval, by=by, note="approved"))
def clear_close_date() -> Change:
    def change(engine: Engine, deal: Deal) -> Deal:
        return _done(set_close_date(engine, deal, None, actor="test"))

    return change


def date_close(days: int) -> Change:
    def change(engine: Engine, deal: Deal) -> Deal:
        day = engine.clock().date() + dt.timedelta(days=days)
        return _done(set_close_date(engine, deal, day, actor="test"))

    return change


def plan_step(step_id: str, *, due_days: int | None = None, status: str | None = None
              ) -> Change:
    """Add the step (due `due_days` from today), or change its status."""
    def change(engine: Engine, deal: Deal) -> Deal:
        if due_days is not None:
            day = engine.clock().date() + dt.timedelta(days=due_days)
            return _done(add_plan_step(engine, deal, what="Signature", due=day,
                                       our_owner="sales", step_id=step_id, actor="test"))
        return _done(update_plan_step(engine, deal, step_id, status=status, actor="test"))

    return change


def then(*changes: Change) -> Change:
    """Each change in turn."""

    def change(engine: Engine, deal: Deal) -> Deal:
        for step in changes:
            deal = step(engine, deal)
        return deal

    return change


@dataclass(frozen=True)
class Control:
    """How to undo one gate's condition, what the report then says, and how to redo it.

    `also` names the other checks that fail with it, because they read the same thing
    (taking the initiator role away also fails the stage's `role:initiator` check).
    """

    undo: Change
    missing: str
    redo: Change
    also: tuple[str, ...] = ()


APPROVER = Stakeholder(id="alex", name="Alex", title="General manager", roles=("approver",),
                       stance=Stance.supporter, influence=Influence.high)
OPPONENT = Stakeholder(id="otto", name="Otto", title="Maintenance director",
                       stance=Stance.opponent, influence=Influence.high)

CONTROLS: dict[str, Control] = {
    # qualify
    "pain_confirmed": Control(fact("pain_confirmed", None), "fact pain_confirmed is not set",
                              fact("pain_confirmed", True)),
    "initiator_mapped": Control(unmap("initiator"), "no stakeholder has role initiator",
                                give("ines", "initiator"),
                                also=("role:initiator", "initiator_supportive")),
    "budget_signal": Control(fact("budget_status", "unknown"),
                             "facts.budget_status is 'unknown'",
                             fact("budget_status", "planned")),
    "initiator_supportive": Control(stances(ines="neutral"),
                                    "stance_of('initiator') is 'neutral'",
                                    stances(ines="champion")),
    # discover
    "economic_buyer_identified": Control(unmap("economic_buyer"),
                                         "no stakeholder has role economic_buyer",
                                         give("eric", "economic_buyer"),
                                         also=("role:economic_buyer", "project_approved")),
    "three_stakeholders": Control(stances(tara="unknown", ursula="unknown", colin="unknown",
                                          paula="unknown"), "length is 2 (needs >= 3)",
                                  stances(tara="neutral")),
    "impact_quantified": Control(fact("impact_quantified", False),
                                 "fact impact_quantified is false",
                                 fact("impact_quantified", True)),
    "project_approved": Control(fact("project_approved", None),
                                "fact project_approved is not set",
                                confirmed("project_approved", "eric")),
    # shape
    "criteria_known": Control(fact("decision_criteria_known", False),
                              "fact decision_criteria_known is false",
                              fact("decision_criteria_known", True)),
    "process_known": Control(fact("decision_process_known", None),
                             "fact decision_process_known is not set",
                             fact("decision_process_known", True)),
    "coach_in_place": Control(unmap("coach"), "no stakeholder has role coach",
                              give("ursula", "coach"), also=("role:coach",)),
    "spec_influenced": Control(fact("spec_influenced", False),
                               "fact spec_influenced is false", fact("spec_influenced", True)),
    # validate
    "success_criteria_agreed": Control(fact("success_criteria_agreed", None),
                                       "fact success_criteria_agreed is not set",
                                       fact("success_criteria_agreed", True)),
    "technical_signoff": Control(fact("technical_signoff", False),
                                 "fact technical_signoff is false",
                                 confirmed("technical_signoff", "tara")),
    "champion_tested": Control(fact("champion_tested", None),
                               "fact champion_tested is not set",
                               fact("champion_tested", True)),
    "user_buyer_on_side": Control(stances(ursula="skeptic"),
                                  "stance_of('user_buyer') is 'skeptic'",
                                  stances(ursula="champion")),
    # propose
    "business_case_accepted": Control(fact("business_case_accepted", False),
                                      "fact business_case_accepted is false",
                                      confirmed("business_case_accepted", "eric",
                                                verify=True)),
    "proposal_delivered": Control(forget("deliver_proposal"),
                                  "item deliver_proposal is not done",
                                  complete("deliver_proposal")),
    "no_unmanaged_opponent": Control(then(fact("opponent_plan", None), add(OPPONENT)),
                                     "opponents(min_influence='high') | length is 1",
                                     fact("opponent_plan", True)),
    "funds_released": Control(fact("budget_status", "planned"),
                              "facts.budget_status is 'planned'",
                              fact("budget_status", "approved")),
    "pricing_approved": Control(then(edit(amount=80000), approve("bid_no_bid", by="gao")),
                                "approval pricing_review: not given",
                                approve("pricing_review", by="gao")),
    "delivery_committed": Control(forget("delivery_review"), "item delivery_review is not done",
                                  complete("delivery_review")),
    # negotiate
    "concerns_resolved": Control(fact("concerns_resolved", None),
                                 "fact concerns_resolved is not set",
                                 fact("concerns_resolved", True)),
    "paper_process_mapped": Control(fact("paper_process_mapped", False),
                                    "fact paper_process_mapped is false",
                                    fact("paper_process_mapped", True)),
    "support_majority": Control(stances(ines="opponent", eric="opponent"),
                                "support_score is -0.269",
                                stances(ines="champion", eric="supporter")),
    "close_date_known": Control(clear_close_date(), "the deal has no expected close date",
                                date_close(30)),
    "close_plan_agreed": Control(plan_step("signature", due_days=-1),
                                 "steps of the close plan overdue: signature",
                                 plan_step("signature", status="done")),
    "customer_approvals_passed": Control(then(fact("approval_level", "group_hq"),
                                              fact("customer_approval_done", None)),
                                         "fact customer_approval_done is not set",
                                         confirmed("customer_approval_done", "eric")),
    "approver_supports": Control(then(edit(amount=80000), approve("bid_no_bid", by="gao"),
                                      approve("top_management_over_50k", by="gao")),
                                 "stance_of('approver') is 'unknown'", add(APPROVER)),
    # decide
    "contract_signed": Control(fact("contract_signed", None),
                               "fact contract_signed is not set",
                               confirmed("contract_signed", "paula")),
    "po_received": Control(fact("po_received", False), "fact po_received is false",
                           confirmed("po_received", "paula")),
    "approvals_done": Control(then(edit(amount=80000), approve("bid_no_bid", by="gao")),
                              "approval top_management_over_50k: not given",
                              then(approve("top_management_over_50k", by="gao"),
                                   approve("contract_review", by="gao")),
                              also=("approval:top_management_over_50k",)),
    "payment_terms_agreed": Control(fact("payment_terms", None),
                                    "fact payment_terms is not set",
                                    fact("payment_terms", "30% advance, 70% on acceptance")),
}

PLAYBOOK = load_playbook()
GATES = [(stage.id, gate.id) for stage in PLAYBOOK.stages for gate in stage.gates]


def _check(report: GateReport, gate: str) -> Check:
    (check,) = [check for check in report.checks if check.id == gate]
    return check


def _move(engine: Engine, deal: Deal) -> Outcome:
    last = engine.playbook.stages[-1].id
    if deal.stage == last:
        return engine.win(deal, actor="test")
    return engine.advance(deal, actor="test")


def test_the_table_covers_exactly_the_gates_of_the_playbook(default_playbook: Playbook) -> None:
    gates = [gate.id for stage in default_playbook.stages for gate in stage.gates]
    assert len(gates) == len(set(gates)), "gate ids are unique across the playbook"
    assert set(CONTROLS) == set(gates)


@pytest.mark.parametrize("stage", [stage.id for stage in PLAYBOOK.stages])
def test_a_deal_driven_into_a_stage_passes_every_check_there(
    engine: Engine, drive: Drive, stage: str
) -> None:
    deal = drive(stage).deal

    report = engine.explain(deal)

    assert deal.stage == stage
    assert [check.id for check in report.checks if not check.passed] == []
    assert report.allowed


@pytest.mark.parametrize(("stage", "gate"), GATES, ids=[f"{s}.{g}" for s, g in GATES])
def test_a_control_point_fails_with_its_reason_once_its_condition_is_undone(
    engine: Engine, drive: Drive, stage: str, gate: str
) -> None:
    control = CONTROLS[gate]
    deal = control.undo(engine, drive(stage).deal)

    check = _check(engine.explain(deal), gate)

    assert not check.passed
    assert check.missing, "a failed check says what is missing"
    assert any(control.missing in reason for reason in check.missing), check.missing
    assert check.text
    assert check.hint, "a failed control point says what to do"


@pytest.mark.parametrize(("stage", "gate"), GATES, ids=[f"{s}.{g}" for s, g in GATES])
def test_undoing_a_control_point_fails_no_check_that_does_not_read_it(
    engine: Engine, drive: Drive, stage: str, gate: str
) -> None:
    control = CONTROLS[gate]
    deal = control.undo(engine, drive(stage).deal)

    report = engine.explain(deal)

    failed = {check.id for check in report.checks if not check.passed}
    assert failed == {gate, *control.also}


@pytest.mark.parametrize(("stage", "gate"), GATES, ids=[f"{s}.{g}" for s, g in GATES])
def test_an_undone_control_point_decides_the_move_by_its_severity(
    engine: Engine, drive: Drive, stage: str, gate: str
) -> None:
    deal = CONTROLS[gate].undo(engine, drive(stage).deal)
    severity = _check(engine.explain(deal), gate).severity

    outcome = _move(engine, deal)

    if severity == "block":
        assert not outcome.ok
        assert gate in [check.id for check in outcome.report.blocking]
        assert outcome.deal == deal
        assert outcome.events == ()
    else:
        assert outcome.ok, str(outcome.report)
        assert [check.id for check in outcome.report.warnings] == [gate]
        (event,) = outcome.events
        assert isinstance(event, StageAdvanced)
        assert event.warnings == (gate,)
        assert outcome.deal.stage == event.to_stage != stage


@pytest.mark.parametrize(("stage", "gate"), GATES, ids=[f"{s}.{g}" for s, g in GATES])
def test_a_control_point_passes_again_once_its_condition_is_met(
    engine: Engine, drive: Drive, stage: str, gate: str
) -> None:
    control = CONTROLS[gate]
    deal = control.redo(engine, control.undo(engine, drive(stage).deal))

    report = engine.explain(deal)

    assert _check(report, gate).passed
    assert [check.id for check in report.checks if not check.passed] == []
    assert _move(engine, deal).ok


#: The other condition of each gate that asks for two things: undone alone, it fails too.
OTHER_HALF: dict[str, Control] = {
    "project_approved": Control(fact("project_approved", True),
                                "fact project_approved is not confirmed by a stakeholder "
                                "holding role economic_buyer",
                                confirmed("project_approved", "eric")),
    "business_case_accepted": Control(confirmed("business_case_accepted", "tara"),
                                      "fact business_case_accepted is not confirmed by a "
                                      "stakeholder holding role economic_buyer",
                                      confirmed("business_case_accepted", "eric",
                                                verify=True)),
    "technical_signoff": Control(stances(tara="skeptic"),
                                 "stance_of('technical_buyer') is 'skeptic'",
                                 stances(tara="neutral")),
    # a low-influence champion (colin) is not enough: the gate asks for medium influence
    "champion_tested": Control(stances(ines="supporter", colin="champion"),
                               "champions(min_influence='medium') | length is 0",
                               stances(tara="champion")),
    "initiator_supportive": Control(unmap("initiator"), "no stakeholder has role initiator",
                                    give("ines", "initiator"),
                                    also=("initiator_mapped", "role:initiator")),
    "no_unmanaged_opponent": Control(then(fact("opponent_plan", False), add(OPPONENT)),
                                     "fact opponent_plan is false",
                                     stances(otto="skeptic")),
    # late facts need evidence: the fact alone, set without any, does not pass
    "contract_signed": Control(fact("contract_signed", True),
                               "fact contract_signed has no evidence",
                               confirmed("contract_signed", "paula")),
    "po_received": Control(fact("po_received", True), "fact po_received has no evidence",
                           confirmed("po_received", "paula")),
    "customer_approvals_passed": Control(then(fact("approval_level", "collective_decision"),
                                              fact("customer_approval_done", True)),
                                         "fact customer_approval_done has no evidence",
                                         confirmed("customer_approval_done", "eric")),
    "approver_supports": Control(then(edit(amount=80000), approve("bid_no_bid", by="gao"),
                                      approve("top_management_over_50k", by="gao"),
                                      add(APPROVER), stances(alex="neutral")),
                                 "stance_of('approver') is 'neutral'",
                                 stances(alex="supporter")),
}


@pytest.mark.parametrize("gate", OTHER_HALF)
def test_either_condition_of_a_two_part_control_point_fails_it_on_its_own(
    engine: Engine, drive: Drive, gate: str
) -> None:
    (stage,) = [stage for stage, g in GATES if g == gate]
    control = OTHER_HALF[gate]
    broken = control.undo(engine, drive(stage).deal)
    mended = control.redo(engine, broken)

    report = engine.explain(broken)

    check = _check(report, gate)
    assert any(control.missing in reason for reason in check.missing), check.missing
    assert {c.id for c in report.checks if not c.passed} == {gate, *control.also}
    assert engine.explain(mended).allowed
    assert _check(engine.explain(mended), gate).passed
