"""Cross-reference checks of a playbook whose fields are each valid on their own.

Each check yields `PathProblem`s located by their path in the document: ids that repeat,
references to a phase, stage, role, fact or item that does not exist (with the closest
match), texts missing the default locale, and rules or templates that use names outside
the rule context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from pydantic import BaseModel

from dealflow._messages import N_, _
from dealflow._problems import PathProblem, did_you_mean
from dealflow._yaml import Location
from dealflow.errors import RuleSyntaxError
from dealflow.playbook._authority_refs import check_authority
from dealflow.playbook._automation_checks import check_timers, timer_rules
from dealflow.playbook._chain_model import BUILTIN_ORG_KINDS, DEFAULT_DEPTH
from dealflow.playbook._cycles import helper_cycles
from dealflow.playbook._localized import LocalizedText
from dealflow.playbook._model import Fact, Item, Playbook
from dealflow.playbook._move_checks import check_moves, move_rules
from dealflow.playbook._ref_checks import ref_problems, refs_problems
from dealflow.playbook._review_forms import review_problems
from dealflow.rules import (
    RULE_NAMES,
    STAKEHOLDER_NAME,
    TEMPLATE_NAMES,
    Rule,
    compile_template,
    template_names,
)

__all__ = ["all_rules", "check_references"]

_STAGE, _ROLE, _PHASE = N_("stage"), N_("role"), N_("buyer phase")
_OURS, _OWNER = N_("role of ours (our_roles)"), N_("owner (one of our_roles)")
_LOCALE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def check_references(playbook: Playbook) -> list[PathProblem]:
    """Every cross-reference problem of `playbook`, in document order."""
    checks = (_unique_ids, _locales, _texts, _links, _facts, _rules, _templates, _cycles,
              check_moves, check_timers, check_authority, review_problems, _chain,
              _close_plans)
    return [finding for check in checks for finding in check(playbook)]


def _cycles(pb: Playbook) -> Iterator[PathProblem]:
    for cycle in helper_cycles(pb):
        yield PathProblem(cycle.loc, cycle.message)


def _unique(entries: Sequence[BaseModel], loc: Location, what: str) -> Iterator[PathProblem]:
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        entry_id = getattr(entry, "id")  # noqa: B009 - every entry model has an id
        if entry_id in seen:
            yield PathProblem((*loc, index, "id"), _("duplicate {what} id {id!r} (also at "
                                                     "{where})", what=_(what), id=entry_id,
                                                     where=f"{loc[-1]}[{seen[entry_id]}]"))
        else:
            seen[entry_id] = index


def _unique_ids(pb: Playbook) -> Iterator[PathProblem]:
    yield from _unique(pb.buyer_phases, ("buyer_phases",), _PHASE)
    yield from _unique(pb.stages, ("stages",), _STAGE)
    yield from _unique(pb.roles, ("roles",), _ROLE)
    yield from _unique(pb.our_roles, ("our_roles",), _ROLE)
    yield from _unique(pb.facts, ("facts",), N_("fact"))
    yield from _unique(pb.plays, ("plays",), N_("play"))
    yield from _unique(pb.approval_rules, ("approval_rules",), N_("approval rule"))
    yield from _unique(pb.lost_reasons, ("lost_reasons",), N_("lost reason"))
    gates: dict[str, str] = {}
    items: dict[str, str] = {}
    for s, stage in enumerate(pb.stages):
        for g, gate in enumerate(stage.gates):
            where = f"stages[{s}].gates[{g}]"
            if gate.id in gates:
                yield PathProblem(("stages", s, "gates", g, "id"),
                                  _("duplicate gate id {id!r} (also at {where})", id=gate.id,
                                    where=gates[gate.id]))
            gates.setdefault(gate.id, where)
        for i, item in enumerate(stage.items):
            where = f"stages[{s}].items[{i}]"
            if item.id in items:
                yield PathProblem(("stages", s, "items", i, "id"),
                                  _("duplicate item id {id!r} (also at {where})", id=item.id,
                                    where=items[item.id]))
            items.setdefault(item.id, where)


def _locales(pb: Playbook) -> Iterator[PathProblem]:
    seen: set[str] = set()
    for index, locale in enumerate(pb.locales):
        if not _LOCALE.match(locale):
            yield PathProblem(("locales", index), _("{locale!r} is not a locale code such as "
                                                    "`en`, `zh` or `pt-BR`", locale=locale))
        if locale in seen:
            yield PathProblem(("locales", index), _("locale {locale!r} is listed twice",
                                                    locale=locale))
        seen.add(locale)


def _walk_texts(value: object, loc: Location) -> Iterator[tuple[Location, LocalizedText]]:
    if isinstance(value, LocalizedText):
        yield loc, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk_texts(getattr(value, name), (*loc, name))
    elif isinstance(value, tuple):
        for index, child in enumerate(value):
            yield from _walk_texts(child, (*loc, index))


def _texts(pb: Playbook) -> Iterator[PathProblem]:
    known = set(pb.locales)
    built_in = {id(level.name) for level in DEFAULT_DEPTH}  # written in every locale we ship
    for loc, text in _walk_texts(pb, ()):
        if text.plain or id(text) in built_in:
            continue
        for locale in text.locales():
            if locale not in known:
                yield PathProblem((*loc, locale), _("locale {locale!r} is not in `locales`",
                                                    locale=locale)
                                  + did_you_mean(locale, known), key=True)
        if pb.default_locale not in text.locales():
            yield PathProblem(loc, _("missing the default locale {locale!r} (the first of "
                                     "`locales`)", locale=pb.default_locale))


def _links(pb: Playbook) -> Iterator[PathProblem]:
    phases = {phase.id for phase in pb.buyer_phases}
    stages = {stage.id for stage in pb.stages}
    roles = {role.id for role in pb.roles}
    ours = {role.id for role in pb.our_roles}
    for s, stage in enumerate(pb.stages):
        loc: Location = ("stages", s)
        if stage.buyer_phase is not None:
            yield from ref_problems(stage.buyer_phase, phases, (*loc, "buyer_phase"), _PHASE)
        yield from refs_problems(stage.required_roles, roles, (*loc, "required_roles"), _ROLE)
        yield from refs_problems(stage.resources, ours, (*loc, "resources"),
                                 _OURS)
        for g, gate in enumerate(stage.gates):
            yield from refs_problems(gate.waivable_by, ours, (*loc, "gates", g, "waivable_by"),
                                     _OURS)
        for i, item in enumerate(stage.items):
            yield from ref_problems(item.owner, ours, (*loc, "items", i, "owner"),
                                    _OWNER)
    for p, play in enumerate(pb.plays):
        yield from refs_problems(play.who, ours, ("plays", p, "who"), _OURS)
        yield from refs_problems(play.stages, stages, ("plays", p, "stages"), _STAGE)
    for a, rule in enumerate(pb.approval_rules):
        yield from refs_problems(rule.requires, roles, ("approval_rules", a, "requires"), _ROLE)
        yield from ref_problems(rule.before, stages, ("approval_rules", a, "before"), _STAGE)
    for old, target in pb.stage_map.items():
        yield from ref_problems(target, stages, ("stage_map", old), _STAGE)
    if pb.red_flags.champion_by is not None:
        yield from ref_problems(pb.red_flags.champion_by, stages,
                                ("red_flags", "champion_by"), _STAGE)


def _chain(pb: Playbook) -> Iterator[PathProblem]:
    """The decision chain, the criteria and the scorecard (issue 20)."""
    chain = pb.decision_chain
    yield from _unique(chain.org_kinds, ("decision_chain", "org_kinds"), N_("kind of organisation"))
    builtin = {kind.id for kind in BUILTIN_ORG_KINDS}
    for k, kind in enumerate(chain.org_kinds):
        if kind.id in builtin:
            yield PathProblem(("decision_chain", "org_kinds", k, "id"),
                              _("kind {kind!r} is built in: declare only kinds of your own",
                                kind=kind.id))
    yield from _unique(chain.relationship_depth, ("decision_chain", "relationship_depth"),
                       N_("relationship depth"))
    roles = {role.id for role in pb.roles}
    yield from refs_problems(chain.decision_roles, roles, ("decision_chain", "decision_roles"),
                             _ROLE)
    yield from _unique(pb.decision_criteria, ("decision_criteria",), N_("decision criterion"))
    if pb.scorecard is not None:
        yield from _unique(pb.scorecard.criteria, ("scorecard", "criteria"), N_("criterion"))


def _facts(pb: Playbook) -> Iterator[PathProblem]:
    for index, fact in enumerate(pb.facts):
        yield from _fact_values(fact, ("facts", index))
    yield from _rates(pb)


def _rates(pb: Playbook) -> Iterator[PathProblem]:
    """A rate converts between two currencies, given one way only (the other is worked out)."""
    for source, targets in pb.exchange_rates.items():
        for target in targets:
            loc: Location = ("exchange_rates", source, target)
            if target == source:
                yield PathProblem(loc, _("a rate from {source} to itself; remove it",
                                         source=source), key=True)
            elif source in pb.exchange_rates.get(target, {}) and source < target:
                yield PathProblem(loc, _("the rate between {source} and {target} is given both "
                                         "ways; give one, the other is worked out",
                                         source=source, target=target), key=True)


def _fact_values(fact: Fact, loc: Location) -> Iterator[PathProblem]:
    if fact.type == "enum":
        if not fact.values:
            yield PathProblem(loc, _("an enum fact needs `values`, the list of allowed values"))
        elif len(set(fact.values)) != len(fact.values):
            yield PathProblem((*loc, "values"), _("values repeat"))
    elif fact.values is not None:
        yield PathProblem((*loc, "values"), _("`values` is only for enum facts, not {type}",
                                              type=fact.type), key=True)
    if fact.labels and fact.type != "enum":
        yield PathProblem((*loc, "labels"), _("`labels` is only for enum facts, not {type}",
                                              type=fact.type), key=True)
    for value in fact.labels:
        if value not in (fact.values or ()):
            yield PathProblem((*loc, "labels", value), _("label of {value!r}, which is not one "
                                                         "of the fact's values", value=value)
                              + did_you_mean(value, set(fact.values or ())), key=True)
    for key in ("fields", "max_items"):
        if key in fact.model_fields_set and fact.type != "list":
            yield PathProblem((*loc, key), _("`{key}` is only for list facts, not {type}",
                                             key=key, type=fact.type), key=True)
    yield from _unique(fact.fields, (*loc, "fields"), N_("field"))


def all_rules(pb: Playbook) -> Iterator[tuple[Location, Rule, frozenset[str]]]:
    """Every rule of the playbook with its place and the names it may use."""
    yield from _stage_rules(pb)
    plain = RULE_NAMES
    for p, play in enumerate(pb.plays):
        yield ("plays", p, "when"), play.when, plain
    for a, rule in enumerate(pb.approval_rules):
        yield ("approval_rules", a, "when"), rule.when, plain
    yield from move_rules(pb)
    for loc, timer_rule in timer_rules(pb):
        yield loc, timer_rule, plain
    for a, approval in enumerate(pb.approvals):
        if approval.when is not None:
            yield ("approvals", a, "when"), approval.when, plain


def _stage_rules(pb: Playbook) -> Iterator[tuple[Location, Rule, frozenset[str]]]:
    plain = RULE_NAMES
    for s, stage in enumerate(pb.stages):
        for g, gate in enumerate(stage.gates):
            yield ("stages", s, "gates", g, "when"), gate.when, plain
            if gate.applies_when is not None:
                yield ("stages", s, "gates", g, "applies_when"), gate.applies_when, plain
        for i, item in enumerate(stage.items):
            loc: Location = ("stages", s, "items", i)
            if item.when is not None:
                yield (*loc, "when"), item.when, plain
            if item.for_each is not None:
                yield (*loc, "for_each"), item.for_each, plain | {STAKEHOLDER_NAME}


def _rules(pb: Playbook) -> Iterator[PathProblem]:
    facts = {fact.id for fact in pb.facts}
    roles = {role.id for role in pb.roles}
    items = {item.id for _stage, item in pb.iter_items()}
    for loc, rule, names in all_rules(pb):
        for name in sorted(rule.refs.names - names):
            yield PathProblem(loc, _("rule uses unknown name {name!r}", name=name)
                              + did_you_mean(name, names))
        for fact in sorted(rule.refs.facts - facts):
            yield PathProblem(loc, _("rule uses unknown fact {fact!r}", fact=fact)
                              + did_you_mean(fact, facts))
        for role in sorted(rule.refs.roles - roles):
            yield PathProblem(loc, _("rule uses unknown role {role!r}", role=role)
                              + did_you_mean(role, roles))
        for item in sorted(rule.refs.items - items):
            yield PathProblem(loc, _("rule uses unknown item {item!r}", item=item)
                              + did_you_mean(item, items))


def _templates(pb: Playbook) -> Iterator[PathProblem]:
    for s, stage in enumerate(pb.stages):
        for i, item in enumerate(stage.items):
            yield from _item_template(item, ("stages", s, "items", i, "text"))


def _item_template(item: Item, loc: Location) -> Iterator[PathProblem]:
    allowed = TEMPLATE_NAMES if item.for_each is not None else TEMPLATE_NAMES - {STAKEHOLDER_NAME}
    sources = [((), item.text.get_text(""))] if item.text.plain else [
        ((locale,), item.text[locale]) for locale in item.text.locales()
    ]
    for suffix, source in sources:
        here = (*loc, *suffix)
        try:
            compile_template(source)
        except RuleSyntaxError as exc:
            yield PathProblem(here, str(exc))
            continue
        for name in sorted(template_names(source) - allowed):
            hint = _(" (only items with `for_each` have a stakeholder)") if (
                name == STAKEHOLDER_NAME) else did_you_mean(name, allowed)
            yield PathProblem(here, _("template uses unknown name {name!r}", name=name) + hint)


def _close_plans(pb: Playbook) -> Iterator[PathProblem]:
    """Each stage's close-plan steps: unique ids, owners that exist, templates that compile
    and use only the names an item's text may use (no `stakeholder`)."""
    roles = {role.id for role in pb.roles}
    ours = {role.id for role in pb.our_roles}
    seen: dict[str, str] = {}
    allowed = TEMPLATE_NAMES - {STAKEHOLDER_NAME}
    for s, stage in enumerate(pb.stages):
        for i, step in enumerate(stage.close_plan):
            loc: Location = ("stages", s, "close_plan", i)
            if step.id in seen:
                yield PathProblem((*loc, "id"), _("duplicate close-plan step id {id!r} (also "
                                                  "at {where})", id=step.id,
                                                  where=seen[step.id]))
            seen.setdefault(step.id, f"stages[{s}].close_plan[{i}]")
            yield from ref_problems(step.our_owner, ours, (*loc, "our_owner"),
                                    _OWNER)
            if step.their_role is not None:
                yield from ref_problems(step.their_role, roles, (*loc, "their_role"), _ROLE)
            sources = [((), step.what.get_text(""))] if step.what.plain else [
                ((locale,), step.what[locale]) for locale in step.what.locales()]
            for suffix, source in sources:
                here = (*loc, "what", *suffix)
                try:
                    compile_template(source)
                except RuleSyntaxError as exc:
                    yield PathProblem(here, str(exc))
                    continue
                for name in sorted(template_names(source) - allowed):
                    yield PathProblem(here, _("template uses unknown name {name!r}", name=name)
                                      + did_you_mean(name, allowed))
