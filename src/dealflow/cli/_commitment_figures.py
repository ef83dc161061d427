"""`dealflow slip`, `dealflow plays-report` and `dealflow forecast --by month|quarter`:
the figures of close dates and plays (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import DbOption, PlaybookOption, open_store

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.analytics import PeriodForecast


def _moment(value: str | None, flag: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
    except ValueError:
        raise typer.BadParameter(_("{value} is not a date like 2026-01-31", value=repr(value)),
                                 param_hint=flag) from None


def slip(
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", help=(
        "The period's first day: pushes on or after DATE count as pushed in the period."))
    ] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="DATE", help=(
        "The day after the period: pushes before DATE count."))] = None,
    db: DbOption = None, fmt: FormatOption = Format.table, playbook: PlaybookOption = None,
) -> None:
    """Close-date slip: pushes per deal, days slipped, deals pushed in a period."""
    from dealflow.analytics import slip as compute
    from dealflow.cli._views import out, table, text

    start, end = _moment(since, "--since"), _moment(until, "--until")
    with open_store(db) as store:
        result = compute(store, since=start, until=end, playbook=playbook)
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    period = _("the whole history") if start is None and end is None else _(
        "{since} to {until}", since=since or "…", until=until or "…")
    console.print(_("{deals} deal(s) with a close date; {pushed} pushed ({pushes} pushes, "
                    "{days} days slipped); {recent} pushed in {period}",
                    deals=len(result.deals), pushed=result.deals_pushed,
                    pushes=result.pushes, days=result.days_slipped,
                    recent=result.deals_pushed_in_period, period=period), markup=False)
    if not result.deals:
        return
    made = table("deal", "owner", "stage", "status", "first", "now", "pushes", "days",
                 "in period", title=_("Slip by deal"))
    for row in sorted(result.deals, key=lambda d: (-d.days_slipped, d.deal_id)):
        made.add_row(*(text(value) for value in (
            row.deal_id, row.owner, row.stage, row.status, row.first or "–",
            row.current or "–", row.pushes, row.days_slipped, row.pushes_in_period)))
    out(console, made)


def print_period_forecast(result: PeriodForecast, fmt: Format, explain: bool) -> None:
    """`forecast --by`: the periods, and with `explain` each deal's contribution."""
    from dealflow.cli._views import out, table, text

    if fmt is Format.json:
        print_json(result.to_dict())
        return
    made = table(result.by, "deals", "amount", "CRM way", "from history",
                 title=_("Forecast by {by} of expected close", by=result.by))
    for row in result.periods:
        made.add_row(text(row.period or _("no close date")), text(row.deals),
                     text(f"{row.amount:,}"), text(f"{row.crm_total:,}"),
                     text(f"{row.history_total:,}"))
    out(console, made)
    if explain:
        why = table(result.by, "deal", "contribution", title=_("Each deal's contribution"))
        for deal in result.deals:
            why.add_row(text(deal.period or _("no close date")), text(deal.deal_id),
                        text(deal.explained))
        out(console, why)


def plays_report(db: DbOption = None, fmt: FormatOption = Format.table,
                 playbook: PlaybookOption = None) -> None:
    """Each play: how often it fired, was taken on, and how the deals went after."""
    from dealflow.analytics import plays_report as compute
    from dealflow.cli._views import out, table, text

    with open_store(db) as store:
        result = compute(store, now=store.clock(), playbook=playbook)
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    if not result.plays:
        console.print(_("the playbook declares no plays"), markup=False)
        return
    made = table("play", "fired", "taken", "declined", "outcomes", "after taken",
                 "after declined", title=_("Plays (after: won/lost/open now)"))
    for row in result.plays:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(row.outcomes.items())) or "–"
        made.add_row(*(text(value) for value in (
            row.play, _("{fired} ({now} now)", fired=row.fired, now=row.firing_now),
            row.taken, row.declined, outcomes,
            "/".join(str(row.after_taken[k]) for k in ("won", "lost", "open")),
            "/".join(str(row.after_declined[k]) for k in ("won", "lost", "open")))))
    out(console, made)


def register(app: typer.Typer) -> None:
    """Add `slip` and `plays-report` to `app`."""
    app.command("slip")(guarded(slip))
    app.command("plays-report")(guarded(plays_report))
