"""`dealflow approve`: record an internal approval of a deal, given by a person of ours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption
from dealflow.cli._output import Format, FormatOption, guarded
from dealflow.cli._store import DbOption, open_store, run, use_team_file

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine import Outcome


def _approved(outcome: Outcome) -> str:
    (event,) = outcome.events
    data = event.model_dump()
    what = ", ".join(f"{name} {value}" for name, value in data["snapshot"].items())
    return _("{deal}: approval {approval} given by {by} as {role}{what}", deal=event.deal_id,
             approval=data["approval"], by=event.actor, role=data["role"],
             what=_(" (approved: {what})", what=what) if what else "")


def approve(
    deal_id: Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                           show_default=False)],
    approval: Annotated[str, typer.Argument(metavar="APPROVAL", show_default=False,
                                            help="The id of one of the playbook's approvals.")],
    by: Annotated[str, typer.Option("--by", metavar="PERSON", show_default=False,
                                    help="Who gives it: a person of the team holding one of "
                                    "the approval's roles.")],
    note: Annotated[str, typer.Option("--note", help="What was approved and on what "
                                      "evidence.")] = "",
    team: Annotated[str | None, typer.Option(
        "--team", metavar="FILE", show_default=False,
        help="Our team (default: dealflow --team, else $DEALFLOW_TEAM).")] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Record an internal approval of a deal, with a snapshot of what was approved."""
    if team is not None:
        use_team_file(team)
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.approve(deal, approval, by=by,
                                                                 note=note), fmt, _approved)


def register(app: typer.Typer) -> None:
    """Add `dealflow approve` to `app`."""
    app.command()(guarded(approve))
