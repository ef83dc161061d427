"""`dealflow fact set` and `dealflow item done`: what the customer confirmed, what we did."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, guarded
from dealflow.cli._store import ActorOption, DbOption, actor_of, iso_date, open_store, run
from dealflow.deal import Source

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.deal import Deal, Evidence
    from dealflow.engine import Engine, Outcome
    from dealflow.playbook import Playbook

fact_app = typer.Typer(help="Set the facts a deal's control points read.", no_args_is_help=True)
item_app = typer.Typer(help="Mark checklist items done.", no_args_is_help=True)

DealId = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                        show_default=False)]


def set_fact(
    deal_id: DealId,
    name: Annotated[str, typer.Argument(metavar="NAME", help="A fact declared by the playbook.",
                                        show_default=False)],
    value: Annotated[str | None, typer.Argument(
        metavar="VALUE",
        help="Its value, typed by the playbook: true/false, a number, a date like "
             "2026-06-30, text, one of an enum's values (its id or its label), money like "
             "'150000 EUR', or a JSON list like '[\"Acme\", \"Globex\"]'.",
        show_default=False)] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Unset the fact instead.")] = False,
    evidence: Annotated[str | None, typer.Option(
        "--evidence", help="What backs it: a text, a link or a document reference.",
        show_default=False)] = None,
    source: Annotated[Source | None, typer.Option(
        "--source", help="Where the evidence came from.", show_default=False)] = None,
    confirmed_by: Annotated[str | None, typer.Option(
        "--confirmed-by", metavar="PERSON",
        help="The id of the stakeholder (on the deal's map) who confirmed it.",
        show_default=False)] = None,
    on: Annotated[dt.date | None, typer.Option(
        "--on", parser=iso_date, metavar="YYYY-MM-DD",
        help="The day it was confirmed (default: today, when evidence is given).",
        show_default=False)] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Set a fact of a deal (or unset it with --clear), with the evidence behind it."""
    from dealflow.cli._views import show
    from dealflow.deal import fact_text

    if clear == (value is not None):
        raise typer.BadParameter(_("give a VALUE, or --clear to unset the fact"),
                                 param_hint="VALUE")
    backing = _evidence(evidence, source, confirmed_by, on)

    def done(outcome: Outcome) -> str:
        if clear:
            return _("{deal}: {fact} cleared", deal=outcome.deal.id, fact=name)
        fact = next((f for f in playbooks[0].facts if f.id == name), None)
        value = outcome.deal.facts[name]
        pb = playbooks[0]
        shown = fact_text(fact, value, here() or "", pb.default_locale) \
            if fact is not None and fact.type in (
            "enum", "list") else show(value)
        return _("{deal}: {fact} = {value}", deal=outcome.deal.id, fact=name, value=shown)

    playbooks: list[Playbook] = []

    def set_it(engine: Engine, deal: Deal) -> Outcome:
        playbooks.append(engine.playbook)
        return engine.set_fact(deal, name, value, actor=actor_of(actor, deal),
                               evidence=_dated(backing, engine.clock()))

    with open_store(db) as store:
        run(store, deal_id, set_it, fmt, done)


def _evidence(evidence: str | None, source: Source | None, confirmed_by: str | None,
              on: dt.date | None) -> Evidence | None:
    """The evidence given with `fact set`, or None when no option gives any."""
    if evidence is None and source is None and confirmed_by is None and on is None:
        return None
    from pydantic import ValidationError

    from dealflow.deal import Evidence

    try:
        return Evidence(evidence=evidence, source=source, confirmed_by=confirmed_by, on=on)
    except ValidationError as exc:
        from dealflow._plain import plain_errors

        raise typer.BadParameter("; ".join(plain_errors(exc)), param_hint="--evidence") from None


def _dated(evidence: Evidence | None, now: dt.datetime) -> Evidence | None:
    """Evidence dated today (UTC) when no day was given."""
    if evidence is None or evidence.on is not None:
        return evidence
    return evidence.model_copy(update={"on": now.astimezone(dt.UTC).date()})


def item_done(
    deal_id: DealId,
    item_id: Annotated[str, typer.Argument(
        metavar="ITEM_ID",
        help="An item of the current stage's checklist (item@person for per-person items).",
        show_default=False)],
    evidence: Annotated[str | None, typer.Option(
        "--evidence", help="What shows it was done (required by some items).")] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Mark an item of a deal's current checklist done."""
    with open_store(db) as store:
        run(store, deal_id,
            lambda engine, deal: engine.complete_item(deal, item_id, evidence=evidence,
                                                      actor=actor_of(actor, deal)),
            fmt, lambda o: _("{deal}: {item} done in {stage}", deal=o.deal.id, item=item_id,
                             stage=o.deal.stage))


def register(app: typer.Typer) -> None:
    """Add `dealflow fact ...` and `dealflow item ...` to `app`."""
    fact_app.command("set")(guarded(set_fact))
    item_app.command("done")(guarded(item_done))
    app.add_typer(fact_app, name="fact")
    app.add_typer(item_app, name="item")
