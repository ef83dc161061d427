"""User-facing messages: every text dealflow itself writes goes through `_`.

`_("fact {name} is not set", name=fact)` looks the message up in the catalogue of the
current locale and fills in its values; the message id is the English text. The locale is
set for a block with `use_locale("zh")` (the CLI sets it from `--lang`, the engine from its
caller's `locale=`); outside any block it is English. Values are filled in after the
lookup, so a value never changes which message is found.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = ["_", "current_locale", "use_locale"]

_LOCALE: contextvars.ContextVar[str | None] = contextvars.ContextVar("dealflow_locale",
                                                                     default=None)
_CATALOGUES: dict[str, dict[str, str]] = {}
"""Translations by locale: message id -> text (filled by the catalogue loader)."""


def current_locale() -> str | None:
    """The locale messages are written in now (None: English)."""
    return _LOCALE.get()


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[None]:
    """Write messages in `locale` inside the block (None keeps the current one)."""
    if locale is None:
        yield
        return
    token = _LOCALE.set(locale)
    try:
        yield
    finally:
        _LOCALE.reset(token)


def _(message: str, /, **values: object) -> str:
    """`message` in the current locale, with `{name}` fields filled from `values`."""
    locale = _LOCALE.get()
    text = _CATALOGUES.get(locale, {}).get(message, message) if locale else message
    return text.format(**values) if values else text
