"""What rules, item texts and checklist layouts may do: the sandbox and its limits.

A playbook is code written by many hands. Its rules (`when`, `for_each`), its item texts
and the checklist layouts beside it run in Jinja's immutable sandbox, narrowed further:

- **Rules** are one expression, compiled by `_expr` from an allow-list of syntax, filters
  and tests; only the rule helpers can be called. `check_rule_tree` also refuses, at load
  time, private names (`x.__class__`, `x['_y']`, also computed from constants, escaped
  or written with look-alike characters), `format` and `format_map`, attribute paths and
  filter or test names given to `map`, `select`, `sort`, ... that are not written out or
  not allowed, and any constant part that would pass a limit (`'a' * 10**9`,
  `'%999999999s' % 1`). Each evaluation has a budget of steps (`max_rule_steps`, see `_cost`).
- **Item texts** are text with `{{ expression }}` and `{% if %}` / `{% elif %}` /
  `{% else %}` / `{% endif %}` and nothing else: no loops, `set`, macros, includes or
  imports. Their expressions follow the rule syntax and are compiled the same way
  (`compile_text`); the text is at most `MAX_ITEM_TEXT` characters, as written and as
  rendered.
- **Layouts** (the `.j2` files that lay out a checklist) may use all of Jinja's
  statements, but run in `LayoutSandbox` (see `_layout`), where each step is paid for.

Every limit is named in the `LimitExceeded` error that enforces it.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, nodes

from dealflow._messages import _
from dealflow.errors import LimitExceeded, RuleEvalError, UnsupportedSyntax
from dealflow.rules._compiler import FILTERS, TESTS, TrustingSandbox, compile_node, evaluate
from dealflow.rules._cost import (
    MAX_INT_BITS,
    MAX_RULE_STEPS,
    MAX_TEMPLATE_STEPS,
    open_steps,
    stop_steps,
)
from dealflow.rules._layout_sandbox import (
    MAX_LAYOUT_OUTPUT,
    SAFE_METHODS,
    LayoutSandbox,
    template_line,
)
from dealflow.rules._source import render

__all__ = [
    "MAX_ITEM_TEXT",
    "MAX_LAYOUT_OUTPUT",
    "MAX_RULE_STEPS",
    "MAX_TEMPLATE_STEPS",
    "SAFE_METHODS",
    "LayoutSandbox",
    "TextTemplate",
    "check_rule_tree",
    "compile_text",
    "template_line",
]

MAX_ITEM_TEXT = 10_000
"""The longest an item text may be, as written and as rendered, in characters."""

_TEXT_ENV = TrustingSandbox(undefined=StrictUndefined, autoescape=False)

#: Filters that name another filter (or test) by its first (or second) argument.
_NAMING_FILTERS = {"map": (0, FILTERS), "select": (0, TESTS), "reject": (0, TESTS),
                   "selectattr": (1, TESTS), "rejectattr": (1, TESTS)}
#: Filters that read an attribute named by an argument (a dotted path such as `a.b`): the
#: position of that argument (None: only as `attribute=`).
_ATTRIBUTE_FILTERS: dict[str, int | None] = {
    "map": None, "selectattr": 0, "rejectattr": 0, "sort": 2, "sum": 0, "unique": 1,
    "min": 1, "max": 1, "join": 1,
}
#: Methods that read the attributes of their arguments: a rule may not even name them.
_FORMAT_NAMES = frozenset({"format", "format_map"})


# -- rules and the expressions of item texts --------------------------------------------

def _walk(tree: nodes.Node) -> Iterator[nodes.Node]:
    """`tree` and every node below it, without recursion (a tree may be deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.iter_child_nodes())


def _quote(node: nodes.Node, limit: int = 80) -> str:
    """`node` written back for a message, cut short past `limit` characters."""
    text = render(node)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _name_problem(name: str) -> str | None:
    """Why a rule may not read the attribute or key `name`; None when it may."""
    plain = unicodedata.normalize("NFKC", name)
    reads_as = _(" (it reads as {plain!r})", plain=plain) if plain != name else ""
    if plain.startswith("_"):
        return _("names starting with `_` are private and cannot be read ({name!r}{reads_as})",
                 name=name, reads_as=reads_as)
    if plain in _FORMAT_NAMES:
        return _("{plain!r} cannot be used in rules and item texts (it reads attributes)",
                 plain=plain)
    if reads_as:
        return _("the name {name!r} is written with look-alike characters{reads_as}",
                 name=name, reads_as=reads_as)
    return None


def _constant(node: nodes.Node) -> Any:
    """The value of a part that uses no name, computed now (within the budget of the
    check); None when it fails, `UnsupportedSyntax` when it passes a limit."""
    try:
        return evaluate(compile_node(node), {})
    except LimitExceeded as exc:
        raise UnsupportedSyntax(f"`{_quote(node)}`: {exc}") from None
    except (UnsupportedSyntax, RecursionError, RuleEvalError):
        return None  # a part that fails is reported when it is compiled or evaluated


def _check_number(value: int) -> None:
    """A number Python could not print (`0xfff...` of thousands of digits), or longer than
    any a rule may build, is refused."""
    try:
        str(value)
    except ValueError:
        raise UnsupportedSyntax(_("a number has more than {digits} digits",
                                  digits=sys.get_int_max_str_digits())) from None
    if value.bit_length() > MAX_INT_BITS:
        raise UnsupportedSyntax(_("a number of {bits} bits (more than {limit}; limit "
                                  "MAX_INT_BITS)", bits=f"{value.bit_length():,}",
                                  limit=f"{MAX_INT_BITS:,}"))


def _check_key(node: nodes.Getattr | nodes.Getitem) -> None:
    if isinstance(node, nodes.Getattr):
        key: Any = node.attr
    elif isinstance(node.arg, nodes.Const):
        key = node.arg.value
    elif isinstance(node.arg, nodes.Slice) or _names_in(node.arg):
        return  # a key from data: the sandbox checks it when the rule is evaluated
    else:
        key = _constant(node.arg)  # `x['__cla' ~ 'ss__']`
    problem = _name_problem(key) if isinstance(key, str) else None
    if problem is not None:
        raise UnsupportedSyntax(f"`{_quote(node)}`: {problem}")


def _check_attribute_arg(node: nodes.Filter) -> None:
    """The attribute a filter reads (`map(attribute='a.b')`) must be written out and
    public: Jinja looks each part of the path up."""
    index = _ATTRIBUTE_FILTERS[node.name]
    args = [kw.value for kw in node.kwargs if kw.key == "attribute"]
    if index is not None and len(node.args) > index:
        args.append(node.args[index])
    for arg in args:
        if not (isinstance(arg, nodes.Const) and isinstance(arg.value, str | int)):
            raise UnsupportedSyntax(_("`{rule}`: `{name}` needs the attribute written out, "
                                      "not `{given}`", rule=_quote(node), name=node.name,
                                      given=render(arg)))
        for part in str(arg.value).split("."):
            problem = _name_problem(part)
            if problem is not None:
                raise UnsupportedSyntax(f"`{_quote(node)}`: {problem}")


def _named_filter(node: nodes.Filter) -> None:
    index, allowed = _NAMING_FILTERS[node.name]
    if index >= len(node.args):
        return
    arg = node.args[index]
    if not (isinstance(arg, nodes.Const) and isinstance(arg.value, str)):
        raise UnsupportedSyntax(_("`{name}` needs the name of a filter or test written out, "
                                  "not `{given}`", name=node.name, given=render(arg)))
    if arg.value not in allowed:
        values = {"name": node.name, "value": arg.value, "allowed": ", ".join(sorted(allowed))}
        raise UnsupportedSyntax(
            _("`{name}` names the filter {value!r}, which rules may not use; they may use: "
              "{allowed}", **values) if allowed is FILTERS else
            _("`{name}` names the test {value!r}, which rules may not use; they may use: "
              "{allowed}", **values))


def _names_in(node: nodes.Node) -> bool:
    return any(isinstance(part, nodes.Name) for part in _walk(node))


#: Nodes that are parts of an expression, not expressions: their children are folded.
_PARTS = (nodes.Operand, nodes.Keyword, nodes.Pair, nodes.Slice)


def _fold(tree: nodes.Node) -> None:
    """Evaluate the largest parts of `tree` that use no name (constants) now, so that a
    constant that passes a limit is refused when the playbook loads, not when a deal
    meets it."""
    order = list(_walk(tree))
    named: dict[int, bool] = {}
    for node in reversed(order):  # children before their parents
        named[id(node)] = isinstance(node, nodes.Name) or any(
            named[id(child)] for child in node.iter_child_nodes())
    stack = [tree]
    while stack:
        node = stack.pop()
        if named[id(node)] or isinstance(node, _PARTS):
            stack.extend(node.iter_child_nodes())
        elif not isinstance(node, nodes.Const | nodes.TemplateData):
            try:
                evaluate(compile_node(node), {})
            except LimitExceeded as exc:
                raise UnsupportedSyntax(f"`{_quote(node)}`: {exc}") from None
            except (UnsupportedSyntax, RecursionError, RuleEvalError):
                pass  # other failures are reported when the rule is compiled or evaluated


def check_rule_tree(tree: nodes.Node) -> None:
    """Refuse, at load time, what the sandbox would only refuse when evaluated: private
    names (also written with look-alike characters or computed from constants),
    `format`, attributes and filter or test names that are not written out or not on the
    allow-lists, and constant parts that pass a limit, all within one budget of
    `max_rule_steps` (a key worked out from constants included). Raises
    `UnsupportedSyntax`."""
    token = open_steps("rule")
    try:
        _check_nodes(tree)
        _fold(tree)
    finally:
        stop_steps(token)


def _check_nodes(tree: nodes.Node) -> None:
    for node in _walk(tree):
        if isinstance(node, nodes.Const) and isinstance(node.value, int):
            _check_number(node.value)
        elif isinstance(node, nodes.Getattr | nodes.Getitem):
            _check_key(node)
        elif isinstance(node, nodes.Filter):
            if node.name in _NAMING_FILTERS:
                _named_filter(node)
            if node.name in _ATTRIBUTE_FILTERS:
                _check_attribute_arg(node)


# -- item texts -----------------------------------------------------------------------

_STATEMENT_TAGS: dict[type[nodes.Node], str] = {
    nodes.For: "for", nodes.Assign: "set", nodes.AssignBlock: "set", nodes.Macro: "macro",
    nodes.CallBlock: "call", nodes.FilterBlock: "filter", nodes.With: "with",
    nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from ... import",
    nodes.Extends: "extends", nodes.Block: "block", nodes.ExprStmt: "do",
    nodes.ScopedEvalContextModifier: "autoescape", nodes.EvalContextModifier: "autoescape",
}

Emit = Callable[[Mapping[str, Any], "_Out"], None]


class _Out:
    """The rendered text of an item, refused as soon as it passes `MAX_ITEM_TEXT`."""

    __slots__ = ("parts", "size")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_ITEM_TEXT:
            raise LimitExceeded(_("renders more than {limit} characters (limit MAX_ITEM_TEXT)",
                                  limit=f"{MAX_ITEM_TEXT:,}"))
        self.parts.append(text)


def _emit_data(text: str) -> Emit:
    return lambda ctx, out: out.write(text)


def _emit_value(node: nodes.Expr) -> Emit:
    check_rule_tree(node)
    fn = compile_node(node)
    return lambda ctx, out: out.write(str(fn(ctx)))


def _emit_if(node: nodes.If) -> Emit:
    branches: list[tuple[Callable[[Mapping[str, Any]], Any], list[Emit]]] = []
    for part in (node, *node.elif_):
        check_rule_tree(part.test)
        branches.append((compile_node(part.test), _compile_body(part.body)))
    otherwise = _compile_body(node.else_)

    def emit(ctx: Mapping[str, Any], out: _Out) -> None:
        chosen = next((body for test, body in branches if test(ctx)), otherwise)
        for part in chosen:
            part(ctx, out)

    return emit


def _compile_body(body: Iterable[nodes.Node]) -> list[Emit]:
    emits: list[Emit] = []
    for node in body:
        if isinstance(node, nodes.Output):
            emits += [_emit_data(child.data) if isinstance(child, nodes.TemplateData)
                      else _emit_value(child) for child in node.nodes]
        elif isinstance(node, nodes.If):
            emits.append(_emit_if(node))
        else:
            tag = _STATEMENT_TAGS.get(type(node), type(node).__name__)
            raise UnsupportedSyntax(_(
                "`{{% {tag} %}}` is not allowed in an item text: an item text is text with "
                "`{{{{ expressions }}}}` and `{{% if %}}` ... `{{% elif %}}` ... "
                "`{{% else %}}` ... `{{% endif %}}`", tag=tag))
    return emits


@dataclass(frozen=True, slots=True)
class TextTemplate:
    """A compiled item text: `render(names)` fills it in (see `compile_text`)."""

    source: str
    parts: tuple[Emit, ...]
    plain: str | None = None
    """The text, when it has no expression or block: it reads no name and does no work."""

    def render(self, names: Mapping[str, Any]) -> str:
        """The text for `names`; a `RuleEvalError` when it fails (`LimitExceeded` past a
        limit, `RuleDataError` naming what Python raised on the data)."""
        if self.plain is not None:
            return self.plain
        out = _Out()

        def fill(names: Mapping[str, Any]) -> None:
            for part in self.parts:
                part(names, out)

        token = open_steps("rule")
        try:
            evaluate(fill, names, too_deep=_("is nested too deeply to render"))
        finally:
            stop_steps(token)
        return "".join(out.parts)


def compile_text(source: str) -> TextTemplate:
    """Compile an item text; raises `UnsupportedSyntax` for syntax item texts may not use
    or a text longer than `MAX_ITEM_TEXT` (Jinja's own syntax errors propagate as
    `TemplateSyntaxError`). Jinja only parses the text: its compiler, which would work
    out constant parts such as `'a' * 10**9` unguarded, never sees it."""
    if len(source) > MAX_ITEM_TEXT:
        raise UnsupportedSyntax(_("the text has {length} characters; an item text may have "
                                  "at most {limit} (limit MAX_ITEM_TEXT)",
                                  length=f"{len(source):,}", limit=f"{MAX_ITEM_TEXT:,}"))
    tree = _TEXT_ENV.parse(source)
    token = open_steps("rule")  # one budget for all its constant parts
    try:
        parts = tuple(_compile_body(tree.body))
    finally:
        stop_steps(token)
    data = [child.data for node in tree.body if isinstance(node, nodes.Output)
            for child in node.nodes if isinstance(child, nodes.TemplateData)]
    plain = "".join(data) if len(data) == len(parts) else None  # Jinja's newlines and all
    return TextTemplate(source, parts, plain)
