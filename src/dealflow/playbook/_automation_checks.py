"""Cross-reference checks of timers and automation: expectations keyed by a declared enum
fact and its values, activity kinds that exist, automation rules that lose with a
declared reason and open items for one of our roles; and the rules they hold."""

from __future__ import annotations

from collections.abc import Iterator

from dealflow._messages import N_, _
from dealflow._problems import PathProblem, did_you_mean
from dealflow._yaml import Location
from dealflow.playbook._automation import BUILTIN_ACTIVITY, Expectation
from dealflow.playbook._model import Playbook
from dealflow.rules import Rule

__all__ = ["TIMER_CODES", "check_timers", "timer_facts", "timer_lint", "timer_rules"]


def timer_rules(pb: Playbook) -> Iterator[tuple[Location, Rule]]:
    """Every rule of the expectations and automation rules, with where it is."""
    for s, stage in enumerate(pb.stages):
        if isinstance(stage.expected_days, Expectation):
            for c, case in enumerate(stage.expected_days.cases):
                yield ("stages", s, "expected_days", "cases", c, "when"), case.when
    for a, rule in enumerate(pb.automation):
        yield ("automation", a, "when"), rule.when


def check_timers(pb: Playbook) -> Iterator[PathProblem]:
    """Every problem of the timers and automation of `pb`."""
    yield from _expectations(pb)
    yield from _activity(pb)
    yield from _automation(pb)


def _expectations(pb: Playbook) -> Iterator[PathProblem]:
    facts = {fact.id: fact for fact in pb.facts}
    enums = sorted(fact.id for fact in pb.facts if fact.type == "enum")
    for s, stage in enumerate(pb.stages):
        days = stage.expected_days
        if not isinstance(days, Expectation) or days.by is None:
            continue
        loc: Location = ("stages", s, "expected_days")
        fact = facts.get(days.by)
        if fact is None or fact.type != "enum":
            message = (_("unknown fact {fact!r}: `by` names an enum fact", fact=days.by)
                       if fact is None else
                       _("{kind} fact {fact!r}: `by` names an enum fact", kind=fact.type,
                         fact=days.by))
            yield PathProblem((*loc, "by"), message + did_you_mean(days.by, enums))
            continue
        allowed = set(fact.values or ())
        for value in days.values:
            if value not in allowed:
                yield PathProblem((*loc, "values", value), _(
                    "{value!r} is not a value of fact {fact!r}", value=value, fact=fact.id)
                    + did_you_mean(value, allowed), key=True)


def _activity(pb: Playbook) -> Iterator[PathProblem]:
    if pb.activity is None:
        return
    seen: set[str] = set()
    for k, kind in enumerate(pb.activity.kinds):
        if kind in BUILTIN_ACTIVITY:
            yield PathProblem(("activity", "kinds", k), _(
                "{kind!r} is recorded by dealflow itself; list it under `counts` only",
                kind=kind))
        elif kind in seen:
            yield PathProblem(("activity", "kinds", k),
                              _("activity kind {kind!r} is listed twice", kind=kind))
        seen.add(kind)
    known = set(pb.activity.kinds) | set(BUILTIN_ACTIVITY)
    for c, kind in enumerate(pb.activity.counts or ()):
        if kind not in known:
            yield PathProblem(("activity", "counts", c), _(
                "unknown activity kind {kind!r}", kind=kind) + did_you_mean(kind, known))


def _automation(pb: Playbook) -> Iterator[PathProblem]:
    reasons = {reason.id for reason in pb.lost_reasons}
    ours = {role.id for role in pb.our_roles}
    seen: dict[str, int] = {}
    for a, rule in enumerate(pb.automation):
        loc: Location = ("automation", a)
        if rule.id in seen:
            yield PathProblem((*loc, "id"), _(
                "duplicate automation rule id {id!r} (also at automation[{index}])",
                id=rule.id, index=seen[rule.id]))
        seen.setdefault(rule.id, a)
        if rule.lose is not None and rule.lose not in reasons:
            yield PathProblem((*loc, "lose"), _("unknown lost reason {reason!r}",
                                                reason=rule.lose)
                              + did_you_mean(rule.lose, reasons))
        if rule.open_item is not None and rule.open_item.owner not in ours:
            yield PathProblem((*loc, "open_item", "owner"),
                              _("unknown owner (one of our_roles) {owner!r}",
                                owner=rule.open_item.owner)
                              + did_you_mean(rule.open_item.owner, ours))


#: The words of the rule context that read time: a rule without one is not time-based.
_TIME_WORDS = frozenset({"days_since_activity", "days_in_stage", "days_since", "today"})

#: The lint codes of timers and automation: (severity, title).
TIMER_CODES: dict[str, tuple[str, str]] = {
    "DF115": ("warning", N_("expectation leaves a value of its fact without days")),
    "DF116": ("warning", N_("automation rule does not depend on time")),
}


def timer_facts(pb: Playbook) -> set[str]:
    """The facts the expectations are keyed by (`by`)."""
    return {stage.expected_days.by for stage in pb.stages
            if isinstance(stage.expected_days, Expectation) and stage.expected_days.by}


def timer_lint(pb: Playbook) -> Iterator[tuple[str, Location, str, str]]:
    """(code, location, message, hint) of each lint finding of timers and automation."""
    enums = {fact.id: fact.values or () for fact in pb.facts if fact.type == "enum"}
    for s, stage in enumerate(pb.stages):
        days = stage.expected_days
        if not isinstance(days, Expectation) or days.by not in enums or days.default:
            continue
        missing = [value for value in enums[days.by] if value not in days.values]
        if missing:
            yield ("DF115", ("stages", s, "expected_days", "values"),
                   _("a deal whose {fact} is {values} has no expectation in stage {stage} "
                     "(it is never stalled there)", fact=days.by, values=", ".join(missing),
                     stage=stage.id),
                   _("give those values days, or a `default`"))
    for a, rule in enumerate(pb.automation):
        if not rule.when.refs.names & _TIME_WORDS:
            yield ("DF116", ("automation", a, "when"),
                   _("automation rule {rule} reads no time: it acts on the first sweep for "
                     "every deal it matches", rule=rule.id),
                   _("say how long, with days_since_activity, days_in_stage or days_since()"))
