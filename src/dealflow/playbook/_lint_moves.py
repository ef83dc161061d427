"""Lint of the declared moves: the graph they draw, without the moves a constant false
control point forbids.

- DF103: a stage no move leads to from the first stage;
- DF104: a stage from which no chain of moves leads to `won`;
- DF117: an open stage with no move out of it (a deal there is stuck for good);
- DF118: no stage may be won at all;
- DF101 / DF102: a move's control point that is constant (never or always passes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dealflow._messages import N_, _
from dealflow._yaml import Location
from dealflow.playbook._model import Playbook
from dealflow.playbook._move_checks import move_gates
from dealflow.playbook._moves import WON, move_edges
from dealflow.rules import Rule

__all__ = ["MOVE_CODES", "lint_moves"]

MOVE_CODES: dict[str, tuple[str, str]] = {
    "DF117": ("error", N_("stage has no move out of it")),
    "DF118": ("error", N_("no stage may be won")),
}

Raw = tuple[str, Location, str, str]
"""(code, where, message, hint) of one finding."""

_OPEN_KINDS = ("advance", "skip", "back", "reopen")


def _reach(start: list[str], step: dict[str, set[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for there in step.get(todo.pop(), set()) - seen:
            seen.add(there)
            todo.append(there)
    return seen


def lint_moves(pb: Playbook, constant: Callable[[Rule], tuple[bool, object]]) -> Iterator[Raw]:
    """The findings of `pb`'s moves (`constant` tells a constant rule and its value)."""
    edges = [edge for edge in move_edges(pb) if not any(  # a move that never passes
        gate.severity == "block" and constant(gate.when) == (True, False)
        for gate in edge.rule.gates)]
    stages = [stage.id for stage in pb.stages]
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    leaving: set[str] = set()
    for edge in edges:
        if edge.source in stages:
            leaving.add(edge.source)
        if edge.kind in _OPEN_KINDS and edge.source in stages or edge.kind == "win":
            forward.setdefault(edge.source, set()).add(edge.dest)
            backward.setdefault(edge.dest, set()).add(edge.source)
    reached = _reach(stages[:1], forward)
    winnable = _reach([WON], backward)
    if not any(edge.kind == "win" for edge in edges):
        yield ("DF118", ("moves", "win"), _("no stage may be won"),
               _("list the stages a deal may be won from in moves.win.from_stages"))
    for s, stage in enumerate(stages):
        if stage not in reached:
            yield ("DF103", ("stages", s), _("stage {stage} cannot be reached: no move leads "
                                             "to it from the first stage", stage=stage),
                   _("allow a move into it in `moves`"))
        if stage not in leaving:
            yield ("DF117", ("stages", s), _("a deal in {stage} can make no move at all",
                                             stage=stage),
                   _("allow it to advance, be won, lost or closed from there"))
        elif stage not in winnable and any(e.kind == "win" for e in edges):
            yield ("DF104", ("stages", s), _("no move leads from {stage} to won", stage=stage),
                   _("allow a move from it towards a stage a deal may be won from"))
    yield from _constant_gates(pb, constant)


def _constant_gates(pb: Playbook, constant: Callable[[Rule], tuple[bool, object]]
                    ) -> Iterator[Raw]:
    for loc, gate in move_gates(pb):
        is_constant, value = constant(gate.when)
        if is_constant and not value and gate.severity == "block":
            yield ("DF101", (*loc, "when"), _("gate {gate} is always false", gate=gate.id),
                   _("a constant false control point forbids its move"))
        if is_constant and value:
            yield ("DF102", (*loc, "when"), _("gate {gate} is always true", gate=gate.id),
                   _("make it a condition on the move or the deal, or remove it"))
