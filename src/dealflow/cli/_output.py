"""Consoles and output helpers shared by the commands."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from dealflow.errors import DealflowError

P = ParamSpec("P")
R = TypeVar("R")

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    """Output formats of commands whose output is data."""

    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format: table "
                                               "(for people) or json (for scripts).")]
"""The `--format table|json` option of commands whose output is data."""


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on stdout, exactly (no markup, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so a `DealflowError` prints cleanly and exits with its code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DealflowError as exc:
            err_console.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper
