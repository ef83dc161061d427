"""Fixtures shared by the test suite."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import (
    Deal,
    Engine,
    Event,
    Influence,
    Outcome,
    Playbook,
    Stakeholder,
    Stance,
    Team,
    TeamMember,
    load_playbook,
)
from dealflow._days import utc_date
from dealflow.deal import Evidence, Source
from dealflow.playbook import Stage

pytest_plugins = ["pytester"]


# pytest-xdist's workers start with COLUMNS and LINES set (80x24). The CLI's consoles take
# COLUMNS as their fixed width when they are made (on import, after this conftest), so in
# a worker every command would print at 80 columns whatever width a test's runner asks.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

collect_ignore = ["soak"]  # long runs: python -m tests.soak.<name>

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
LAB_PLAYBOOK = REPO / "docs" / "examples" / "lab-subscriptions.yaml"
"""A playbook of another business (lab-subscriptions) that shares no id with the bundled
one, has no plays and no approval rules: every command and figure is tested on it too."""

FIXED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
"""The time of every operation of the `engine` fixture."""

OUR_TEAM = Team(people=(
    TeamMember(id="li", name="Li Wei", roles=("sales",)),
    TeamMember(id="gao", name="Gao Min", roles=("executive_sponsor",)),
))
"""Our side, for the default playbook: an account manager and an executive sponsor (who
gives its over-50,000 approval); the team of the `engine` fixture."""

TEAM: tuple[Stakeholder, ...] = (
    Stakeholder(id="ines", name="Ines", title="Plant manager", roles=("initiator",),
                stance=Stance.champion, influence=Influence.high,
                last_contact=dt.date(2026, 2, 26)),
    Stakeholder(id="eric", name="Eric", title="CFO", roles=("economic_buyer",),
                stance=Stance.supporter, influence=Influence.high,
                last_contact=dt.date(2026, 2, 20)),
    Stakeholder(id="tara", name="Tara", title="Head of engineering", roles=("technical_buyer",),
                stance=Stance.supporter, influence=Influence.medium,
                last_contact=dt.date(2026, 2, 27)),
    Stakeholder(id="ursula", name="Ursula", title="Shift lead", roles=("user_buyer",),
                stance=Stance.supporter, influence=Influence.medium,
                last_contact=dt.date(2026, 2, 27)),
    Stakeholder(id="colin", name="Colin", title="Process engineer", roles=("coach",),
                stance=Stance.supporter, influence=Influence.low,
                last_contact=dt.date(2026, 3, 1)),
    Stakeholder(id="paula", name="Paula", title="Buyer", roles=("procurement",),
                stance=Stance.neutral, influence=Influence.medium,
                last_contact=dt.date(2026, 2, 16)),
)
"""A decision chain that covers every role a stage of the default playbook requires,
on our side overall, with one champion; it has no approver (top management)."""

READY_FACTS: dict[str, object] = {
    "pain_confirmed": True, "budget_status": "approved", "impact_quantified": True,
    "project_approved": True, "decision_criteria_known": True,
    "decision_process_known": True, "spec_influenced": True, "success_criteria_agreed": True,
    "technical_signoff": True, "champion_tested": True, "business_case_accepted": True,
    "opponent_plan": True, "concerns_resolved": True, "paper_process_mapped": True,
    "contract_signed": True, "po_received": True, "kickoff_held": True,
    "success_plan_agreed": True,
    # complex-b2b 2.0.0
    "tender_type": "open_tender", "evaluation_method": "comprehensive_score",
    "customer_approval_done": True, "payment_terms": "30% advance, 60% on acceptance, 10% later",
}
"""The value of each fact that a gate of the default playbook reads, when it holds."""


@dataclass
class DealLog:
    """A deal and every event behind it; `record` keeps what a successful operation did."""

    engine: Engine
    deal: Deal
    events: list[Event] = field(default_factory=list)

    def record(self, outcome: Outcome) -> Deal:
        """Keep the outcome's deal and events; fail the test when it was refused."""
        assert outcome.ok, str(outcome.report)
        self.deal = outcome.deal
        self.events.extend(outcome.events)
        return outcome.deal

    def evidence_for(self, roles: frozenset[str]) -> Evidence:
        """Evidence confirmed by a stakeholder holding one of `roles` (else the first on
        the map), for gates that ask who confirmed a fact."""
        people = [p for p in self.deal.stakeholders if set(p.roles) & roles]
        people = people or list(self.deal.stakeholders)
        return Evidence(evidence="minutes", source=Source.meeting,
                        confirmed_by=people[0].id if people else None)

    def satisfy_gates(self, stage: Stage) -> None:
        """Set the facts and do the items the gates of `stage` ask for (the roles are on
        the map already)."""
        engine = self.engine
        for gate in stage.gates:
            for name in sorted(gate.when.refs.facts):
                self.record(engine.set_fact(self.deal, name, READY_FACTS[name], actor="test",
                                            evidence=self.evidence_for(gate.when.refs.roles)))
                if "verified" in gate.when.refs.names:
                    self.record(engine.verify_fact(self.deal, name, by="reviewer",
                                                   actor="reviewer"))
            items = set(gate.when.refs.items)
            if "stage_items_done" in gate.when.refs.names:
                items.update(engine.context(self.deal).missing_blocking_items())
            for item in sorted(items - set(self.deal.items_done)):
                self.record(engine.complete_item(self.deal, item, actor="test",
                                                 evidence=f"evidence of {item}"))
            self._commit(gate.when.refs.names)
            self.give_approvals(gate.when.refs.approvals)

    def give_approvals(self, ids: frozenset[str] | set[str]) -> None:
        """Give each of the internal approvals `ids` the deal needs and lacks, by the first
        person of the engine's team holding a role that gives it."""
        engine = self.engine
        for approval in engine.playbook.approvals:
            if approval.id not in ids or engine.context(self.deal).approved(approval.id):
                continue
            assert engine.team is not None, "approvals need a team"
            holder = engine.team.holders(approval.by)[0]
            self.record(engine.approve(self.deal, approval.id, by=holder.id, note="approved"))

    def _commit(self, helpers: frozenset[str]) -> None:
        """Give the deal the close date and the agreed close plan gates ask for."""
        from dealflow import add_plan_step, agree_plan, set_close_date

        engine, later = self.engine, utc_date(self.engine.clock()) + dt.timedelta(days=30)
        if "close_date_set" in helpers and self.deal.close_date is None:
            self.record(set_close_date(engine, self.deal, later, actor="test"))
        if "close_plan_agreed" in helpers and self.deal.plan_agreed is None:
            self.record(add_plan_step(engine, self.deal, what="Signature", due=later,
                                      our_owner="sales", actor="test"))
            self.record(agree_plan(engine, self.deal, actor="test",
                                   stakeholder=self.deal.stakeholders[0].id))


Drive = Callable[..., DealLog]


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    """A runner of the `dealflow` command line: `runner.invoke(app, [...])`."""
    return CliRunner()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of the repository checkout."""
    return REPO


@pytest.fixture(scope="session")
def minimal_playbook() -> Playbook:
    """The two-stage playbook in tests/playbooks/minimal.yaml."""
    return load_playbook(TESTS / "playbooks" / "minimal.yaml")


@pytest.fixture(scope="session", params=["complex-b2b", "lab-subscriptions"])
def any_playbook(request: pytest.FixtureRequest) -> Playbook:
    """The bundled playbook, and one that shares no stage, fact, role or reason id with it."""
    return load_playbook(request.param if request.param == "complex-b2b"
                         else LAB_PLAYBOOK)


@pytest.fixture(scope="session")
def default_playbook() -> Playbook:
    """The bundled default playbook for complex B2B projects."""
    return load_playbook()


@pytest.fixture
def engine(default_playbook: Playbook) -> Engine:
    """An engine for the default playbook whose clock always reads `FIXED`, with our team
    `OUR_TEAM`."""
    return Engine(default_playbook, clock=lambda: FIXED, team=OUR_TEAM)


@pytest.fixture
def drive(engine: Engine) -> Drive:
    """`drive(stage, amount=0, people=TEAM)`: a deal of the default playbook taken through
    the engine into `stage`, every gate of that stage and of the stages before it holding
    (with the internal approvals they, or entering the stages on the way, need).

    Returns a `DealLog` with the deal and the events that built it.
    """

    def build(stage: str, *, amount: Decimal | int = 0,
              people: Sequence[Stakeholder] = TEAM) -> DealLog:
        created = engine.create(deal_id="D-1", title="Reactor upgrade",
                                account="Sinochem Quanzhou", owner="li", actor="test",
                                amount=amount)
        log = DealLog(engine, created.deal, list(created.events))
        for person in people:
            log.record(engine.add_stakeholder(log.deal, person, actor="test"))
        stages = engine.playbook.stages
        for index, current in enumerate(stages):
            log.satisfy_gates(current)
            if current.id == stage:
                return log
            following = stages[index + 1].id
            log.give_approvals({a.id for a in engine.playbook.approvals if a.before == following})
            log.record(engine.advance(log.deal, actor="test"))
        raise ValueError(f"no stage {stage!r} in {engine.playbook.id}")

    return build
