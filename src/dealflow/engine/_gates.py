"""Gate reports: the state of each control point, and why a move was refused.

A `Check` is one control point (or one condition of an operation) evaluated for a deal:
its id, its text in the requested locale, its rule, whether it passed and, when it did
not, what is missing in plain words ("no stakeholder has role economic_buyer").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dealflow._messages import _
from dealflow.engine._context import RuleContext, Unset
from dealflow.engine._context_evidence import describe_evidence_call
from dealflow.engine._waiver_checks import waived
from dealflow.engine._wording import check_id_text, operation_text, operator_text
from dealflow.errors import RuleDataError, RuleEvalError
from dealflow.playbook import Approval, ApprovalRule, Gate, Playbook
from dealflow.rules import DATA_ERRORS, Leaf, Rule, trust

__all__ = [
    "NOT_APPLICABLE",
    "WON",
    "Check",
    "GateReport",
    "check_gate",
    "describe_leaf",
    "evaluate_rule",
    "exit_checks",
]

WON = "won"
"""The target of a `win`: not a stage, the end of the track."""
NOT_APPLICABLE = "not_applicable"
"""The state of a control point whose `applies_when` does not hold for the deal."""


@trust
@dataclass(frozen=True, slots=True)
class Check:
    """One evaluated control point or condition."""

    id: str
    text: str
    passed: bool
    severity: str = "block"
    rule: str = ""
    missing: tuple[str, ...] = ()
    hint: str = ""
    error: str | None = None
    applicable: bool = True
    """False for a control point whose `applies_when` does not hold for the deal: it
    neither passes nor fails, it does not apply (and never blocks)."""
    waiver: str = ""
    """When a waiver lets the failed control point pass: who, why, until when."""

    @property
    def blocks(self) -> bool:
        """True when this check failed and stops the move."""
        return not self.passed and self.severity == "block"

    @property
    def state(self) -> str:
        """`passed`, `failed`, `waived` (failed, and let through by a waiver) or
        `not_applicable`."""
        if not self.applicable:
            return NOT_APPLICABLE
        if self.waiver:
            return "waived"
        return "passed" if self.passed else "failed"

    def to_dict(self) -> dict[str, Any]:
        """The check as plain data."""
        return {"id": self.id, "text": self.text, "passed": self.passed,
                "state": self.state, "severity": self.severity, "rule": self.rule,
                "missing": list(self.missing), "hint": self.hint, "error": self.error,
                "waiver": self.waiver}


@trust
@dataclass(frozen=True, slots=True)
class GateReport:
    """The outcome of checking an operation: allowed or not, and every check behind it."""

    operation: str
    deal_id: str
    stage: str
    target: str | None
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        """True when no check blocks."""
        for check in self.checks:
            if not check.passed and check.severity == "block":
                return False
        return True

    @property
    def blocking(self) -> tuple[Check, ...]:
        """The failed checks that stop the move."""
        return tuple(check for check in self.checks if check.blocks)

    @property
    def warnings(self) -> tuple[Check, ...]:
        """The failed warn-level checks (reported, not blocking)."""
        return tuple(c for c in self.checks if not c.passed and c.severity == "warn")

    @property
    def not_applicable(self) -> tuple[Check, ...]:
        """The control points that do not apply to this deal (neither passed nor missing)."""
        return tuple(c for c in self.checks if not c.applicable)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        return {"operation": self.operation, "deal_id": self.deal_id, "stage": self.stage,
                "target": self.target, "allowed": self.allowed,
                "checks": [check.to_dict() for check in self.checks]}

    def __str__(self) -> str:
        values = {"operation": operation_text(self.operation), "deal": self.deal_id,
                  "stage": self.stage, "target": self.target}
        moved = bool(self.target and self.target != self.stage)
        if moved:
            head = (_("{operation} {deal} from {stage} to {target}: allowed", **values)
                    if self.allowed else
                    _("{operation} {deal} from {stage} to {target}: refused", **values))
        else:
            head = (_("{operation} {deal} from {stage}: allowed", **values) if self.allowed
                    else _("{operation} {deal} from {stage}: refused", **values))
        lines = [head]
        for check in self.checks:
            shown = check_id_text(check.id, check.rule)
            if check.waiver:
                waived_mark = _("WAIVED")
                lines.append(f"  {waived_mark} {shown}: {check.text}\n"
                             f"        {check.waiver}")
            if check.passed:
                continue
            mark = _("BLOCK") if check.severity == "block" else _("warn")
            lines.append(f"  {mark.ljust(5)} {shown}: {check.text}")
            lines.extend(f"        - {reason}" for reason in check.missing)
            if check.hint:
                lines.append("        " + _("hint: {hint}", hint=check.hint))
        absent, not_applicable = _("n/a").ljust(5), _("not applicable")
        lines.extend(f"  {absent} {check_id_text(check.id, check.rule)}: {check.text} "
                     f"({not_applicable})"
                     for check in self.not_applicable)
        return "\n".join(lines)


#: What working out why a rule is false may raise: it evaluates parts of the rule again
#: and asks the helpers what is missing, on the same data.
_EXPLAINING_FAILS: tuple[type[Exception], ...] = (RuleEvalError, RecursionError, *DATA_ERRORS)

_SHOWN = 200
"""The characters of a value an explanation shows; a longer one is cut short."""


def _show(value: Any) -> str:
    """A value in an explanation: short, whatever it is (a number too long to print, a
    long text or list)."""
    if isinstance(value, Unset):
        return _("not set")
    if isinstance(value, list | tuple) and len(value) > 5:
        return _("a list of {count}", count=len(value))
    if isinstance(value, int) and value.bit_length() > 64 * 8:
        return _("a number of {bits} bits", bits=f"{value.bit_length():,}")
    try:
        text = repr(value[:_SHOWN + 1]) if isinstance(value, str) else str(value)
    except DATA_ERRORS:  # a value that cannot be shown is named by its type
        return _("a {type}", type=type(value).__name__)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


def _describe_call(name: str, args: tuple[Any, ...], ctx: RuleContext) -> str | None:
    arg = args[0] if args else None
    if (commitment := ctx.commitment_missing(name)) is not None:
        return commitment
    if name == "covered":
        return _("no stakeholder has role {role}", role=arg)
    if name == "item_done":
        return _("item {item} is not done", item=arg)
    if name == "has_fact":
        return _("fact {name} is not set", name=arg)
    if name == "stage_items_done":
        return _("blocking items not done: {items}",
                 items=_(", ").join(ctx.missing_blocking_items()))
    if name == "approvals_covered":
        return _("; ").join(_("approval rule {rule} needs role(s) {roles} mapped", rule=rule,
                              roles=_(", ").join(roles))
                            for rule, roles in ctx.missing_approvals())
    if name == "champions":
        return _("no stakeholder is a champion")
    if name == "approved" and isinstance(arg, str):
        return _approval_missing(arg, ctx)
    return None


def _approval_missing(approval_id: str, ctx: RuleContext) -> str | None:
    approval = next((a for a in ctx.playbook.approvals if a.id == approval_id), None)
    if approval is None:
        return None
    state = ctx.approval_state(approval)
    return _("approval {id}: {why}", id=approval_id, why=_("; ").join(state.missing))


def describe_leaf(leaf: Leaf, ctx: RuleContext) -> str:
    """A false part of a rule in plain words."""
    if leaf.error is not None:
        return _("`{rule}` failed: {error}", rule=leaf.text, error=leaf.error)
    if leaf.call is not None:
        described = (_describe_call(leaf.call[0], leaf.call[1], ctx)
                     or describe_evidence_call(leaf.call[0], leaf.call[1], leaf.text))
        if described:
            return described
    if leaf.fact is not None:
        if isinstance(leaf.value, Unset):
            return _("fact {name} is not set", name=leaf.fact)
        return _("fact {name} is false", name=leaf.fact)
    if leaf.compare is not None:
        left_text, left, op, right_text, right = leaf.compare
        if left_text.startswith("facts.") and isinstance(left, Unset):
            return _("fact {name} is not set (needs {op} {value})", name=left_text[6:],
                     op=operator_text(op), value=right_text)
        return _("{left} is {value} (needs {op} {right})", left=left_text, value=_show(left),
                 op=operator_text(op), right=_show(right))
    return _("`{rule}` is {value}", rule=leaf.text, value=_show(leaf.value))


def evaluate_rule(rule: Rule, ctx: RuleContext) -> tuple[bool, tuple[str, ...], str | None]:
    """(holds, what is missing, error) for `rule` in `ctx`; never raises."""
    try:
        value = rule.evaluate(ctx)
    except RuleDataError as exc:  # Python's error on the data, named: it blocks with it
        return False, (_("the rule failed: {error}", error=exc),), str(exc)
    except RuleEvalError as exc:
        return False, (str(exc),), str(exc)
    if value:
        return True, (), None
    return False, _explain(rule, ctx), None


def _explain(rule: Rule, ctx: RuleContext) -> tuple[str, ...]:
    """What is missing for `rule`, false in `ctx`; the rule itself if that cannot be
    worked out (working it out evaluates parts of the rule again, and may fail)."""
    try:
        return tuple(describe_leaf(leaf, ctx) for leaf in rule.why_false(ctx))
    except _EXPLAINING_FAILS as exc:  # the refusal stands, its details fall back
        return (_("`{rule}` is false (its parts could not be shown: {error})",
                  rule=rule.source, error=f"{type(exc).__name__}: {exc}"),)


def check_gate(gate: Gate, ctx: RuleContext, locale: str | None = None) -> Check:
    """Evaluate one gate for the deal in `ctx`: not applicable (never blocking, nothing
    missing) when its `applies_when` does not hold. A condition that fails to evaluate
    fails the gate with its error, so a broken condition never waves a deal through."""
    playbook = ctx.playbook
    if gate.applies_when is not None:
        try:
            applies = bool(gate.applies_when.evaluate(ctx))
        except RuleEvalError as exc:
            reason = _("whether it applies cannot be told: {error}", error=exc)
            return Check(id=gate.id, text=playbook.text(gate.text, locale), passed=False,
                         severity=gate.severity, rule=gate.applies_when.source,
                         missing=(reason,), error=str(exc))
        if not applies:
            return Check(id=gate.id, text=playbook.text(gate.text, locale), passed=True,
                         severity=gate.severity, rule=gate.when.source, applicable=False)
    passed, missing, error = evaluate_rule(gate.when, ctx)
    return Check(
        id=gate.id, text=playbook.text(gate.text, locale), passed=passed,
        severity=gate.severity, rule=gate.when.source, missing=missing,
        hint=playbook.text(gate.hint, locale) if not passed else "", error=error,
    )


def exit_checks(ctx: RuleContext, target: str, locale: str | None = None) -> list[Check]:
    """Everything that must hold for the deal in `ctx` to leave its stage for `target`.

    The stage's gates, the roles it requires mapped, and (unless the target is `WON`)
    the approval rules whose `before` stage comes at or before `target`.
    """
    playbook = ctx.playbook
    stage = playbook.stage(ctx.deal.stage)
    checks = waived([check_gate(gate, ctx, locale) for gate in stage.gates], ctx)
    checks += [role_check(ctx, role, locale) for role in stage.required_roles]
    if target != WON:
        missing = dict(ctx.missing_approvals(up_to_stage=target))
        limit = playbook.stage_index(target)
        checks += [approval_rule_check(playbook, rule, missing, locale)
                   for rule in playbook.approval_rules
                   if playbook.stage_index(rule.before) <= limit]
    reach = len(playbook.stages) if target == WON else playbook.stage_index(target)
    checks += [internal_approval_check(ctx, approval, locale)
               for approval in playbook.approvals
               if approval.before is not None and playbook.stage_index(approval.before) <= reach]
    return checks


def role_check(ctx: RuleContext, role: str, locale: str | None) -> Check:
    """Whether decision-chain role `role` is mapped to a stakeholder of the deal."""
    name = next(r.name for r in ctx.playbook.roles if r.id == role)
    covered = ctx.covered(role)
    return Check(id=f"role:{role}", text=_("{name} ({role}) is mapped",
                                           name=ctx.playbook.text(name, locale), role=role),
                 passed=covered, rule=f"covered('{role}')",
                 missing=() if covered else (_("no stakeholder has role {role}", role=role),))


def approval_rule_check(playbook: Playbook, rule: ApprovalRule,
                        missing: Mapping[str, Sequence[str]], locale: str | None) -> Check:
    """Approval rule `rule` as a check, given the roles each rule misses (`missing`, from
    `RuleContext.missing_approvals`)."""
    return Check(id=f"approval:{rule.id}", text=playbook.text(rule.text, locale),
                 passed=rule.id not in missing, rule=rule.when.source,
                 missing=tuple(_("no stakeholder has role {role}, which this deal's approval "
                                 "requires before {stage}", role=role, stage=rule.before)
                               for role in missing.get(rule.id, [])))


def internal_approval_check(ctx: RuleContext, approval: Approval, locale: str | None) -> Check:
    """Our internal approval as a check: passed when the deal does not need it, or one was
    given and still counts."""
    state = ctx.approval_state(approval)
    return Check(id=f"approval:{approval.id}", text=ctx.playbook.text(approval.text, locale),
                 passed=state.ok, rule=f"approved('{approval.id}')", missing=state.missing)
