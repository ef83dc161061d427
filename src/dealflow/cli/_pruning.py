"""The command line trimmed to the command a run invokes.

Typer builds a click command for every function registered (some 70, each from its
signature) before it runs any: about 50 ms of CPU on every `dealflow` process, for
commands it will not run. `pruned(app, args)` is `app` with only the commands on the
path `args` names (`deal show ...` keeps the `deal` group and, inside it, `show`): the
command that runs is built exactly as in the whole app, with the same options, help and
errors. When `args` does not name a command at some level (no command, `--help`, an
unknown or misspelt name, a `--` or `--help` before the name), that level keeps every
command, so listings, usage errors and "No such command" suggestions read as before.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import typer
from typer.main import get_command_name, get_group
from typer.models import CommandInfo, DefaultPlaceholder, TyperInfo

__all__ = ["pruned"]


def _command_name(info: CommandInfo) -> str | None:
    if info.name:
        return info.name
    callback = info.callback
    return None if callback is None else get_command_name(callback.__name__)


def _group_name(info: TyperInfo) -> str | None:
    for name in (info.name, info.typer_instance.info.name if info.typer_instance else None):
        if isinstance(name, str) and not isinstance(name, DefaultPlaceholder) and name:
            return name
    return None


def _valued_options(app: typer.Typer) -> set[str]:
    """The option names of `app`'s own callback that take a value (`--team FILE`)."""
    bare = copy.copy(app)
    bare.registered_commands = []
    bare.registered_groups = []
    group = get_group(bare)
    return {name for param in group.params
            if param.param_type_name == "option" and not getattr(param, "is_flag", False)
            and not getattr(param, "count", False)
            for name in (*param.opts, *param.secondary_opts)}


def _named(app: typer.Typer, args: Sequence[str]) -> tuple[str, int] | None:
    """The command name `args` gives at this level, and where it is; None when it names
    none (only options, or `--` first)."""
    valued: set[str] | None = None
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("--", "--help"):  # `deal --help show` shows the whole group's help
            return None
        if not arg.startswith("-") or arg == "-":
            return arg, index
        if "=" not in arg and not arg.startswith("--") and len(arg) > 2:
            return None  # short options run together (`-tFILE`): leave it to click
        if valued is None:
            valued = _valued_options(app)
        index += 2 if arg in valued else 1
    return None


def pruned(app: typer.Typer, args: Sequence[str]) -> typer.Typer:
    """`app` keeping, at each level, only the command or group `args` invokes (see the
    module docstring); `app` itself is not changed."""
    found = _named(app, args)
    if found is None:
        return app
    name, index = found
    commands = [info for info in app.registered_commands if _command_name(info) == name]
    groups = [info for info in app.registered_groups if _group_name(info) == name]
    unnamed = any(_group_name(info) is None for info in app.registered_groups)
    if unnamed or len(commands) + len(groups) != 1:
        return app
    trimmed = copy.copy(app)
    trimmed.registered_commands = commands
    trimmed.registered_groups = groups
    if groups:
        inner = groups[0]
        assert inner.typer_instance is not None
        sub = copy.copy(inner)
        sub.typer_instance = pruned(inner.typer_instance, args[index + 1:])
        trimmed.registered_groups = [sub]
    return trimmed
