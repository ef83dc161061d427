"""What rules, item texts and checklist layouts may do: the sandbox and its limits.

A playbook is code written by many hands. Its rules (`when`, `for_each`), its item texts
and the checklist layouts beside it run in Jinja's immutable sandbox, narrowed further:

- **Rules** are one expression, compiled by `_expr` from an allow-list of syntax, filters
  and tests; only the rule helpers can be called. `check_rule_tree` also refuses, at load
  time, private names (`x.__class__`, `x['_y']`, also computed from constants, escaped
  or written with look-alike characters), `format` and `format_map`, attribute paths and
  filter or test names given to `map`, `select`, `sort`, ... that are not written out or
  not allowed, and any constant part that would pass a limit (`'a' * 10**9`,
  `'%999999999s' % 1`). Each evaluation has a budget of `MAX_RULE_STEPS`.
- **Item texts** are text with `{{ expression }}` and `{% if %}` / `{% elif %}` /
  `{% else %}` / `{% endif %}` and nothing else: no loops, `set`, macros, includes or
  imports. Their expressions follow the rule syntax and are compiled the same way
  (`compile_text`); the text is at most `MAX_ITEM_TEXT` characters, as written and as
  rendered.
- **Layouts** (the `.j2` files that lay out a checklist) may use all of Jinja's
  statements, but run in `LayoutSandbox`: no globals (`range`, `lipsum`, `cycler`,
  `joiner`, `namespace`, `dict`), operators and filters guarded by the limits of
  `_limits`, private attributes refused at once, method calls only from a short list of
  side-effect-free, non-growing ones (and dealflow's own), and a budget per render of
  `MAX_TEMPLATE_STEPS` steps (loop iterations, calls, filters, tests, items compared or
  looked at by the guards) and `MAX_LAYOUT_OUTPUT` characters printed.

Every limit is named in the `LimitExceeded` error that enforces it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import BlockReference, LoopContext, Macro, markup_join, str_join
from jinja2.utils import pass_context, pass_eval_context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from dealflow.errors import LimitExceeded, RuleEvalError, UnsupportedSyntax
from dealflow.rules._compiler import (
    FILTERS,
    TESTS,
    TRUSTED_TYPES,
    TrustingSandbox,
    compile_node,
    evaluate,
    render,
)
from dealflow.rules._guards import (
    GUARDED_BINOPS,
    MAX_RULE_STEPS,
    RULE_STEPS,
    charge,
    check_concat,
    check_size,
    guard_filter,
    guard_test,
    start_steps,
    stop_steps,
)

__all__ = [
    "MAX_ITEM_TEXT",
    "MAX_LAYOUT_OUTPUT",
    "MAX_TEMPLATE_STEPS",
    "LayoutSandbox",
    "TextTemplate",
    "check_rule_tree",
    "compile_text",
]

MAX_ITEM_TEXT = 10_000
"""The longest an item text may be, as written and as rendered, in characters."""
MAX_TEMPLATE_STEPS = 100_000
"""The loop iterations, calls and filter applications of one layout render."""
MAX_LAYOUT_OUTPUT = 2_000_000
"""The characters one layout render may print, counted wherever they are printed (also
inside `{% set %}` blocks and macros whose output is then thrown away)."""

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
    reads_as = f" (it reads as {plain!r})" if plain != name else ""
    if plain.startswith("_"):
        return f"names starting with `_` are private and cannot be read ({name!r}{reads_as})"
    if plain in _FORMAT_NAMES:
        return f"{plain!r} cannot be used in rules and item texts (it reads attributes)"
    if reads_as:
        return f"the name {name!r} is written with look-alike characters{reads_as}"
    return None


def _constant(node: nodes.Node) -> Any:
    """The value of a part that uses no name, computed now; None when it fails."""
    try:
        return evaluate(compile_node(node), {})
    except (UnsupportedSyntax, RecursionError, RuleEvalError):
        return None  # a part that fails is reported when it is compiled or evaluated


def _check_number(value: int) -> None:
    """A number Python could not print (`0xfff...` of thousands of digits) is refused."""
    try:
        str(value)
    except ValueError:
        raise UnsupportedSyntax(f"a number has more than {sys.get_int_max_str_digits()} "
                                "digits") from None


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
            raise UnsupportedSyntax(f"`{_quote(node)}`: `{node.name}` needs the attribute "
                                    f"written out, not `{render(arg)}`")
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
        raise UnsupportedSyntax(f"`{node.name}` needs the name of a filter or test written "
                                f"out, not `{render(arg)}`")
    if arg.value not in allowed:
        kind = "filter" if allowed is FILTERS else "test"
        raise UnsupportedSyntax(f"`{node.name}` names the {kind} {arg.value!r}, which rules "
                                f"may not use; they may use: " + ", ".join(sorted(allowed)))


def _names_in(node: nodes.Node) -> bool:
    return any(isinstance(part, nodes.Name) for part in _walk(node))


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
        if named[id(node)]:
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
    allow-lists, and constant parts that pass a limit. Raises `UnsupportedSyntax`."""
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
    token = start_steps(MAX_RULE_STEPS, RULE_STEPS)
    try:
        _fold(tree)
    finally:
        stop_steps(token)


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
            raise LimitExceeded(f"renders more than {MAX_ITEM_TEXT:,} characters "
                                f"(limit MAX_ITEM_TEXT)")
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
            raise UnsupportedSyntax(
                f"`{{% {tag} %}}` is not allowed in an item text: an item text is text with "
                "`{{ expressions }}` and `{% if %}` ... `{% elif %}` ... `{% else %}` ... "
                "`{% endif %}`")
    return emits


@dataclass(frozen=True, slots=True)
class TextTemplate:
    """A compiled item text: `render(names)` fills it in (see `compile_text`)."""

    source: str
    parts: tuple[Emit, ...]

    def render(self, names: Mapping[str, Any]) -> str:
        """The text for `names`; a `RuleEvalError` when it fails (`LimitExceeded` past a
        limit, `RuleDataError` naming what Python raised on the data)."""
        out = _Out()

        def fill(names: Mapping[str, Any]) -> None:
            for part in self.parts:
                part(names, out)

        token = start_steps(MAX_RULE_STEPS, RULE_STEPS)
        try:
            evaluate(fill, names, too_deep="is nested too deeply to render")
        finally:
            stop_steps(token)
        return "".join(out.parts)


def compile_text(source: str) -> TextTemplate:
    """Compile an item text; raises `UnsupportedSyntax` for syntax item texts may not use
    or a text longer than `MAX_ITEM_TEXT` (Jinja's own syntax errors propagate as
    `TemplateSyntaxError`). Jinja only parses the text: its compiler, which would work
    out constant parts such as `'a' * 10**9` unguarded, never sees it."""
    if len(source) > MAX_ITEM_TEXT:
        raise UnsupportedSyntax(f"the text has {len(source):,} characters; an item text may "
                                f"have at most {MAX_ITEM_TEXT:,} (limit MAX_ITEM_TEXT)")
    tree = _TEXT_ENV.parse(source)
    token = start_steps(MAX_RULE_STEPS, RULE_STEPS)  # one budget for all its constant parts
    try:
        return TextTemplate(source, tuple(_compile_body(tree.body)))
    finally:
        stop_steps(token)


# -- layouts --------------------------------------------------------------------------

_TEMPLATE_STEPS = ("loop iterations, calls, filter and test applications and items looked "
                   "at (limit MAX_TEMPLATE_STEPS)")


@dataclass(slots=True)
class _Budget:
    output: int = MAX_LAYOUT_OUTPUT


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "dealflow_layout_budget", default=None)


def _charge(steps: int = 0, output: int = 0) -> None:
    """Count steps (against the open budget of steps, see `_limits.charge`) and printed
    characters (against the render's `MAX_LAYOUT_OUTPUT`)."""
    if steps:
        charge(steps)
    budget = _BUDGET.get()
    if budget is None or not output:
        return
    budget.output -= output
    if budget.output < 0:
        raise LimitExceeded(f"prints more than {MAX_LAYOUT_OUTPUT:,} characters "
                            f"(limit MAX_LAYOUT_OUTPUT)")


_ITERATE = "dealflow_iterate"
_PRINT = "dealflow_print"
_CONCAT = "dealflow_concat"
_COMPARED = "dealflow_compared"


def _counted(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        _charge(steps=1)
        yield item


@pass_context  # never worked out when the layout is compiled, even for a constant
def _iterate(context: Any, items: Any) -> Any:
    """What a `{% for %}` loops over: its length charged up front, or item by item."""
    try:
        size = len(items)
    except TypeError:
        return _counted(items)
    _charge(steps=size)
    return items


@pass_context
def _compared(context: Any, value: Any) -> Any:
    """A value compared (`==`, `in`, `<`, ...): a list, tuple, set or mapping costs a step
    per item, since Python compares it item by item."""
    if isinstance(value, list | tuple | set | frozenset | dict):
        _charge(steps=len(value))
    return value


@pass_context
def _print(context: Any, value: Any) -> Any:
    """Every printed value (`{{ x }}` and the text between tags) counts against the
    output budget, also inside `set` blocks, macros and filters blocks."""
    _charge(output=len(value) if isinstance(value, str) else len(str(value)))
    return value


@pass_eval_context
def _concat(eval_ctx: Any, parts: list[Any]) -> str:
    """`a ~ b`, refused past `MAX_SIZE`."""
    check_concat([str(part) for part in parts])
    return markup_join(parts) if eval_ctx.autoescape else str_join(parts)


def _wrap(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


class _Guards(NodeTransformer):
    """Rewrites a layout's tree so that loops, printing and `~` go through the guards."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _ITERATE, [], [], None, None,
                                 lineno=node.iter.lineno)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        wrapped: list[nodes.Expr] = []
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                child = nodes.MarkSafeIfAutoescape(nodes.Const(child.data), lineno=child.lineno)
            wrapped.append(nodes.Filter(child, _PRINT, [], [], None, None, lineno=child.lineno))
        node.nodes = wrapped
        return node

    def visit_Compare(self, node: nodes.Compare) -> nodes.Node:
        self.generic_visit(node)
        node.expr = _wrap(node.expr, _COMPARED)
        for operand in node.ops:
            operand.expr = _wrap(operand.expr, _COMPARED)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), _CONCAT, [], [], None,
                            None, lineno=node.lineno)


#: Methods of plain values a layout may call: none of them grows its input.
SAFE_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "get", "index", "isalnum",
    "isalpha", "isdecimal", "isdigit", "islower", "isnumeric", "isoformat", "isoweekday",
    "isspace", "istitle", "isupper", "items", "keys", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "rfind", "rindex", "rpartition", "rsplit", "rstrip",
    "split", "splitlines", "startswith", "strftime", "strip", "swapcase", "title", "upper",
    "values", "weekday",
})
_PLAIN = (str, int, float, bool, list, tuple, dict, Decimal, dt.date, dt.datetime, Markup)
_JINJA_CALLABLES = (Macro, LoopContext, BlockReference)


def _may_call(obj: Any) -> bool:
    if isinstance(obj, _JINJA_CALLABLES) or getattr(obj, "dealflow_safe", False):
        return True
    owner, name = getattr(obj, "__self__", None), str(getattr(obj, "__name__", ""))
    if isinstance(owner, _JINJA_CALLABLES):
        return True
    if type(owner) in _PLAIN:
        return name in SAFE_METHODS
    return type(owner) in TRUSTED_TYPES and not name.startswith("_") and (
        _defined_by_dealflow(type(owner), name))


def _defined_by_dealflow(kind: type, name: str) -> bool:
    """Whether method `name` of `kind` is dealflow's own, not one inherited from a library
    (pydantic's `model_copy` or `model_dump_json(indent=...)`, `enum`'s)."""
    for klass in kind.__mro__:
        if name in vars(klass):
            return klass.__module__.split(".")[0] == "dealflow"
    return False


@contextlib.contextmanager
def _render_budget() -> Iterator[None]:
    """A fresh budget of steps and output for one render of a layout."""
    token, steps = _BUDGET.set(_Budget()), start_steps(MAX_TEMPLATE_STEPS, _TEMPLATE_STEPS)
    try:
        yield
    finally:
        stop_steps(steps)
        _BUDGET.reset(token)


class _LayoutTemplate(Template):
    """A layout: each render gets a fresh budget of steps and output."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        with _render_budget():
            return super().render(*args, **kwargs)

    def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
        with _render_budget():
            yield from super().generate(*args, **kwargs)


class LayoutSandbox(TrustingSandbox):
    """The sandbox of checklist layouts: no globals, guarded operators and filters, a
    short list of callable methods, and a budget of steps and output per render."""

    intercepted_binops = frozenset(GUARDED_BINOPS)
    template_class = _LayoutTemplate

    def __init__(self, **options: Any) -> None:
        options.setdefault("undefined", StrictUndefined)
        super().__init__(**options)
        self.globals.clear()
        # each filter and test application counts a step (`guard_filter`, `guard_test`)
        self.filters = {name: guard_filter(name, fn) for name, fn in self.filters.items()}
        self.filters.update({_ITERATE: _iterate, _PRINT: _print, _CONCAT: _concat,
                             _COMPARED: _compared})
        self.tests = {name: guard_test(cast(Callable[..., Any], fn))
                      for name, fn in self.tests.items()}

    def add_filter(self, name: str, fn: Callable[..., Any]) -> None:
        """Register a filter of dealflow's own, guarded like the built-in ones."""
        self.filters[name] = guard_filter(name, fn)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**`, `+` and `%` through the size guards."""
        return GUARDED_BINOPS[operator](left, right)

    def call(__self, __context: Any, __obj: Any,  # noqa: N805 - Jinja's own signature
             *args: Any, **kwargs: Any) -> Any:
        """Call `__obj` if layouts may: macros, `loop`, blocks, the methods in
        `SAFE_METHODS` and the public methods of dealflow's own data."""
        steps = 1
        if isinstance(__obj, LoopContext) and args and hasattr(args[0], "__len__"):
            steps += len(args[0])  # a recursive loop's next level
        _charge(steps=steps)
        if not _may_call(__obj):
            name = getattr(__obj, "__qualname__", None) or type(__obj).__name__
            raise SecurityError(f"a layout may not call {name!r}")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | list | tuple | dict):
            check_size(result, f"calling {getattr(__obj, '__name__', 'a method')!r}")
        return result

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        guarded = _Guards().visit(tree)
        assert isinstance(guarded, nodes.Template)
        return guarded


def template_line(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line an exception raised while rendering comes from (Jinja
    rewrites the traceback so that template lines appear in it); (None, None) if none."""
    where: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<frozen"):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where
