"""Moving live deals to a new version of their playbook.

`plan_upgrade(store, new)` says, for every open or held deal running under another version
of the same playbook, what the new version changes for it: the stage it lands in (a
removed stage needs a mapping, from the new playbook's `stage_map` or given here),
the control points of its stage that now fail or newly pass, and the checklist items
added or removed. `upgrade(store, new, apply=True)` records one `deal_migrated` event per
deal, one transaction per deal, and refuses before writing anything when a deal's stage
has no mapping. Won and lost deals keep the version they closed under.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dealflow._messages import _
from dealflow.deal import Deal, Status
from dealflow.engine import (
    WON,
    DealMigrated,
    GateReport,
    Outcome,
    RuleContext,
    apply_event,
    exit_checks,
)
from dealflow.errors import DefinitionError
from dealflow.playbook import Playbook
from dealflow.store import Store

__all__ = ["DealPlan", "UpgradePlan", "plan_upgrade", "upgrade"]


@dataclass(frozen=True)
class DealPlan:
    """What a new playbook version means for one live deal."""

    deal_id: str
    from_version: str
    from_stage: str
    to_stage: str | None
    gates_now_failing: tuple[str, ...] = ()
    gates_now_passing: tuple[str, ...] = ()
    items_added: tuple[str, ...] = ()
    items_removed: tuple[str, ...] = ()

    @property
    def needs_mapping(self) -> bool:
        """True when the deal's stage is gone from the new version and nothing maps it."""
        return self.to_stage is None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"deal_id": self.deal_id, "from_version": self.from_version,
                "from_stage": self.from_stage, "to_stage": self.to_stage,
                "needs_mapping": self.needs_mapping,
                "gates_now_failing": list(self.gates_now_failing),
                "gates_now_passing": list(self.gates_now_passing),
                "items_added": list(self.items_added), "items_removed": list(self.items_removed)}


@dataclass(frozen=True)
class UpgradePlan:
    """The plan for every live deal; `applied` is True once the events were written."""

    to_version: str
    deals: list[DealPlan] = field(default_factory=list)
    applied: bool = False

    @property
    def unmapped(self) -> list[DealPlan]:
        """Deals whose stage the new version lacks, with no mapping."""
        return [plan for plan in self.deals if plan.needs_mapping]

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"to_version": self.to_version, "applied": self.applied,
                "deals": [plan.to_dict() for plan in self.deals]}


def _checks(playbook: Playbook, deal: Deal, now: dt.datetime) -> dict[str, bool]:
    """Each exit check of the deal's stage: id -> passed."""
    ctx = RuleContext(playbook, deal, now)
    following = playbook.next_stage(deal.stage)
    target = following.id if following else WON
    return {check.id: check.passed for check in exit_checks(ctx, target)}


def _items(playbook: Playbook, deal: Deal, now: dt.datetime) -> set[str]:
    ctx = RuleContext(playbook, deal, now)
    return {inst.id for inst in ctx.item_instances(playbook.stage(deal.stage))}


def _plan_deal(store: Store, deal: Deal, new: Playbook, mapping: dict[str, str],
               now: dt.datetime) -> DealPlan:
    old = store.playbook_for(deal.playbook_id, deal.playbook_version)
    stages = {stage.id for stage in new.stages}
    target = mapping.get(deal.stage, deal.stage if deal.stage in stages else None)
    if target is None:
        return DealPlan(deal.id, deal.playbook_version, deal.stage, None)
    moved = deal.model_copy(update={"playbook_version": new.version, "stage": target})
    before, after = _checks(old, deal, now), _checks(new, moved, now)
    failing = {cid for cid, ok in after.items() if not ok and before.get(cid, True)}
    passing = {cid for cid, ok in after.items() if ok and before.get(cid) is False}
    items_before, items_after = _items(old, deal, now), _items(new, moved, now)
    return DealPlan(deal.id, deal.playbook_version, deal.stage, target,
                    tuple(sorted(failing)), tuple(sorted(passing)),
                    tuple(sorted(items_after - items_before)),
                    tuple(sorted(items_before - items_after)))


def _live(store: Store, new: Playbook) -> list[Deal]:
    return [deal for deal in store.list_deals()
            if deal.playbook_id == new.id and deal.playbook_version != new.version
            and deal.status in (Status.open, Status.on_hold)]


def plan_upgrade(store: Store, new: Playbook, stage_map: dict[str, str] | None = None, *,
                 now: dt.datetime | None = None) -> UpgradePlan:
    """What moving every live deal to `new` would change (writes nothing)."""
    moment = now or store.clock()
    mapping = {**new.stage_map, **(stage_map or {})}
    stages = {stage.id for stage in new.stages}
    wrong = {old: target for old, target in mapping.items() if target not in stages}
    if wrong:
        raise DefinitionError(_("the stage mapping points at stages the new version lacks: "
                                "{stages}", stages=", ".join(f"{k} -> {v}"
                                                             for k, v in wrong.items())))
    return UpgradePlan(new.version, [_plan_deal(store, deal, new, mapping, moment)
                                     for deal in _live(store, new)])


def upgrade(store: Store, new: Playbook, stage_map: dict[str, str] | None = None, *,
            actor: str, apply_changes: bool = False,
            now: dt.datetime | None = None) -> UpgradePlan:
    """Plan, and with `apply_changes` record a `deal_migrated` event for every live deal.

    Refuses (DefinitionError, nothing written) when any deal's stage has no mapping.
    """
    plan = plan_upgrade(store, new, stage_map, now=now)
    if plan.unmapped:
        raise DefinitionError(_(
            "cannot move these deals: the new version has no stage {stages} and no mapping "
            "for it; add `stage_map: {{old: new}}` to the new playbook or pass --map old=new "
            "(deals: {deals})", stages=", ".join(sorted({p.from_stage for p in plan.unmapped})),
            deals=", ".join(p.deal_id for p in plan.unmapped)))
    if not apply_changes:
        return plan
    store.register_playbook(new)
    for item in plan.deals:
        deal = store.get(item.deal_id)
        assert item.to_stage is not None
        event = DealMigrated(deal_id=deal.id, seq=deal.version + 1, at=store.clock(),
                             actor=actor, from_version=deal.playbook_version,
                             to_version=new.version, from_stage=deal.stage,
                             to_stage=item.to_stage)
        moved = apply_event(deal, event, new)
        report = GateReport("migrate", deal.id, deal.stage, item.to_stage)
        store.save(Outcome(moved, (event,), report), expected_version=deal.version)
    return UpgradePlan(plan.to_version, plan.deals, applied=True)
