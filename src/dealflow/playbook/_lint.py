"""Static soundness checks of a valid playbook, in the style of a linter.

Each finding has a code (`DF1xx`), a severity (`error`, `warning`, `info`), a location
and a hint. The checks need no generated data, so they are fast: constant rules, gates
that can never pass (an enum fact compared with a value it cannot take, an item of a
later stage), stages that cannot be reached or cannot reach `won` because of them,
roles nobody asks to map, untranslated texts and owners who are not engaged.
A playbook can silence codes with `lint: {ignore: [DF108]}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from dealflow._messages import N_, _
from dealflow._yaml import Document, Location, format_path
from dealflow.errors import RuleEvalError
from dealflow.playbook._automation_checks import (
    TIMER_CODES,
    timer_facts,
    timer_lint,
    timer_rules,
)
from dealflow.playbook._lint_content import CONTENT_CODES, lint_content
from dealflow.playbook._lint_moves import MOVE_CODES, lint_moves
from dealflow.playbook._model import Playbook
from dealflow.playbook._move_checks import move_gates
from dealflow.playbook._references import _walk_texts
from dealflow.rules import Rule, RuleRefs, template_refs

__all__ = ["CODES", "Finding", "lint_playbook"]

#: Every code: (severity, title).
CODES: dict[str, tuple[str, str]] = {
    "DF101": ("error", N_("gate can never pass")),
    "DF102": ("warning", N_("gate always passes")),
    "DF103": ("error", N_("stage cannot be reached")),
    "DF104": ("error", N_("won cannot be reached from this stage")),
    "DF105": ("info", N_("role nobody asks to map (it only records who is who)")),
    "DF106": ("warning", N_("enum fact compared with a value it cannot take")),
    "DF107": ("warning", N_("text missing a translation")),
    "DF108": ("info", N_("text not translated (one string for every locale)")),
    "DF109": ("info", N_("item owner does not engage in the stage")),
    "DF110": ("info", N_("fact no rule reads (it only records data)")),
    "DF111": ("error", N_("gate waits for an item of a later stage")),
    "DF112": ("warning", N_("play, item or gate condition is constant")),
    "DF113": ("warning", N_("money compared with a plain number")),
    "DF114": ("warning", N_("approval never asked for")),
    **TIMER_CODES,
    **MOVE_CODES,
    "DF119": ("warning", N_("waivable gate that never blocks")),
    "DF130": ("warning", N_("gate asks for an agreed close plan no stage seeds")),
    "DF131": ("info", N_("close-plan step owner does not engage in the stage")),
    **CONTENT_CODES,
}
"""The titles are English (translate them with `_` where shown)."""

_SEVERITIES = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding, located in the playbook file."""

    code: str
    severity: str
    message: str
    hint: str
    file: str = ""
    line: int = 0
    column: int = 0
    path: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        severity = _(_SEVERITIES.get(self.severity, self.severity))
        return f"{where}  {self.path}  {self.code} {severity}: {self.message} ({self.hint})"

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain data."""
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "hint": self.hint, "file": self.file, "line": self.line,
                "column": self.column, "path": self.path}


@dataclass(frozen=True, slots=True)
class _Raw:
    code: str
    loc: Location
    message: str
    hint: str


def _constant(rule: Rule) -> tuple[bool, Any]:
    if rule.refs.names:
        return False, None
    try:
        return True, rule.evaluate({})
    except RuleEvalError:  # a failing constant is not a constant value
        return False, None


def _enum_fact(node: nodes.Node, enums: dict[str, set[str]]) -> str | None:
    """The enum fact `node` reads, as `facts.x` or `facts['x']`; None for anything else."""
    if isinstance(node, nodes.Getattr):
        key: Any = node.attr
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        key = node.arg.value
    else:
        return None
    reads_facts = isinstance(node.node, nodes.Name) and node.node.name == "facts"
    return key if reads_facts and key in enums else None


def _strings(node: nodes.Node) -> list[str]:
    """The constant strings of `node`: a string, or the strings of a literal list."""
    if isinstance(node, nodes.Const):
        values = [node.value]
    elif isinstance(node, nodes.List | nodes.Tuple):
        values = [item.value for item in node.items if isinstance(item, nodes.Const)]
    else:
        values = []
    return [value for value in values if isinstance(value, str)]


def _enum_mismatches(pb: Playbook, rule: Rule) -> Iterator[tuple[str, str]]:
    """(fact, value) for each comparison of an enum fact with a value it cannot take.

    The fact may be on either side of `==` and `!=` (`'approved' == facts.budget`), and on
    the left of `in` and `not in`.
    """
    enums = {f.id: set(f.values or ()) for f in pb.facts if f.type == "enum"}
    tree = rule._compiled.tree
    compares = ([tree] if isinstance(tree, nodes.Compare) else []) + list(
        tree.find_all(nodes.Compare))
    for compare in compares:
        left = compare.expr
        for operand in compare.ops:
            pairs = [(left, operand.expr)]
            if operand.op in ("eq", "ne"):
                pairs.append((operand.expr, left))
            for side, other in pairs:
                fact = _enum_fact(side, enums)
                if fact is not None:
                    yield from ((fact, value) for value in _strings(other)
                                if value not in enums[fact])
            left = operand.expr


def _enum_hint(pb: Playbook, fact_id: str, wrong: str) -> str:
    """Use a declared value; when `wrong` is a label, name the id it labels."""
    fact = next(fact for fact in pb.facts if fact.id == fact_id)
    for value, label in fact.labels.items():
        texts = [label.get_text("")] if label.plain else [label[loc] for loc in label]
        if wrong.strip().casefold() in (text.strip().casefold() for text in texts):
            return _("{wrong!r} is the label of {value!r}: rules compare the id", wrong=wrong,
                     value=value)
    return _("use one of the values the fact declares")


def _money_side(node: nodes.Node, money: set[str]) -> str | None:
    """What money `node` reads (`facts.x` of a money fact, `deal.money`), or None."""
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        if node.node.name == "deal" and node.attr == "money":
            return "deal.money"
        if node.node.name == "facts" and node.attr in money:
            return f"facts.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.node, nodes.Name) and (
            node.node.name == "facts" and isinstance(node.arg, nodes.Const)
            and node.arg.value in money):
        return f"facts.{node.arg.value}"
    return None


def _money_numbers(pb: Playbook, rule: Rule) -> Iterator[str]:
    """Each money value `rule` compares with a number written out (`facts.budget > 5000`):
    the comparison fails on every deal, as money compares only with money."""
    money = {fact.id for fact in pb.facts if fact.type == "money"}
    tree = rule._compiled.tree
    compares = ([tree] if isinstance(tree, nodes.Compare) else []) + list(
        tree.find_all(nodes.Compare))
    for compare in compares:
        left = compare.expr
        for operand in compare.ops:
            for side, other in ((left, operand.expr), (operand.expr, left)):
                found = _money_side(side, money)
                if found and isinstance(other, nodes.Const) and isinstance(
                        other.value, int | float) and not isinstance(other.value, bool):
                    yield found
            left = operand.expr


def _gate_checks(pb: Playbook) -> Iterator[_Raw]:
    items_stage = {item.id: pb.stage_index(stage.id) for stage, item in pb.iter_items()}
    for s, stage in enumerate(pb.stages):
        for g, gate in enumerate(stage.gates):
            loc: Location = ("stages", s, "gates", g, "when")
            is_constant, value = _constant(gate.when)
            if is_constant and not value and gate.severity == "block":
                yield _Raw("DF101", loc, _("gate {gate} is always false", gate=gate.id),
                           _("a constant false gate strands every deal in this stage"))
            if is_constant and value:
                yield _Raw("DF102", loc, _("gate {gate} is always true", gate=gate.id),
                           _("make it a condition the buyer can confirm, or remove it"))
            for fact, wrong in _enum_mismatches(pb, gate.when):
                yield _Raw("DF106", loc, _("fact {fact} can never be {wrong!r}", fact=fact,
                                           wrong=wrong),
                           _enum_hint(pb, fact, wrong))
            for money in _money_numbers(pb, gate.when):
                yield _Raw("DF113", loc, _("{money} is money, compared with a plain number: "
                                           "the rule fails on every deal", money=money),
                           _("write the number as money, like money(100000, 'USD'), or "
                             "compare {money}.amount", money=money))
            if gate.applies_when is not None and _constant(gate.applies_when)[0]:
                yield _Raw("DF112", (*loc[:-1], "applies_when"),
                           _("gate {gate} always or never applies", gate=gate.id),
                           _("remove `applies_when`, or make it about the deal"))
            for item in gate.when.refs.items:
                if items_stage.get(item, -1) > s:
                    yield _Raw("DF111", loc, _("gate {gate} waits for item {item}, which "
                                               "belongs to a later stage", gate=gate.id,
                                               item=item),
                               _("a deal only sees the items of its current stage"))


def _blocked_stages(findings: list[_Raw], pb: Playbook) -> set[int]:
    stuck = set()
    for finding in findings:
        if finding.code in ("DF101", "DF111"):
            stage_index = int(finding.loc[1])
            gate = pb.stages[stage_index].gates[int(finding.loc[3])]
            if gate.severity == "block":
                stuck.add(stage_index)
    return stuck


def _reachability(pb: Playbook, gate_findings: list[_Raw]) -> Iterator[_Raw]:
    stuck = _blocked_stages(gate_findings, pb)
    if not stuck:
        return
    first_stuck = min(stuck)
    for s, stage in enumerate(pb.stages):
        if s > first_stuck:
            yield _Raw("DF103", ("stages", s), _("stage {stage} cannot be reached: {stuck} has "
                                                 "a gate that never passes", stage=stage.id,
                                                 stuck=pb.stages[first_stuck].id),
                       _("fix the gate that never passes"))
    for s, stage in enumerate(pb.stages):
        if s <= max(stuck):
            yield _Raw("DF104", ("stages", s), _("no deal in {stage} can ever be won",
                                                 stage=stage.id),
                       _("every open stage needs a way to won"))


def _roles(pb: Playbook) -> Iterator[_Raw]:
    asked = {role for stage in pb.stages for role in stage.required_roles}
    asked |= {role for rule in pb.approval_rules for role in rule.requires}
    asked |= {step.their_role for stage in pb.stages for step in stage.close_plan
              if step.their_role is not None}
    for refs in _every_ref(pb):
        asked |= refs.roles
    for r, role in enumerate(pb.roles):
        if role.id not in asked:
            yield _Raw("DF105", ("roles", r), _("role {role} is never required by a stage, an "
                                                "approval rule or a rule: it only records who "
                                                "is who on the map", role=role.id),
                       _("fine for a role kept for the record; require it in a stage's "
                         "required_roles or a rule if it should be checked"))


def _every_rule(pb: Playbook) -> Iterator[Rule]:
    for stage in pb.stages:
        yield from (gate.when for gate in stage.gates)
        yield from (gate.applies_when for gate in stage.gates if gate.applies_when is not None)
        for item in stage.items:
            yield from (rule for rule in (item.when, item.for_each) if rule is not None)
    yield from (play.when for play in pb.plays)
    yield from (rule.when for rule in pb.approval_rules)
    yield from (approval.when for approval in pb.approvals if approval.when is not None)
    yield from (rule for _where, rule in timer_rules(pb))
    yield from (gate.when for _, gate in move_gates(pb))


def _every_ref(pb: Playbook) -> Iterator[RuleRefs]:
    """What every rule and every item text (a template) of the playbook refers to."""
    yield from (rule.refs for rule in _every_rule(pb))
    for _stage, item in pb.iter_items():
        raw = item.text.raw()
        yield from (template_refs(source)
                    for source in ([raw] if isinstance(raw, str) else raw.values()))
    for step in (step for stage in pb.stages for step in stage.close_plan):
        raw = step.what.raw()
        yield from (template_refs(source)
                    for source in ([raw] if isinstance(raw, str) else raw.values()))


def _facts(pb: Playbook) -> Iterator[_Raw]:
    used: set[str] = timer_facts(pb)
    for refs in _every_ref(pb):
        used |= refs.facts | refs.fields
    for stage in pb.stages:  # a fact a move sets (or copies) is a record of the move
        for effect in (*stage.on_enter, *stage.on_leave):
            if effect.set is not None:
                used.add(effect.set)
            if effect.copy_of and effect.copy_of.startswith("facts."):
                used.add(effect.copy_of[len("facts."):])
    for f, fact in enumerate(pb.facts):
        if fact.id not in used:
            yield _Raw("DF110", ("facts", f), _("fact {fact} is not read by any rule or item: "
                                                "it only records data", fact=fact.id),
                       _("fine for a fact kept for the record; read it in a gate or play if "
                         "it should decide something"))


def _approvals(pb: Playbook) -> Iterator[_Raw]:
    asked = {name for refs in _every_ref(pb) for name in refs.approvals}
    for a, approval in enumerate(pb.approvals):
        if approval.before is None and not approval.moves and approval.id not in asked:
            yield _Raw("DF114", ("approvals", a), _("approval {id} is never asked for: no "
                                                    "`before` stage, no `moves`, and no rule "
                                                    "calls approved('{id}')", id=approval.id),
                       _("give it a `before` stage or `moves`, or ask for it in a gate"))


def _texts(pb: Playbook) -> Iterator[_Raw]:
    if len(pb.locales) < 2:
        return
    for loc, text in _walk_texts(pb, ()):
        if text.plain:
            yield _Raw("DF108", loc, _("one string for every locale"),
                       _("write it as a map of {locales}", locales=", ".join(pb.locales)))
            continue
        missing = [locale for locale in pb.locales if locale not in text.locales()]
        if missing:
            yield _Raw("DF107", loc, _("no text for {locales}", locales=", ".join(missing)),
                       _("add the missing translations"))


def _owners(pb: Playbook) -> Iterator[_Raw]:
    for s, stage in enumerate(pb.stages):
        if not stage.resources:
            continue
        for i, item in enumerate(stage.items):
            if item.owner not in stage.resources:
                yield _Raw("DF109", ("stages", s, "items", i, "owner"),
                           _("{owner} owns {item} but is not in the stage's resources",
                             owner=item.owner, item=item.id),
                           _("add the owner to `resources`"))


def _constant_conditions(pb: Playbook) -> Iterator[_Raw]:
    for p, play in enumerate(pb.plays):
        if _constant(play.when)[0]:
            yield _Raw("DF112", ("plays", p, "when"), _("play {play} always or never fires",
                                                        play=play.id),
                       _("give it a condition about the deal"))
    for s, stage in enumerate(pb.stages):
        for i, item in enumerate(stage.items):
            if item.when is not None and _constant(item.when)[0]:
                yield _Raw("DF112", ("stages", s, "items", i, "when"),
                           _("item {item} always or never applies", item=item.id),
                           _("remove the condition"))


def _waivable_warnings(pb: Playbook) -> Iterator[_Raw]:
    for s, stage in enumerate(pb.stages):
        for g, gate in enumerate(stage.gates):
            if gate.waivable_by and gate.severity != "block":
                yield _Raw("DF119", ("stages", s, "gates", g, "waivable_by"),
                           _("gate {gate} only warns, so there is never anything to waive",
                             gate=gate.id),
                           _("remove waivable_by, or make the gate block"))
def _close_plans(pb: Playbook) -> Iterator[_Raw]:
    """DF130: a gate reads `close_plan_agreed()` and no stage up to it declares steps to
    seed; DF131: a step's owner is not among its stage's resources."""
    seeded = False
    for s, stage in enumerate(pb.stages):
        seeded = seeded or bool(stage.close_plan)
        for g, gate in enumerate(stage.gates):
            if not seeded and "close_plan_agreed" in gate.when.refs.names:
                yield _Raw("DF130", ("stages", s, "gates", g, "when"),
                           _("gate {gate} asks for an agreed close plan, and no stage up to "
                             "{stage} declares steps to seed", gate=gate.id, stage=stage.id),
                           _("declare `close_plan:` steps in this stage or an earlier one (or "
                             "add steps by hand)"))
        for i, step in enumerate(stage.close_plan):
            if stage.resources and step.our_owner not in stage.resources:
                yield _Raw("DF131", ("stages", s, "close_plan", i, "our_owner"),
                           _("{owner} owns close-plan step {step} but is not in the stage's "
                             "resources", owner=step.our_owner, step=step.id),
                           _("add the owner to `resources`"))


def lint_playbook(playbook: Playbook, document: Document | None = None, *,
                  min_severity: str = "info") -> list[Finding]:
    """Every static finding of `playbook` at or above `min_severity`, minus ignored codes.

    `document` (the parsed file) gives each finding its line and column.
    """
    gate_findings = list(_gate_checks(playbook))
    raw = gate_findings + list(_reachability(playbook, gate_findings))
    for check in (_roles, _facts, _approvals, _texts, _owners, _constant_conditions,
                  _waivable_warnings, _close_plans):
        raw.extend(check(playbook))
    raw.extend(_Raw(*found) for found in timer_lint(playbook))
    raw.extend(_Raw(*found) for found in lint_moves(playbook, _constant))
    raw.extend(_Raw(*found) for found in lint_content(playbook))
    order = ["error", "warning", "info"]
    floor = order.index(min_severity)
    ignored = set(playbook.lint.ignore)
    findings = []
    for item in raw:
        severity = CODES[item.code][0]
        if item.code in ignored or order.index(severity) > floor:
            continue
        line, column = document.position(item.loc) if document is not None else (0, 0)
        findings.append(Finding(item.code, severity, item.message, item.hint,
                                document.file if document is not None else "", line, column,
                                format_path(item.loc)))
    return findings
