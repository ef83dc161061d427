"""`dealflow slip`, `dealflow plays-report` and `dealflow forecast --by month|quarter`:
the figures of close dates and plays (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import DbOption, PlaybookOption, open_store
from dealflow.cli._views import word

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.analytics import PeriodForecast


def _table(title: str, columns: list[str], rows: list[list[Any]], *,
           numbers: frozenset[int] = frozenset()) -> None:
    """A boxed table of literal cells; ids (the first column, deals, plays) never wrap; the
    columns in `numbers` align right."""
    from rich.table import Table

    from dealflow.cli._views import plain

    table = Table(title=plain(title), title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index in numbers else "left",
                         no_wrap=index == 0 or column in (_("Deal"), _("Play")))
    for row in rows:
        table.add_row(*[plain(str(cell)) for cell in row])
    console.print(table)


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
    lang: LangOption = None,
) -> None:
    """Close-date slip: pushes per deal, days slipped, deals pushed in a period."""
    from dealflow.analytics import slip as compute

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
    _table(_("Slip by deal"), [_("Deal"), _("Owner"), _("Stage"), _("Status"), _("First"),
                               _("Now"), _("Pushes"), _("Days"), _("In period")],
           [[row.deal_id, row.owner, row.stage, word(row.status), row.first or "–",
             row.current or "–", row.pushes, row.days_slipped, row.pushes_in_period]
            for row in sorted(result.deals, key=lambda d: (-d.days_slipped, d.deal_id))],
           numbers=frozenset({6, 7, 8}))


def print_period_forecast(result: PeriodForecast, fmt: Format, explain: bool) -> None:
    """`forecast --by`: the periods, and with `explain` each deal's contribution."""

    if fmt is Format.json:
        print_json(result.to_dict())
        return
    by = _("Month") if result.by == "month" else _("Quarter")
    _table(_("Forecast by {by} of expected close", by=word(result.by)),
           [by, _("Deals"), _("Amount"), _("CRM way"), _("From history")],
           [[row.period or _("no close date"), row.deals, f"{row.amount:,}",
             f"{row.crm_total:,}", f"{row.history_total:,}"] for row in result.periods],
           numbers=frozenset({1, 2, 3, 4}))
    if explain:
        _table(_("Each deal's contribution"), [by, _("Deal"), _("Contribution")],
               [[deal.period or _("no close date"), deal.deal_id, deal.explained]
                for deal in result.deals])


def plays_report(db: DbOption = None, fmt: FormatOption = Format.table,
                 playbook: PlaybookOption = None, lang: LangOption = None) -> None:
    """Each play: how often it fired, was taken on, and how the deals went after."""
    from dealflow.analytics import plays_report as compute

    with open_store(db) as store:
        result = compute(store, playbook=playbook)
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    if not result.plays:
        console.print(_("the playbook declares no plays"), markup=False)
        return
    rows = []
    for row in result.plays:
        outcomes = ", ".join(f"{word(k)} {v}" for k, v in sorted(row.outcomes.items())) or "–"
        rows.append([row.play, _("{fired} ({now} now)", fired=row.fired, now=row.firing_now),
                     row.taken, row.declined, outcomes,
                     "/".join(str(row.after_taken[k]) for k in ("won", "lost", "open")),
                     "/".join(str(row.after_declined[k]) for k in ("won", "lost", "open"))])
    _table(_("Plays (after: won/lost/open now)"),
           [_("Play"), _("Fired"), _("Taken"), _("Declined"), _("Outcomes"), _("After taken"),
            _("After declined")],
           rows, numbers=frozenset({2, 3}))


def register(app: typer.Typer) -> None:
    """Add `slip` and `plays-report` to `app`."""
    app.command("slip")(guarded(slip))
    app.command("plays-report")(guarded(plays_report))
