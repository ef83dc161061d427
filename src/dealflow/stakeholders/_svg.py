"""The decision chain drawn as SVG, from the same graph as the Mermaid map, in our own code
(no network, no layout engine): a simple layered layout.

Each organisation is a column; inside it, people sit in layers by their reporting lines
(whoever reports to nobody in the deal on top, then the people who report to them, ...).
A person is a circle coloured by stance, sized by influence, with their name, roles and
our owner under it. Reporting lines are solid, influence lines dashed (thicker when
strong). Every text is XML-escaped.
"""

from __future__ import annotations

import math
import re
from xml.sax.saxutils import escape

from dealflow._messages import _
from dealflow._safe_text import visible
from dealflow.stakeholders._graph import STANCE_COLOURS, ChainGraph, ChainNode

__all__ = ["chain_svg"]

_COLUMN = 230
_ROW = 130
_TOP = 70
_RADIUS = {"high": 26, "medium": 20, "low": 14}
_MAX_TEXT = 30


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (`visible` shows the controls; this catches the rest)."""


def _short(text: str) -> str:
    """`text` as SVG text: controls shown as escapes, shortened, XML-escaped."""
    shown = _NOT_XML.sub("\ufffd", visible(" ".join(text.split())))
    return escape(shown if len(shown) <= _MAX_TEXT else shown[: _MAX_TEXT - 1] + "…")


def _layers(graph: ChainGraph) -> dict[str, int]:
    """The layer of each node: how many reporting lines lead up from it (cycles cut)."""
    up = {edge.source: edge.target for edge in graph.edges if edge.kind == "reports_to"}
    layer: dict[str, int] = {}
    for node in graph.nodes:
        seen, current, depth = {node.key}, node.key, 0
        while current in up and up[current] not in seen:
            current = up[current]
            seen.add(current)
            depth += 1
        layer[node.key] = depth
    return layer


def _positions(graph: ChainGraph) -> tuple[dict[str, tuple[int, int]], int]:
    """Where each node sits: its organisation's column, a row per person by layer."""
    layer = _layers(graph)
    places: dict[str, tuple[int, int]] = {}
    rows = 1
    for column, group in enumerate(graph.groups):
        members = sorted((n for n in graph.nodes if n.group == group.key),
                         key=lambda n: layer[n.key])
        for row, node in enumerate(members):
            places[node.key] = (column * _COLUMN + _COLUMN // 2, _TOP + 40 + row * _ROW)
        rows = max(rows, len(members))
    return places, rows


def _towards(start: tuple[int, int], end: tuple[int, int], gap: int) -> tuple[float, float]:
    """The point `gap` short of `end` on the way from `start`."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    return x2 - (x2 - x1) * gap / length, y2 - (y2 - y1) * gap / length


def _attr(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", visible(text)), {'"': "&quot;"})


def _node(node: ChainNode, x: int, y: int) -> list[str]:
    fill = STANCE_COLOURS[node.stance][0]
    radius = _RADIUS[node.influence]
    owner = _("owner: {who}", who=node.owner) if node.owner else _("no owner")
    lines = [
        f'<g class="person stance-{node.stance}" data-id="{_attr(node.id)}">',
        f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{fill}" stroke="#1f2933" '
        f'stroke-width="{2 if node.influence == "high" else 1}"/>',
        f'<text x="{x}" y="{y + radius + 16}" text-anchor="middle" font-weight="600">'
        f"{(_short(node.name))}</text>",
    ]
    extra = [", ".join(node.roles), " · ".join(v for v in (owner, node.depth) if v)]
    for i, text in enumerate(t for t in extra if t):
        lines.append(f'<text x="{x}" y="{y + radius + 31 + 14 * i}" text-anchor="middle" '
                     f'font-size="11" fill="#52606d">{(_short(text))}</text>')
    lines.append("</g>")
    return lines


def chain_svg(graph: ChainGraph) -> str:
    """The graph as a standalone SVG document."""
    places, rows = _positions(graph)
    width = max(1, len(graph.groups)) * _COLUMN
    height = _TOP + 40 + rows * _ROW + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-map" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, '
           'sans-serif" font-size="13" role="img">',
           "<title>" + _short(_("Decision chain of {deal}", deal=graph.deal_id)) + "</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" '
           'fill="#52606d"/></marker></defs>']
    for column, group in enumerate(graph.groups):
        title = f"{group.name} ({group.kind})" if group.kind else group.name
        x = column * _COLUMN
        out.append(f'<rect x="{x + 6}" y="10" width="{_COLUMN - 12}" height="{height - 20}" '
                   'rx="10" fill="#f5f7fa" stroke="#cbd2d9"/>')
        out.append(f'<text x="{x + _COLUMN // 2}" y="34" text-anchor="middle" '
                   f'font-weight="700">{(_short(title))}</text>')
    for edge in graph.edges:
        (x1, y1) = places[edge.source]
        radius = _RADIUS[next(n.influence for n in graph.nodes if n.key == edge.target)]
        x2, y2 = _towards(places[edge.source], places[edge.target], radius + 3)
        dashed = edge.kind == "influences"
        width_px = 3 if dashed and edge.strength == "high" else 1.5
        style = ' stroke-dasharray="6 4"' if dashed else ""
        colour = "#b7791f" if dashed else "#52606d"
        out.append(f'<line class="line {edge.kind}" x1="{x1}" y1="{y1}" x2="{x2:.1f}" '
                   f'y2="{y2:.1f}" '
                   f'stroke="{colour}" stroke-width="{width_px}"{style} '
                   'marker-end="url(#arrow)"/>')
    for node in graph.nodes:
        out += _node(node, *places[node.key])
    out.append("</svg>")
    return "\n".join(out) + "\n"
