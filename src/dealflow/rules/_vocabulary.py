"""The vocabulary of rules: every name a rule may use, declared once.

Each `Word` says what a name is (data of the deal, or a helper to call), what a helper's
first argument names (a role, a fact or an item, checked when the playbook loads) and
whether the helper evaluates other rules of the playbook. `RULE_NAMES` and the sets the
compiler and the checks use are read from `VOCABULARY`. The rule context is built from
it too: `speaks_the_vocabulary` makes each word the member of the context of the same
name, and refuses a context that lacks one, so the names a rule may use and the values
it gets cannot drift apart. The docs page "Rules" describes each name.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

__all__ = [
    "HELPERS_WITH_APPROVAL_ARG",
    "HELPERS_WITH_FACT_ARG",
    "HELPERS_WITH_FIELD_ARG",
    "HELPERS_WITH_ITEM_ARG",
    "HELPERS_WITH_ROLE_ARG",
    "MOVE_NAME",
    "RULE_HELPERS",
    "RULE_NAMES",
    "STAKEHOLDER_NAME",
    "TEMPLATE_NAMES",
    "VOCABULARY",
    "Word",
    "speaks_the_vocabulary",
]

_C = TypeVar("_C", bound=type)


@dataclass(frozen=True, slots=True)
class Word:
    """One name of the rule context: `kind` is `data` (a value) or `helper` (called);
    `takes` is what a helper's first argument names, when it names one; `evaluates_rules`
    is True for a helper that evaluates other rules of the playbook."""

    name: str
    kind: Literal["data", "helper"]
    takes: Literal["role", "fact", "item", "approval", "field"] | None = None
    evaluates_rules: bool = False


VOCABULARY: tuple[Word, ...] = (
    Word("deal", "data"),
    Word("facts", "data"),
    Word("stakeholders", "data"),
    Word("stage", "data"),
    Word("today", "data"),
    Word("days_in_stage", "data"),
    Word("days_since_activity", "data"),
    Word("support_score", "data"),
    Word("covered", "helper", takes="role"),
    Word("stance_of", "helper", takes="role"),
    Word("holders", "helper", takes="role"),
    Word("supporters", "helper"),
    Word("opponents", "helper"),
    Word("champions", "helper"),
    Word("fact", "helper", takes="fact"),
    Word("has_fact", "helper", takes="fact"),
    Word("item_done", "helper", takes="item", evaluates_rules=True),
    Word("stage_items_done", "helper", evaluates_rules=True),
    Word("approvals_covered", "helper", evaluates_rules=True),
    Word("days_since", "helper"),
    Word("days_until", "helper"),
    Word("money", "helper"),
    # -- authority and history (issue 18)
    Word("approved", "helper", takes="approval", evaluates_rules=True),
    Word("changed_in_stage", "helper", takes="field"),
    Word("previous", "helper", takes="field"),
    Word("at_stage_entry", "helper", takes="field"),
    Word("confirmed", "helper", takes="fact"),
    Word("verified", "helper", takes="fact"),
    Word("evidence", "helper", takes="fact"),
    # the decision chain, the competition and the scorecard (issue 20)
    Word("champion", "helper"),
    Word("coverage_by_org", "helper"),
    Word("unaddressed_wins", "helper"),
    Word("owner_of", "helper", takes="role"),
    Word("influencers_of", "helper"),
    Word("competitors", "data"),
    Word("incumbent", "helper"),
    Word("behind_on", "helper"),
    Word("score", "helper"),
    Word("close_date_set", "helper"),
    Word("close_plan_agreed", "helper"),
    Word("plan_overdue", "helper"),
)
"""Every name a rule may use, in the order the docs list them; part of the playbook
format."""

#: The names every rule may use; the engine's rule context provides their values.
RULE_NAMES: frozenset[str] = frozenset(word.name for word in VOCABULARY)

#: The extra name bound in a `for_each` rule and in the text of an item repeated per
#: stakeholder.
STAKEHOLDER_NAME = "stakeholder"

#: The extra name bound in the rules of a move's control points (`moves:`): the move's
#: kind, target, reason, sub_reason and note.
MOVE_NAME = "move"

#: The names an item's text template may use: the rule context, the stakeholder of a
#: `for_each` item, and the locale being rendered.
TEMPLATE_NAMES: frozenset[str] = RULE_NAMES | {STAKEHOLDER_NAME, "locale"}

HELPERS_WITH_ROLE_ARG = frozenset(word.name for word in VOCABULARY if word.takes == "role")
HELPERS_WITH_FACT_ARG = frozenset(word.name for word in VOCABULARY if word.takes == "fact")
HELPERS_WITH_ITEM_ARG = frozenset(word.name for word in VOCABULARY if word.takes == "item")
HELPERS_WITH_APPROVAL_ARG = frozenset(word.name for word in VOCABULARY
                                      if word.takes == "approval")
HELPERS_WITH_FIELD_ARG = frozenset(word.name for word in VOCABULARY if word.takes == "field")

#: Helpers that evaluate other rules of the playbook (the `when` of items or approvals).
RULE_HELPERS = frozenset(word.name for word in VOCABULARY if word.evaluates_rules)


#: The class attribute of the rule context that maps each word to its getter.
_GETTERS = "VALUES"


def speaks_the_vocabulary(context: _C) -> _C:
    """Class decorator of the rule context: each word of `VOCABULARY` becomes the member
    of `context` of the same name (data: an attribute or property; a helper: a method);
    `context.VALUES` maps each word to its getter. A `TypeError` when `context` lacks a
    word (or a helper is not callable), so a word cannot be added without its value."""
    annotated = getattr(context, "__annotations__", {})
    missing = [word.name for word in VOCABULARY
               if not hasattr(context, word.name) and word.name not in annotated]
    not_called = [word.name for word in VOCABULARY if word.kind == "helper"
                  and not callable(getattr(context, word.name, None))]
    if missing or not_called:
        raise TypeError(f"{context.__name__} does not give every word of the rule "
                        f"vocabulary: missing {missing}, helpers not callable {not_called}")
    getters: dict[str, Callable[[Any], Any]] = {
        word.name: operator.attrgetter(word.name) for word in VOCABULARY}
    setattr(context, _GETTERS, getters)
    return context
