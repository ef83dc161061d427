"""Cross-reference checks of authority, approvals and effects (issue 18): the roles they
name are ours, the stages and facts exist, and an effect's value fits its fact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from dealflow._messages import N_, _
from dealflow._problems import PathProblem, did_you_mean
from dealflow._yaml import Location
from dealflow.playbook._effect import DEAL_FIELDS, Effect
from dealflow.playbook._model import Fact, Playbook
from dealflow.playbook._moves import MoveRule
from dealflow.playbook._ref_checks import ref_problems, refs_problems

__all__ = ["check_authority"]

_OURS = N_("role of ours (our_roles)")
_STAGE = N_("stage")


def check_authority(pb: Playbook) -> Iterator[PathProblem]:
    """Every problem of the playbook's roles restrictions, approvals and effects."""
    ours = {role.id for role in pb.our_roles}
    stages = {stage.id for stage in pb.stages}
    facts = {fact.id: fact for fact in pb.facts}
    for move in ("move_back", "reopen", "lose", "win"):
        yield from refs_problems(getattr(pb.by_roles, move), ours, ("by_roles", move), _OURS)
    for f, fact in enumerate(pb.facts):
        yield from refs_problems(fact.set_by, ours, ("facts", f, "set_by"), _OURS)
    seen: dict[str, int] = {}
    for a, approval in enumerate(pb.approvals):
        if approval.id in seen:
            yield PathProblem(("approvals", a, "id"), _(
                "duplicate approval id {id!r} (also at {where})", id=approval.id,
                where=f"approvals[{seen[approval.id]}]"))
        seen.setdefault(approval.id, a)
        yield from refs_problems(approval.by, ours, ("approvals", a, "by"), _OURS)
        if approval.before is not None:
            yield from ref_problems(approval.before, stages, ("approvals", a, "before"), _STAGE)
    for s, stage in enumerate(pb.stages):
        yield from refs_problems(stage.by_roles, ours, ("stages", s, "by_roles"), _OURS)
        for key in ("on_enter", "on_leave"):
            for e, effect in enumerate(getattr(stage, key)):
                yield from _effect(effect, facts, ours, ("stages", s, key, e))
    yield from _move_effects(pb, facts, ours)
    yield from _rule_refs(pb, facts)


def _move_effects(pb: Playbook, facts: dict[str, Fact], ours: set[str]
                  ) -> Iterator[PathProblem]:
    """The effects of the declared moves, each at its place in `moves`."""
    if pb.moves is None:
        return
    single = ("advance", "win", "lose", "back", "reopen")
    rules: list[tuple[tuple[str | int, ...], MoveRule]] = [
        ((name,), getattr(pb.moves, name)) for name in single]
    rules += [(("skip", i), skip) for i, skip in enumerate(pb.moves.skip)]
    rules += [(("outcomes", i), outcome) for i, outcome in enumerate(pb.moves.outcomes)]
    for where, rule in rules:
        for e, effect in enumerate(rule.effects):
            yield from _effect(effect, facts, ours, ("moves", *where, "effects", e))


def _effect(effect: Effect, facts: dict[str, Fact], ours: set[str], loc: Location
            ) -> Iterator[PathProblem]:
    if effect.open_item is not None:
        yield from ref_problems(effect.open_item.owner, ours, (*loc, "open_item", "owner"),
                                _OURS)
        return
    assert effect.set is not None  # the model: a fact, or an item
    fact = facts.get(effect.set)
    if fact is None:
        yield PathProblem((*loc, "set"), _("unknown fact {name!r}", name=effect.set)
                          + did_you_mean(effect.set, facts))
        return
    source = effect.copy_of
    if source is None:
        yield from _constant(effect.value, fact, (*loc, "value"))
        return
    kind = _kind_of(source, facts)
    if kind is None:
        name = source.partition(".")[2]
        yield PathProblem((*loc, "copy_of"), _("unknown fact {name!r}", name=name)
                          + did_you_mean(name, facts))
    elif fact.type not in _FITS[kind]:
        yield PathProblem((*loc, "copy_of"), _(
            "{source} gives {kind} values; fact {fact} takes {type} values (valid: a fact of "
            "type {types})", source=source, kind=kind, fact=fact.id, type=fact.type,
            types=_(" or ").join(_FITS[kind])))


_FITS: dict[str, tuple[str, ...]] = {
    "date": ("date", "str"), "amount": ("float", "int", "str"), "text": ("str",),
    "bool": ("bool", "str"), "int": ("int", "float", "str"), "float": ("float", "str"),
    "str": ("str",), "enum": ("enum", "str"),
}


def _kind_of(source: str, facts: dict[str, Fact]) -> str | None:
    if source == "today":
        return "date"
    kind, _dot, name = source.partition(".")
    if kind == "deal":
        return "amount" if name == "amount" else "text"
    fact = facts.get(name)
    return None if fact is None else fact.type


def _fits(value: Any, fact: Fact) -> bool:
    if fact.type == "bool":
        return isinstance(value, bool)
    if fact.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if fact.type == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if fact.type == "date":
        if isinstance(value, dt.date):
            return True
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return False
        return isinstance(value, str)
    if fact.type == "enum":
        return isinstance(value, str) and value in (fact.values or ())
    return isinstance(value, str)


def _constant(value: Any, fact: Fact, loc: Location) -> Iterator[PathProblem]:
    if value is not None and not _fits(value, fact):
        valid = (_("one of {values}", values=", ".join(fact.values or ()))
                 if fact.type == "enum" else _("a {type} value", type=fact.type))
        yield PathProblem(loc, _("fact {fact} takes {type} values, not {value!r} (valid: "
                                 "{valid})", fact=fact.id, type=fact.type, value=value,
                                 valid=valid))


def _rule_refs(pb: Playbook, facts: dict[str, Fact]) -> Iterator[PathProblem]:
    from dealflow.playbook._references import all_rules  # it runs these checks

    approvals = {approval.id for approval in pb.approvals}
    fields = set(facts) | set(DEAL_FIELDS)
    for loc, rule, _names in all_rules(pb):
        for name in sorted(rule.refs.approvals - approvals):
            yield PathProblem(loc, _("rule uses unknown approval {name!r}", name=name)
                              + did_you_mean(name, approvals))
        for name in sorted(rule.refs.fields - fields):
            yield PathProblem(loc, _("rule uses unknown field {name!r} (a fact, or one of the "
                                     "deal's fields {fields})", name=name,
                                     fields=", ".join(DEAL_FIELDS))
                              + did_you_mean(name, fields))
