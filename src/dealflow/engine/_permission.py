"""Authority: who on our side may make a move or set a fact, the approvals a move needs,
and recording an approval.

A playbook restricts an advance into a stage (`stages[].by_roles`), a move back, a
reopen, a loss or a win (`by_roles`) and setting a fact (`facts[].set_by`) to roles of
ours. Who holds a role comes from the engine's team; without one a restricted operation
is refused (dealflow cannot tell who holds a role), saying to give one. Facts set by a
move's effects are the move's: only the move's restriction applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from dealflow._messages import N_, _
from dealflow._plain import plain_errors
from dealflow._problems import did_you_mean
from dealflow.deal import Deal, Team
from dealflow.engine._approvals import find_approval, snapshot, who_may
from dealflow.engine._effects import effect_events, move_effects, stage_effects
from dealflow.engine._events import (
    DealLost,
    DealReopened,
    DealWon,
    Event,
    FactSet,
    StageAdvanced,
    StageMovedBack,
    apply_event,
)
from dealflow.engine._events_authority import ApprovalGiven, EffectApplied
from dealflow.engine._gates import Check, GateReport
from dealflow.engine._outcome import Outcome, fails
from dealflow.playbook import Playbook

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine._engine import Engine

__all__ = ["approve", "authority_checks", "follow_event", "move_of"]

TEAM_HINT = N_("give a team: Engine(team=...), Store(team=...), --team FILE or DEALFLOW_TEAM")


def move_of(event: Event) -> str | None:
    """The move `event` records, as `by_roles` and approvals name it."""
    moves: list[tuple[type, str]] = [(StageMovedBack, "move_back"), (DealReopened, "reopen"),
                                     (DealLost, "lose"), (DealWon, "win")]
    return next((name for kind, name in moves if isinstance(event, kind)), None)


def _restriction(playbook: Playbook, event: Event) -> tuple[tuple[str, ...], str]:
    """(the roles that may do what `event` records, what it is in words)."""
    if isinstance(event, StageAdvanced):
        return playbook.stage(event.to_stage).by_roles, _("advance into {stage}",
                                                          stage=event.to_stage)
    if isinstance(event, FactSet) and not isinstance(event, EffectApplied):
        fact = next((f for f in playbook.facts if f.id == event.name), None)
        return (fact.set_by if fact else ()), _("set fact {fact}", fact=event.name)
    move = move_of(event)
    if move is None:
        return (), ""
    return getattr(playbook.by_roles, move), move.replace("_", " ")


def holds_role(team: Team | None, actor: str, roles: tuple[str, ...]) -> str | None:
    """The first of `roles` `actor` holds on `team`, or None."""
    person = team.member(actor) if team is not None else None
    return next((role for role in roles if person and role in person.roles), None)


def authority_checks(playbook: Playbook, team: Team | None, event: Event) -> list[Check]:
    """The check `event`'s actor fails when the playbook restricts what it records to
    roles they do not hold (or no team says who holds them)."""
    roles, what = _restriction(playbook, event)
    if not roles or holds_role(team, event.actor, roles):
        return []
    text = _("only {who} may {what}", who=who_may(playbook, roles, None), what=what)
    if team is None:
        return [fails("authority", text, _("dealflow cannot tell who holds these roles: "
                                           "{hint}", hint=_(TEAM_HINT)))]
    person = team.member(event.actor)
    said = (_("{actor} is not on the team", actor=event.actor) if person is None else
            _("{actor} holds {roles}", actor=event.actor,
              roles=", ".join(person.roles) or _("no role")))
    return [fails("authority", text, said, _("who may: {who}",
                                                who=who_may(playbook, roles, team)))]


def _move_approvals(engine: Engine, deal: Deal, event: Event) -> list[Check]:
    move = move_of(event)
    asking = [a for a in engine.playbook.approvals if move is not None and move in a.moves]
    if not asking:  # no context (and no reading of the clock) for the common case
        return []
    ctx = engine.context(deal)
    checks = []
    for approval in asking:
        state = ctx.approval_state(approval)
        if not state.ok:
            checks.append(Check(id=f"approval:{approval.id}",
                                text=ctx.playbook.text(approval.text), passed=False,
                                rule=f"approved('{approval.id}')", missing=state.missing))
    return checks


def follow_event(engine: Engine, deal: Deal, event: Event
                 ) -> tuple[list[Check], tuple[Event, ...], Deal | None]:
    """What comes with `event` on `deal` once the operation's own checks passed: (checks
    it fails on authority and the approvals of its move, the events it writes with its
    effects, the deal after them; None when refused)."""
    refused = authority_checks(engine.playbook, engine.team, event)
    refused += _move_approvals(engine, deal, event)
    if refused:
        return refused, (), None
    moved = apply_event(deal, event, engine.playbook)
    declared = stage_effects(engine.playbook, event) + move_effects(engine.playbook, deal, event)
    failed, effects, after = effect_events(engine.playbook, moved, event, declared)
    if failed:
        return failed, (), None
    return [], (event, *effects), after


def approve(engine: Engine, deal: Deal, approval_id: str, *, by: str, note: str = "",
            raise_on_refusal: bool = False) -> Outcome:
    """Record approval `approval_id` given by `by` (a person on the engine's team holding
    one of the approval's roles), with `note`; keeps a snapshot of what was approved."""
    playbook, team = engine.playbook, engine.team
    checks = engine._playbook_check(deal)  # noqa: SLF001 - the engine's own helper
    approval = find_approval(playbook, approval_id)
    role = None
    if approval is None:
        checks.append(fails("approval", _("the approval is declared by the playbook"),
                            _("unknown approval {id}", id=repr(approval_id))
                            + did_you_mean(approval_id, [a.id for a in playbook.approvals])))
    else:
        role = holds_role(team, by, approval.by)
        if role is None:
            who = who_may(playbook, approval.by, team)
            checks.append(fails("authority", _("only {who} may give this approval", who=who),
                                _("dealflow cannot tell who holds these roles: {hint}",
                                  hint=_(TEAM_HINT))
                                if team is None else _("{by} does not hold these roles",
                                                       by=by)))
        if approval.evidence is not None and not note.strip():
            checks.append(fails("evidence", _("this approval needs a note with its evidence"),
                                _("evidence: {what}", what=playbook.text(approval.evidence))))
    report = GateReport("approve", deal.id, deal.stage, deal.stage, tuple(checks))
    if not report.allowed or approval is None or role is None:
        outcome = Outcome(deal, (), report)
        return outcome.raise_for_refusal() if raise_on_refusal else outcome
    try:
        event = ApprovalGiven(deal_id=deal.id, seq=deal.version + 1, at=engine.clock(),
                              actor=by, approval=approval.id, role=role, note=note,
                              snapshot=snapshot(approval, deal))
    except ValidationError as exc:
        report = GateReport("approve", deal.id, deal.stage, deal.stage, (fails(
            "value", _("every value is in its documented form"), *plain_errors(exc)),))
        outcome = Outcome(deal, (), report)
        return outcome.raise_for_refusal() if raise_on_refusal else outcome
    return Outcome(apply_event(deal, event, playbook), (event,), report)
