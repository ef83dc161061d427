"""The moves a playbook declares: which moves a deal may make, from where, to where, and
the control points of each.

Every move kind is one model (`AdvanceMove`, `SkipMove`, `CloseMove` for win and lose,
`BackMove`, `ReopenMove`, `OutcomeMove`), each a `MoveRule`: the base of what a declared
move may carry (its `gates` today; who may make it and what it sets are meant to join
them there). `Moves` is the `moves:` section; without it a playbook has the default
model: forward one stage, win from the last stage, lose from any, back to any earlier
stage, reopen into the stage a deal was closed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dealflow.playbook._base import Identifier, _Model
from dealflow.playbook._effect import Effect
from dealflow.playbook._localized import Text
from dealflow.playbook._model import Gate

if TYPE_CHECKING:
    from dealflow.playbook._model import Playbook

__all__ = [
    "ANY",
    "LOST",
    "MOVE_KINDS",
    "WON",
    "AdvanceMove",
    "BackMove",
    "CloseMove",
    "MoveRule",
    "Moves",
    "OutcomeMove",
    "ReopenMove",
    "SkipMove",
    "MoveEdge",
    "move_edges",
]

WON = "won"
"""Where a `win` ends: not a stage, the end of the track."""
LOST = "lost"
"""Where a `lose` ends: not a stage, the end of the track."""
MOVE_KINDS = ("advance", "skip", "win", "lose", "close", "back", "reopen")
"""The kinds of move, as `move.kind` names them (`close`: into an extra outcome)."""

ANY = "any"
"""`from_stages: any`: every stage."""

Stages = tuple[Identifier, ...] | Literal["any"] | None
"""Stages a move starts from or goes to: a list, `any`, or none given (the kind's default)."""


class MoveRule(_Model):
    """What every declared move may carry: its own control points, and its effects."""

    gates: tuple[Gate, ...] = ()
    """Control points of this move (same format as a stage's gates); their rules also see
    `move` (the move's kind, target, reason, sub_reason and note)."""
    effects: tuple[Effect, ...] = ()
    """What the move does by itself once allowed: facts it sets, items it opens (after the
    effects of the stages it leaves and enters)."""


class AdvanceMove(MoveRule):
    """Moving forward one stage, always allowed (subject to the gates of the stage left)."""


class SkipMove(MoveRule):
    """Moving forward past the next stage."""

    from_stages: Stages = None
    """The stages a deal may skip from (`any` or none given: every stage)."""
    to_stages: Stages = None
    """The later stages it may skip to (`any` or none given: every later stage)."""


class CloseMove(MoveRule):
    """Closing a deal as won or lost."""

    from_stages: Stages = None
    """The stages it may be closed from: for win none given is the last stage, for lose
    every stage; `any` is every stage; `[]` is none."""


class BackMove(MoveRule):
    """Moving back to an earlier stage."""

    from_stages: Stages = None
    """The stages a deal may move back from (none given or `any`: every stage; `[]`:
    moving back is never allowed)."""
    to_stages: Stages = None
    """The stages it may move back to, when earlier (none given or `any`: every earlier
    stage)."""


class ReopenMove(MoveRule):
    """Opening a closed deal again."""

    from_outcomes: tuple[Identifier, ...] | None = None
    """The outcomes a deal may be reopened from: `won`, `lost` or ids of `outcomes` (none
    given: all of them; `[]`: a closed deal is never reopened)."""
    to_stages: Stages = None
    """The stages it may be reopened into (none given: only the stage it was closed from;
    `any`: every stage)."""


class OutcomeMove(MoveRule):
    """An outcome beyond won and lost that closes a deal, like `duplicate`."""

    id: Identifier
    """Unique id of the outcome (not a stage id, `won` or `lost`)."""
    name: Text
    """The outcome's display name."""
    description: Text | None = None
    """When to use this outcome."""
    counts_as_lost: bool = True
    """Whether a deal closed this way counts as lost in the funnel and the win rate."""
    from_stages: Stages = None
    """The stages a deal may be closed this way from (none given or `any`: every stage)."""


class Moves(_Model):
    """The moves a deal may make (the `moves` section)."""

    advance: AdvanceMove = AdvanceMove()
    """Moving forward one stage."""
    skip: tuple[SkipMove, ...] = ()
    """Moving forward past the next stage (none when empty)."""
    win: CloseMove = CloseMove()
    """Closing as won (from the last stage unless `from_stages` says otherwise)."""
    lose: CloseMove = CloseMove()
    """Closing as lost (from every stage unless `from_stages` says otherwise)."""
    back: BackMove = BackMove()
    """Moving back to an earlier stage."""
    reopen: ReopenMove = ReopenMove()
    """Opening a closed deal again."""
    outcomes: tuple[OutcomeMove, ...] = ()
    """Outcomes beyond won and lost."""


@dataclass(frozen=True, slots=True)
class MoveEdge:
    """One move of the declared graph: `kind` from `source` to `dest`, under `rule`.

    `closed_from_only` marks a reopen that may only go back to the stage the deal was
    closed from (the default)."""

    kind: str
    source: str
    dest: str
    rule: MoveRule
    closed_from_only: bool = False


def _chosen(value: Stages, default: list[str], every: list[str]) -> list[str]:
    if value is None:
        return default
    if value == ANY:
        return every
    return [stage for stage in every if stage in value]


def move_edges(playbook: Playbook) -> tuple[MoveEdge, ...]:
    """Every move `playbook` allows, in a stable order: advance, skip, win, lose, close,
    back, reopen. Stage ids a declaration names that are not stages are left out (the
    loader reports them)."""
    moves = playbook.moves or Moves()
    stages = [stage.id for stage in playbook.stages]
    edges = [MoveEdge("advance", here, there, moves.advance)
             for here, there in zip(stages, stages[1:], strict=False)]
    seen: set[tuple[str, str]] = set()
    for skip in moves.skip:
        for here in _chosen(skip.from_stages, stages, stages):
            later = stages[stages.index(here) + 2:]
            for there in _chosen(skip.to_stages, later, later):
                if (here, there) not in seen:  # the first declaration that allows it
                    seen.add((here, there))
                    edges.append(MoveEdge("skip", here, there, skip))
    edges += [MoveEdge("win", here, WON, moves.win)
              for here in _chosen(moves.win.from_stages, stages[-1:], stages)]
    edges += [MoveEdge("lose", here, LOST, moves.lose)
              for here in _chosen(moves.lose.from_stages, stages, stages)]
    for outcome in moves.outcomes:
        edges += [MoveEdge("close", here, outcome.id, outcome)
                  for here in _chosen(outcome.from_stages, stages, stages)]
    for here in _chosen(moves.back.from_stages, stages, stages):
        earlier = stages[:stages.index(here)]
        edges += [MoveEdge("back", here, there, moves.back)
                  for there in _chosen(moves.back.to_stages, earlier, earlier)]
    closed = [WON, LOST, *(outcome.id for outcome in moves.outcomes)]
    sources = closed if moves.reopen.from_outcomes is None else [
        state for state in closed if state in moves.reopen.from_outcomes]
    same = moves.reopen.to_stages is None
    for state in sources:
        edges += [MoveEdge("reopen", state, there, moves.reopen, closed_from_only=same)
                  for there in _chosen(moves.reopen.to_stages, stages, stages)]
    return tuple(edges)
