"""Effects: what a move does by itself (`on_enter` / `on_leave` of a stage, `effects` of
a declared move).

An effect sets one fact, to a constant (`value`) or to a copy of another field at the
time of the move (`copy_of`: `today`, a field of the deal such as `deal.amount`, or
another fact as `facts.<id>`), or opens an item on the deal (`open_item`, once per deal
and item id). The engine records each as an event in the same write as the move, by the
same actor, marked with the effect that made it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from dealflow._messages import _
from dealflow.playbook._automation import FollowUp
from dealflow.playbook._base import Identifier, _Model

__all__ = ["DEAL_FIELDS", "Effect", "OpenItem"]

DEAL_FIELDS = ("amount", "title", "account", "currency", "owner")
"""The fields of a deal an effect may copy (`deal.amount`) and a history helper may read."""

_SOURCE = re.compile(r"^(today|deal\.(" + "|".join(DEAL_FIELDS)
                     + r")|facts\.[a-z][a-z0-9_-]{0,63})$")


class OpenItem(FollowUp):
    """An item a move opens on the deal: its id, what to do, who, due in how many days."""

    id: Identifier
    """The item's id on the deal (opened once: a deal that has it keeps it as it is)."""


class Effect(_Model):
    """What a move does by itself: set a fact to a constant (`value`) or a copy of a field
    (`copy_of`), or open an item (`open_item`)."""

    set: Identifier | None = None
    """The fact to set: an id from `facts` (not with `open_item`)."""
    value: bool | int | float | dt.date | str | None = None
    """A constant, of the fact's type (`true`, `3`, `2026-06-30`, `signed`)."""
    copy_of: str | None = None
    """Where the value comes from, at the time of the move: `today` (the move's date),
    `deal.amount` (or `deal.title`, `deal.account`, `deal.currency`, `deal.owner`) or
    `facts.<id>` (another fact; clears the fact when that one is not set)."""
    open_item: OpenItem | None = None
    """An item to open on the deal, due `due_days` after the move (instead of a fact)."""

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "open_item" in data:
                if any(key in data for key in ("set", "value", "copy_of")):
                    raise PydanticCustomError(
                        "effect_item", _("an effect that opens an item sets no fact: give "
                        "`open_item` alone, or `set` with `value` or `copy_of`"))
                return data
            given = [key for key in ("value", "copy_of") if key in data]
            if len(given) != 1 or "set" not in data:
                raise PydanticCustomError(
                    "effect_source", _("an effect takes `set` (a fact) and exactly one of "
                    "`value` (a constant) or `copy_of` (today, deal.amount, facts.<id>, "
                    "...), or `open_item` alone"))
            source = data.get("copy_of")
            if source is not None and (not isinstance(source, str) or not _SOURCE.match(source)):
                raise PydanticCustomError(
                    "effect_copy", _("copy_of {source!r} is not a field: use today, "
                    "deal.amount, deal.title, deal.account, deal.currency, deal.owner or "
                    "facts.<id>"), {"source": source})
        return data
