"""Gate-checked `advance` on the default playbook (complex-b2b 2.0.0), a realistic deal (8
stakeholders, 20 facts, 1.2M amount), from every stage that advances (qualify to
negotiate: `decide` is left by winning, not by advancing), against the same checks
written as plain Python callables under

(a) a bare `transitions` trigger: one machine built once, the conditions of each stage
    on its transition (its gates, blocking and warning, with the evidence, verification
    and waivers they read; the roles it requires; our internal approvals due before the
    stage it enters, with their lapse);
(b) `python-statemachine`: one instance built once and reused, the same conditions as
    guards, its current state set before each trigger.

Before timing, every side must give the same answer on the ready deal from every stage
and on variants of it: one gate's fact missing, its evidence missing, an approval
missing, the amount raised or lowered since the approvals (which lapse on an increase,
or on any change), a small deal that needs no approval, a waived gate, a warning gate
failing, a gate that does not apply.

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
    Stance,
    Verification,
    Waiver,
)

PLAYBOOK = load_playbook()
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
STAGES = [stage.id for stage in PLAYBOOK.stages]
MOVES = list(zip(STAGES[:-1], STAGES[1:], strict=True))  # qualify->discover ... negotiate->decide

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
    "project_approved": True, "decision_criteria_known": True,
    "evaluation_method": "comprehensive_score", "decision_process_known": True,
    "tender_type": "invited_tender", "spec_influenced": True, "success_criteria_agreed": True,
    "technical_signoff": True, "champion_tested": True, "business_case_accepted": True,
    "concerns_resolved": True, "paper_process_mapped": True,
    "approval_level": "gm_office_meeting", "customer_approval_done": True,
    "contract_signed": True, "po_received": True,
    "payment_terms": "30% advance, 60% on acceptance, 10% after the warranty",
}
#: The facts set with evidence: what it is, the stakeholder who confirmed it and whether a
#: second person on our side verified it. The project's approval and the business case are
#: confirmed by the economic buyer (as their gates ask), the business case verified; the
#: technical sign-off, the customer's approvals, the contract and the PO carry evidence.
_EVIDENCE = {"project_approved": ("approval notice", "eric", False),
             "business_case_accepted": ("business case minutes", "eric", True),
             "technical_signoff": ("test report and technical score", "tara", False),
             "customer_approval_done": ("GM office meeting minutes", "anna", False),
             "contract_signed": ("scan of the signed contract", "paula", False),
             "po_received": ("PO 4500123", "paula", False)}
PROVENANCE = {
    fact: Provenance(evidence=Evidence(evidence=what, confirmed_by=who,
                                       on=(NOW - dt.timedelta(days=30)).date()),
                     set_by="li.wei", set_at=NOW - dt.timedelta(days=30),
                     verification=Verification(by="wang.fang", at=NOW - dt.timedelta(days=29))
                     if verified else None)
    for fact, (what, who, verified) in _EVIDENCE.items()}
#: Our internal approvals, each given by one of the roles the playbook names for it, with
#: the snapshot of what its `when` read (the amount): top management (our executive
#: sponsor), bid/no-bid and pricing (the sales director), the contract review (commercial).
_GIVEN = {"top_management_over_50k": ("zhao.min", "executive_sponsor"),
          "bid_no_bid": ("chen.jie", "sales_director"),
          "pricing_review": ("chen.jie", "sales_director"),
          "contract_review": ("sun.li", "commercial")}
APPROVALS = {approval: ApprovalRecord(by=by, role=role, at=NOW - dt.timedelta(days=10),
                                      snapshot={"deal.amount": "1200000"})
             for approval, (by, role) in _GIVEN.items()}
PLAN = (PlanStep(id="sign", what="Sign the contract", due=(NOW + dt.timedelta(days=20)).date(),
                 our_owner="sales", their_owner="eric"),)
_DONE = {"at": NOW, "actor": "li.wei", "stage": "propose"}
DEAL = Deal(id="zh-1", title="Cracker control upgrade", account="Zhenhai", owner="li.wei",
            amount=1_200_000, playbook_id=PLAYBOOK.id, playbook_version=PLAYBOOK.version,
            stage="qualify", facts=FACTS, stakeholders=PEOPLE,
            items_done={"deliver_proposal": _DONE, "delivery_review": _DONE},
            created_at=NOW - dt.timedelta(days=200), stage_entered_at=NOW,
            provenance=PROVENANCE, approvals=APPROVALS,
            close_date=(NOW + dt.timedelta(days=30)).date(), close_plan=PLAN,
            plan_agreed=PlanAgreement(stakeholder="eric", on=(NOW - dt.timedelta(days=5)).date()))
#: The deal standing in each stage that advances.
AT = {stage: DEAL.model_copy(update={"stage": stage}) for stage, _ in MOVES}
#: For each stage, a fact one of its gates reads: without it, the advance is refused.
BLOCKER = {"qualify": "pain_confirmed", "discover": "impact_quantified",
           "shape": "decision_criteria_known", "validate": "success_criteria_agreed",
           "propose": "business_case_accepted", "negotiate": "concerns_resolved"}


def _provenance_without(*facts: str) -> dict[str, Provenance]:
    return {fact: known for fact, known in PROVENANCE.items() if fact not in facts}


_SPEC_WAIVER = Waiver(gate="spec_influenced", stage="shape", person="Chen Jie",
                      role="sales_director", reason="the customer's own specification; we bid",
                      stage_entered_at=NOW, at=NOW, actor="chen.jie")
#: Variants of the ready deal, each with the stages it must be refused from (every side
#: must agree). The approvals lapse on an increase of the amount, the pricing review on any
#: change of it; a deal of 30,000 needs none of them; warning gates never block.
VARIANTS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("ready", {}, set()),
    ("amount raised since the approvals", {"amount": Decimal(1_300_000)},
     {"validate", "propose", "negotiate"}),
    ("amount lowered since the approvals", {"amount": Decimal(1_100_000)}, {"propose"}),
    ("no internal approval given", {"approvals": {}}, {"validate", "propose", "negotiate"}),
    ("a deal of 30,000 without approvals", {"amount": Decimal(30_000), "approvals": {}}, set()),
    ("technical sign-off without evidence",
     {"provenance": _provenance_without("technical_signoff")}, {"validate"}),
    ("business case not verified", {"provenance": {**PROVENANCE, "business_case_accepted":
                                                   PROVENANCE["business_case_accepted"]
                                                   .model_copy(update={"verification": None})}},
     {"propose"}),
    ("customer approvals without evidence",
     {"provenance": _provenance_without("customer_approval_done")}, {"negotiate"}),
    ("approval at department level, none recorded",
     {"facts": {**{k: v for k, v in FACTS.items() if k != "customer_approval_done"},
                "approval_level": "department"}}, set()),
    ("approver sceptical", {"stakeholders": tuple(
        p.model_copy(update={"stance": Stance.skeptic}) if p.id == "anna" else p for p in PEOPLE)},
     {"negotiate"}),
    ("specification not influenced", {"facts": {**FACTS, "spec_influenced": False}}, {"shape"}),
    ("specification not influenced, waived", {"facts": {**FACTS, "spec_influenced": False},
                                              "waivers": {"spec_influenced": _SPEC_WAIVER}},
     set()),
    ("warnings fail: project approval unconfirmed, no close date, no agreed plan",
     {"provenance": _provenance_without("project_approved"), "close_date": None,
      "plan_agreed": None}, set()),
]

_ORDER = ("high", "medium", "low")
_WEIGHT = {"high": 3, "medium": 2, "low": 1}
_VALUE = {"champion": 2, "supporter": 1, "neutral": 0, "unknown": 0, "skeptic": -1,
          "opponent": -2}
_TODAY = NOW.date()


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


def _waived(deal: Deal, gate: str) -> bool:
    """A failed blocking gate passes while a waiver of it holds (read only when it fails)."""
    waiver = deal.waivers.get(gate) if deal.waivers else None
    return waiver is not None and waiver.holds(deal.stage, deal.stage_entered_at, _TODAY)


def _approved(deal: Deal, approval: str, *, on_change: bool = False) -> bool:
    """One of our internal approvals over 50,000: not needed, or given and the amount not
    changed since in a way that lapses it (an increase; any change with `on_change`)."""
    if not deal.amount > 50000:
        return True
    given = deal.approvals.get(approval)
    if given is None:
        return False
    at = given.snapshot.get("deal.amount")
    if on_change:
        return str(deal.amount) == at
    return deal.amount <= Decimal(str(at))


def _confirmed(deal: Deal, fact: str, role: str) -> bool:
    """The fact is set and a stakeholder holding `role`, still on the map, confirmed it."""
    known = deal.provenance.get(fact) if fact in deal.facts else None
    person = deal.stakeholder(known.evidence.confirmed_by or "") if known else None
    return person is not None and role in person.roles


def _verified(deal: Deal, fact: str) -> bool:
    known = deal.provenance.get(fact) if fact in deal.facts else None
    return known is not None and known.verification is not None


def _evidence(deal: Deal, fact: str) -> bool:
    known = deal.provenance.get(fact) if fact in deal.facts else None
    return known is not None and bool(known.evidence.evidence)


def _plan_agreed(deal: Deal) -> bool:
    return deal.plan_agreed is not None and any(
        step.status.value != "dropped" for step in deal.close_plan)


def _plan_overdue(deal: Deal) -> bool:
    return any(step.status.value == "planned" and step.due < _TODAY for step in deal.close_plan)


def _warn(check: Callable[[Deal], object]) -> Callable[[Deal], bool]:
    """A warning gate: evaluated (as dealflow does, for its report), never blocking."""
    def run(deal: Deal) -> bool:
        check(deal)
        return True
    return run


def _roles(*roles: str) -> list[Callable[[Deal], bool]]:
    return [lambda d, r=r: _covered(d, r) for r in roles]


def _fact(name: str) -> Callable[[Deal], bool]:
    """A blocking gate of the same name that wants its fact true."""
    return lambda d: bool(d.facts.get(name)) or _waived(d, name)


_BAD = ("skeptic", "opponent")
_FOR = ("champion", "supporter")

#: Per stage, as the playbook has them: its blocking gates (each passed by a waiver that
#: holds), its warning gates, the roles it requires, then our internal approvals due
#: before the stage it enters (bid/no-bid before `propose`, top management before
#: `decide`). The pricing review is read by a gate of `propose`.
CONDITIONS: dict[str, list[Callable[[Deal], bool]]] = {
    "qualify": [
        _fact("pain_confirmed"),
        lambda d: _covered(d, "initiator") or _waived(d, "initiator_mapped"),
        _warn(lambda d: d.facts.get("budget_status") in ("planned", "approved")),
        _warn(lambda d: _covered(d, "initiator") and _stance_of(d, "initiator") in _FOR),
        *_roles("initiator")],
    "discover": [
        lambda d: _covered(d, "economic_buyer") or _waived(d, "economic_buyer_identified"),
        lambda d: len([p for p in d.stakeholders if p.roles and p.stance.value != "unknown"]) >= 3
        or _waived(d, "three_stakeholders"),
        _fact("impact_quantified"),
        _warn(lambda d: d.facts.get("project_approved")
              and _confirmed(d, "project_approved", "economic_buyer")),
        *_roles("initiator", "economic_buyer")],
    "shape": [
        lambda d: (bool(d.facts.get("decision_criteria_known")) and "evaluation_method" in d.facts)
        or _waived(d, "criteria_known"),
        lambda d: (bool(d.facts.get("decision_process_known")) and "tender_type" in d.facts)
        or _waived(d, "process_known"),
        lambda d: _covered(d, "coach") or _waived(d, "coach_in_place"),
        _fact("spec_influenced"),
        *_roles("economic_buyer", "technical_buyer", "coach")],
    "validate": [
        _fact("success_criteria_agreed"),
        lambda d: (bool(d.facts.get("technical_signoff")) and _evidence(d, "technical_signoff")
                   and _stance_of(d, "technical_buyer") not in _BAD)
        or _waived(d, "technical_signoff"),
        lambda d: (bool(d.facts.get("champion_tested"))
                   and len([p for p in d.stakeholders if p.stance.value == "champion"
                            and p.influence.value in ("medium", "high")]) >= 1)
        or _waived(d, "champion_tested"),
        _warn(lambda d: _stance_of(d, "user_buyer") in _FOR),
        *_roles("technical_buyer", "user_buyer", "coach"),
        lambda d: _approved(d, "bid_no_bid")],
    "propose": [
        lambda d: (bool(d.facts.get("business_case_accepted"))
                   and _confirmed(d, "business_case_accepted", "economic_buyer")
                   and _verified(d, "business_case_accepted"))
        or _waived(d, "business_case_accepted"),
        lambda d: "deliver_proposal" in d.items_done or _waived(d, "proposal_delivered"),
        lambda d: len([p for p in d.stakeholders if p.stance.value == "opponent"
                       and p.influence.value == "high"]) == 0
        or bool(d.facts.get("opponent_plan")) or _waived(d, "no_unmanaged_opponent"),
        lambda d: (bool(d.facts.get("project_approved"))
                   and d.facts.get("budget_status") == "approved")
        or _waived(d, "funds_released"),
        lambda d: _approved(d, "pricing_review", on_change=True)
        or _waived(d, "pricing_approved"),
        lambda d: "delivery_review" in d.items_done or _waived(d, "delivery_committed"),
        *_roles("economic_buyer", "technical_buyer", "coach"),
        lambda d: _approved(d, "bid_no_bid")],
    "negotiate": [
        _fact("concerns_resolved"), _fact("paper_process_mapped"),
        lambda d: d.facts.get("approval_level", "department") == "department"
        or (bool(d.facts.get("customer_approval_done"))
            and _evidence(d, "customer_approval_done"))
        or _waived(d, "customer_approvals_passed"),
        lambda d: not d.amount > 50000 or _stance_of(d, "approver") in _FOR
        or _waived(d, "approver_supports"),
        _warn(lambda d: _support(d) > 0), _warn(lambda d: d.close_date is not None),
        _warn(lambda d: _plan_agreed(d) and not _plan_overdue(d)),
        *_roles("economic_buyer", "procurement"),
        lambda d: _approved(d, "bid_no_bid"), lambda d: _approved(d, "top_management_over_50k")],
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
    # The stages, then `won` and `lost` as the final states (as on the transitions side):
    # a machine that enters a final state stops, and refuses every later event at once.
    states = {stage: State(initial=stage == "qualify") for stage in STAGES}
    states.update(won=State(final=True), lost=State(final=True))
    event = None
    for source, dest in MOVES:
        move = states[source].to(states[dest], cond=[
            lambda c=c: c(holder.deal) for c in CONDITIONS[source]])
        event = move if event is None else event | move
    lose = None
    for stage in STAGES:
        move = states[stage].to(states["lost"])
        lose = move if lose is None else lose | move
    flow = type("Flow", (StateMachine,), {**states, "advance": event,
                                          "win": states[STAGES[-1]].to(states["won"]),
                                          "lose": lose})
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
    """`advance` moves the ready deal on from every stage, refuses it from each stage when
    one of that stage's gate facts is missing, and answers every variant as expected."""
    assert set(CONDITIONS) == {stage for stage, _ in MOVES} == set(BLOCKER), name
    for stage, _ in MOVES:
        blocked = AT[stage].model_copy(update={"facts": {
            k: v for k, v in FACTS.items() if k != BLOCKER[stage]}})
        assert not advance(stage, blocked), f"{name}: {stage} without {BLOCKER[stage]}"
        for label, update, refused in VARIANTS:
            deal = AT[stage].model_copy(update=update)
            expected = stage not in refused
            assert advance(stage, deal) is expected, (
                f"{name}: {label}: the deal must {'leave' if expected else 'stay in'} {stage}")


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
