"""The moves of the engine: advance (or skip), win, lose, close with an extra outcome,
move back, reopen, and what the machine says of the next move (`explain`).

Each works out its target and asks the playbook's machine (`_machine`), which alone
decides: its report is every control point of that move, and the event is made only
when none blocks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dealflow.deal import Deal
from dealflow.engine._chain_ops import competitor_checks
from dealflow.engine._context import RuleContext
from dealflow.engine._events import (
    DealLost,
    DealReopened,
    DealWon,
    Event,
    StageAdvanced,
    StageMovedBack,
)
from dealflow.engine._events_moves import DealClosed
from dealflow.engine._evidence_ops import review_checks, with_review
from dealflow.engine._gates import WON, Check, GateReport
from dealflow.engine._machine import LOST, OPERATIONS, MoveMachine, state_of
from dealflow.engine._move_args import MoveArgs
from dealflow.engine._outcome import Outcome
from dealflow.playbook import Playbook

__all__ = ["MoveOperations"]


class MoveOperations:
    """The engine's moves (a part of `Engine`)."""

    playbook: Playbook
    clock: Callable[[], dt.datetime]
    _machine: MoveMachine

    if TYPE_CHECKING:  # pragma: no cover - given by Engine
        def context(self, deal: Deal, move: MoveArgs | None = None) -> RuleContext: ...
        def _playbook_check(self, deal: Deal) -> list[Check]: ...
        def _base(self, deal: Deal, actor: str) -> dict[str, Any]: ...
        def _outcome(self, deal: Deal, operation: str, target: str | None,
                     checks: list[Check], make: Callable[[], Event],
                     raise_on_refusal: bool) -> Outcome: ...

    # -- asking the machine -----------------------------------------------------------------
    def _decide(self, deal: Deal, args: MoveArgs | None, target: str | None,
                locale: str | None) -> list[Check]:
        """The machine's checks of a move of `args.kind` to `target`."""
        assert args is not None
        foreign = self._playbook_check(deal)
        if foreign:  # its stage may not even exist in this playbook
            return foreign
        ctx = self.context(deal, args)
        return self._machine.attempt(args.kind, deal, target, ctx, locale)

    def _move(self, deal: Deal, args: MoveArgs, target: str | None, locale: str | None,
              make: Callable[[list[Check]], Event], raise_on_refusal: bool,
              extra: list[Check] | None = None) -> Outcome:
        checks = self._decide(deal, args, target, locale) + (extra or [])
        return self._outcome(deal, OPERATIONS[args.kind], target, checks,
                             lambda: make(checks), raise_on_refusal)

    def explain(self, deal: Deal, locale: str | None = None) -> GateReport:
        """The state of every control point of the deal's next move: advancing to the next
        stage, or winning from the last."""
        nxt = None if self._playbook_check(deal) else self.playbook.next_stage(deal.stage)
        kind, target = ("advance", nxt.id) if nxt else ("win", WON)
        checks = self._decide(deal, MoveArgs(kind, target), target, locale)
        return GateReport(OPERATIONS[kind], deal.id, deal.stage, target, tuple(checks))

    def allowed_targets(self, deal: Deal, kind: str) -> list[str]:
        """Where the playbook lets `deal` make a move of `kind` from where it is (its
        control points aside)."""
        return self._machine.targets(kind, state_of(deal))

    # -- the moves --------------------------------------------------------------------------
    def advance(self, deal: Deal, *, actor: str, to: str | None = None,
                locale: str | None = None, raise_on_refusal: bool = False) -> Outcome:
        """Move to the next stage, or skip to `to` when the playbook allows it, when every
        blocking control point of the move holds."""
        nxt = None if self._playbook_check(deal) else self.playbook.next_stage(deal.stage)
        target = to if to is not None else (nxt.id if nxt else None)
        kind = "advance" if to is None or (nxt is not None and to == nxt.id) else "skip"

        def make(checks: list[Check]) -> Event:
            assert target is not None
            warnings = tuple(c.id for c in checks if not c.passed)
            return StageAdvanced(**self._base(deal, actor), from_stage=deal.stage,
                                 to_stage=target, warnings=warnings)

        return self._move(deal, MoveArgs(kind, target or ""), target, locale, make,
                          raise_on_refusal)

    def win(self, deal: Deal, *, actor: str, locale: str | None = None,
            answers: Mapping[str, str] | None = None, raise_on_refusal: bool = False,
            ) -> Outcome:
        """Close the deal as won (from the last stage, unless the playbook allows more),
        with the answers of the playbook's review form for won deals when it asks."""
        def make(checks: list[Check]) -> Event:
            return DealWon(**self._base(deal, actor), stage=deal.stage)

        reviewed = review_checks(self.playbook, "won", answers, with_move=True)
        return with_review(self._move(deal, MoveArgs("win", WON), WON, locale, make,
                                      raise_on_refusal, reviewed),
                           "won", answers, self.playbook)

    def lose(self, deal: Deal, *, actor: str, reason: str = "", note: str = "",
             sub_reason: str | None = None, locale: str | None = None,
             answers: Mapping[str, str] | None = None, winner: str | None = None,
             raise_on_refusal: bool = False) -> Outcome:
        """Close the deal as lost: with one of the playbook's lost reasons (and maybe a
        sub-reason) when it declares them, with a note when it declares none; with the
        answers of the review form for lost deals when the playbook asks; naming the
        `winner`, one of the deal's competitors, when known."""
        args = MoveArgs("lose", LOST, reason, sub_reason, note)

        def make(checks: list[Check]) -> Event:
            return DealLost(**self._base(deal, actor), stage=deal.stage, reason=reason or None,
                            sub_reason=sub_reason, note=note, winner=winner)

        reviewed = review_checks(self.playbook, "lost", answers, with_move=True)
        if winner is not None:
            reviewed += competitor_checks(deal, winner)
        return with_review(self._move(deal, args, LOST, locale, make, raise_on_refusal,
                                      reviewed),
                           "lost", answers, self.playbook)

    def close(self, deal: Deal, *, outcome: str, actor: str, note: str = "",
              locale: str | None = None, raise_on_refusal: bool = False) -> Outcome:
        """Close the deal with one of the playbook's extra outcomes (like `duplicate`)."""
        declared = {o.id: o for o in (self.playbook.moves.outcomes if self.playbook.moves
                                      else ())}

        def make(checks: list[Check]) -> Event:
            return DealClosed(**self._base(deal, actor), stage=deal.stage, outcome=outcome,
                              counts_as_lost=declared[outcome].counts_as_lost, note=note)

        return self._move(deal, MoveArgs("close", outcome, note=note), outcome, locale, make,
                          raise_on_refusal)

    def move_back(self, deal: Deal, *, reason: str, actor: str, to: str | None = None,
                  locale: str | None = None, raise_on_refusal: bool = False) -> Outcome:
        """Move back to an earlier stage (the previous one unless `to` names another)."""
        target = to
        if to is None and not self._playbook_check(deal):
            index = self.playbook.stage_index(deal.stage)
            target = self.playbook.stages[index - 1].id if index else None

        def make(checks: list[Check]) -> Event:
            assert target is not None
            return StageMovedBack(**self._base(deal, actor), from_stage=deal.stage,
                                  to_stage=target, reason=reason)

        return self._move(deal, MoveArgs("back", target or "", reason), target, locale, make,
                          raise_on_refusal)

    def reopen(self, deal: Deal, *, actor: str, to: str | None = None,
               locale: str | None = None, raise_on_refusal: bool = False) -> Outcome:
        """Open a closed deal again: in the stage it was closed from, or in `to` when the
        playbook allows reopening there."""
        target = to if to is not None else deal.stage

        def make(checks: list[Check]) -> Event:
            return DealReopened(**self._base(deal, actor), stage=target)

        return self._move(deal, MoveArgs("reopen", target), target, locale, make,
                          raise_on_refusal)
