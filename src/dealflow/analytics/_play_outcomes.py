"""Plays judged by what came of them: how often each fired, was taken on, and how the
deals went after.

A play **fired** on a deal when someone recorded a decision about it (taken on or
declined: `play_taken` / `play_declined` events) or when it fires on the open deal now
and nobody has decided yet. Plays that fired in the past and stopped before anyone
recorded them leave no trace and are not counted: the figure is a floor, and
`firing_now` says how much of it is still undecided. Taken, completed (with their
outcomes) and declined count deals; `after_taken` and `after_declined` count those deals
by their status now (won, lost, open), so a play can be judged against declining it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from dealflow.analytics import _timing
from dealflow.analytics._query import Filters, on_deals, scope, selected
from dealflow.deal import Status
from dealflow.engine import firing_plays
from dealflow.playbook import Playbook
from dealflow.store import DEALS, EVENTS, Store

__all__ = ["PlayFigures", "PlaysReport", "plays_report"]

_TYPES = ("play_taken", "play_completed", "play_declined")


def _bucket(status: str) -> str:
    return status if status in ("won", "lost") else "open"


@dataclass
class PlayFigures:
    """One play's record over the deals."""

    play: str
    name: str
    fired: int = 0
    firing_now: int = 0
    taken: int = 0
    completed: int = 0
    declined: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    after_taken: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("won", "lost", "open"), 0))
    after_declined: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("won", "lost", "open"), 0))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return dict(vars(self))


@dataclass(frozen=True)
class PlaysReport:
    """Every play of the playbook, in its order, with its figures."""

    plays: list[PlayFigures]

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"plays": [p.to_dict() for p in self.plays]}


def plays_report(store: Store, filters: Filters | None = None, *,
                 now: dt.datetime | None = None, locale: str | None = None,
                 playbook: Playbook | str | None = None) -> PlaysReport:
    """The figures of each play over the deals `filters` select (see the module docs)."""
    moment = _timing._now(now)
    chosen, filters = scope(store, filters, playbook)
    figures = {p.id: PlayFigures(p.id, chosen.text(p.name, locale)) for p in chosen.plays}
    query = (select(EVENTS.c.deal_id, EVENTS.c.type, EVENTS.c.payload)
             .where(EVENTS.c.type.in_(_TYPES)).order_by(EVENTS.c.deal_id, EVENTS.c.seq))
    if (condition := selected(EVENTS.c.deal_id, filters)) is not None:
        query = query.where(condition)
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    outcomes: dict[str, dict[str, str]] = defaultdict(dict)
    with store.database.connect() as conn:
        for deal_id, kind, payload in conn.execute(query):
            play = str(payload.get("play"))
            seen[play][str(kind)].add(str(deal_id))
            if kind == "play_completed":
                outcomes[play][str(deal_id)] = str(payload.get("outcome"))
        ids = sorted({d for kinds in seen.values() for deals in kinds.values() for d in deals})
        statuses = {str(i): str(s) for i, s in conn.execute(
            select(DEALS.c.id, DEALS.c.status).where(DEALS.c.id.in_(ids)))} if ids else {}
    decided = _decided(figures, seen, outcomes, statuses)
    for deal in _open_deals(store, chosen, filters):
        for play in firing_plays(store.playbook_for(deal.playbook_id, deal.playbook_version),
                                 deal, moment):
            if deal.id not in decided[play] and play in figures:
                figures[play].firing_now += 1
    for play, row in figures.items():
        row.fired = len(decided[play]) + row.firing_now
    return PlaysReport(list(figures.values()))


def _decided(figures: dict[str, PlayFigures], seen: dict[str, dict[str, set[str]]],
             outcomes: dict[str, dict[str, str]], statuses: dict[str, str]
             ) -> dict[str, set[str]]:
    """Fill the recorded figures of each play; the deals each play was decided on."""
    decided: dict[str, set[str]] = defaultdict(set)
    for play, kinds in seen.items():
        row = figures.setdefault(play, PlayFigures(play, play))  # a play of an older version
        taken, declined = kinds["play_taken"], kinds["play_declined"]
        decided[play] = taken | declined
        row.taken, row.declined = len(taken), len(declined)
        row.completed = len(kinds["play_completed"])
        for result in outcomes[play].values():
            row.outcomes[result] = row.outcomes.get(result, 0) + 1
        for deal_id in taken:
            row.after_taken[_bucket(statuses.get(deal_id, "open"))] += 1
        for deal_id in declined - taken:
            row.after_declined[_bucket(statuses.get(deal_id, "open"))] += 1
    return decided


def _open_deals(store: Store, chosen: Playbook, filters: Filters | None) -> list[Any]:
    query = (select(DEALS.c.id).where(DEALS.c.status.in_((Status.open.value,
                                                           Status.on_hold.value)))
             .where(on_deals(filters)))
    with store.database.connect() as conn:
        ids = {str(i) for i in conn.execute(query).scalars()}
    return [deal for status in (Status.open, Status.on_hold)
            for deal in store.list_deals(status=status, playbook_id=chosen.id)
            if deal.id in ids]
