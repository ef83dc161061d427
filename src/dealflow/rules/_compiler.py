"""A compiler from Jinja expression trees to Python closures.

Jinja's parser reads the rule; instead of Jinja's code generator (which builds a new
render context for every call), each node becomes a small closure over the ones below
it. Only the node kinds, filters and tests listed here compile; anything else is a
load-time error. Attribute access goes through the sandboxed environment, so what the
sandbox forbids stays forbidden. The tree is kept beside the closures, so that
`_explain` can say which parts of a false rule were false and with which values.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar, cast

from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.runtime import new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from dealflow._messages import _
from dealflow.errors import LimitExceeded, RuleDataError, RuleEvalError, UnsupportedSyntax
from dealflow.rules._chains import BAIL, Chain, chain_of, constant_list, direct, run_chain
from dealflow.rules._cost import MAX_INT_BITS, MAX_SIZE, OPEN_STEPS, charge_work
from dealflow.rules._filters import guard_filter, guard_test
from dealflow.rules._guards import (
    ARITHMETIC,
    MAX_FORMAT_WIDTH,
    check_brace_format,
    check_concat,
    check_size,
)
from dealflow.rules._source import render

__all__ = [
    "ARITHMETIC",
    "MAX_FORMAT_WIDTH",
    "MAX_INT_BITS",
    "MAX_SIZE",
    "DATA_ERRORS",
    "TrustingSandbox",
    "compile_node",
    "evaluate",
    "trust",
]

Fn = Callable[[Mapping[str, Any]], Any]
_T = TypeVar("_T")

#: What Python and Jinja raise when an operation of a rule, a text or a layout does not
#: fit the data it is given: text compared with a number, a division by zero, an index
#: past the end, an undefined value used. Anything else raised while evaluating is a bug.
DATA_ERRORS: tuple[type[Exception], ...] = (
    ArithmeticError, LookupError, TypeError, ValueError, TemplateError)


def evaluate(fn: Callable[[Mapping[str, Any]], _T], ctx: Mapping[str, Any], *,
             too_deep: str | None = None) -> _T:
    """`fn(ctx)`, where every failure is a `RuleEvalError`: what Python raises on the
    data becomes a `RuleDataError` naming it (`TypeError: ...`); so does nesting too deep
    for Python, unless `too_deep` is given: then it is a `LimitExceeded` saying that."""
    try:
        return fn(ctx)
    except RecursionError as exc:
        if too_deep is not None:
            raise LimitExceeded(too_deep) from None
        raise RuleDataError(f"RecursionError: {exc}") from None
    except DATA_ERRORS as exc:
        raise RuleDataError(f"{type(exc).__name__}: {exc}") from exc

#: Types whose public attributes rules may read directly: data, never code. Everything
#: else goes through the sandbox's checks.
TRUSTED_TYPES: set[type] = {str, int, float, bool, dt.date, dt.datetime, Decimal}


#: How rules read the public attributes of some trusted types (see `trust`).
_READERS: dict[type, Callable[[Any, str], Any]] = {}


def trust(kind: type, reader: Callable[[Any, str], Any] | None = None) -> type:
    """Let rules read `kind`'s public attributes without the sandbox's per-access checks
    (for dealflow's own data classes; attributes starting with `_` stay forbidden).
    `reader(obj, name)`, when given, is what `getattr` would come to for every public
    name (a `__getattr__` behind private slots), called at once."""
    TRUSTED_TYPES.add(kind)
    if reader is not None:
        _READERS[kind] = reader
    return kind


class TrustingSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with a fast path for the public attributes of trusted
    types (dealflow's own data classes and plain values); everything else is checked
    as usual."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) in TRUSTED_TYPES and not attribute.startswith("_") and (
            attribute not in _FORMAT_METHODS
        ):
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Refuse an unsafe attribute at once (Jinja returns an undefined value that only
        fails when used, which a list or a test can carry away unnoticed)."""
        raise SecurityError(_("access to attribute {attribute!r} of {type!r} object is unsafe",
                              attribute=attribute, type=type(obj).__name__))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` and `format_map` through the sandbox's formatter, with the widths
        and precisions of the format string checked against `MAX_FORMAT_WIDTH` first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            check_brace_format(fmt, args, kwargs)
            return wrapped(*args, **kwargs)

        checked.dealflow_safe = True  # type: ignore[attr-defined]
        return checked


ENV = TrustingSandbox(undefined=StrictUndefined, autoescape=False)
_CONTEXT = new_context(ENV, None, {}, {}, shared=True)

#: Filters a rule may use. Filters that can build huge values (center, wordwrap, batch,
#: format, indent, ...) are left out on purpose.
FILTERS = frozenset({
    "abs", "count", "default", "d", "first", "float", "int", "join", "last", "length",
    "list", "lower", "map", "max", "min", "reject", "rejectattr", "round", "select",
    "selectattr", "sort", "string", "sum", "trim", "unique", "upper",
})
TESTS = frozenset({
    "boolean", "defined", "divisibleby", "eq", "equalto", "even", "false", "float", "ge",
    "gt", "in", "integer", "le", "lower", "lt", "mapping", "ne", "none", "number", "odd",
    "sequence", "string", "true", "undefined", "upper", "==", "!=", ">", ">=", "<", "<=",
    "greaterthan", "lessthan", "sameas",
})
# A rule's filters and tests, and what `map`, `select` and `reject` may name, are only
# these; each filter is guarded against building values past the limits (`_limits`).
# These return a number or one of the items they are given: nothing to guard.
# (Conversions are guarded: `'f' * 9999 | int(16)`, `1 | round(-10**8)`, `|float`.)
_SMALL_RESULT = frozenset({"abs", "count", "first", "last", "length"})
ENV.filters = {name: ENV.filters[name] if name in _SMALL_RESULT
               else guard_filter(name, ENV.filters[name]) for name in FILTERS}
ENV.tests = {name: guard_test(cast(Callable[..., Any], ENV.tests[name])) for name in TESTS}
_FORMAT_METHODS = frozenset({"format", "format_map"})


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge,
    "lt": operator.lt, "lteq": operator.le,
    "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
}


_BINARY: dict[type[nodes.BinExpr], Callable[[Any, Any], Any]] = {
    nodes.Add: ARITHMETIC["+"], nodes.Sub: ARITHMETIC["-"], nodes.Mul: ARITHMETIC["*"],
    nodes.Div: ARITHMETIC["/"], nodes.FloorDiv: ARITHMETIC["//"], nodes.Mod: ARITHMETIC["%"],
    nodes.Pow: ARITHMETIC["**"],
}


def _refused(what: str, exc: SecurityError) -> RuleEvalError:
    return RuleEvalError(f"{what}: {exc.message or exc}")


def _checked(value: Any, what: str) -> Any:
    if isinstance(value, Undefined):
        hint = getattr(value, "_undefined_hint", None)
        raise RuleEvalError(hint or _("{what} is undefined", what=what))
    return value


def _name(node: nodes.Name) -> Fn:
    key = node.name

    def lookup(ctx: Mapping[str, Any]) -> Any:
        try:
            return ctx[key]
        except KeyError:
            raise RuleEvalError(_("unknown name {key!r}", key=key)) from None

    return lookup


def _getattr(node: nodes.Getattr) -> Fn:
    target, attr = compile_node(node.node), node.attr
    text = render(node)
    private = attr.startswith("_")

    def get(ctx: Mapping[str, Any]) -> Any:
        obj = target(ctx)
        if not private and type(obj) in TRUSTED_TYPES and attr not in _FORMAT_METHODS:
            reader = _READERS.get(type(obj))
            if reader is not None:
                return reader(obj, attr)
            try:
                return getattr(obj, attr)
            except AttributeError:
                raise RuleEvalError(_("`{text}`: {type} has no attribute {attr!r}", text=text,
                                      type=type(obj).__name__, attr=attr)) from None
        try:
            return _checked(ENV.getattr(obj, attr), f"`{text}`")
        except SecurityError as exc:
            raise _refused(f"`{text}`", exc) from None

    return get


def _getitem(node: nodes.Getitem) -> Fn:
    target = compile_node(node.node)
    text = render(node)
    if isinstance(node.arg, nodes.Slice):
        parts = [compile_node(p) if p is not None else None
                 for p in (node.arg.start, node.arg.stop, node.arg.step)]

        def get_slice(ctx: Mapping[str, Any]) -> Any:
            bounds = [p(ctx) if p is not None else None for p in parts]
            result = target(ctx)[slice(*bounds)]
            charge_work(result)
            return result

        return get_slice
    arg = compile_node(node.arg)

    def get(ctx: Mapping[str, Any]) -> Any:
        try:
            return _checked(ENV.getitem(target(ctx), arg(ctx)), f"`{text}`")
        except SecurityError as exc:
            raise _refused(f"`{text}`", exc) from None

    return get


def _arguments(node: nodes.Call | nodes.Filter | nodes.Test) -> tuple[list[Fn], dict[str, Fn]]:
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        raise UnsupportedSyntax(_("`*args` and `**kwargs` are not supported in rules"))
    args = [compile_node(arg) for arg in node.args]
    kwargs = {str(kw.key): compile_node(kw.value) for kw in node.kwargs}
    return args, kwargs


def _call(node: nodes.Call) -> Fn:
    if not isinstance(node.node, nodes.Name):
        raise UnsupportedSyntax(_("only the rule helpers can be called, not `{call}`",
                                  call=render(node.node)))
    func = _name(node.node)
    args, kwargs = _arguments(node)

    def call(ctx: Mapping[str, Any]) -> Any:
        target = func(ctx)
        if not callable(target):
            raise RuleEvalError(_("`{name}` is not a helper that can be called",
                                  name=node.node.name))  # type: ignore[attr-defined]
        values = [a(ctx) for a in args]
        result = (target(*values, **{k: v(ctx) for k, v in kwargs.items()}) if kwargs
                  else target(*values))
        if OPEN_STEPS.get() is not None:  # a helper's work grows with what it returns
            charge_work(result, *values)
        return result

    return call


def _chain(chain: Chain) -> Fn:
    """A chain of selecting filters ending in `list`, as a loop (see `_chains`), with the
    sandboxed filters run on the same value wherever the loop cannot stand for them."""
    base = compile_node(chain.base)

    def apply(ctx: Mapping[str, Any]) -> Any:
        value = base(ctx)
        result = run_chain(chain, value, TRUSTED_TYPES)
        if result is BAIL:
            for name, args, kwargs in chain.generic:
                value = ENV.call_filter(name, value, list(args), dict(kwargs), context=_CONTEXT)
            result = ENV.call_filter("list", value, [], {}, context=_CONTEXT)
        return result

    return apply


def _filter(node: nodes.Filter) -> Fn:
    if node.name not in FILTERS:
        raise UnsupportedSyntax(_("unknown filter {name!r}; rules may use: {filters}",
                                  name=node.name, filters=", ".join(sorted(FILTERS))))
    if node.node is None:
        raise UnsupportedSyntax(_("a filter needs a value"))
    chain = chain_of(node, cast(Mapping[str, Callable[..., Any]], ENV.tests))
    if chain is not None:
        return _chain(chain)
    value = compile_node(node.node)
    args, kwargs = _arguments(node)
    return direct(cast(Callable[..., Any], ENV.filters[node.name]), value, args, kwargs,
                  _CONTEXT)


def _test(node: nodes.Test) -> Fn:
    if node.name not in TESTS:
        raise UnsupportedSyntax(_("unknown test {name!r}; rules may use: {tests}",
                                  name=node.name, tests=", ".join(sorted(TESTS))))
    value = compile_node(node.node)
    args, kwargs = _arguments(node)
    return direct(cast(Callable[..., Any], ENV.tests[node.name]), value, args, kwargs,
                  _CONTEXT)


def _compare(node: nodes.Compare) -> Fn:
    first = compile_node(node.expr)
    ops = [(_COMPARE[op.op], compile_node(op.expr)) for op in node.ops]
    if len(ops) == 1:
        (op, second), = ops

        def compare_one(ctx: Mapping[str, Any]) -> Any:
            left, right = first(ctx), second(ctx)
            if OPEN_STEPS.get() is not None:
                charge_work(left, right)
            return bool(op(left, right))

        return compare_one

    def compare(ctx: Mapping[str, Any]) -> Any:
        left = first(ctx)
        for fn, right_fn in ops:
            right = right_fn(ctx)
            if OPEN_STEPS.get() is not None:
                charge_work(left, right)
            if not fn(left, right):
                return False
            left = right
        return True

    return compare


def _and(node: nodes.And) -> Fn:
    left, right = compile_node(node.left), compile_node(node.right)
    return lambda ctx: left(ctx) and right(ctx)


def _or(node: nodes.Or) -> Fn:
    left, right = compile_node(node.left), compile_node(node.right)
    return lambda ctx: left(ctx) or right(ctx)


def _not(node: nodes.Not) -> Fn:
    inner = compile_node(node.node)
    return lambda ctx: not inner(ctx)


def _neg(node: nodes.Neg) -> Fn:
    inner = compile_node(node.node)
    return lambda ctx: -inner(ctx)


def _pos(node: nodes.Pos) -> Fn:
    inner = compile_node(node.node)
    return lambda ctx: +inner(ctx)


def _binary(node: nodes.BinExpr) -> Fn:
    fn = _BINARY[type(node)]
    left, right = compile_node(node.left), compile_node(node.right)
    return lambda ctx: fn(left(ctx), right(ctx))


def _concat(node: nodes.Concat) -> Fn:
    parts = [compile_node(part) for part in node.nodes]

    def concat(ctx: Mapping[str, Any]) -> str:
        return "".join(check_concat([part(ctx) for part in parts]))

    return concat


def _cond(node: nodes.CondExpr) -> Fn:
    test, yes = compile_node(node.test), compile_node(node.expr1)
    no = compile_node(node.expr2) if node.expr2 is not None else None

    def cond(ctx: Mapping[str, Any]) -> Any:
        if test(ctx):
            return yes(ctx)
        if no is None:
            raise RuleEvalError(_("`{expression}` has no `else` value", expression=render(node)))
        return no(ctx)

    return cond


def _const(node: nodes.Const) -> Fn:
    value = node.value
    return lambda ctx: value


def _list(node: nodes.List | nodes.Tuple) -> Fn:
    items = [compile_node(item) for item in node.items]
    if all(isinstance(item, nodes.Const) for item in node.items):
        return constant_list([item.value for item in node.items])  # type: ignore[attr-defined]
    return lambda ctx: check_size([item(ctx) for item in items], _("a list"))


def _dict(node: nodes.Dict) -> Fn:
    pairs = [(compile_node(p.key), compile_node(p.value)) for p in node.items]
    return lambda ctx: check_size({k(ctx): v(ctx) for k, v in pairs}, _("a mapping"))


_COMPILERS: dict[type[nodes.Node], Callable[[Any], Fn]] = {
    nodes.Const: _const, nodes.Name: _name, nodes.Getattr: _getattr, nodes.Getitem: _getitem,
    nodes.Call: _call, nodes.Filter: _filter, nodes.Test: _test, nodes.Compare: _compare,
    nodes.And: _and, nodes.Or: _or, nodes.Not: _not, nodes.Neg: _neg, nodes.Pos: _pos,
    nodes.Concat: _concat, nodes.CondExpr: _cond, nodes.List: _list, nodes.Tuple: _list,
    nodes.Dict: _dict,
    **{kind: _binary for kind in _BINARY},
}


def compile_node(node: nodes.Node) -> Fn:
    """Compile one expression node (and its children) into a closure over a context."""
    compiler = _COMPILERS.get(type(node))
    if compiler is None:
        raise UnsupportedSyntax(_("`{kind}` expressions are not supported in rules",
                                  kind=type(node).__name__))
    return compiler(node)
