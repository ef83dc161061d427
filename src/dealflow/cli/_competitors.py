"""`dealflow competitor ...`: who else is in a deal, where we stand against each (issue 20)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._stakeholders import DealId
from dealflow.cli._store import (
    ActorOption,
    DbOption,
    PlaybookOption,
    actor_of,
    open_store,
    run,
)

competitor_app = typer.Typer(help="The competitors in a deal, and where we stand.",
                             no_args_is_help=True)


def _positions(values: list[str] | None) -> dict[str, str]:
    positions: dict[str, str] = {}
    for value in values or ():
        criterion, sep, position = value.partition("=")
        if not sep or position not in ("ahead", "even", "behind"):
            raise typer.BadParameter(
                _("{value}: write CRITERION=ahead, CRITERION=even or CRITERION=behind",
                  value=repr(value)), param_hint="--position")
        positions[criterion] = position
    return positions


def add(
    deal_id: DealId,
    rival_id: Annotated[str, typer.Option("--id", help="The competitor's id within the deal.",
                                          show_default=False)],
    name: Annotated[str, typer.Option("--name", help="Its name.", show_default=False)],
    incumbent: Annotated[bool, typer.Option("--incumbent", help="It is the incumbent.")
                         ] = False,
    strengths: Annotated[list[str] | None, typer.Option(
        "--strength", show_default=False, help="A strength of theirs (repeat).")] = None,
    positions: Annotated[list[str] | None, typer.Option(
        "--position", show_default=False,
        help="Our position against them on a decision criterion of the playbook: "
        "CRITERION=ahead|even|behind (repeat).")] = None,
    preferred_by: Annotated[list[str] | None, typer.Option(
        "--preferred-by", show_default=False,
        help="A stakeholder who prefers them (repeat).")] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Add a competitor to a deal (or change the one of that id)."""
    from pydantic import ValidationError

    from dealflow._plain import plain_errors
    from dealflow.deal import Competitor
    from dealflow.errors import DealflowError

    fields: dict[str, Any] = {
        "id": rival_id, "name": name, "incumbent": incumbent,
        "strengths": tuple(strengths or ()), "positions": _positions(positions),
        "preferred_by": tuple(preferred_by or ())}
    try:
        rival = Competitor(**fields)
    except ValidationError as exc:
        raise DealflowError(_("the competitor is not valid:") + "\n" + "\n".join(
            f"  {problem}" for problem in plain_errors(exc))) from None
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.set_competitor(
            deal, rival, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: competitor {id} ({name})", deal=o.deal.id, id=rival.id,
                        name=rival.name))


def remove(
    deal_id: DealId,
    rival_id: Annotated[str, typer.Argument(metavar="ID", help="The competitor's id.",
                                            show_default=False)],
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Take a competitor off a deal."""
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.remove_competitor(
            deal, rival_id, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: removed competitor {id}", deal=o.deal.id, id=rival_id))


def list_rivals(deal_id: DealId, db: DbOption = None, fmt: FormatOption = Format.table,
                lang: LangOption = None) -> None:
    """List a deal's competitors: incumbent, strengths, our positions, who prefers them."""
    from rich.table import Table

    with open_store(db) as store:
        deal = store.get(deal_id)
    if fmt is Format.json:
        print_json({"deal_id": deal.id, "lost_to": deal.lost_to, "competitors": [
            rival.model_dump(mode="json") for rival in deal.competitors]})
        return
    table = Table(title=_("Competitors of {deal}", deal=deal.id))
    for header in (_("Id"), _("Name"), _("Incumbent"), _("Strengths"), _("Our position"),
                   _("Preferred by")):
        table.add_column(header)
    for rival in deal.competitors:
        table.add_row(rival.id, rival.name, _("yes") if rival.incumbent else "-",
                      "; ".join(rival.strengths) or "-",
                      ", ".join(f"{k}: {v}" for k, v in rival.positions.items()) or "-",
                      ", ".join(rival.preferred_by) or "-")
    console.print(table)


def competition_figures(db: DbOption = None, fmt: FormatOption = Format.table,
                        playbook: PlaybookOption = None,
                        lang: LangOption = None) -> None:
    """Win rate and lost reasons by competitor, over the closed deals."""
    from dealflow.analytics import competition

    with open_store(db) as store:
        chosen = store.choose_playbook(playbook)
        figures = competition(store, playbook=chosen)
    if fmt is Format.json:
        print_json({"playbook": {"id": chosen.id}, "competitors": [
            entry.to_dict() for entry in figures]})
        return
    from rich.table import Table

    reasons = {reason.id: chosen.text(reason.name, here()) for reason in chosen.lost_reasons}
    table = Table(title=_("Win rate by competitor"), title_justify="left")
    for header in (_("Competitor"), _("Won"), _("Lost"), _("Win rate"), _("They won"),
                   _("Incumbent in"), _("Lost reasons")):
        table.add_column(header)
    for entry in figures:
        rate = "–" if entry.rate.rate is None else f"{entry.rate.rate:.0%}"
        table.add_row(entry.name, str(entry.rate.won), str(entry.rate.lost), rate,
                      str(entry.lost_to), str(entry.incumbent_in), ", ".join(
                          f"{reasons.get(k, k)} {v}" for k, v in entry.lost_reasons.items())
                      or "-")
    if not figures:
        console.print(_("No closed deal names a competitor."), markup=False)
        return
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `dealflow competitor ...` and `dealflow competition` to `app`."""
    app.command("competition")(guarded(competition_figures))
    competitor_app.command()(guarded(add))
    competitor_app.command()(guarded(remove))
    competitor_app.command("list")(guarded(list_rivals))
    app.add_typer(competitor_app, name="competitor")
