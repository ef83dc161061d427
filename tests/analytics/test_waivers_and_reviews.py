"""Waivers and win/loss review answers, counted: in compliance, in `review_counts` and in
the HTML report, on a playbook of another business (tests/playbooks/lab-evidence.yaml)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from dealflow import (
    Competitor,
    Engine,
    Stakeholder,
    Store,
    Team,
    TeamMember,
    load_playbook,
    render_report,
    review_counts,
)
from dealflow.deal import Deal
from dealflow.engine import Outcome
from dealflow.sop import compliance
from tests.conftest import FIXED, TESTS

PLAYBOOK = load_playbook(TESTS / "playbooks" / "lab-evidence.yaml")


@pytest.fixture
def store(tmp_path: object) -> Iterator[Store]:
    leads = Team(people=tuple(TeamMember(id=person, name=person, roles=("sales_lead",))
                              for person in ("sam", "kim")))
    with Store(f"sqlite:///{tmp_path}/w.db", playbook=PLAYBOOK, clock=lambda: FIXED,
               team=leads) as kept:
        yield kept


def _deal(store: Store, deal_id: str, owner: str) -> Deal:
    store.create(deal_id=deal_id, title="Spectrometer", account="Lab", owner=owner,
                 actor=owner)
    return _apply(store, deal_id, lambda e, d: e.add_stakeholder(
        d, Stakeholder(id="hana", name="Hana", roles=("lab_head",)), actor=owner)).deal


def _apply(store: Store, deal_id: str, operation: object) -> Outcome:
    outcome = store.apply(deal_id, operation)  # type: ignore[arg-type]
    assert outcome.ok, str(outcome.report)
    return outcome


def _waive(store: Store, deal_id: str, person: str) -> None:
    _apply(store, deal_id, lambda e, d: e.waive(d, "trial_passed", person=person,
                                                role="sales_lead", reason="PO signed",
                                                actor=person))


def test_waivers_are_counted_by_control_point_owner_and_approver(store: Store) -> None:
    for deal_id, owner, approver in (("A", "ana", "sam"), ("B", "ana", "sam"),
                                     ("C", "bo", "kim")):
        _deal(store, deal_id, owner)
        _waive(store, deal_id, approver)

    counts = compliance(PLAYBOOK, [store.events(d) for d in "ABC"], now=FIXED).waivers

    assert counts.total == 3
    assert counts.to_dict() == {
        "total": 3, "by_gate": {"trial_passed": 3}, "by_owner": {"ana": 2, "bo": 1},
        "by_approver": {"sam (sales_lead)": 2, "kim (sales_lead)": 1}}


def test_review_answers_are_counted_by_stage_reason_and_owner(store: Store) -> None:
    answers = {"A": ("ana", "went_quiet", "price"), "B": ("ana", "picked_rival", "price"),
               "C": ("bo", "picked_rival", "fit")}
    for deal_id, (owner, reason, cause) in answers.items():
        _deal(store, deal_id, owner)
        _apply(store, deal_id, lambda e, d, r=reason, c=cause: e.lose(
            d, reason=r, actor="x", answers={"weakest": "trial_passed", "cause": c}))
    _deal(store, "D", "bo")  # open: not counted

    counts = review_counts(store)

    assert (counts.closed, counts.reviewed) == (3, 3)
    assert counts.total[("lost", "cause", "price")] == 2
    assert counts.total[("lost", "weakest", "trial_passed")] == 3
    assert counts.by["reason"]["picked_rival"][("lost", "cause", "fit")] == 1
    assert counts.by["owner"]["ana"][("lost", "cause", "price")] == 2
    assert counts.by["stage"]["trial_run"][("lost", "cause", "price")] == 2


def test_review_answers_are_counted_by_the_competitor_that_won(store: Store) -> None:
    for deal_id, winner in (("A", "acme"), ("B", "acme"), ("C", None)):
        _deal(store, deal_id, "ana")
        _apply(store, deal_id, lambda e, d: e.set_competitor(
            d, Competitor(id="acme", name="Acme Instruments"), actor="x"))
        _apply(store, deal_id, lambda e, d, w=winner: e.lose(
            d, winner=w, reason="picked_rival", actor="x",
            answers={"weakest": "trial_passed", "cause": "price"}))

    counts = review_counts(store)

    assert counts.by["competitor"] == {"acme": {("lost", "cause", "price"): 2,
                                                ("lost", "weakest", "trial_passed"): 2}}


def test_a_review_of_an_earlier_closing_is_not_counted_once_reopened(store: Store) -> None:
    _deal(store, "A", "ana")
    _apply(store, "A", lambda e, d: e.lose(d, reason="went_quiet", actor="x",
                                           answers={"weakest": "trial_passed", "cause": "fit"}))
    _apply(store, "A", lambda e, d: e.reopen(d, actor="x"))

    counts = review_counts(store)

    assert (counts.closed, counts.reviewed) == (0, 0)


def test_the_report_shows_waivers_and_review_answers(store: Store) -> None:
    _deal(store, "A", "ana")
    _waive(store, "A", "sam")
    _apply(store, "A", lambda e, d: e.lose(d, reason="went_quiet", actor="x",
                                           answers={"weakest": "trial_passed", "cause": "fit"}))

    page = render_report(store, now=FIXED + dt.timedelta(days=1))

    assert "<h2>Waivers</h2>" in page
    assert "<td>sam (sales_lead)</td><td>1</td>" in page
    assert "<td>The head of lab confirmed the trial met the bar</td><td>1</td>" in page
    assert "<h2>Win/loss reviews</h2>" in page
    # the question by its text, a choice the playbook names (a gate) by its name
    assert "<td>lost</td><td>What decided it?</td><td>fit</td><td>1</td>" in page
    assert ("<td>lost</td><td>Which control point was weakest?</td><td>The head of lab "
            "confirmed the trial met the bar</td><td>1</td>") in page


def test_engine_and_store_agree_on_the_review(store: Store) -> None:
    _deal(store, "A", "ana")
    _apply(store, "A", lambda e, d: e.lose(d, reason="went_quiet", actor="x",
                                           answers={"weakest": "trial_passed", "cause": "fit"}))

    assert store.replay("A") == store.get("A")
    assert Engine(PLAYBOOK).replay(store.events("A")) == store.get("A")
