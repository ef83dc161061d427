"""Rules: the `when` strings of a playbook, compiled once at load time.

A rule is a Jinja expression, such as
`facts.pain_confirmed and covered('economic_buyer')`, compiled in an immutable
sandbox with `StrictUndefined`, so it cannot reach Python internals and a name that
does not exist is an error instead of a silent false. The names a rule may use (the
*rule context*) are listed in `RULE_NAMES`; the engine provides their values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import TemplateAssertionError
from jinja2.parser import Parser
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from dealflow.playbook._expr import (
    ENV,
    Compiled,
    Leaf,
    RuleEvalError,
    TrustingSandbox,
    UnsupportedSyntax,
    compile_node,
    trust,
)

__all__ = [
    "HELPERS_WITH_FACT_ARG",
    "HELPERS_WITH_ITEM_ARG",
    "HELPERS_WITH_ROLE_ARG",
    "RULE_NAMES",
    "STAKEHOLDER_NAME",
    "Leaf",
    "Rule",
    "RuleEvalError",
    "TrustingSandbox",
    "RuleRefs",
    "RuleSyntaxError",
    "RuleType",
    "TEMPLATE_NAMES",
    "compile_rule",
    "compile_template",
    "template_names",
    "template_refs",
    "trust",
]

#: The names every rule may use. Values are provided by the engine (see the docs page
#: "Rules" for their meaning); the set is part of the playbook format.
RULE_NAMES: frozenset[str] = frozenset(
    {
        # data
        "deal",
        "facts",
        "stakeholders",
        "stage",
        "today",
        "days_in_stage",
        "support_score",
        # helpers
        "covered",
        "stance_of",
        "holders",
        "supporters",
        "opponents",
        "champions",
        "fact",
        "has_fact",
        "item_done",
        "stage_items_done",
        "approvals_covered",
        "days_since",
    }
)

#: The extra name bound in a `for_each` rule and in the text of an item repeated per
#: stakeholder.
STAKEHOLDER_NAME = "stakeholder"

#: The names an item's text template may use: the rule context, the stakeholder of a
#: `for_each` item, and the locale being rendered.
TEMPLATE_NAMES: frozenset[str] = RULE_NAMES | {STAKEHOLDER_NAME, "locale"}

HELPERS_WITH_ROLE_ARG = frozenset({"covered", "stance_of", "holders"})
HELPERS_WITH_FACT_ARG = frozenset({"fact", "has_fact"})
HELPERS_WITH_ITEM_ARG = frozenset({"item_done"})

MAX_RULE_LENGTH = 2000

_N = TypeVar("_N", bound=nodes.Node)

_ENV = ENV
_TEMPLATE_ENV = TrustingSandbox(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


class RuleSyntaxError(ValueError):
    """A rule that does not compile; `message` says why (and where in the rule)."""


@dataclass(frozen=True, slots=True)
class RuleRefs:
    """What a rule refers to, found by reading its syntax tree (constants only)."""

    names: frozenset[str]
    facts: frozenset[str]
    roles: frozenset[str]
    items: frozenset[str]


class Rule:
    """A compiled rule. `evaluate(context)` returns the expression's value."""

    __slots__ = ("_compiled", "refs", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        tree = _parse(source)
        try:
            self.refs = _collect_refs(tree)
            self._compiled = Compiled(compile_node(tree), tree)
        except UnsupportedSyntax as exc:
            raise RuleSyntaxError(f"does not compile: {exc}") from None
        except RecursionError:
            raise RuleSyntaxError("is nested too deeply to compile") from None

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """Evaluate the rule with the given names; exceptions propagate to the caller.

        A failure of the rule itself (an unknown name, a value too large) raises
        `RuleEvalError`; a failure inside the data (comparing text with a number)
        raises what Python raises.
        """
        return self._compiled.fn(context)

    def why_false(self, context: Mapping[str, Any]) -> list[Leaf]:
        """The parts of the rule that are false (or fail) in `context`, smallest first."""
        return self._compiled.why_false(context)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rule):
            return self.source == other.source
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"Rule({self.source!r})"

    def __str__(self) -> str:
        return self.source


def compile_rule(source: str) -> Rule:
    """Compile `source` into a `Rule`; raises `RuleSyntaxError` when it does not compile."""
    return Rule(source)


def compile_template(source: str) -> Template:
    """Compile an item's text template; raises `RuleSyntaxError` when it does not compile."""
    try:
        return _TEMPLATE_ENV.from_string(source)
    except (TemplateSyntaxError, TemplateAssertionError) as exc:
        raise RuleSyntaxError(f"template does not compile: {exc.message}") from None
    except (SyntaxError, RecursionError):  # Python refuses the code Jinja generated
        raise RuleSyntaxError("template does not compile: it is nested too deeply") from None


def template_names(source: str) -> frozenset[str]:
    """The undeclared names a template uses (it must compile)."""
    return frozenset(meta.find_undeclared_variables(_TEMPLATE_ENV.parse(source)))


def template_refs(source: str) -> RuleRefs:
    """What a template (it must compile) refers to: the facts, roles and items it names."""
    return _collect_refs(_TEMPLATE_ENV.parse(source))


def _parse(source: str) -> nodes.Expr:
    if len(source) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(
            f"rule is {len(source)} characters long; the limit is {MAX_RULE_LENGTH}"
        )
    try:
        parser = Parser(_ENV, source, state="variable")
        expr = parser.parse_expression()
        if not parser.stream.eos:
            token = parser.stream.current
            raise RuleSyntaxError(
                f"unexpected {token.value!r} after the end of the expression "
                f"(a rule is one expression: combine conditions with `and` / `or`)"
            )
    except TemplateSyntaxError as exc:
        raise RuleSyntaxError(f"does not compile: {exc.message}") from None
    except RecursionError:
        raise RuleSyntaxError("is nested too deeply to compile") from None
    return expr


def _const_arg(call: nodes.Call) -> str | None:
    if call.args and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _find_all(tree: nodes.Node, kind: type[_N]) -> Iterator[_N]:
    """The nodes of `kind` in `tree`, the root included (Jinja's `find_all` skips it)."""
    if isinstance(tree, kind):
        yield tree
    yield from tree.find_all(kind)


def _facts_refs(tree: nodes.Node) -> set[str]:
    facts = {
        node.attr
        for node in _find_all(tree, nodes.Getattr)
        if isinstance(node.node, nodes.Name) and node.node.name == "facts"
    }
    for node in _find_all(tree, nodes.Getitem):
        is_facts = isinstance(node.node, nodes.Name) and node.node.name == "facts"
        if is_facts and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            facts.add(node.arg.value)
    return facts


def _collect_refs(tree: nodes.Node) -> RuleRefs:
    names = {node.name for node in _find_all(tree, nodes.Name)}
    facts = _facts_refs(tree)
    roles: set[str] = set()
    items: set[str] = set()
    for call in _find_all(tree, nodes.Call):
        value = _const_arg(call)
        if value is None or not isinstance(call.node, nodes.Name):
            continue
        helper = call.node.name
        if helper in HELPERS_WITH_ROLE_ARG:
            roles.add(value)
        elif helper in HELPERS_WITH_FACT_ARG:
            facts.add(value)
        elif helper in HELPERS_WITH_ITEM_ARG:
            items.add(value)
    return RuleRefs(frozenset(names), frozenset(facts), frozenset(roles), frozenset(items))


def _validate_rule(value: Any) -> Rule:
    if isinstance(value, Rule):
        return value
    if isinstance(value, bool):
        return Rule("true" if value else "false")
    if not isinstance(value, str):
        raise PydanticCustomError(
            "rule_type", "expected a rule: a string such as \"facts.pain_confirmed\""
        )
    if not value.strip():
        raise PydanticCustomError("rule_empty", "a rule must not be empty (use `true` for always)")
    try:
        return Rule(value)
    except RuleSyntaxError as exc:
        raise PydanticCustomError("rule_syntax", "rule {why}", {"why": str(exc)}) from None


RuleType = Annotated[
    Rule,
    PlainValidator(_validate_rule),
    PlainSerializer(lambda rule: rule.source),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "minLength": 1}, {"type": "boolean"}],
            "description": "A Jinja expression, e.g. \"facts.pain_confirmed and "
            "covered('economic_buyer')\"; true and false stand for themselves.",
        }
    ),
]
"""A playbook rule field: a Jinja expression compiled at load time."""
