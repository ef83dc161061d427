"""`dealflow deal ...`: open, show, list and move deals in the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from dealflow._messages import _
from dealflow.cli._evidence_commands import AnswerOption, parse_answers
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import (
    ActorOption,
    DbOption,
    NewDealPlaybookOption,
    PlaybookOption,
    actor_of,
    iso_date,
    open_store,
    outcome_data,
    playbook_for_new_deals,
    run,
)
from dealflow.deal import Status
from dealflow.errors import DealflowError, DealNotFound

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.deal import Deal
    from dealflow.engine import Engine, Outcome
    from dealflow.playbook import Playbook
    from dealflow.store import Store

deal_app = typer.Typer(help="Open, show, list and move deals in the store.",
                       no_args_is_help=True)

DealId = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                        show_default=False)]



def new(
    deal_id: Annotated[str, typer.Option("--id", help="The new deal's id.", show_default=False)],
    title: Annotated[str, typer.Option("--title", help="What is being sold.",
                                       show_default=False)],
    account: Annotated[str, typer.Option("--account", help="The customer.",
                                         show_default=False)],
    owner: Annotated[str, typer.Option("--owner", help="Our account manager.",
                                       show_default=False)],
    amount: Annotated[str, typer.Option("--amount", help="The deal's value.")] = "0",
    currency: Annotated[str, typer.Option("--currency", help="ISO currency code.")] = "CNY",
    close: Annotated[dt.date | None, typer.Option(
        "--close", parser=iso_date, metavar="YYYY-MM-DD", show_default=False,
        help="The expected close date.")] = None,
    playbook: NewDealPlaybookOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Open a new deal in the first stage of its playbook (kept in the store)."""
    with open_store(db, create=True) as store:
        _refuse_existing(store, deal_id)
        chosen = playbook_for_new_deals(store, playbook)
        outcome = _create(store, chosen, close, deal_id=deal_id, title=title,
                          account=account, owner=owner, actor=actor or owner, amount=amount,
                          currency=currency)
        if fmt is Format.json:
            print_json(outcome_data(outcome))
            return
        deal = outcome.deal
        console.print(_("created {deal} in {stage} ({playbook} {version})", deal=deal.id,
                        stage=deal.stage, playbook=deal.playbook_id,
                        version=deal.playbook_version), markup=False)


def _create(store: Store, playbook: Playbook, close: dt.date | None, **fields: str) -> Outcome:
    """The new deal, with its expected close date when given, stored in one write."""
    if close is None:
        return store.create(playbook=playbook, **fields)
    from dealflow.engine import Outcome, set_close_date

    engine = store.engine_for_playbook(playbook)
    created = engine.create(**fields)
    dated = set_close_date(engine, created.deal, close, actor=fields["actor"],
                           raise_on_refusal=True)
    outcome = Outcome(dated.deal, created.events + dated.events, created.report)
    store.save(outcome, expected_version=0)
    return outcome


def _refuse_existing(store: Store, deal_id: str) -> None:
    try:
        found = store.get(deal_id)
    except DealNotFound:
        return
    raise DealflowError(_("deal {deal} already exists (in {stage}, {status}); choose another "
                          "id, or see `dealflow deal show {id}`", deal=repr(deal_id),
                          stage=found.stage, status=found.status.value, id=deal_id))


def show(deal_id: DealId, db: DbOption = None, fmt: FormatOption = Format.table,
         lang: LangOption = None) -> None:
    """Show a deal: its fields (and the buyer phase of its stage), facts, stakeholders,
    gates, red flags and plays."""
    from dealflow.cli import _views as v
    from dealflow.cli._commitment_commands import deal_page
    from dealflow.stakeholders import analyse_stakeholders, recommend_plays

    with open_store(db) as store:
        deal = store.get(deal_id)
        engine = store.engine_for(deal)
        now = store.clock()
    report = engine.explain(deal, locale=here())
    smap = analyse_stakeholders(engine.playbook, deal, now=now, locale=here())
    plays = recommend_plays(engine.playbook, deal, now=now, locale=here())
    extra, commitments = deal_page(deal, engine.playbook, now)
    if fmt is Format.json:
        phase = next((s.buyer_phase for s in engine.playbook.stages if s.id == deal.stage), None)
        print_json({"deal": deal.model_dump(mode="json"), "buyer_phase": phase,
                    "gates": report.to_dict(),
                    "stakeholder_map": v.map_data(smap),
                    "plays": [dataclasses.asdict(p) for p in plays], **extra})
        return
    console.print(v.deal_fields(deal, engine.playbook), soft_wrap=False)
    if deal.facts:
        v.out(console, v.facts_table(deal, engine.playbook))
    if deal.stakeholders:
        v.out(console, v.people_table(deal.stakeholders))
    v.out(console, v.report_table(report))
    if smap.red_flags:
        v.out(console, v.flags_table(smap.red_flags))
    if plays:
        v.out(console, v.plays_table(plays))
    v.out(console, *commitments)


def list_deals(
    stage: Annotated[str | None, typer.Option("--stage", help="Only deals in this stage.")] = None,
    status: Annotated[Status | None, typer.Option("--status", help="Only deals with this "
                                                  "status.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's deals.")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Only this customer's "
                                                "deals.")] = None,
    playbook: PlaybookOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """List the deals of one playbook in the store, by id."""
    from dealflow._problems import did_you_mean
    from dealflow.cli import _views as v

    with open_store(db) as store:
        chosen = store.choose_playbook(playbook)
        stages = list(dict.fromkeys(s.id for s in chosen.stages))
        if stage is not None and stage not in stages:
            raise typer.BadParameter(_("unknown stage {stage} in {playbook}", stage=repr(stage),
                                       playbook=chosen.id) + did_you_mean(stage, stages),
                                     param_hint="--stage")
        deals = store.list_deals(stage=stage, status=status, owner=owner, account=account,
                                 playbook_id=chosen.id)
    if fmt is Format.json:
        print_json([deal.model_dump(mode="json") for deal in deals])
        return
    made = v.table("id", "title", "account", "owner", "stage", "status", "amount")
    for d in deals:
        made.add_row(v.text(d.id), v.text(d.title), v.text(d.account), v.text(d.owner),
                     v.text(d.stage), v.text(v.word(d.status.value)),
                     v.text(f"{v.show(d.amount)} {d.currency}"))
    console.print(made, soft_wrap=False)
    console.print(_("{count} deal(s)", count=len(deals)), markup=False)


def _moved(outcome: Outcome, playbook: Playbook | None = None) -> str:
    from dealflow.cli._views import reason_name, word

    deal, report = outcome.deal, outcome.report
    if deal.hold is not None and report.operation == "hold":
        return _("{deal} is on hold until {date} (in {stage})", deal=deal.id,
                 date=deal.hold.resume_on, stage=deal.stage)
    if report.operation == "close":
        return _("{deal} is closed as {outcome}, from {stage}", deal=deal.id,
                 outcome=deal.outcome or "", stage=deal.stage)
    if report.operation in ("win", "lose"):
        why = ""
        if deal.lost_reason:
            reason = reason_name(playbook, deal.lost_reason)
            why = f" ({reason}: {deal.lost_sub_reason})" if deal.lost_sub_reason else \
                f" ({reason})"
        return _("{deal} is {status}{why}, closed from {stage}", deal=deal.id,
                 status=word(deal.status.value), why=why, stage=deal.stage)
    if report.operation in ("resume", "reopen"):
        return _("{deal} is open again, in {stage}", deal=deal.id, stage=deal.stage)
    return _("{deal}: {operation} from {stage} to {target}", deal=deal.id,
             operation=word(report.operation), stage=report.stage, target=deal.stage)


Move = Callable[["Engine", "Deal", str], "Outcome"]
"""An engine operation given the deal and the actor."""


def _move(db: str | None, deal_id: str, fmt: Format, actor: str | None, move: Move) -> None:
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: move(engine, deal, actor_of(actor, deal)),
            fmt, lambda outcome: _moved(outcome, store.playbook_for(
                outcome.deal.playbook_id, outcome.deal.playbook_version)))


def advance(deal_id: DealId, actor: ActorOption = None, db: DbOption = None,
            fmt: FormatOption = Format.table, lang: LangOption = None,
            to: Annotated[str | None, typer.Option(
                "--to", help="Skip to this later stage, when the playbook's moves allow it "
                "(default: the next stage).")] = None) -> None:
    """Move a deal to the next stage (or skip to --to), if every blocking control point
    of the move holds."""
    _move(db, deal_id, fmt, actor, lambda e, d, who: e.advance(d, actor=who, to=to, locale=here()))


def back(
    deal_id: DealId,
    reason: Annotated[str, typer.Option("--reason", help="Why the deal goes back.",
                                        show_default=False)],
    to: Annotated[str | None, typer.Option("--to", help="The stage to go back to "
                                           "(default: the previous one).")] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Move a deal back to an earlier stage, with a reason."""
    _move(db, deal_id, fmt, actor,
          lambda e, d, who: e.move_back(d, reason=reason, to=to, actor=who, locale=here()))


def win(deal_id: DealId, answer: AnswerOption = None, actor: ActorOption = None,
        db: DbOption = None, fmt: FormatOption = Format.table, lang: LangOption = None) -> None:
    """Close a deal as won (from the last stage, when its control points hold)."""
    answers = parse_answers(answer) or None
    _move(db, deal_id, fmt, actor,
          lambda e, d, who: e.win(d, actor=who, answers=answers, locale=here()))


def lose(
    deal_id: DealId,
    reason: Annotated[str, typer.Option("--reason", help="One of the playbook's lost "
                                        "reasons (e.g. competitor, price); none when it "
                                        "declares none.", show_default=False)] = "",
    note: Annotated[str, typer.Option("--note", help="What happened, in a sentence.")] = "",
    answer: AnswerOption = None,
    winner: Annotated[str | None, typer.Option(
        "--winner", show_default=False,
        help="The competitor that won (an id from dealflow competitor add).")] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
    sub_reason: Annotated[str | None, typer.Option(
        "--sub-reason", help="One of the lost reason's sub-reasons.")] = None,
) -> None:
    """Close a deal as lost, with one of the playbook's lost reasons (or a note), and the
    competitor that won."""
    answers = parse_answers(answer) or None
    _move(db, deal_id, fmt, actor,
          lambda e, d, who: e.lose(d, winner=winner, reason=reason, note=note, actor=who,
                                      sub_reason=sub_reason, answers=answers,
                                      locale=here()))


def hold(
    deal_id: DealId,
    reason: Annotated[str, typer.Option("--reason", help="Why the deal waits.",
                                        show_default=False)],
    until: Annotated[dt.date, typer.Option("--until", parser=iso_date, metavar="YYYY-MM-DD",
                                           help="When it is due to resume.",
                                           show_default=False)],
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Put an open deal on hold until a date."""
    _move(db, deal_id, fmt, actor,
          lambda e, d, who: e.hold(d, reason=reason, resume_on=until, actor=who))


def resume(deal_id: DealId, actor: ActorOption = None, db: DbOption = None,
           fmt: FormatOption = Format.table, lang: LangOption = None) -> None:
    """Open a held deal again."""
    _move(db, deal_id, fmt, actor, lambda e, d, who: e.resume(d, actor=who))


def reopen(deal_id: DealId, actor: ActorOption = None, db: DbOption = None,
           fmt: FormatOption = Format.table, lang: LangOption = None,
           to: Annotated[str | None, typer.Option(
               "--to", help="The stage to reopen into, when the playbook's moves allow it "
               "(default: the stage it was closed from).")] = None) -> None:
    """Open a closed deal again, in the stage it was closed from (or --to)."""
    _move(db, deal_id, fmt, actor, lambda e, d, who: e.reopen(d, actor=who, to=to, locale=here()))


def close(
    deal_id: DealId,
    outcome: Annotated[str, typer.Option("--outcome", help="One of the playbook's extra "
                                         "outcomes (moves.outcomes), e.g. duplicate.",
                                         show_default=False)],
    note: Annotated[str, typer.Option("--note", help="What happened, in a sentence.")] = "",
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Close a deal with one of the playbook's extra outcomes (beyond won and lost)."""
    _move(db, deal_id, fmt, actor,
          lambda e, d, who: e.close(d, outcome=outcome, note=note, actor=who, locale=here()))


def register(app: typer.Typer) -> None:
    """Add `dealflow deal ...` to `app`."""
    for command in (new, show, advance, back, win, lose, close, hold, resume, reopen):
        deal_app.command()(guarded(command))
    deal_app.command("list")(guarded(list_deals))
    app.add_typer(deal_app, name="deal")
