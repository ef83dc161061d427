"""Gate-checked `advance` on the default playbook (complex-b2b), a realistic deal (8
stakeholders, 15 facts, 1.2M amount), from every stage that advances (qualify to decide),
against the same checks written as plain Python callables under

(a) a bare `transitions` trigger: one machine built once, the conditions of each stage
    on its transition (its gates, the roles it requires, the internal approvals due);
(b) `python-statemachine`: one instance built once and reused, the same conditions as
    guards, its current state set before each trigger.

Both baselines and dealflow must agree: every stage advances for the ready deal, and
for a deal missing one fact of each stage every side refuses.

Target: <= 3x (a), and faster than (b).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from transitions import Machine

from benchmarks._common import Figure, per_call
from dealflow import Deal, Engine, Stakeholder, load_playbook
from dealflow.deal import (
    ApprovalRecord,
    Evidence,
    PlanAgreement,
    PlanStep,
    Provenance,
    Verification,
)

PLAYBOOK = load_playbook()
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
STAGES = [stage.id for stage in PLAYBOOK.stages]
MOVES = list(zip(STAGES[:-1], STAGES[1:], strict=True))  # qualify->discover ... decide->handover

_PEOPLE = [("ines", "initiator", "champion", "high"),
           ("eric", "economic_buyer", "supporter", "high"),
           ("tara", "technical_buyer", "supporter", "medium"),
           ("ursula", "user_buyer", "supporter", "medium"), ("colin", "coach", "champion", "low"),
           ("paula", "procurement", "neutral", "medium"), ("anna", "approver", "supporter", "high"),
           ("ivan", "influencer", "skeptic", "low")]
PEOPLE = tuple(Stakeholder(id=key, name=key.title(), roles=(role,), stance=stance,
                           influence=influence) for key, role, stance, influence in _PEOPLE)
FACTS: dict[str, object] = {
    "pain_confirmed": True, "budget_status": "approved", "impact_quantified": True,
    "project_approved": True, "decision_criteria_known": True, "decision_process_known": True,
    "spec_influenced": True, "success_criteria_agreed": True, "technical_signoff": True,
    "champion_tested": True, "business_case_accepted": True, "concerns_resolved": True,
    "paper_process_mapped": True, "contract_signed": True, "po_received": True,
}
#: Evidence behind the facts a stakeholder must confirm (and, for the business case, a
#: second person verify), the internal approval the amount needs (given, with the
#: snapshot it was given on), the expected close date and the close plan agreed.
_CONFIRMED = {"project_approved": False, "business_case_accepted": True}
PROVENANCE = {
    fact: Provenance(evidence=Evidence(evidence="signed minutes", confirmed_by="eric",
                                       on=(NOW - dt.timedelta(days=30)).date()),
                     set_by="li.wei", set_at=NOW - dt.timedelta(days=30),
                     verification=Verification(by="wang.fang", at=NOW - dt.timedelta(days=29))
                     if verified else None)
    for fact, verified in _CONFIRMED.items()}
APPROVALS = {"top_management_over_50k": ApprovalRecord(
    by="zhao.min", role="executive_sponsor", at=NOW - dt.timedelta(days=10),
    snapshot={"deal.amount": "1200000"})}
PLAN = (PlanStep(id="sign", what="Sign the contract", due=(NOW + dt.timedelta(days=20)).date(),
                 our_owner="sales", their_owner="eric"),)
DEAL = Deal(id="zh-1", title="Cracker control upgrade", account="Zhenhai", owner="li.wei",
            amount=1_200_000, playbook_id=PLAYBOOK.id, playbook_version=PLAYBOOK.version,
            stage="qualify", facts=FACTS, stakeholders=PEOPLE,
            items_done={"deliver_proposal": {"at": NOW, "actor": "li.wei", "stage": "propose"}},
            created_at=NOW - dt.timedelta(days=200), stage_entered_at=NOW,
            provenance=PROVENANCE, approvals=APPROVALS,
            close_date=(NOW + dt.timedelta(days=30)).date(), close_plan=PLAN,
            plan_agreed=PlanAgreement(stakeholder="eric", on=(NOW - dt.timedelta(days=5)).date()))
#: The deal standing in each stage that advances.
AT = {stage: DEAL.model_copy(update={"stage": stage}) for stage, _ in MOVES}
#: For each stage, a fact one of its gates reads: without it, the advance is refused.
BLOCKER = {"qualify": "pain_confirmed", "discover": "impact_quantified",
           "shape": "decision_criteria_known", "validate": "success_criteria_agreed",
           "propose": "business_case_accepted", "negotiate": "concerns_resolved",
           "decide": "contract_signed"}

_ORDER = ("high", "medium", "low")
_WEIGHT = {"high": 3, "medium": 2, "low": 1}
_VALUE = {"champion": 2, "supporter": 1, "neutral": 0, "unknown": 0, "skeptic": -1,
          "opponent": -2}


# -- the same checks in plain Python ---------------------------------------------------------
def _covered(deal: Deal, role: str) -> bool:
    return any(role in p.roles for p in deal.stakeholders)


def _stance_of(deal: Deal, role: str) -> str:
    holders = sorted((p for p in deal.stakeholders if role in p.roles),
                     key=lambda p: _ORDER.index(p.influence.value))
    return holders[0].stance.value if holders else "unknown"


def _support(deal: Deal) -> float:
    weights = sum(_WEIGHT[p.influence.value] for p in deal.stakeholders)
    total = sum(_WEIGHT[p.influence.value] * _VALUE[p.stance.value] for p in deal.stakeholders)
    return total / (2 * weights) if weights else 0.0


def _approved(deal: Deal) -> bool:
    """The internal approval over 50,000: not needed, or given and the amount not raised
    since (it lapses on an increase)."""
    if not deal.amount > 50000:
        return True
    given = deal.approvals.get("top_management_over_50k")
    return given is not None and deal.amount <= Decimal(str(given.snapshot["deal.amount"]))


def _confirmed(deal: Deal, fact: str, role: str) -> bool:
    """The fact is set and a stakeholder holding `role`, still on the map, confirmed it."""
    known = deal.provenance.get(fact) if fact in deal.facts else None
    person = deal.stakeholder(known.evidence.confirmed_by or "") if known else None
    return person is not None and role in person.roles


def _verified(deal: Deal, fact: str) -> bool:
    known = deal.provenance.get(fact) if fact in deal.facts else None
    return known is not None and known.verification is not None


def _plan_agreed(deal: Deal) -> bool:
    return deal.plan_agreed is not None and any(
        step.status.value != "dropped" for step in deal.close_plan)


def _plan_overdue(deal: Deal) -> bool:
    return any(step.status.value == "planned" and step.due < NOW.date()
               for step in deal.close_plan)


def _warn(check: Callable[[Deal], object]) -> Callable[[Deal], bool]:
    """A warning gate: evaluated (as dealflow does, for its report), never blocking."""
    def run(deal: Deal) -> bool:
        check(deal)
        return True
    return run


def _roles(*roles: str) -> list[Callable[[Deal], bool]]:
    return [lambda d, r=r: _covered(d, r) for r in roles]


def _fact(name: str) -> Callable[[Deal], bool]:
    return lambda d: bool(d.facts.get(name))


#: Per stage: its gates, then the roles it requires, then our internal approvals due
#: before the stage it advances to (top management over 50,000, due before `decide`).
CONDITIONS: dict[str, list[Callable[[Deal], bool]]] = {
    "qualify": [
        _fact("pain_confirmed"), lambda d: _covered(d, "initiator"),
        lambda d: d.facts.get("budget_status") in ("planned", "approved"),
        _warn(lambda d: _covered(d, "initiator")
              and _stance_of(d, "initiator") in ("champion", "supporter")),
        *_roles("initiator")],
    "discover": [
        lambda d: _covered(d, "economic_buyer"),
        lambda d: len([p for p in d.stakeholders if p.roles and p.stance.value != "unknown"]) >= 3,
        _fact("impact_quantified"),
        lambda d: bool(d.facts.get("project_approved"))
        and _confirmed(d, "project_approved", "economic_buyer"),
        *_roles("initiator", "economic_buyer")],
    "shape": [
        _fact("decision_criteria_known"), _fact("decision_process_known"),
        lambda d: _covered(d, "coach"), _warn(_fact("spec_influenced")),
        *_roles("economic_buyer", "technical_buyer", "coach")],
    "validate": [
        _fact("success_criteria_agreed"),
        lambda d: bool(d.facts.get("technical_signoff"))
        and _stance_of(d, "technical_buyer") not in ("skeptic", "opponent"),
        lambda d: bool(d.facts.get("champion_tested"))
        and len([p for p in d.stakeholders if p.stance.value == "champion"
                 and p.influence.value in ("medium", "high")]) >= 1,
        _warn(lambda d: _stance_of(d, "user_buyer") in ("champion", "supporter")),
        *_roles("technical_buyer", "user_buyer", "coach")],
    "propose": [
        lambda d: bool(d.facts.get("business_case_accepted"))
        and _confirmed(d, "business_case_accepted", "economic_buyer")
        and _verified(d, "business_case_accepted"),
        lambda d: "deliver_proposal" in d.items_done,
        lambda d: len([p for p in d.stakeholders if p.stance.value == "opponent"
                       and p.influence.value == "high"]) == 0
        or bool(d.facts.get("opponent_plan")),
        *_roles("economic_buyer", "technical_buyer", "coach")],
    "negotiate": [
        _fact("concerns_resolved"), _fact("paper_process_mapped"),
        _warn(lambda d: _support(d) > 0), _warn(lambda d: d.close_date is not None),
        _warn(lambda d: _plan_agreed(d) and not _plan_overdue(d)),
        *_roles("economic_buyer", "procurement"), _approved],
    "decide": [
        _fact("contract_signed"), _fact("po_received"), _approved,
        *_roles("economic_buyer", "procurement"), _approved],
}


# -- the three sides ---------------------------------------------------------------------------
class _Holder:
    """The deal the conditions read (set before each trigger) and the machine's state."""

    deal: Deal = DEAL
    state: str = "qualify"


def _transitions() -> tuple[_Holder, Callable[[str, Deal], bool]]:
    holder = _Holder()
    machine = Machine(model=holder, states=[*STAGES, "won", "lost"], initial="qualify",
                      auto_transitions=False, send_event=False)
    for source, dest in MOVES:
        machine.add_transition("advance", source, dest, conditions=[
            lambda c=c: c(holder.deal) for c in CONDITIONS[source]])
    trigger = machine.events["advance"].trigger

    def advance(stage: str, deal: Deal) -> bool:
        holder.state, holder.deal = stage, deal
        return bool(trigger(holder))

    return holder, advance


def _statemachine() -> tuple[Any, Callable[[str, Deal], bool]]:
    from statemachine import State, StateMachine
    from statemachine.exceptions import TransitionNotAllowed

    holder = _Holder()
    states = {stage: State(initial=stage == "qualify", final=stage == STAGES[-1])
              for stage in STAGES}
    event = None
    for source, dest in MOVES:
        move = states[source].to(states[dest], cond=[
            lambda c=c: c(holder.deal) for c in CONDITIONS[source]])
        event = move if event is None else event | move
    flow = type("Flow", (StateMachine,), {**states, "advance": event})
    machine = flow()

    def advance(stage: str, deal: Deal) -> bool:
        holder.deal = deal
        machine.current_state_value = stage
        try:
            machine.advance()
        except TransitionNotAllowed:
            return False
        return bool(machine.current_state_value != stage)

    return machine, advance


def _dealflow() -> Callable[[str, Deal], bool]:
    engine = Engine(PLAYBOOK, clock=lambda: NOW)

    def advance(stage: str, deal: Deal) -> bool:
        return engine.advance(deal, actor="li.wei").ok

    return advance


def check(advance: Callable[[str, Deal], bool], name: str) -> None:
    """`advance` moves the ready deal on from every stage and refuses a blocked one."""
    for stage, _ in MOVES:
        assert advance(stage, AT[stage]), f"{name}: the ready deal must leave {stage}"
        blocked = AT[stage].model_copy(update={"facts": {
            k: v for k, v in FACTS.items() if k != BLOCKER[stage]}})
        assert not advance(stage, blocked), f"{name}: {stage} without {BLOCKER[stage]}"


def per_advance(advance: Callable[[str, Deal], bool], number: int) -> float:
    """Microseconds per advance, over rounds of one advance from every stage."""
    moves = [(stage, AT[stage]) for stage, _ in MOVES]

    def round_() -> None:
        for stage, deal in moves:
            advance(stage, deal)

    return per_call(round_, number=number) / len(moves)


def main(quick: bool = False) -> list[Figure]:
    ours, (_, bare), (_, psm) = _dealflow(), _transitions(), _statemachine()
    for advance, name in ((ours, "dealflow"), (bare, "transitions"), (psm, "statemachine")):
        check(advance, name)
    rounds = 100 if quick else 500
    value = per_advance(ours, rounds)
    bare_us = per_advance(bare, rounds * 4)
    psm_us = per_advance(psm, rounds)
    return [
        Figure("advance vs bare transitions (default playbook)", value, "us", bare_us,
               "<= 3x", value <= 3 * bare_us),
        Figure("advance vs python-statemachine reused", value, "us", psm_us, "< 1x",
               value < psm_us),
    ]


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
