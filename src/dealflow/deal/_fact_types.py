"""The richer fact types: enums by label, money and lists (of texts or of records).

Each parser takes what people and files give (`150000 EUR`, a JSON list, an enum's label in
any locale of the playbook) and returns the value as stored: an enum's id, money as its
text `150000 EUR`, a list as a tuple of texts or of records (dicts of the declared fields).
`ValueError` says what would be valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dealflow._messages import _
from dealflow._money import money_text
from dealflow.playbook import Fact
from dealflow.values import FactValue, check_note, fact_value

__all__ = ["enum_label", "fact_text", "parse_enum", "parse_list", "parse_money_fact"]


def _labels(fact: Fact, value: str) -> list[str]:
    """The values whose label, in some locale, is `value` (ignoring case and outer spaces)."""
    wanted = value.strip().casefold()
    found = []
    for value_id, label in fact.labels.items():
        texts = [label.get_text("")] if label.plain else [label[loc] for loc in label]
        if any(text.strip().casefold() == wanted for text in texts):
            found.append(value_id)
    return found


def parse_enum(fact: Fact, value: Any) -> str:
    """An enum's id, from its id or from its label in any locale."""
    allowed = fact.values or ()
    if isinstance(value, str):
        if value in allowed:
            return value
        if value.strip() in allowed:
            return value.strip()
        found = _labels(fact, value)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(_("{value!r} is the label of several values ({values}): give "
                               "the id", value=value, values=_(", ").join(found)))
    shown = [f"{v} ({fact.labels[v].get_text('')})" if v in fact.labels else v
             for v in allowed]
    raise ValueError(_("expected one of: {values} (an id or its label)",
                       values=_(", ").join(shown)))


def enum_label(fact: Fact, value: object, locale: str, default_locale: str) -> str:
    """How an enum value is shown: its label in `locale`, else its id."""
    if isinstance(value, str) and value in fact.labels:
        return fact.labels[value].get_text(locale, default_locale)
    return str(value)


def fact_text(fact: Fact | None, value: object, locale: str = "",
              default_locale: str = "") -> str:
    """A fact's value as people read it: an enum by its label, a list as `a, b`, records
    as `vendor Tevel, price 90000 USD; ...`, a date as `2026-03-31`."""
    if fact is not None and fact.type == "enum":
        return enum_label(fact, value, locale, default_locale)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(", ".join(f"{key} {field}" for key, field in item.items())
                         if isinstance(item, dict) else str(item) for item in value) \
            if any(isinstance(item, dict) for item in value) else ", ".join(map(str, value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def parse_money_fact(value: Any) -> str:
    """Money as stored: `150000 EUR`."""
    return money_text(value)


def _items(value: Any) -> list[Any]:
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            raise ValueError(_('expected a list, written as JSON: ["Acme", "Globex"]'))
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise ValueError(_('not a JSON list; write it like ["Acme", "Globex"]')) from None
    if not isinstance(value, list | tuple):
        raise ValueError(_('expected a list, like ["Acme", "Globex"]'))
    return list(value)


Scalar = Callable[[Fact, Any], FactValue]
"""How the fact's own module parses a single value of a type (bool, int, ... money)."""


def _record(fact: Fact, index: int, value: Any, scalar: Scalar) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(_("item {index}: expected a record with {fields}", index=index,
                           fields=_(", ").join(f.id for f in fact.fields)))
    declared = {field.id: field for field in fact.fields}
    unknown = sorted(set(value) - set(declared), key=str)
    missing = [name for name in declared if name not in value]
    if unknown or missing:
        parts = ([_("unknown field(s) {fields}", fields=_(", ").join(map(str, unknown)))]
                 if unknown else [])
        parts += [_("missing {fields}", fields=_(", ").join(missing))] if missing else []
        raise ValueError(_("item {index}: {problems} (the fields are {fields})", index=index,
                           problems=_("; ").join(parts), fields=_(", ").join(declared)))
    record: dict[str, Any] = {}
    for name, field in declared.items():
        try:
            record[name] = scalar(Fact(id=field.id, name=field.id, type=field.type),
                                  value[name])
        except ValueError as exc:
            raise ValueError(_("item {index}, {name}: {error}", index=index, name=name,
                               error=exc)) from None
    return record


def parse_list(fact: Fact, value: Any, scalar: Scalar) -> FactValue:
    """A list fact's value: at most `max_items` texts, or records of the declared fields
    (each field parsed by `scalar`)."""
    items = _items(value)
    if len(items) > fact.max_items:
        raise ValueError(_("{count} items; {fact} holds at most {limit}", count=len(items),
                           fact=fact.id, limit=fact.max_items))
    parse: Callable[[int, Any], Any]
    if fact.fields:
        parse = lambda index, item: _record(fact, index, item, scalar)  # noqa: E731
    else:
        parse = lambda index, item: _text(index, item)  # noqa: E731
    return fact_value(tuple(parse(index, item) for index, item in enumerate(items)))


def _text(index: int, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(_("item {index}: expected text, not {type}", index=index,
                           type=type(value).__name__))
    try:
        return check_note(value)
    except ValueError as exc:
        raise ValueError(_("item {index}: {error}", index=index, error=exc)) from None
