"""The figures computed again in plain Python from the events, to check the SQL."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from dealflow.engine import Event
from dealflow.playbook import Playbook

CHANGES = {"deal_created", "stage_advanced", "stage_moved_back", "deal_reopened", "deal_won",
           "deal_lost"}


def nearest_rank(values: list[float], share: float) -> float:
    """The smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def days(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 86400


@dataclass
class DealFacts:
    created: dt.datetime
    owner: str
    amount: float
    entered: set[str] = field(default_factory=set)
    moved_on: set[str] = field(default_factory=set)
    lost: list[tuple[str, str]] = field(default_factory=list)
    stays: list[tuple[str, float | None]] = field(default_factory=list)
    status: str = "open"
    stage: str = ""
    stage_entered: dt.datetime | None = None
    closed_at: dt.datetime | None = None


def _after(event: Event) -> str:
    if event.type in ("deal_created", "deal_reopened"):
        return event.stage  # type: ignore[union-attr]
    if event.type in ("stage_advanced", "stage_moved_back"):
        return event.to_stage  # type: ignore[union-attr]
    return "won" if event.type == "deal_won" else "lost"


def per_deal(events: list[Event], playbook: Playbook) -> dict[str, DealFacts]:
    """What each deal went through."""
    last = playbook.stages[-1].id
    deals: dict[str, DealFacts] = {}
    changes: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.type == "deal_created":
            deals[event.deal_id] = DealFacts(event.at, event.owner,  # type: ignore[union-attr]
                                             float(event.amount))  # type: ignore[union-attr]
        if event.type in CHANGES:
            changes[event.deal_id].append(event)
    for deal_id, stream in changes.items():
        facts = deals[deal_id]
        for index, event in enumerate(stream):
            after = _after(event)
            if event.type == "stage_advanced":
                facts.moved_on.add(event.from_stage)  # type: ignore[union-attr]
            if event.type == "deal_won":
                facts.moved_on.add(last)
                facts.status, facts.closed_at = "won", event.at
            if event.type == "deal_lost":
                facts.lost.append((event.stage, event.reason))  # type: ignore[union-attr]
                facts.status, facts.closed_at = "lost", event.at
            if after not in ("won", "lost"):
                facts.entered.add(after)
                facts.stage, facts.stage_entered, facts.status = after, event.at, "open"
                following = stream[index + 1].at if index + 1 < len(stream) else None
                facts.stays.append((after, days(event.at, following) if following else None))
    return deals
