"""The guards that apply the cost model (`_cost`) to Jinja's filters and tests.

Each filter is charged for its work and has its arguments checked before it runs (a
number that sizes its output, a format's widths, a precision of `round`, what `|int`
would build) and its result checked, or, when lazy, bounded, against `MAX_SIZE`. Each
test is charged for what it reads and compares against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from jinja2 import Undefined

from dealflow._messages import _
from dealflow.errors import LimitExceeded
from dealflow.rules._cost import (
    MAX_DECIMAL_EXPONENT,
    MAX_INT_BITS,
    MAX_SIZE,
    charge,
    charge_work,
    number_text,
    size_of,
    work_of,
)
from dealflow.rules._guards import MAX_FORMAT_WIDTH, check_size, format_args, int_bits, too_large

__all__ = ["guard_filter", "guard_test"]


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str,
         default: Any) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _bounded(items: Iterable[Any], what: str) -> Iterator[Any]:
    """`items`, lazily, each charged as it is read, stopped once they pass `MAX_SIZE`
    (texts and collections by their length: a value an inner filter built was checked by
    its guard, and a list made of them is sized whole when it is built)."""
    total = 0
    for item in items:
        steps = work_of(item)
        total += 1 + (len(item) if isinstance(item, str | list | tuple | dict) else 0)
        charge(1 + steps)
        if total > MAX_SIZE:
            raise too_large(what)
        yield item


Args = tuple[Any, ...]
Kwargs = dict[str, Any]


def _join(value: Any, args: Args, kwargs: Kwargs) -> Any:
    items = value if isinstance(value, str) else list(_bounded(value, "`|join`"))
    sep = str(_arg(args, kwargs, 0, "d", ""))
    if len(sep) * max(len(items) - 1, 0) + size_of(items) > MAX_SIZE:
        raise too_large("`|join`")
    return items


def _replace(value: Any, args: Args, kwargs: Kwargs) -> Any:
    text, old = str(value), str(_arg(args, kwargs, 0, "old", ""))
    new = str(_arg(args, kwargs, 1, "new", ""))
    hits = text.count(old) if old else len(text) + 1
    if len(text) + hits * max(len(new) - len(old), 0) > MAX_SIZE:
        raise too_large("`|replace`")
    return value


def _indent(value: Any, args: Args, kwargs: Kwargs) -> Any:
    width = _arg(args, kwargs, 0, "width", 4)
    prefix = width if isinstance(width, int) else len(str(width))
    if (str(value).count("\n") + 1) * prefix + len(str(value)) > MAX_SIZE:
        raise too_large("`|indent`")
    return value


def _wordwrap(value: Any, args: Args, kwargs: Kwargs) -> Any:
    width = _arg(args, kwargs, 0, "width", 79)
    wrap = _arg(args, kwargs, 2, "wrapstring", None) or "\n"
    lines = len(str(value)) // max(width if isinstance(width, int) else 1, 1) + 1
    if lines * len(str(wrap)) + len(str(value)) > MAX_SIZE:
        raise too_large("`|wordwrap`")
    return value


def _format(value: Any, args: Args, kwargs: Kwargs) -> Any:
    format_args(str(value), kwargs or args, "`|format`")
    return value


def _tojson(value: Any, args: Args, kwargs: Kwargs) -> Any:
    indent = _arg(args, kwargs, 0, "indent", None)
    if indent is not None and (not isinstance(indent, int) or indent > 16):
        raise LimitExceeded(_("`|tojson` with an indent of {indent!r} (at most 16)",
                              indent=indent))
    return value


def _sum(value: Any, args: Args, kwargs: Kwargs) -> Any:
    start = _arg(args, kwargs, 1, "start", 0)
    if not isinstance(start, int | float | Decimal):
        raise LimitExceeded(_("`|sum` may only add numbers (start={start!r})", start=start))
    return value


def _round(value: Any, args: Args, kwargs: Kwargs) -> Any:
    """`round` works out 10 ** precision: the precision is bounded like a format's."""
    precision = _arg(args, kwargs, 0, "precision", 0)
    if isinstance(precision, int) and abs(precision) > MAX_FORMAT_WIDTH:
        raise LimitExceeded(_("`|round` to {digits} digits (more than {limit} either way; "
                              "limit MAX_FORMAT_WIDTH)", digits=number_text(precision),
                              limit=f"{MAX_FORMAT_WIDTH:,}"))
    return value


_INT_DIGITS = MAX_INT_BITS * 3 // 10


def _int(value: Any, args: Args, kwargs: Kwargs) -> Any:
    """A decimal or a text turned into a whole number may not pass `MAX_INT_BITS`."""
    too_long = (isinstance(value, Decimal) and value.is_finite()
                and value.adjusted() > _INT_DIGITS) or (
        isinstance(value, str | bytes) and len(value) > MAX_INT_BITS // 3)
    if too_long:
        raise LimitExceeded(_("`|int` would build a number of more than {bits} bits (limit "
                              "MAX_INT_BITS; decimals stay below 10 ** {exponent})",
                              bits=f"{MAX_INT_BITS:,}", exponent=f"{MAX_DECIMAL_EXPONENT:,}"))
    return value


#: Checks of the filters whose output can be much larger than their input.
_CHECKS: dict[str, Callable[[Any, Args, Kwargs], Any]] = {
    "join": _join, "replace": _replace, "indent": _indent, "wordwrap": _wordwrap,
    "format": _format, "tojson": _tojson, "sum": _sum, "round": _round, "int": _int,
}


#: Filters whose numbers size what they build (a width, a count of rows or columns): a
#: number past `MAX_SIZE` is refused before they run. Other filters take any number
#: (`'%s CNY' | format(deal.amount)`, `default(1000000)`).
_SIZING = frozenset({"batch", "center", "indent", "slice", "tojson", "truncate", "urlize",
                     "wordwrap"})


#: Filters that work through their value item by item in Python (a key or a test per
#: item): a text costs them a step per character, not per `STEP_CHARS`.
_ITEMWISE = frozenset({"batch", "dictsort", "groupby", "map", "max", "min", "reject",
                       "rejectattr", "select", "selectattr", "slice", "sort", "sum", "unique"})


def _prepare(name: str, value: Any, args: Args, kwargs: Kwargs) -> Any:
    """Check a filter call before it runs; returns the value to pass on (a bounded list
    where the filter would otherwise consume an unbounded iterable)."""
    charge_work(value, *args, *kwargs.values())
    if name in _ITEMWISE and isinstance(value, str):
        charge(len(value))
    for arg in (*args, *kwargs.values()) if name in _SIZING else ():
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_SIZE:
            raise LimitExceeded(_("`|{name}` with the number {number} (more than {limit}; "
                                  "limit MAX_SIZE)", name=name, number=number_text(arg),
                                  limit=f"{MAX_SIZE:,}"))
    check = _CHECKS.get(name)
    if check is None or isinstance(value, Undefined):
        return value
    return check(value, args, kwargs)


def guard_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """The Jinja filter `fn`, charged for its work, with its arguments checked before it
    runs and its result checked (or, when lazy, bounded) against `MAX_SIZE`."""
    pass_arg = getattr(fn, "jinja_pass_arg", None)
    skip = 0 if pass_arg is None else 1
    what = f"`|{name}`"

    def guarded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > skip:
            value = _prepare(name, args[skip], args[skip + 1:], kwargs)
            args = (*args[:skip], value, *args[skip + 1:])
        else:
            charge()
        result = fn(*args, **kwargs)
        if isinstance(result, Iterator):
            return _bounded(result, what)
        if isinstance(result, str | list | tuple | dict | set | int):
            check_size(result, what)
            if type(result) is int and result.bit_length() > MAX_INT_BITS:
                raise int_bits(f"|{name}")
        return result

    if pass_arg is not None:
        guarded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    guarded.__name__ = getattr(fn, "__name__", name)
    guarded.__doc__ = fn.__doc__
    return guarded


def guard_test(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The Jinja test `fn`, charged for reading its value and what it compares against
    (`select('in', long_list)` compares each item with all of them)."""

    pass_arg = getattr(fn, "jinja_pass_arg", None)
    skip = 0 if pass_arg is None else 1

    def guarded(*args: Any, **kwargs: Any) -> Any:
        charge_work(*args[skip:], *kwargs.values())
        return fn(*args, **kwargs)

    if pass_arg is not None:
        guarded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    guarded.__name__ = getattr(fn, "__name__", "test")
    guarded.__doc__ = fn.__doc__
    guarded.__wrapped__ = fn  # type: ignore[attr-defined]  # what `_chains` calls, charging itself
    return guarded
