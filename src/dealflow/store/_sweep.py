"""`Store.sweep(now)`: apply every playbook's automation rules to every deal, on a schedule.

For each deal, under its own playbook, each automation rule whose `deals` take the deal
and whose `when` holds at `now` does its one thing: lose the deal with its reason, open
its follow-up item on the deal (once: the item's id is the rule's id), or remind (only
listed). A dry run (the default) lists what would happen; `apply=True` writes it. Every
event the sweep writes has the actor `dealflow:sweep` and the source `automation:<rule>`.

A sweep is idempotent by construction: a lost deal is no longer open, an item is opened
once per deal and rule, and a reminder writes nothing. A rule that fails to evaluate for
a deal is reported and skipped; the other rules and deals are still swept. The events of
one deal are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from dealflow._days import as_moment, utc_date
from dealflow._messages import _
from dealflow.deal import Deal, Status
from dealflow.engine import (
    SWEEP_ACTOR,
    Engine,
    Event,
    GateReport,
    ItemOpened,
    Outcome,
    RuleContext,
    apply_event,
)
from dealflow.errors import ConflictError, RuleEvalError
from dealflow.playbook import AutomationRule, Playbook

if TYPE_CHECKING:
    from dealflow.store._repository import Store

__all__ = ["Sweeping", "SweepAction", "SweepFailure", "SweepReport", "sweep"]

_PAGE = 500
_TAKES: dict[str, tuple[Status, ...]] = {
    "open": (Status.open,), "on_hold": (Status.on_hold,), "won": (Status.won,),
    "lost": (Status.lost,),
    "closed": (Status.won, Status.lost),
}


@dataclass(frozen=True, slots=True)
class SweepAction:
    """What a rule does (or would do) to a deal: `lose`, `open_item` or `remind`."""

    deal_id: str
    title: str
    owner: str
    rule: str
    action: Literal["lose", "open_item", "remind"]
    text: str
    """The rule's text."""
    detail: str = ""
    """The lost reason, or the follow-up's text and due date."""
    applied: bool = False
    """True when this sweep wrote it."""


@dataclass(frozen=True, slots=True)
class SweepFailure:
    """A deal the sweep could not fully handle: a rule that failed, or a write conflict."""

    deal_id: str
    rule: str | None
    error: str


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What a sweep did (`apply`) or would do, per deal and rule, and what failed."""

    now: dt.datetime
    apply: bool
    actions: tuple[SweepAction, ...]
    failures: tuple[SweepFailure, ...]

    @property
    def changes(self) -> tuple[SweepAction, ...]:
        """The actions that write (lose, open_item), as opposed to reminders."""
        return tuple(a for a in self.actions if a.action != "remind")

    @property
    def reminders(self) -> tuple[SweepAction, ...]:
        """The reminders: deals that are due for something, nothing written."""
        return tuple(a for a in self.actions if a.action == "remind")

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return {
            "now": self.now.isoformat(), "apply": self.apply,
            "actions": [{"deal": a.deal_id, "title": a.title, "owner": a.owner,
                         "rule": a.rule, "action": a.action, "text": a.text,
                         "detail": a.detail, "applied": a.applied} for a in self.actions],
            "failures": [{"deal": f.deal_id, "rule": f.rule, "error": f.error}
                         for f in self.failures],
        }


class _DealSweep:
    """The automation rules of one playbook applied to one deal, as events."""

    def __init__(self, engine: Engine, deal: Deal, now: dt.datetime) -> None:
        self.engine = engine
        self.playbook: Playbook = engine.playbook
        self.original = deal
        self.deal = deal
        self.now = now
        self.context = RuleContext(self.playbook, deal, now)
        self.events: list[Event] = []
        self.actions: list[SweepAction] = []
        self.failures: list[SweepFailure] = []

    def run(self) -> None:
        for rule in self.playbook.automation:
            if self.original.status not in _TAKES[rule.deals]:
                continue
            try:
                holds = bool(rule.when.evaluate(self.context))
            except RuleEvalError as exc:
                self.failures.append(SweepFailure(self.deal.id, rule.id, str(exc)))
                continue
            if holds:
                self._act(rule)

    def _action(self, rule: AutomationRule, detail: str = "") -> SweepAction:
        return SweepAction(self.deal.id, self.deal.title, self.deal.owner, rule.id,
                           rule.action, self.playbook.text(rule.text), detail)

    def _add(self, event: Event) -> None:
        self.deal = apply_event(self.deal, event, self.playbook)
        self.events.append(event)

    def _act(self, rule: AutomationRule) -> None:
        source = f"automation:{rule.id}"
        if rule.lose is not None:
            if self.deal.is_closed:  # an earlier rule of this sweep closed it
                return
            outcome = self.engine.lose(self.deal, reason=rule.lose, actor=SWEEP_ACTOR,
                                       note=self.playbook.text(rule.text))
            if not outcome.ok:
                missing = "; ".join(m for check in outcome.report.blocking
                                    for m in (check.missing or (check.text,)))
                self.failures.append(SweepFailure(self.deal.id, rule.id, _(
                    "the deal could not be lost: {missing}", missing=missing)))
                return
            self._add(outcome.events[0].model_copy(update={"source": source}))
            self.actions.append(self._action(rule, rule.lose))
        elif rule.open_item is not None:
            if rule.id in self.deal.items_opened:  # opened once per deal and rule
                return
            follow = rule.open_item
            due = utc_date(self.now) + dt.timedelta(days=follow.due_days)
            text = self.playbook.text(follow.text)
            self._add(ItemOpened(deal_id=self.deal.id, seq=self.deal.version + 1, at=self.now,
                                 actor=SWEEP_ACTOR, source=source, item_id=rule.id,
                                 text=text, owner=follow.owner, due=due, rule=rule.id))
            self.actions.append(self._action(rule, _("{text} (due {due})", text=text,
                                                     due=due.isoformat())))
        else:
            self.actions.append(self._action(rule))


def _deals(store: Store) -> Any:
    offset = 0
    while True:
        page = store.list_deals(limit=_PAGE, offset=offset)
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def sweep(store: Store, now: dt.date | dt.datetime | None = None, *,
          apply: bool = False) -> SweepReport:
    """Apply the automation rules of each deal's playbook to every deal in `store` at
    `now` (default: the store's clock; a date is its midnight UTC, a time without a zone
    is UTC); write the changes only with `apply`."""
    moment = as_moment(now) if now is not None else store.clock()
    engines: dict[tuple[str, str], Engine] = {}
    actions: list[SweepAction] = []
    failures: list[SweepFailure] = []
    for deal in _deals(store):
        key = (deal.playbook_id, deal.playbook_version)
        if key not in engines:
            engines[key] = Engine(store.playbook_for(*key), clock=lambda: moment)
        if not engines[key].playbook.automation:
            continue
        work = _DealSweep(engines[key], deal, moment)
        work.run()
        failures.extend(work.failures)
        written = apply and bool(work.events)
        if written:
            report = GateReport("sweep", deal.id, deal.stage, work.deal.stage, ())
            try:
                store.save(Outcome(work.deal, tuple(work.events), report),
                           expected_version=deal.version)
            except ConflictError as exc:
                failures.append(SweepFailure(deal.id, None, str(exc)))
                written = False
        actions.extend(SweepAction(**{**_fields(a), "applied": written and a.action != "remind"})
                       for a in work.actions)
    return SweepReport(moment, apply, tuple(actions), tuple(failures))


def _fields(action: SweepAction) -> dict[str, Any]:
    return {name: getattr(action, name) for name in SweepAction.__slots__}


class Sweeping:
    """The sweep as a method of `Store`."""

    def sweep(self, now: dt.date | dt.datetime | None = None, *,
              apply: bool = False) -> SweepReport:
        """Apply every playbook's automation rules to every deal at `now`: a dry run
        listing what would happen, or, with `apply`, written (see `SweepReport`)."""
        return sweep(cast("Store", self), now, apply=apply)
