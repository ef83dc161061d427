"""Internal approvals in rules and moves: whether an approval a deal needs counts.

A deal needs approval `x` when its `when` holds (always, without one). An approval given
keeps a snapshot of the values its `when` reads (`deal.amount`, `facts.discount`); it
counts while none of them changed in a way that matters: with `lapses_on: change`, any
change; with `lapses_on: increase`, a number read that is now higher than approved, or
any other value changed. `approved('x')` is true when the deal does not need `x`, or a
given approval of `x` still counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dealflow._messages import _
from dealflow.deal import Deal, Snapshot, Team
from dealflow.playbook import Approval, Playbook

__all__ = ["ApprovalState", "approval_state", "find_approval", "snapshot", "who_may"]


def _plain(value: Any) -> bool | int | float | str | None:
    """A value as a snapshot keeps it (and as JSON gives it back)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return None  # Unset: not set


def snapshot(approval: Approval, deal: Deal) -> Snapshot:
    """The values the approval's `when` reads, as they stand on `deal`."""
    if approval.when is None:
        return {}
    refs = approval.when.refs
    values: Snapshot = {f"deal.{name}": _plain(getattr(deal, name, None))
                        for name in sorted(refs.deal_fields)}
    values.update({f"facts.{name}": _plain(deal.facts.get(name)) for name in sorted(refs.facts)})
    return values


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _lapsed(approval: Approval, given: Snapshot, now: Snapshot) -> list[str]:
    """What changed against the snapshot in a way that matters, in words."""
    changes = []
    for name in sorted(set(given) | set(now)):
        before, after = given.get(name), now.get(name)
        if before == after:
            continue
        old, new = _number(before), _number(after)
        if approval.lapses_on == "increase" and old is not None and new is not None:
            if new <= old:
                continue
        changes.append(_("{name} is {after}, approved at {before}", name=name,
                         after="not set" if after is None else after,
                         before="not set" if before is None else before))
    return changes


@dataclass(frozen=True, slots=True)
class ApprovalState:
    """Whether a deal needs an approval, and whether one given counts."""

    needed: bool
    counts: bool
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the deal does not need the approval or it counts."""
        return not self.needed or self.counts


def who_may(playbook: Playbook, roles: tuple[str, ...], team: Team | None) -> str:
    """The roles (with their names) and, with a team, the people who hold them."""
    names = {role.id: playbook.text(role.name) for role in playbook.our_roles}
    said = ", ".join(f"{names.get(role, role)} ({role})" for role in roles)
    if team is None:
        return said
    people = team.holders(roles)
    held = ", ".join(f"{p.name} ({p.id})" for p in people) if people else _("nobody on the team")
    return _("{roles}: {people}", roles=said, people=held)


def approval_state(approval: Approval, deal: Deal, holds: bool, team: Team | None,
                   playbook: Playbook) -> ApprovalState:
    """The state of `approval` on `deal`; `holds` says whether its `when` holds."""
    if not holds:
        return ApprovalState(needed=False, counts=False)
    given = deal.approvals.get(approval.id)
    if given is None:
        return ApprovalState(True, False, (_("not given; it is given by {who}", who=who_may(
            playbook, approval.by, team)),))
    changes = _lapsed(approval, given.snapshot, snapshot(approval, deal))
    if changes:
        return ApprovalState(True, False, (_(
            "given by {by} on {day}, but the deal changed since: {changes}; ask {who} again",
            by=given.by, day=given.at.date().isoformat(), changes="; ".join(changes),
            who=who_may(playbook, approval.by, team)),))
    return ApprovalState(True, True)


def find_approval(playbook: Playbook, approval_id: str) -> Approval | None:
    """The playbook's approval of this id, or None."""
    return next((a for a in playbook.approvals if a.id == approval_id), None)
