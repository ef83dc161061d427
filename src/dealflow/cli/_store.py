"""Opening the store for a command, and running one operation on a stored deal.

Commands that only read (or change an existing deal) never create a database: a
mistyped `--db` or a command run in the wrong folder says so instead of leaving an
empty `dealflow.db` behind. `deal new`, `import` and `demo` create it.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dealflow._messages import _
from dealflow.cli._lang import speak
from dealflow.cli._output import Format, console, print_json
from dealflow.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.deal import Deal
    from dealflow.engine import Engine, Outcome
    from dealflow.playbook import Playbook
    from dealflow.store import Store

DbOption = Annotated[str | None, typer.Option(
    "--db", metavar="URL", show_default=False,
    help="Database URL (default: $DEALFLOW_DATABASE_URL, else sqlite:///dealflow.db).")]
"""The `--db URL` option every store command takes."""

PlaybookOption = Annotated[str | None, typer.Option(
    "--playbook", metavar="ID", show_default=False,
    help="Work on the deals of this playbook: an id the store holds, or ID@VERSION "
    "(default: the only playbook whose deals the store holds; required when it holds "
    "several).")]
"""The `--playbook ID` option of every command over many deals (figures, lists, exports)."""

NewDealPlaybookOption = Annotated[str | None, typer.Option(
    "--playbook", metavar="FILE|ID", show_default=False,
    help="The playbook new deals run under: a YAML file, an id the store holds (its "
    "newest version, or ID@VERSION), or a bundled playbook's name (default: the only "
    "playbook the store holds; the bundled complex-b2b in an empty store).")]
"""The `--playbook FILE|ID` option of every command that opens deals."""

ActorOption = Annotated[str | None, typer.Option(
    "--actor", show_default=False,
    help="Who does this, as recorded in the event (default: $USER, else the deal's owner).")]
"""The `--actor` option of every command that changes a deal."""


def iso_date(value: str) -> dt.date:
    """Parse a `--until` or `--last-contact` date; a usage error (exit 2) when it is not one."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(_("{value} is not a date like 2026-06-30",
                                   value=repr(value))) from None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also in SQLite's URI form, `sqlite:///file:PATH?mode=ro&uri
    =true`); None for other databases and in-memory SQLite."""
    from dealflow.store import sqlite_file

    return sqlite_file(url)


_TEAM_FILE: list[str | None] = [None]
"""The team file `dealflow --team FILE` names for this run (set by the app's callback)."""


def use_team_file(path: str | None) -> None:
    """Use the team in `path` for this run (None: `DEALFLOW_TEAM`, else no team)."""
    _TEAM_FILE[0] = path


def open_store(db: str | None, *, create: bool = False) -> Store:
    """The store at `db` (see `database_url`); unless `create`, it must exist already. It
    knows our team when `--team FILE` or `DEALFLOW_TEAM` names one, and tells `speak`
    each playbook the command reads from it (the language of the output)."""
    from dealflow.cli._speaking_store import SpeakingStore
    from dealflow.deal import team_from_environment
    from dealflow.store import database_url

    url = database_url(db)
    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise StoreError(_("no database at {path}: create a deal first (dealflow deal new), "
                           "or point --db or DEALFLOW_DATABASE_URL at your database",
                           path=path))
    return SpeakingStore(url, team=team_from_environment(_TEAM_FILE[0]))


def read_playbook(choice: str | Path | None = None) -> Playbook:
    """`load_playbook(choice)` (a file, or a bundled playbook's name; None: the default),
    told to `speak` (the language of the output)."""
    from dealflow.playbook import load_playbook

    loaded = load_playbook(choice) if choice is not None else default_playbook()
    speak(loaded)
    return loaded


def _names_a_file(choice: str) -> bool:
    return Path(choice).exists() or "/" in choice or choice.endswith((".yaml", ".yml"))


def playbook_for_new_deals(store: Store | None, choice: str | None) -> Playbook:
    """What `--playbook FILE|ID` names for new deals: a file is loaded; an id is looked up
    in the store (if any), else among the bundled playbooks; without a choice, the store
    decides (see `Store.playbook_for_new_deals`), or the default playbook without a store."""
    if choice is not None and _names_a_file(choice):
        return read_playbook(choice)
    if store is None:
        return read_playbook(choice)
    return store.playbook_for_new_deals(choice)


@functools.cache
def default_playbook() -> Playbook:
    """The bundled default playbook, read once per process (playbooks are immutable)."""
    from dealflow.playbook import load_playbook

    return load_playbook()


def actor_of(actor: str | None, deal: Deal) -> str:
    """The actor given, else `$USER`, else the deal's owner."""
    return actor or os.environ.get("USER") or os.environ.get("USERNAME") or deal.owner


def run(store: Store, deal_id: str, operation: Callable[[Engine, Deal], Outcome],
        fmt: Format, done: Callable[[Outcome], str]) -> Outcome:
    """Apply `operation` to the stored deal and print what happened.

    A refused operation raises `MoveRefused` (exit 1; the CLI prints the gate report on
    stderr); with `--format json` the report is printed on stdout first.
    """
    outcome = store.apply(deal_id, operation)
    if not outcome.ok and fmt is Format.json:
        print_json(outcome.report.to_dict())
    outcome.raise_for_refusal()
    if fmt is Format.json:
        print_json(outcome_data(outcome))
        return outcome
    console.print(done(outcome), markup=False)
    for check in outcome.report.warnings:
        console.print("  " + _("warn {id}: {text}", id=check.id, text=check.text), markup=False)
        for reason in check.missing:
            console.print(f"        - {reason}", markup=False)
    return outcome


def outcome_data(outcome: Outcome) -> dict[str, Any]:
    """An outcome as plain data: the deal, the report and the events written."""
    from dealflow.engine import event_adapter

    return {"deal": outcome.deal.model_dump(mode="json"), "report": outcome.report.to_dict(),
            "events": [event_adapter.dump_python(e, mode="json") for e in outcome.events]}
