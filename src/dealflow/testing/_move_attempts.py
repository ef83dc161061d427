"""Moves generated from a playbook's declared graph, allowed and refused, for stateful
tests: `moves(playbook, deal)` draws a `MoveAttempt` the deal may try now."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from dealflow.deal import Deal, Status
from dealflow.engine import Engine, Outcome
from dealflow.playbook import MoveEdge, Playbook, move_edges
from dealflow.testing._strategies import hostile_text

__all__ = ["MoveAttempt", "moves"]

_WORDS = ("scope_change", "customer_request", "data_error", "re-scoped", "")
"""Reasons a move back is given: some a playbook may list, one it never does, and none."""


@dataclass(frozen=True)
class MoveAttempt:
    """One move to try: its kind (`advance`, `skip`, `win`, `lose`, `close`, `back`,
    `reopen`), its target and its arguments."""

    kind: str
    target: str | None
    reason: str = ""
    sub_reason: str | None = None
    note: str = ""

    def apply(self, engine: Engine, deal: Deal, actor: str = "test") -> Outcome:
        """Try the move with `engine` (never raises on a refusal)."""
        if self.kind in ("advance", "skip"):
            return engine.advance(deal, actor=actor, to=self.target)
        if self.kind == "win":
            return engine.win(deal, actor=actor)
        if self.kind == "lose":
            return engine.lose(deal, actor=actor, reason=self.reason,
                               sub_reason=self.sub_reason, note=self.note)
        if self.kind == "close":
            return engine.close(deal, outcome=self.target or "", note=self.note, actor=actor)
        if self.kind == "back":
            return engine.move_back(deal, reason=self.reason, to=self.target, actor=actor)
        return engine.reopen(deal, actor=actor, to=self.target)


def state_of(deal: Deal) -> str:
    """Where `deal` is in the graph of moves: its stage while open or held, else how it
    was closed."""
    if deal.status in (Status.open, Status.on_hold):
        return deal.stage
    return deal.outcome or deal.status.value


@st.composite
def _arguments(draw: st.DrawFn, playbook: Playbook, edge: MoveEdge) -> MoveAttempt:
    note = draw(st.one_of(st.just(""), hostile_text(max_size=30)))
    if edge.kind == "lose":
        here = [r for r in playbook.lost_reasons if r.stages is None or edge.source in r.stages]
        names = [r.id for r in here] or [""]
        reason = draw(st.sampled_from([*names, "not_a_reason"]))
        subs = next((r.sub_reasons for r in here if r.id == reason), ())
        sub = draw(st.sampled_from([None, "not_a_sub_reason", *(s.id for s in subs)]))
        return MoveAttempt("lose", edge.dest, reason, sub, note)
    if edge.kind == "back":
        return MoveAttempt("back", edge.dest, draw(st.sampled_from(_WORDS)))
    return MoveAttempt(edge.kind, edge.dest, note=note)


@st.composite
def moves(draw: st.DrawFn, playbook: Playbook, deal: Deal,
          refused: float = 0.25) -> MoveAttempt:
    """A move for `deal` drawn from the moves `playbook` declares from where it is, with
    arguments that may or may not satisfy its control points; about `refused` of the
    time a move the playbook does not allow from there (a move of another stage, or to
    a place that is not a stage)."""
    edges = move_edges(playbook)
    here = [edge for edge in edges if edge.source == state_of(deal)]
    elsewhere = [edge for edge in edges if edge.source != state_of(deal)]
    if not here or (elsewhere and draw(st.floats(0, 1)) < refused):
        if draw(st.booleans()) and elsewhere:
            return draw(_arguments(playbook, draw(st.sampled_from(elsewhere))))
        kind = draw(st.sampled_from(["advance", "skip", "back", "reopen", "close"]))
        return MoveAttempt(kind, "not_a_stage")
    return draw(_arguments(playbook, draw(st.sampled_from(here))))
