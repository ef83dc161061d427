"""SQL building blocks shared by the analytics: filters, stage changes, stays, durations.

Everything is computed in the database from the narrow `stage_changes` table (one row
per stage change, which is also the stay it begins): queries return one row per stage
(or per deal for small result sets), never the event log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, select, true

from dealflow.store import DEALS, STAGE_CHANGES, STAGE_FIGURES, days_between

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.playbook import Playbook
    from dealflow.store import Store

__all__ = ["Filters", "days_between", "deal_ids", "counted_playbook", "on_deals", "scope",
           "selected", "stage_changes", "finished_stays", "reached", "reached_by_status",
           "stage_figures"]


@dataclass(frozen=True)
class Filters:
    """Which deals a figure covers. Every field given must match.

    `created_from`/`created_to` select deals by the day they were created (a cohort);
    `amount_min` is inclusive and `amount_max` exclusive; `currency` selects the deals
    in that currency.
    """

    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    owner: str | None = None
    account: str | None = None
    amount_min: Decimal | int | None = None
    amount_max: Decimal | int | None = None
    playbook_id: str | None = None
    playbook_version: str | None = None
    currency: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions on the deals table."""
        c = DEALS.c
        out: list[ColumnElement[bool]] = []
        if self.created_from is not None:
            out.append(c.created_at >= self.created_from)
        if self.created_to is not None:
            out.append(c.created_at < self.created_to)
        if self.amount_min is not None:
            out.append(c.amount >= self.amount_min)
        if self.amount_max is not None:
            out.append(c.amount < self.amount_max)
        for name in ("owner", "account", "playbook_id", "playbook_version", "currency"):
            value = getattr(self, name)
            if value is not None:
                out.append(c[name] == value)
        return out


def scope(store: Store, filters: Filters | None,
          playbook: Playbook | str | None) -> tuple[Playbook, Filters | None]:
    """The playbook a figure works on and the filters kept to its deals.

    `playbook` (a playbook, an id or `ID@VERSION`) else `filters.playbook_id` else the
    store's own choice (`Store.choose_playbook`, which never guesses between several).
    Deals of every version of that playbook count, through their stage ids; the filter
    on the playbook id is left out when every deal in the store runs under it.
    """
    wanted = playbook if playbook is not None else (filters.playbook_id if filters else None)
    chosen = store.choose_playbook(wanted)
    if filters is not None and filters.playbook_id == chosen.id:
        return chosen, filters
    if {held.id for held in store.held_playbooks() if held.deals} <= {chosen.id}:
        return chosen, filters
    return chosen, replace(filters or Filters(), playbook_id=chosen.id)


def counted_playbook(chosen: Playbook, filters: Filters | None) -> str | None:
    """The playbook id whose per-stage counters (`stage_figures`, kept at write time) give
    a figure over the deals `filters` select (as `scope` returned them): when they select
    every deal of that playbook. None when the figure must be counted from the rows."""
    if filters is None or filters in (Filters(), Filters(playbook_id=chosen.id)):
        return chosen.id
    return None


def stage_figures(store: Store, playbook_id: str) -> dict[str, dict[str, int]]:
    """The per-stage counters of a playbook's deals: stage -> `entered`, `moved_on`,
    `won` and `lost` (see `dealflow.store.STAGE_FIGURES`)."""
    f = STAGE_FIGURES.c
    query = select(f.stage, f.entered, f.moved_on, f.won, f.lost).where(
        f.playbook_id == playbook_id)
    with store.database.connect() as conn:
        return {str(stage): {"entered": int(entered), "moved_on": int(moved), "won": int(won),
                             "lost": int(lost)}
                for stage, entered, moved, won, lost in conn.execute(query)}


def deal_ids(filters: Filters | None) -> Select[Any]:
    """The ids of the deals the filters select."""
    query = select(DEALS.c.id)
    for condition in (filters or Filters()).conditions():
        query = query.where(condition)
    return query


def on_deals(filters: Filters | None) -> ColumnElement[bool]:
    """The filters as one condition on the `deals` table (true when there are none)."""
    return and_(true(), *(filters or Filters()).conditions())


def selected(column: ColumnElement[Any], filters: Filters | None) -> ColumnElement[bool] | None:
    """`column IN (the ids of the selected deals)`, or None when every deal is selected
    (so that a figure over every deal does not pay for the subquery)."""
    if filters is None or not filters.conditions():
        return None
    return column.in_(deal_ids(filters))


def _of_selected(query: Select[Any], filters: Filters | None) -> Select[Any]:
    """`query` over `stage_changes`, kept to the rows of the selected deals."""
    condition = selected(STAGE_CHANGES.c.deal_id, filters)
    return query if condition is None else query.where(condition)


def stage_changes(filters: Filters | None) -> Any:
    """Subquery: every stage-changing event of the selected deals, with the stage it
    leaves and the stage it enters, and whether that entry is `undated`."""
    return _of_selected(select(STAGE_CHANGES), filters).subquery("changes")


def reached(filters: Filters | None) -> Select[Any]:
    """(stage, deals): how many of the selected deals ever entered each stage (`won` and
    `lost` count as stages)."""
    c = STAGE_CHANGES.c
    return _of_selected(select(c.to_stage, func.count(c.deal_id.distinct()))
                        .group_by(c.to_stage), filters)


def reached_by_status(filters: Filters | None, status: str) -> Select[Any]:
    """(stage, deals): how many of the selected deals with `status` now ever entered each
    stage. Read from the deals of that status outwards (through `ix_deals_figures`), so
    the cost follows those deals, not the whole history."""
    c = STAGE_CHANGES.c
    ids = select(DEALS.c.id).where(DEALS.c.status == status).where(on_deals(filters))
    return (select(c.to_stage, func.count(c.deal_id.distinct()))
            .where(c.deal_id.in_(ids)).group_by(c.to_stage))


def finished_stays(filters: Filters | None) -> Any:
    """Subquery: `stage` and `days` of every finished stay in an open stage whose entry
    is dated (a stay still going on, or entered `undated`, has no length to count)."""
    c = STAGE_CHANGES.c
    return _of_selected(select(c.to_stage.label("stage"), c.days)
                        .where(c.days.is_not(None)).where(not_(c.undated))
                        .where(c.to_stage.not_in(("won", "lost", "closed"))),
                        filters).subquery("stays")
