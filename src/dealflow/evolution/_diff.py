"""What changed between two versions of a playbook, in words a sales-ops person reads.

Entries are matched by id. A changed entry lists each field that changed, old and new
side by side; a changed `name` alone is a rename. The change budget measures a
revision as the share of the old version's control points (gates, of stages and of
moves), SOP items and move declarations (advance, skip, win, lose, back, reopen,
outcomes: seven, counted when either version declares `moves`) that were added,
removed or changed, against the new playbook's
`change_budget` (20% by default): SOPs that change too much at once are not followed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from dealflow._messages import _
from dealflow.playbook import Moves, Playbook, move_edges

__all__ = ["Change", "PlaybookDiff", "diff_playbooks"]

KINDS = ("stage", "gate", "item", "role", "our_role", "fact", "play", "approval_rule",
         "lost_reason", "buyer_phase", "move", "outcome", "close_step")


@dataclass(frozen=True)
class Change:
    """One entry added, removed, renamed or changed; `fields` holds (field, old, new)."""

    kind: str
    id: str
    action: str
    where: str = ""
    fields: tuple[tuple[str, str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"kind": self.kind, "id": self.id, "action": self.action, "where": self.where,
                "fields": [{"field": f, "old": o, "new": n} for f, o, n in self.fields]}


@dataclass(frozen=True)
class PlaybookDiff:
    """Every change from `old` to `new`, and the size of the revision."""

    old_version: str
    new_version: str
    changes: list[Change] = field(default_factory=list)
    touched: int = 0
    total: int = 0
    budget: float = 0.2

    @property
    def size(self) -> float:
        """Share of the old control points and items touched by the revision."""
        return self.touched / self.total if self.total else (1.0 if self.touched else 0.0)

    @property
    def over_budget(self) -> bool:
        """True when the revision touches more than the playbook's change budget."""
        return self.size > self.budget

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"old_version": self.old_version, "new_version": self.new_version,
                "changes": [c.to_dict() for c in self.changes],
                "budget": {"touched": self.touched, "total": self.total, "size": self.size,
                           "limit": self.budget, "over": self.over_budget}}


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        return str(value.model_dump(mode="json"))
    if hasattr(value, "raw"):
        raw = value.raw()
        return raw if isinstance(raw, str) else " / ".join(f"{k}: {v}" for k, v in raw.items())
    if isinstance(value, tuple):
        return ", ".join(_show(v) for v in value) if value else _("(none)")
    return _("(none)") if value is None else str(value)


def _fields(old: BaseModel, new: BaseModel, skip: Sequence[str] = ()) -> list[tuple[str, str,
                                                                                    str]]:
    out = []
    for name in type(new).model_fields:
        if name in skip:
            continue
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            out.append((name, _show(before), _show(after)))
    return out


def _compare(kind: str, old: Sequence[Any], new: Sequence[Any], where: str = "",
             skip: Sequence[str] = ()) -> Iterator[Change]:
    before = {entry.id: entry for entry in old}
    after = {entry.id: entry for entry in new}
    for entry_id in after:
        if entry_id not in before:
            yield Change(kind, entry_id, "added", where)
    for entry_id in before:
        if entry_id not in after:
            yield Change(kind, entry_id, "removed", where)
            continue
        changed = _fields(before[entry_id], after[entry_id], skip)
        if not changed:
            continue
        action = "renamed" if [f for f, _old, _new in changed] == ["name"] else "changed"
        yield Change(kind, entry_id, action, where, tuple(changed))


def _stage_parts(old: Playbook, new: Playbook) -> Iterator[Change]:
    old_stages = {stage.id: stage for stage in old.stages}
    for stage in new.stages:
        previous = old_stages.get(stage.id)
        gates = previous.gates if previous else ()
        items = previous.items if previous else ()
        yield from _compare("gate", gates, stage.gates, stage.id)
        yield from _compare("item", items, stage.items, stage.id)
        yield from _compare("close_step", previous.close_plan if previous else (),
                            stage.close_plan, stage.id)
    new_ids = {stage.id for stage in new.stages}
    for stage in old.stages:
        if stage.id not in new_ids:
            yield from _compare("gate", stage.gates, (), stage.id)
            yield from _compare("item", stage.items, (), stage.id)
            yield from _compare("close_step", stage.close_plan, (), stage.id)


_MOVE_KINDS = ("advance", "skip", "win", "lose", "back", "reopen", "outcomes")
"""The declarations of `moves`, each counted once by the change budget."""


def _allowed(pb: Playbook, kind: str) -> set[str]:
    kinds = ("close",) if kind == "outcomes" else (kind,)
    return {f"{e.source} > {e.dest}" for e in move_edges(pb) if e.kind in kinds}


def _move_gates(pb: Playbook) -> dict[str, tuple[Any, ...]]:
    moves = pb.moves or Moves()
    gates: dict[str, tuple[Any, ...]] = {f"moves.{kind}": getattr(moves, kind).gates
                                         for kind in ("advance", "win", "lose", "back", "reopen")}
    gates.update({f"moves.skip[{i}]": skip.gates for i, skip in enumerate(moves.skip)})
    gates.update({f"moves.outcomes.{o.id}": o.gates for o in moves.outcomes})
    return gates


def _moves(old: Playbook, new: Playbook) -> Iterator[Change]:
    """The moves whose declaration changed, with the moves they allow or no longer allow;
    the control points of moves; the extra outcomes."""
    if old.moves == new.moves:
        return
    before, after = old.moves or Moves(), new.moves or Moves()
    for kind in _MOVE_KINDS:
        if getattr(before, kind) == getattr(after, kind):
            continue
        was, now = _allowed(old, kind), _allowed(new, kind)
        fields = [(_("allowed"), _("(none)"), ", ".join(sorted(now - was)))] if now - was else []
        if was - now:
            fields.append((_("no longer allowed"), ", ".join(sorted(was - now)), _("(none)")))
        yield Change("move", kind, "changed", "moves", tuple(fields))
    old_gates, new_gates = _move_gates(old), _move_gates(new)
    for where in dict.fromkeys([*old_gates, *new_gates]):
        yield from _compare("gate", old_gates.get(where, ()), new_gates.get(where, ()), where)
    yield from _compare("outcome", before.outcomes, after.outcomes, "moves", skip=("gates",))


def diff_playbooks(old: Playbook, new: Playbook) -> PlaybookDiff:
    """Every change from `old` to `new` (matched by id), and the change budget."""
    changes = list(_compare("stage", old.stages, new.stages, skip=("gates", "items",
                                                                    "close_plan")))
    if [s.id for s in old.stages if s.id in {n.id for n in new.stages}] != [
            s.id for s in new.stages if s.id in {o.id for o in old.stages}]:
        changes.append(Change("stage", "*", "reordered", "",
                              (("order", ", ".join(s.id for s in old.stages),
                                ", ".join(s.id for s in new.stages)),)))
    changes += list(_stage_parts(old, new))
    for kind, name in (("role", "roles"), ("our_role", "our_roles"), ("fact", "facts"),
                       ("play", "plays"), ("approval_rule", "approval_rules"),
                       ("lost_reason", "lost_reasons"), ("buyer_phase", "buyer_phases")):
        changes += list(_compare(kind, getattr(old, name), getattr(new, name)))
    changes += list(_moves(old, new))
    touched = len({(c.kind, c.where if c.kind == "gate" and c.where.startswith("moves") else "",
                    c.id) for c in changes if c.kind in ("gate", "item", "move")})
    total = sum(len(s.gates) + len(s.items) for s in old.stages)
    if old.moves is not None or new.moves is not None:  # without, the same as before moves
        total += sum(len(gates) for gates in _move_gates(old).values()) + len(_MOVE_KINDS)
    return PlaybookDiff(old.version, new.version, changes, touched, total, new.change_budget)
