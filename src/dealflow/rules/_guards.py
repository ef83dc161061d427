"""The guards that apply the cost model (`_cost`) to operators and formats
(`_filters` applies it to filters and tests).

Rules, item texts and checklist layouts run in a sandbox that refuses Python internals;
these guards charge every operation for its work and refuse, before building it, any
value past the size limits (`'a' * 10**9`, `10**10**10`, `'%999999999s' % 1`,
`~` of a long list). Arithmetic on decimals runs in the bounded
context `DECIMALS`. Each refusal is a `LimitExceeded` naming the limit.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from dealflow._messages import _
from dealflow.errors import LimitExceeded, RuleEvalError
from dealflow.rules._cost import (
    MAX_INT_BITS,
    MAX_RULE_STEPS,
    MAX_SIZE,
    MAX_TEMPLATE_STEPS,
    charge,
    charge_work,
    decimal_arithmetic,
    number_text,
    size_of,
    work_of,
)

__all__ = [
    "ARITHMETIC",
    "MAX_EXPONENT",
    "MAX_FORMAT_WIDTH",
    "MAX_INT_BITS",
    "MAX_RULE_STEPS",
    "MAX_SIZE",
    "MAX_TEMPLATE_STEPS",
    "check_brace_format",
    "check_concat",
    "check_size",
    "format_args",
    "int_bits",
    "percent_specs",
    "size_of",
    "too_large",
]

MAX_EXPONENT = 1_000
"""The largest exponent of `**` (whatever the base: also for decimals)."""
MAX_FORMAT_WIDTH = 1_000
"""The largest width or precision in a `%`, `|format` or `str.format` format string, and
the largest number of digits `round` may round to (or, negative, away)."""


def too_large(what: str) -> LimitExceeded:
    return LimitExceeded(_("{what} would build a value larger than {limit} characters or "
                           "items (limit MAX_SIZE)", what=what, limit=f"{MAX_SIZE:,}"))


def check_size(value: Any, what: str) -> Any:
    """`value` when its `size_of` is within `MAX_SIZE`; else `LimitExceeded` naming `what`."""
    if size_of(value) > MAX_SIZE:
        raise too_large(what)
    return value


def _text(value: Any, what: str) -> str:
    """`str(value)`, once the value's size says the text stays near `MAX_SIZE`."""
    if isinstance(value, str):
        return value
    check_size(value, what)
    return str(value)


def check_concat(parts: Iterable[Any]) -> list[str]:
    """The parts of `a ~ b ~ ...` as texts when their joined length is within `MAX_SIZE`;
    else `LimitExceeded` (each part is sized before it is turned into text, and the texts
    are never joined)."""
    texts = [_text(part, "`~`") for part in parts]
    total = sum(map(len, texts))
    charge_work(*texts)
    if total > MAX_SIZE:
        raise LimitExceeded(_("`~` would build a text longer than {limit} characters "
                              "(limit MAX_SIZE)", limit=f"{MAX_SIZE:,}"))
    return texts


# -- formats --------------------------------------------------------------------------

def _check_width(number: str, what: str) -> int:
    if len(number) > 9 or int(number) > MAX_FORMAT_WIDTH:
        raise LimitExceeded(_("{what} with a width or precision of {number} (more than "
                              "{limit}; limit MAX_FORMAT_WIDTH)", what=what, number=number,
                              limit=f"{MAX_FORMAT_WIDTH:,}"))
    return int(number)


def _skip_key(fmt: str, at: int) -> int:
    """The index after a `%(key)` whose `(` is at `at`; parentheses nest, as in Python."""
    depth, at = 1, at + 1
    while at < len(fmt) and depth:
        depth += {"(": 1, ")": -1}.get(fmt[at], 0)
        at += 1
    return at


def _digits_at(fmt: str, at: int) -> tuple[str, int]:
    start = at
    while at < len(fmt) and fmt[at].isdigit():
        at += 1
    return fmt[start:at], at


def percent_specs(fmt: str, what: str = "`%` formatting") -> tuple[list[str | None], int]:
    """The conversions of a `%` format string (the key each names, or None) and its widths
    and precisions added up, read as Python reads them (a `%(key)` may hold nested
    parentheses); a `*` width or one past `MAX_FORMAT_WIDTH` raises `LimitExceeded`."""
    keys: list[str | None] = []
    total = 0
    at = fmt.find("%")
    while at >= 0:
        at += 1
        key = None
        if fmt.startswith("(", at):
            end = _skip_key(fmt, at)
            key, at = fmt[at + 1:end - 1], end
        while at < len(fmt) and fmt[at] in "-+ #0":
            at += 1
        for part in ("width", "precision"):
            if part == "precision":
                if not fmt.startswith(".", at):
                    break
                at += 1
            if fmt.startswith("*", at):
                raise LimitExceeded(_("{what} with a `*` width or precision (the width must "
                                      "be written out; limit MAX_FORMAT_WIDTH)", what=what))
            number, at = _digits_at(fmt, at)
            total += _check_width(number, what) if number else 0
        while at < len(fmt) and fmt[at] in "hlL":
            at += 1
        keys.append(key)
        at = fmt.find("%", at + 1)
    return keys, total


def format_args(fmt: str, args: Any, what: str) -> Any:
    """The arguments of `fmt % args`, refused when the output could pass `MAX_SIZE`: the
    format's own text, its widths, and each value as often as a field names it. For named
    fields, the values named are looked up first (and returned as a dict)."""
    keys, widths = percent_specs(fmt, what)
    named = [key for key in keys if key is not None]
    if named and not isinstance(args, tuple):
        values = {key: args[key] for key in dict.fromkeys(named)}
        sizes = {key: size_of(value) for key, value in values.items()}
        needed = sum(sizes[key] for key in named)
        args = values
    else:
        needed = size_of(args)
    if len(fmt) + widths + needed > MAX_SIZE:
        raise too_large(what)
    charge_work(fmt)
    return args


def percent_format(fmt: str, args: Any, what: str = "`%`") -> str:
    """`fmt % args`, its widths and its output size checked first."""
    return str(fmt % format_args(fmt, args, what))


def check_brace_format(fmt: str, args: tuple[Any, ...] = (),
                       kwargs: Mapping[str, Any] | None = None) -> None:
    """Refuse a `str.format` string with a field inside a format spec (`{:{w}}`), a width
    or precision beyond `MAX_FORMAT_WIDTH`, or an output that could pass `MAX_SIZE`
    (every field may name the largest argument)."""
    total = fields = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise RuleEvalError(_("bad format string: {error}", error=exc)) from None
    for _literal, name, spec, _conversion in parsed:
        if spec and "{" in spec:
            raise LimitExceeded(_("`format` with a field inside a format spec, like `{:{}}` "
                                  "(the width must be written out; limit MAX_FORMAT_WIDTH)"))
        fields += name is not None
        digits = "".join(ch if ch.isdigit() else " " for ch in spec or "").split()
        total += sum(_check_width(n, "`format`") for n in digits)
    largest = max((size_of(arg) for arg in (*args, *(kwargs or {}).values())), default=0)
    if len(fmt) + total + fields * largest > MAX_SIZE:
        raise too_large("`format`")
    charge_work(fmt, *args)


# -- arithmetic -----------------------------------------------------------------------------

def _decimal(fn: Callable[[Any, Any], Any], symbol: str, left: Any, right: Any) -> Any:
    if type(left) is Decimal or type(right) is Decimal:
        return decimal_arithmetic(fn, symbol, left, right)
    return fn(left, right)


def _built(value: Any) -> Any:
    """A value an operator built, charged for its size (a text, a list, a number)."""
    charge(work_of(value))
    return value


def int_bits(symbol: str) -> LimitExceeded:
    return LimitExceeded(_("`{symbol}` would build a number of more than {bits} bits "
                           "(limit MAX_INT_BITS)", symbol=symbol, bits=f"{MAX_INT_BITS:,}"))


def _mul(left: Any, right: Any) -> Any:
    """`left * right`, refused when it would pass `MAX_SIZE` or `MAX_INT_BITS`."""
    charge_work(left, right)
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(count, int):
            if size_of(seq) * max(count, 0) > MAX_SIZE:
                raise too_large("`*`")
    if isinstance(left, int) and isinstance(right, int) and (
        left.bit_length() + right.bit_length() > MAX_INT_BITS
    ):
        raise int_bits("*")
    return _built(_decimal(operator.mul, "*", left, right))


def _pow(left: Any, right: Any) -> Any:
    """`left ** right`, refused for an exponent above `MAX_EXPONENT` or a result past
    `MAX_INT_BITS`."""
    charge_work(left, right)
    if isinstance(right, int) and isinstance(left, int | float | Decimal) and (
        abs(right) > MAX_EXPONENT
    ):
        raise LimitExceeded(_("`**` with the exponent {number} (more than {limit}; limit "
                              "MAX_EXPONENT)", number=number_text(right),
                              limit=f"{MAX_EXPONENT:,}"))
    if isinstance(right, int) and isinstance(left, int) and (
        max(left.bit_length() - 1, 0) * right > MAX_INT_BITS
    ):
        raise int_bits("**")
    return _built(_decimal(operator.pow, "**", left, right))


def _add(left: Any, right: Any) -> Any:
    """`left + right`, refused when two texts or lists would pass `MAX_SIZE` together."""
    charge_work(left, right)
    if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
        if size_of(left) + size_of(right) > MAX_SIZE:
            raise too_large("`+`")
    return _built(_decimal(operator.add, "+", left, right))


def _mod(left: Any, right: Any) -> Any:
    """`left % right`; for a format string, its widths and output size are checked first."""
    if isinstance(left, str):
        return check_size(percent_format(left, right), "`%`")
    charge_work(left, right)
    return _decimal(operator.mod, "%", left, right)


def _plain(fn: Callable[[Any, Any], Any], symbol: str) -> Callable[[Any, Any], Any]:
    def arithmetic(left: Any, right: Any) -> Any:
        charge_work(left, right)
        return _decimal(fn, symbol, left, right)

    arithmetic.__name__ = fn.__name__
    return arithmetic


#: Every binary operator of rules and layouts, by symbol, through the guards.
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "*": _mul, "**": _pow, "+": _add, "%": _mod, "-": _plain(operator.sub, "-"),
    "/": _plain(operator.truediv, "/"), "//": _plain(operator.floordiv, "//"),
}
