"""The language of a command's output: `--lang`, else `$DEALFLOW_LANG`, else the first
locale of the playbook the command works on, else English.

`guarded` runs every command inside `speaking(lang)`; the playbook is known only once the
command has it, so the store a command opens (`open_store`) and the playbook files it reads
(`read_playbook`) call `speak(playbook)`: when neither `--lang` nor `DEALFLOW_LANG` chose a
language, the playbook's first locale is the language for the rest of the command.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import CATALOGUES, _, current_locale, use_locale

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.playbook import Playbook

__all__ = ["LangOption", "here", "speak", "speaking"]

LangOption = Annotated[str | None, typer.Option(
    "--lang", metavar="LOCALE", show_default=False,
    help="The language of the output, e.g. en or zh (default: $DEALFLOW_LANG, else the "
    "playbook's first locale).")]
"""The `--lang LOCALE` option of every command that prints deal or playbook text."""

_CODE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")


@dataclasses.dataclass
class _Scope:
    """One command's language: what `--lang` asked for, and the locales it set."""

    asked: str | None
    stack: contextlib.ExitStack
    heard: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    """The playbooks (id, version) `speak` was told of already."""


_SCOPES: list[_Scope] = []


@functools.cache
def languages() -> list[str]:
    """The languages dealflow writes its own messages in: English and each catalogue's."""
    return ["en", *sorted(path.name for path in CATALOGUES.iterdir() if path.is_dir())]


@contextlib.contextmanager
def speaking(asked: str | None) -> Iterator[None]:
    """Run a command in the language `asked` (`--lang`; None: as `DEALFLOW_LANG`, else as
    the playbook says once `speak` is told it). A usage error (exit 2) for a value that is
    not a locale code."""
    if asked is not None and not _CODE.fullmatch(asked):
        raise typer.BadParameter(_("{value} is not a locale code; give one such as {codes}",
                                   value=repr(asked), codes=", ".join(languages())),
                                 param_hint="'--lang'")
    with contextlib.ExitStack() as stack:
        stack.enter_context(use_locale(asked))
        _SCOPES.append(_Scope(asked, stack))
        try:
            yield
        finally:
            _SCOPES.pop()


def speak(playbook: Playbook) -> None:
    """The command works on `playbook`: its first locale is the language of the rest of the
    command unless `--lang` or `DEALFLOW_LANG` chose one. A usage error (exit 2) when
    `--lang` asked for a language neither the playbook nor dealflow is written in."""
    if not _SCOPES:
        return
    scope = _SCOPES[-1]
    if (playbook.id, playbook.version) in scope.heard:  # once per playbook (and deal read)
        return
    scope.heard.add((playbook.id, playbook.version))
    if scope.asked is not None and _base(scope.asked) not in {
            *map(_base, playbook.locales), *languages()}:
        raise typer.BadParameter(_("{lang} is not a locale of {id}; use one of {locales}",
                                   lang=repr(scope.asked), id=playbook.id,
                                   locales=", ".join(playbook.locales)),
                                 param_hint="'--lang'")
    if current_locale() is None:
        scope.stack.enter_context(use_locale(playbook.default_locale))


def here() -> str | None:
    """The locale of the command's output now (None: English, no playbook known yet)."""
    return current_locale()


def _base(locale: str) -> str:
    """`zh` for `zh_CN` or `zh-Hans`."""
    return re.split(r"[_-]", locale, maxsplit=1)[0]
