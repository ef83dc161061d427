"""The machine of a playbook's moves, shared by every deal: the one authority on what a
deal may do.

One `transitions` machine is built per playbook from its declared moves
(`dealflow.playbook.move_edges`): its states are the stages, `won`, `lost` and the extra
outcomes; its transitions the moves, one trigger per kind (advance, skip, win, lose,
close, back, reopen); each transition's conditions are the move's control points: the
deal's status, the move's arguments, the gates and roles of the stage it leaves, the
approval rules of the stage it enters and the move's own gates. Deals are never added
to it: each attempt fires the trigger on a token that stands for the deal, aimed at one
target. Every condition of the transition tried is evaluated, once, and keeps its
`Check` (with what is missing) on the token, so a refused move reports every control
point that fails; only a failed status stops the rest (a closed or held deal's gates
say nothing). No transition to the target means the playbook does not allow the move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine, MachineError, Transition

from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.deal import Deal, Status
from dealflow.engine._context import RuleContext
from dealflow.engine._gates import (
    Check,
    approval_rule_check,
    check_gate,
    internal_approval_check,
    role_check,
)
from dealflow.engine._outcome import fails
from dealflow.engine._waiver_checks import waived
from dealflow.engine._wording import operation_text, status_text, statuses_text
from dealflow.playbook import LOST, WON, Gate, MoveEdge, Playbook, move_edges

__all__ = ["LOST", "OPERATIONS", "Attempt", "MoveMachine"]

OPERATIONS = {"advance": "advance", "skip": "advance", "win": "win", "lose": "lose",
              "close": "close", "back": "move back", "reopen": "reopen"}
"""The operation each kind of move is reported as."""

_STATUSES: dict[str, tuple[Status, ...]] = {
    "advance": (Status.open,), "skip": (Status.open,), "win": (Status.open,),
    "back": (Status.open,), "lose": (Status.open, Status.on_hold),
    "close": (Status.open, Status.on_hold),
    "reopen": (Status.won, Status.lost, Status.closed)}


class Attempt:
    """The token of one attempt: what the shared machine sees of a deal during one
    trigger, and the checks its conditions leave."""

    __slots__ = ("checks", "ctx", "deal", "kind", "locale", "memo", "state", "target", "tried")

    def __init__(self, kind: str, deal: Deal, target: str, ctx: RuleContext,
                 locale: str | None) -> None:
        self.kind, self.deal, self.target, self.ctx, self.locale = kind, deal, target, ctx, locale
        self.state = state_of(deal)
        self.checks: list[Check] = []
        self.memo: dict[str, Any] = {}
        self.tried = False


def state_of(deal: Deal) -> str:
    """The machine state of `deal`: its stage while open or held, else its outcome."""
    if deal.status in (Status.open, Status.on_hold):
        return deal.stage
    return deal.outcome or deal.status.value


Evaluate = Callable[[Attempt], list[Check]]


class _Condition:
    """A transition condition: evaluates its checks, keeps them on the token, holds when
    none blocks. `__name__` labels it on the diagram (when `shown`); a `prerequisite`
    that fails stops the transition's other conditions."""

    __slots__ = ("__name__", "evaluate", "prerequisite", "shown")

    def __init__(self, label: str, evaluate: Evaluate, *, prerequisite: bool = False,
                 shown: bool = True) -> None:
        self.__name__ = label
        self.evaluate, self.prerequisite, self.shown = evaluate, prerequisite, shown

    def __call__(self, event: EventData) -> bool:
        token: Attempt = event.model  # type: ignore[assignment]
        found = self.evaluate(token)
        token.checks.extend(found)
        for check in found:
            if not check.passed and check.severity == "block":  # `check.blocks`, inlined
                return False
        return True


_condition = _Condition


class _Move(Transition):
    """A transition that applies only to the target aimed at, and evaluates every
    condition (a failed prerequisite stops the rest)."""

    def _eval_conditions(self, event_data: EventData) -> bool:
        token: Attempt = event_data.model  # type: ignore[assignment]
        if token.target != self.dest:
            return False
        token.tried = True
        holds = True
        for condition in self.conditions:  # each is one of ours: called without lookup
            func: _Condition = condition.func  # type: ignore[assignment]
            if not func(event_data):
                holds = False
                if func.prerequisite:
                    break
        return holds

    def execute(self, event_data: EventData) -> bool:
        """Fire when the conditions hold: the moves have no callbacks to run around it."""
        if not self._eval_conditions(event_data):
            return False
        self._change_state(event_data)
        return True

    def _change_state(self, event_data: EventData) -> None:
        """Move the token: its states have no enter or exit callbacks to run."""
        token: Attempt = event_data.model  # type: ignore[assignment]
        token.state = str(self.dest)


class _Machine(Machine):
    transition_cls = _Move


# -- the conditions -----------------------------------------------------------------------
def _status_check(kind: str, deal: Deal, outcomes: bool) -> list[Check]:
    """The deal's status fails a move of `kind` (`outcomes`: the playbook declares extra
    outcomes, so a deal may be closed with one)."""
    allowed = _STATUSES[kind]
    if deal.status in allowed:
        return []
    names = statuses_text(status.value for status in allowed
                          if outcomes or status is not Status.closed)
    return [fails("status", _("{operation} needs a deal that is {statuses}",
                              operation=operation_text(OPERATIONS[kind]), statuses=names),
                  _("deal {deal} is {status}", deal=deal.id,
                    status=status_text(deal.status.value)))]


def _status(kind: str, outcomes: bool) -> Evaluate:
    return lambda token: _status_check(kind, token.deal, outcomes)


def _gate(gate: Gate) -> Evaluate:
    return lambda token: waived([check_gate(gate, token.ctx, token.locale)], token.ctx)


def _role(role: str) -> Evaluate:
    return lambda token: [role_check(token.ctx, role, token.locale)]


def _approval(playbook: Playbook, index: int, up_to: str) -> Evaluate:
    rule = playbook.approval_rules[index]

    def evaluate(token: Attempt) -> list[Check]:
        key = f"approvals:{up_to}"
        if key not in token.memo:
            token.memo[key] = dict(token.ctx.missing_approvals(up_to_stage=up_to))
        return [approval_rule_check(playbook, rule, token.memo[key], token.locale)]
    return evaluate


def _internal_approval(playbook: Playbook, index: int) -> Evaluate:
    approval = playbook.approvals[index]
    return lambda token: [internal_approval_check(token.ctx, approval, token.locale)]


def _approvals(playbook: Playbook, edge: MoveEdge) -> list[Any]:
    """The customer-side approval rules and our internal approvals a move into (or, for a
    win, through) the stages up to its destination needs."""
    last = playbook.stages[-1].id
    up_to = edge.dest if edge.dest != WON else (last if edge.source != last else None)
    conditions = []
    if up_to is not None:
        limit = playbook.stage_index(up_to)
        conditions += [_condition(f"approval:{rule.id}", _approval(playbook, i, up_to))
                       for i, rule in enumerate(playbook.approval_rules)
                       if playbook.stage_index(rule.before) <= limit]
    reach = len(playbook.stages) if edge.dest == WON else playbook.stage_index(edge.dest)
    conditions += [_condition(f"approval:{approval.id}", _internal_approval(playbook, i))
                   for i, approval in enumerate(playbook.approvals)
                   if approval.before is not None
                   and playbook.stage_index(approval.before) <= reach]
    return conditions


def _lost_reason(playbook: Playbook, stage: str) -> Evaluate:
    reasons = {r.id: r for r in playbook.lost_reasons}
    here = [r.id for r in playbook.lost_reasons if r.stages is None or stage in r.stages]

    def evaluate(token: Attempt) -> list[Check]:
        move = token.ctx.move
        reason = move.reason if move is not None else ""
        if not reasons:
            if reason:
                return [fails("reason", _("this playbook declares no lost reasons: give a note"),
                              _("unknown lost reason {reason!r}", reason=reason))]
            return []
        if reason not in reasons:
            return [fails("reason", _("a lost deal needs one of the playbook's lost reasons"),
                          _("unknown lost reason {reason!r}", reason=reason)
                          + did_you_mean(reason, reasons))]
        if reason not in here:
            return [fails("reason", _("the lost reasons of stage {stage} are {reasons}",
                                      stage=stage, reasons=_(", ").join(here)),
                          _("{reason} is not a lost reason in {stage}", reason=reason,
                            stage=stage))]
        subs = [sub.id for sub in reasons[reason].sub_reasons]
        sub = move.sub_reason if move is not None else None
        if sub is not None and sub not in subs:
            return [fails("sub_reason", _("the sub-reasons of {reason} are {subs}",
                                          reason=reason, subs=_(", ").join(subs) or _("none")),
                          _("unknown sub-reason {sub!r}", sub=sub)
                          + (did_you_mean(sub, subs) if subs else ""))]
        return []
    return evaluate


def _back_reason(token: Attempt) -> list[Check]:
    move = token.ctx.move
    if move is None or not move.reason.strip():
        return [fails("reason", _("moving back needs a reason"), _("the reason is empty"))]
    return []


def _closed_from(token: Attempt) -> list[Check]:
    if token.target == token.deal.stage:
        return []
    return [fails("stage", _("a reopened deal goes back into the stage it was closed from, "
                             "{stage}", stage=token.deal.stage),
                  _("{target} is not {stage}", target=token.target, stage=token.deal.stage))]


def _conditions(playbook: Playbook, edge: MoveEdge) -> list[Any]:
    outcomes = bool(playbook.moves and playbook.moves.outcomes)
    conditions = [_condition("status", _status(edge.kind, outcomes), prerequisite=True,
                             shown=False)]
    if edge.kind == "lose":
        conditions.append(_condition("reason", _lost_reason(playbook, edge.source),
                                     shown=False))
    elif edge.kind == "back":
        conditions.append(_condition("reason", _back_reason, shown=False))
    elif edge.kind == "reopen" and edge.closed_from_only:
        conditions.append(_condition("closed_from", _closed_from, shown=False))
    if edge.kind in ("advance", "skip", "win"):
        stage = playbook.stage(edge.source)
        conditions += [_condition(gate.id, _gate(gate)) for gate in stage.gates
                       if gate.severity == "block"]
        conditions += [_condition(gate.id, _gate(gate), shown=False) for gate in stage.gates
                       if gate.severity != "block"]
        conditions += [_condition(f"role:{role}", _role(role))
                       for role in stage.required_roles]
        conditions += _approvals(playbook, edge)
    conditions += [_condition(gate.id, _gate(gate), shown=gate.severity == "block")
                   for gate in edge.rule.gates]
    return conditions


def _build(playbook: Playbook) -> _Machine:
    edges = move_edges(playbook)
    states = [stage.id for stage in playbook.stages]
    states += [WON, LOST, *(o.id for o in (playbook.moves.outcomes if playbook.moves else ()))]
    machine = _Machine(model=None, states=states, initial=states[0], auto_transitions=False,
                       send_event=True)
    for edge in edges:
        machine.add_transition(edge.kind, edge.source, edge.dest,
                               conditions=_conditions(playbook, edge))
    return machine


class MoveMachine:
    """The moves `playbook` allows, as one machine shared by every deal."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.machine = _build(playbook)

    def targets(self, kind: str, state: str) -> list[str]:
        """Where a move of `kind` may go from `state`."""
        event = self.machine.events.get(kind)
        if event is None:
            return []
        return [str(t.dest) for t in event.transitions.get(state, [])]

    def attempt(self, kind: str, deal: Deal, target: str | None, ctx: RuleContext,
                locale: str | None = None) -> list[Check]:
        """Fire `kind` for `deal` aimed at `target`: the checks of every control point of
        that move (none blocks when the machine moved), or why there is no such move."""
        token = Attempt(kind, deal, target or "", ctx, locale)
        if target is not None:
            try:
                self.machine.events[kind].trigger(token)
            except (MachineError, KeyError):  # no move of this kind from the deal's state
                token.tried = False
        if token.tried:
            return token.checks
        missing = self._no_move(kind, deal, target)
        if kind == "back" and missing.id != "status":  # the reason is wrong wherever it goes
            return [*_back_reason(token), missing]
        return [missing]

    def _no_move(self, kind: str, deal: Deal, target: str | None) -> Check:
        """Why the playbook has no move of `kind` from where `deal` is to `target`."""
        status = _status_check(kind, deal, bool(self.playbook.moves
                                                and self.playbook.moves.outcomes))
        if status:
            return status[0]
        here = state_of(deal)
        targets = self.targets(kind, here)
        if kind == "advance" and target is None:
            return fails("stage", _("advance needs a next stage"),
                         _("{stage} is the last stage: use win", stage=here))
        if kind == "win":
            sources = [str(t.source) for t in self._transitions("win")]
            last = self.playbook.stages[-1].id
            text = (_("win is only possible from the last stage, {stage}", stage=last)
                    if sources == [last] else _("win is possible from {stages}",
                                                stages=_(", ").join(sources) or _("no stage")))
            return fails("stage", text, _("the deal is in {stage}", stage=here))
        if kind == "back":
            index = self.playbook.stage_index(here)
            if target is None or index == 0:
                return fails("stage", _("moving back needs an earlier stage"),
                             _("{stage} is the first stage", stage=here))
            earlier = [s.id for s in self.playbook.stages[:index]]
            if target not in earlier:
                return fails("stage", _("moving back goes to an earlier stage"),
                             _("{target!r} is not before {stage}", target=target, stage=here)
                             + did_you_mean(target, earlier))
        operation = operation_text(OPERATIONS[kind])
        allowed = _(", ").join(targets) if targets else _("nowhere")
        return fails("move", _("the playbook allows {operation} from {here} to: {allowed}",
                               operation=operation, here=here, allowed=allowed),
                     _("{operation} from {here} to {target} is not a move of this playbook",
                       operation=operation, here=here, target=target)
                     + (did_you_mean(target, targets) if targets and target else ""))

    def _transitions(self, kind: str) -> list[Transition]:
        event = self.machine.events.get(kind)
        if event is None:
            return []
        return [t for found in event.transitions.values() for t in found]
