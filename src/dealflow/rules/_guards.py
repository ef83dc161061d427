"""The limits of what rules and templates may build, and the guards that enforce them.

Rules, item texts and checklist layouts run in a sandbox that refuses Python internals;
these guards add bounds on size, so that a short rule or template cannot exhaust memory or
time either (`'a' * 10**9`, `10**10**10`, `'%999999999s' % 1`, `[x] * n | join(sep)`).
Each guard counts *before* it builds, and raises `LimitExceeded` naming the limit.

Work is bounded too: while a budget of steps is open (`start_steps`), every filter and test
application, every item a guard looks at and every item a test compares against counts
one step, and passing the budget raises `LimitExceeded` naming it (`MAX_RULE_STEPS` for
a rule or an item text, `MAX_TEMPLATE_STEPS` for a layout).
"""

from __future__ import annotations

import contextvars
import re
import string
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from jinja2 import Undefined

from dealflow.errors import LimitExceeded, RuleEvalError

__all__ = [
    "GUARDED_BINOPS",
    "MAX_EXPONENT",
    "MAX_FORMAT_WIDTH",
    "MAX_INT_BITS",
    "MAX_RULE_STEPS",
    "MAX_SIZE",
    "RULE_STEPS",
    "check_brace_format",
    "check_concat",
    "check_percent_format",
    "charge",
    "check_size",
    "guard_filter",
    "guard_test",
    "safe_add",
    "safe_mod",
    "safe_mul",
    "safe_pow",
    "size_of",
    "start_steps",
    "stop_steps",
]

MAX_SIZE = 100_000
"""The largest text or list a rule or template may build: characters, or items plus what
they hold (a list of 10 texts of 100 characters counts 1,010)."""
MAX_INT_BITS = 100_000
"""The largest whole number a rule or template may build by `*` or `**`, in bits (about
30,000 decimal digits)."""
MAX_RULE_STEPS = 100_000
"""The work of one evaluation of a rule, one rendering of an item text, or the constant
parts of one rule or item text worked out at load time: filter and test applications
(also those `map`, `select` and `reject` make for each item), plus the items the size
guards look at and the items a test compares against."""
RULE_STEPS = "filter and test applications and items looked at (limit MAX_RULE_STEPS)"
"""What the steps of `MAX_RULE_STEPS` are, for its message."""
MAX_EXPONENT = 1_000
"""The largest exponent of `**` (whatever the base: also for decimals)."""
MAX_FORMAT_WIDTH = 1_000
"""The largest width or precision in a `%`, `|format` or `str.format` format string."""

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)
_NUMBER = re.compile(r"\d+")


class _Steps:
    """An open budget of steps: how many are left, of how many, named how."""

    __slots__ = ("left", "limit", "what")

    def __init__(self, limit: int, what: str) -> None:
        self.left, self.limit, self.what = limit, limit, what


_STEPS: contextvars.ContextVar[_Steps | None] = contextvars.ContextVar(
    "dealflow_steps", default=None)


def start_steps(limit: int, what: str) -> contextvars.Token[_Steps | None] | None:
    """Open a budget of `limit` steps (`what` describes the steps and names the limit, as
    in `"filters and items (limit MAX_RULE_STEPS)"`); returns the token to pass to
    `stop_steps`. When a budget is already open, it goes on counting (None is returned):
    the outermost budget bounds all the work done inside it."""
    if _STEPS.get() is not None:
        return None
    return _STEPS.set(_Steps(limit, what))


def stop_steps(token: contextvars.Token[_Steps | None] | None) -> None:
    """Close the budget `start_steps` opened (nothing when it opened none)."""
    if token is not None:
        _STEPS.reset(token)


def charge(steps: int = 1) -> None:
    """Count `steps` against the open budget (if any); `LimitExceeded` once it is spent."""
    budget = _STEPS.get()
    if budget is None:
        return
    budget.left -= steps
    if budget.left < 0:
        raise LimitExceeded(f"takes more than {budget.limit:,} {budget.what}")


def size_of(value: Any, limit: int = MAX_SIZE) -> int:
    """The size of `value` as the limits count it: the characters of a text, the items of
    a list, tuple, set or mapping plus the sizes of what they hold. Counting stops once it
    passes `limit`, so it costs at most about `limit` steps; each item looked at is
    charged to the open budget of steps."""
    total, stack, looked = 0, [value], 0
    while stack and total <= limit:
        item = stack.pop()
        looked += 1
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
    charge(looked)
    return total


def _number(value: int) -> str:
    """`value` for a message: written out, or its size when it has too many digits."""
    return str(value) if value.bit_length() <= 64 else f"a number of {value.bit_length():,} bits"


def _too_large(what: str) -> LimitExceeded:
    return LimitExceeded(f"{what} would build a value larger than {MAX_SIZE:,} characters or "
                         f"items (limit MAX_SIZE)")


def check_size(value: Any, what: str) -> Any:
    """`value` when its `size_of` is within `MAX_SIZE`; else `LimitExceeded` naming `what`."""
    if size_of(value) > MAX_SIZE:
        raise _too_large(what)
    return value


def check_concat(texts: list[str]) -> list[str]:
    """The parts of `a ~ b ~ ...` when their joined length is within `MAX_SIZE`; else
    `LimitExceeded` (checked before joining, so the text is never built)."""
    if sum(map(len, texts)) > MAX_SIZE:
        raise LimitExceeded(f"`~` would build a text longer than {MAX_SIZE:,} characters "
                            f"(limit MAX_SIZE)")
    return texts


def _check_width(number: str, what: str) -> int:
    if len(number) > 9 or int(number) > MAX_FORMAT_WIDTH:
        raise LimitExceeded(f"{what} with a width or precision of {number} (more than "
                            f"{MAX_FORMAT_WIDTH:,}; limit MAX_FORMAT_WIDTH)")
    return int(number)


def check_percent_format(fmt: str) -> None:
    """Refuse a `%` format string with a `*` width or precision, a width or precision
    beyond `MAX_FORMAT_WIDTH`, or widths adding up to more than `MAX_SIZE`."""
    total = 0
    for match in _PERCENT_SPEC.finditer(fmt):
        width, precision = match[1], match[2]
        if "*" in (width, precision):
            raise LimitExceeded("`%` formatting with a `*` width or precision (the width "
                                "must be written out; limit MAX_FORMAT_WIDTH)")
        total += sum(_check_width(n, "`%` formatting") for n in (width, precision) if n)
    if total > MAX_SIZE:
        raise _too_large("`%` formatting")


def check_brace_format(fmt: str) -> None:
    """Refuse a `str.format` string with a field inside a format spec (`{:{w}}`), a width
    or precision beyond `MAX_FORMAT_WIDTH`, or widths adding up to more than `MAX_SIZE`."""
    total = 0
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise RuleEvalError(f"bad format string: {exc}") from None
    for _, _, spec, _ in fields:
        if spec and "{" in spec:
            raise LimitExceeded("`format` with a field inside a format spec, like `{:{}}` "
                                "(the width must be written out; limit MAX_FORMAT_WIDTH)")
        total += sum(_check_width(n, "`format`") for n in _NUMBER.findall(spec or ""))
    if total > MAX_SIZE:
        raise _too_large("`format`")


def safe_mul(left: Any, right: Any) -> Any:
    """`left * right`, refused when it would pass `MAX_SIZE` or `MAX_INT_BITS`."""
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(count, int):
            if size_of(seq) * max(count, 0) > MAX_SIZE:
                raise _too_large("`*`")
    if isinstance(left, int) and isinstance(right, int) and (
        left.bit_length() + right.bit_length() > MAX_INT_BITS
    ):
        raise LimitExceeded(f"`*` would build a number of more than {MAX_INT_BITS:,} bits "
                            f"(limit MAX_INT_BITS)")
    return left * right


def safe_pow(left: Any, right: Any) -> Any:
    """`left ** right`, refused for an exponent above `MAX_EXPONENT` or a result past
    `MAX_INT_BITS`."""
    if isinstance(right, int) and isinstance(left, int | float | Decimal) and (
        abs(right) > MAX_EXPONENT
    ):
        raise LimitExceeded(f"`**` with the exponent {_number(right)} (more than {MAX_EXPONENT:,}; "
                            f"limit MAX_EXPONENT)")
    if isinstance(right, int) and isinstance(left, int) and (
        max(left.bit_length() - 1, 0) * right > MAX_INT_BITS
    ):
        raise LimitExceeded(f"`**` would build a number of more than {MAX_INT_BITS:,} bits "
                            f"(limit MAX_INT_BITS)")
    return left**right


def safe_add(left: Any, right: Any) -> Any:
    """`left + right`, refused when two texts or lists would pass `MAX_SIZE` together."""
    if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
        if size_of(left) + size_of(right) > MAX_SIZE:
            raise _too_large("`+`")
    return left + right


def safe_mod(left: Any, right: Any) -> Any:
    """`left % right`; for a format string, its widths are checked first."""
    if isinstance(left, str):
        check_percent_format(left)
        return check_size(left % right, "`%`")
    return left % right


#: The binary operators a sandbox's `call_binop` guards, by symbol.
GUARDED_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": safe_mul, "**": safe_pow, "+": safe_add, "%": safe_mod,
}


# -- filters ------------------------------------------------------------------------------

def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str,
         default: Any) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _bounded(items: Iterable[Any], what: str) -> Iterator[Any]:
    """`items`, lazily, stopped once what they hold passes `MAX_SIZE`."""
    total = 0
    for item in items:
        total += 1 + size_of(item)
        if total > MAX_SIZE:
            raise _too_large(what)
        yield item


Args = tuple[Any, ...]
Kwargs = dict[str, Any]


def _join(value: Any, args: Args, kwargs: Kwargs) -> Any:
    items = value if isinstance(value, str) else list(_bounded(value, "`|join`"))
    sep = str(_arg(args, kwargs, 0, "d", ""))
    if len(sep) * max(len(items) - 1, 0) + size_of(items) > MAX_SIZE:
        raise _too_large("`|join`")
    return items


def _replace(value: Any, args: Args, kwargs: Kwargs) -> Any:
    text, old = str(value), str(_arg(args, kwargs, 0, "old", ""))
    new = str(_arg(args, kwargs, 1, "new", ""))
    hits = text.count(old) if old else len(text) + 1
    if len(text) + hits * max(len(new) - len(old), 0) > MAX_SIZE:
        raise _too_large("`|replace`")
    return value


def _indent(value: Any, args: Args, kwargs: Kwargs) -> Any:
    width = _arg(args, kwargs, 0, "width", 4)
    prefix = width if isinstance(width, int) else len(str(width))
    if (str(value).count("\n") + 1) * prefix + len(str(value)) > MAX_SIZE:
        raise _too_large("`|indent`")
    return value


def _wordwrap(value: Any, args: Args, kwargs: Kwargs) -> Any:
    width = _arg(args, kwargs, 0, "width", 79)
    wrap = _arg(args, kwargs, 2, "wrapstring", None) or "\n"
    lines = len(str(value)) // max(width if isinstance(width, int) else 1, 1) + 1
    if lines * len(str(wrap)) + len(str(value)) > MAX_SIZE:
        raise _too_large("`|wordwrap`")
    return value


def _format(value: Any, args: Args, kwargs: Kwargs) -> Any:
    check_percent_format(str(value))
    return value


def _tojson(value: Any, args: Args, kwargs: Kwargs) -> Any:
    indent = _arg(args, kwargs, 0, "indent", None)
    if indent is not None and (not isinstance(indent, int) or indent > 16):
        raise LimitExceeded(f"`|tojson` with an indent of {indent!r} (at most 16)")
    return value


def _sum(value: Any, args: Args, kwargs: Kwargs) -> Any:
    start = _arg(args, kwargs, 1, "start", 0)
    if not isinstance(start, int | float | Decimal):
        raise LimitExceeded(f"`|sum` may only add numbers (start={start!r})")
    return value


#: Checks of the filters whose output can be much larger than their input.
_CHECKS: dict[str, Callable[[Any, Args, Kwargs], Any]] = {
    "join": _join, "replace": _replace, "indent": _indent, "wordwrap": _wordwrap,
    "format": _format, "tojson": _tojson, "sum": _sum,
}


#: Filters whose numbers size what they build (a width, a count of rows or columns): a
#: number past `MAX_SIZE` is refused before they run. Other filters take any number
#: (`'%s CNY' | format(deal.amount)`, `default(1000000)`).
_SIZING = frozenset({"batch", "center", "indent", "slice", "tojson", "truncate", "urlize",
                     "wordwrap"})


def _prepare(name: str, value: Any, args: Args, kwargs: Kwargs) -> Any:
    """Check a filter call before it runs; returns the value to pass on (a bounded list
    where the filter would otherwise consume an unbounded iterable)."""
    for arg in (*args, *kwargs.values()) if name in _SIZING else ():
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_SIZE:
            raise LimitExceeded(f"`|{name}` with the number {_number(arg)} (more than "
                                f"{MAX_SIZE:,}; limit MAX_SIZE)")
    check = _CHECKS.get(name)
    if check is None or isinstance(value, Undefined):
        return value
    return check(value, args, kwargs)


def guard_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """The Jinja filter `fn` with its arguments checked before it runs and its result
    checked (or, when lazy, bounded) against `MAX_SIZE`."""
    pass_arg = getattr(fn, "jinja_pass_arg", None)
    skip = 0 if pass_arg is None else 1
    what = f"`|{name}`"

    def guarded(*args: Any, **kwargs: Any) -> Any:
        charge()
        if len(args) > skip:
            value = _prepare(name, args[skip], args[skip + 1:], kwargs)
            args = (*args[:skip], value, *args[skip + 1:])
        result = fn(*args, **kwargs)
        if isinstance(result, Iterator):
            return _bounded(result, what)
        if isinstance(result, str | list | tuple | dict | set):
            check_size(result, what)
        return result

    if pass_arg is not None:
        guarded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    guarded.__name__ = getattr(fn, "__name__", name)
    guarded.__doc__ = fn.__doc__
    return guarded


def guard_test(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The Jinja test `fn`, charging one step, plus the items of a list, tuple or set it
    is given to compare against (`select('in', long_list)` compares each item with all)."""

    pass_arg = getattr(fn, "jinja_pass_arg", None)
    skip = 0 if pass_arg is None else 1

    def guarded(*args: Any, **kwargs: Any) -> Any:
        charge(1 + sum(len(arg) for arg in (*args[skip:], *kwargs.values())
                       if isinstance(arg, list | tuple | set | frozenset | dict)))
        return fn(*args, **kwargs)

    if pass_arg is not None:
        guarded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    guarded.__name__ = getattr(fn, "__name__", "test")
    guarded.__doc__ = fn.__doc__
    return guarded
