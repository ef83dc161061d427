"""User-facing messages: every text dealflow itself writes goes through `_`.

`_("fact {name} is not set", name=fact)` looks the message up in the catalogue of the
current locale and fills in its values; the message id is the English text. The locale is
set for a block with `use_locale("zh")` (the CLI sets it from `--lang`, the engine from its
caller's `locale=`); outside any block it is English. Values are filled in after the
lookup, so a value never changes which message is found.

The catalogues are gettext's: `locale/<lang>/LC_MESSAGES/dealflow.po` is the source a
translator edits, and the `.mo` beside it, compiled from it with Babel, is what is read
(by the standard library's `gettext`, on first use of a locale). A test fails when a
message has no translation, or a `.mo` is older than its `.po`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CATALOGUES", "DOMAIN", "N_", "_", "current_locale", "use_locale"]

DOMAIN = "dealflow"
"""The gettext domain of dealflow's messages."""
CATALOGUES = Path(__file__).parent / "locale"
"""Where the catalogues are: `<lang>/LC_MESSAGES/dealflow.po` and `.mo`."""

_LOCALE: contextvars.ContextVar[str | None] = contextvars.ContextVar("dealflow_locale",
                                                                     default=None)


@functools.cache
def _translations(locale: str) -> gettext.NullTranslations:
    """The catalogue of `locale` (a language like `zh`, or `zh_CN` falling back to `zh`);
    messages pass through unchanged for a locale with no catalogue (English)."""
    return gettext.translation(DOMAIN, CATALOGUES, languages=[locale], fallback=True)


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
    text = _translations(locale).gettext(message) if locale else message
    return text.format(**values) if values else text


def N_(message: str, /) -> str:
    """Mark `message` for the catalogue without translating it now: for a table of
    messages built at import time, translated with `_` where it is used."""
    return message
