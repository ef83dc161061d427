"""The `dealflow` process builds only the command it runs (`cli._pruning`): that command
must be built exactly as in the whole app, and a run that names no command (or a wrong
one) must see the whole app, as before."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer

from dealflow.cli import app, main
from dealflow.cli._pruning import pruned

FULL = typer.main.get_command(app)


def _paths(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, sub in getattr(command, "commands", {}).items():
        yield (*prefix, name)
        yield from _paths(sub, (*prefix, name))


PATHS = sorted(_paths(FULL))


def _info(command: Any, path: Sequence[str]) -> tuple[str, list[tuple[Any, ...]]]:
    """What click knows of the command at `path`: its help page, and each parameter
    (names, whether required, default, type, whether a flag)."""
    for name in path:
        command = command.commands[name]
    with typer.Context(command, info_name=" ".join(path)) as ctx:
        page = command.get_help(ctx)
    params = [(p.name, p.opts, p.secondary_opts, p.required, repr(p.default),
               *(repr(getattr(p, field, None)) for field in ("type", "is_flag", "nargs",
                                                              "multiple", "metavar")))
              for p in command.params]
    return page, params


def test_the_app_has_nested_commands() -> None:
    assert ("deal", "show") in PATHS
    assert ("funnel",) in PATHS


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_the_command_a_run_names_is_built_as_in_the_whole_app(path: tuple[str, ...]) -> None:
    built = typer.main.get_command(pruned(app, [*path, "ARG", "--db", "x"]))
    assert _info(built, path) == _info(FULL, path)
    assert list(built.commands) == [path[0]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "kept"),
    [
        ([], None),
        (["--help"], None),
        (["--version"], None),
        (["no-such-command"], None),
        (["dea", "show"], None),
        (["--", "deal", "show"], None),
        (["--team", "deal", "deal", "show", "x"], ("deal", "show")),
        (["--team=t.yaml", "funnel"], ("funnel", None)),
        (["deal"], ("deal", None)),
        (["deal", "--help"], ("deal", None)),
        (["deal", "shw", "x"], ("deal", None)),
        (["deal", "--help", "show"], ("deal", None)),
    ],
    ids=["nothing", "help", "version", "unknown", "misspelt", "double-dash", "team-value",
         "team-equals", "group-only", "group-help", "misspelt-sub", "help-before-sub"],
)
def test_a_level_the_run_does_not_name_keeps_every_command(
    args: list[str], kept: tuple[str, str | None] | None
) -> None:
    built: Any = typer.main.get_command(pruned(app, args))
    if kept is None:
        assert list(built.commands) == list(FULL.commands)  # type: ignore[attr-defined]
        return
    assert list(built.commands) == [kept[0]]
    inner = built.commands[kept[0]]
    if kept[1] is None:
        if hasattr(inner, "commands"):
            assert list(inner.commands) == list(FULL.commands[kept[0]].commands)  # type: ignore[attr-defined]
        return
    assert list(inner.commands) == [kept[1]]


def test_pruning_leaves_the_app_as_it_was() -> None:
    pruned(app, ["deal", "show", "x"])
    assert list(typer.main.get_command(app).commands) == list(FULL.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["deal", "shw", "x"], 2, "Did you mean 'show'?"),
        (["no-such-command"], 2, "No such command 'no-such-command'"),
        (["deal", "show", "nobody"], 1, "x.db"),
        (["--version"], 0, "dealflow "),
    ],
    ids=["misspelt", "unknown", "runs-the-command", "version"],
)
def test_the_console_script_runs_the_pruned_app(
    args: list[str], code: int, said: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    monkeypatch.setattr("sys.argv", ["dealflow", *args, *(
        ["--db", f"sqlite:///{tmp_path}/x.db"] if args[:2] == ["deal", "show"] else [])])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == code
    out = capsys.readouterr()
    assert said in out.out + out.err
