"""A rule context with some names added: the stakeholder of a `for_each` rule or of a
repeated item's text, the locale of an item text."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ExtendedNames"]


class ExtendedNames(Mapping[str, Any]):
    """A rule context plus some names of its own (which win over the context's)."""

    __slots__ = ("_base", "_extra")

    def __init__(self, base: Mapping[str, Any], extra: Mapping[str, Any]) -> None:
        self._base = base
        self._extra = extra

    def __getitem__(self, name: str) -> Any:
        if name in self._extra:
            return self._extra[name]
        return self._base[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._extra
        yield from self._base

    def __len__(self) -> int:
        return len(self._extra) + len(self._base)
