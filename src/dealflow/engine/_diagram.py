"""The playbook as a Mermaid state diagram, drawn by transitions' own GraphMachine from
the transitions of the machine that decides the moves (`_machine`), each labelled with
its control points."""

from __future__ import annotations

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


class _Marker:
    """The model the diagram machine marks as the current state."""

    state: str


def mermaid(playbook: Playbook, *, stage: str | None = None, locale: str | None = None) -> str:
    """Mermaid `stateDiagram-v2` text: each move labelled with its control points.

    With `stage`, that stage is drawn as the active one (where a deal stands).
    """
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
        odds = "" if item.probability is None else f" ({item.probability}%)"  # optional
        label = _one_line(f"{playbook.text(item.name, locale)}{odds}").replace('"', "'")
        text = text.replace(f'state "{item.id}" as {item.id}\n', f'state "{label}" as {item.id}\n')
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
