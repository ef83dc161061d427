"""Commands about playbooks: `validate`, `schema` and `diagram`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from dealflow._messages import N_, _
from dealflow._safe_text import visible
from dealflow.cli._lang import LangOption, here
from dealflow.cli._limit_options import LimitsOption, limits_in_force
from dealflow.cli._output import Format, console, err_console, guarded, print_json
from dealflow.cli._store import read_playbook
from dealflow.errors import DealflowError, PlaybookError


def validate(
    paths: Annotated[list[Path], typer.Argument(help="Playbook YAML files to check.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    deep: Annotated[bool, typer.Option("--deep", help="Also lint the playbook and test it "
                                       "on generated deals (needs hypothesis).")] = False,
    examples: Annotated[int, typer.Option("--examples", min=1, max=100_000,
                                          help="Generated deals per deep check.")] = 100,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="With --deep, show "
                                          "info-level findings too.")] = False,
    limits: LimitsOption = None,
    lang: LangOption = None,
) -> None:
    """Check playbooks; print every problem, or a summary of each valid one.

    With --deep, also report soundness findings (codes DF1xx from the linter, DF2xx from
    generated deals). Exits 0 when all are valid (and sound), 1 when any is not, 2 on a
    usage error. A file over a limit (size, depth, stages, ...) is refused naming the
    limit; change it with --limits or DEALFLOW_LIMITS.
    """
    with limits_in_force(limits):
        if deep:
            _validate_deep(paths, fmt, examples, "info" if verbose else "warning")
        else:
            _validate(paths, fmt)


def _validate(paths: list[Path], fmt: Format) -> None:
    from dealflow.playbook import load_playbook

    results: list[dict[str, Any]] = []
    for path in paths:
        try:
            playbook = load_playbook(path)
        except PlaybookError as exc:
            results.append({"file": str(path), "valid": False,
                            "problems": [p.to_dict() for p in exc.problems]})
            continue
        results.append({"file": str(path), "valid": True, **playbook.summary()})
    if fmt is Format.json:
        print_json(results)
    else:
        _print_results(results)
    if not all(result["valid"] for result in results):
        raise typer.Exit(1)


def _validate_deep(paths: list[Path], fmt: Format, examples: int, severity: str) -> None:
    try:
        from dealflow.testing import check_soundness
    except ImportError as exc:  # hypothesis comes with the testing extra
        raise DealflowError(_("--deep needs hypothesis ({module} is missing): pip install "
                              "'dealflow[testing]'", module=exc.name)) from None
    results = []
    for path in paths:
        with err_console.status(Text(visible(_("checking {path} on generated deals",
                                               path=path)))):
            results.append(check_soundness(path, examples=examples, min_severity=severity))
    if fmt is Format.json:
        print_json([result.to_dict() for result in results])
    else:
        for result in results:
            if result.problems or result.lint or result.deep:
                err_console.print(result.report(), markup=False)
            else:
                console.print(_("ok  {file}: sound ({examples} examples per check)",
                                file=result.file, examples=examples), markup=False)
    if any(not result.ok for result in results):
        raise typer.Exit(1)


def _print_results(results: list[dict[str, Any]]) -> None:
    for result in results:
        if result["valid"]:
            console.print(
                _("ok  {file}  {id} {version}: {counts}", file=result["file"], id=result["id"],
                  version=result["version"], counts=", ".join(
                      _count(result[key], key) for key in _COUNTED)),
                markup=False,
            )
            continue
        problems = result["problems"]
        err_console.print(_("FAIL  {file}: {count} problem(s)", file=result["file"],
                            count=len(problems)), markup=False)
        for p in problems:
            where = p["file"] + (f":{p['line']}:{p['column']}" if p["line"] else "")
            err_console.print(f"  {where}  {p['path'] or _('<document>')}  {p['message']}",
                              markup=False)


_COUNTED = {"stages": (N_("{count} stage"), N_("{count} stages")),
            "gates": (N_("{count} gate"), N_("{count} gates")),
            "roles": (N_("{count} role"), N_("{count} roles")),
            "items": (N_("{count} item"), N_("{count} items")),
            "plays": (N_("{count} play"), N_("{count} plays"))}
"""What `validate` counts in a valid playbook, each in the singular and the plural."""


def _count(number: int, noun: str) -> str:
    one, many = _COUNTED[noun]
    return _(one if number == 1 else many, count=number)


def schema() -> None:
    """Print the JSON Schema of the playbook format."""
    from dealflow.playbook import playbook_schema_text

    typer.echo(playbook_schema_text(), nl=False)


def register(app: typer.Typer) -> None:
    """Add the playbook commands to `app`."""
    app.command()(guarded(validate))
    app.command()(guarded(schema))
    app.command()(guarded(diagram))


def diagram(
    playbook: Annotated[str, typer.Argument(help="Playbook file, or a bundled playbook's name.")],
    deal: Annotated[Path | None, typer.Option("--deal", help="Deal file (JSON or YAML) "
                                              "whose stage is highlighted.")] = None,
    lang: LangOption = None,
) -> None:
    """Print the playbook as a Mermaid state diagram, each move labelled with its gates
    and each stage with the buyer phase it serves."""
    from dealflow.deal import load_deal_file
    from dealflow.engine import mermaid

    loaded = read_playbook(playbook)
    stage = load_deal_file(deal, loaded).stage if deal is not None else None
    typer.echo(mermaid(loaded, stage=stage, locale=here()), nl=False)
