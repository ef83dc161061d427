"""`dealflow deal edit` and `dealflow deal next-step`: change a deal's own fields.

Each is one engine operation (`Engine.edit`, `Engine.set_next_step`) through
`Store.apply`, recorded as one event (`deal_edited`, `next_step_set`) that replays to the
same deal. Registered on the `deal` sub-app of `dealflow.cli._deals`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dealflow._messages import N_, _
from dealflow.cli._lang import LangOption
from dealflow.cli._output import Format, FormatOption, guarded
from dealflow.cli._store import ActorOption, DbOption, actor_of, iso_date, open_store, run
from dealflow.errors import DealflowError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.deal import Deal, NextStep
    from dealflow.engine import Engine, Outcome

DealId = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                        show_default=False)]

EDITABLE = (N_("title"), N_("account"), N_("amount"), N_("currency"), N_("owner"))
"""The fields `deal edit` changes, in the order it reports them."""


def _text_option(flag: str, what: str) -> Any:
    return typer.Option(flag, help=what, show_default=False)


def edit(
    deal_id: DealId,
    title: Annotated[str | None, _text_option("--title", "What is being sold.")] = None,
    account: Annotated[str | None, _text_option("--account", "The customer.")] = None,
    amount: Annotated[str | None, _text_option(
        "--amount", "The deal's value, a plain number (1200000 or 1200000.50).")] = None,
    currency: Annotated[str | None, _text_option("--currency", "ISO currency code.")] = None,
    owner: Annotated[str | None, _text_option("--owner", "Our account manager.")] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Change a deal's title, account, amount, currency or owner (only those given)."""
    given = {"title": title, "account": account, "amount": amount, "currency": currency,
             "owner": owner}
    changes: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if not changes:
        raise typer.BadParameter(_("give at least one of --title, --account, --amount, "
                                   "--currency or --owner"), param_hint="changes")
    before: list[Deal] = []

    def operation(engine: Engine, deal: Deal) -> Outcome:
        before.append(deal)
        return engine.edit(deal, actor=actor_of(actor, deal), **changes)

    def done(outcome: Outcome) -> str:
        from dealflow.cli._views import show

        old, new = before[-1], outcome.deal
        lines = [f"  {_(key)}: {show(getattr(old, key))} -> {show(getattr(new, key))}"
                 for key in EDITABLE if key in changes]
        return "\n".join([_("{deal} edited:", deal=new.id), *lines])

    with open_store(db) as store:
        run(store, deal_id, operation, fmt, done)


def next_step(
    deal_id: DealId,
    what: Annotated[str | None, _text_option(
        "--what", "What happens next, as agreed with the customer.")] = None,
    who: Annotated[str | None, _text_option(
        "--who", "Who does it (default: the deal's owner).")] = None,
    due: Annotated[dt.date | None, typer.Option(
        "--due", parser=iso_date, metavar="YYYY-MM-DD", show_default=False,
        help="By when.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Clear the next step instead.")
                     ] = False,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Record a deal's agreed next step: what, who, by when (or clear it with --clear)."""
    if clear and (what, who, due) != (None, None, None):
        raise typer.BadParameter(_("--clear takes no --what, --who or --due"),
                                 param_hint="--clear")
    if not clear and (what is None or due is None):
        raise typer.BadParameter(_("give --what and --due (and --who), or --clear to clear "
                                   "the next step"), param_hint="--what/--due")

    def operation(engine: Engine, deal: Deal) -> Outcome:
        step = None if clear else _step(what or "", deal.owner if who is None else who, due)
        return engine.set_next_step(deal, step, actor=actor_of(actor, deal))

    def done(outcome: Outcome) -> str:
        step = outcome.deal.next_step
        if step is None:
            return _("{deal}: next step cleared", deal=outcome.deal.id)
        return _("{deal}: next step {what} ({who}, by {due})", deal=outcome.deal.id,
                 what=step.what, who=step.who, due=step.due)

    with open_store(db) as store:
        run(store, deal_id, operation, fmt, done)


def _step(what: str, who: str, due: dt.date | None) -> NextStep:
    """The next step, or a `DealflowError` naming each invalid field (nothing is written)."""
    from pydantic import ValidationError

    from dealflow._plain import plain_errors
    from dealflow.deal import NextStep

    try:
        return NextStep(what=what, who=who, due=due)
    except ValidationError as exc:
        raise DealflowError(_("the next step is not valid:") + "\n" + "\n".join(
            f"  --{problem}" for problem in plain_errors(exc))) from None


def register(app: typer.Typer) -> None:
    """Add `edit` and `next-step` to the `deal` sub-app `app`."""
    app.command()(guarded(edit))
    app.command("next-step")(guarded(next_step))
