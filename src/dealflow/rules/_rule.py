"""Rules: the `when` strings of a playbook, compiled once at load time.

A rule is a Jinja expression, such as
`facts.pain_confirmed and covered('economic_buyer')`, compiled in an immutable
sandbox with `StrictUndefined`, so it cannot reach Python internals and a name that
does not exist is an error instead of a silent false. The names a rule may use (the
*rule context*) are declared once in `_vocabulary`; the engine provides their values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateAssertionError
from jinja2.parser import Parser
from pydantic import PlainSerializer, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from dealflow._messages import _
from dealflow.errors import RuleSyntaxError, UnsupportedSyntax
from dealflow.limits import DEFAULT_LIMITS, limit_hint
from dealflow.rules._compiler import ENV, TrustingSandbox, compile_node, evaluate
from dealflow.rules._cost import open_steps, stop_steps
from dealflow.rules._explain import Compiled, Leaf
from dealflow.rules._sandbox import TextTemplate, check_rule_tree, compile_text
from dealflow.rules._vocabulary import (
    HELPERS_WITH_APPROVAL_ARG,
    HELPERS_WITH_FACT_ARG,
    HELPERS_WITH_FIELD_ARG,
    HELPERS_WITH_ITEM_ARG,
    HELPERS_WITH_ROLE_ARG,
    RULE_HELPERS,
)

__all__ = [
    "Rule",
    "RuleRefs",
    "RuleType",
    "compile_rule",
    "compile_template",
    "template_names",
    "template_refs",
]

MAX_RULE_LENGTH = DEFAULT_LIMITS.max_rule_length
"""The longest rule, in characters, unless `Limits.max_rule_length` says otherwise."""

_N = TypeVar("_N", bound=nodes.Node)
_T = TypeVar("_T")

_ENV = ENV
_TEMPLATE_ENV = TrustingSandbox(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


@dataclass(frozen=True, slots=True)
class RuleRefs:
    """What a rule refers to, found by reading its syntax tree (constants only)."""

    names: frozenset[str]
    facts: frozenset[str]
    roles: frozenset[str]
    items: frozenset[str]
    deal_fields: frozenset[str] = frozenset()
    """The fields read as `deal.<field>`."""
    approvals: frozenset[str] = frozenset()
    """The approvals named by `approved('<id>')`."""
    fields: frozenset[str] = frozenset()
    """The fields a history helper names (`previous('amount')`): a fact or a deal field."""


class Rule:
    """A compiled rule. `evaluate(context)` returns the expression's value."""

    __slots__ = ("_budget", "_compiled", "refs", "source")

    def __init__(self, source: str, max_length: int = MAX_RULE_LENGTH) -> None:
        self.source = source
        tree = _parse(source, max_length)
        try:
            self.refs = _collect_refs(tree)
            self._compiled = Compiled(compile_node(tree), tree)
            check_rule_tree(tree)
            self._budget = _needs_budget(tree)
        except UnsupportedSyntax as exc:
            raise RuleSyntaxError(_("does not compile: {error}", error=exc)) from None
        except RecursionError:
            raise RuleSyntaxError(_("is nested too deeply to compile")) from None

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """Evaluate the rule with the given names.

        Every failure raises a `RuleEvalError`: of the rule itself (an unknown name, a
        value too large: `LimitExceeded`) or inside the data (comparing text with a
        number: `RuleDataError`, naming Python's error). The evaluation has a budget of
        `max_rule_steps`.
        """
        if not self._budget:  # nothing in it can loop: its work is bounded by its size
            return evaluate(self._compiled.fn, context)
        return self._run(self._compiled.fn, context)

    def why_false(self, context: Mapping[str, Any]) -> list[Leaf]:
        """The parts of the rule that are false (or fail) in `context`, smallest first."""
        return self._run(self._compiled.why_false, context)

    def _run(self, work: Callable[[Mapping[str, Any]], _T], context: Mapping[str, Any]) -> _T:
        """`work(context)` within a budget of `max_rule_steps`, when the rule needs one."""
        if not self._budget:  # nothing in it can loop: its work is bounded by its size
            return evaluate(work, context)
        token = open_steps("rule")
        try:
            return evaluate(work, context)
        finally:
            stop_steps(token)

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


#: Filters and tests whose work is bounded by the size of one value (no iterating, no
#: callbacks): a rule made only of these, names, constants and operators needs no budget.
_CHEAP_FILTERS = frozenset({"abs", "count", "d", "default", "first", "float", "int", "last",
                            "length", "lower", "round", "string", "trim", "upper"})
_CHEAP_TESTS = frozenset({"boolean", "defined", "divisibleby", "eq", "equalto", "even",
                          "false", "float", "ge", "gt", "integer", "le", "lower", "lt",
                          "mapping", "ne", "none", "number", "odd", "sequence", "string",
                          "true", "undefined", "upper", "==", "!=", ">", ">=", "<", "<=",
                          "greaterthan", "lessthan", "sameas"})


def _needs_budget(tree: nodes.Node) -> bool:
    """Whether evaluating `tree` can do more work than its size says (and so runs with a
    budget of `max_rule_steps`): it applies a filter or test that iterates, or calls a
    helper that evaluates other rules. Any other rule does at most one bounded operation
    per node: its work is bounded by its length and `MAX_SIZE`."""
    for call in _find_all(tree, nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in (
                RULE_HELPERS | HELPERS_WITH_FIELD_ARG):  # these read the deal's events
            return True
    for node in (tree, *tree.find_all((nodes.Filter, nodes.Test))):
        if not isinstance(node, nodes.Filter | nodes.Test):
            continue
        cheap = _CHEAP_FILTERS if isinstance(node, nodes.Filter) else _CHEAP_TESTS
        if node.name not in cheap:
            return True
    return False


def compile_rule(source: str, *, max_length: int = MAX_RULE_LENGTH) -> Rule:
    """Compile `source` into a `Rule`; raises `RuleSyntaxError` when it does not compile
    (or is longer than `max_length` characters)."""
    return Rule(source, max_length)


def compile_template(source: str) -> TextTemplate:
    """Compile an item's text template; raises `RuleSyntaxError` when it does not compile.

    An item text is text with `{{ expressions }}` (in the rule syntax) and `{% if %}`
    blocks, nothing else (see `_sandbox`)."""
    try:
        return compile_text(source)
    except (TemplateSyntaxError, TemplateAssertionError) as exc:
        raise RuleSyntaxError(_("template does not compile: {error}",
                                error=exc.message)) from None
    except RecursionError:  # Jinja's parser, or the compiler of expressions, went too deep
        raise RuleSyntaxError(_("template does not compile: it is nested too deeply")) from None
    except UnsupportedSyntax as exc:
        raise RuleSyntaxError(_("template does not compile: {error}", error=exc)) from None
    except RuleSyntaxError:
        raise
    except ValueError:  # Python reads no number of more than 4300 digits
        raise RuleSyntaxError(_("template does not compile: {error}",
                                error=_too_many_digits())) from None


def template_names(source: str) -> frozenset[str]:
    """The names a template uses (it must compile). An item text declares no names of
    its own, so these are all the names it reads; found in the syntax tree alone (Jinja's
    `meta.find_undeclared_variables` would run its compiler, which works out constant
    parts such as `'a' * 10**9`, and would leave out its globals such as `range`)."""
    return frozenset(node.name for node in _find_all(_TEMPLATE_ENV.parse(source), nodes.Name))


def template_refs(source: str) -> RuleRefs:
    """What a template (it must compile) refers to: the facts, roles and items it names."""
    return _collect_refs(_TEMPLATE_ENV.parse(source))


def _parse(source: str, max_length: int = MAX_RULE_LENGTH) -> nodes.Expr:
    if len(source) > max_length:
        raise RuleSyntaxError(_("is {length} characters long; the limit max_rule_length is "
                                "{limit} {hint}", length=len(source), limit=max_length,
                                hint=limit_hint("max_rule_length")))
    try:
        parser = Parser(_ENV, source, state="variable")
        expr = parser.parse_expression()
        if not parser.stream.eos:
            token = parser.stream.current
            raise RuleSyntaxError(_(
                "unexpected {token!r} after the end of the expression (a rule is one "
                "expression: combine conditions with `and` / `or`)", token=token.value))
    except TemplateSyntaxError as exc:
        raise RuleSyntaxError(_("does not compile: {error}", error=exc.message)) from None
    except RecursionError:
        raise RuleSyntaxError(_("is nested too deeply to compile")) from None
    except RuleSyntaxError:
        raise
    except ValueError:  # Python reads no number of more than 4300 digits
        raise RuleSyntaxError(_("does not compile: {error}",
                                error=_too_many_digits())) from None
    return expr


def _too_many_digits() -> str:
    """Why Python reads no number this long, in the current locale."""
    if sys.get_int_max_str_digits():
        return _("a number has more than {digits} digits", digits=sys.get_int_max_str_digits())
    return _("a number is too long")


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
    approvals: set[str] = set()
    fields: set[str] = set()
    for call in _find_all(tree, nodes.Call):
        roles.update(str(kw.value.value) for kw in call.kwargs  # `role=` of `confirmed`
                     if kw.key == "role" and isinstance(kw.value, nodes.Const))
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
        elif helper in HELPERS_WITH_APPROVAL_ARG:
            approvals.add(value)
        elif helper in HELPERS_WITH_FIELD_ARG:
            fields.add(value)
    deal_fields = {node.attr for node in _find_all(tree, nodes.Getattr)
                   if isinstance(node.node, nodes.Name) and node.node.name == "deal"}
    return RuleRefs(frozenset(names), frozenset(facts), frozenset(roles), frozenset(items),
                    frozenset(deal_fields), frozenset(approvals), frozenset(fields))


def _validate_rule(value: Any, info: ValidationInfo) -> Rule:
    # `parse_playbook` passes its `Limits.max_rule_length` in the validation context
    context = info.context if isinstance(info.context, dict) else {}
    max_length = int(context.get("max_rule_length", MAX_RULE_LENGTH))
    if isinstance(value, Rule):
        return value
    if isinstance(value, bool):
        return Rule("true" if value else "false")
    if not isinstance(value, str):
        raise PydanticCustomError(
            "rule_type", _("expected a rule: a string such as \"facts.pain_confirmed\"")
        )
    if not value.strip():
        raise PydanticCustomError("rule_empty",
                                  _("a rule must not be empty (use `true` for always)"))
    try:
        return Rule(value, max_length)
    except RuleSyntaxError as exc:
        raise PydanticCustomError("rule_syntax", _("rule {why}"), {"why": str(exc)}) from None


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
