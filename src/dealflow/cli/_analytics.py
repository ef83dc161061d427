"""`dealflow funnel|stalled|winrate|forecast|compliance|report|simulate`: the numbers."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, console, err_console, guarded, print_json
from dealflow.cli._store import (
    DbOption,
    NewDealPlaybookOption,
    PlaybookOption,
    open_store,
    playbook_for_new_deals,
)
from dealflow.cli._target import write_output

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.analytics import Filters
    from dealflow.playbook import Playbook
    from dealflow.sop import WaiverCounts

OwnerOption = Annotated[str | None, typer.Option("--owner", help="Only this owner's deals.")]
AccountOption = Annotated[str | None, typer.Option("--account", help="Only this account.")]
SinceOption = Annotated[str | None, typer.Option("--since", metavar="DATE",
                                                 help="Deals created on or after DATE.")]
UntilOption = Annotated[str | None, typer.Option("--until", metavar="DATE",
                                                 help="Deals created before DATE.")]
MinOption = Annotated[float | None, typer.Option("--min-amount", help="Amount at least.")]
MaxOption = Annotated[float | None, typer.Option("--max-amount", help="Amount below.")]
VersionOption = Annotated[str | None, typer.Option("--version",
                                                   help="Only deals on this playbook version.")]


class Period(StrEnum):
    """The periods of `forecast --by`."""

    month = "month"
    quarter = "quarter"


def _day(value: str | None, flag: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
    except ValueError:
        raise typer.BadParameter(_("{value} is not a date like 2026-01-31", value=repr(value)),
                                 param_hint=flag) from None


def _filters(owner: str | None, account: str | None, since: str | None, until: str | None,
             low: float | None, high: float | None, version: str | None) -> Filters:
    from dealflow.analytics import Filters

    return Filters(created_from=_day(since, "--since"), created_to=_day(until, "--until"),
                   owner=owner, account=account, amount_min=_amount(low, "--min-amount"),
                   amount_max=_amount(high, "--max-amount"), playbook_version=version)


def _amount(value: float | None, flag: str) -> Decimal | None:
    if value is None:
        return None
    if not math.isfinite(value):
        raise typer.BadParameter(_("{value} is not an amount; give a number like 50000",
                                   value=value), param_hint=flag)
    return Decimal(str(value))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A table of figures; every cell is literal text (owners and titles are data)."""
    from rich.table import Table

    from dealflow.cli._views import plain

    table = Table(title=plain(title), title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*[plain(str(cell)) for cell in row])
    console.print(table)


def funnel(db: DbOption = None, fmt: FormatOption = Format.table, owner: OwnerOption = None,
           account: AccountOption = None, since: SinceOption = None, until: UntilOption = None,
           min_amount: MinOption = None, max_amount: MaxOption = None,
           version: VersionOption = None, playbook: PlaybookOption = None,
           lang: LangOption = None, by_phase: Annotated[bool, typer.Option(
               "--by-phase", help="Group the stages by the buyer phase each serves.")] = False
           ) -> None:
    """The funnel layer by layer: entered, moved on, lost (and why), open, conversion."""
    from dealflow.analytics import funnel as compute

    filters = _filters(owner, account, since, until, min_amount, max_amount, version)
    if by_phase:
        _funnel_by_phase(db, fmt, filters, playbook)
        return
    with open_store(db) as store:
        chosen = store.choose_playbook(playbook)
        result = compute(store, filters, playbook=chosen)
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    _table(_("Funnel of {playbook} {version}", playbook=chosen.id, version=chosen.version),
           [_("Stage"), _("Entered"), _("Moved on"), _("Lost"), _("Open"), _("To next"),
            _("To won"), _("Main lost reason")],
           [[s.stage, s.entered, s.moved_on, s.lost_total, s.open, _pct(s.conversion_next),
             _pct(s.conversion_won), _main_reason(s.lost, chosen)] for s in result.stages])


def _funnel_by_phase(db: str | None, fmt: Format, filters: Any, playbook: str | None) -> None:
    """The funnel grouped by buyer phase (`funnel --by-phase`)."""
    from dealflow.analytics import funnel_by_phase

    with open_store(db) as store:
        chosen = store.choose_playbook(playbook)
        result = funnel_by_phase(store, filters, playbook=chosen, locale=here())
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    _table(_("Funnel of {playbook} {version} by buyer phase", playbook=chosen.id,
             version=chosen.version),
           [_("Buyer phase"), _("Stages"), _("Entered"), _("Moved on"), _("Lost"), _("Open"),
            _("To next"), _("To won"), _("Main lost reason")],
           [[p.name, ", ".join(s.stage for s in p.stages), p.entered, p.moved_on,
             p.lost_total, p.open, _pct(p.conversion_next), _pct(p.conversion_won),
             _main_reason(p.lost, chosen)] for p in result.phases])


def _main_reason(lost: dict[str, int], playbook: Playbook) -> str:
    from dealflow.cli._views import reason_name

    if not lost:
        return "–"
    reason = max(lost, key=lost.__getitem__)
    return f"{reason_name(playbook, reason)} ({lost[reason]})"


def stalled(db: DbOption = None, fmt: FormatOption = Format.table,
            percentile: Annotated[float | None, typer.Option(
                "--percentile", help="Stalled beyond this percentile of history (0.5, 0.75 "
                "or 0.9) instead of the stage's expected days.")] = None,
            playbook: PlaybookOption = None, lang: LangOption = None) -> None:
    """Open deals that stay longer in their stage than they should."""
    from dealflow.analytics import stalled as compute

    if percentile is not None and percentile not in (0.5, 0.75, 0.9):
        raise typer.BadParameter(_("use 0.5, 0.75 or 0.9"), param_hint="--percentile")
    with open_store(db) as store:
        result = compute(store, percentile=percentile, playbook=playbook)
    if fmt is Format.json:
        print_json([deal.to_dict() for deal in result])
        return
    _table(_("Stalled deals ({count})", count=len(result)),
           [_("Deal"), _("Title"), _("Owner"), _("Stage"), _("Days"), _("Limit")],
           [[d.deal_id, d.title, d.owner, d.stage, _num(d.days), _num(d.limit)]
            for d in result])


def winrate(db: DbOption = None, fmt: FormatOption = Format.table, owner: OwnerOption = None,
            account: AccountOption = None, since: SinceOption = None,
            until: UntilOption = None, playbook: PlaybookOption = None,
            lang: LangOption = None) -> None:
    """Win rate overall, by stage reached, owner and amount band; the won and lost deals
    (counts, amounts per currency, days to close); pipeline velocity."""
    from dealflow.analytics import (
        closed_deals,
        cycle_time,
        time_in_stage,
        velocity,
        velocity_text,
        win_rates,
    )

    filters = _filters(owner, account, since, until, None, None, None)
    with open_store(db) as store:
        chosen = store.choose_playbook(playbook)
        rates = win_rates(store, filters, playbook=chosen)
        closed = closed_deals(store, filters, playbook=chosen)
        speed = velocity(store, filters, playbook=chosen)
        cycle = cycle_time(store, filters, playbook=chosen)
        times = time_in_stage(store, filters, playbook=chosen)
    if fmt is Format.json:
        print_json({"win_rates": rates.to_dict(), "closed": closed.to_dict(),
                    "velocity": speed.to_dict(), "cycle_time": cycle.to_dict(),
                    "time_in_stage": [t.to_dict() for t in times]})
        return
    console.print(_("Win rate {rate} ({won} won, {lost} lost); velocity {velocity} per day; "
                    "median cycle {median} days", rate=_pct(rates.overall.rate),
                    won=rates.overall.won, lost=rates.overall.lost,
                    velocity=velocity_text(speed), median=_num(cycle.median)), markup=False)
    _table(_("Won and lost"), [_("Closed"), _("Deals"), _("Amount"), _("Mean days"),
                               _("Median days"), _("p75 days")],
           [[name, group.deals, _amounts(group.amount), _num(group.days_to_close.mean),
             _num(group.days_to_close.median), _num(group.days_to_close.p75)]
            for name, group in ((_("won"), closed.won), (_("lost"), closed.lost))])
    groups = [(_("By stage reached"), _("Stage Reached"), rates.by_stage_reached),
              (_("By owner"), _("Owner"), rates.by_owner),
              (_("By amount"), _("Amount"), rates.by_band)]
    for title, column, group in groups:
        _table(title, [column, _("Won"), _("Lost"), _("Win rate")],
               [[k, v.won, v.lost, _pct(v.rate)] for k, v in group.items()])
    _table(_("Time in stage (days)"), [_("Stage"), _("Stays"), _("Median"), "p75", "p90"],
           [[t.stage, t.stays, _num(t.median), _num(t.p75), _num(t.p90)] for t in times])


def _amounts(totals: dict[str, Decimal]) -> str:
    """One line per currency, like `1,234,567.80 CNY`: currencies are never added up."""
    return "\n".join(f"{total:,} {currency}" for currency, total in totals.items()) or "–"


def forecast(db: DbOption = None, fmt: FormatOption = Format.table,
             runs: Annotated[int, typer.Option("--runs", min=100, max=100_000)] = 2000,
             seed: Annotated[int, typer.Option("--seed")] = 0,
             playbook: PlaybookOption = None,
             by: Annotated[Period | None, typer.Option(
                 "--by", help="By month or quarter of the deals' expected close dates.")
             ] = None,
             explain: Annotated[bool, typer.Option(
                 "--explain", help="With --by: each deal's contribution.")] = False,
             lang: LangOption = None) -> None:
    """The open pipeline: the CRM way and from history, with a Monte Carlo interval (or, with
    --by, by period of expected close)."""
    from dealflow.analytics import forecast as compute

    if by is not None:
        from dealflow.analytics import forecast_by_period
        from dealflow.cli._commitment_figures import print_period_forecast

        with open_store(db) as store:
            periods = forecast_by_period(store, by=by.value, playbook=playbook)
        print_period_forecast(periods, fmt, explain)
        return
    with open_store(db) as store:
        result = compute(store, runs=runs, seed=seed, playbook=playbook)
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    crm = "" if result.crm_total is None else _("CRM way: {total}", total=format(
        result.crm_total, ",")) + "   "
    console.print(crm + _("from history: {total}   90% interval: {low} – {high} ({runs} runs)",
                          total=format(result.history_total, ","),
                          low=format(result.low, ","), high=format(result.high, ","),
                          runs=result.runs), markup=False)
    for reason in result.why:
        console.print(reason, markup=False)
    _table(_("By stage"), [_("Stage"), _("Open"), _("Amount"), _("Playbook p"), _("History p"),
                           _("Seen")],
           [[s.stage, s.open_deals, format(s.amount, ","), _pct(s.crm_probability),
             _pct(s.history_probability) + ("" if s.from_history else _(" (no history)")),
             s.history_transitions] for s in result.stages])


def compliance(db: DbOption = None, fmt: FormatOption = Format.table,
               playbook: PlaybookOption = None, lang: LangOption = None) -> None:
    """SOP compliance: items done on time, late, overdue, skipped; by stage and owner role."""
    from dealflow.analytics import sop_compliance

    with open_store(db) as store:
        result = sop_compliance(store, playbook=playbook)
    groups = {"stage": result.by_stage, "owner role": result.by_owner}
    if fmt is Format.json:
        print_json({**{name: {k: {**vars(v), "rate": v.rate} for k, v in group.items()}
                       for name, group in {"total": {"all": result.total}, **groups}.items()},
                    "waivers": result.waivers.to_dict()})
        return
    titles = {"stage": (_("SOP compliance by stage"), _("Stage")),
              "owner role": (_("SOP compliance by owner role"), _("Owner Role"))}
    for name, group in groups.items():
        title, column = titles[name]
        _table(title, [column, _("On time"), _("Late"), _("Overdue"), _("Skipped"), _("Open"),
                       _("Rate")],
               [[k, v.on_time, v.late, v.overdue, v.skipped, v.open, _pct(v.rate)]
                for k, v in group.items()])
    _waiver_tables(result.waivers)


def _waiver_tables(waivers: WaiverCounts) -> None:
    """Waivers by control point, owner and approver (nothing when there were none)."""
    groups = {_("control point"): waivers.by_gate, _("owner"): waivers.by_owner,
              _("approver"): waivers.by_approver}
    for title, counts in groups.items():
        if counts:
            _table(_("Waivers by {group}", group=title), [title.capitalize(), _("Waivers")],
                   [[key, count] for key, count in counts.most_common()])


def report(output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
           db: DbOption = None, lang: LangOption = None,
           playbook: PlaybookOption = None, by_phase: Annotated[bool | None, typer.Option(
               "--by-phase/--no-by-phase", show_default=False,
               help="Show the funnel grouped by buyer phase (default: when the playbook "
               "declares buyer phases).")] = None) -> None:
    """Write one self-contained HTML page with every figure and the funnel chart."""
    from dealflow.analytics import render_report

    with open_store(db) as store:
        chosen = store.choose_playbook(playbook)  # its first locale, unless --lang says
        page = render_report(store, locale=here(), playbook=chosen, by_phase=by_phase)
    write_output(output, lambda out: out.write(page))
    console.print(_("wrote {path}", path=output), markup=False)


def simulate(deals: Annotated[int, typer.Option("--deals", min=1, max=1_000_000)] = 500,
             seed: Annotated[int, typer.Option("--seed")] = 0, db: DbOption = None,
             playbook: NewDealPlaybookOption = None, lang: LangOption = None) -> None:
    """Fill the store with a seeded, realistic history of deals under a playbook."""
    from rich.progress import Progress

    from dealflow.analytics import simulate as generate
    from dealflow.store import import_events

    with open_store(db, create=True) as store, Progress(console=err_console,
                                                         transient=True) as bar:
        chosen = playbook_for_new_deals(store, playbook)
        store.register_playbook(chosen)
        task = bar.add_task(_("simulating"), total=None)
        result = import_events(store, generate(chosen, deals=deals, seed=seed),
                               progress=lambda n: bar.update(task, completed=n))
    console.print(_("{deals} deals, {added} events added ({skipped} already there)",
                    deals=result.deals, added=result.added, skipped=result.skipped),
                  markup=False)


def register(app: typer.Typer) -> None:
    """Add the analytics commands to `app`."""
    for command in (funnel, stalled, winrate, forecast, compliance, report, simulate):
        app.command()(guarded(command))
