"""`dealflow events`, `import` and `export`: the event log in and out as JSON Lines, and
deals or events out as CSV."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow._safe_text import visible
from dealflow.cli._lang import LangOption
from dealflow.cli._limit_options import LimitsOption, limits_in_force
from dealflow.cli._output import (
    Format,
    FormatOption,
    console,
    err_console,
    for_terminal,
    guarded,
    print_json,
)
from dealflow.cli._store import DbOption, PlaybookOption, open_store
from dealflow.cli._target import write_output

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.store import Store


def events(deal_id: Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                                     show_default=False)],
           db: DbOption = None, fmt: FormatOption = Format.table,
           lang: LangOption = None) -> None:
    """Print a deal's event log, first to last."""
    from dealflow.cli import _views as v
    from dealflow.engine import event_adapter

    with open_store(db) as store:
        store.get(deal_id)  # DealNotFound for an unknown id (and its playbook's language)
        found = store.events(deal_id)
    if fmt is Format.json:
        print_json([event_adapter.dump_python(event, mode="json") for event in found])
        return
    v.out(console, v.events_table(found))


def _count_lines(path: Path) -> int:
    """The non-blank lines of `path`, read in chunks (a very long line is never held whole)."""
    count, filled = 0, False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            *ended, rest = chunk.split(b"\n")
            for part in ended:
                count += filled or bool(part.strip())
                filled = False
            filled = filled or bool(rest.strip())
    return count + filled


def import_events(
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False,
                                         help="A JSON Lines file as `dealflow export` writes "
                                              "it: playbooks, then one event per line.")],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1,
                                            help="Events per transaction.")] = 5000,
    db: DbOption = None, fmt: FormatOption = Format.table, limits: LimitsOption = None,
) -> None:
    """Import playbooks and events from a JSON Lines file (all checked first; re-run to
    complete one that was cut short, without duplicates). A line longer than the limit
    max_line_bytes is refused; change it with --limits or DEALFLOW_LIMITS."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dealflow.store import import_jsonl

    total = _count_lines(file) if file.is_file() else 0
    with limits_in_force(limits), open_store(db, create=True) as store, Progress(
            TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
            console=err_console, transient=False) as progress:
        task = progress.add_task(visible(_("importing {file}", file=file.name)), total=total)
        result = import_jsonl(store, file, batch_size=batch_size,
                              progress=lambda done: progress.update(task, completed=done))
    if fmt is Format.json:
        print_json({"lines": result.lines, "added": result.added, "skipped": result.skipped,
                    "deals": result.deals, "playbooks": result.playbooks})
        return
    console.print(_("lines: {lines}, added: {added}, skipped: {skipped}, deals: {deals}, "
                    "playbooks added: {playbooks}", lines=result.lines, added=result.added,
                    skipped=result.skipped, deals=result.deals, playbooks=result.playbooks),
                  markup=False)


class ExportFormat(StrEnum):
    """Layouts of an export."""

    jsonl = "jsonl"
    csv = "csv"


class ExportWhat(StrEnum):
    """What an export holds."""

    events = "events"
    deals = "deals"


Writer = Callable[["Store", IO[str]], int]
"""Writes the export to an open text file; returns the number of records."""


def export(
    deal_id: Annotated[str | None, typer.Option("--deal", help="Only this deal's events.")
                       ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE "
                                                "(default: standard output).")] = None,
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", "-f", help="jsonl (events, for `dealflow import`) or csv (for "
        "spreadsheets; cells that would start a formula begin with ').")
        ] = ExportFormat.jsonl,
    what: Annotated[ExportWhat | None, typer.Option(
        "--what", help="events, or deals (one row per deal; csv only). Default: events "
        "for jsonl, deals for csv.", show_default=False)] = None,
    playbook: PlaybookOption = None,
    db: DbOption = None,
) -> None:
    """Export events as JSON Lines (every deal's, for a backup), or one playbook's deals
    or events as CSV; or only one deal's."""
    from dealflow.store import export_csv, export_jsonl

    chosen = what or (ExportWhat.deals if fmt is ExportFormat.csv else ExportWhat.events)
    if fmt is ExportFormat.jsonl and chosen is ExportWhat.deals:
        raise typer.BadParameter(_("a JSON Lines export holds events (what `dealflow import` "
                                   "reads); use --format csv for one row per deal, or "
                                   "--format json on `dealflow deal list`"),
                                 param_hint="--what")

    def write(store: Store, out: IO[str]) -> int:
        if fmt is ExportFormat.csv:
            return export_csv(store, out, chosen.value, deal_id, playbook=playbook)
        return export_jsonl(store, out, deal_id)

    with open_store(db) as store:
        if deal_id is not None:
            store.get(deal_id)  # DealNotFound for an unknown id
        if output is None:
            write(store, for_terminal(sys.stdout, as_json=fmt is ExportFormat.jsonl))
            sys.stdout.flush()
            return
        count = write_output(output, lambda out: write(store, out),
                             newline="" if fmt is ExportFormat.csv else "\n")
    said = _("wrote {count} deal(s) to {path}", count=count, path=output) \
        if chosen is ExportWhat.deals else _("wrote {count} event(s) to {path}", count=count,
                                              path=output)
    err_console.print(said, markup=False)


def register(app: typer.Typer) -> None:
    """Add `events`, `import` and `export` to `app`."""
    app.command("events")(guarded(events))
    app.command("import")(guarded(import_events))
    app.command("export")(guarded(export))
