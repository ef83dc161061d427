"""Facts with evidence: the deal keeps each fact's provenance, rules ask who confirmed and
who verified it, and a second person verifies; all of it replays from the events."""

from __future__ import annotations

import datetime as dt

import pytest

from dealflow import Engine, Stakeholder, Team, TeamMember, load_playbook
from dealflow.deal import Deal, Evidence, Source
from dealflow.engine import FactSet, event_adapter, replay
from tests.conftest import FIXED, TESTS

PLAYBOOK = load_playbook(TESTS / "playbooks" / "lab-evidence.yaml")
MINUTES = Evidence(evidence="Trial report, signed", source=Source.document,
                   confirmed_by="hana", on=dt.date(2026, 3, 1))


@pytest.fixture
def lab() -> Engine:
    return Engine(PLAYBOOK, clock=lambda: FIXED)


@pytest.fixture
def deal(lab: Engine) -> Deal:
    deal = lab.create(deal_id="L-1", title="Spectrometer", account="Lab A", owner="ana",
                      actor="ana").deal
    for person in (Stakeholder(id="hana", name="Hana", roles=("lab_head",)),
                   Stakeholder(id="paul", name="Paul", roles=("purchasing_officer",))):
        deal = lab.add_stakeholder(deal, person, actor="ana").deal
    return deal


def _ok(outcome: object) -> Deal:
    assert outcome.ok, str(outcome.report)  # type: ignore[attr-defined]
    return outcome.deal  # type: ignore[attr-defined, no-any-return]


def test_a_fact_set_with_evidence_keeps_its_provenance(lab: Engine, deal: Deal) -> None:
    deal = _ok(lab.set_fact(deal, "trial_ok", True, actor="ana", evidence=MINUTES))

    known = deal.provenance["trial_ok"]
    assert known.evidence == MINUTES
    assert (known.set_by, known.set_at, known.verification) == ("ana", FIXED, None)


def test_the_gate_holds_only_when_a_holder_of_the_role_confirmed_the_fact(
    lab: Engine, deal: Deal,
) -> None:
    unconfirmed = _ok(lab.set_fact(deal, "trial_ok", True, actor="ana"))
    by_paul = _ok(lab.set_fact(deal, "trial_ok", True, actor="ana",
                               evidence=MINUTES.model_copy(update={"confirmed_by": "paul"})))
    by_hana = _ok(lab.set_fact(deal, "trial_ok", True, actor="ana", evidence=MINUTES))

    assert not lab.explain(unconfirmed).allowed
    (check,) = lab.explain(by_paul).blocking
    assert check.missing == ("fact trial_ok is not confirmed by a stakeholder holding role "
                             "lab_head",)
    assert lab.explain(by_hana).allowed


def test_setting_the_fact_again_without_evidence_drops_its_provenance(
    lab: Engine, deal: Deal,
) -> None:
    deal = _ok(lab.set_fact(deal, "trial_ok", True, actor="ana", evidence=MINUTES))
    deal = _ok(lab.set_fact(deal, "trial_ok", True, actor="ana"))

    assert "trial_ok" not in deal.provenance
    assert not lab.context(deal).confirmed("trial_ok")


def test_a_confirmation_by_someone_who_left_the_map_no_longer_counts(
    lab: Engine, deal: Deal,
) -> None:
    deal = _ok(lab.set_fact(deal, "trial_ok", True, actor="ana", evidence=MINUTES))
    deal = _ok(lab.remove_stakeholder(deal, "hana", actor="ana"))

    assert not lab.context(deal).confirmed("trial_ok")


@pytest.mark.parametrize(("evidence", "clear", "missing"), [
    (MINUTES.model_copy(update={"confirmed_by": "nobody"}), False, "no stakeholder 'nobody'"),
    (MINUTES.model_copy(update={"on": dt.date(2026, 3, 3)}), False, "2026-03-03 is after today"),
    (MINUTES, True, "a cleared fact takes no evidence"),
], ids=["confirmer-not-on-the-map", "dated-tomorrow", "evidence-on-a-clear"])
def test_evidence_that_cannot_stand_is_refused_and_changes_nothing(
    lab: Engine, deal: Deal, evidence: Evidence, clear: bool, missing: str,
) -> None:
    outcome = lab.set_fact(deal, "trial_ok", None if clear else True, actor="ana",
                           evidence=evidence)

    assert not outcome.ok
    assert outcome.events == ()
    assert any(missing in reason for c in outcome.report.blocking for reason in c.missing)


def test_a_second_person_verifies_the_evidence(lab: Engine, deal: Deal) -> None:
    deal = _ok(lab.set_fact(deal, "order_in", True, actor="ana", evidence=MINUTES))
    assert not lab.context(deal).verified("order_in")

    deal = _ok(lab.verify_fact(deal, "order_in", by="lee", note="PO matches", actor="lee"))

    verification = deal.provenance["order_in"].verification
    assert verification is not None
    assert (verification.by, verification.note) == ("lee", "PO matches")
    assert lab.context(deal).verified("order_in")


@pytest.mark.parametrize(("setup", "by", "missing"), [
    ("plain", "lee", "fact order_in has no evidence to verify"),
    ("evidence", "ANA", "ana set order_in"),
    ("verified", "max", "order_in was verified by lee"),
], ids=["no-evidence", "the-same-person", "verified-already"])
def test_a_verification_that_proves_nothing_is_refused(
    lab: Engine, deal: Deal, setup: str, by: str, missing: str,
) -> None:
    deal = _ok(lab.set_fact(deal, "order_in", True, actor="ana",
                            evidence=None if setup == "plain" else MINUTES))
    if setup == "verified":
        deal = _ok(lab.verify_fact(deal, "order_in", by="lee", actor="lee"))

    outcome = lab.verify_fact(deal, "order_in", by=by, actor=by)

    assert not outcome.ok
    assert [reason for c in outcome.report.blocking for reason in c.missing] == [missing]


def test_evidence_helpers_read_what_the_deal_keeps(lab: Engine, deal: Deal) -> None:
    ctx = lab.context(_ok(lab.set_fact(deal, "trial_ok", True, actor="ana", evidence=MINUTES)))

    assert ctx.evidence("trial_ok") == "Trial report, signed"
    assert ctx.evidence("order_in") == ""
    assert ctx.confirmed("trial_ok")
    assert ctx.confirmed("trial_ok", role="lab_head")
    assert not ctx.confirmed("trial_ok", role="purchasing_officer")


def test_evidence_and_verification_replay_to_the_same_deal(lab: Engine) -> None:
    created = lab.create(deal_id="L-1", title="Spectrometer", account="Lab A", owner="ana",
                         actor="ana")
    deal, events = created.deal, list(created.events)
    for step in (
        lambda d: lab.add_stakeholder(d, Stakeholder(id="hana", name="Hana",
                                                     roles=("lab_head",)), actor="ana"),
        lambda d: lab.set_fact(d, "trial_ok", True, actor="ana", evidence=MINUTES),
        lambda d: lab.advance(d, actor="ana"),
        lambda d: lab.set_fact(d, "order_in", True, actor="ana", evidence=MINUTES),
        lambda d: lab.verify_fact(d, "order_in", by="lee", actor="lee"),
    ):
        outcome = step(deal)
        deal = _ok(outcome)
        events.extend(outcome.events)

    read_back = [event_adapter.validate_json(event_adapter.dump_json(e)) for e in events]
    assert replay(read_back, PLAYBOOK) == deal


def test_a_fact_set_without_evidence_serialises_as_before() -> None:
    event = FactSet(deal_id="L-1", seq=2, at=FIXED, actor="ana", name="trial_ok", value=True)

    assert "evidence" not in event_adapter.dump_python(event, mode="json")


def test_evidence_works_on_any_playbook(any_playbook: object) -> None:
    from dealflow import Playbook

    assert isinstance(any_playbook, Playbook)
    ours = tuple(role.id for role in any_playbook.our_roles)
    engine = Engine(any_playbook, clock=lambda: FIXED,
                    team=Team(people=(TeamMember(id="s", name="S", roles=ours),)))
    deal = engine.create(deal_id="A-1", title="t", account="a", owner="o", actor="o").deal
    person = Stakeholder(id="p1", name="P", roles=(any_playbook.roles[0].id,))
    deal = _ok(engine.add_stakeholder(deal, person, actor="o"))
    fact = next(f.id for f in any_playbook.facts if f.type == "bool")

    deal = _ok(engine.set_fact(deal, fact, True, actor="o",
                               evidence=Evidence(evidence="x", confirmed_by="p1")))
    deal = _ok(engine.verify_fact(deal, fact, by="m", actor="m"))
    ctx = engine.context(deal)

    assert ctx.confirmed(fact, role=any_playbook.roles[0].id)
    assert ctx.verified(fact)
    gate = any_playbook.stages[0].gates[0]
    waived = engine.waive(deal, gate.id, person="s", role=any_playbook.our_roles[0].id,
                          reason="r", actor="s")
    assert waived.ok == bool(gate.waivable_by)
