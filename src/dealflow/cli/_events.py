"""`dealflow events`, `import` and `export`: the event log, in and out as JSON Lines."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow.cli._output import Format, FormatOption, console, err_console, guarded, print_json
from dealflow.cli._store import DbOption, open_store
from dealflow.errors import DealflowError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.store import Store


def events(deal_id: Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                                     show_default=False)],
           db: DbOption = None, fmt: FormatOption = Format.table) -> None:
    """Print a deal's event log, first to last."""
    from dealflow.cli import _views as v
    from dealflow.events import event_adapter

    with open_store(db) as store:
        store.get(deal_id)  # DealNotFound for an unknown id
        found = store.events(deal_id)
    if fmt is Format.json:
        print_json([event_adapter.dump_python(event, mode="json") for event in found])
        return
    v.out(console, v.events_table(found))


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def import_events(
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False,
                                         help="A JSON Lines file, one event per line.")],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1,
                                            help="Events per transaction.")] = 5000,
    db: DbOption = None, fmt: FormatOption = Format.table,
) -> None:
    """Import events from a JSON Lines file (all checked first; re-run to complete one
    that was cut short, without duplicates)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dealflow.store import import_jsonl

    total = _count_lines(file) if file.is_file() else 0
    with open_store(db, create=True) as store, Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            console=err_console, transient=False) as progress:
        task = progress.add_task(f"importing {file.name}", total=total)
        result = import_jsonl(store, file, batch_size=batch_size,
                              progress=lambda done: progress.update(task, completed=done))
    if fmt is Format.json:
        print_json({"lines": result.lines, "added": result.added, "skipped": result.skipped,
                    "deals": result.deals})
        return
    console.print(f"lines: {result.lines}, added: {result.added}, skipped: {result.skipped}, "
                  f"deals: {result.deals}", markup=False)


def export(
    deal_id: Annotated[str | None, typer.Option("--deal", help="Only this deal's events.")
                       ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE "
                                                "(default: standard output).")] = None,
    db: DbOption = None,
) -> None:
    """Export events as JSON Lines (every deal's, or one deal's)."""
    from dealflow.store import export_jsonl

    with open_store(db) as store:
        if deal_id is not None:
            store.get(deal_id)  # DealNotFound for an unknown id
        if output is None:
            export_jsonl(store, sys.stdout, deal_id)
            sys.stdout.flush()
            return
        count = _export_to_file(store, output, deal_id)
    err_console.print(f"wrote {count} event(s) to {output}", markup=False)


def _export_to_file(store: Store, output: Path, deal_id: str | None) -> int:
    """Write to a temporary file beside `output`, then rename: never a half-written file."""
    from dealflow.store import export_jsonl

    folder = output.parent if str(output.parent) else Path(".")
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".tmp")
    except OSError as exc:
        raise DealflowError(f"cannot write {output}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            count = export_jsonl(store, out, deal_id)
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)  # mkstemp makes the file private
        os.replace(name, output)
    except BaseException as exc:
        Path(name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DealflowError(f"cannot write {output}: {exc.strerror or exc}") from None
        raise
    return count


def register(app: typer.Typer) -> None:
    """Add `events`, `import` and `export` to `app`."""
    app.command("events")(guarded(events))
    app.command("import")(guarded(import_events))
    app.command("export")(guarded(export))
