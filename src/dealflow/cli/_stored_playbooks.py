"""`dealflow playbook list|show`: the playbook versions a store keeps for its deals."""

from __future__ import annotations

from typing import Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import DbOption, open_store

playbook_app = typer.Typer(help="The playbooks a store keeps: every version its deals run "
                           "under.", no_args_is_help=True)


def list_playbooks(db: DbOption = None, fmt: FormatOption = Format.table,
                   lang: LangOption = None) -> None:
    """List every playbook version in the store, with the deals running under it."""
    from dealflow.cli import _views as v

    with open_store(db) as store:
        held = store.held_playbooks()
        titles = {(h.id, h.version): store.playbook_for(h.id, h.version) for h in held}
    rows = [{"id": h.id, "version": h.version, "deals": h.deals,
             "title": titles[h.id, h.version].text(titles[h.id, h.version].title, here())}
            for h in held]
    if fmt is Format.json:
        print_json(rows)
        return
    made = v.table("id", "version", "deals", "title")
    for row in rows:
        made.add_row(v.text(row["id"]), v.text(row["version"]), v.text(str(row["deals"])),
                     v.text(row["title"]))
    console.print(made, soft_wrap=False)
    console.print(_("{count} playbook version(s)", count=len(rows)), markup=False)


def show_playbook(
    playbook: Annotated[str | None, typer.Argument(
        metavar="[ID[@VERSION]]", show_default=False,
        help="The playbook (default: the only one whose deals the store holds).")] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    as_yaml: Annotated[bool, typer.Option("--yaml", help="Print the playbook's YAML text as "
                                          "the store keeps it.")] = False,
    lang: LangOption = None,
) -> None:
    """Show a playbook version the store keeps: a summary, or its YAML text."""
    from dealflow.playbook import dump_playbook

    with open_store(db) as store:
        chosen = store.choose_playbook(playbook)
        deals = {(h.id, h.version): h.deals for h in store.held_playbooks()}
    if as_yaml:
        typer.echo(dump_playbook(chosen), nl=False)
        return
    summary = {**chosen.summary(), "deals": deals.get((chosen.id, chosen.version), 0)}
    if fmt is Format.json:
        print_json(summary)
        return
    summary["title"] = chosen.text(chosen.title, here())
    console.print("\n".join(f"{_(key)}: {value}" for key, value in summary.items()),
                  markup=False)


def register(app: typer.Typer) -> None:
    """Add `dealflow playbook ...` to `app`."""
    playbook_app.command("list")(guarded(list_playbooks))
    playbook_app.command("show")(guarded(show_playbook))
    app.add_typer(playbook_app, name="playbook")
