"""`dealflow diff OLD NEW` and `dealflow migrate --to NEW`: changing a playbook."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption
from dealflow.cli._output import Format, FormatOption, console, err_console, guarded, print_json
from dealflow.cli._store import ActorOption, DbOption, open_store, read_playbook
from dealflow.cli._views import plain

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.evolution import PlaybookDiff, UpgradePlan


class DiffFormat(StrEnum):
    """Layouts of a playbook diff."""

    table = "table"
    md = "md"
    json = "json"


def _markdown(result: PlaybookDiff) -> str:
    lines = ["# " + _("Playbook {old} → {new}", old=result.old_version,
                      new=result.new_version), ""]
    for change in result.changes:
        where = _(" (in {where})", where=change.where) if change.where else ""
        lines.append(f"- **{change.action}** {change.kind} `{change.id}`{where}")
        lines.extend(f"  - {name}: `{old}` → `{new}`" for name, old, new in change.fields)
    lines += ["", _size(result) + "."]
    return "\n".join(lines) + "\n"


def _print_diff(result: PlaybookDiff) -> None:
    from rich.table import Table

    table = Table(title=plain(_("Playbook {old} → {new}", old=result.old_version,
                                new=result.new_version)), title_justify="left")
    for column in (_("Change"), _("Kind"), _("Id"), _("Where"), _("Field"), _("Old"), _("New")):
        table.add_column(column)
    for change in result.changes:
        fields = change.fields or (("", "", ""),)
        for index, (name, old, new) in enumerate(fields):
            head = (change.action, change.kind, change.id, change.where) if index == 0 else (
                "", "", "", "")
            table.add_row(*(plain(cell) for cell in (*head, name, old, new)))
    console.print(table)
    console.print(_size(result), markup=False)


def _size(result: PlaybookDiff) -> str:
    return _("Change size: {touched} of {total} control points and items ({size}; budget "
             "{budget})", touched=result.touched, total=result.total,
             size=format(result.size, ".0%"), budget=format(result.budget, ".0%"))


def diff(
    old: Annotated[str, typer.Argument(help="The old playbook (file or bundled name).")],
    new: Annotated[str, typer.Argument(help="The new playbook.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f")] = DiffFormat.table,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the change is "
                                         "larger than the playbook's change budget.")] = False,
    lang: LangOption = None,
) -> None:
    """What changed between two playbook versions, and how big the change is."""
    from dealflow.evolution import diff_playbooks

    result = diff_playbooks(read_playbook(old), read_playbook(new))
    if fmt is DiffFormat.json:
        print_json(result.to_dict())
    elif fmt is DiffFormat.md:
        console.file.write(_markdown(result))
    else:
        _print_diff(result)
    if result.over_budget:
        err_console.print(_("warning: the change touches {size} of the control points and "
                            "items, over the budget of {budget}; revise in smaller steps that "
                            "people can absorb", size=format(result.size, ".0%"),
                            budget=format(result.budget, ".0%")), markup=False)
        if strict:
            raise typer.Exit(1)


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise typer.BadParameter(_("{pair} is not OLD=NEW", pair=repr(pair)),
                                     param_hint="--map")
        mapping[old.strip()] = new.strip()
    return mapping


def _print_plan(plan: UpgradePlan) -> None:
    from rich.table import Table

    title = _("Moving live deals to version {version}", version=plan.to_version) if \
        plan.applied else _("Moving live deals to version {version} (dry run: nothing "
                            "written)", version=plan.to_version)
    table = Table(title=plain(title), title_justify="left")
    for column in (_("Deal"), _("From"), _("Stage"), _("To stage"), _("Gates now failing"),
                   _("Items added"), _("Items removed")):
        table.add_column(column)
    for item in plan.deals:
        table.add_row(*(plain(cell) for cell in (
            item.deal_id, item.from_version, item.from_stage, item.to_stage or _("(no mapping)"),
            ", ".join(item.gates_now_failing), ", ".join(item.items_added),
            ", ".join(item.items_removed))))
    console.print(table)


def migrate(
    to: Annotated[Path, typer.Option("--to", help="The new playbook version (YAML).")],
    stage_map: Annotated[list[str] | None, typer.Option(
        "--map", metavar="OLD=NEW", help="Map a removed or renamed stage (repeatable).")] = None,
    apply_changes: Annotated[bool, typer.Option("--apply", help="Write the migration; "
                                                "without it, a dry run.")] = False,
    db: DbOption = None, actor: ActorOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Move live deals to a new playbook version (dry run unless --apply)."""
    from dealflow.evolution import plan_upgrade, upgrade

    new = read_playbook(to)
    mapping = _parse_map(stage_map or [])
    with open_store(db) as store:
        if apply_changes:
            plan = upgrade(store, new, mapping, actor=actor or "dealflow", apply_changes=True)
        else:
            plan = plan_upgrade(store, new, mapping)
    if fmt is Format.json:
        print_json(plan.to_dict())
    else:
        _print_plan(plan)
    if plan.unmapped:
        err_console.print(_("some deals sit in stages the new version lacks: map them with "
                            "--map OLD=NEW or `stage_map` in the new playbook"), markup=False)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the playbook-evolution commands to `app`."""
    app.command()(guarded(diff))
    app.command()(guarded(migrate))
