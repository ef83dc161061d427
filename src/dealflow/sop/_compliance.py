"""SOP compliance: were the checklist items done, and on time?

The audit replays a deal's events. Each time the deal leaves a stage (advance, move
back, win, lose), every item that applied to it at that moment is classified: done on
time (done by its due date), done late, or skipped (not done when the stage was left).
In the stage the deal is in now, items not done are overdue once past their due date,
else still open. Items are counted once per visit to a stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from dealflow._days import due_date, utc_date
from dealflow.deal import Deal, Status
from dealflow.engine import (
    DealCreated,
    DealLost,
    DealMigrated,
    DealWon,
    Event,
    RuleContext,
    StageAdvanced,
    StageMovedBack,
    apply_event,
)
from dealflow.playbook import Playbook
from dealflow.sop._waiver_counts import WaiverCounts

__all__ = ["Compliance", "Counts", "ItemRecord", "audit_deal", "compliance"]

OUTCOMES = ("on_time", "late", "overdue", "skipped", "open")
_LEAVING = (StageAdvanced, StageMovedBack, DealWon, DealLost)


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One applicable item in one visit of a deal to a stage, and what became of it."""

    deal_id: str
    stage: str
    item_id: str
    owner: str
    due: dt.date
    outcome: str
    done_at: dt.datetime | None = None


@dataclass
class Counts:
    """How many items ended in each outcome."""

    on_time: int = 0
    late: int = 0
    overdue: int = 0
    skipped: int = 0
    open: int = 0

    def add(self, outcome: str) -> None:
        """Count one more item with `outcome`."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def settled(self) -> int:
        """Items whose outcome is known (everything but `open`)."""
        return self.on_time + self.late + self.overdue + self.skipped

    @property
    def rate(self) -> float | None:
        """Share of settled items done on time; None when nothing is settled."""
        return self.on_time / self.settled if self.settled else None


@dataclass
class Compliance:
    """SOP compliance over a set of deals: totals, by stage and by owner role."""

    records: list[ItemRecord] = field(default_factory=list)
    total: Counts = field(default_factory=Counts)
    by_stage: dict[str, Counts] = field(default_factory=dict)
    by_owner: dict[str, Counts] = field(default_factory=dict)
    waivers: WaiverCounts = field(default_factory=WaiverCounts)
    """The control points waived, by control point, owner and approver."""

    def add(self, record: ItemRecord) -> None:
        """Count one item record."""
        self.records.append(record)
        self.total.add(record.outcome)
        self.by_stage.setdefault(record.stage, Counts()).add(record.outcome)
        self.by_owner.setdefault(record.owner, Counts()).add(record.outcome)


def _visit(playbook: Playbook, deal: Deal, at: dt.datetime, leaving: bool) -> list[ItemRecord]:
    ctx = RuleContext(playbook, deal, at)
    records = []
    for instance in ctx.item_instances(playbook.stage(deal.stage)):
        due = due_date(deal.stage_entered_at, instance.item.due_days)
        done = deal.items_done.get(instance.id)
        if done is not None:
            outcome = "on_time" if utc_date(done.at) <= due else "late"
        elif leaving:
            outcome = "skipped"
        else:
            outcome = "overdue" if utc_date(at) > due else "open"
        records.append(ItemRecord(deal.id, deal.stage, instance.id, instance.item.owner, due,
                                  outcome, done.at if done is not None else None))
    return records


Resolve = Callable[[str, str], Playbook]
"""`resolve(playbook_id, version)`: the playbook version a deal moved to."""


def audit_deal(playbook: Playbook, events: Sequence[Event], *,
               now: dt.datetime | None = None, resolve: Resolve | None = None,
               ) -> list[ItemRecord]:
    """Every applicable item of every stage visit of one deal, with its outcome.

    `playbook` is the version the deal was created under; with `resolve`, a
    `deal_migrated` event switches to the version the deal moved to."""
    moment = now or dt.datetime.now(dt.UTC)
    records: list[ItemRecord] = []
    deal: Deal | None = None
    for event in events:
        if deal is not None and isinstance(event, _LEAVING):
            records.extend(_visit(playbook, deal, event.at, leaving=True))
        deal = apply_event(deal, event, playbook)
        if isinstance(event, DealMigrated) and resolve is not None:
            playbook = resolve(deal.playbook_id, event.to_version)
    if deal is not None and deal.status in (Status.open, Status.on_hold):
        records.extend(_visit(playbook, deal, moment, leaving=False))
    return records


def compliance(playbook: Playbook | Resolve, histories: Iterable[Sequence[Event]], *,
               now: dt.datetime | None = None) -> Compliance:
    """SOP compliance over many deals (one event history each).

    `playbook` is the playbook every deal was created under, or `resolve(playbook_id,
    version)` to read each deal with the version it was created under and moved to."""
    result = Compliance()
    for events in histories:
        if not events:
            continue
        result.waivers.add_history(events)
        if isinstance(playbook, Playbook):
            records = audit_deal(playbook, events, now=now)
        else:
            first = events[0]
            if not isinstance(first, DealCreated):
                raise ValueError(f"the first event of deal {first.deal_id} is {first.type}, "
                                 "not deal_created")
            records = audit_deal(playbook(first.playbook_id, first.playbook_version), events,
                                 now=now, resolve=playbook)
        for record in records:
            result.add(record)
    return result
