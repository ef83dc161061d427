"""Cross-reference checks of the declared moves and lost reasons: the stages, outcomes
and reasons they name exist, ids do not repeat, and no move's control point shares an
id with another control point of the playbook."""

from __future__ import annotations

from collections.abc import Iterator

from dealflow._messages import N_, _
from dealflow._problems import PathProblem, did_you_mean
from dealflow._yaml import Location
from dealflow.playbook._model import Gate, Playbook
from dealflow.playbook._moves import ANY, LOST, WON, Moves
from dealflow.rules import MOVE_NAME, RULE_NAMES, Rule

__all__ = ["check_moves", "move_gates", "move_rules"]


def move_gates(pb: Playbook) -> Iterator[tuple[Location, Gate]]:
    """Every control point of a declared move, with where it is."""
    if pb.moves is None:
        return
    moves = pb.moves
    for kind in ("advance", "win", "lose", "back", "reopen"):
        for g, gate in enumerate(getattr(moves, kind).gates):
            yield ("moves", kind, "gates", g), gate
    for kind in ("skip", "outcomes"):
        for index, rule in enumerate(getattr(moves, kind)):
            for g, gate in enumerate(rule.gates):
                yield ("moves", kind, index, "gates", g), gate


def move_rules(pb: Playbook) -> Iterator[tuple[Location, Rule, frozenset[str]]]:
    """The rules of the moves' control points and the names each may use."""
    for loc, gate in move_gates(pb):
        yield (*loc, "when"), gate.when, RULE_NAMES | {MOVE_NAME}


def _stages(value: object, stages: list[str], loc: Location) -> Iterator[PathProblem]:
    if value is None or value == ANY:
        return
    assert isinstance(value, tuple)
    for index, stage in enumerate(value):
        if stage not in stages:
            yield PathProblem((*loc, index), _("unknown stage {stage!r}", stage=stage)
                              + did_you_mean(stage, stages) + _(" (or write `any`)"))


def _declared(moves: Moves, stages: list[str]) -> Iterator[PathProblem]:
    for kind in ("win", "lose", "back"):
        yield from _stages(getattr(moves, kind).from_stages, stages,
                           ("moves", kind, "from_stages"))
    for kind in ("back", "reopen"):
        yield from _stages(getattr(moves, kind).to_stages, stages, ("moves", kind, "to_stages"))
    for index, skip in enumerate(moves.skip):
        yield from _stages(skip.from_stages, stages, ("moves", "skip", index, "from_stages"))
        yield from _stages(skip.to_stages, stages, ("moves", "skip", index, "to_stages"))
    closed = [WON, LOST]
    for index, outcome in enumerate(moves.outcomes):
        loc: Location = ("moves", "outcomes", index)
        yield from _stages(outcome.from_stages, stages, (*loc, "from_stages"))
        if outcome.id in closed or outcome.id in stages:
            taken = (N_("outcome id {id!r} is already an outcome: give it an id of its own")
                     if outcome.id in closed else
                     N_("outcome id {id!r} is already a stage: give it an id of its own"))
            yield PathProblem((*loc, "id"), _(taken, id=outcome.id))
        else:
            closed.append(outcome.id)
    for index, name in enumerate(moves.reopen.from_outcomes or ()):
        if name not in closed:
            yield PathProblem(("moves", "reopen", "from_outcomes", index),
                              _("unknown outcome {name!r}", name=name)
                              + did_you_mean(name, closed))


def _reasons(pb: Playbook, stages: list[str]) -> Iterator[PathProblem]:
    for r, reason in enumerate(pb.lost_reasons):
        loc: Location = ("lost_reasons", r)
        yield from _stages(reason.stages, stages, (*loc, "stages"))
        seen: set[str] = set()
        for s, sub in enumerate(reason.sub_reasons):
            if sub.id in seen:
                yield PathProblem((*loc, "sub_reasons", s, "id"),
                                  _("duplicate sub-reason id {id!r}", id=sub.id))
            seen.add(sub.id)


def _gate_ids(pb: Playbook) -> Iterator[PathProblem]:
    seen = {gate.id for stage in pb.stages for gate in stage.gates}
    for loc, gate in move_gates(pb):
        if gate.id in seen:
            yield PathProblem((*loc, "id"), _("duplicate gate id {id!r} (gate ids are unique "
                                              "across stages and moves)", id=gate.id))
        seen.add(gate.id)


def check_moves(pb: Playbook) -> Iterator[PathProblem]:
    """Every problem of the declared moves and lost reasons of `pb`."""
    stages = [stage.id for stage in pb.stages]
    if pb.moves is not None:
        yield from _declared(pb.moves, stages)
    yield from _reasons(pb, stages)
    yield from _gate_ids(pb)
