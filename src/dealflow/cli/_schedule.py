"""`dealflow sweep` and `dealflow deal log`: automation on a schedule, activity by hand."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption
from dealflow.cli._notify import NotifyFormat
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import ActorOption, DbOption, actor_of, open_store, run
from dealflow.errors import DealflowError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine import Outcome
    from dealflow.store import SweepReport

DealId = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                        show_default=False)]


def _moment(value: str) -> dt.datetime:
    """A `--now` value: a date (its midnight UTC) or a time with its zone (UTC when none)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(_("{value!r} is not a date like 2026-06-30 or a time like "
                                   "2026-06-30T08:00+08:00", value=value)) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def log(
    deal_id: DealId,
    kind: Annotated[str, typer.Option("--kind", help="What happened: one of the kinds the "
                                      "playbook declares under activity.kinds (default: "
                                      "meeting, call, email).", show_default=False)],
    note: Annotated[str, typer.Option("--note", help="What was said or agreed.")] = "",
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Log activity on a deal (a meeting, a call, ...): it restarts the deal's timer when
    the playbook counts that kind."""
    from dealflow.engine import log_activity

    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: log_activity(
            engine, deal, kind=kind, note=note, actor=actor_of(actor, deal)), fmt,
            lambda outcome: _logged(outcome, kind))


def _logged(outcome: Outcome, kind: str) -> str:
    return _("{deal}: {kind} logged", deal=outcome.deal.id, kind=kind)


def _show(report: SweepReport) -> None:
    from dealflow.cli._notify import lines

    console.print(_("Sweep at {now}: {mode}", now=report.now.isoformat(timespec="seconds"),
                    mode=_("changes written") if report.apply else
                    _("dry run, nothing written (--apply writes)")), markup=False)
    for line in lines(report):
        console.print(f"  {line}", markup=False, soft_wrap=True)


def sweep(
    db: DbOption = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the changes (default: a dry "
                                        "run that lists them).")] = False,
    now: Annotated[str | None, typer.Option(
        "--now", metavar="WHEN", show_default=False,
        help="Sweep as of this date or time (default: now).")] = None,
    notify: Annotated[str | None, typer.Option(
        "--notify", metavar="URL", show_default=False,
        help="Post what the sweep did and what is due to this webhook.")] = None,
    notify_format: Annotated[NotifyFormat, typer.Option(
        "--notify-format", help="The webhook's message format.")] = NotifyFormat.json,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, max=300,
                                           help="Seconds to wait for the webhook.")] = 10.0,
    fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Apply the playbooks' automation rules to every deal: lose deals without progress,
    open follow-ups, list what is due. A dry run unless --apply; running it twice changes
    nothing the second time. Exit 1 when a rule failed for some deal or the post failed."""
    from dealflow.cli._notify import notification, post

    moment = _moment(now) if now is not None else None
    with open_store(db) as store:
        report = store.sweep(moment, apply=apply)
    if fmt is Format.json:
        print_json(report.to_dict())
    else:
        _show(report)
    if notify is not None:
        post(notify, notification(report, notify_format), timeout=timeout)
        if fmt is not Format.json:
            console.print(_("Notified {url}", url=notify), markup=False)
    if report.failures:
        raise DealflowError(_("{count} rule(s) failed to evaluate; the other rules and deals "
                              "were swept", count=len(report.failures)))


def register(app: typer.Typer, deal_app: typer.Typer) -> None:
    """Add `dealflow sweep` to `app` and `dealflow deal log` to `deal_app`."""
    app.command()(guarded(sweep))
    deal_app.command()(guarded(log))
