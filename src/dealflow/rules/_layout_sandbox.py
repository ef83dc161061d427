"""The sandbox of checklist layouts: Jinja's statements, every step of them paid for.

A layout (a `.j2` file that lays out a checklist) may use all of Jinja's statements, but
runs in `LayoutSandbox`: no globals (`range`, `lipsum`, `cycler`, `joiner`, `namespace`,
`dict`), private attributes refused at once, method calls only from a short list of
side-effect-free, non-growing ones (and dealflow's own), and the cost model of `_cost`:

- each time a body runs (the layout itself, a loop's pass, a macro, a `call` block, a
  block), it is charged one step per template node in it, so work that Python does
  without calling anything (`{% if 1 %}{% endif %}` a hundred thousand times) is paid
  for too; nested loops, macros and blocks charge their own bodies;
- each operation is charged for the characters, digits and items it reads or builds:
  loops by their length, comparisons, slices, `~`, arithmetic, formats, filters, tests
  and calls (`loop.cycle(*big)` by its arguments);
- all of it against one budget per render, `max_template_steps`, plus
  `MAX_LAYOUT_OUTPUT` characters printed; the constant parts Jinja works out when it
  compiles a layout are charged to a budget of their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.lexer import TokenStream
from jinja2.runtime import BlockReference, LoopContext, Macro, markup_join
from jinja2.utils import pass_context, pass_eval_context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from dealflow._messages import _
from dealflow.errors import LimitExceeded
from dealflow.rules._compiler import TRUSTED_TYPES, TrustingSandbox
from dealflow.rules._cost import MAX_TEMPLATE_STEPS, charge, charge_work, open_steps, stop_steps
from dealflow.rules._filters import guard_filter, guard_test
from dealflow.rules._guards import ARITHMETIC, check_concat, check_size

__all__ = [
    "MAX_LAYOUT_OUTPUT",
    "MAX_TEMPLATE_STEPS",
    "SAFE_METHODS",
    "LayoutSandbox",
    "template_line",
]

MAX_LAYOUT_OUTPUT = 2_000_000
"""The characters one layout render may print, counted wherever they are printed (also
inside `{% set %}` blocks and macros whose output is then thrown away)."""


@dataclass(slots=True)
class _Output:
    left: int = MAX_LAYOUT_OUTPUT


_OUTPUT: contextvars.ContextVar[_Output | None] = contextvars.ContextVar(
    "dealflow_layout_output", default=None)


def _printed(characters: int) -> None:
    budget = _OUTPUT.get()
    if budget is None:
        return
    budget.left -= characters
    if budget.left < 0:
        raise LimitExceeded(_("prints more than {limit} characters (limit MAX_LAYOUT_OUTPUT)",
                              limit=f"{MAX_LAYOUT_OUTPUT:,}"))


_ITERATE = "dealflow_iterate"
_PRINT = "dealflow_print"
_CONCAT = "dealflow_concat"
_COMPARED = "dealflow_compared"
_SLICE = "dealflow_slice"
_BODY = "dealflow_body"


def _counted(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        charge()
        yield item


# Every guard takes the context, so that Jinja never works one out while compiling.

@pass_context
def _iterate(context: Any, items: Any) -> Any:
    """What a `{% for %}` loops over: its length charged up front, or item by item."""
    try:
        size = len(items)
    except TypeError:
        return _counted(items)
    charge(size)
    return items


@pass_context
def _body(context: Any, weight: int) -> str:
    """A body starts to run: one step per template node in it."""
    charge(weight)
    return ""


@pass_context
def _compared(context: Any, value: Any) -> Any:
    """A value compared (`==`, `in`, `<`, ...): charged for reading it."""
    charge_work(value)
    return value


@pass_context
def _slice(context: Any, value: Any, start: Any, stop: Any, step: Any) -> Any:
    """`value[start:stop:step]`, charged for what it copies."""
    result = value[start:stop:step]
    charge_work(result)
    return result


@pass_context
def _print(context: Any, value: Any) -> Any:
    """Every printed value (`{{ x }}` and the text between tags) counts against the
    output budget, also inside `set` blocks, macros and filters blocks."""
    _printed(len(value) if isinstance(value, str) else len(str(value)))
    return value


@pass_eval_context
def _concat(eval_ctx: Any, parts: list[Any]) -> str:
    """`a ~ b`, refused past `MAX_SIZE` (each part sized before it becomes text)."""
    texts = check_concat(parts)
    return markup_join(parts) if eval_ctx.autoescape else "".join(texts)


def _wrap(node: nodes.Expr, name: str, *args: nodes.Expr) -> nodes.Filter:
    return nodes.Filter(node, name, list(args), [], None, None, lineno=node.lineno)


#: Nodes whose body may run many times for one run of the body holding them.
_REPEATED = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.Block)


def _weight(body: Sequence[nodes.Node]) -> int:
    """The template nodes of `body`, without the bodies of loops, macros, `call` blocks
    and blocks inside it (they charge for themselves)."""
    count, stack = 0, list(body)
    while stack:
        node = stack.pop()
        count += 1
        if isinstance(node, _REPEATED):
            stack.extend(node.iter_child_nodes(exclude=("body",)))
        else:
            stack.extend(node.iter_child_nodes())
    return count


def _charge_body(body: list[nodes.Node], lineno: int) -> None:
    charged = _wrap(nodes.Const(_weight(body), lineno=lineno), _BODY)
    body.insert(0, nodes.ExprStmt(charged, lineno=lineno))


class _Guards(NodeTransformer):
    """Rewrites a layout's tree so that bodies, loops, printing, comparisons, slices and
    `~` go through the guards."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _wrap(cast(nodes.Expr, node.iter), _ITERATE)
        _charge_body(node.body, node.lineno)
        return node

    def _visit_repeated(self, node: nodes.Macro | nodes.CallBlock | nodes.Block) -> nodes.Node:
        self.generic_visit(node)
        _charge_body(node.body, node.lineno)
        return node

    visit_Macro = visit_CallBlock = visit_Block = _visit_repeated

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        wrapped: list[nodes.Expr] = []
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                child = nodes.MarkSafeIfAutoescape(nodes.Const(child.data), lineno=child.lineno)
            wrapped.append(_wrap(child, _PRINT))
        node.nodes = wrapped
        return node

    def visit_Compare(self, node: nodes.Compare) -> nodes.Node:
        self.generic_visit(node)
        node.expr = _wrap(node.expr, _COMPARED)
        for operand in node.ops:
            operand.expr = _wrap(operand.expr, _COMPARED)
        return node

    def visit_Getitem(self, node: nodes.Getitem) -> nodes.Node:
        self.generic_visit(node)
        if not isinstance(node.arg, nodes.Slice):
            return node
        bounds = [nodes.Const(None, lineno=node.lineno) if part is None else part
                  for part in (node.arg.start, node.arg.stop, node.arg.step)]
        return _wrap(node.node, _SLICE, *bounds)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _wrap(nodes.List(node.nodes, lineno=node.lineno), _CONCAT)


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
    token, steps = _OUTPUT.set(_Output()), open_steps("template")
    try:
        yield
    finally:
        stop_steps(steps)
        _OUTPUT.reset(token)


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

    intercepted_binops = frozenset(ARITHMETIC)
    template_class = _LayoutTemplate

    def __init__(self, **options: Any) -> None:
        options.setdefault("undefined", StrictUndefined)
        super().__init__(**options)
        self.globals.clear()
        self.filters = {name: guard_filter(name, fn) for name, fn in self.filters.items()}
        self.filters.update({_ITERATE: _iterate, _PRINT: _print, _CONCAT: _concat,
                             _COMPARED: _compared, _SLICE: _slice, _BODY: _body})
        self.tests = {name: guard_test(cast(Callable[..., Any], fn))
                      for name, fn in self.tests.items()}

    def add_filter(self, name: str, fn: Callable[..., Any]) -> None:
        """Register a filter of dealflow's own, guarded like the built-in ones."""
        self.filters[name] = guard_filter(name, fn)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Every arithmetic operator through the guards (and decimals through `DECIMALS`)."""
        return ARITHMETIC[operator](left, right)

    def call(__self, __context: Any, __obj: Any,  # noqa: N805 - Jinja's own signature
             *args: Any, **kwargs: Any) -> Any:
        """Call `__obj` if layouts may: macros, `loop`, blocks, the methods in
        `SAFE_METHODS` and the public methods of dealflow's own data; charged for its
        arguments (and for the value whose method it is)."""
        charge_work(args, *args, *kwargs.values(), getattr(__obj, "__self__", None))
        if not _may_call(__obj):
            name = getattr(__obj, "__qualname__", None) or type(__obj).__name__
            raise SecurityError(_("a layout may not call {name!r}", name=name))
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | list | tuple | dict):
            check_size(result, f"calling {getattr(__obj, '__name__', 'a method')!r}")
        return result

    def compile(self, *args: Any, **kwargs: Any) -> Any:
        """Compile a layout within a budget of `max_template_steps` of its own (or the
        render's, for a layout included while rendering): a step per token read and per
        node of its tree, and the constant parts Jinja's compiler works out (filters of
        constants). A layout too large to run once is refused before Python compiles it."""
        token = open_steps("template")
        try:
            return super().compile(*args, **kwargs)
        finally:
            stop_steps(token)

    def _tokenize(self, source: str, name: str | None, filename: str | None = None,
                  state: str | None = None) -> TokenStream:
        stream = super()._tokenize(source, name, filename, state)
        return TokenStream(_counted(stream), stream.name, stream.filename)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        guarded = _Guards().visit(tree)
        assert isinstance(guarded, nodes.Template)
        charge(sum(1 for _ in guarded.find_all(nodes.Node)))
        _charge_body(guarded.body, 1)
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

