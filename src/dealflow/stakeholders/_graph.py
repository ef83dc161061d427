"""The decision chain as a graph: organisations as groups, people as nodes (stance,
influence, owner, depth), reporting and influence lines as edges. `chain_graph` builds it
once; `chain_mermaid` and `chain_svg` (see `_svg`) draw the same graph.

Every text of a deal is escaped for its target: node ids are positions (`p0`, `p1`, ...),
never deal data, and labels pass through `_mermaid_text`, which leaves no character that
Mermaid reads as syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from dealflow._messages import _
from dealflow.deal import Deal, Influence
from dealflow.playbook import Playbook
from dealflow.rules import trust

__all__ = ["STANCE_COLOURS", "ChainEdge", "ChainGraph", "ChainGroup", "ChainNode",
           "chain_graph", "chain_mermaid"]

#: Fill and text colour of each stance, shared by Mermaid and SVG.
STANCE_COLOURS: dict[str, tuple[str, str]] = {
    "champion": ("#1b7f3b", "#ffffff"), "supporter": ("#8fd19e", "#10301a"),
    "neutral": ("#e4e7eb", "#1f2933"), "unknown": ("#ffffff", "#52606d"),
    "skeptic": ("#f6c177", "#3d2a00"), "opponent": ("#c62828", "#ffffff"),
}
_BORDER = {"high": 4, "medium": 2, "low": 1}


@trust
@dataclass(frozen=True, slots=True)
class ChainNode:
    """A person on the map."""

    key: str
    id: str
    name: str
    title: str
    roles: tuple[str, ...]
    stance: str
    influence: str
    owner: str
    depth: str
    group: str


@trust
@dataclass(frozen=True, slots=True)
class ChainGroup:
    """An organisation (or, with key `g_none`, the people in none)."""

    key: str
    id: str
    name: str
    kind: str


@trust
@dataclass(frozen=True, slots=True)
class ChainEdge:
    """A line between two nodes: `reports_to` or `influences`, with a strength."""

    source: str
    target: str
    kind: str
    strength: str


@trust
@dataclass(frozen=True, slots=True)
class ChainGraph:
    """The decision chain of a deal, ready to draw."""

    deal_id: str
    groups: tuple[ChainGroup, ...]
    nodes: tuple[ChainNode, ...]
    edges: tuple[ChainEdge, ...]

    def to_dict(self) -> dict[str, object]:
        """The graph as plain data (for `--format json`)."""
        return {
            "deal_id": self.deal_id,
            "organisations": [{"id": g.id, "name": g.name, "kind": g.kind} for g in self.groups],
            "people": [{"id": n.id, "name": n.name, "title": n.title, "roles": list(n.roles),
                        "stance": n.stance, "influence": n.influence, "owner": n.owner,
                        "depth": n.depth, "organisation": self._group_id(n.group)}
                       for n in self.nodes],
            "lines": [{"kind": e.kind, "source": self._node_id(e.source),
                       "target": self._node_id(e.target), "strength": e.strength}
                      for e in self.edges],
        }

    def _group_id(self, key: str) -> str:
        return next((g.id for g in self.groups if g.key == key), "")

    def _node_id(self, key: str) -> str:
        return next((n.id for n in self.nodes if n.key == key), "")


def chain_graph(playbook: Playbook, deal: Deal, locale: str | None = None) -> ChainGraph:
    """The graph of `deal`'s decision chain, texts in `locale`."""
    kinds = {kind.id: playbook.text(kind.name, locale)
             for kind in playbook.decision_chain.kinds()}
    depths = {level.id: playbook.text(level.name, locale)
              for level in playbook.decision_chain.relationship_depth}
    ours = {role.id: playbook.text(role.name, locale) for role in playbook.our_roles}
    roles = {role.id: playbook.text(role.name, locale) for role in playbook.roles}
    groups = [ChainGroup(f"g{i}", org.id, org.name, kinds.get(org.kind, org.kind))
              for i, org in enumerate(deal.organisations)]
    key_of = {group.id: group.key for group in groups}
    if any(person.org not in key_of for person in deal.stakeholders):
        groups.append(ChainGroup("g_none", "", _("No organisation"), ""))
    nodes = tuple(ChainNode(
        key=f"p{i}", id=p.id, name=p.name, title=p.title,
        roles=tuple(roles.get(role, role) for role in p.roles), stance=p.stance.value,
        influence=p.influence.value, owner=ours.get(p.owner or "", p.owner or ""),
        depth=depths.get(p.depth or "", p.depth or ""),
        group=key_of.get(p.org or "", "g_none")) for i, p in enumerate(deal.stakeholders))
    node_of = {node.id: node.key for node in nodes}
    edges = tuple(ChainEdge(node_of[link.source], node_of[link.target], link.kind,
                            link.strength.value)
                  for link in deal.links if link.source in node_of and link.target in node_of)
    return ChainGraph(deal.id, tuple(groups), nodes, edges)


def _mermaid_text(value: str) -> str:
    """`value` as text inside a quoted Mermaid label: every character that could end the
    label or start markup is written as an entity code."""
    out = []
    for char in " ".join(value.split()):
        if char.isalnum() or char in " .,:;()/+-_'!?":
            out.append(char)
        else:
            out.append(f"#{ord(char)};")
    return "".join(out)


def _label(node: ChainNode) -> str:
    marks = {"high": "●●●", "medium": "●●", "low": "●"}[node.influence]
    lines = [f"{_mermaid_text(node.name)} {marks}"]
    if node.roles:
        lines.append(_mermaid_text(", ".join(node.roles)))
    details = [_("owner: {who}", who=node.owner) if node.owner else _("no owner")]
    if node.depth:
        details.append(node.depth)
    lines.append(_mermaid_text(" · ".join(details)))
    return "<br/>".join(lines)


def chain_mermaid(graph: ChainGraph) -> str:
    """The graph as a Mermaid flowchart: a subgraph per organisation, people styled by
    stance and bordered by influence, solid reporting and dotted influence lines."""
    lines = ["flowchart TB"]
    for group in graph.groups:
        title = f"{group.name} ({group.kind})" if group.kind else group.name
        lines.append(f'  subgraph {group.key}["{_mermaid_text(title)}"]')
        lines += [f'    {node.key}["{_label(node)}"]:::{node.stance}'
                  for node in graph.nodes if node.group == group.key]
        lines.append("  end")
    for edge in graph.edges:
        if edge.kind == "reports_to":
            lines.append(f'  {edge.source} -->|"{_mermaid_text(_("reports to"))}"| {edge.target}')
        else:
            arrow = "==>" if edge.strength == Influence.high.value else "-.->"
            text = _mermaid_text(_("influences ({strength})", strength=edge.strength))
            lines.append(f'  {edge.source} {arrow}|"{text}"| {edge.target}')
    for stance, (fill, ink) in STANCE_COLOURS.items():
        lines.append(f"  classDef {stance} fill:{fill},color:{ink},stroke:#1f2933")
    lines += [f"  style {node.key} stroke-width:{_BORDER[node.influence]}px"
              for node in graph.nodes]
    return "\n".join(lines) + "\n"
