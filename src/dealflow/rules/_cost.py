"""The cost model of rules, item texts and layouts: what a value and a piece of work cost.

Playbooks, item texts and layouts are written by many hands, so everything they do is
paid for, under one budget per evaluation (a rule evaluated, an item text rendered, a
layout rendered, or the constant parts of a rule, text or layout worked out when it is
loaded):

- **Every value is charged for its size** (`size_of`): a text by its characters, a list,
  tuple, set or mapping by its items plus what they hold, a whole number by its decimal
  digits, a decimal by its digits plus its exponent, a record (dealflow's own data) by
  its fields, anything else as `OPAQUE_SIZE` characters (about what Python prints for
  it). No value may be larger than `MAX_SIZE`, no whole number longer than
  `MAX_INT_BITS`, no decimal beyond 10 ** `MAX_DECIMAL_EXPONENT`.
- **Every operation is charged for its work, in steps** (`charge`, `charge_work`): one
  for the operation itself (a filter, test, call, comparison, slice, `~`, format, ...;
  in a layout, one per template node each time the body holding it runs), plus one per
  `STEP_CHARS` characters or digits, and one per item, that it reads or builds. The
  budget is `max_rule_steps` for a rule, an item text or the constant parts of either,
  and `max_template_steps` for a layout (both `Limits` fields, so `DEALFLOW_LIMITS` and
  `--limits` change them).
- **Decimal arithmetic** runs in `DECIMALS`, a context of bounded precision and exponent.

Passing any of these raises `LimitExceeded`, naming the limit; every guard counts before
it builds, so nothing large is built first.
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from dealflow._messages import _
from dealflow.errors import LimitExceeded
from dealflow.limits import current_limits, limit_hint

__all__ = [
    "DECIMALS",
    "OPEN_STEPS",
    "MAX_DECIMAL_EXPONENT",
    "MAX_INT_BITS",
    "MAX_RULE_STEPS",
    "MAX_SIZE",
    "MAX_TEMPLATE_STEPS",
    "OPAQUE_SIZE",
    "STEP_CHARS",
    "Steps",
    "charge",
    "charge_work",
    "decimal_arithmetic",
    "number_text",
    "open_steps",
    "size_of",
    "steps_left",
    "stop_steps",
    "work_of",
]

MAX_SIZE = 100_000
"""The largest value a rule or template may build, in characters (see `size_of`): a text
of 100,000 characters, a list of 10 texts of 100 characters counts 1,010."""
MAX_INT_BITS = 14_000
"""The longest whole number a rule or template may build, in bits (about 4,200 digits):
every number built can be printed (Python prints at most 4,300 digits)."""
MAX_DECIMAL_EXPONENT = 4_000
"""The largest (and, negated, the smallest) exponent of a decimal that arithmetic may
build: `DECIMALS` has `Emax` 4,000 and `Emin` -4,000."""
DECIMAL_PRECISION = 28
"""The significant digits of decimal arithmetic in rules and templates (Python's own)."""
STEP_CHARS = 100
"""An operation costs one step more per this many characters or digits it reads or builds."""
OPAQUE_SIZE = 64
"""The size of a value that is neither text, number, collection nor record (a helper, a
date, `None`): about as many characters as Python prints for it."""
MAX_RULE_STEPS = 100_000
"""The default budget of one rule evaluation, one item text rendering, or the constant
parts of one rule or item text worked out at load time (`Limits.max_rule_steps`)."""
MAX_TEMPLATE_STEPS = 100_000
"""The default budget of one layout render, or of its constant parts worked out when it
is compiled (`Limits.max_template_steps`)."""

DECIMALS = decimal.Context(
    prec=DECIMAL_PRECISION, Emax=MAX_DECIMAL_EXPONENT, Emin=-MAX_DECIMAL_EXPONENT,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
"""The decimal context of all arithmetic in rules, item texts and layouts."""


# -- the budget of steps ----------------------------------------------------------------

_KINDS = {
    "rule": ("MAX_RULE_STEPS", "max_rule_steps"),
    "template": ("MAX_TEMPLATE_STEPS", "max_template_steps"),
}


class Steps:
    """An open budget: how many steps are left, of how many, for what kind of evaluation."""

    __slots__ = ("kind", "left", "limit")

    def __init__(self, limit: int, kind: str) -> None:
        self.left, self.limit, self.kind = limit, limit, kind

    def exceeded(self) -> LimitExceeded:
        """The error for a budget that is spent."""
        constant, field = _KINDS[self.kind]
        return LimitExceeded(_(
            "takes more than {steps} steps of work (operations, and the characters, digits "
            "and items they read or build; limit {constant}, {hint})", steps=f"{self.limit:,}",
            constant=constant, hint=limit_hint(field)[1:-1]))


_STEPS: contextvars.ContextVar[Steps | None] = contextvars.ContextVar(
    "dealflow_steps", default=None)
OPEN_STEPS = _STEPS
"""The budget open in this context (None when none is): hot paths look before charging."""


def open_steps(kind: str) -> contextvars.Token[Steps | None] | None:
    """Open the budget of one evaluation of `kind` (`rule` or `template`), of the size the
    limits in force give it; returns the token for `stop_steps`. When a budget is already
    open it goes on counting (None is returned): the outermost evaluation pays for all the
    work done inside it, rules that a helper evaluates included."""
    if _STEPS.get() is not None:
        return None
    limits = current_limits()
    limit = limits.max_rule_steps if kind == "rule" else limits.max_template_steps
    return _STEPS.set(Steps(limit, kind))


def stop_steps(token: contextvars.Token[Steps | None] | None) -> None:
    """Close the budget `open_steps` opened (nothing when it opened none)."""
    if token is not None:
        _STEPS.reset(token)


def steps_left() -> int | None:
    """The steps left in the open budget; None when none is open."""
    budget = _STEPS.get()
    return None if budget is None else budget.left


def charge(steps: int = 1) -> None:
    """Count `steps` against the open budget (if any); `LimitExceeded` once it is spent."""
    budget = _STEPS.get()
    if budget is None:
        return
    budget.left -= steps
    if budget.left < 0:
        raise budget.exceeded()


def work_of(value: Any) -> int:
    """The steps it takes to read `value` once, beyond the operation's own step: one per
    `STEP_CHARS` characters or digits, one per item of a collection."""
    kind = type(value)
    if kind is str or isinstance(value, str | bytes):
        return len(value) // STEP_CHARS
    if isinstance(value, list | tuple | dict | set | frozenset):
        return len(value)
    if kind is int:
        return int(value.bit_length()) // (STEP_CHARS * 10 // 3)
    if kind is Decimal:
        return _decimal_size(value) // STEP_CHARS
    return 0


def charge_work(*values: Any) -> None:
    """Charge one operation on `values`: one step plus the work of reading each."""
    budget = _STEPS.get()
    if budget is None:
        return
    budget.left -= 1 + sum(map(work_of, values))
    if budget.left < 0:
        raise budget.exceeded()


# -- the size of a value ------------------------------------------------------------------

def _digits(value: int) -> int:
    """The decimal digits of `value`, from its bit length (never more than one off)."""
    return (value.bit_length() * 1233 >> 12) + 1


def _decimal_size(value: Decimal) -> int:
    if not value.is_finite():
        return 3
    sign, digits, exponent = value.as_tuple()
    return len(digits) + abs(int(exponent))


_Fields = tuple[tuple[str, ...], int, bool, bool]
"""A record type's field names, the characters its names add when printed, whether its
values are all in its `__dict__` (pydantic models), and whether it is frozen."""
_FIELDS: dict[type, _Fields | None] = {}


def _fields(kind: type) -> _Fields | None:
    """How to size a record type (a pydantic model or a dataclass); None for other types."""
    if kind in _FIELDS:
        return _FIELDS[kind]
    model_fields = getattr(kind, "__pydantic_fields__", None)
    names: tuple[str, ...] = ()
    if isinstance(model_fields, dict):
        names = tuple(model_fields)
    elif dataclasses.is_dataclass(kind):
        names = tuple(item.name for item in dataclasses.fields(kind))
    frozen = bool(getattr(kind, "model_config", {}).get("frozen")) or bool(
        getattr(getattr(kind, "__dataclass_params__", None), "frozen", False))
    found = (names, sum(len(name) + 3 for name in names), isinstance(model_fields, dict),
             frozen) if names else None
    _FIELDS[kind] = found
    return found


_RECORDS: dict[int, tuple[Any, int]] = {}
"""The sizes of frozen records already measured, by id (the record is kept, so its id
stays its own): a deal's stakeholders are measured once, not by every filter."""


def _record(item: Any, record: _Fields) -> int:
    """The size of a frozen record: measured once, then remembered."""
    known = _RECORDS.get(id(item))
    if known is not None and known[0] is item:
        return known[1]
    values = list(vars(item).values()) if record[2] else [
        getattr(item, name, None) for name in record[0]]
    size = record[1] + size_of(values) - len(values)  # its fields, not a list of them
    if len(_RECORDS) >= 4096:
        _RECORDS.clear()
    _RECORDS[id(item)] = (item, size)
    return size


_SCALAR_SIZE: dict[type, int] = {bool: 1, type(None): 1, float: 24, dt.date: 10,
                                 dt.datetime: 32}


def _scalar(item: Any, stack: list[Any]) -> int:
    """The size of an item that is not text or a collection (records push their fields)."""
    kind = type(item)
    if kind is int or (isinstance(item, int) and kind is not bool):
        return _digits(item)
    if kind is Decimal:
        return _decimal_size(item)
    known = _SCALAR_SIZE.get(kind)
    if known is not None:
        return known
    record = _fields(kind)
    if record is None:
        return OPAQUE_SIZE
    names, printed, plain, frozen = record
    if frozen:
        return _record(item, record)
    if plain:
        stack.extend(vars(item).values())
    else:
        stack.extend(getattr(item, name, None) for name in names)
    return printed


def size_of(value: Any, limit: int = MAX_SIZE) -> int:
    """The size of `value` as the limits count it (see the module's docstring). Counting
    stops once it passes `limit`, or once it has looked at more items than the open
    budget has steps left; the items looked at and the characters counted are charged to
    the open budget of steps."""
    budget = _STEPS.get()
    left = MAX_SIZE if budget is None else max(budget.left, 0)
    total, stack, looked = 0, [value], 0
    while stack and total <= limit and looked <= left:  # no more than the budget pays
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
        else:
            total += _scalar(item, stack)
    charge(looked + total // STEP_CHARS)
    return total


def number_text(value: int) -> str:
    """`value` for a message: written out, or its size when it is long."""
    if value.bit_length() <= 64:
        return str(value)
    return _("a number of {bits} bits", bits=f"{value.bit_length():,}")


# -- decimal arithmetic ---------------------------------------------------------------------

def decimal_arithmetic(fn: Callable[[Any, Any], Any], symbol: str, left: Any,
                       right: Any) -> Any:
    """`fn(left, right)` in the bounded context `DECIMALS`, for an operation on decimals;
    a result beyond 10 ** `MAX_DECIMAL_EXPONENT` raises `LimitExceeded`."""
    with decimal.localcontext(DECIMALS):
        try:
            return fn(left, right)
        except decimal.Overflow:
            raise LimitExceeded(_(
                "`{symbol}` would build a decimal of more than {digits} digits (limit "
                "MAX_DECIMAL_EXPONENT)", symbol=symbol,
                digits=f"{MAX_DECIMAL_EXPONENT:,}")) from None
