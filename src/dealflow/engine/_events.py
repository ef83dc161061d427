"""Events: the record of everything that happened to a deal.

Every change is an immutable, typed event with the deal id, a sequence number (1, 2,
3, ... per deal), the actor and the time. A deal is the projection of its events:
`replay(events, playbook)` rebuilds it exactly, and `apply_event` adds one event to a deal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    WithJsonSchema,
    model_serializer,
)
from typing_extensions import TypedDict

from dealflow._messages import _
from dealflow.deal import (
    Deal,
    Evidence,
    Hold,
    ItemCompletion,
    NextStep,
    Stakeholder,
    Status,
    coerce_fact,
)
from dealflow.playbook import Playbook
from dealflow.values import (
    MAX_SEQ,
    Actor,
    Amount,
    Currency,
    Day,
    FactValue,
    Id,
    Moment,
    Name,
    Note,
    Ref,
    fact_value,
)

__all__ = [
    "DealClosed",
    "DealCreated",
    "DealEdited",
    "DealHeld",
    "DealLost",
    "DealMigrated",
    "DealReopened",
    "DealResumed",
    "DealWon",
    "EditChanges",
    "Event",
    "EventBase",
    "FactSet",
    "ItemCompleted",
    "NextStepSet",
    "StageAdvanced",
    "StageMovedBack",
    "StakeholderAdded",
    "StakeholderRemoved",
    "StakeholderUpdated",
    "apply_event",
    "event_adapter",
    "replay",
]


class EventBase(BaseModel):
    """What every event carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deal_id: Id
    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    at: Moment
    actor: Actor
    source: Note | None = None
    """Where an imported event came from (for example `crm.csv:42`); None when live."""


class DealCreated(EventBase):
    """A deal was opened in the first (or a given) stage."""

    type: Literal["deal_created"] = "deal_created"
    title: Name
    account: Name
    amount: Amount
    currency: Currency
    owner: Name
    playbook_id: Ref
    playbook_version: Ref
    stage: Ref
    undated: bool = False
    """True when the deal's entry into `stage` has no date of its own (an imported history
    whose first stage is undated): `at` is then the time of the deal's earliest dated
    event. The analytics count the stage as reached but leave the stay out of time in
    stage. Left out of the serialised event (and the stored payload) when False."""

    @model_serializer(mode="wrap")
    def _dated_by_default(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not self.undated:
            data.pop("undated", None)
        return data


class EditChanges(TypedDict, total=False):
    """The fields a `deal_edited` event changes, each checked as the deal checks it."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    title: Name
    account: Name
    amount: Amount
    currency: Currency
    owner: Name


class DealEdited(EventBase):
    """Title, account, amount, currency or owner changed."""

    type: Literal["deal_edited"] = "deal_edited"
    changes: EditChanges


class StageAdvanced(EventBase):
    """The deal moved to the next stage; `warnings` lists warn-level gates that were open."""

    type: Literal["stage_advanced"] = "stage_advanced"
    from_stage: Ref
    to_stage: Ref
    warnings: tuple[Ref, ...] = ()


class StageMovedBack(EventBase):
    """The deal went back to an earlier stage, with a reason."""

    type: Literal["stage_moved_back"] = "stage_moved_back"
    from_stage: Ref
    to_stage: Ref
    reason: Note


class DealWon(EventBase):
    """The deal was won from the last stage."""

    type: Literal["deal_won"] = "deal_won"
    stage: Ref


class DealLost(EventBase):
    """The deal was lost, with one of the playbook's lost reasons (none when it declares
    none), maybe a sub-reason, and a note."""

    type: Literal["deal_lost"] = "deal_lost"
    stage: Ref
    reason: Ref | None
    note: Note = ""
    # -- declared moves (issue 17) --
    sub_reason: Ref | None = None
    # -- the decision chain (issue 20)
    winner: Id | None = None
    """The competitor that won; left out of the serialised event when None."""

    @model_serializer(mode="wrap")
    def _only_what_was_given(self, handler: SerializerFunctionWrapHandler
                             ) -> dict[str, Any]:
        """A loss without a sub-reason or a winner serialises as before they existed."""
        data: dict[str, Any] = handler(self)
        for optional in ("sub_reason", "winner"):
            if getattr(self, optional) is None:
                data.pop(optional, None)
        return data


class DealHeld(EventBase):
    """The deal was put on hold for a reason, until a date."""

    type: Literal["deal_held"] = "deal_held"
    reason: Annotated[Note, Field(min_length=1)]
    resume_on: Day


class DealResumed(EventBase):
    """A held deal is open again."""

    type: Literal["deal_resumed"] = "deal_resumed"


class DealReopened(EventBase):
    """A won or lost deal is open again, in the stage it was closed from."""

    type: Literal["deal_reopened"] = "deal_reopened"
    stage: Ref


class StakeholderAdded(EventBase):
    """A person was added to the stakeholder map."""

    type: Literal["stakeholder_added"] = "stakeholder_added"
    stakeholder: Stakeholder


class StakeholderUpdated(EventBase):
    """A person on the map changed: roles, stance, influence, interests or last contact."""

    type: Literal["stakeholder_updated"] = "stakeholder_updated"
    stakeholder: Stakeholder


class StakeholderRemoved(EventBase):
    """A person left the stakeholder map."""

    type: Literal["stakeholder_removed"] = "stakeholder_removed"
    stakeholder_id: Id


def _fact_or_none(value: Any) -> FactValue | None:
    return None if value is None else fact_value(value)


_Cleared = Annotated[FactValue | None, PlainValidator(_fact_or_none),
                     WithJsonSchema({"type": ["boolean", "integer", "number", "string",
                                              "array", "null"]})]
"""A fact's value, or None when the fact is cleared."""


class FactSet(EventBase):
    """A fact was set (or cleared, when `value` is None)."""

    type: Literal["fact_set"] = "fact_set"
    name: Ref
    value: _Cleared
    evidence: Annotated[Evidence | None, Field(exclude_if=lambda v: v is None)] = None
    """What backs the value (left out of the serialised event when there is none)."""


class ItemCompleted(EventBase):
    """A checklist item was marked done."""

    type: Literal["item_completed"] = "item_completed"
    item_id: Ref
    stage: Ref
    evidence: Note | None = None


class DealMigrated(EventBase):
    """The deal moved to another version of its playbook (and maybe to a mapped stage)."""

    type: Literal["deal_migrated"] = "deal_migrated"
    from_version: Ref
    to_version: Ref
    from_stage: Ref
    to_stage: Ref


class NextStepSet(EventBase):
    """The next step was agreed (or cleared)."""

    type: Literal["next_step_set"] = "next_step_set"
    next_step: NextStep | None


from dealflow.engine._events_authority import (  # noqa: E402 - they build on EventBase
    ApprovalGiven,
    EffectApplied,
    approval_changes,
)
from dealflow.engine._events_chain import CHAIN_EVENTS, ChainEvent, chain_changes  # noqa: E402
from dealflow.engine._events_commitments import CommitmentEvent, commitment_changes  # noqa: E402
from dealflow.engine._events_evidence import (  # noqa: E402 (they subclass EventBase)
    EVIDENCE_EVENTS,
    FactVerified,
    GateWaived,
    ReviewGiven,
    evidence_changes,
    provenance_changes,
)
from dealflow.engine._events_moves import DealClosed, closed_changes  # noqa: E402
from dealflow.engine._events_timers import ActivityLogged, ItemOpened, timer_changes  # noqa: E402, I001

Event = Annotated[
    DealCreated | DealEdited | StageAdvanced | StageMovedBack | DealWon | DealLost | DealHeld
    | DealResumed | DealReopened | StakeholderAdded | StakeholderUpdated | StakeholderRemoved
    | FactSet | ItemCompleted | NextStepSet | DealMigrated
    | DealClosed | ActivityLogged | ItemOpened | ApprovalGiven | EffectApplied
    | FactVerified | GateWaived | ReviewGiven | ChainEvent | CommitmentEvent,
    Field(discriminator="type"),
]
"""Any event, told apart by its `type`."""

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
"""Validates and serialises events: `event_adapter.validate_python(data)`."""


def _created(event: DealCreated) -> Deal:
    return Deal(
        id=event.deal_id, title=event.title, account=event.account, amount=event.amount,
        currency=event.currency, owner=event.owner, playbook_id=event.playbook_id,
        playbook_version=event.playbook_version, stage=event.stage, created_at=event.at,
        stage_entered_at=event.at, version=event.seq,
    )


def _stakeholders(deal: Deal, event: Event) -> dict[str, Any]:
    people = [person for person in deal.stakeholders]
    if isinstance(event, StakeholderAdded):
        people.append(event.stakeholder)
    elif isinstance(event, StakeholderUpdated):
        people = [event.stakeholder if p.id == event.stakeholder.id else p for p in people]
    elif isinstance(event, StakeholderRemoved):
        people = [p for p in people if p.id != event.stakeholder_id]
    return {"stakeholders": tuple(people)}


def _fact(deal: Deal, event: FactSet, playbook: Playbook | None) -> dict[str, Any]:
    facts = dict(deal.facts)
    if event.value is None:
        facts.pop(event.name, None)
        return {"facts": facts, **provenance_changes(deal, event)}
    value: FactValue = event.value
    if playbook is not None:
        declared = {fact.id: fact for fact in playbook.facts}
        if event.name in declared:
            value = coerce_fact(declared[event.name], value)
    facts[event.name] = value
    return {"facts": facts, **provenance_changes(deal, event)}


def _changes(deal: Deal, event: Event, playbook: Playbook | None) -> dict[str, Any]:  # noqa: C901
    if isinstance(event, CommitmentEvent):
        return commitment_changes(deal, event)
    if isinstance(event, StageAdvanced | StageMovedBack):
        return {"stage": event.to_stage, "stage_entered_at": event.at}
    if isinstance(event, DealWon):
        return {"status": Status.won, "next_step": None}
    if isinstance(event, DealLost):
        return {"status": Status.lost, "lost_reason": event.reason, "lost_note": event.note,
                "hold": None, "next_step": None, "lost_sub_reason": event.sub_reason,
                "lost_to": event.winner}
    if isinstance(event, DealClosed):
        return closed_changes(event)
    if isinstance(event, DealHeld):
        return {"status": Status.on_hold,
                "hold": Hold(reason=event.reason, resume_on=event.resume_on)}
    if isinstance(event, DealResumed):
        return {"status": Status.open, "hold": None}
    if isinstance(event, DealReopened):
        return {"status": Status.open, "stage": event.stage, "stage_entered_at": event.at,
                "lost_reason": None, "lost_note": "", "lost_sub_reason": None, "outcome": None,
                "lost_to": None}
    if isinstance(event, StakeholderAdded | StakeholderUpdated | StakeholderRemoved):
        return _stakeholders(deal, event)
    if isinstance(event, FactSet):
        return _fact(deal, event, playbook)
    if isinstance(event, EVIDENCE_EVENTS):
        return evidence_changes(deal, event)
    if isinstance(event, ItemCompleted):
        done = dict(deal.items_done)
        done[event.item_id] = ItemCompletion(actor=event.actor, at=event.at,
                                             evidence=event.evidence, stage=event.stage)
        return {"items_done": done}
    if isinstance(event, NextStepSet):
        return {"next_step": event.next_step}
    if isinstance(event, DealEdited):
        return {str(key): value for key, value in event.changes.items()}
    if isinstance(event, ApprovalGiven):
        return approval_changes(deal, event)
    if isinstance(event, CHAIN_EVENTS):
        return chain_changes(deal, event)
    if isinstance(event, DealMigrated):
        moved = event.to_stage != deal.stage
        return {"playbook_version": event.to_version, "stage": event.to_stage,
                **({"stage_entered_at": event.at} if moved else {})}
    if isinstance(event, ActivityLogged | ItemOpened):
        return {}  # all in timer_changes
    raise TypeError(_("cannot apply {event} to an existing deal", event=type(event).__name__))


def apply_event(deal: Deal | None, event: Event, playbook: Playbook | None = None) -> Deal:
    """The deal after `event`. `playbook` (when given) types the facts set by events."""
    if deal is None:
        if not isinstance(event, DealCreated):
            raise ValueError(_("the first event of a deal must be deal_created, not {type}",
                               type=event.type))
        return _created(event)
    if isinstance(event, DealCreated):
        raise ValueError(_("deal {deal} already exists; deal_created must come first",
                           deal=deal.id))
    if event.deal_id != deal.id:
        raise ValueError(_("event for deal {event_deal} applied to deal {deal}",
                           event_deal=event.deal_id, deal=deal.id))
    if event.seq != deal.version + 1:
        raise ValueError(_("event seq {seq} of deal {deal} does not follow version {version}",
                           seq=event.seq, deal=deal.id, version=deal.version))
    changes = _changes(deal, event, playbook)
    changes.update(timer_changes(deal, event))
    changes["version"] = event.seq
    if isinstance(event, DealEdited):  # raw values from outside: validate them
        return Deal.model_validate({**deal.model_dump(), **changes})
    return deal.model_copy(update=changes)


def replay(events: list[Event] | tuple[Event, ...], playbook: Playbook | None = None, *,
           resolve: Callable[[str, str], Playbook] | None = None) -> Deal:
    """Rebuild a deal from all its events, first to last.

    `playbook` types the facts; with `resolve(playbook_id, version)`, a `deal_migrated`
    event switches to the version the deal moved to.
    """
    deal: Deal | None = None
    for event in events:
        deal = apply_event(deal, event, playbook)
        if isinstance(event, DealMigrated) and resolve is not None:
            playbook = resolve(deal.playbook_id, event.to_version)
    if deal is None:
        raise ValueError(_("no events to replay"))
    return deal
