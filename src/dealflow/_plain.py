"""Pydantic's validation errors in plain words, with the path of the field.

No pydantic text reaches a user: no "Input should be", no links to pydantic's docs, no
Python type names; the checks of `dealflow.values` speak for themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from dealflow._messages import N_, _
from dealflow._safe_text import visible

__all__ = ["describe", "plain_errors", "plain_message"]

#: What pydantic's type errors expect, in words rather than Python's types.
_EXPECTED = {
    "tuple_type": N_("a list"),
    "list_type": N_("a list"),
    "model_type": N_("a mapping of keys to values"),
    "model_attributes_type": N_("a mapping of keys to values"),
    "dict_type": N_("a mapping of keys to values"),
    "typed_dict_type": N_("a mapping of keys to values"),
    "string_type": N_("a string"),
    "int_type": N_("a whole number"),
    "int_parsing": N_("a whole number"),
    "int_from_float": N_("a whole number"),
    "float_type": N_("a number"),
    "float_parsing": N_("a number"),
    "decimal_type": N_("a number"),
    "decimal_parsing": N_("a number"),
    "bool_type": N_("true or false"),
    "bool_parsing": N_("true or false"),
    "date_type": N_("a date like 2026-03-31"),
    "date_parsing": N_("a date like 2026-03-31"),
    "date_from_datetime_parsing": N_("a date like 2026-03-31"),
    "date_from_datetime_inexact": N_("a date like 2026-03-31 (without a time)"),
    "datetime_type": N_("a time like 2026-03-31T09:00:00Z"),
    "datetime_parsing": N_("a time like 2026-03-31T09:00:00Z"),
    "datetime_from_date_parsing": N_("a time like 2026-03-31T09:00:00Z"),
}


def describe(value: Any) -> str:
    """What a value is, for messages: `a list`, `the text 'maybe'`, `a date`."""
    if value is None:
        return _("nothing (an empty value)")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        shown = repr(visible(value if len(value) <= 40 else value[:37] + "..."))
        return _("the text {text}", text=shown)
    if isinstance(value, int | float):
        return _("the number {number}", number=repr(value))
    names = {dict: N_("a mapping"), list: N_("a list"), dt.date: N_("a date"),
             dt.datetime: N_("a date and time")}
    name = names.get(type(value))
    return _(name) if name is not None else type(value).__name__


_BOUNDS = {
    "greater_than_equal": N_("{value} is out of range: it must be at least {limit}"),
    "greater_than": N_("{value} is out of range: it must be more than {limit}"),
    "less_than_equal": N_("{value} is out of range: it must be at most {limit}"),
    "less_than": N_("{value} is out of range: it must be less than {limit}"),
}


def _tag(error: Any, context: dict[str, Any]) -> str:
    return _("{tag} is not one of {expected}", tag=repr(visible(str(context.get("tag")))),
             expected=_alternatives(str(context.get("expected_tags"))))


def _alternatives(expected: str) -> str:
    """pydantic's list of what it expected (`'a', 'b' or 'c'`), its `or` in the current
    locale."""
    return expected.replace(" or ", _(" or "))


def _too_short(error: Any, context: dict[str, Any]) -> str:
    least = context.get("min_length", 1)
    if least == 1 and (error["type"] == "string_too_short" or error.get("input") == ""):
        return _("empty")
    if least == 1:
        return _("needs at least 1 entry")
    return _("needs at least {count} entries", count=least)


def _bound(error: Any, context: dict[str, Any]) -> str:
    limit = next(iter(context.values()), "")
    return _(_BOUNDS[error["type"]], value=describe(error.get("input")), limit=limit)


def _literal(error: Any, context: dict[str, Any]) -> str:
    return _("{value} is not allowed; expected {expected}", value=repr(error.get("input")),
             expected=_alternatives(str(context.get("expected", ""))))


_WORDING: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "union_tag_invalid": _tag,
    "union_tag_not_found": lambda e, c: _("no {key} key", key=c.get("discriminator", "type")),
    "missing": lambda e, c: _("missing: this field is required"),
    "extra_forbidden": lambda e, c: _("unknown field"),
    "too_short": _too_short,
    "string_too_short": _too_short,
    "string_too_long": lambda e, c: _("longer than {count} characters",
                                       count=c.get("max_length")),
    **{kind: _bound for kind in _BOUNDS},
    "literal_error": _literal,
    "enum": _literal,
}


def plain_message(error: Any) -> str:
    """One of pydantic's errors (a dict of `ValidationError.errors()`) in plain words,
    without pydantic's own phrasing, links or the Python type of the input."""
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in _EXPECTED:
        return _("expected {what}, not {value}", what=_(_EXPECTED[kind]),
                 value=describe(error.get("input")))
    if kind in _WORDING:
        return _WORDING[kind](error, context)
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should be "):  # a kind not worded above
        return _("expected {what}, not {value}", what=message.removeprefix("Input should be "),
                 value=describe(error.get("input")))
    return message


def plain_errors(exc: ValidationError, tag: str | None = None) -> list[str]:
    """Every error of `exc` as `field.path: what is wrong` (no pydantic text, no links).

    `tag` is the value of the discriminator of a tagged union (an event's `type`), which
    pydantic puts first in each path: it is left out.
    """
    found = []
    for error in exc.errors(include_url=False):
        loc = error["loc"][1:] if tag is not None and error["loc"][:1] == (tag,) else error["loc"]
        path = ".".join(str(part) for part in loc)
        message = plain_message(error)
        found.append(f"{path}: {message}" if path else message)
    return found
