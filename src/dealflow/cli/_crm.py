"""`dealflow import-csv`: a CRM export (Salesforce, HubSpot, any CSV) through a mapping.

Exit codes: 0 when every deal was imported (repaired dates included); 1 when problems
left deals or rows out (the other deals are imported, every problem is printed with
its row), or when the file, the mapping or the playbook is invalid (nothing is
imported); 2 on a usage error; 3 when another writer changed a deal during the import
(run it again: what is stored already is skipped). A dry run exits the same way and
writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import N_, _
from dealflow._safe_text import visible
from dealflow.cli._lang import LangOption
from dealflow.cli._output import Format, FormatOption, console, err_console, guarded, print_json
from dealflow.cli._store import (
    DbOption,
    NewDealPlaybookOption,
    open_store,
    playbook_for_new_deals,
    sqlite_path,
)
from dealflow.errors import ImportProblems, Problem

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from dealflow.crm import CsvImport, Progress
    from dealflow.playbook import Playbook

MappingOption = Annotated[str, typer.Option(
    "--mapping", "-m", metavar="MAPPING", show_default=False,
    help="The mapping: a YAML file, or salesforce or hubspot (shipped with dealflow).")]
ExportedOnOption = Annotated[dt.datetime | None, typer.Option(
    "--exported-on", metavar="DATE", show_default=False,
    formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    help="The date the file was exported (2024-06-30; in the mapping's time zone): the "
    "date deals with no date at all take, when the mapping says undated: {date: exported}.")]


def import_csv(
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False,
                                         help="The CSV export.")],
    mapping: MappingOption,
    playbook: NewDealPlaybookOption = None,
    exported_on: ExportedOnOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the file and count what "
                                          "would be imported; write nothing.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1,
                                            help="Events per transaction.")] = 5000,
    db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Import deal history from a CRM export, through a mapping (all rows checked first).

    Deals with a problem are left out, the others imported; every problem is printed
    with its row. A deal with no date at all takes the date the mapping's `undated`
    gives it. Importing the same file again adds nothing. Exits 0 when everything was
    imported, 1 when problems left something out or the input is invalid.
    """
    from dealflow.crm import check_csv as check
    from dealflow.crm import count_lines, load_mapping
    from dealflow.crm import import_csv as run

    chosen = _chosen(db, playbook)
    loaded = load_mapping(mapping, chosen)
    loaded.export_time(exported_on, mapping)  # said before a database is created
    if not file.is_file():  # said before a database is created for nothing
        what = _("is not a file") if file.exists() else _("file not found")
        raise ImportProblems([Problem(str(file), 0, 0, "", what)])
    with _progress(file, count_lines(file)) as progress:
        if dry_run:
            with _read_only(db) as database:
                result = check(file, loaded, playbook=chosen, database=database,
                               exported_on=exported_on, progress=progress)
        else:
            with open_store(db, create=True) as store:
                result = run(store, file, loaded, playbook=chosen, exported_on=exported_on,
                             batch_size=batch_size, progress=progress)
    if fmt is Format.json:
        print_json(result.to_dict())
    else:
        _print(result)
    if not result.ok:
        raise typer.Exit(1)


_PHASES = {"checking": N_("checking"), "importing": N_("importing")}
"""The phases of an import, as the progress bar names them."""


@contextmanager
def _progress(file: Path, lines: int) -> Iterator[Progress]:
    """A progress bar on stderr over the rows of `file`, for both passes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(visible(_("checking {file}", file=file.name)), total=max(lines, 1))

        def update(phase: str, row: int) -> None:
            said = _(_PHASES.get(phase, phase))
            bar.update(task, description=visible(f"{said} {file.name}"), completed=row)

        yield update


def _chosen(db: str | None, playbook: str | None) -> Playbook:
    """The playbook the imported deals run under (see `playbook_for_new_deals`); a
    database that does not exist yet is not created for the question."""
    from dealflow.store import database_url

    path = sqlite_path(database_url(db))
    if path is not None and not path.exists():
        return playbook_for_new_deals(None, playbook)
    with open_store(db) as store:
        return playbook_for_new_deals(store, playbook)


@contextmanager
def _read_only(db: str | None) -> Iterator[Engine | None]:
    """The database for a dry run to compare with, if there is one; never created."""
    from dealflow.store import database_url, open_engine

    url = database_url(db)
    path = sqlite_path(url)
    if url.startswith("sqlite") and (path is None or not path.exists()):
        yield None  # an in-memory or missing SQLite database holds nothing
        return
    engine = open_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _print(result: CsvImport) -> None:
    dry = result.dry_run
    read = _("{file}: {rows} rows read (dry run: nothing written)", file=result.file,
             rows=result.rows) if dry else _("{file}: {rows} rows read", file=result.file,
                                             rows=result.rows)
    deals = _("deals: {deals} to import, {rejected} rejected", deals=result.deals,
              rejected=result.rejected) if dry else _(
        "deals: {deals} imported, {rejected} rejected", deals=result.deals,
        rejected=result.rejected)
    events = _("events: {added} to add, {skipped} already stored", added=result.added,
               skipped=result.skipped) if dry else _(
        "events: {added} added, {skipped} already stored", added=result.added,
        skipped=result.skipped)
    rows = {"done": result.imported_rows, "refused": result.refused_rows,
            "over": result.skipped_rows + result.duplicate_rows,
            "unmapped": result.skipped_rows, "repeated": result.duplicate_rows}
    counted = _("rows: {done} to import, {refused} refused, {over} passed over ({unmapped} of "
                "an unmapped stage, {repeated} repeated)", **rows) if dry else _(
        "rows: {done} imported, {refused} refused, {over} passed over ({unmapped} of an "
        "unmapped stage, {repeated} repeated)", **rows)
    lines = [read, deals, *_undated(result), events, counted]
    lines += _listed(_("problems"), result.problems, result.problem_count)
    lines += _listed(_("repairs"), result.repairs, result.repair_count)
    console.print("\n".join(lines), markup=False)


def _undated(result: CsvImport) -> list[str]:
    """`3 deals had no date; they take the export date, 2024-06-30`."""
    count, rule = result.undated, result.undated_rule
    if not count:
        return []
    if count == 1:
        return [_("1 deal has no date; it takes {rule}", rule=rule) if result.dry_run
                else _("1 deal had no date; it takes {rule}", rule=rule)]
    return [_("{count} deals have no date; they take {rule}", count=count, rule=rule)
            if result.dry_run else
            _("{count} deals had no date; they take {rule}", count=count, rule=rule)]


def _listed(title: str, found: tuple[Problem, ...], count: int) -> list[str]:
    if not count:
        return []
    lines = [f"{title} ({count}):", *(f"  {p}" for p in found)]
    if count > len(found):
        lines.append("  " + _("... and {count} more", count=count - len(found)))
    return lines


def register(app: typer.Typer) -> None:
    """Add `import-csv` to `app`."""
    app.command("import-csv")(guarded(import_csv))
