"""Showing untrusted text safely: control characters made visible.

Deal and stakeholder text is whatever people (or a CRM export) typed. Printed to a
terminal, an ESC (`\\x1b`) starts an escape sequence that can recolour, move the cursor,
retitle the window or hide what follows; a carriage return overwrites the line; a
right-to-left override reverses what is read. `visible` replaces each such character
with its escape (`\\x1b`, `\\r`, `\\u202e`), so the text shows what it holds and the
terminal (or a Markdown or Mermaid reader) interprets nothing. Newline and tab stay.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal

from dealflow._messages import _

__all__ = ["INVISIBLE", "SURROGATE", "json_visible", "lone_surrogate", "visible"]

INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Characters `visible` replaces: C0 controls but newline and tab, DEL, C1 controls,
bidirectional embeddings, overrides and isolates, and lone surrogates (bytes that were
not UTF-8, as Python decodes them from command lines and file names)."""

_NAMED = {"\r": "\\r", "\x0b": "\\v", "\x0c": "\\f", "\x08": "\\b", "\x07": "\\a"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control character (but newline and tab) shown as its escape."""
    return INVISIBLE.sub(_escape, text) if INVISIBLE.search(text) else text


_IN_JSON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff]")
"""What `json_visible` escapes: `INVISIBLE`, and the line and paragraph separators, which
Python's `str.splitlines` (and JavaScript) take for line breaks."""


def json_visible(text: str) -> str:
    """JSON `text` with every character `visible` escapes, and U+2028 and U+2029, written
    as a `\\uXXXX` escape: the same JSON value, which a terminal shows as it is and which
    stays on its line. (JSON's own syntax is printable ASCII, so these characters can only
    be inside its strings.)"""
    if not _IN_JSON.search(text):
        return text
    return _IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: how Python decodes bytes that are not UTF-8."""
_PLAIN = (int, float, Decimal, dt.date, type(None))


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return not value.isascii() and SURROGATE.search(value) is not None
    if isinstance(value, _PLAIN):
        return False
    fields = getattr(type(value), "__pydantic_fields__", None)
    if fields is not None:
        return _any_surrogate([getattr(value, name) for name in fields])
    if isinstance(value, dict):
        return _any_surrogate(value) or _any_surrogate(value.values())
    if isinstance(value, list | tuple):
        return _any_surrogate(value)
    return False


def _any_surrogate(values: Iterable[object]) -> bool:
    """Whether any of `values` holds a lone surrogate (texts looked at here: an event's
    fields are mostly texts, and each is checked on every write)."""
    for item in values:
        if type(item) is str:
            if not item.isascii() and SURROGATE.search(item) is not None:
                return True
        elif not isinstance(item, _PLAIN) and _has_surrogate(item):
            return True
    return False


def lone_surrogate(value: object, path: str = "") -> str | None:
    """Where `value` (text, or a pydantic model, mapping or sequence holding text) has a
    lone surrogate, as `path: \\udcff at position N`; None when it has none.

    Python decodes bytes that are not UTF-8 (from a command line, a file name or a JSON
    `\\udcff` escape) as lone surrogates; no database, CSV or terminal can encode them.
    """
    if not _has_surrogate(value):  # the common case, without building any path
        return None
    if isinstance(value, str):
        found = SURROGATE.search(value)
        return None if found is None else (
            _("{path}: {found} at position {position}", path=path or _("text"),
              found=visible(found.group()), position=found.start()))
    if hasattr(value, "__pydantic_fields__"):
        value = {name: getattr(value, name) for name in type(value).__pydantic_fields__}
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if (found_in := lone_surrogate(key, where) or lone_surrogate(item, where)):
                return found_in
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found_in := lone_surrogate(item, f"{path}[{index}]")):
                return found_in
    return None
