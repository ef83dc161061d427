"""What every playbook model shares: the id type and the frozen, key-checking base."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from dealflow._messages import _

__all__ = ["Identifier"]

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _check_identifier(value: str) -> str:
    if not value or not value[0].isascii() or not value[0].islower() or len(value) > 64 or any(
        char not in _ID_CHARS for char in value
    ):
        raise PydanticCustomError(
            "identifier",
            _("`{value}` is not a valid id: use lowercase letters, digits, `_` and `-`, "
            "starting with a letter, at most 64 characters (like `economic_buyer`)"),
            {"value": value},
        )
    return value


Identifier = Annotated[
    str,
    AfterValidator(_check_identifier),
    WithJsonSchema({"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$"}),
]
"""An id: lowercase ASCII letters, digits, `_` and `-`, starting with a letter."""


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=False, use_attribute_docstrings=True
    )
