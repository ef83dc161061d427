"""The funnel layer by layer: who entered each stage, moved on, was lost there, and why.

Definitions (each a count of distinct deals, so a deal that went back and came again
counts once per stage):

- `entered`: deals that were ever in the stage (the first stage: every deal);
- `moved_on`: deals that ever advanced out of it (from the last stage: won);
- `lost`: deals lost now whose (last) loss was in this stage, by its lost reason: a deal
  lost, reopened and lost again counts once, where it was last lost; a deal lost and
  reopened is not lost (it is open, or won);
- `open`: deals open or on hold in it now;
- `won`: deals that entered it and are won now;
- `conversion_next` = moved_on / entered; `conversion_won` = won / entered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from dealflow.analytics._query import (
    Filters,
    counted_playbook,
    on_deals,
    reached,
    reached_by_status,
    scope,
    selected,
    stage_changes,
    stage_figures,
)
from dealflow.playbook import Playbook
from dealflow.store import DEALS, LOSS_FIGURES, STAGE_CHANGES, Store

__all__ = ["Conversions", "Funnel", "StageFunnel", "funnel"]


class Conversions:
    """The conversions of a funnel layer (a stage, or a buyer phase's stages) from the
    deals that entered it, moved on and are won."""

    entered: int
    moved_on: int
    won: int
    if TYPE_CHECKING:  # a layer's own: a field of a stage, a sum over a phase's stages
        @property
        def lost(self) -> dict[str, int]: ...
        @property
        def lost_total(self) -> int: ...
        @property
        def open(self) -> int: ...

    @property
    def conversion_next(self) -> float | None:
        """Share of the deals that entered and moved on (None when none entered)."""
        return self.moved_on / self.entered if self.entered else None

    @property
    def conversion_won(self) -> float | None:
        """Share of the deals that entered and are won."""
        return self.won / self.entered if self.entered else None

    def figures(self) -> dict[str, Any]:
        """The layer's counts and conversions as plain data (`lost` and `open` are the
        layer's own)."""
        return {"entered": self.entered, "moved_on": self.moved_on,
                "lost": dict(self.lost), "lost_total": self.lost_total, "open": self.open,
                "won": self.won,
                "conversion_next": self.conversion_next, "conversion_won": self.conversion_won}


@dataclass(frozen=True)
class StageFunnel(Conversions):
    """One layer of the funnel."""

    stage: str
    entered: int
    moved_on: int
    lost: dict[str, int]
    open: int
    won: int

    @property
    def lost_total(self) -> int:
        """Deals lost in this stage, all reasons."""
        return sum(self.lost.values())

    def to_dict(self) -> dict[str, Any]:
        """The layer as plain data."""
        return {"stage": self.stage, **self.figures()}


@dataclass(frozen=True)
class Funnel:
    """Every layer of one playbook's funnel, first stage first."""

    playbook_id: str
    playbook_version: str
    stages: list[StageFunnel] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The funnel as plain data."""
        return {"playbook": {"id": self.playbook_id, "version": self.playbook_version},
                "stages": [layer.to_dict() for layer in self.stages]}


NO_REASON = "no_reason"
"""The reason a funnel shows for deals lost without one (a playbook with no lost reasons)."""


def _counts(store: Store, query: Any) -> dict[str, int]:
    with store.database.connect() as conn:
        return {str(row[0]): int(row[1]) for row in conn.execute(query)}


def _lost(filters: Filters | None) -> Any:
    """(stage, reason, deals) of the deals lost now, each at its last loss: a loss whose
    stay in `lost` has not ended (a reopen ends it, and only live deals are migrated)."""
    c = STAGE_CHANGES.c
    query = (select(c.from_stage, c.reason, func.count())
             .where(c.to_stage == "lost").where(c.left_at.is_(None))
             .group_by(c.from_stage, c.reason).order_by(c.from_stage, c.reason))
    condition = selected(c.deal_id, filters)
    return query if condition is None else query.where(condition)


def _counted(store: Store, playbook_id: str) -> tuple[dict[str, int], dict[str, int],
                                                     dict[str, int], dict[str, dict[str, int]]]:
    """entered, moved on, won and lost by reason per stage, read from the counters kept
    at write time (the same figures as `_recounted`, for every deal of the playbook)."""
    figures = stage_figures(store, playbook_id)
    f = LOSS_FIGURES.c
    with store.database.connect() as conn:
        losses = conn.execute(select(f.stage, f.reason, f.deals).where(
            f.playbook_id == playbook_id, f.deals > 0)).all()
        nulls_first = conn.dialect.name == "sqlite"  # as the ORDER BY of `_lost` puts them
    lost_rows: dict[str, dict[str, int]] = {}
    for stage, reason, count in sorted(losses, key=lambda row: (
            row[0], (row[1] != "") if nulls_first else (row[1] == ""), row[1])):
        named = NO_REASON if reason == "" else str(reason)
        lost_rows.setdefault(str(stage), {})[named] = int(count)
    return ({stage: row["entered"] for stage, row in figures.items()},
            {stage: row["moved_on"] for stage, row in figures.items()},
            {stage: row["won"] for stage, row in figures.items()}, lost_rows)


def _recounted(store: Store, filters: Filters | None) -> tuple[
        dict[str, int], dict[str, int], dict[str, int], dict[str, dict[str, int]]]:
    """entered, moved on, won and lost by reason per stage, counted from the stage
    changes of the deals `filters` select."""
    changes = stage_changes(filters)
    entered = _counts(store, reached(filters))
    moved = _counts(store, select(changes.c.from_stage, func.count(changes.c.deal_id.distinct()))
                    .where(changes.c.type.in_(("stage_advanced", "deal_won")))
                    .group_by(changes.c.from_stage))
    won_by_stage = _counts(store, reached_by_status(filters, "won"))
    lost_rows: dict[str, dict[str, int]] = {}
    with store.database.connect() as conn:
        for stage, reason, count in conn.execute(_lost(filters)):
            named = NO_REASON if reason is None else str(reason)
            lost_rows.setdefault(str(stage), {})[named] = int(count)
    return entered, moved, won_by_stage, lost_rows


def funnel(store: Store, filters: Filters | None = None, *,
           playbook: Playbook | str | None = None) -> Funnel:
    """The funnel of one playbook (see `scope`), for the deals `filters` select: read
    from the per-stage counters when it covers every deal of the playbook."""
    chosen, filters = scope(store, filters, playbook)
    counted = counted_playbook(chosen, filters)
    entered, moved, won_by_stage, lost_rows = (
        _recounted(store, filters) if counted is None else _counted(store, counted))
    open_now = _counts(store, select(DEALS.c.stage, func.count())
                       .where(DEALS.c.status.in_(("open", "on_hold")))
                       .where(on_deals(filters)).group_by(DEALS.c.stage))
    layers = [
        StageFunnel(stage=stage.id, entered=entered.get(stage.id, 0),
                    moved_on=moved.get(stage.id, 0), lost=lost_rows.get(stage.id, {}),
                    open=open_now.get(stage.id, 0), won=won_by_stage.get(stage.id, 0))
        for stage in chosen.stages
    ]
    return Funnel(chosen.id, chosen.version, layers)
