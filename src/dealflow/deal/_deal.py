"""Deals and the people in the customer's decision chain.

A `Deal` is an immutable snapshot: the engine never changes one in place, it returns
the next snapshot together with the events that lead to it (see `dealflow.engine`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from dealflow._days import utc_date
from dealflow._messages import _
from dealflow._money import Money
from dealflow.deal._chain import Competitor, Link, Organisation, Score, Win
from dealflow.deal._commitments import PlanAgreement, PlanStep, PlayRecord
from dealflow.deal._evidence import Provenance, Review, Waiver
from dealflow.deal._fact_types import parse_enum, parse_list, parse_money_fact
from dealflow.deal._kinds import Influence, Stance, Status
from dealflow.playbook import Fact, Playbook
from dealflow.rules import trust
from dealflow.values import (
    MAX_NAME,
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
    check_day,
    check_note,
    parse_number,
    parse_whole,
)

__all__ = [
    "INFLUENCE_WEIGHT",
    "STANCE_VALUE",
    "ApprovalRecord",
    "Deal",
    "FactValue",
    "Hold",
    "Influence",
    "ItemCompletion",
    "NextStep",
    "OpenedItem",
    "Stakeholder",
    "Snapshot",
    "Stance",
    "Status",
    "coerce_fact",
    "typed_facts",
]

for _kind in (Stance, Influence, Status):
    trust(_kind)


#: Weight of each influence level in the support score.
INFLUENCE_WEIGHT: dict[Influence, int] = {Influence.high: 3, Influence.medium: 2, Influence.low: 1}
#: Value of each stance in the support score (for us positive, against us negative).
STANCE_VALUE: dict[Stance, int] = {
    Stance.champion: 2, Stance.supporter: 1, Stance.neutral: 0, Stance.unknown: 0,
    Stance.skeptic: -1, Stance.opponent: -2,
}


_INFLUENCE_RANK = {influence: rank for rank, influence in enumerate(Influence)}
"""The order of `Influence` (high first), for sorting people by it."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@trust
class Stakeholder(_Frozen):
    """A person in the customer's decision chain, with their roles, stance and interests."""

    id: Id
    name: Name
    title: Annotated[Note, Field(max_length=MAX_NAME)] = ""
    roles: tuple[Ref, ...] = ()
    stance: Stance = Stance.unknown
    influence: Influence = Influence.medium
    org_win: Note = ""
    personal_win: Note = ""
    last_contact: Day | None = None
    # -- the decision chain (issue 20); `org_win`/`personal_win` above are the free texts
    # of old events, still read as wins not known to be addressed (see `wins`) --
    org: Id | None = None
    """The organisation the person sits in (an id of the deal's organisations)."""
    owner: Name | None = None
    """Our relationship owner: one of our people, or an `our_roles` id."""
    depth: Ref | None = None
    """How deep our relationship is: an id of the playbook's relationship scale."""
    org_wins: tuple[Win, ...] = ()
    personal_wins: tuple[Win, ...] = ()

    def wins(self, kind: str) -> tuple[Win, ...]:
        """The person's `org` or `personal` wins: the structured ones, then the old free
        text (as a win our offer is not known to address)."""
        structured, text = ((self.org_wins, self.org_win) if kind == "org"
                            else (self.personal_wins, self.personal_win))
        return structured + ((Win(text=text),) if text.strip() else ())


@trust
class NextStep(_Frozen):
    """The agreed next step of a deal: what, who, by when."""

    what: Annotated[Note, Field(min_length=1)]
    who: Name
    due: Day


@trust
class Hold(_Frozen):
    """Why a deal is on hold and when it is due to resume."""

    reason: Annotated[Note, Field(min_length=1)]
    resume_on: Day


@trust
class ItemCompletion(_Frozen):
    """A checklist item marked done: by whom, when, with which evidence."""

    actor: Actor
    at: Moment
    evidence: Note | None = None
    stage: Ref


Snapshot = dict[str, bool | int | float | str | None]
"""The values an approval's rule read when it was given, by name (`deal.amount`,
`facts.discount`): numbers as numbers (an amount as its text), dates as ISO text."""


@trust
class ApprovalRecord(_Frozen):
    """An internal approval as the deal holds it: the latest one given for its id."""

    by: Actor
    role: Ref
    at: Moment
    note: Note = ""
    snapshot: Snapshot = Field(default_factory=dict)


@trust
class OpenedItem(_Frozen):
    """An item opened on one deal (a follow-up), outside its stages' checklists."""

    text: Annotated[Note, Field(min_length=1)]
    owner: Ref
    due: Day
    opened_at: Moment
    rule: Ref | None = None
    """The automation rule that opened it, if any."""


@trust
class Deal(_Frozen):
    """A deal as it stands now: the projection of its events."""

    id: Id
    title: Name
    account: Name
    amount: Amount = Decimal(0)
    currency: Currency = "CNY"
    owner: Name
    playbook_id: Ref
    playbook_version: Ref
    stage: Ref
    status: Status = Status.open
    facts: dict[Ref, FactValue] = Field(default_factory=dict)
    stakeholders: tuple[Stakeholder, ...] = ()
    created_at: Moment
    stage_entered_at: Moment
    next_step: NextStep | None = None
    hold: Hold | None = None
    lost_reason: Ref | None = None
    lost_note: Note = ""
    items_done: dict[Ref, ItemCompletion] = Field(default_factory=dict)
    version: Annotated[int, Field(ge=0, le=MAX_SEQ)] = 0
    # -- declared moves (issue 17) --
    lost_sub_reason: Ref | None = None
    """The sub-reason of the loss, when one was given."""
    outcome: Ref | None = None
    """The extra outcome the deal was closed with (like `duplicate`), when it was."""
    # -- timers and automation (issue 18)
    activity: dict[Ref, Moment] = Field(default_factory=dict)
    """When each kind of activity last happened (a logged meeting, a next step set, an
    item done, a stakeholder contacted), by kind."""
    closed_at: Moment | None = None
    """When the deal was won or lost; None while it is open."""
    items_opened: dict[Ref, OpenedItem] = Field(default_factory=dict)
    """Items opened on this deal outside its stages' checklists (follow-ups), by id."""
    # -- internal approvals (issue 18): the latest approval given for each approval id
    approvals: dict[Ref, ApprovalRecord] = Field(default_factory=dict)
    # -- evidence, waivers, reviews (issue 19) --
    provenance: dict[Ref, Provenance] = Field(default_factory=dict)
    """For each fact set with evidence: the evidence, who set and who verified it."""
    waivers: dict[Ref, Waiver] = Field(default_factory=dict)
    """The latest waiver of each control point (see `Waiver.holds`)."""
    review: Review | None = None
    """The answers to the win/loss review form, once given."""
    # -- the decision chain, the competition and the scorecard (issue 20) --
    organisations: tuple[Organisation, ...] = ()
    links: tuple[Link, ...] = ()
    competitors: tuple[Competitor, ...] = ()
    lost_to: Id | None = None
    """The competitor that won, when the deal was lost to one."""
    scores: dict[Ref, Score] = Field(default_factory=dict)
    # -- commitments (issue 19): expected close date, close plan, plays taken on ---------
    close_date: Day | None = None
    """When the deal is expected to close (`close_date_set` events)."""
    close_plan: tuple[PlanStep, ...] = ()
    """The steps both sides agreed to reach a signature."""
    plan_agreed: PlanAgreement | None = None
    """With whom and when the close plan was agreed with the customer."""
    plays: dict[Ref, PlayRecord] = Field(default_factory=dict)
    """The plays taken on or declined, by play id (the latest record of each)."""
    close_date_pushes: Annotated[int, Field(ge=0)] = 0
    """How often the close date moved later."""
    close_date_slipped: Annotated[int, Field(ge=0)] = 0
    """The days it moved later in all."""

    @property
    def money(self) -> Money:
        """The amount with its currency, as money (`deal.money` in rules)."""
        return Money(self.amount, self.currency)

    def organisation(self, org_id: str) -> Organisation | None:
        """The organisation with this id, or None."""
        return next((org for org in self.organisations if org.id == org_id), None)

    def competitor(self, competitor_id: str) -> Competitor | None:
        """The competitor with this id, or None."""
        return next((rival for rival in self.competitors if rival.id == competitor_id), None)

    def plan_step(self, step_id: str) -> PlanStep | None:
        """The close plan's step with this id, or None."""
        return next((step for step in self.close_plan if step.id == step_id), None)

    @property
    def is_closed(self) -> bool:
        """True when the deal is won, lost or closed with an outcome."""
        return self.status in (Status.won, Status.lost, Status.closed)

    def stakeholder(self, stakeholder_id: str) -> Stakeholder | None:
        """The stakeholder with this id, or None."""
        for person in self.stakeholders:
            if person.id == stakeholder_id:
                return person
        return None

    def holders(self, role: str) -> list[Stakeholder]:
        """The stakeholders who hold `role`, most influential first."""
        found = [person for person in self.stakeholders if role in person.roles]
        if len(found) > 1:  # stable: people of the same influence keep the map's order
            found.sort(key=lambda person: _INFLUENCE_RANK[person.influence])
        return found


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "y", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "0", "n", "off"}:
        return False
    raise ValueError(_("expected true or false"))


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = utc_date(value)  # a date is a calendar date in UTC
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(_("expected a date like 2026-03-31")) from None
    if isinstance(value, dt.date):
        return check_day(value)
    raise ValueError(_("expected a date like 2026-03-31"))


def _parse_str(value: Any) -> str:
    if isinstance(value, str):
        return check_note(value)
    raise ValueError(_("expected text"))


def coerce_fact(fact: Fact, value: Any) -> FactValue:
    """`value` converted to the fact's type; `ValueError` saying what would be valid.

    An enum takes its id or its label in any locale (the id is kept), money `150000 EUR`
    (kept as that text), a list a list or its JSON text."""
    if fact.type == "enum":
        return parse_enum(fact, value)
    if fact.type == "list":
        return parse_list(fact, value, coerce_fact)
    parsers: dict[str, Callable[[Any], FactValue]] = {
        "bool": _parse_bool, "int": parse_whole, "float": parse_number, "date": _parse_date,
        "str": _parse_str, "money": parse_money_fact,
    }
    return parsers[fact.type](value)


def typed_facts(facts: dict[str, Any], playbook: Playbook) -> dict[str, FactValue]:
    """Facts read back from JSON, typed again by the playbook (dates come back as text)."""
    declared = {fact.id: fact for fact in playbook.facts}
    typed: dict[str, FactValue] = {}
    for name, value in facts.items():
        try:
            typed[name] = coerce_fact(declared[name], value) if name in declared else value
        except ValueError as exc:
            raise ValueError(f"fact {name}: {exc}") from None
    return typed
