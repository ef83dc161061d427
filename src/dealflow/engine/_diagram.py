"""The playbook as a Mermaid state diagram, drawn by transitions' own GraphMachine from
the transitions of the machine that decides the moves (`_machine`), each labelled with
its control points; each stage labelled with the buyer phase it serves, when the
playbook declares one."""

from __future__ import annotations

import re

from dealflow._messages import N_, _, use_locale
from dealflow._safe_text import visible
from dealflow.engine._machine import MoveMachine
from dealflow.playbook import Playbook

__all__ = ["mermaid"]


def _one_line(text: str) -> str:
    """`text` on one line: each line break a space, control characters shown as escapes.

    A line break is `\\n`, `\\r\\n` or a Unicode line or paragraph separator (U+2028,
    U+2029), which Mermaid's JavaScript and YAML also break lines at; `visible` has shown
    every other character `str.splitlines` breaks at (`\\r`, `\\v`, `\\f`, `\\x1c`-`\\x1e`,
    `\\x85`) as its escape before.
    """
    return " ".join(visible(text.replace("\r\n", "\n")).splitlines()).strip()


def _drawn(playbook: Playbook, moves: MoveMachine) -> list[dict[str, object]]:
    """The transitions of the playbook's machine, as GraphMachine takes them: each labelled
    with the control points among its conditions. Moving back and reopening are drawn
    when the playbook declares them (`moves.back`, `moves.reopen`); left as they are
    without a declaration, they would draw an arrow from every stage to every earlier one."""
    declared = playbook.moves.model_fields_set if playbook.moves is not None else set()
    drawn: list[dict[str, object]] = []
    for kind, event in moves.machine.events.items():
        if kind in ("back", "reopen") and kind not in declared:
            continue
        for found in event.transitions.values():
            drawn.extend({"trigger": kind, "source": t.source, "dest": t.dest,
                          "conditions": [getattr(c.func, "__name__", "") for c in t.conditions
                                         if getattr(c.func, "shown", False)]}
                         for t in found)
    return drawn


_KINDS = {"advance": N_("advance"), "skip": N_("skip"), "win": N_("win"), "lose": N_("lose"),
          "back": N_("back"), "reopen": N_("reopen"), "close": N_("close")}
"""The moves' names as the diagram labels them (the move kinds)."""
_ENDS = {"won": N_("won"), "lost": N_("lost")}
"""The end states every playbook has, as the diagram labels them."""
_MOVE_LINE = re.compile(r"^(\s*\S+ --> \S+: )(\w+)", flags=re.MULTILINE)


def _stage_label(playbook: Playbook, stage_id: str, locale: str | None) -> str:
    """A stage's label: its name, its probability when it has one, and the buyer phase it
    serves when the playbook gives it one; one line without double quotes."""
    item = playbook.stage(stage_id)
    odds = "" if item.probability is None else f" ({item.probability}%)"  # optional
    label = f"{playbook.text(item.name, locale)}{odds}"
    phases = {phase.id: phase for phase in playbook.buyer_phases}
    if item.buyer_phase in phases:
        label = _("{stage} · buyer: {phase}", stage=label,
                  phase=playbook.text(phases[item.buyer_phase].name, locale))
    return _one_line(label).replace('"', "'")


class _Marker:
    """The model the diagram machine marks as the current state."""

    state: str


def mermaid(playbook: Playbook, *, stage: str | None = None, locale: str | None = None) -> str:
    """Mermaid `stateDiagram-v2` text: each move labelled with its control points.

    With `stage`, that stage is drawn as the active one (where a deal stands). The texts of
    the playbook are in `locale` (default: its first locale), and so are dealflow's own
    words (moves, won, lost; default: the current locale).
    """
    with use_locale(locale):
        return _mermaid(playbook, stage, locale)


def _mermaid(playbook: Playbook, stage: str | None, locale: str | None) -> str:
    stages = [s.id for s in playbook.stages]
    # imported here: transitions.extensions brings asyncio along (20 ms of every command)
    from transitions.extensions import GraphMachine

    moves = MoveMachine(playbook)
    marker = _Marker()
    machine = GraphMachine(
        model=marker, states=list(moves.machine.states), transitions=_drawn(playbook, moves),
        initial=stage or stages[0], auto_transitions=False, show_conditions=True,
        graph_engine="mermaid", title=playbook.text(playbook.title, locale),
    )
    del machine  # the machine decorates `marker` with get_graph()
    text: str = marker.get_graph().draw(None)  # type: ignore[attr-defined]
    if not text.endswith("\n"):  # so that the last line, `[*] --> ...`, matches below
        text += "\n"
    for item in playbook.stages:
        # a label is one quoted line: a quote or a line break would end it
        text = text.replace(f'state "{item.id}" as {item.id}\n',
                            f'state "{_stage_label(playbook, item.id, locale)}" as {item.id}\n')
    for end, name in _ENDS.items():
        text = text.replace(f'state "{end}" as {end}\n', f'state "{_(name)}" as {end}\n')
    text = _MOVE_LINE.sub(lambda found: found.group(1) + _(_KINDS.get(
        found.group(2), found.group(2))), text)
    text = text.replace(f"[*] --> {stage or stages[0]}\n", f"[*] --> {stages[0]}\n")
    if stage is None:  # no deal: do not mark the first stage as active
        text = text.replace(f"Class {stages[0]} s_active", f"Class {stages[0]} s_default")
    # transitions writes the title as bare front matter, which Mermaid ignores: make it
    # a `title:` key, quoted so that any text is safe.
    title = _one_line(playbook.text(playbook.title, locale)).replace("\\", "\\\\").replace(
        '"', '\\"')
    head = f"---\n{playbook.text(playbook.title, locale)}\n---\n"
    if text.startswith(head):
        text = f'---\ntitle: "{title}"\n---\n' + text[len(head):]
    return text
