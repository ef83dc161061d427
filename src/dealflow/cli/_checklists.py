"""`dealflow checklist`: a deal's SOP checklist as Markdown, HTML or JSON."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import console, guarded
from dealflow.cli._store import DbOption, open_store, read_playbook
from dealflow.cli._target import write_output
from dealflow.errors import DealFileError, DealflowError, DealNotFound, Problem, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.deal import Deal
    from dealflow.playbook import Playbook


class ChecklistFormat(StrEnum):
    """Layouts of a checklist."""

    md = "md"
    html = "html"
    json = "json"
    plain = "plain"


def checklist(
    deal: Annotated[str, typer.Argument(metavar="DEAL", show_default=False, help=(
        "Deal file (JSON or YAML), or the id of a deal in the store (--db)."))],
    fmt: Annotated[ChecklistFormat, typer.Option("--format", "-f", help="Layout: md, html, "
                                                 "plain or json.")] = ChecklistFormat.md,
    lang: LangOption = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
    playbook: Annotated[str | None, typer.Option("--playbook", "-p", help="Playbook file "
                                                 "or bundled name (default: the deal's "
                                                 "playbook_id, else the only playbook of "
                                                 "the store).")] = None,
    db: DbOption = None,
) -> None:
    """Print (or write) the checklist of a deal's current stage.

    DEAL is a deal file when such a file exists, else the id of a deal in the store.
    """
    from dealflow.deal import load_deal_file
    from dealflow.sop import build_checklist, render_checklist

    if Path(deal).is_file():
        loaded = _file_playbook(Path(deal), playbook, db)
        _check_locale(loaded, lang)
        record = load_deal_file(deal, loaded)
    else:
        loaded, record = _stored_deal(deal, db, playbook)
        _check_locale(loaded, lang)
    sheet = build_checklist(loaded, record, now=dt.datetime.now(dt.UTC), locale=here())
    stage = loaded.stage(record.stage)
    template_dir = Path(playbook).parent if playbook and Path(playbook).is_file() else None
    template = stage.template if stage.template and fmt is not ChecklistFormat.json else None
    if template and fmt is ChecklistFormat.html and not template.endswith(".html.j2"):
        template = None  # a stage template lays out one format: its name says which
    if template and fmt is ChecklistFormat.md and not template.endswith(".md.j2"):
        template = None
    if template and fmt is ChecklistFormat.plain and not template.endswith(".txt.j2"):
        template = None
    text = render_checklist(sheet, fmt.value, template_dir=template_dir, template=template)
    if output is None:
        console.file.write(text)
        return
    write_output(output, lambda out: out.write(text))
    console.print(_("wrote {path}", path=output), markup=False)


def _check_locale(loaded: Playbook, lang: str | None) -> None:
    """A checklist is all the playbook's text: only its own locales."""
    if lang is not None and lang not in loaded.locales:
        raise typer.BadParameter(_("{lang} is not a locale of {id}; use one of {locales}",
                                   lang=repr(lang), id=loaded.id,
                                   locales=", ".join(loaded.locales)), param_hint="--lang")


def _stored_deal(deal_id: str, db: str | None, playbook: str | None) -> tuple[Playbook, Deal]:
    """The stored deal `deal_id` and the playbook it runs under (`--playbook` may name the
    same playbook as a file, for its templates)."""
    try:
        with open_store(db) as store:
            record = store.get(deal_id)
            runs_under = store.engine_for(record).playbook
    except (DealNotFound, StoreError) as exc:
        raise DealflowError(_("{deal}: file not found, and not a deal in the store: {error}",
                              deal=deal_id, error=exc)) from None
    if playbook is None:
        return runs_under, record
    chosen = read_playbook(playbook)
    if (chosen.id, chosen.version) != (runs_under.id, runs_under.version):
        raise typer.BadParameter(_("deal {deal} runs under {playbook} {version}, not {other} "
                                   "{other_version}", deal=deal_id, playbook=runs_under.id,
                                   version=runs_under.version, other=chosen.id,
                                   other_version=chosen.version), param_hint="--playbook")
    return chosen, record


def _file_playbook(deal: Path, playbook: str | None, db: str | None) -> Playbook:
    """The playbook of a deal file: `--playbook`, else the file's `playbook_id`, else the
    only playbook of the store (`--db`); a `DealFileError` naming the file and the field
    when none of them says."""
    if playbook is not None:
        return read_playbook(playbook)
    named = _playbook_id_of(deal)
    if named is not None:
        return read_playbook(named)
    try:
        with open_store(db) as store:
            return store.choose_playbook()
    except StoreError:  # no store (or one that holds no single playbook): say what to give
        pass
    raise DealFileError([Problem(str(deal), 1, 1, "playbook_id", _(
        "the deal file names no playbook: add `playbook_id: ID` (a bundled playbook's "
        "name), or give --playbook FILE|NAME, or --db with a store of one playbook"))])


def _playbook_id_of(deal: Path) -> str | None:
    from dealflow._text_files import read_text
    from dealflow._yaml import DocumentError, read_document

    try:
        data = read_document(read_text(deal), str(deal)).data
    except DocumentError as exc:
        raise DealFileError([exc.problem]) from None
    if isinstance(data, dict) and isinstance(data.get("playbook_id"), str):
        return str(data["playbook_id"])
    if not isinstance(data, dict):
        raise DealFileError([Problem(str(deal), 1, 1, "", _(
            "a deal file holds a mapping of fields such as `id:` and `title:`"))])
    return None


def register(app: typer.Typer) -> None:
    """Add the checklist command to `app`."""
    app.command()(guarded(checklist))
