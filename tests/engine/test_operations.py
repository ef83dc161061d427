"""The rules of each engine operation: what it needs, what it refuses, and what it records.

A refused operation returns the deal unchanged, no events, and a report whose blocking
checks say what is missing; with `raise_on_refusal=True` it raises `MoveRefused` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from dealflow import (
    Deal,
    DealflowError,
    Engine,
    MoveRefused,
    NextStep,
    Outcome,
    Playbook,
    RuntimeDealError,
    Stakeholder,
    Stance,
    Status,
    load_playbook,
    parse_playbook,
)
from dealflow.engine import DealLost, FactSet, StageMovedBack

if TYPE_CHECKING:
    from tests.conftest import DealLog, Drive

STAGES = [stage.id for stage in load_playbook().stages]


def _reasons(outcome: Outcome, check_id: str) -> list[str]:
    """The reasons of the blocking checks with id `check_id`."""
    return [reason for check in outcome.report.blocking if check.id == check_id
            for reason in check.missing]


def _assert_refused(outcome: Outcome, deal: Deal, check_id: str, fragment: str) -> None:
    assert not outcome.ok
    assert outcome.deal is deal
    assert outcome.events == ()
    reasons = _reasons(outcome, check_id)
    assert any(fragment in reason for reason in reasons), str(outcome.report)


@pytest.fixture
def shaping(drive: Drive) -> DealLog:
    """A deal in `shape`, every gate so far holding."""
    return drive("shape")


# -- win and advance -----------------------------------------------------------------------
@pytest.mark.parametrize("stage", STAGES[:-1])
def test_win_is_refused_before_the_last_stage(engine: Engine, drive: Drive, stage: str) -> None:
    deal = drive(stage).deal

    outcome = engine.win(deal, actor="test")

    _assert_refused(outcome, deal, "stage", f"the deal is in {stage}")
    assert "last stage, decide" in outcome.report.blocking[0].text


def test_win_from_the_last_stage_closes_the_deal_as_won(engine: Engine, drive: Drive) -> None:
    deal = drive("decide").deal
    deal = engine.set_next_step(deal, NextStep(what="Kickoff", who="li", due=dt.date(2026, 3, 9)),
                                actor="test").deal

    outcome = engine.win(deal, actor="test")

    assert outcome.ok, str(outcome.report)
    assert outcome.deal.status is Status.won
    assert outcome.deal.stage == "decide"
    assert outcome.deal.next_step is None


def test_winning_opens_the_handover_checklist(engine: Engine, drive: Drive) -> None:
    outcome = engine.win(drive("decide").deal, actor="test")

    assert outcome.ok, str(outcome.report)
    opened = outcome.deal.items_opened
    assert list(opened) == ["handover_brief", "kickoff_meeting", "success_plan",
                            "collect_payments", "win_review"]
    assert opened["collect_payments"].owner == "commercial"
    assert opened["handover_brief"].due == dt.date(2026, 3, 7)
    done = engine.complete_item(outcome.deal, "kickoff_meeting", actor="test",
                                evidence="minutes confirmed")
    assert done.ok, str(done.report)
    assert "kickoff_meeting" in done.deal.items_done


def test_advance_from_the_last_stage_says_to_use_win(engine: Engine, drive: Drive) -> None:
    deal = drive("decide").deal

    _assert_refused(engine.advance(deal, actor="test"), deal, "stage", "use win")


def test_a_refused_advance_lists_every_unmet_gate_of_the_stage(engine: Engine) -> None:
    deal = engine.create(deal_id="D-2", title="t", account="a", owner="o", actor="test").deal

    outcome = engine.advance(deal, actor="test")

    assert not outcome.ok
    assert {check.id for check in outcome.report.blocking} == {
        "pain_confirmed", "initiator_mapped", "role:initiator"}
    assert [check.id for check in outcome.report.warnings] == ["budget_signal",
                                                                "initiator_supportive"]


# -- lose ----------------------------------------------------------------------------------
def test_lose_with_a_lost_reason_of_the_playbook_closes_the_deal(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.lose(shaping.deal, reason="competitor", note="Went with Acme",
                          actor="test")

    assert outcome.ok
    assert outcome.deal.status is Status.lost
    assert (outcome.deal.lost_reason, outcome.deal.lost_note) == ("competitor", "Went with Acme")
    (event,) = outcome.events
    assert isinstance(event, DealLost)
    assert event.stage == "shape"


@pytest.mark.parametrize(("reason", "suggestion"), [
    pytest.param("competitr", "did you mean 'competitor'?", id="typo-suggests-closest"),
    pytest.param("budget cut", "did you mean 'budget_cut'?", id="space-for-underscore"),
    pytest.param("", "unknown lost reason ''", id="empty"),
])
def test_lose_refuses_a_reason_the_playbook_does_not_list(
    engine: Engine, shaping: DealLog, reason: str, suggestion: str
) -> None:
    _assert_refused(engine.lose(shaping.deal, reason=reason, actor="test"), shaping.deal,
                    "reason", suggestion)


def test_a_deal_with_a_signed_contract_and_a_po_is_lost_only_with_our_executives_approval(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("decide").deal
    assert deal.facts["contract_signed"]
    assert deal.facts["po_received"]

    refused = engine.lose(deal, reason="no_decision", actor="test")
    _assert_refused(refused, deal, "approval:lose_after_contract", "not given")
    approved = engine.approve(deal, "lose_after_contract", by="gao",
                              note="Order cancelled in writing, letter of 2 March").deal

    assert engine.lose(approved, reason="no_decision", actor="test").ok


@pytest.mark.parametrize("stage", ["propose", "negotiate"])
def test_a_deal_without_contract_and_po_is_lost_without_any_approval(
    engine: Engine, drive: Drive, stage: str
) -> None:
    assert engine.lose(drive(stage).deal, reason="bid_rejected", actor="test").ok


def test_a_held_deal_can_be_lost_but_a_lost_one_cannot_be_lost_again(
    engine: Engine, shaping: DealLog
) -> None:
    held = engine.hold(shaping.deal, reason="Budget freeze", resume_on=dt.date(2026, 6, 1),
                       actor="test").deal

    lost = engine.lose(held, reason="budget_cut", actor="test")

    assert lost.ok
    assert lost.deal.status is Status.lost
    assert lost.deal.hold is None
    _assert_refused(engine.lose(lost.deal, reason="timing", actor="test"), lost.deal,
                    "status", "is lost")


# -- hold and resume -----------------------------------------------------------------------
def test_hold_puts_an_open_deal_on_hold_until_a_future_date(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.hold(shaping.deal, reason="Plant turnaround", resume_on=dt.date(2026, 3, 3),
                          actor="test")

    assert outcome.ok
    assert outcome.deal.status is Status.on_hold
    assert outcome.deal.hold is not None
    assert (outcome.deal.hold.reason, outcome.deal.hold.resume_on) == (
        "Plant turnaround", dt.date(2026, 3, 3))


@pytest.mark.parametrize(("reason", "resume_on", "check", "fragment"), [
    pytest.param("", dt.date(2026, 4, 1), "reason", "the reason is empty", id="empty-reason"),
    pytest.param("   ", dt.date(2026, 4, 1), "reason", "the reason is empty", id="blank-reason"),
    pytest.param("Turnaround", dt.date(2026, 3, 2), "resume_on",
                 "2026-03-02 is not after today (2026-03-02)", id="resume-today"),
    pytest.param("Turnaround", dt.date(2025, 12, 31), "resume_on", "is not after today",
                 id="resume-in-the-past"),
])
def test_hold_needs_a_reason_and_a_date_in_the_future(
    engine: Engine, shaping: DealLog, reason: str, resume_on: dt.date, check: str,
    fragment: str
) -> None:
    outcome = engine.hold(shaping.deal, reason=reason, resume_on=resume_on, actor="test")

    _assert_refused(outcome, shaping.deal, check, fragment)


def test_a_held_deal_resumes_before_its_resume_date(engine: Engine, shaping: DealLog) -> None:
    held = engine.hold(shaping.deal, reason="Budget freeze", resume_on=dt.date(2026, 9, 1),
                       actor="test").deal

    outcome = engine.resume(held, actor="test")

    assert outcome.ok
    assert outcome.deal.status is Status.open
    assert outcome.deal.hold is None
    assert outcome.deal.stage == "shape"


@pytest.mark.parametrize("operation", ["advance", "hold", "move_back"])
def test_a_held_deal_cannot_move_or_be_held_again(
    engine: Engine, shaping: DealLog, operation: str
) -> None:
    held = engine.hold(shaping.deal, reason="Budget freeze", resume_on=dt.date(2026, 9, 1),
                       actor="test").deal
    calls: dict[str, Callable[[], Outcome]] = {
        "advance": lambda: engine.advance(held, actor="test"),
        "hold": lambda: engine.hold(held, reason="again", resume_on=dt.date(2026, 10, 1),
                                    actor="test"),
        "move_back": lambda: engine.move_back(held, reason="rethink", actor="test"),
    }

    _assert_refused(calls[operation](), held, "status", "deal D-1 is on_hold")


def test_resume_needs_a_held_deal(engine: Engine, shaping: DealLog) -> None:
    _assert_refused(engine.resume(shaping.deal, actor="test"), shaping.deal, "status",
                    "deal D-1 is open")


# -- reopen --------------------------------------------------------------------------------
def test_a_lost_deal_reopens_in_the_stage_it_was_lost_from(
    engine: Engine, shaping: DealLog
) -> None:
    lost = engine.lose(shaping.deal, reason="timing", note="Next year", actor="test").deal

    outcome = engine.reopen(lost, actor="test")

    assert outcome.ok
    assert outcome.deal.status is Status.open
    assert outcome.deal.stage == "shape"
    assert (outcome.deal.lost_reason, outcome.deal.lost_note) == (None, "")


def test_a_won_deal_reopens_in_the_last_stage(engine: Engine, drive: Drive) -> None:
    won = engine.win(drive("decide").deal, actor="test").deal

    outcome = engine.reopen(won, actor="test")

    assert outcome.ok
    assert (outcome.deal.status, outcome.deal.stage) == (Status.open, "decide")


@pytest.mark.parametrize("held", [False, True], ids=["open", "on-hold"])
def test_reopen_needs_a_won_or_lost_deal(engine: Engine, shaping: DealLog, held: bool) -> None:
    deal = shaping.deal
    if held:
        deal = engine.hold(deal, reason="Freeze", resume_on=dt.date(2026, 9, 1),
                           actor="test").deal

    outcome = engine.reopen(deal, actor="test")

    _assert_refused(outcome, deal, "status", f"is {deal.status.value}")
    assert outcome.report.blocking[0].text == "reopen needs a deal that is won or lost"


# -- move back -----------------------------------------------------------------------------
def test_move_back_goes_to_the_previous_stage_by_default(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.move_back(shaping.deal, reason="Project re-scoped", actor="test")

    assert outcome.ok
    assert outcome.deal.stage == "discover"
    (event,) = outcome.events
    assert isinstance(event, StageMovedBack)
    assert (event.from_stage, event.to_stage, event.reason) == (
        "shape", "discover", "Project re-scoped")


def test_move_back_goes_to_any_earlier_stage_it_is_given(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.move_back(shaping.deal, reason="New initiator", to="qualify", actor="test")

    assert outcome.ok
    assert outcome.deal.stage == "qualify"
    assert outcome.deal.stage_entered_at == engine.clock()


@pytest.mark.parametrize(("reason", "to", "check", "fragment"), [
    pytest.param("", None, "reason", "the reason is empty", id="empty-reason"),
    pytest.param("  ", "qualify", "reason", "the reason is empty", id="blank-reason"),
    pytest.param("x", "validate", "stage", "'validate' is not before shape", id="later-stage"),
    pytest.param("x", "shape", "stage", "'shape' is not before shape", id="same-stage"),
    pytest.param("x", "qualfy", "stage", "did you mean 'qualify'?", id="typo"),
])
def test_move_back_needs_a_reason_and_an_earlier_stage(
    engine: Engine, shaping: DealLog, reason: str, to: str | None, check: str, fragment: str
) -> None:
    outcome = engine.move_back(shaping.deal, reason=reason, to=to, actor="test")

    _assert_refused(outcome, shaping.deal, check, fragment)


def test_the_first_stage_has_nowhere_to_move_back_to(engine: Engine, drive: Drive) -> None:
    deal = drive("qualify").deal

    _assert_refused(engine.move_back(deal, reason="x", actor="test"), deal, "stage",
                    "qualify is the first stage")


# -- facts ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "given", "stored"), [
    pytest.param("pain_confirmed", True, True, id="bool"),
    pytest.param("pain_confirmed", "yes", True, id="bool-from-yes"),
    pytest.param("pain_confirmed", " Off ", False, id="bool-from-off"),
    pytest.param("budget_status", "planned", "planned", id="enum"),
    pytest.param("tender_date", dt.date(2026, 5, 1), dt.date(2026, 5, 1), id="date"),
    pytest.param("tender_date", "2026-05-01", dt.date(2026, 5, 1), id="date-from-iso-text"),
    pytest.param("tender_date", dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC), dt.date(2026, 5, 1),
                 id="date-from-datetime"),
    pytest.param("competitor", "Acme", "Acme", id="str"),
])
def test_set_fact_stores_the_value_in_the_facts_type(
    engine: Engine, shaping: DealLog, name: str, given: object, stored: object
) -> None:
    outcome = engine.set_fact(shaping.deal, name, given, actor="test")

    assert outcome.ok, str(outcome.report)
    assert outcome.deal.facts[name] == stored
    assert type(outcome.deal.facts[name]) is type(stored)
    (event,) = outcome.events
    assert isinstance(event, FactSet)
    assert event.value == stored


@pytest.mark.parametrize(("name", "given", "check", "fragment"), [
    pytest.param("industry", "mining", "value",
                 "expected one of: petrochemical, chemical, manufacturing, energy, other",
                 id="enum-value-not-allowed"),
    pytest.param("budget_status", "Approved", "value", "expected one of: unknown, planned",
                 id="enum-values-are-case-sensitive"),
    pytest.param("pain_confirmed", "maybe", "value", "expected true or false", id="bool"),
    pytest.param("tender_date", "next week", "value", "expected a date like", id="date"),
    pytest.param("competitor", 42, "value", "expected text", id="str"),
    pytest.param("pain_confirm", True, "fact", "did you mean 'pain_confirmed'?",
                 id="unknown-fact"),
])
def test_set_fact_refuses_a_value_or_a_fact_the_playbook_does_not_allow(
    engine: Engine, shaping: DealLog, name: str, given: object, check: str, fragment: str
) -> None:
    outcome = engine.set_fact(shaping.deal, name, given, actor="test")

    _assert_refused(outcome, shaping.deal, check, fragment)


def test_set_fact_to_none_clears_it(engine: Engine, shaping: DealLog) -> None:
    assert shaping.deal.facts["decision_criteria_known"] is True

    outcome = engine.set_fact(shaping.deal, "decision_criteria_known", None, actor="test")

    assert outcome.ok
    assert "decision_criteria_known" not in outcome.deal.facts
    assert not engine.explain(outcome.deal).allowed


def test_facts_can_be_set_on_a_lost_deal(engine: Engine, shaping: DealLog) -> None:
    lost = engine.lose(shaping.deal, reason="competitor", actor="test").deal

    outcome = engine.set_fact(lost, "competitor", "Acme", actor="test")

    assert outcome.ok
    assert outcome.deal.facts["competitor"] == "Acme"


# -- stakeholders --------------------------------------------------------------------------
def test_a_stakeholder_with_an_unknown_role_is_refused(engine: Engine, shaping: DealLog) -> None:
    person = Stakeholder(id="gm", name="Gao", roles=("aprover",))

    outcome = engine.add_stakeholder(shaping.deal, person, actor="test")

    _assert_refused(outcome, shaping.deal, "roles", "unknown role 'aprover'; did you mean "
                                                    "'approver'?")


def test_an_update_that_gives_an_unknown_role_is_refused(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.update_stakeholder(shaping.deal, "ines", roles=("initiator", "sponsor"),
                                        actor="test")

    _assert_refused(outcome, shaping.deal, "roles", "unknown role 'sponsor'")


def test_a_second_stakeholder_with_the_same_id_is_refused(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.add_stakeholder(shaping.deal, Stakeholder(id="ines", name="Another Ines"),
                                     actor="test")

    _assert_refused(outcome, shaping.deal, "stakeholder",
                    "deal D-1 already has stakeholder 'ines'")


@pytest.mark.parametrize(("person", "changes", "fragment"), [
    pytest.param("inez", {"stance": "opponent"}, "no stakeholder 'inez'; did you mean 'ines'?",
                 id="unknown-person"),
    pytest.param("ines", {"stance": "hostile"}, "stance: 'hostile' is not allowed; expected",
                 id="bad-stance"),
    pytest.param("ines", {"mood": "happy"}, "mood: unknown field",
                 id="unknown-field"),
])
def test_an_invalid_stakeholder_update_is_refused(
    engine: Engine, shaping: DealLog, person: str, changes: dict[str, Any], fragment: str
) -> None:
    outcome = engine.update_stakeholder(shaping.deal, person, actor="test", **changes)

    _assert_refused(outcome, shaping.deal, "stakeholder", fragment)


def test_a_stakeholder_update_keeps_what_it_does_not_change(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.update_stakeholder(shaping.deal, "tara", stance="skeptic", actor="test")

    tara = outcome.deal.stakeholder("tara")
    assert tara is not None
    assert (tara.stance, tara.roles, tara.title) == (
        Stance.skeptic, ("technical_buyer",), "Head of engineering")


def test_removing_a_stakeholder_takes_them_off_the_map(engine: Engine, shaping: DealLog) -> None:
    outcome = engine.remove_stakeholder(shaping.deal, "paula", actor="test")

    assert outcome.ok
    assert outcome.deal.stakeholder("paula") is None
    _assert_refused(engine.remove_stakeholder(outcome.deal, "paula", actor="test"),
                    outcome.deal, "stakeholder", "no stakeholder 'paula'")


# -- checklist items -----------------------------------------------------------------------
def test_an_item_without_declared_evidence_is_done_without_any(
    engine: Engine, shaping: DealLog
) -> None:
    outcome = engine.complete_item(shaping.deal, "spec_input", actor="li")

    assert outcome.ok
    done = outcome.deal.items_done["spec_input"]
    assert (done.actor, done.stage, done.evidence, done.at) == ("li", "shape", None,
                                                                engine.clock())


@pytest.mark.parametrize("evidence", [None, "", "  "], ids=["none", "empty", "blank"])
def test_an_item_that_declares_evidence_is_refused_without_it(
    engine: Engine, shaping: DealLog, evidence: str | None
) -> None:
    outcome = engine.complete_item(shaping.deal, "criteria_workshop", evidence=evidence,
                                   actor="test")

    _assert_refused(outcome, shaping.deal, "evidence",
                    "evidence: Criteria list confirmed by the customer")


def test_an_item_that_declares_evidence_is_done_with_it(engine: Engine, shaping: DealLog) -> None:
    outcome = engine.complete_item(shaping.deal, "criteria_workshop", actor="test",
                                   evidence="criteria-v3.pdf, confirmed by Tara")

    assert outcome.ok
    assert outcome.deal.items_done["criteria_workshop"].evidence == (
        "criteria-v3.pdf, confirmed by Tara")


@pytest.mark.parametrize(("item", "fragment"), [
    pytest.param("criteria_workshp", "did you mean 'criteria_workshop'?", id="typo"),
    pytest.param("deliver_proposal", "no item 'deliver_proposal' applies to D-1 in shape",
                 id="item-of-another-stage"),
    pytest.param("competitor_plan", "no item 'competitor_plan' applies", id="when-not-holding"),
])
def test_an_item_not_on_the_current_checklist_is_refused(
    engine: Engine, shaping: DealLog, item: str, fragment: str
) -> None:
    _assert_refused(engine.complete_item(shaping.deal, item, actor="test"), shaping.deal,
                    "item", fragment)


def test_an_item_whose_condition_holds_can_be_done(engine: Engine, shaping: DealLog) -> None:
    deal = engine.set_fact(shaping.deal, "competitor", "Acme", actor="test").deal

    assert engine.complete_item(deal, "competitor_plan", actor="test").ok


def test_an_item_is_done_only_once(engine: Engine, shaping: DealLog) -> None:
    deal = engine.complete_item(shaping.deal, "spec_input", actor="li").deal

    _assert_refused(engine.complete_item(deal, "spec_input", actor="wu"), deal, "item",
                    "spec_input was done by li")


def test_a_for_each_item_repeats_per_matching_stakeholder_as_item_at_person(
    engine: Engine, drive: Drive
) -> None:
    deal = drive("discover").deal
    for person in ("sam", "sue"):
        deal = engine.add_stakeholder(deal, Stakeholder(
            id=person, name=person.title(), stance=Stance.skeptic, influence="high"),
            actor="test").deal
    deal = engine.add_stakeholder(deal, Stakeholder(
        id="sid", name="Sid", stance=Stance.skeptic, influence="low"), actor="test").deal
    ctx = engine.context(deal)

    ids = [inst.id for inst in ctx.item_instances(engine.playbook.stage("discover"))
           if inst.item.id == "meet_skeptic"]

    assert ids == ["meet_skeptic@sam", "meet_skeptic@sue"]
    _assert_refused(engine.complete_item(deal, "meet_skeptic", actor="test"), deal, "item",
                    "no item 'meet_skeptic' applies")
    deal = engine.complete_item(deal, "meet_skeptic@sam", actor="test").deal
    assert not engine.context(deal).item_done("meet_skeptic")
    deal = engine.complete_item(deal, "meet_skeptic@sue", actor="test").deal
    assert engine.context(deal).item_done("meet_skeptic")


def test_items_can_be_done_while_the_deal_is_on_hold_but_not_once_it_is_closed(
    engine: Engine, shaping: DealLog
) -> None:
    held = engine.hold(shaping.deal, reason="Freeze", resume_on=dt.date(2026, 9, 1),
                       actor="test").deal
    lost = engine.lose(shaping.deal, reason="timing", actor="test").deal

    assert engine.complete_item(held, "spec_input", actor="test").ok
    _assert_refused(engine.complete_item(lost, "spec_input", actor="test"), lost, "status",
                    "is lost")


# -- edit ----------------------------------------------------------------------------------
def test_edit_changes_the_deals_fields(engine: Engine, shaping: DealLog) -> None:
    outcome = engine.edit(shaping.deal, actor="test", amount="125000.50", title="Phase 2")

    assert outcome.ok
    assert str(outcome.deal.amount) == "125000.50"
    assert outcome.deal.title == "Phase 2"


@pytest.mark.parametrize(("changes", "check", "fragment"), [
    pytest.param({"stage": "propose"}, "field", "cannot edit 'stage'", id="not-editable"),
    pytest.param({"amount": -5}, "deal", "amount: -5 is negative; an amount is zero or more",
                 id="negative-amount"),
    pytest.param({"currency": "EURO"}, "deal", "currency:", id="bad-currency"),
])
def test_edit_refuses_other_fields_and_invalid_values(
    engine: Engine, shaping: DealLog, changes: dict[str, Any], check: str, fragment: str
) -> None:
    _assert_refused(engine.edit(shaping.deal, actor="test", **changes), shaping.deal, check,
                    fragment)


# -- refusals as exceptions ----------------------------------------------------------------
REFUSALS: dict[str, tuple[Callable[[Engine, Deal], Outcome], str]] = {
    "advance": (lambda e, d: e.advance(d, actor="t", raise_on_refusal=True), "pain_confirmed"),
    "win": (lambda e, d: e.win(d, actor="t", raise_on_refusal=True), "stage"),
    "lose": (lambda e, d: e.lose(d, reason="competitr", actor="t", raise_on_refusal=True),
             "reason"),
    "move_back": (lambda e, d: e.move_back(d, reason="x", actor="t", raise_on_refusal=True),
                  "stage"),
    "hold": (lambda e, d: e.hold(d, reason="x", resume_on=dt.date(2020, 1, 1), actor="t",
                                 raise_on_refusal=True), "resume_on"),
    "resume": (lambda e, d: e.resume(d, actor="t", raise_on_refusal=True), "status"),
    "reopen": (lambda e, d: e.reopen(d, actor="t", raise_on_refusal=True), "status"),
    "set_fact": (lambda e, d: e.set_fact(d, "nope", 1, actor="t", raise_on_refusal=True),
                 "fact"),
    "add_stakeholder": (lambda e, d: e.add_stakeholder(
        d, Stakeholder(id="x", name="X", roles=("boss",)), actor="t", raise_on_refusal=True),
        "roles"),
    "update_stakeholder": (lambda e, d: e.update_stakeholder(
        d, "nobody", actor="t", raise_on_refusal=True), "stakeholder"),
    "remove_stakeholder": (lambda e, d: e.remove_stakeholder(
        d, "nobody", actor="t", raise_on_refusal=True), "stakeholder"),
    "complete_item": (lambda e, d: e.complete_item(d, "nope", actor="t",
                                                   raise_on_refusal=True), "item"),
    "edit": (lambda e, d: e.edit(d, actor="t", raise_on_refusal=True, stage="won"), "field"),
}


@pytest.mark.parametrize("operation", REFUSALS)
def test_raise_on_refusal_raises_move_refused_with_the_deal_and_the_unmet_checks(
    engine: Engine, operation: str
) -> None:
    deal = engine.create(deal_id="D-9", title="t", account="a", owner="o", actor="t").deal
    call, check_id = REFUSALS[operation]

    with pytest.raises(MoveRefused) as caught:
        call(engine, deal)

    error = caught.value
    assert isinstance(error, RuntimeDealError)
    assert isinstance(error, DealflowError)
    assert error.deal is deal
    assert not error.report.allowed
    assert error.unmet == error.report.blocking
    assert check_id in [check.id for check in error.unmet]
    assert str(error) == str(error.report)


def test_without_raise_on_refusal_the_same_refusal_is_returned(engine: Engine) -> None:
    deal = engine.create(deal_id="D-9", title="t", account="a", owner="o", actor="t").deal

    outcome = engine.advance(deal, actor="t")

    assert not outcome.ok
    with pytest.raises(MoveRefused) as caught:
        outcome.raise_for_refusal()
    assert caught.value.report == outcome.report


def test_create_with_invalid_fields_raises_move_refused(engine: Engine) -> None:
    with pytest.raises(MoveRefused) as caught:
        engine.create(deal_id="D-9", title="", account="a", owner="o", actor="t", amount="lots")

    assert [check.id for check in caught.value.unmet] == ["deal"]
    assert caught.value.unmet[0].missing == (
        "title: empty",
        "amount: 'lots' is not an amount; write digits 0-9 with at most two decimals, like "
        "12500 or 12500.50")


# -- rules that fail while evaluated -------------------------------------------------------
TINY = """
id: tiny
version: "1"
title: Tiny
locales: [en]
buyer_phases: [{id: needs, name: Needs}]
stages:
  - id: first
    name: First
    buyer_phase: needs
    goal: Size the team
    probability: 10
    gates:
      - {id: small_team, text: Fewer than ten seats, when: "facts.seats < 10"}
  - id: second
    name: Second
    buyer_phase: needs
    goal: Sign
    probability: 50
    gates:
      - {id: good_margin, text: The margin is high enough, when: "facts.note > 3"}
roles: [{id: buyer, name: Buyer}]
our_roles: [{id: sales, name: Sales}]
facts:
  - {id: seats, name: Seats, type: int}
  - {id: margin, name: Margin, type: float}
  - {id: note, name: Note, type: str}
lost_reasons: [{id: lost, name: Lost}]
"""


@pytest.fixture(scope="module")
def tiny_playbook() -> Playbook:
    """Two stages whose gates compare facts; an int, a float and a text fact."""
    return parse_playbook(TINY, "tiny.yaml")


@pytest.fixture
def tiny(tiny_playbook: Playbook) -> Engine:
    return Engine(tiny_playbook, clock=lambda: dt.datetime(2026, 3, 2, tzinfo=dt.UTC))


@pytest.fixture
def tiny_deal(tiny: Engine) -> Deal:
    return tiny.create(deal_id="T-1", title="t", account="a", owner="o", actor="t").deal


def test_comparing_an_unset_fact_blocks_with_the_error_as_reason(
    tiny: Engine, tiny_deal: Deal
) -> None:
    outcome = tiny.advance(tiny_deal, actor="t")

    assert not outcome.ok
    (check,) = outcome.report.blocking
    assert check.id == "small_team"
    assert check.missing == ("fact 'seats' is not set",)
    assert check.error == "fact 'seats' is not set"
    assert tiny.explain(tiny_deal).checks == outcome.report.checks


def test_comparing_a_text_with_a_number_blocks_and_never_raises(
    tiny: Engine, tiny_deal: Deal
) -> None:
    deal = tiny.set_fact(tiny_deal, "seats", 4, actor="t").deal
    deal = tiny.advance(deal, actor="t").deal
    deal = tiny.set_fact(deal, "note", "high", actor="t").deal

    outcome = tiny.advance(deal, actor="t", raise_on_refusal=False)
    won = tiny.win(deal, actor="t")

    assert outcome.report.blocking[0].id == "stage"
    (check,) = won.report.blocking
    assert check.id == "good_margin"
    assert check.error is not None
    assert check.error.startswith("TypeError: '>' not supported")
    assert check.missing == (f"the rule failed: {check.error}",)


def test_a_compared_fact_passes_once_it_is_set(tiny: Engine, tiny_deal: Deal) -> None:
    deal = tiny.set_fact(tiny_deal, "seats", "7", actor="t").deal

    outcome = tiny.advance(deal, actor="t")

    assert outcome.ok
    assert deal.facts["seats"] == 7


@pytest.mark.parametrize(("name", "given", "stored"), [
    pytest.param("seats", 12, 12, id="int"),
    pytest.param("seats", " 12 ", 12, id="int-from-text"),
    pytest.param("seats", 3.0, 3, id="int-from-whole-float"),
    pytest.param("margin", "0.25", 0.25, id="float-from-text"),
    pytest.param("margin", 2, 2.0, id="float-from-int"),
])
def test_number_facts_are_coerced_to_their_type(
    tiny: Engine, tiny_deal: Deal, name: str, given: object, stored: object
) -> None:
    value = tiny.set_fact(tiny_deal, name, given, actor="t").deal.facts[name]

    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize(("name", "given", "fragment"), [
    pytest.param("seats", 2.5, "expected a whole number", id="int-from-fraction"),
    pytest.param("seats", True, "expected a whole number", id="int-from-bool"),
    pytest.param("margin", "a lot", "expected a number", id="float-from-words"),
])
def test_number_facts_refuse_values_of_another_type(
    tiny: Engine, tiny_deal: Deal, name: str, given: object, fragment: str
) -> None:
    _assert_refused(tiny.set_fact(tiny_deal, name, given, actor="t"), tiny_deal, "value",
                    fragment)


# -- playbook versions ---------------------------------------------------------------------
OPERATIONS: dict[str, Callable[[Engine, Deal], Outcome]] = {
    "advance": lambda e, d: e.advance(d, actor="t"),
    "win": lambda e, d: e.win(d, actor="t"),
    "lose": lambda e, d: e.lose(d, reason="competitor", actor="t"),
    "move_back": lambda e, d: e.move_back(d, reason="x", actor="t"),
    "hold": lambda e, d: e.hold(d, reason="x", resume_on=dt.date(2026, 9, 1), actor="t"),
    "resume": lambda e, d: e.resume(d, actor="t"),
    "reopen": lambda e, d: e.reopen(d, actor="t"),
    "set_fact": lambda e, d: e.set_fact(d, "pain_confirmed", True, actor="t"),
    "add_stakeholder": lambda e, d: e.add_stakeholder(d, Stakeholder(id="x", name="X"),
                                                      actor="t"),
    "update_stakeholder": lambda e, d: e.update_stakeholder(d, "ines", stance="neutral",
                                                            actor="t"),
    "remove_stakeholder": lambda e, d: e.remove_stakeholder(d, "ines", actor="t"),
    "complete_item": lambda e, d: e.complete_item(d, "spec_input", actor="t"),
    "set_next_step": lambda e, d: e.set_next_step(
        d, NextStep(what="Call", who="li", due=dt.date(2026, 3, 9)), actor="t"),
    "edit": lambda e, d: e.edit(d, title="x", actor="t"),
}


@pytest.fixture
def next_version(default_playbook: Playbook) -> Engine:
    """An engine for version 2.1.0 of the default playbook."""
    playbook = default_playbook.model_copy(update={"version": "2.1.0"})
    return Engine(playbook, clock=lambda: dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_deal_from_another_playbook_version_is_refused(
    next_version: Engine, shaping: DealLog, operation: str
) -> None:
    outcome = OPERATIONS[operation](next_version, shaping.deal)

    _assert_refused(outcome, shaping.deal, "playbook",
                    "deal D-1 runs under complex-b2b 2.0.0, this engine under complex-b2b 2.1.0")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_deal_from_another_playbook_is_refused_even_in_a_stage_unknown_here(
    minimal_playbook: Playbook, engine: Engine, operation: str
) -> None:
    other = Engine(minimal_playbook, clock=engine.clock)
    deal = other.create(deal_id="M-1", title="t", account="a", owner="o", actor="t").deal
    deal = other.set_fact(deal, "pain_confirmed", True, actor="t").deal
    deal = other.advance(deal, actor="t").deal
    assert deal.stage not in STAGES

    outcome = OPERATIONS[operation](engine, deal)

    _assert_refused(outcome, deal, "playbook", "runs under minimal 1")
    assert [check.id for check in engine.explain(deal).checks] == ["playbook"]


# -- events and reports --------------------------------------------------------------------
def test_every_successful_outcome_replays_from_the_events_so_far(
    engine: Engine, drive: Drive
) -> None:
    log = drive("discover")
    steps: list[Callable[[Deal], Outcome]] = [
        lambda d: engine.set_next_step(d, NextStep(what="Workshop", who="li",
                                                   due=dt.date(2026, 3, 9)), actor="t"),
        lambda d: engine.add_stakeholder(d, Stakeholder(id="sam", name="Sam", influence="high",
                                                        stance="skeptic"), actor="t"),
        lambda d: engine.update_stakeholder(d, "sam", stance="neutral", actor="t"),
        lambda d: engine.complete_item(d, "map_decision_chain", evidence="map.xlsx", actor="t"),
        lambda d: engine.set_fact(d, "tender_date", "2026-06-01", actor="t"),
        lambda d: engine.set_fact(d, "tender_date", None, actor="t"),
        lambda d: engine.edit(d, amount=64000, owner="wu", actor="t"),
        lambda d: engine.advance(d, actor="t"),
        lambda d: engine.move_back(d, reason="Budget re-planned", actor="t"),
        lambda d: engine.hold(d, reason="Freeze", resume_on=dt.date(2026, 4, 1), actor="t"),
        lambda d: engine.resume(d, actor="t"),
        lambda d: engine.remove_stakeholder(d, "sam", actor="t"),
        lambda d: engine.lose(d, reason="no_decision", note="Stalled", actor="t"),
        lambda d: engine.reopen(d, actor="t"),
        lambda d: engine.advance(d, actor="t"),
    ]

    for step in steps:
        outcome = step(log.deal)
        log.record(outcome)

        assert engine.replay(log.events) == outcome.deal
        assert outcome.deal.version == len(log.events)
    assert [event.seq for event in log.events] == list(range(1, len(log.events) + 1))


def test_str_of_a_report_lists_the_blocking_checks_with_their_reasons(engine: Engine) -> None:
    deal = engine.create(deal_id="D-3", title="t", account="a", owner="o", actor="t").deal
    deal = engine.set_fact(deal, "budget_status", "approved", actor="t").deal

    text = str(engine.advance(deal, actor="t").report)

    lines = text.splitlines()
    assert lines[0] == "advance D-3 from qualify to discover: refused"
    assert "  BLOCK pain_confirmed: The customer confirmed the problem and its business " \
           "effects" in lines
    assert "        - fact pain_confirmed is not set" in lines
    assert "        - no stakeholder has role initiator" in lines
    assert any(line.startswith("        hint: Send a recap") for line in lines)
    assert any(line.startswith("  warn  initiator_supportive:") for line in lines)
    assert "budget_signal" not in text


def test_str_of_an_allowed_report_says_allowed(engine: Engine, drive: Drive) -> None:
    outcome = engine.advance(drive("qualify").deal, actor="t")

    assert str(outcome.report) == "advance D-1 from qualify to discover: allowed"


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_handover_checklist_reads_in_the_checklists_language(engine: Engine, drive: Drive,
                                                                 locale: str) -> None:
    from dealflow.sop import build_checklist

    won = engine.win(drive("decide").deal, actor="test").deal
    playbook = engine.playbook
    declared = {effect.open_item.id: effect.open_item.text
                for effect in playbook.moves.win.effects if effect.open_item}
    shown = {line.item_id: line.text for line in build_checklist(
        playbook, won, locale=locale).items if line.item_id in declared}
    assert shown == {item: playbook.text(text, locale) for item, text in declared.items()}
