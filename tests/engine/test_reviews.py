"""Win/loss reviews: a playbook's review form, required with the move or given later."""

from __future__ import annotations

import pytest

from dealflow import Engine, Stakeholder, load_playbook
from dealflow.deal import Deal, Evidence, Status
from dealflow.engine import DealLost, ReviewGiven, replay
from dealflow.playbook import question_choices
from tests.conftest import FIXED, TESTS

PLAYBOOK = load_playbook(TESTS / "playbooks" / "lab-evidence.yaml")


@pytest.fixture
def lab() -> Engine:
    return Engine(PLAYBOOK, clock=lambda: FIXED)


@pytest.fixture
def created(lab: Engine) -> tuple[Deal, list[object]]:
    outcome = lab.create(deal_id="L-1", title="Spectrometer", account="Lab A", owner="ana",
                         actor="ana")
    return outcome.deal, list(outcome.events)


def _last_stage(lab: Engine, deal: Deal) -> Deal:
    deal = lab.add_stakeholder(deal, Stakeholder(id="hana", name="Hana", roles=("lab_head",)),
                               actor="ana").deal
    deal = lab.set_fact(deal, "trial_ok", True, actor="ana",
                        evidence=Evidence(confirmed_by="hana")).deal
    deal = lab.advance(deal, actor="ana").deal
    deal = lab.set_fact(deal, "order_in", True, actor="ana",
                        evidence=Evidence(evidence="PO 118")).deal
    return lab.verify_fact(deal, "order_in", by="lee", actor="lee").deal


def test_a_required_loss_review_is_asked_for_with_the_move(
    lab: Engine, created: tuple[Deal, list[object]],
) -> None:
    deal, _ = created

    refused = lab.lose(deal, reason="went_quiet", actor="ana")

    assert not refused.ok
    (check,) = refused.report.blocking
    assert check.missing == ("unanswered: weakest, cause",)


def test_the_answers_go_with_the_loss_as_their_own_event(
    lab: Engine, created: tuple[Deal, list[object]],
) -> None:
    deal, events = created

    outcome = lab.lose(deal, reason="picked_rival", actor="ana",
                       answers={"weakest": "trial_passed", "cause": "price"})

    assert outcome.ok, str(outcome.report)
    lost, review = outcome.events
    assert isinstance(lost, DealLost)
    assert isinstance(review, ReviewGiven)
    assert review.seq == lost.seq + 1
    assert outcome.deal.review is not None
    assert outcome.deal.review.answers == {"weakest": "trial_passed", "cause": "price"}
    assert (outcome.deal.review.outcome, outcome.deal.review.stage) == ("lost", "trial_run")
    assert replay([*events, *outcome.events], PLAYBOOK) == outcome.deal  # type: ignore[list-item]


@pytest.mark.parametrize(("answers", "missing"), [
    ({"weakest": "trial_pased", "cause": "price"}, "weakest: unknown choice 'trial_pased'"),
    ({"weakest": "trial_passed", "cause": "price", "mood": "sad"}, "unknown question 'mood'"),
    ({"weakest": "trial_passed", "cause": "luck"}, "cause: unknown choice 'luck'"),
], ids=["typo-in-a-gate", "unknown-question", "undeclared-choice"])
def test_answers_outside_the_form_are_refused(
    lab: Engine, created: tuple[Deal, list[object]], answers: dict[str, str], missing: str,
) -> None:
    outcome = lab.lose(created[0], reason="went_quiet", actor="ana", answers=answers)

    assert not outcome.ok
    assert any(reason.startswith(missing) for c in outcome.report.blocking
               for reason in c.missing)


def test_an_optional_win_review_is_given_later(
    lab: Engine, created: tuple[Deal, list[object]],
) -> None:
    won = lab.win(_last_stage(lab, created[0]), actor="ana")
    assert won.ok, str(won.report)
    assert won.deal.status is Status.won
    assert won.deal.review is None

    reviewed = lab.review(won.deal, {"cause": "service"}, actor="ana")

    assert reviewed.ok, str(reviewed.report)
    assert reviewed.deal.review is not None
    assert reviewed.deal.review.outcome == "won"


def test_an_open_deal_has_no_review_yet(lab: Engine, created: tuple[Deal, list[object]]) -> None:
    outcome = lab.review(created[0], {"cause": "fit"}, actor="ana")

    assert not outcome.ok
    assert outcome.report.blocking[0].id == "status"


def test_a_playbook_without_a_form_takes_no_answers(lab_playbook_engine: Engine) -> None:
    deal = lab_playbook_engine.create(deal_id="S-1", title="t", account="a", owner="o",
                                      actor="o").deal
    reasons = [r.id for r in lab_playbook_engine.playbook.lost_reasons]

    plain = lab_playbook_engine.lose(deal, reason=reasons[0], actor="o")
    answered = lab_playbook_engine.lose(deal, reason=reasons[0], actor="o",
                                        answers={"why": "x"})

    assert plain.ok
    assert len(plain.events) == 1
    assert not answered.ok


@pytest.fixture
def lab_playbook_engine() -> Engine:
    from tests.conftest import LAB_PLAYBOOK

    return Engine(load_playbook(LAB_PLAYBOOK), clock=lambda: FIXED)


@pytest.mark.parametrize(("source", "expected"), [
    ("gates", ("trial_passed", "order_checked")),
    ("stages", ("trial_run", "paperwork")),
    ("lost_reasons", ("went_quiet", "picked_rival")),
    ("plays", ()),
], ids=["gates", "stages", "lost_reasons", "plays"])
def test_choices_are_taken_from_the_playbook(source: str, expected: tuple[str, ...]) -> None:
    from dealflow.playbook import ReviewQuestion

    question = ReviewQuestion(id="q", text="?", choices_from=source)  # type: ignore[arg-type]

    assert question_choices(PLAYBOOK, question) == expected
