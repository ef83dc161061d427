"""`dealflow fact verify`, `dealflow waive`, `dealflow review` and `dealflow reviews`: the
evidence behind facts, control points waived on the record, and win/loss reviews."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import (
    ActorOption,
    DbOption,
    PlaybookOption,
    actor_of,
    iso_date,
    open_store,
    run,
)

DealId = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                        show_default=False)]

AnswerOption = Annotated[list[str] | None, typer.Option(
    "--answer", metavar="QUESTION=CHOICE", show_default=False,
    help="An answer to the playbook's review form (repeat for each question).")]
"""The `--answer QUESTION=CHOICE` option of `win`, `lose` and `review`."""


def parse_answers(given: list[str] | None) -> dict[str, str]:
    """`--answer q=c ...` as a mapping; a usage error (exit 2) for one without `=`."""
    answers: dict[str, str] = {}
    for answer in given or []:
        question, sep, choice = answer.partition("=")
        if not sep or not question.strip() or not choice.strip():
            raise typer.BadParameter(_("{answer!r} is not QUESTION=CHOICE", answer=answer),
                                     param_hint="--answer")
        answers[question.strip()] = choice.strip()
    return answers


def verify_fact(
    deal_id: DealId,
    name: Annotated[str, typer.Argument(metavar="NAME", help="A fact set with evidence.",
                                        show_default=False)],
    by: Annotated[str, typer.Option("--by", metavar="PERSON", show_default=False,
                                    help="Who checked the evidence (not who set the fact).")],
    note: Annotated[str, typer.Option("--note", help="What was checked.")] = "",
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Record that a second person checked the evidence behind a fact."""
    with open_store(db) as store:
        run(store, deal_id,
            lambda engine, deal: engine.verify_fact(deal, name, by=by, note=note,
                                                    actor=actor or by),
            fmt, lambda o: _("{deal}: {name} verified by {person}", deal=o.deal.id, name=name,
                             person=by))


def waive(
    deal_id: DealId,
    gate: Annotated[str, typer.Argument(metavar="CONTROL_POINT", show_default=False,
                                        help="A blocked control point of the deal's stage.")],
    by: Annotated[str, typer.Option("--by", metavar="PERSON", show_default=False,
                                    help="Who waives it.")],
    role: Annotated[str, typer.Option("--role", show_default=False,
                                      help="The role of ours they act in (one the control "
                                           "point's waivable_by allows).")],
    reason: Annotated[str, typer.Option("--reason", show_default=False,
                                        help="Why the deal may move without it.")],
    until: Annotated[dt.date | None, typer.Option(
        "--until", parser=iso_date, metavar="YYYY-MM-DD", show_default=False,
        help="The last day the waiver holds (default: until the deal leaves the stage).")
    ] = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Waive a blocked control point, on the record: who, in which role, why, until when."""
    with open_store(db) as store:
        run(store, deal_id,
            lambda engine, deal: engine.waive(deal, gate, person=by, role=role, reason=reason,
                                              until=until, actor=actor or by),
            fmt, lambda o: _("{deal}: {gate} waived by {person} ({role})", deal=o.deal.id,
                             gate=gate, person=by, role=role))


def review(deal_id: DealId, answer: AnswerOption = None, actor: ActorOption = None,
           db: DbOption = None, fmt: FormatOption = Format.table,
           lang: LangOption = None) -> None:
    """Answer the review form of a won or lost deal."""
    answers = parse_answers(answer)
    with open_store(db) as store:
        run(store, deal_id,
            lambda engine, deal: engine.review(deal, answers, actor=actor_of(actor, deal)),
            fmt, lambda o: _("{deal}: review of the {outcome} deal recorded", deal=o.deal.id,
                             outcome=o.deal.status.value))


def reviews(db: DbOption = None, fmt: FormatOption = Format.table,
            playbook: PlaybookOption = None,
            lang: LangOption = None) -> None:
    """Count the win/loss review answers: in total and by stage, lost reason and owner."""
    from dealflow.analytics import review_counts
    from dealflow.cli import _views as v

    with open_store(db) as store:
        result = review_counts(store, playbook=playbook)
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    console.print(_("{reviewed} of {closed} closed deal(s) reviewed", reviewed=result.reviewed,
                    closed=result.closed), markup=False)
    if not result.reviewed:
        return
    made = v.table(_("outcome"), _("question"), _("choice"), _("deals"),
                   title=_("Review answers"))
    for (outcome, question, choice), count in sorted(result.total.items()):
        made.add_row(v.text(outcome), v.text(question), v.text(choice), v.text(count))
    v.out(console, made)
    for name, groups in result.by.items():
        made = v.table(name, _("outcome"), _("question"), _("choice"), _("deals"),
                       title=_("Review answers by {group}", group=name))
        for group, counts in sorted(groups.items()):
            for (outcome, question, choice), count in sorted(counts.items()):
                made.add_row(v.text(group), v.text(outcome), v.text(question), v.text(choice),
                             v.text(count))
        v.out(console, made)


def register(app: typer.Typer) -> None:
    """Add `fact verify`, `waive`, `review` and `reviews` to `app`."""
    from dealflow.cli._facts import fact_app

    fact_app.command("verify")(guarded(verify_fact))
    for command in (waive, review, reviews):
        app.command()(guarded(command))
