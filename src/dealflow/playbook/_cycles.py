"""Rules that depend on themselves through the helpers, found when the playbook loads.

Three helpers evaluate other rules of the playbook: `stage_items_done()` and
`item_done('x')` (for an item repeated per stakeholder) work out which items of a stage
apply, so they evaluate the `when` and `for_each` of that stage's items;
`approvals_covered()` evaluates the `when` of every approval rule. A rule among those
that calls such a helper may need its own value: an item whose `when` is
`stage_items_done()` waits for every item of its stage, itself included. Such a rule
could only recurse without end, so the playbook is refused, naming the rules in the
circle (the rule context also refuses to re-enter a helper, as a guard behind this).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dealflow._messages import _
from dealflow._yaml import Location, format_path
from dealflow.playbook._model import Playbook
from dealflow.rules import Rule, RuleRefs

__all__ = ["HelperCycleFinding", "helper_cycles"]


@dataclass(frozen=True, slots=True)
class _Node:
    """A rule that a helper may evaluate: an item's `when` or `for_each`, or the `when`
    of an approval rule."""

    loc: Location
    what: str
    stage: str | None
    rule: Rule


@dataclass(frozen=True, slots=True)
class HelperCycleFinding:
    """A circle of rules, located at its first rule in the document."""

    loc: Location
    message: str


def _nodes(pb: Playbook) -> list[_Node]:
    found: list[_Node] = []
    for s, stage in enumerate(pb.stages):
        for i, item in enumerate(stage.items):
            for field in ("when", "for_each"):
                rule = getattr(item, field)
                if rule is not None:
                    found.append(_Node(("stages", s, "items", i, field),
                                       _("the `{field}` of item {item!r}", field=field,
                                         item=item.id), stage.id, rule))
    for a, approval in enumerate(pb.approval_rules):
        found.append(_Node(("approval_rules", a, "when"),
                           _("the `when` of approval rule {id!r}", id=approval.id), None,
                           approval.when))
    for a, internal in enumerate(pb.approvals):  # approved('x') evaluates the `when` of x
        if internal.when is not None:
            found.append(_Node(("approvals", a, "when"),
                               _("the `when` of approval {id!r}", id=internal.id), None,
                               internal.when))
    return found


def _needs(node: _Node, pb: Playbook, nodes: list[_Node]) -> Iterator[tuple[str, _Node]]:
    """(how, a rule it evaluates) for every rule `node` may need through a helper: `how`
    says which helper and which rules it evaluates."""
    refs = node.rule.refs
    repeated = {item.id: stage.id for stage, item in pb.iter_items() if item.for_each}
    stages: dict[str, str] = {}
    if "stage_items_done" in refs.names:  # the items of the stage the deal is in
        for stage in [node.stage] if node.stage else [stage.id for stage in pb.stages]:
            stages.setdefault(stage, "stage_items_done()")
    if "item_done" in refs.names:
        named = refs.items if refs.items else set(repeated)  # an id worked out: any
        for item in sorted(named):
            if item in repeated:
                stages.setdefault(repeated[item], f"item_done({item!r})")
    for other in nodes:
        if other.stage is not None and other.stage in stages:
            yield _("calls {call}, which evaluates the rules of every item of stage {stage!r}",
                    call=stages[other.stage], stage=other.stage), other
        elif other.loc[0] == "approval_rules" and "approvals_covered" in refs.names:
            yield _("calls approvals_covered(), which evaluates every approval rule"), other
        elif other.loc[0] == "approvals" and _calls_approved(refs, pb, other):
            approval = pb.approvals[int(other.loc[1])].id
            yield _("calls approved({approval!r}), which evaluates its `when`",
                    approval=approval), other


def _calls_approved(refs: RuleRefs, pb: Playbook, other: _Node) -> bool:
    """Whether a rule of `refs` may evaluate the approval at `other` via `approved(...)`."""
    named = pb.approvals[int(other.loc[1])].id
    return "approved" in refs.names and (not refs.approvals or named in refs.approvals)


def _describe(circle: list[tuple[str, _Node]]) -> str:
    first = circle[0][1]
    steps = [first.what]
    for how, node in circle[1:]:
        named = _("this one") if node is first else f"{node.what} ({format_path(node.loc)})"
        steps.append(_("{how}, {named} among them", how=how, named=named))
    if len(circle) == 2:
        head = _("{what} depends on itself", what=first.what)
    else:
        head = _("{what} depend on each other",
                 what=_(" and ").join(node.what for _how, node in circle[:-1]))
    return _("{head}: {first} {rest}: it would recurse without end. A rule that these helpers "
             "evaluate cannot need them itself: name the items it waits for with "
             "item_done('...'), or move the condition to a gate", head=head, first=steps[0],
             rest=_("; that one ").join(steps[1:]))


def helper_cycles(pb: Playbook) -> list[HelperCycleFinding]:
    """Every circle of rules that need each other through a helper, once each."""
    nodes = _nodes(pb)
    edges = {node.loc: list(_needs(node, pb, nodes)) for node in nodes}
    findings: list[HelperCycleFinding] = []
    done: set[Location] = set()
    for start in nodes:
        if start.loc in done:
            continue
        circle = _circle_from(start, edges, done)
        done.add(start.loc)
        if circle is not None:
            done.update(node.loc for _how, node in circle)
            findings.append(HelperCycleFinding(start.loc, _describe(circle)))
    return findings


def _circle_from(start: _Node, edges: dict[Location, list[tuple[str, _Node]]],
                 done: set[Location]) -> list[tuple[str, _Node]] | None:
    """The shortest circle from `start` back to it (breadth first), if any."""
    paths: list[list[tuple[str, _Node]]] = [[("", start)]]
    seen = {start.loc}
    while paths:
        grown: list[list[tuple[str, _Node]]] = []
        for path in paths:
            for helper, node in edges[path[-1][1].loc]:
                if node.loc == start.loc:
                    return [*path, (helper, node)]
                if node.loc not in seen and node.loc not in done:
                    seen.add(node.loc)
                    grown.append([*path, (helper, node)])
        paths = grown
    return None
