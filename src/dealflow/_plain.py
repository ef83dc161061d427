"""Pydantic's validation errors in plain words, with the path of the field.

No pydantic text reaches a user: no "Input should be", no links to pydantic's docs, no
Python type names; the checks of `dealflow.values` speak for themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from dealflow._safe_text import visible

__all__ = ["describe", "plain_errors", "plain_message"]

#: What pydantic's type errors expect, in words rather than Python's types.
_EXPECTED = {
    "tuple_type": "a list",
    "list_type": "a list",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "dict_type": "a mapping of keys to values",
    "typed_dict_type": "a mapping of keys to values",
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date like 2026-03-31",
    "date_parsing": "a date like 2026-03-31",
    "date_from_datetime_parsing": "a date like 2026-03-31",
    "date_from_datetime_inexact": "a date like 2026-03-31 (without a time)",
    "datetime_type": "a time like 2026-03-31T09:00:00Z",
    "datetime_parsing": "a time like 2026-03-31T09:00:00Z",
    "datetime_from_date_parsing": "a time like 2026-03-31T09:00:00Z",
}


def describe(value: Any) -> str:
    """What a value is, for messages: `a list`, `the text 'maybe'`, `a date`."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"the text {visible(value if len(value) <= 40 else value[:37] + '...')!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    names = {dict: "a mapping", list: "a list", dt.date: "a date",
             dt.datetime: "a date and time"}
    return names.get(type(value), type(value).__name__)


_BOUNDS = {"greater_than_equal": "at least", "greater_than": "more than",
           "less_than_equal": "at most", "less_than": "less than"}


def _tag(error: Any, context: dict[str, Any]) -> str:
    return f"{visible(str(context.get('tag')))!r} is not one of {context.get('expected_tags')}"


def _too_short(error: Any, context: dict[str, Any]) -> str:
    least = context.get("min_length", 1)
    if least == 1 and (error["type"] == "string_too_short" or error.get("input") == ""):
        return "empty"
    return f"needs at least {least} {'entry' if least == 1 else 'entries'}"


def _bound(error: Any, context: dict[str, Any]) -> str:
    limit = next(iter(context.values()), "")
    return (f"{describe(error.get('input'))} is out of range: it must be "
            f"{_BOUNDS[error['type']]} {limit}")


def _literal(error: Any, context: dict[str, Any]) -> str:
    return f"{error.get('input')!r} is not allowed; expected {context.get('expected', '')}"


_WORDING: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "union_tag_invalid": _tag,
    "union_tag_not_found": lambda e, c: f"no {c.get('discriminator', 'type')} key",
    "missing": lambda e, c: "missing: this field is required",
    "extra_forbidden": lambda e, c: "unknown field",
    "too_short": _too_short,
    "string_too_short": _too_short,
    "string_too_long": lambda e, c: f"longer than {c.get('max_length')} characters",
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
        return f"expected {_EXPECTED[kind]}, not {describe(error.get('input'))}"
    if kind in _WORDING:
        return _WORDING[kind](error, context)
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should be "):  # a kind not worded above
        return f"expected {message.removeprefix('Input should be ')}, not " \
               f"{describe(error.get('input'))}"
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
