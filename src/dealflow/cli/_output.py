"""Consoles and output helpers shared by the commands.

Text from deals, stakeholders, files and command lines is never rich markup (the
commands print it as `Text` or with `markup=False`), and both consoles show control
characters in it as escapes (`\\x1b`, see `dealflow._safe_text.visible`): whatever a
command prints, the terminal interprets no escape sequence that came from data.
"""

from __future__ import annotations

import functools
import io
import json
import sys
import typing
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated, Any, ParamSpec, TextIO, TypeVar

import typer
from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
from rich.measure import Measurement
from rich.segment import Segment

from dealflow._messages import _
from dealflow._safe_text import INVISIBLE, SURROGATE, json_visible, visible
from dealflow.cli._lang import speaking
from dealflow.errors import DealflowError

P = ParamSpec("P")
R = TypeVar("R")

class _Shown:
    """A renderable whose text segments have their control characters made visible."""

    def __init__(self, inner: ConsoleRenderable) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            if segment.control is None and INVISIBLE.search(segment.text):
                yield Segment(visible(segment.text), segment.style)
            else:
                yield segment

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.inner)


class _ShowControls(RenderHook):
    """A render hook (`Console.push_render_hook`) that wraps every printed renderable in
    `_Shown`: the safety net behind the commands, which make text visible at the source
    (so that tables measure it right)."""

    def process_renderables(self, renderables: list[ConsoleRenderable]
                            ) -> list[ConsoleRenderable]:
        return [_Shown(renderable) for renderable in renderables]


class ShowingConsole(Console):
    """A rich console that shows control characters as escapes: in strings it prints
    (before rich drops some of them, such as `\\r` and `\\a`) and, through
    `_ShowControls`, in whatever else it renders."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.push_render_hook(_ShowControls())

    def print(self, *objects: Any, **options: Any) -> None:
        """`Console.print`, with each string's control characters made visible."""
        super().print(*(visible(o) if isinstance(o, str) else o for o in objects), **options)


console = ShowingConsole(highlight=False, soft_wrap=True)
err_console = ShowingConsole(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    """Output formats of commands whose output is data."""

    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format: table "
                                               "(for people) or json (for scripts).")]
"""The `--format table|json` option of commands whose output is data."""


def json_text(data: Any, **options: Any) -> str:
    """`data` as JSON text that `json.loads` reads back exactly: non-ASCII as itself,
    control characters, bidirectional overrides and lone surrogates (from file names
    that are not UTF-8) as `\\uXXXX` escapes, so that the text always encodes as UTF-8
    and a terminal shown it interprets nothing."""
    return json_visible(json.dumps(data, ensure_ascii=False, default=str, **options))


class _Escaping(io.TextIOBase):
    """A text stream that writes to `inner` what it is given, escaped by `escape`."""

    def __init__(self, inner: TextIO, escape: Callable[[str], str]) -> None:
        super().__init__()
        self._inner = inner
        self._escape = escape

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._inner.write(self._escape(text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()


def for_terminal(stream: TextIO, *, as_json: bool) -> TextIO:
    """`stream` as it is, or when it is a terminal, a stream that escapes the control
    characters and bidirectional overrides of what is written to it (as `\\uXXXX`
    inside JSON text, which keeps the JSON value; else as `visible` shows them). Output
    piped or written to a file keeps the exact data."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None or not isatty():
        return stream
    return typing.cast(TextIO, _Escaping(stream, json_visible if as_json else visible))


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on stdout, exactly (no markup, no wrapping)."""
    sys.stdout.write(json_text(data, indent=2) + "\n")
    sys.stdout.flush()


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so a `DealflowError` prints cleanly and exits with its code (and a
    value that escaped its check, pydantic's `ValidationError`, in plain words, exit 1);
    the command runs in the language its `lang` argument (`--lang`) asks for (see
    `speaking`)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        lang = kwargs.get("lang")
        with speaking(lang if isinstance(lang, str) else None):  # the output's language
            _refuse_undecodable(fn, kwargs.items())
            try:
                return fn(*args, **kwargs)
            except DealflowError as exc:
                err_console.print(str(exc), markup=False, highlight=False)
                raise typer.Exit(exc.exit_code) from None
            except ValueError as exc:
                plain = _invalid_value(exc)
                if plain is None:
                    raise
                err_console.print(plain, markup=False, highlight=False)
                raise typer.Exit(1) from None

    return wrapper


def _invalid_value(exc: ValueError) -> str | None:
    """`exc` in plain words when it is pydantic's `ValidationError`, else None. (pydantic
    is not imported for this: a command that raised one has imported it.)"""
    core = sys.modules.get("pydantic_core")
    if core is None or not isinstance(exc, core.ValidationError):
        return None
    from dealflow._plain import plain_errors

    return _("invalid value:") + "\n" + "\n".join(f"  {problem}"
                                                 for problem in plain_errors(exc))


def _refuse_undecodable(fn: Callable[..., Any], values: Iterable[tuple[str, Any]]) -> None:
    """A usage error when a text argument holds bytes that are not UTF-8.

    Python decodes such bytes of the command line as lone surrogates, which no database,
    JSON file or terminal can take; they are refused here, naming the option, instead of
    failing later with a traceback. (Paths may hold them: the file system takes them.)
    """
    for name, value in values:
        texts = value if isinstance(value, list | tuple) else [value]
        for text in texts:
            if isinstance(text, str) and (found := SURROGATE.search(text)):
                byte = ord(found.group()) - 0xDC00
                what = _("byte {byte}", byte=hex(byte)) if 0x80 <= byte <= 0xFF \
                    else _("a lone surrogate")
                raise typer.BadParameter(
                    _("{text} is not valid UTF-8 text ({what} at position {position}); give "
                      "the text in UTF-8", text=visible(text), what=what,
                      position=found.start()), param_hint=_flag(fn, name))


def _flag(fn: Callable[..., Any], name: str) -> str:
    """How the command line spells the parameter `name` of the command `fn`."""
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except (NameError, TypeError, AttributeError):  # an annotation it cannot resolve
        return name  # a name is still a fine hint
    for info in getattr(hints.get(name), "__metadata__", ()):
        declared = getattr(info, "default", None)
        if isinstance(declared, str) and declared.startswith("-"):
            return declared
        if type(info).__name__ == "ArgumentInfo":
            return str(getattr(info, "metavar", None) or name.upper())
    return "--" + name.replace("_", "-")
