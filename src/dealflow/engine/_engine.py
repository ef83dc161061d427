"""The deal engine: moves deals through a playbook only when its control points hold.

One `transitions` machine is built per playbook (`_machine`: stages, plus `won` and
`lost`) and shared by every deal; deals are never added to it. Each operation first
checks, in our own code, everything that must hold (the deal's status, the arguments,
the gates of the stage it leaves, the roles the stage requires, the approval rules of
the stage it enters); only then is the machine's trigger fired, so a refused operation
changes nothing. Every operation returns an `Outcome` (`_outcome`): the new deal, the
events that record the change, and the `GateReport` behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from dealflow._days import utc_date
from dealflow._plain import plain_errors
from dealflow._problems import did_you_mean
from dealflow._safe_text import lone_surrogate
from dealflow.deal import Deal, NextStep, Stakeholder, Status, coerce_fact
from dealflow.engine._chain_ops import ChainOperations, chain_checks
from dealflow.engine._context import RuleContext
from dealflow.engine._events import (
    DealCreated,
    DealEdited,
    DealHeld,
    DealLost,
    DealReopened,
    DealResumed,
    DealWon,
    Event,
    FactSet,
    ItemCompleted,
    NextStepSet,
    StageAdvanced,
    StageMovedBack,
    StakeholderAdded,
    StakeholderRemoved,
    StakeholderUpdated,
    apply_event,
    replay,
)
from dealflow.engine._gates import WON, Check, GateReport, exit_checks
from dealflow.engine._machine import LOST, MoveMachine
from dealflow.engine._outcome import Outcome, fails, placeholder_deal, shown, unknown_person
from dealflow.errors import MoveRefused
from dealflow.playbook import Playbook

__all__ = ["Engine", "Outcome"]

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Engine(ChainOperations):
    """Drives deals through `playbook`; `clock` gives the time of each event (UTC)."""

    def __init__(self, playbook: Playbook, *, clock: Clock = _utc_now) -> None:
        self.playbook = playbook
        self.clock = clock
        self._machine = MoveMachine(playbook)

    # -- reading ----------------------------------------------------------------------------
    def context(self, deal: Deal) -> RuleContext:
        """The rule context of `deal` now."""
        return RuleContext(self.playbook, deal, self.clock())

    def explain(self, deal: Deal, locale: str | None = None) -> GateReport:
        """The state of every control point of the deal's current stage."""
        foreign = self._playbook_check(deal)
        if foreign:  # its stage may not even exist in this playbook
            return GateReport("advance", deal.id, deal.stage, None, tuple(foreign))
        ctx = self.context(deal)
        next_stage = self.playbook.next_stage(deal.stage)
        target = next_stage.id if next_stage else WON
        operation = "advance" if next_stage else "win"
        status = self._status_check(deal, (Status.open,), operation)
        return GateReport(operation, deal.id, deal.stage, target,
                          tuple(status + self._exit_checks(ctx, target, locale)))

    def replay(self, events: Sequence[Event]) -> Deal:
        """Rebuild a deal from its events, typing facts by this playbook."""
        return replay(list(events), self.playbook)

    # -- checks ---------------------------------------------------------------------------
    def _exit_checks(self, ctx: RuleContext, target: str, locale: str | None) -> list[Check]:
        return exit_checks(ctx, target, locale)

    def _playbook_check(self, deal: Deal) -> list[Check]:
        if deal.playbook_id != self.playbook.id or deal.playbook_version != self.playbook.version:
            return [fails("playbook", "the deal runs under this playbook version",
                          f"deal {deal.id} runs under {deal.playbook_id} "
                          f"{deal.playbook_version}, this engine under {self.playbook.id} "
                          f"{self.playbook.version}")]
        return []

    def _status_check(self, deal: Deal, allowed: tuple[Status, ...], operation: str) -> list[Check]:
        foreign = self._playbook_check(deal)
        if foreign:
            return foreign
        if deal.status in allowed:
            return []
        names = " or ".join(status.value for status in allowed)
        return [fails("status", f"{operation} needs a deal that is {names}",
                      f"deal {deal.id} is {deal.status.value}")]

    # -- building outcomes ------------------------------------------------------------------
    def _base(self, deal: Deal, actor: str) -> dict[str, Any]:
        return {"deal_id": deal.id, "seq": deal.version + 1, "at": self.clock(), "actor": actor}

    def _outcome(self, deal: Deal, operation: str, target: str | None, checks: list[Check],
                 make: Callable[[], Event], raise_on_refusal: bool) -> Outcome:
        report = GateReport(operation, deal.id, deal.stage, target, tuple(checks))
        if not report.allowed:
            outcome = Outcome(deal, (), report)
            return outcome.raise_for_refusal() if raise_on_refusal else outcome
        try:
            event = make()
        except ValidationError as exc:  # a value out of its domain (a date, a long text)
            report = GateReport(operation, deal.id, deal.stage, target, (*checks, fails(
                "value", "every value is in its documented form", *plain_errors(exc))))
            outcome = Outcome(deal, (), report)
            return outcome.raise_for_refusal() if raise_on_refusal else outcome
        if (undecodable := lone_surrogate(event)) is not None:  # no store could save it
            report = GateReport(operation, deal.id, deal.stage, target, (*checks, fails(
                "text", "every text is valid Unicode",
                f"{undecodable}: not valid Unicode (bytes that were not UTF-8)")))
            outcome = Outcome(deal, (), report)
            return outcome.raise_for_refusal() if raise_on_refusal else outcome
        return Outcome(apply_event(deal, event, self.playbook), (event,), report)

    # -- creating ---------------------------------------------------------------------------
    def create(self, *, deal_id: str, title: str, account: str, owner: str, actor: str,
               amount: Decimal | int | float | str = 0, currency: str = "CNY") -> Outcome:
        """Open a new deal in the first stage."""
        first = self.playbook.stages[0].id
        try:
            event = DealCreated(deal_id=deal_id, seq=1, at=self.clock(), actor=actor,
                                title=title, account=account, amount=amount,
                                currency=currency, owner=owner, playbook_id=self.playbook.id,
                                playbook_version=self.playbook.version, stage=first)
            deal = apply_event(None, event, self.playbook)
        except ValidationError as exc:
            raise MoveRefused(placeholder_deal(deal_id, self.playbook, first, self.clock()),
                              GateReport("create", deal_id, first, first, (
                                  fails("deal", "the deal's fields are valid",
                                        *plain_errors(exc)),
                              ))) from None
        report = GateReport("create", deal_id, first, first, ())
        return Outcome(deal, (event,), report)

    # -- moves ------------------------------------------------------------------------------
    def advance(self, deal: Deal, *, actor: str, locale: str | None = None,
                raise_on_refusal: bool = False) -> Outcome:
        """Move to the next stage, when every blocking control point of this one holds."""
        checks = self._status_check(deal, (Status.open,), "advance")
        next_stage = None if checks else self.playbook.next_stage(deal.stage)
        target = next_stage.id if next_stage else None
        if not checks and target is None:
            checks = [fails("stage", "advance needs a next stage",
                            f"{deal.stage} is the last stage: use win")]
        if not checks and target is not None:
            checks = self._exit_checks(self.context(deal), target, locale)
        report_checks = checks

        def make() -> Event:
            assert target is not None
            self._machine.fire("advance", deal.stage, target)
            warnings = tuple(c.id for c in report_checks if not c.passed)
            return StageAdvanced(**self._base(deal, actor), from_stage=deal.stage,
                                 to_stage=target, warnings=warnings)

        return self._outcome(deal, "advance", target, checks, make, raise_on_refusal)

    def win(self, deal: Deal, *, actor: str, locale: str | None = None,
            raise_on_refusal: bool = False) -> Outcome:
        """Close the deal as won, from the last stage, when its control points hold."""
        checks = self._status_check(deal, (Status.open,), "win")
        last = self.playbook.stages[-1].id
        if not checks and deal.stage != last:
            checks = [fails("stage", f"win is only possible from the last stage, {last}",
                            f"the deal is in {deal.stage}")]
        if not checks:
            checks = self._exit_checks(self.context(deal), WON, locale)

        def make() -> Event:
            self._machine.fire("win", deal.stage, WON)
            return DealWon(**self._base(deal, actor), stage=deal.stage)

        return self._outcome(deal, "win", WON, checks, make, raise_on_refusal)

    def lose(self, deal: Deal, *, reason: str, actor: str, note: str = "",
             raise_on_refusal: bool = False) -> Outcome:
        """Close the deal as lost, with one of the playbook's lost reasons."""
        checks = self._status_check(deal, (Status.open, Status.on_hold), "lose")
        reasons = [r.id for r in self.playbook.lost_reasons]
        if reason not in reasons:
            checks.append(fails("reason", "a lost deal needs one of the playbook's lost reasons",
                                f"unknown lost reason {reason!r}" + did_you_mean(reason, reasons)))

        def make() -> Event:
            self._machine.fire("lose", deal.stage, LOST)
            return DealLost(**self._base(deal, actor), stage=deal.stage, reason=reason, note=note)

        return self._outcome(deal, "lose", LOST, checks, make, raise_on_refusal)

    def move_back(self, deal: Deal, *, reason: str, actor: str, to: str | None = None,
                  raise_on_refusal: bool = False) -> Outcome:
        """Move back to an earlier stage (the previous one unless `to` names another)."""
        checks = self._status_check(deal, (Status.open,), "move back")
        if not reason.strip():
            checks.append(fails("reason", "moving back needs a reason", "the reason is empty"))
        target = to
        if not self._playbook_check(deal):  # a foreign deal's stage may not exist here
            target, stage_checks = self._back_target(deal, to)
            checks.extend(stage_checks)

        def make() -> Event:
            assert target is not None
            self._machine.fire("back", deal.stage, target)
            return StageMovedBack(**self._base(deal, actor), from_stage=deal.stage,
                                  to_stage=target, reason=reason)

        return self._outcome(deal, "move back", target, checks, make, raise_on_refusal)

    def _back_target(self, deal: Deal, to: str | None) -> tuple[str | None, list[Check]]:
        index = self.playbook.stage_index(deal.stage)
        earlier = [stage.id for stage in self.playbook.stages[:index]]
        target = to if to is not None else (earlier[-1] if earlier else None)
        if target is None:
            return None, [fails("stage", "moving back needs an earlier stage",
                                f"{deal.stage} is the first stage")]
        if target not in earlier:
            return target, [fails("stage", "moving back goes to an earlier stage",
                                  f"{target!r} is not before {deal.stage}"
                                  + did_you_mean(target, earlier))]
        return target, []

    def hold(self, deal: Deal, *, reason: str, resume_on: dt.date, actor: str,
             raise_on_refusal: bool = False) -> Outcome:
        """Put an open deal on hold, for a known reason, until a date."""
        checks = self._status_check(deal, (Status.open,), "hold")
        if not reason.strip():
            checks.append(fails("reason", "a hold needs a reason", "the reason is empty"))
        today = utc_date(self.clock())
        if resume_on <= today:
            checks.append(fails("resume_on", "a hold needs a date to resume in the future",
                                f"{resume_on} is not after today ({today})"))

        def make() -> Event:
            return DealHeld(**self._base(deal, actor), reason=reason, resume_on=resume_on)

        return self._outcome(deal, "hold", deal.stage, checks, make, raise_on_refusal)

    def resume(self, deal: Deal, *, actor: str, raise_on_refusal: bool = False) -> Outcome:
        """Open a held deal again (before its resume date too)."""
        checks = self._status_check(deal, (Status.on_hold,), "resume")

        def make() -> Event:
            return DealResumed(**self._base(deal, actor))

        return self._outcome(deal, "resume", deal.stage, checks, make, raise_on_refusal)

    def reopen(self, deal: Deal, *, actor: str, raise_on_refusal: bool = False) -> Outcome:
        """Open a won or lost deal again, in the stage it was closed from."""
        checks = self._status_check(deal, (Status.won, Status.lost), "reopen")

        def make() -> Event:
            self._machine.fire("reopen", deal.status.value, deal.stage)
            return DealReopened(**self._base(deal, actor), stage=deal.stage)

        return self._outcome(deal, "reopen", deal.stage, checks, make, raise_on_refusal)

    # -- changes to the deal's data ---------------------------------------------------------
    def set_fact(self, deal: Deal, name: str, value: Any, *, actor: str,
                 raise_on_refusal: bool = False) -> Outcome:
        """Set fact `name` (typed by the playbook); `None` clears it."""
        declared = {fact.id: fact for fact in self.playbook.facts}
        checks = self._playbook_check(deal)
        typed = None
        if name not in declared:
            checks.append(fails("fact", "the fact is declared by the playbook",
                                f"unknown fact {name!r}" + did_you_mean(name, declared)))
        elif value is not None:
            try:
                typed = coerce_fact(declared[name], value)
            except ValueError as exc:
                checks.append(fails("value", f"fact {name} takes {declared[name].type} values",
                                    f"{shown(value)}: {exc}"))

        def make() -> Event:
            return FactSet(**self._base(deal, actor), name=name, value=typed)

        return self._outcome(deal, "set fact", deal.stage, checks, make, raise_on_refusal)

    def _role_checks(self, roles: Sequence[str]) -> list[Check]:
        valid = [role.id for role in self.playbook.roles]
        return [fails("roles", "roles come from the playbook's decision chain",
                      f"unknown role {role!r}" + did_you_mean(role, valid))
                for role in roles if role not in valid]

    def add_stakeholder(self, deal: Deal, stakeholder: Stakeholder, *, actor: str,
                        raise_on_refusal: bool = False) -> Outcome:
        """Add a person to the deal's stakeholder map."""
        checks = self._playbook_check(deal) + self._role_checks(stakeholder.roles)
        checks += chain_checks(self.playbook, deal, stakeholder)
        if deal.stakeholder(stakeholder.id) is not None:
            checks.append(fails("stakeholder", "stakeholder ids are unique within a deal",
                                f"deal {deal.id} already has stakeholder {stakeholder.id!r}"))

        def make() -> Event:
            return StakeholderAdded(**self._base(deal, actor), stakeholder=stakeholder)

        return self._outcome(deal, "add stakeholder", deal.stage, checks, make, raise_on_refusal)

    def update_stakeholder(self, deal: Deal, stakeholder_id: str, *, actor: str,
                           raise_on_refusal: bool = False, **changes: Any) -> Outcome:
        """Change a person on the map: roles, stance, influence, wins, last contact, ..."""
        current = deal.stakeholder(stakeholder_id)
        checks = self._playbook_check(deal)
        updated: Stakeholder | None = None
        if current is None:
            checks.append(unknown_person(deal, stakeholder_id))
        else:
            try:
                updated = Stakeholder.model_validate(
                    {**current.model_dump(), **changes, "id": stakeholder_id})
                checks.extend(self._role_checks(updated.roles))
                checks.extend(chain_checks(self.playbook, deal, updated))
            except ValidationError as exc:
                checks.append(fails("stakeholder", "the changes are valid", *plain_errors(exc)))

        def make() -> Event:
            assert updated is not None
            return StakeholderUpdated(**self._base(deal, actor), stakeholder=updated)

        return self._outcome(deal, "update stakeholder", deal.stage, checks, make,
                             raise_on_refusal)

    def remove_stakeholder(self, deal: Deal, stakeholder_id: str, *, actor: str,
                           raise_on_refusal: bool = False) -> Outcome:
        """Take a person off the map."""
        checks = self._playbook_check(deal)
        if deal.stakeholder(stakeholder_id) is None:
            checks.append(unknown_person(deal, stakeholder_id))

        def make() -> Event:
            return StakeholderRemoved(**self._base(deal, actor), stakeholder_id=stakeholder_id)

        return self._outcome(deal, "remove stakeholder", deal.stage, checks, make,
                             raise_on_refusal)

    def complete_item(self, deal: Deal, item_id: str, *, actor: str,
                      evidence: str | None = None, raise_on_refusal: bool = False) -> Outcome:
        """Mark a checklist item of the current stage done (with evidence when it asks)."""
        checks = self._status_check(deal, (Status.open, Status.on_hold), "complete item")
        if not self._playbook_check(deal):  # a foreign deal's stage may not exist here
            checks.extend(self._item_checks(deal, item_id, evidence))

        def make() -> Event:
            return ItemCompleted(**self._base(deal, actor), item_id=item_id, stage=deal.stage,
                                 evidence=evidence)

        return self._outcome(deal, "complete item", deal.stage, checks, make, raise_on_refusal)

    def _item_checks(self, deal: Deal, item_id: str, evidence: str | None) -> list[Check]:
        ctx = self.context(deal)
        instances = {inst.id: inst for inst in ctx.item_instances(self.playbook.stage(deal.stage))}
        instance = instances.get(item_id)
        if instance is None:
            return [fails("item", "the item is on the current stage's checklist",
                          f"no item {item_id!r} applies to {deal.id} in {deal.stage}"
                          + did_you_mean(item_id, instances))]
        if item_id in deal.items_done:
            return [fails("item", "an item is marked done once",
                          f"{item_id} was done by {deal.items_done[item_id].actor}")]
        if instance.item.evidence is not None and not (evidence or "").strip():
            needed = self.playbook.text(instance.item.evidence)
            return [fails("evidence", "this item needs evidence", f"evidence: {needed}")]
        return []

    def set_next_step(self, deal: Deal, next_step: NextStep | None, *, actor: str,
                      raise_on_refusal: bool = False) -> Outcome:
        """Record the agreed next step (what, who, by when), or clear it with None."""
        def make() -> Event:
            return NextStepSet(**self._base(deal, actor), next_step=next_step)

        return self._outcome(deal, "set next step", deal.stage, self._playbook_check(deal), make,
                             raise_on_refusal)

    def edit(self, deal: Deal, *, actor: str, raise_on_refusal: bool = False,
             **changes: Any) -> Outcome:
        """Change the deal's title, account, amount, currency or owner."""
        allowed = {"title", "account", "amount", "currency", "owner"}
        checks = self._playbook_check(deal)
        checks.extend(fails("field", "only title, account, amount, currency and owner change "
                            "this way", f"cannot edit {key!r}")
                      for key in changes if key not in allowed)
        if not checks:
            try:
                Deal.model_validate({**deal.model_dump(), **changes})
            except ValidationError as exc:
                checks.append(fails("deal", "the changes are valid", *plain_errors(exc)))

        def make() -> Event:
            return DealEdited(**self._base(deal, actor), changes=changes)

        return self._outcome(deal, "edit", deal.stage, checks, make, raise_on_refusal)
