"""Waivers: a blocked control point passes on the record, given by a role the playbook
allows, with a reason and an expiry (the stage left, or a day)."""

from __future__ import annotations

import datetime as dt

import pytest

from dealflow import Engine, Stakeholder, Team, TeamMember, load_playbook
from dealflow.deal import Deal
from dealflow.engine import GateWaived, replay
from tests.conftest import FIXED, TESTS

PLAYBOOK = load_playbook(TESTS / "playbooks" / "lab-evidence.yaml")
TEAM = Team(people=(TeamMember(id="Sam", name="Sam", roles=("sales_lead",)),
                    TeamMember(id="ana", name="Ana", roles=("rep",))))


class Clock:
    def __init__(self) -> None:
        self.now = FIXED

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lab(clock: Clock) -> Engine:
    return Engine(PLAYBOOK, clock=clock, team=TEAM)


@pytest.fixture
def deal(lab: Engine) -> Deal:
    deal = lab.create(deal_id="L-1", title="Spectrometer", account="Lab A", owner="ana",
                      actor="ana").deal
    return lab.add_stakeholder(deal, Stakeholder(id="hana", name="Hana", roles=("lab_head",)),
                               actor="ana").deal


def _waive(lab: Engine, deal: Deal, **changes: object) -> object:
    given: dict[str, object] = {"person": "Sam", "role": "sales_lead",
                                "reason": "PO signed; report follows", "actor": "sam"}
    given.update(changes)
    return lab.waive(deal, "trial_passed", **given)  # type: ignore[arg-type]


def test_a_waived_control_point_lets_the_deal_move_and_says_who_waived_it(
    lab: Engine, deal: Deal,
) -> None:
    assert not lab.advance(deal, actor="ana").ok
    outcome = _waive(lab, deal)
    assert outcome.ok, str(outcome.report)  # type: ignore[attr-defined]
    waived = outcome.deal  # type: ignore[attr-defined]
    (event,) = outcome.events  # type: ignore[attr-defined]
    assert isinstance(event, GateWaived)
    assert (event.gate, event.person, event.role, event.until) == (
        "trial_passed", "Sam", "sales_lead", None)

    report = lab.explain(waived)
    (check,) = [c for c in report.checks if c.id == "trial_passed"]
    assert check.passed
    assert check.waiver == ("waived by Sam (sales_lead) until the deal leaves trial_run: "
                            "PO signed; report follows")
    assert "WAIVED trial_passed" in str(report)
    assert report.to_dict()["checks"][0]["waiver"] == check.waiver
    assert lab.advance(waived, actor="ana").ok


def test_a_stage_waiver_ends_when_the_deal_leaves_the_stage(lab: Engine, deal: Deal,
                                                            clock: Clock) -> None:
    deal = lab.advance(_waive(lab, deal).deal, actor="ana").deal  # type: ignore[attr-defined]
    clock.now += dt.timedelta(days=1)
    back = lab.move_back(deal, reason="order fell through", actor="ana").deal

    assert back.stage == "trial_run"
    assert not lab.explain(back).allowed


def test_a_dated_waiver_ends_after_its_day(lab: Engine, deal: Deal, clock: Clock) -> None:
    waived = _waive(lab, deal, until=dt.date(2026, 3, 5)).deal  # type: ignore[attr-defined]

    assert lab.explain(waived).allowed
    clock.now = dt.datetime(2026, 3, 6, 9, tzinfo=dt.UTC)
    assert not lab.explain(waived).allowed


@pytest.mark.parametrize(("gate", "changes", "missing"), [
    ("trial_passed", {"role": "rep"}, "rep may not waive trial_passed"),
    ("trial_passed", {"reason": " "}, "the reason is empty"),
    ("trial_passed", {"until": dt.date(2026, 3, 1)}, "2026-03-01 is before today"),
    ("order_checked", {}, "no control point 'order_checked' in trial_run"),
], ids=["role-not-allowed", "no-reason", "expired-already", "gate-of-another-stage"])
def test_a_waiver_the_playbook_does_not_allow_is_refused(
    lab: Engine, deal: Deal, gate: str, changes: dict[str, object], missing: str,
) -> None:
    given: dict[str, object] = {"person": "Sam", "role": "sales_lead", "reason": "why",
                                "actor": "sam", **changes}
    outcome = lab.waive(deal, gate, **given)  # type: ignore[arg-type]

    assert not outcome.ok
    assert outcome.events == ()
    assert any(missing in reason for c in outcome.report.blocking for reason in c.missing)


def test_a_control_point_that_holds_has_nothing_to_waive(lab: Engine, deal: Deal) -> None:
    from dealflow.deal import Evidence

    deal = lab.set_fact(deal, "trial_ok", True, actor="ana",
                        evidence=Evidence(confirmed_by="hana")).deal

    outcome = _waive(lab, deal)

    assert not outcome.ok  # type: ignore[attr-defined]


def test_a_waiver_replays_to_the_same_deal(lab: Engine) -> None:
    created = lab.create(deal_id="L-2", title="Centrifuge", account="Lab B", owner="ana",
                         actor="ana")
    outcome = _waive(lab, created.deal, until=dt.date(2026, 4, 1))

    events = [*created.events, *outcome.events]  # type: ignore[attr-defined]
    assert replay(events, PLAYBOOK) == outcome.deal  # type: ignore[attr-defined]


@pytest.mark.parametrize(("person", "team", "said"), [
    pytest.param("ana", TEAM, "ana does not hold sales_lead (held by: Sam)", id="not-holding"),
    pytest.param("Sam", None, "no team says who holds sales_lead", id="no-team"),
])
def test_a_waiver_is_given_only_by_a_person_our_team_shows_in_the_role(
    clock: Clock, person: str, team: Team | None, said: str,
) -> None:
    engine = Engine(PLAYBOOK, clock=clock, team=team)
    deal = engine.create(deal_id="L-2", title="Scope", account="Lab B", owner="ana",
                         actor="ana").deal

    outcome = engine.waive(deal, "trial_passed", person=person, role="sales_lead",
                           reason="PO signed", actor=person)

    assert not outcome.ok
    assert said in str(outcome.report)
