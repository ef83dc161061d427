"""The deal engine: moves deals through a playbook only when its control points hold.

One `transitions` machine is built per playbook from its declared moves (`_machine`) and
shared by every deal; deals are never added to it. The moves (`_moving`: advance, skip,
win, lose, close, back, reopen) are the machine's triggers: the machine alone decides
whether a move is allowed, its conditions being the move's control points, and a
refused move changes nothing. The other operations (hold, facts, stakeholders, items,
edits) check their arguments here. Every operation returns an `Outcome` (`_outcome`):
the new deal, the events that record the change, and the `GateReport` behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from dealflow._days import utc_date
from dealflow._messages import _
from dealflow._plain import plain_errors
from dealflow._problems import did_you_mean
from dealflow._safe_text import lone_surrogate
from dealflow.deal import Deal, Evidence, NextStep, Stakeholder, Status, Team, coerce_fact
from dealflow.engine._activity import opened_item_checks
from dealflow.engine._chain_ops import ChainOperations, chain_checks
from dealflow.engine._context import RuleContext
from dealflow.engine._events import (
    DealCreated,
    DealEdited,
    DealHeld,
    DealResumed,
    Event,
    FactSet,
    ItemCompleted,
    NextStepSet,
    StakeholderAdded,
    StakeholderRemoved,
    StakeholderUpdated,
    apply_event,
    replay,
)
from dealflow.engine._evidence_ops import (
    EvidenceOperations,
    evidence_checks,
)
from dealflow.engine._gates import Check, GateReport
from dealflow.engine._machine import MoveMachine
from dealflow.engine._move_args import MoveArgs
from dealflow.engine._moving import MoveOperations
from dealflow.engine._outcome import Outcome, fails, placeholder_deal, shown, unknown_person
from dealflow.engine._permission import approve, follow_event
from dealflow.engine._wording import operation_text, status_text, statuses_text
from dealflow.errors import MoveRefused
from dealflow.playbook import Playbook

__all__ = ["Engine", "Outcome"]

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Engine(MoveOperations, EvidenceOperations, ChainOperations):
    """Drives deals through `playbook`; `clock` gives the time of each event (UTC),
    `team` our people and their roles, `history` a deal's events (for history in rules)."""

    def __init__(self, playbook: Playbook, *, clock: Clock = _utc_now, team: Team | None = None,
                 history: Callable[[Deal], Sequence[Event]] | None = None) -> None:
        self.playbook = playbook
        self.clock = clock
        self.team = team
        self.history = history
        self._machine = MoveMachine(playbook)

    # -- reading ----------------------------------------------------------------------------
    def context(self, deal: Deal, move: MoveArgs | None = None) -> RuleContext:
        """The rule context of `deal` now (with `move`, the move its control points see)."""
        source = self.history
        return RuleContext(self.playbook, deal, self.clock(), move, team=self.team,
                           history=None if source is None else (lambda: source(deal)))

    def replay(self, events: Sequence[Event]) -> Deal:
        """Rebuild a deal from its events, typing facts by this playbook."""
        return replay(list(events), self.playbook)

    # -- checks ---------------------------------------------------------------------------
    def _playbook_check(self, deal: Deal) -> list[Check]:
        if deal.playbook_id != self.playbook.id or deal.playbook_version != self.playbook.version:
            return [fails("playbook", _("the deal runs under this playbook version"),
                          _("deal {deal} runs under {playbook} {version}, this engine under "
                            "{engine_playbook} {engine_version}", deal=deal.id,
                            playbook=deal.playbook_id, version=deal.playbook_version,
                            engine_playbook=self.playbook.id,
                            engine_version=self.playbook.version))]
        return []

    def _status_check(self, deal: Deal, allowed: tuple[Status, ...], operation: str) -> list[Check]:
        foreign = self._playbook_check(deal)
        if foreign:
            return foreign
        if deal.status in allowed:
            return []
        names = statuses_text(status.value for status in allowed)
        return [fails("status", _("{operation} needs a deal that is {statuses}",
                                  operation=operation_text(operation), statuses=names),
                      _("deal {deal} is {status}", deal=deal.id,
                        status=status_text(deal.status.value)))]

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
                "value", _("every value is in its documented form"), *plain_errors(exc))))
            outcome = Outcome(deal, (), report)
            return outcome.raise_for_refusal() if raise_on_refusal else outcome
        if (undecodable := lone_surrogate(event)) is not None:  # no store could save it
            report = GateReport(operation, deal.id, deal.stage, target, (*checks, fails(
                "text", _("every text is valid Unicode"),
                _("{field}: not valid Unicode (bytes that were not UTF-8)",
                  field=undecodable))))
            outcome = Outcome(deal, (), report)
            return outcome.raise_for_refusal() if raise_on_refusal else outcome
        refused, events, after = follow_event(self, deal, event)  # authority, effects
        if after is None:
            outcome = Outcome(deal, (), GateReport(operation, deal.id, deal.stage, target,
                                                   (*checks, *refused)))
            return outcome.raise_for_refusal() if raise_on_refusal else outcome
        return Outcome(after, events, report)

    def approve(self, deal: Deal, approval: str, *, by: str, note: str = "",
                raise_on_refusal: bool = False) -> Outcome:
        """Record internal approval `approval`, given by `by` (on the team, holding one of
        its roles), with `note`; it keeps what was approved (see `dealflow approve`)."""
        return approve(self, deal, approval, by=by, note=note, raise_on_refusal=raise_on_refusal)

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
                                  fails("deal", _("the deal's fields are valid"),
                                        *plain_errors(exc)),
                              ))) from None
        report = GateReport("create", deal_id, first, first, ())
        return Outcome(deal, (event,), report)

    # -- holding ---------------------------------------------------------------------------
    def hold(self, deal: Deal, *, reason: str, resume_on: dt.date, actor: str,
             raise_on_refusal: bool = False) -> Outcome:
        """Put an open deal on hold, for a known reason, until a date."""
        checks = self._status_check(deal, (Status.open,), "hold")
        if not reason.strip():
            checks.append(fails("reason", _("a hold needs a reason"), _("the reason is empty")))
        today = utc_date(self.clock())
        if resume_on <= today:
            checks.append(fails("resume_on", _("a hold needs a date to resume in the future"),
                                _("{day} is not after today ({today})", day=resume_on,
                                  today=today)))

        def make() -> Event:
            return DealHeld(**self._base(deal, actor), reason=reason, resume_on=resume_on)

        return self._outcome(deal, "hold", deal.stage, checks, make, raise_on_refusal)

    def resume(self, deal: Deal, *, actor: str, raise_on_refusal: bool = False) -> Outcome:
        """Open a held deal again (before its resume date too)."""
        checks = self._status_check(deal, (Status.on_hold,), "resume")

        def make() -> Event:
            return DealResumed(**self._base(deal, actor))

        return self._outcome(deal, "resume", deal.stage, checks, make, raise_on_refusal)

    # -- changes to the deal's data ---------------------------------------------------------
    def set_fact(self, deal: Deal, name: str, value: Any, *, actor: str,
                 evidence: Evidence | None = None, raise_on_refusal: bool = False) -> Outcome:
        """Set fact `name` (typed by the playbook), backed by `evidence`; `None` clears it."""
        declared = {fact.id: fact for fact in self.playbook.facts}
        checks = self._playbook_check(deal)
        typed = None
        if name not in declared:
            checks.append(fails("fact", _("the fact is declared by the playbook"),
                                _("unknown fact {name!r}", name=name)
                                + did_you_mean(name, declared)))
        elif value is not None:
            try:
                typed = coerce_fact(declared[name], value)
            except ValueError as exc:
                checks.append(fails("value", _("fact {name} takes {type} values", name=name,
                                               type=declared[name].type),
                                    f"{shown(value)}: {exc}"))
        checks += evidence_checks(deal, evidence, utc_date(self.clock()), value is None)

        def make() -> Event:
            return FactSet(**self._base(deal, actor), name=name, value=typed, evidence=evidence)

        return self._outcome(deal, "set fact", deal.stage, checks, make, raise_on_refusal)

    def _role_checks(self, roles: Sequence[str]) -> list[Check]:
        valid = [role.id for role in self.playbook.roles]
        return [fails("roles", _("roles come from the playbook's decision chain"),
                      _("unknown role {role!r}", role=role) + did_you_mean(role, valid))
                for role in roles if role not in valid]

    def add_stakeholder(self, deal: Deal, stakeholder: Stakeholder, *, actor: str,
                        raise_on_refusal: bool = False) -> Outcome:
        """Add a person to the deal's stakeholder map."""
        checks = self._playbook_check(deal) + self._role_checks(stakeholder.roles)
        checks += chain_checks(self.playbook, deal, stakeholder)
        if deal.stakeholder(stakeholder.id) is not None:
            checks.append(fails("stakeholder", _("stakeholder ids are unique within a deal"),
                                _("deal {deal} already has stakeholder {id!r}", deal=deal.id,
                                  id=stakeholder.id)))

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
                checks.append(fails("stakeholder", _("the changes are valid"),
                                    *plain_errors(exc)))

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
        follow_up = item_id in deal.items_opened  # opened on the deal: any status (issue 18)
        checks = self._status_check(deal, tuple(Status) if follow_up else (
            Status.open, Status.on_hold), "complete item")
        if follow_up:
            checks.extend(opened_item_checks(deal, item_id))
        elif not self._playbook_check(deal):  # a foreign deal's stage may not exist here
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
            return [fails("item", _("the item is on the current stage's checklist"),
                          _("no item {item!r} applies to {deal} in {stage}", item=item_id,
                            deal=deal.id, stage=deal.stage)
                          + did_you_mean(item_id, instances))]
        if item_id in deal.items_done:
            return [fails("item", _("an item is marked done once"),
                          _("{item} was done by {actor}", item=item_id,
                            actor=deal.items_done[item_id].actor))]
        if instance.item.evidence is not None and not (evidence or "").strip():
            needed = self.playbook.text(instance.item.evidence)
            return [fails("evidence", _("this item needs evidence"),
                          _("evidence: {what}", what=needed))]
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
        checks.extend(fails("field", _("only title, account, amount, currency and owner "
                                       "change this way"), _("cannot edit {key!r}", key=key))
                      for key in changes if key not in allowed)
        if not checks:
            try:
                Deal.model_validate({**deal.model_dump(), **changes})
            except ValidationError as exc:
                checks.append(fails("deal", _("the changes are valid"), *plain_errors(exc)))

        def make() -> Event:
            return DealEdited(**self._base(deal, actor), changes=changes)

        return self._outcome(deal, "edit", deal.stage, checks, make, raise_on_refusal)
