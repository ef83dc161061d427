"""Random sequences of operations against the default playbook keep the engine's promises.

After every step: a refused operation changed nothing; no deal entered a stage while a
blocking gate of the stage it left was false (unless a waiver on the record let it
through); won only from the last stage; lost always
carries a valid reason; and the deal equals the replay of its events (read back from JSON).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from dealflow import (
    Engine,
    Evidence,
    Outcome,
    Source,
    Stakeholder,
    Status,
    Team,
    TeamMember,
    load_playbook,
)
from dealflow.engine import Event, RuleContext, event_adapter

PLAYBOOK = load_playbook()
STAGES = [stage.id for stage in PLAYBOOK.stages]
ROLES = [role.id for role in PLAYBOOK.roles]
REASONS = [reason.id for reason in PLAYBOOK.lost_reasons]
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

_FACT_VALUES = {
    "bool": st.booleans(),
    "int": st.integers(-5, 500),
    "float": st.floats(-1e6, 1e6, allow_nan=False),
    "str": st.text(max_size=20),
    "date": st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
}


@st.composite
def _fact_changes(draw: st.DrawFn) -> tuple[str, object]:
    fact = draw(st.sampled_from(PLAYBOOK.facts))
    if fact.type == "enum":
        value: object = draw(st.sampled_from(list(fact.values or ())))
    else:
        value = draw(_FACT_VALUES[fact.type])
    if draw(st.integers(0, 9)) == 0:
        value = None
    return fact.id, value


_PEOPLE = st.builds(
    Stakeholder,
    id=st.sampled_from([f"p{i}" for i in range(6)]),
    name=st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12),
    roles=st.lists(st.sampled_from(ROLES), max_size=2, unique=True).map(tuple),
    stance=st.sampled_from(["champion", "supporter", "neutral", "skeptic", "opponent", "unknown"]),
    influence=st.sampled_from(["high", "medium", "low"]),
    last_contact=st.none() | st.dates(dt.date(2025, 6, 1), dt.date(2026, 6, 1)),
)


def _blocking_gates_hold(engine: Engine, before: Outcome | None, deal_before: object) -> bool:
    """Independent check: every block gate of the stage left evaluates true."""
    from dealflow import Deal

    assert isinstance(deal_before, Deal)
    ctx = RuleContext(PLAYBOOK, deal_before, engine.clock())
    stage = PLAYBOOK.stage(deal_before.stage)
    for gate in stage.gates:
        waiver = deal_before.waivers.get(gate.id)
        if gate.severity != "block" or (waiver is not None and waiver.holds(
                deal_before.stage, deal_before.stage_entered_at, engine.clock().date())):
            continue
        try:
            if not gate.when.evaluate(ctx):
                return False
        except Exception:  # noqa: BLE001 - a failing gate does not hold
            return False
    return all(ctx.covered(role) for role in stage.required_roles)


class DealMachine(RuleBasedStateMachine):
    """One deal under random operations."""

    def __init__(self) -> None:
        super().__init__()
        self.now = START
        ours = tuple(role.id for role in PLAYBOOK.our_roles)
        self.engine = Engine(PLAYBOOK, clock=lambda: self.now,
                             team=Team(people=(TeamMember(id="sun", name="Sun", roles=ours),)))
        created = self.engine.create(deal_id="d1", title="Plant upgrade", account="Acme",
                                     owner="li", actor="li", amount=30_000)
        self.deal = created.deal
        self.events: list[Event] = list(created.events)

    def _do(self, outcome: Outcome) -> Outcome:
        before = self.deal
        self.now += dt.timedelta(hours=20)
        if not outcome.ok:
            assert outcome.deal == before, "a refused operation changed the deal"
            assert outcome.events == (), "a refused operation produced events"
            assert outcome.report.blocking, "a refusal without a blocking reason"
            return outcome
        for record in outcome.events:
            if record.type == "stage_advanced":
                assert _blocking_gates_hold(self.engine, outcome, before), (
                    f"entered {record.to_stage} while a blocking gate of {before.stage} failed")
            if record.type == "deal_won":
                assert before.stage == STAGES[-1], "won from a stage that is not the last"
                assert _blocking_gates_hold(self.engine, outcome, before)
        self.events.extend(outcome.events)
        self.deal = outcome.deal
        event(f"reached {self.deal.stage}")
        event(f"status {self.deal.status.value}")
        return outcome

    @rule()
    def advance(self) -> None:
        self._do(self.engine.advance(self.deal, actor="li"))

    @rule()
    def win(self) -> None:
        self._do(self.engine.win(self.deal, actor="li"))

    @rule(reason=st.sampled_from([*REASONS, "competitr", ""]), note=st.text(max_size=10))
    def lose(self, reason: str, note: str) -> None:
        self._do(self.engine.lose(self.deal, reason=reason, note=note, actor="li"))

    @rule(to=st.none() | st.sampled_from(STAGES), reason=st.sampled_from(["re-scoped", " "]))
    def move_back(self, to: str | None, reason: str) -> None:
        self._do(self.engine.move_back(self.deal, to=to, reason=reason, actor="li"))

    @rule(days=st.integers(-2, 60))
    def hold(self, days: int) -> None:
        resume_on = self.now.date() + dt.timedelta(days=days)
        self._do(self.engine.hold(self.deal, reason="budget freeze", resume_on=resume_on,
                                  actor="li"))

    @rule()
    def resume(self) -> None:
        self._do(self.engine.resume(self.deal, actor="li"))

    @rule()
    def reopen(self) -> None:
        self._do(self.engine.reopen(self.deal, actor="li"))

    @rule(change=_fact_changes())
    def set_fact(self, change: tuple[str, object]) -> None:
        name, value = change
        self._do(self.engine.set_fact(self.deal, name, value, actor="li"))

    @rule(change=_fact_changes(), confirmer=st.sampled_from(["p0", "p1", "nobody"]),
          source=st.sampled_from(list(Source)))
    def set_fact_with_evidence(self, change: tuple[str, object], confirmer: str,
                               source: Source) -> None:
        name, value = change
        backing = Evidence(evidence="minutes", source=source, confirmed_by=confirmer)
        self._do(self.engine.set_fact(self.deal, name, value, actor="li", evidence=backing))

    @rule(name=st.sampled_from([fact.id for fact in PLAYBOOK.facts]),
          by=st.sampled_from(["li", "wang"]))
    def verify_fact(self, name: str, by: str) -> None:
        self._do(self.engine.verify_fact(self.deal, name, by=by, actor=by))

    @rule(data=st.data(), role=st.sampled_from([role.id for role in PLAYBOOK.our_roles]),
          reason=st.sampled_from(["the customer signed off in person", " "]))
    def waive(self, data: st.DataObject, role: str, reason: str) -> None:
        gates = [gate.id for gate in PLAYBOOK.stage(self.deal.stage).gates]
        gate = data.draw(st.sampled_from([*gates, "no_such_gate"]))
        self._do(self.engine.waive(self.deal, gate, person="sun", role=role, reason=reason,
                                   actor="sun"))

    @rule(person=_PEOPLE)
    def add_stakeholder(self, person: Stakeholder) -> None:
        self._do(self.engine.add_stakeholder(self.deal, person, actor="li"))

    @precondition(lambda self: bool(self.deal.stakeholders))
    @rule(data=st.data())
    def rate_stakeholder(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(self.deal.stakeholders))
        stance = data.draw(st.sampled_from(["champion", "supporter", "skeptic", "opponent"]))
        self._do(self.engine.update_stakeholder(self.deal, person.id, stance=stance, actor="li"))

    @precondition(lambda self: bool(self.deal.stakeholders))
    @rule(data=st.data())
    def remove_stakeholder(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(self.deal.stakeholders))
        self._do(self.engine.remove_stakeholder(self.deal, person.id, actor="li"))

    @rule(data=st.data(), evidence=st.none() | st.just("notes.pdf"))
    def complete_item(self, data: st.DataObject, evidence: str | None) -> None:
        ctx = self.engine.context(self.deal)
        instances = [inst.id for inst in ctx.item_instances(PLAYBOOK.stage(self.deal.stage))]
        item_id = data.draw(st.sampled_from([*instances, "no_such_item"]))
        self._do(self.engine.complete_item(self.deal, item_id, evidence=evidence, actor="li"))

    @rule(data=st.data())
    def do_the_work_of_the_stage(self, data: st.DataObject) -> None:
        """A burst of useful work, so that random runs get past the early stages."""
        for role in ROLES:
            if not any(role in p.roles for p in self.deal.stakeholders):
                person = Stakeholder(id=f"for-{role}", name=role.title(), roles=(role,),
                                     stance="champion", influence="high",
                                     last_contact=self.now.date())
                self._do(self.engine.add_stakeholder(self.deal, person, actor="li"))
        buyer = self.deal.holders("economic_buyer")[0].id
        for fact in PLAYBOOK.facts:
            if fact.type == "bool" and data.draw(st.integers(0, 9)) > 0:
                self._do(self.engine.set_fact(self.deal, fact.id, True, actor="li",
                                              evidence=Evidence(confirmed_by=buyer)))
                self._do(self.engine.verify_fact(self.deal, fact.id, by="wang", actor="wang"))
        self._do(self.engine.set_fact(self.deal, "budget_status", "approved", actor="li"))
        ctx = self.engine.context(self.deal)
        for inst in ctx.item_instances(PLAYBOOK.stage(self.deal.stage)):
            if inst.id not in self.deal.items_done:
                self._do(self.engine.complete_item(self.deal, inst.id, evidence="ok", actor="li"))
        if self.deal.stage == STAGES[-1]:
            self._do(self.engine.win(self.deal, actor="li"))
        else:
            self._do(self.engine.advance(self.deal, actor="li"))

    @invariant()
    def lost_deals_carry_a_valid_reason(self) -> None:
        if self.deal.status is Status.lost:
            assert self.deal.lost_reason in REASONS

    @invariant()
    def won_deals_sit_in_the_last_stage(self) -> None:
        if self.deal.status is Status.won:
            assert self.deal.stage == STAGES[-1]

    @invariant()
    def the_deal_equals_the_replay_of_its_events_read_back_from_json(self) -> None:
        stored = [event_adapter.validate_json(event_adapter.dump_json(e)) for e in self.events]
        assert self.engine.replay(stored) == self.deal
        assert self.deal.version == len(self.events)


DealMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDealMachine = DealMachine.TestCase
