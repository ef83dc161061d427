"""Human-readable text in a playbook: a plain string or a map of locale to string."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from dealflow._messages import _

__all__ = ["LocalizedText", "Text"]


class LocalizedText(Mapping[str, str]):
    """An immutable text with one string per locale.

    A plain string in the YAML is the same text in every locale (`plain` is True and
    `get_text` returns it whatever locale is asked for). A mapping gives one string per
    locale; `get_text(locale, default)` falls back to the playbook's default locale.
    """

    __slots__ = ("_items", "_map", "_plain")

    def __init__(self, value: str | Mapping[str, str]) -> None:
        if isinstance(value, str):
            self._plain: str | None = value
            self._items: tuple[tuple[str, str], ...] = ()
        else:
            self._plain = None
            self._items = tuple(value.items())
        self._map: dict[str, str] = dict(self._items)

    @property
    def plain(self) -> bool:
        """True when the text was written as one string for every locale."""
        return self._plain is not None

    def get_text(self, locale: str, default_locale: str | None = None) -> str:
        """The text in `locale` (or its language: `zh` for `zh_CN`), else in
        `default_locale`, else the first one given."""
        if self._plain is not None:
            return self._plain
        items = self._map
        language = locale.replace("-", "_").split("_")[0] if locale else None
        for candidate in (locale, language, default_locale):
            if candidate is not None and candidate in items:
                return items[candidate]
        return self._items[0][1] if self._items else ""

    def locales(self) -> tuple[str, ...]:
        """The locales this text is written in (empty for a plain string)."""
        return tuple(key for key, _ in self._items)

    def raw(self) -> str | dict[str, str]:
        """The value as written: a string, or a dict of locale to string."""
        return self._plain if self._plain is not None else dict(self._items)

    def __getitem__(self, key: str) -> str:
        if self._plain is not None:
            return self._plain
        return self._map[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.locales())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LocalizedText):
            return self._plain == other._plain and self._items == other._items
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._plain, self._items))

    def __str__(self) -> str:
        return self.get_text("")

    def __repr__(self) -> str:
        return f"LocalizedText({self.raw()!r})"


def _validate_text(value: Any) -> LocalizedText:
    if isinstance(value, LocalizedText):
        return value
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("text_empty", _("text must not be empty"))
        return LocalizedText(value)
    if isinstance(value, Mapping):
        if not value:
            raise PydanticCustomError(
                "text_empty", _("a text map needs at least one locale, such as `en: ...`")
            )
        for key, item in value.items():
            if not isinstance(key, str) or not isinstance(item, str):
                raise PydanticCustomError(
                    "text_type",
                    _("a text map goes from locale to string, like `{en: Qualify, zh: 资格确认}`"),
                )
            if not item.strip():
                raise PydanticCustomError(
                    "text_empty", _("the text for locale {locale} is empty"), {"locale": key}
                )
        return LocalizedText(dict(value))
    raise PydanticCustomError(
        "text_type",
        _("expected text: a string, or a map of locale to string like `{en: ..., zh: ...}`"),
    )


Text = Annotated[
    LocalizedText,
    PlainValidator(_validate_text),
    PlainSerializer(lambda text: text.raw()),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "additionalProperties": {"type": "string", "minLength": 1},
                    "minProperties": 1,
                },
            ],
            "description": "A string, or a map of locale to string (the default locale required).",
        }
    ),
]
"""A playbook text field: a string, or a map of locale to string."""
