"""Authority, effects and history in rules, on a playbook of their own.

`docs/examples/field-service-contracts.yaml` restricts advancing into `quote` to sales
reps and managers, into `contract` to managers and sales operations, moving back and
reopening to managers, `discount` to reps and managers and `service_contract_signed` to
sales operations; its `lead` stage records the acceptance date and amount on leaving, `quote`
marks the deal qualified on entry; a warn gate of `quote` reads `changed_in_stage`.
Its team is `docs/examples/field-service-team.yaml`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from dealflow import (
    Deal,
    EffectApplied,
    Engine,
    Event,
    Outcome,
    Playbook,
    RuleContext,
    Store,
    Team,
    load_playbook,
    load_team,
    parse_playbook,
    replay,
)
from dealflow.errors import PlaybookError, RuleEvalError
from tests.conftest import REPO

EXAMPLES = REPO / "docs" / "examples"
PLAYBOOK = load_playbook(EXAMPLES / "field-service-contracts.yaml")
TEAM = load_team(EXAMPLES / "field-service-team.yaml", PLAYBOOK)
NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


class Log:
    """A deal of the example driven through an engine, with every event kept."""

    def __init__(self, team: Team | None = TEAM) -> None:
        self.events: list[Event] = []
        self.engine = Engine(PLAYBOOK, clock=lambda: NOW, team=team,
                             history=lambda deal: self.events)
        self.deal = self.keep(self.engine.create(
            deal_id="P-1", title="Pump service", account="Acme Chemicals", owner="mei.lin",
            actor="mei.lin", amount=40000))

    def keep(self, outcome: Outcome) -> Deal:
        assert outcome.ok, str(outcome.report)
        self.events.extend(outcome.events)
        self.deal = outcome.deal
        return outcome.deal

    def into_quote(self) -> Deal:
        self.keep(self.engine.set_fact(self.deal, "site_visited", True, actor="mei.lin"))
        return self.keep(self.engine.advance(self.deal, actor="mei.lin"))


@pytest.fixture
def log() -> Log:
    return Log()


# -- authority -----------------------------------------------------------------------------
@pytest.mark.parametrize(("actor", "allowed"), [
    pytest.param("mei.lin", True, id="sales-rep"),
    pytest.param("tom.berg", True, id="sales-manager"),
    pytest.param("ana.ruiz", False, id="sales-ops"),
    pytest.param("stranger", False, id="not-on-the-team"),
])
def test_only_the_roles_of_a_stage_may_advance_a_deal_into_it(
    log: Log, actor: str, allowed: bool
) -> None:
    log.keep(log.engine.set_fact(log.deal, "site_visited", True, actor="mei.lin"))

    outcome = log.engine.advance(log.deal, actor=actor)

    assert outcome.ok is allowed
    if not allowed:
        (check,) = outcome.report.blocking
        assert check.id == "authority"
        assert check.text == ("only Sales rep (sales_rep), Sales manager (sales_manager) may "
                              "advance into quote")
        assert check.missing[-1] == ("who may: Sales rep (sales_rep), Sales manager "
                                     "(sales_manager): Mei Lin (mei.lin), Tom Berg (tom.berg)")
        assert outcome.events == ()


def test_without_a_team_a_restricted_move_is_refused_saying_to_give_one() -> None:
    log = Log(team=None)
    log.keep(log.engine.set_fact(log.deal, "site_visited", True, actor="mei.lin"))

    outcome = log.engine.advance(log.deal, actor="mei.lin")

    (check,) = outcome.report.blocking
    assert "give a team" in check.missing[0]


@pytest.mark.parametrize(("fact", "value", "actor", "allowed"), [
    pytest.param("discount", 10, "mei.lin", True, id="rep-sets-discount"),
    pytest.param("discount", 10, "ana.ruiz", False, id="ops-may-not-set-discount"),
    pytest.param("service_contract_signed", True, "ana.ruiz", True, id="ops-signs"),
    pytest.param("service_contract_signed", True, "mei.lin", False, id="rep-may-not-sign"),
    pytest.param("quote_accepted", True, "anyone", True, id="unrestricted-fact"),
])
def test_a_fact_restricted_to_roles_is_set_only_by_their_holders(
    log: Log, fact: str, value: object, actor: str, allowed: bool
) -> None:
    outcome = log.engine.set_fact(log.deal, fact, value, actor=actor)

    assert outcome.ok is allowed


def test_moving_back_is_for_the_sales_manager(log: Log) -> None:
    log.into_quote()

    refused = log.engine.move_back(log.deal, reason="re-scope", actor="mei.lin")
    allowed = log.engine.move_back(log.deal, reason="re-scope", actor="tom.berg")

    assert [c.id for c in refused.report.blocking] == ["authority"]
    assert allowed.ok
    assert allowed.deal.stage == "lead"


def test_reopening_needs_the_managers_approval_as_well_as_the_role(log: Log) -> None:
    log.keep(log.engine.lose(log.deal, reason="no_budget", actor="mei.lin"))

    first = log.engine.reopen(log.deal, actor="tom.berg")
    log.keep(log.engine.approve(log.deal, "reopen_approval", by="tom.berg", note="budget back"))
    second = log.engine.reopen(log.deal, actor="tom.berg")

    assert [c.id for c in first.report.blocking] == ["approval:reopen_approval"]
    assert second.ok


# -- effects -------------------------------------------------------------------------------
def test_a_move_records_its_effects_with_it_by_the_same_actor(log: Log) -> None:
    log.into_quote()

    moved = [e for e in log.events if e.seq > 2]
    assert [e.type for e in moved] == ["stage_advanced", "effect_applied", "effect_applied",
                                       "effect_applied"]
    effects = [e for e in moved if isinstance(e, EffectApplied)]
    assert [(e.name, e.value, e.effect, e.actor, e.at) for e in effects] == [
        ("accepted_on", dt.date(2026, 4, 1), "on_leave of lead", "mei.lin", NOW),
        ("amount_at_acceptance", 40000.0, "on_leave of lead", "mei.lin", NOW),
        ("qualified", True, "on_enter of quote", "mei.lin", NOW),
    ]
    assert log.deal.facts["accepted_on"] == dt.date(2026, 4, 1)
    assert replay(log.events, PLAYBOOK) == log.deal


def test_a_refused_move_records_no_effect(log: Log) -> None:
    outcome = log.engine.advance(log.deal, actor="mei.lin")  # site_visited not set

    assert not outcome.ok
    assert outcome.events == ()


def test_effects_are_stored_in_the_same_write_as_the_move(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path}/x.db", playbook=PLAYBOOK, team=TEAM,
               clock=lambda: NOW) as store:
        store.create(deal_id="P-2", title="Pump", account="Acme", owner="mei.lin",
                     actor="mei.lin", amount=1000)
        store.apply("P-2", lambda e, d: e.set_fact(d, "site_visited", True, actor="mei.lin"))
        outcome = store.apply("P-2", lambda e, d: e.advance(d, actor="mei.lin"))

        assert outcome.ok, str(outcome.report)
        assert len(store.events("P-2")) == 6
        assert store.replay("P-2") == store.get("P-2") == outcome.deal


# -- history in rules ----------------------------------------------------------------------
def test_changed_in_stage_sees_an_amount_edited_since_the_stage_was_entered(log: Log) -> None:
    log.into_quote()
    before = RuleContext(PLAYBOOK, log.deal, NOW, history=log.events)
    log.keep(log.engine.edit(log.deal, amount=Decimal(45000), actor="mei.lin"))
    after = RuleContext(PLAYBOOK, log.deal, NOW, history=log.events)

    assert before.changed_in_stage("amount") is False
    assert after.changed_in_stage("amount") is True
    assert after.previous("amount") == Decimal(40000)
    assert after.at_stage_entry("amount") == Decimal(40000)
    assert after.at_stage_entry("qualified") is True  # set on entry, by the stage's effect
    assert after.changed_in_stage("qualified") is False


def test_the_warn_gate_reports_a_price_changed_in_the_stage(log: Log) -> None:
    log.into_quote()
    log.keep(log.engine.edit(log.deal, amount=Decimal(45000), actor="mei.lin"))

    check = next(c for c in log.engine.explain(log.deal).checks if c.id == "price_reviewed")

    assert not check.passed


def test_a_history_helper_without_history_is_a_clear_rule_error(log: Log) -> None:
    ctx = RuleContext(PLAYBOOK, log.deal, NOW)

    with pytest.raises(RuleEvalError, match="reads the deal's history, and none was given"):
        ctx.changed_in_stage("amount")


def test_a_history_helper_given_part_of_the_history_says_so(log: Log) -> None:
    log.into_quote()
    ctx = RuleContext(PLAYBOOK, log.deal, NOW, history=log.events[:2])

    with pytest.raises(RuleEvalError, match="needs every event of deal P-1"):
        ctx.previous("discount")


def test_previous_of_a_fact_never_changed_is_not_set(log: Log) -> None:
    ctx = RuleContext(PLAYBOOK, log.deal, NOW, history=log.events)

    assert not ctx.previous("discount")
    assert str(ctx.previous("discount")) == "not set"


def test_an_approval_whose_rule_asks_for_itself_is_refused_when_the_playbook_loads() -> None:
    text = (EXAMPLES / "field-service-contracts.yaml").read_text(encoding="utf-8").replace(
        "when: deal.amount > 50000\n",
        "when: deal.amount > 50000 and not approved('executive_over_50k')\n")

    with pytest.raises(PlaybookError, match=r"approvals\[1\]\.when .*depends on itself"):
        parse_playbook(text, "cycle.yaml")


def test_the_example_shares_no_id_with_the_bundled_playbook() -> None:
    def ids(pb: Playbook) -> set[str]:
        return {pb.id, *(s.id for s in pb.stages), *(f.id for f in pb.facts),
                *(r.id for r in (*pb.roles, *pb.our_roles)), *(r.id for r in pb.lost_reasons),
                *(g.id for s in pb.stages for g in s.gates), *(a.id for a in pb.approvals),
                *(p.id for p in pb.buyer_phases)}

    assert not ids(PLAYBOOK) & ids(load_playbook())
