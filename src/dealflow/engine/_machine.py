"""The machine of a playbook's moves, shared by every deal.

One `transitions` machine is built per playbook (its stages, plus `won` and `lost`) with
the moves the engine makes; deals are never added to it: each move is fired on a token
that stands for the deal during one trigger, after the engine has checked, in its own
code, everything that must hold. The machine's graph never changes once built, so each
(trigger, from, to) it has allowed is remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine, MachineError

from dealflow.engine._gates import WON
from dealflow.playbook import Playbook

__all__ = ["LOST", "MoveMachine"]

LOST = "lost"
"""The target of a `lose`: not a stage, the end of the track."""


class _Token:
    """What the shared machine sees of a deal during one trigger."""

    __slots__ = ("permitted", "state", "target")

    def __init__(self, state: str, target: str | None) -> None:
        self.state = state
        self.target = target
        self.permitted = True


def _build(playbook: Playbook) -> Machine:
    """One `transitions` machine of the playbook's stages, plus won and lost, with the
    moves the engine makes: forward one stage, win from the last, lose from any, back to
    an earlier stage, reopen a closed deal into a stage."""
    stages = [stage.id for stage in playbook.stages]
    machine = Machine(model=None, states=[*stages, WON, LOST], initial=stages[0],
                      auto_transitions=False, send_event=True)

    def permitted(event: EventData) -> bool:
        token: _Token = event.model  # type: ignore[assignment]
        return token.permitted

    def aimed(dest: str) -> Callable[[EventData], bool]:
        return lambda event: bool(getattr(event.model, "target", None) == dest)

    for here, there in zip(stages, stages[1:], strict=False):
        machine.add_transition("advance", here, there, conditions=[permitted])
    machine.add_transition("win", stages[-1], WON, conditions=[permitted])
    machine.add_transition("lose", list[Any](stages), LOST, conditions=[permitted])
    for i, here in enumerate(stages):
        for there in stages[:i]:
            machine.add_transition("back", here, there, conditions=[permitted, aimed(there)])
    for state in (WON, LOST):
        for there in stages:
            machine.add_transition("reopen", state, there,
                                   conditions=[permitted, aimed(there)])
    return machine


class MoveMachine:
    """The moves `playbook` allows, as one machine shared by every deal."""

    def __init__(self, playbook: Playbook) -> None:
        self._machine = _build(playbook)
        self._allowed: dict[tuple[str, str, str | None], str] = {}

    def fire(self, trigger: str, state: str, target: str | None) -> str:
        """The state `trigger` moves a deal in `state` to (`target` names it for `back`
        and `reopen`); a `RuntimeError` when the machine does not allow it, which the
        engine's own checks, made first, never let happen."""
        allowed = self._allowed.get((trigger, state, target))
        if allowed is not None:
            return allowed
        token = _Token(state, target)
        try:
            moved = self._machine.events[trigger].trigger(token)
        except MachineError as exc:  # the playbook's structure does not allow it
            raise RuntimeError(f"{trigger} from {state}: {exc.value}") from None
        if not moved:
            raise RuntimeError(f"{trigger} from {state} to {target} did not fire")
        self._allowed[(trigger, state, target)] = token.state
        return token.state
