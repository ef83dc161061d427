"""`dealflow score`, `dealflow scorecard` and `dealflow health`: a deal's graded scorecard
and its health, with every factor that made it (issue 20)."""

from __future__ import annotations

from typing import Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._stakeholders import DealId
from dealflow.cli._store import (
    ActorOption,
    DbOption,
    PlaybookOption,
    actor_of,
    open_store,
    run,
)


def score(
    deal_id: DealId,
    criterion: Annotated[str, typer.Argument(metavar="CRITERION", show_default=False,
                                             help="A criterion of the playbook's scorecard.")],
    level: Annotated[int, typer.Argument(metavar="LEVEL", min=0, max=3, show_default=False,
                                         help="0 to 3, as the scorecard describes them.")],
    evidence: Annotated[str, typer.Option("--evidence", help="What shows it.")] = "",
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Score a criterion of the deal's scorecard (0-3), with its evidence."""
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.score(
            deal, criterion, level, evidence=evidence, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: {criterion} scored {level}", deal=o.deal.id,
                        criterion=criterion, level=level))


def _trend(previous: int | None, level: int) -> str:
    if previous is None or previous == level:
        return "="
    return "↑" if level > previous else "↓"


def scorecard(deal_id: DealId, db: DbOption = None, fmt: FormatOption = Format.table,
              lang: LangOption = None) -> None:
    """Show the deal's scorecard: each criterion's level, what it means, the trend."""
    from rich.table import Table

    with open_store(db) as store:
        deal = store.get(deal_id)
        playbook = store.engine_for(deal).playbook
    card = playbook.scorecard
    if card is None:
        if fmt is Format.json:
            print_json({"deal_id": deal.id, "scorecard": None, "criteria": []})
        else:
            console.print(_("Playbook {id} declares no scorecard.", id=playbook.id),
                          markup=False)
        return
    rows = []
    for criterion in card.criteria:
        found = deal.scores.get(criterion.id)
        level = found.level if found else 0
        rows.append({"criterion": criterion.id, "name": playbook.text(criterion.name, here()),
                     "level": level, "scored": found is not None,
                     "means": playbook.text(criterion.levels[level], here()),
                     "trend": _trend(found.previous if found else None, level),
                     "evidence": found.evidence if found else ""})
    if fmt is Format.json:
        print_json({"deal_id": deal.id, "scorecard": card.id, "criteria": rows,
                    "total": sum(int(str(r["level"])) for r in rows),
                    "most": 3 * len(rows)})
        return
    table = Table(title=_("{card} of {deal}", card=playbook.text(card.name, here()),
                          deal=deal.id))
    for header in (_("Criterion"), _("Level"), _("Means"), _("Trend"), _("Evidence")):
        table.add_column(header)
    for row in rows:
        table.add_row(str(row["name"]), str(row["level"]) if row["scored"] else "-",
                      str(row["means"]), str(row["trend"]), str(row["evidence"]) or "-")
    console.print(table)


def health(
    deal_id: Annotated[str | None, typer.Argument(
        metavar="[DEAL]", show_default=False,
        help="A deal's id; without one, every open deal, least healthy first.")] = None,
    playbook: PlaybookOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """A deal's health score (0-100) and its factors, or the open deals ranked by it."""
    from rich.table import Table

    from dealflow.analytics import deal_health, health_ranking

    with open_store(db) as store:
        if deal_id is not None:
            deal = store.get(deal_id)
            ranked = [deal_health(store.engine_for(deal).playbook, deal, now=store.clock())]
        else:
            ranked = health_ranking(store, playbook=playbook, now=store.clock())
    if fmt is Format.json:
        print_json({"deals": [entry.to_dict() for entry in ranked]})
        return
    table = Table(title=_("Deal health"), title_justify="left")
    for header in (_("Deal"), _("Stage"), _("Health"), _("Factors")):
        table.add_column(header)
    for entry in ranked:
        factors = "\n".join(f"{f.name} {f.value:.0%} ×{f.weight:g}: {f.reason}"
                            for f in entry.factors)
        table.add_row(entry.deal_id, entry.stage,
                      "-" if entry.score is None else str(entry.score), factors)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `dealflow score`, `scorecard` and `health` to `app`."""
    app.command("score")(guarded(score))
    app.command("scorecard")(guarded(scorecard))
    app.command("health")(guarded(health))
