"""The funnel grouped by buyer phase (issue 21): what the customer's organisation went
through, beside our stages.

A phase's layer holds the layers of its stages (in the playbook's order) and:

- `entered`: deals that were ever in any of its stages (each deal once);
- `moved_on`: deals that ever advanced (or were won) from one of its stages to a stage
  outside the phase;
- `lost` (by reason) and `open`: the sums of its stages' figures (a deal is lost in one
  stage and open in one stage);
- `won`: deals that entered the phase and are won now.

Phases come in the playbook's order (`buyer_phases`), a phase no stage serves with zero
figures; stages that serve no phase make one last group, `phase` None ("no phase").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from dealflow._messages import _, use_locale
from dealflow.analytics._funnel import Conversions, StageFunnel, funnel
from dealflow.analytics._query import Filters, _of_selected, scope
from dealflow.playbook import Playbook
from dealflow.store import DEALS, STAGE_CHANGES, Store

__all__ = ["FunnelByPhase", "PhaseFunnel", "funnel_by_phase", "phase_groups"]


@dataclass(frozen=True)
class PhaseFunnel(Conversions):
    """One buyer phase of the funnel, with the layers of its stages."""

    phase: str | None
    """The phase's id; None for the stages that serve no phase."""
    name: str
    """The phase's name in the locale asked for ("no phase" for None)."""
    stages: tuple[StageFunnel, ...]
    entered: int
    moved_on: int
    won: int

    @property
    def lost(self) -> dict[str, int]:
        """Deals lost in the phase's stages, by reason."""
        total: Counter[str] = Counter()
        for layer in self.stages:
            total.update(layer.lost)
        return dict(total)

    @property
    def lost_total(self) -> int:
        """Deals lost in the phase's stages, all reasons."""
        return sum(layer.lost_total for layer in self.stages)

    @property
    def open(self) -> int:
        """Deals open or on hold in the phase's stages now."""
        return sum(layer.open for layer in self.stages)

    def to_dict(self) -> dict[str, Any]:
        """The phase as plain data, its stages' layers included."""
        return {"phase": self.phase, "name": self.name,
                "stages": [layer.to_dict() for layer in self.stages], **self.figures()}


@dataclass(frozen=True)
class FunnelByPhase:
    """One playbook's funnel grouped by buyer phase."""

    playbook_id: str
    playbook_version: str
    phases: list[PhaseFunnel] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The funnel by phase as plain data."""
        return {"playbook": {"id": self.playbook_id, "version": self.playbook_version},
                "phases": [phase.to_dict() for phase in self.phases]}


def phase_groups(playbook: Playbook) -> list[tuple[str | None, tuple[str, ...]]]:
    """(phase, its stage ids) in the playbook's order; the stages serving no phase last,
    as phase None (left out when every stage serves one)."""
    groups: list[tuple[str | None, tuple[str, ...]]] = [
        (phase.id, tuple(s.id for s in playbook.stages if s.buyer_phase == phase.id))
        for phase in playbook.buyer_phases]
    known = {phase.id for phase in playbook.buyer_phases}
    loose = tuple(s.id for s in playbook.stages if s.buyer_phase not in known)
    return groups + [(None, loose)] if loose else groups


def _count(store: Store, query: Any) -> int:
    with store.database.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _figures(store: Store, filters: Filters | None, stages: tuple[str, ...]) -> tuple[int, ...]:
    """(entered, moved_on, won) of the deals `filters` select, for a group of stages."""
    if not stages:
        return 0, 0, 0
    c = STAGE_CHANGES.c
    entered = _of_selected(select(func.count(c.deal_id.distinct()))
                           .where(c.to_stage.in_(stages)), filters)
    moved = _of_selected(select(func.count(c.deal_id.distinct()))
                         .where(c.type.in_(("stage_advanced", "deal_won")))
                         .where(c.from_stage.in_(stages)).where(c.to_stage.not_in(stages)),
                         filters)
    won_ids = select(DEALS.c.id).where(DEALS.c.status == "won")
    won = _of_selected(select(func.count(c.deal_id.distinct()))
                       .where(c.to_stage.in_(stages)).where(c.deal_id.in_(won_ids)), filters)
    return _count(store, entered), _count(store, moved), _count(store, won)


def funnel_by_phase(store: Store, filters: Filters | None = None, *,
                    playbook: Playbook | str | None = None,
                    locale: str | None = None) -> FunnelByPhase:
    """The funnel of one playbook (see `scope`) grouped by buyer phase, for the deals
    `filters` select; phase names in `locale` (default: the playbook's first locale)."""
    chosen, filters = scope(store, filters, playbook)
    layers = {layer.stage: layer for layer in funnel(store, filters, playbook=chosen).stages}
    language = locale or chosen.default_locale
    names = {phase.id: chosen.text(phase.name, language) for phase in chosen.buyer_phases}
    with use_locale(language):
        no_phase = _("no phase")
    phases = []
    for phase, stages in phase_groups(chosen):
        entered, moved_on, won = _figures(store, filters, stages)
        phases.append(PhaseFunnel(phase, no_phase if phase is None else names[phase],
                                  tuple(layers[stage] for stage in stages), entered,
                                  moved_on, won))
    return FunnelByPhase(chosen.id, chosen.version, phases)
