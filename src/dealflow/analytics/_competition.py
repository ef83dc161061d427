"""Win rate and lost reasons by competitor (issue 20).

A closed deal counts for each competitor it names (its competitors as they stood when it
closed); a lost deal also counts as a loss *to* the competitor its `deal_lost` event names
as winner. The database selects the closed deals (SQL over `deals`, through the figures'
filters); only those deals' projections are read, for their competitors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from dealflow.analytics._query import Filters, on_deals, scope
from dealflow.analytics._winrate import Rate
from dealflow.playbook import Playbook
from dealflow.store import DEALS, Store

__all__ = ["CompetitorFigures", "competition"]


@dataclass(frozen=True)
class CompetitorFigures:
    """One competitor across the closed deals: won and lost against them, the losses to
    them (they won), and the lost reasons of the deals they were in."""

    competitor: str
    name: str
    rate: Rate
    lost_to: int
    incumbent_in: int
    lost_reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"competitor": self.competitor, "name": self.name, **self.rate.to_dict(),
                "lost_to": self.lost_to, "incumbent_in": self.incumbent_in,
                "lost_reasons": dict(self.lost_reasons)}


def competition(store: Store, filters: Filters | None = None, *,
                playbook: Playbook | str | None = None) -> list[CompetitorFigures]:
    """Win rate and lost reasons by competitor over the closed deals `filters` select,
    most deals first."""
    _chosen, filters = scope(store, filters, playbook)
    query = (select(DEALS.c.status, DEALS.c.data)
             .where(DEALS.c.status.in_(("won", "lost"))).where(on_deals(filters)))
    won: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    lost_to: Counter[str] = Counter()
    incumbent: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    with store.database.connect() as conn:
        for status, data in conn.execute(query):
            for rival in data.get("competitors") or ():
                key = str(rival["id"])
                names.setdefault(key, str(rival.get("name", key)))
                (won if status == "won" else lost)[key] += 1
                incumbent[key] += bool(rival.get("incumbent"))
                if status == "lost":
                    reasons.setdefault(key, Counter())[str(data.get("lost_reason"))] += 1
            if status == "lost" and data.get("lost_to"):
                lost_to[str(data["lost_to"])] += 1
    keys = sorted(names, key=lambda k: (-(won[k] + lost[k]), k))
    return [CompetitorFigures(key, names[key], Rate(won[key], lost[key]), lost_to[key],
                              incumbent[key], dict(reasons.get(key, Counter()).most_common()))
            for key in keys]
