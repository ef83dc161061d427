"""`dealflow deal close-date`, `dealflow plan ...`, `dealflow plays DEAL` and `dealflow
play ...`: a deal's expected close date, its close plan and the plays taken on (issue 19).

Each change is one engine operation (`dealflow.engine._commitment_ops`) through
`Store.apply`, recorded as events; `deal_page` adds the same to `dealflow deal show`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import ActorOption, DbOption, actor_of, iso_date, open_store, run
from dealflow.deal import PlayResult, PlayState, StepStatus

if TYPE_CHECKING:  # pragma: no cover
    from rich.table import Table

    from dealflow.deal import Deal
    from dealflow.engine import Engine, Outcome
    from dealflow.playbook import Playbook

plan_app = typer.Typer(help="The close plan: steps both sides agreed to reach a signature.",
                       no_args_is_help=True)
play_app = typer.Typer(help="Take on, complete or decline a play that fires.",
                       no_args_is_help=True)

DealId = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                        show_default=False)]
PlayId = Annotated[str, typer.Argument(metavar="PLAY", help="A play of the deal's playbook.",
                                        show_default=False)]
StepId = Annotated[str, typer.Argument(metavar="STEP", help="A step of the close plan.",
                                        show_default=False)]


def _date_option(flag: str, what: str) -> Any:
    return typer.Option(flag, parser=iso_date, metavar="YYYY-MM-DD", show_default=False,
                        help=what)


# -- the close date ----------------------------------------------------------------------
def close_date(
    deal_id: DealId,
    day: Annotated[dt.date | None, typer.Argument(
        parser=iso_date, metavar="DATE", show_default=False,
        help="The expected close date, like 2026-06-30.")] = None,
    note: Annotated[str, typer.Option("--note", help="Why it changed.")] = "",
    clear: Annotated[bool, typer.Option("--clear", help="Clear the close date instead.")
                     ] = False,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Set a deal's expected close date (a later date than before is a push)."""
    from dealflow.engine import set_close_date

    if clear == (day is not None):
        raise typer.BadParameter(_("give a DATE, or --clear to clear the close date"),
                                 param_hint="DATE")
    before: list[dt.date | None] = []

    def operation(engine: Engine, deal: Deal) -> Outcome:
        before.append(deal.close_date)
        return set_close_date(engine, deal, day, note=note, actor=actor_of(actor, deal))

    def done(outcome: Outcome) -> str:
        new, old = outcome.deal.close_date, before[-1]
        if new is None:
            return _("{deal}: close date cleared", deal=outcome.deal.id)
        if old is not None and new > old:
            return _("{deal}: close date {old} -> {new} (pushed {days} days)",
                     deal=outcome.deal.id, old=old, new=new, days=(new - old).days)
        return _("{deal}: close date {new}", deal=outcome.deal.id, new=new)

    with open_store(db) as store:
        run(store, deal_id, operation, fmt, done)


# -- the close plan ----------------------------------------------------------------------
def plan_table(deal: Deal, today: dt.date) -> Table:
    """The close plan, one step per line, with where it stands."""
    from dealflow.cli._views import table, text, word

    agreed = deal.plan_agreed
    title = _("Close plan") + (_(" (agreed with {who} on {day})", who=agreed.stakeholder,
                                 day=agreed.on) if agreed else _(" (not agreed)"))
    made = table("id", "what", "due", "ours", "theirs", "status", "evidence", title=title)
    for step in deal.close_plan:
        state = step.status.value
        if step.status is StepStatus.planned and step.due < today:
            state = "overdue"
        made.add_row(text(step.id), text(step.what), text(step.due), text(step.our_owner),
                     text(step.their_owner or "–"), text(word(state)),
                     text(step.evidence or ""))
    return made


def plan_show(deal_id: DealId, db: DbOption = None, fmt: FormatOption = Format.table,
              lang: LangOption = None) -> None:
    """Show a deal's close plan and whether it was agreed."""
    from dealflow.cli import _views as v

    with open_store(db) as store:
        deal = store.get(deal_id)
        today = store.clock().date()
    if fmt is Format.json:
        print_json(_plan_data(deal))
        return
    if not deal.close_plan:
        console.print(_("{deal} has no close plan: `dealflow plan seed {deal}`, or `dealflow "
                        "plan add`", deal=deal.id), markup=False)
        return
    v.out(console, plan_table(deal, today))


def _plan_data(deal: Deal) -> dict[str, Any]:
    return {"deal": deal.id,
            "close_date": None if deal.close_date is None else deal.close_date.isoformat(),
            "steps": [step.model_dump(mode="json") for step in deal.close_plan],
            "agreed": None if deal.plan_agreed is None else
            deal.plan_agreed.model_dump(mode="json")}


def _plan_done(outcome: Outcome) -> str:
    deal = outcome.deal
    return _("{deal}: step {step} added ({steps} in the close plan)", deal=deal.id,
             step=deal.close_plan[-1].id, steps=len(deal.close_plan))


def plan_add(
    deal_id: DealId,
    what: Annotated[str, typer.Option("--what", help="The step.", show_default=False)],
    due: Annotated[dt.date, _date_option("--due", "By when.")],
    owner: Annotated[str, typer.Option(
        "--owner", help="Who on our side: one of the playbook's our_roles, or a person.",
        show_default=False)],
    their_owner: Annotated[str | None, typer.Option(
        "--their-owner", help="Who on the customer's side: a stakeholder id.")] = None,
    step_id: Annotated[str | None, typer.Option("--id", help="The step's id (default: "
                                                "step-N).")] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Add a step to a deal's close plan."""
    from dealflow.engine import add_plan_step

    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: add_plan_step(
            engine, deal, what=what, due=due, our_owner=owner, their_owner=their_owner,
            step_id=step_id, actor=actor_of(actor, deal)), fmt, _plan_done)


def plan_update(
    deal_id: DealId, step_id: StepId,
    status: Annotated[StepStatus | None, typer.Option("--status", help="Where it stands."
                                                      )] = None,
    evidence: Annotated[str | None, typer.Option("--evidence", help="What shows it.")] = None,
    due: Annotated[dt.date | None, _date_option("--due", "A new due date.")] = None,
    what: Annotated[str | None, typer.Option("--what", help="The step, reworded.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Our owner.")] = None,
    their_owner: Annotated[str | None, typer.Option("--their-owner",
                                                    help="The customer's owner.")] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Change a step of the close plan: its status (planned, done, dropped), evidence, ..."""
    from dealflow.engine import update_plan_step

    given = {"status": status, "evidence": evidence, "due": due, "what": what,
             "our_owner": owner, "their_owner": their_owner}
    changes: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if not changes:
        raise typer.BadParameter(_("give at least one of --status, --evidence, --due, --what, "
                                   "--owner or --their-owner"), param_hint="changes")
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: update_plan_step(
            engine, deal, step_id, actor=actor_of(actor, deal), **changes), fmt,
            lambda o: _("{deal}: step {step} is {status}", deal=o.deal.id, step=step_id,
                        status=_step_status(o.deal, step_id)))


def _step_status(deal: Deal, step_id: str) -> str:
    from dealflow.cli._views import word

    step = deal.plan_step(step_id)
    return "" if step is None else word(step.status.value)


def plan_agree(
    deal_id: DealId,
    stakeholder: Annotated[str, typer.Option("--with", help="The customer's stakeholder "
                                             "who agreed it (an id on the map).",
                                             show_default=False)],
    on: Annotated[dt.date | None, _date_option("--on", "When (default: today).")] = None,
    note: Annotated[str, typer.Option("--note", help="How it was agreed.")] = "",
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Record that the close plan was agreed with the customer."""
    from dealflow.engine import agree_plan

    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: agree_plan(
            engine, deal, stakeholder=stakeholder, on=on, note=note,
            actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: close plan agreed with {who}", deal=o.deal.id,
                        who=stakeholder))


def plan_seed(deal_id: DealId, actor: ActorOption = None, db: DbOption = None,
              fmt: FormatOption = Format.table,
              lang: LangOption = None) -> None:
    """Add the close-plan steps the deal's stage declares (those the plan lacks)."""
    from dealflow.engine import seed_close_plan

    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: seed_close_plan(
            engine, deal, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: {count} step(s) seeded from stage {stage}", deal=o.deal.id,
                        count=len(o.events), stage=o.deal.stage))


# -- plays -------------------------------------------------------------------------------
def play_lines(playbook: Playbook, deal: Deal, now: dt.datetime) -> dict[str, list[Any]]:
    """The deal's plays: `firing` (no decision yet, or completed and firing again), `open`
    (taken on) and `past` (completed or declined)."""
    from dealflow.engine import firing_plays

    names = {p.id: playbook.text(p.name, here()) for p in playbook.plays}
    firing = [{"play": play, "situation": names.get(play, play)}
              for play in firing_plays(playbook, deal, now)
              if play not in deal.plays or deal.plays[play].state is PlayState.completed]
    records = [record.model_dump(mode="json") | {"situation": names.get(record.play,
                                                                          record.play)}
               for record in deal.plays.values()]
    return {"firing": firing, "open": [r for r in records if r["state"] == "taken"],
            "past": [r for r in records if r["state"] != "taken"]}


def plays_tables(lines: dict[str, list[Any]]) -> list[Table]:
    """The three lists of `play_lines` as tables (empty ones left out)."""
    from dealflow.cli._views import table, text, word

    made = []
    if lines["firing"]:
        firing = table("play", "situation", title=_("Plays firing, not taken on"))
        for line in lines["firing"]:
            firing.add_row(text(line["play"]), text(line["situation"]))
        made.append(firing)
    if lines["open"]:
        taken = table("play", "owner", "taken at", title=_("Plays taken on"))
        for line in lines["open"]:
            taken.add_row(text(line["play"]), text(line["owner"]), text(line["taken_at"]))
        made.append(taken)
    if lines["past"]:
        past = table("play", "state", "outcome", "note", title=_("Past plays"))
        for line in lines["past"]:
            past.add_row(text(line["play"]), text(word(line["state"])),
                         text(word(line["outcome"] or "–")), text(line["note"]))
        made.append(past)
    return made


def plays(deal_id: DealId, db: DbOption = None, fmt: FormatOption = Format.table,
          lang: LangOption = None) -> None:
    """A deal's plays: firing and not taken on, taken on, and past (completed, declined)."""
    from dealflow.cli import _views as v

    with open_store(db) as store:
        deal = store.get(deal_id)
        lines = play_lines(store.engine_for(deal).playbook, deal, store.clock())
    if fmt is Format.json:
        print_json({"deal": deal.id, **lines})
        return
    tables = plays_tables(lines)
    if not tables:
        console.print(_("{deal}: no play fires, none was taken on", deal=deal.id),
                      markup=False)
    v.out(console, *tables)


def play_take(deal_id: DealId, play: PlayId,
              owner: Annotated[str | None, typer.Option(
                  "--owner", help="Who runs it (default: the actor).")] = None,
              actor: ActorOption = None, db: DbOption = None,
              fmt: FormatOption = Format.table,
              lang: LangOption = None) -> None:
    """Take on a play that fires for the deal."""
    from dealflow.engine import take_play

    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: take_play(
            engine, deal, play, owner=owner, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: {play} taken on by {owner}", deal=o.deal.id, play=play,
                        owner=o.deal.plays[play].owner))


def play_done(deal_id: DealId, play: PlayId,
              outcome: Annotated[PlayResult, typer.Option(
                  "--outcome", help="What it did for the deal.", show_default=False)],
              note: Annotated[str, typer.Option("--note", help="What happened.")] = "",
              actor: ActorOption = None, db: DbOption = None,
              fmt: FormatOption = Format.table,
              lang: LangOption = None) -> None:
    """Complete a play taken on, with its outcome."""
    from dealflow.engine import complete_play

    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: complete_play(
            engine, deal, play, outcome=outcome, note=note, actor=actor_of(actor, deal)),
            fmt, lambda o: _("{deal}: {play} completed ({outcome})", deal=o.deal.id,
                             play=play, outcome=outcome.value))


def play_decline(deal_id: DealId, play: PlayId,
                 reason: Annotated[str, typer.Option("--reason", help="Why not.",
                                                     show_default=False)],
                 actor: ActorOption = None, db: DbOption = None,
                 fmt: FormatOption = Format.table,
                 lang: LangOption = None) -> None:
    """Decline a play that fires (or one taken on), with a reason."""
    from dealflow.engine import decline_play

    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: decline_play(
            engine, deal, play, reason=reason, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: {play} declined", deal=o.deal.id, play=play))


# -- the deal's page ---------------------------------------------------------------------
def deal_page(deal: Deal, playbook: Playbook, now: dt.datetime) -> tuple[dict[str, Any],
                                                                         list[Any]]:
    """What `deal show` adds: the JSON keys and the tables (close plan, plays)."""
    lines = play_lines(playbook, deal, now)
    tables: list[Any] = [plan_table(deal, now.date())] if deal.close_plan else []
    return {"close_plan": _plan_data(deal), "play_records": lines}, [
        *tables, *plays_tables({**lines, "firing": []})]


def register(app: typer.Typer, deal_app: typer.Typer) -> None:
    """Add `deal close-date`, `plan ...`, `plays` and `play ...`."""
    deal_app.command("close-date")(guarded(close_date))
    plan_app.command("show")(guarded(plan_show))
    plan_app.command("add")(guarded(plan_add))
    plan_app.command("update")(guarded(plan_update))
    plan_app.command("agree")(guarded(plan_agree))
    plan_app.command("seed")(guarded(plan_seed))
    play_app.command("take")(guarded(play_take))
    play_app.command("done")(guarded(play_done))
    play_app.command("decline")(guarded(play_decline))
    app.command("plays")(guarded(plays))
    app.add_typer(plan_app, name="plan")
    app.add_typer(play_app, name="play")


def describe_commitment(event: Any) -> str | None:
    """A commitment event in a few words (for `dealflow events`); None for other events."""
    kind = getattr(event, "type", "")
    note = f"; {event.note}" if getattr(event, "note", "") else ""
    if kind == "close_date_set":
        pushed = _(" (pushed {days} days)", days=event.pushed_days) if event.pushed_days else ""
        return _("{old} -> {new}", old=event.previous or "–",
                 new=event.close_date or _("cleared")) + pushed + note
    if kind in ("plan_step_added", "plan_step_updated"):
        step = event.step
        return _("{step}: {what} ({ours} / {theirs}, by {due}; {status})", step=step.id,
                 what=step.what, ours=step.our_owner, theirs=step.their_owner or "–",
                 due=step.due, status=step.status.value)
    if kind == "plan_agreed":
        return _("with {who} on {day}", who=event.stakeholder, day=event.on) + note
    if kind == "play_taken":
        return _("{play} taken on by {owner} in {stage}", play=event.play, owner=event.owner,
                 stage=event.stage)
    if kind == "play_completed":
        return f"{event.play}: {event.outcome.value}" + note
    if kind == "play_declined":
        return _("{play} declined: {reason}", play=event.play, reason=event.reason)
    return None
