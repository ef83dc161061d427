"""`dealflow map DEAL`: the decision chain drawn, as Mermaid, SVG or JSON (issue 20)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dealflow._messages import _, use_locale
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import console, guarded, print_json
from dealflow.cli._stakeholders import DealId
from dealflow.cli._store import DbOption, open_store
from dealflow.cli._target import write_output


class MapFormat(StrEnum):
    """What `dealflow map` draws."""

    mermaid = "mermaid"
    svg = "svg"
    json = "json"


def draw(
    deal_id: DealId,
    fmt: Annotated[MapFormat, typer.Option("--format", "-f", help="mermaid (a flowchart to "
                                           "paste into Markdown), svg or json.")
                   ] = MapFormat.mermaid,
    lang: LangOption = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
    db: DbOption = None,
) -> None:
    """Draw a deal's decision chain: organisations, people by stance and influence,
    reporting and influence lines, our relationship owners."""
    from dealflow.stakeholders import chain_graph, chain_mermaid, chain_svg

    with open_store(db) as store:
        deal = store.get(deal_id)
        playbook = store.engine_for(deal).playbook
    if lang is not None and lang not in playbook.locales:
        raise typer.BadParameter(_("{lang} is not a locale of {id}; use one of {locales}",
                                   lang=repr(lang), id=playbook.id,
                                   locales=", ".join(playbook.locales)), param_hint="--lang")
    with use_locale(here()):
        graph = chain_graph(playbook, deal, here())
        if fmt is MapFormat.json and output is None:
            print_json(graph.to_dict())
            return
        import json

        text = (chain_svg(graph) if fmt is MapFormat.svg else chain_mermaid(graph)
                if fmt is MapFormat.mermaid else
                json.dumps(graph.to_dict(), ensure_ascii=False, indent=2) + "\n")
    if output is None:
        console.file.write(text)
        return
    write_output(output, lambda out: out.write(text))
    console.print(_("wrote {path}", path=output), markup=False)


def register(app: typer.Typer) -> None:
    """Add `dealflow map` to `app`."""
    app.command("map")(guarded(draw))
