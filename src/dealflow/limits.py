"""Limits on what dealflow reads and evaluates: one place, used by every reader.

`Limits` bounds the size of a playbook, a deal file, a mapping or an import file, and
the rules a playbook may hold; each limit is named in the error it causes, with how to
raise it. The limits in force are those of an enclosing `using_limits`, else the
defaults changed by the environment variable `DEALFLOW_LIMITS`
(`max_bytes=5000000,max_stages=200`); `current_limits()` says which.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from dealflow._messages import _
from dealflow.errors import DefinitionError

__all__ = [
    "DEFAULT_LIMITS",
    "LIMITS_ENV",
    "Limits",
    "current_limits",
    "limit_hint",
    "parse_limits",
    "using_limits",
]

LIMITS_ENV = "DEALFLOW_LIMITS"
"""The environment variable that changes the limits, e.g. `max_bytes=5000000,max_stages=200`."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what dealflow reads, and on the work of one rule or layout evaluation
    (`max_rule_steps`, `max_template_steps`); each is named in the error it causes.

    Every limit is a whole number of at least 1. Pass `Limits(...)` to `load_playbook`,
    `parse_playbook`, `load_deal_file` or `import_jsonl`; where none is passed the limits
    of `current_limits()` apply: these defaults, changed by `DEALFLOW_LIMITS`.
    """

    max_bytes: int = 2_000_000
    """The size of a playbook or deal file, in bytes (UTF-8)."""
    max_nodes: int = 100_000
    """The values a document holds once its aliases are expanded (stops alias bombs)."""
    max_depth: int = 50
    """How deep lists and mappings may nest."""
    max_aliases: int = 1_000
    """The aliases (`*name`) in a document."""
    max_anchors: int = 1_000
    """The anchors (`&name`) in a document."""
    max_stages: int = 100
    """The stages of a playbook."""
    max_items: int = 1_000
    """The SOP checklist items of a playbook, all stages together (each text is a template
    compiled at load time)."""
    max_rules: int = 1_000
    """The rules of a playbook: every `when` and `for_each` of its gates, items, plays and
    approval rules (each is compiled at load time)."""
    max_rule_length: int = 2_000
    """The characters of one rule (a `when` or `for_each` expression)."""
    max_line_bytes: int = 1_000_000
    """The bytes of one line of a JSON Lines import file."""
    max_rule_steps: int = 100_000
    """The steps of work of one rule evaluation or item text rendering (and of the
    constant parts of a rule or item text worked out at load time)."""
    max_template_steps: int = 100_000
    """The steps of work of one checklist layout render (and of its constant parts)."""

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(_("the limit {name} must be a whole number of at least 1, "
                                   "not {value!r}", name=item.name, value=value))


DEFAULT_LIMITS = Limits()
"""The limits dealflow ships with (see `Limits` for each)."""


def limit_hint(name: str) -> str:
    """How to change limit `name`, for the end of its message."""
    setting = f"{LIMITS_ENV}={name}=N"
    return _("(raise it with {setting})", setting=setting)


def parse_limits(spec: str, base: Limits = DEFAULT_LIMITS, *, source: str = LIMITS_ENV
                 ) -> Limits:
    """`base` with the limits set in `spec`, like `max_bytes=5000000,max_stages=200`.

    Raises `DefinitionError` naming `source` (where `spec` came from) for an unknown
    name or a value that is not a whole number of at least 1.
    """
    names = [item.name for item in dataclasses.fields(Limits)]
    changes: dict[str, int] = {}
    for part in spec.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = (piece.strip() for piece in part.partition("="))
        if name not in names:
            raise DefinitionError(_("{source}: unknown limit {name!r} in {part!r}; the limits "
                                    "are {names}", source=source, name=name, part=part,
                                    names=", ".join(names)))
        digits = value.replace("_", "")
        if not sep or not digits.isascii() or not digits.isdigit() or len(digits) > 18 \
                or int(digits) < 1:
            raise DefinitionError(_("{source}: the limit {name} must be a whole number of at "
                                    "least 1, like {name}={default}; not {value!r}",
                                    source=source, name=name,
                                    default=getattr(DEFAULT_LIMITS, name), value=value))
        changes[name] = int(digits)
    return dataclasses.replace(base, **changes)


@functools.lru_cache(maxsize=8)
def _limits_from(spec: str | None) -> Limits:
    return DEFAULT_LIMITS if spec is None else parse_limits(spec)


_IN_FORCE: ContextVar[Limits | None] = ContextVar("dealflow_limits", default=None)


def current_limits() -> Limits:
    """The limits in force: those of an enclosing `using_limits`, else `DEFAULT_LIMITS`
    changed by `DEALFLOW_LIMITS` (each value of the variable is parsed once);
    `DefinitionError` when the variable is not valid."""
    return _IN_FORCE.get() or _limits_from(os.environ.get(LIMITS_ENV))


@contextlib.contextmanager
def using_limits(limits: Limits) -> Iterator[Limits]:
    """Make `limits` the ones in force (`current_limits()`) inside the `with` block."""
    token = _IN_FORCE.set(limits)
    try:
        yield limits
    finally:
        _IN_FORCE.reset(token)
