"""The playbook as a Mermaid state diagram, drawn by transitions' own GraphMachine."""

from __future__ import annotations

from dealflow._safe_text import visible
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


class _Marker:
    """The model the diagram machine marks as the current state."""

    state: str


def mermaid(playbook: Playbook, *, stage: str | None = None, locale: str | None = None) -> str:
    """Mermaid `stateDiagram-v2` text: each move labelled with its control points.

    With `stage`, that stage is drawn as the active one (where a deal stands).
    """
    stages = [s.id for s in playbook.stages]
    transitions: list[dict[str, object]] = []
    for index, current in enumerate(playbook.stages):
        dest = stages[index + 1] if index + 1 < len(stages) else "won"
        transitions.append({
            "trigger": "advance" if dest != "won" else "win",
            "source": current.id, "dest": dest,
            "conditions": [gate.id for gate in current.gates if gate.severity == "block"]
            + [f"approval:{rule.id}" for rule in playbook.approval_rules if rule.before == dest]
            + [f"approval:{a.id}" for a in playbook.approvals if a.before == dest],
        })
    transitions.append({"trigger": "lose", "source": stages, "dest": "lost"})
    # imported here: transitions.extensions brings asyncio along (20 ms of every command)
    from transitions.extensions import GraphMachine

    marker = _Marker()
    machine = GraphMachine(
        model=marker, states=[*stages, "won", "lost"], transitions=transitions,
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
