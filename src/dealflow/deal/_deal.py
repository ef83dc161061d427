"""Deals and the people in the customer's decision chain.

A `Deal` is an immutable snapshot: the engine never changes one in place, it returns
the next snapshot together with the events that lead to it (see `dealflow.events`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dealflow._days import utc_date
from dealflow._safe_text import lone_surrogate
from dealflow.deal._kinds import Influence, Stance, Status
from dealflow.playbook import Fact, Playbook
from dealflow.rules import trust

__all__ = [
    "INFLUENCE_WEIGHT",
    "STANCE_VALUE",
    "Deal",
    "FactValue",
    "Hold",
    "Influence",
    "ItemCompletion",
    "NextStep",
    "Stakeholder",
    "Stance",
    "Status",
    "coerce_fact",
    "typed_facts",
]

FactValue = bool | int | float | str | dt.date
"""The value of a fact: its playbook type decides which."""


for _kind in (Stance, Influence, Status):
    trust(_kind)


#: Weight of each influence level in the support score.
INFLUENCE_WEIGHT: dict[Influence, int] = {Influence.high: 3, Influence.medium: 2, Influence.low: 1}
#: Value of each stance in the support score (for us positive, against us negative).
STANCE_VALUE: dict[Stance, int] = {
    Stance.champion: 2, Stance.supporter: 1, Stance.neutral: 0, Stance.unknown: 0,
    Stance.skeptic: -1, Stance.opponent: -2,
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("a time must carry its time zone (for example 2026-01-05T09:00:00Z)")
    return value.astimezone(dt.UTC)


@trust
class Stakeholder(_Frozen):
    """A person in the customer's decision chain, with their roles, stance and interests."""

    id: Annotated[str, Field(min_length=1, max_length=128)]
    name: Annotated[str, Field(min_length=1, max_length=500)]
    title: Annotated[str, Field(max_length=500)] = ""
    roles: tuple[str, ...] = ()
    stance: Stance = Stance.unknown
    influence: Influence = Influence.medium
    org_win: Annotated[str, Field(max_length=2000)] = ""
    personal_win: Annotated[str, Field(max_length=2000)] = ""
    last_contact: dt.date | None = None


@trust
class NextStep(_Frozen):
    """The agreed next step of a deal: what, who, by when."""

    what: Annotated[str, Field(min_length=1, max_length=2000)]
    who: Annotated[str, Field(min_length=1, max_length=500)]
    due: dt.date


@trust
class Hold(_Frozen):
    """Why a deal is on hold and when it is due to resume."""

    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    resume_on: dt.date


@trust
class ItemCompletion(_Frozen):
    """A checklist item marked done: by whom, when, with which evidence."""

    actor: str
    at: dt.datetime
    evidence: str | None = None
    stage: str


@trust
class Deal(_Frozen):
    """A deal as it stands now: the projection of its events."""

    id: Annotated[str, Field(min_length=1, max_length=128)]
    title: Annotated[str, Field(min_length=1, max_length=500)]
    account: Annotated[str, Field(min_length=1, max_length=500)]
    amount: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)] = Decimal(0)
    currency: Annotated[str, Field(min_length=3, max_length=3)] = "CNY"
    owner: Annotated[str, Field(min_length=1, max_length=500)]
    playbook_id: str
    playbook_version: str
    stage: str
    status: Status = Status.open
    facts: dict[str, FactValue] = Field(default_factory=dict)
    stakeholders: tuple[Stakeholder, ...] = ()
    created_at: dt.datetime
    stage_entered_at: dt.datetime
    next_step: NextStep | None = None
    hold: Hold | None = None
    lost_reason: str | None = None
    lost_note: str = ""
    items_done: dict[str, ItemCompletion] = Field(default_factory=dict)
    version: Annotated[int, Field(ge=0)] = 0

    _normalise_times = field_validator("created_at", "stage_entered_at")(_utc)

    @property
    def is_closed(self) -> bool:
        """True when the deal is won or lost."""
        return self.status in (Status.won, Status.lost)

    def stakeholder(self, stakeholder_id: str) -> Stakeholder | None:
        """The stakeholder with this id, or None."""
        for person in self.stakeholders:
            if person.id == stakeholder_id:
                return person
        return None

    def holders(self, role: str) -> list[Stakeholder]:
        """The stakeholders who hold `role`, most influential first."""
        order = list(Influence)
        found = [person for person in self.stakeholders if role in person.roles]
        return sorted(found, key=lambda person: order.index(person.influence))


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "y", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "0", "n", "off"}:
        return False
    raise ValueError("expected true or false")


def _parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a whole number")


def _parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a number")


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return utc_date(value)  # a date is a calendar date in UTC
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a date like 2026-03-31")


def _parse_str(value: Any) -> str:
    if isinstance(value, str):
        if len(value) > 2000:
            raise ValueError("text is longer than 2000 characters")
        if (undecodable := lone_surrogate(value)) is not None:
            raise ValueError(f"{undecodable}: not valid Unicode (bytes that were not UTF-8)")
        return value
    raise ValueError("expected text")


def coerce_fact(fact: Fact, value: Any) -> FactValue:
    """`value` converted to the fact's type; `ValueError` saying what would be valid."""
    if fact.type == "enum":
        allowed = fact.values or ()
        if isinstance(value, str) and value in allowed:
            return value
        raise ValueError(f"expected one of: {', '.join(allowed)}")
    parsers: dict[str, Callable[[Any], FactValue]] = {
        "bool": _parse_bool, "int": _parse_int, "float": _parse_float, "date": _parse_date,
        "str": _parse_str,
    }
    return parsers[fact.type](value)


def typed_facts(facts: dict[str, Any], playbook: Playbook) -> dict[str, FactValue]:
    """Facts read back from JSON, typed again by the playbook (dates come back as text)."""
    declared = {fact.id: fact for fact in playbook.facts}
    return {name: coerce_fact(declared[name], value) if name in declared else value
            for name, value in facts.items()}
