"""Seeded, realistic event histories for a playbook: for the demo, docs, tests, benchmarks.
Deal ids are the playbook id and a number (`complex-b2b-000042`), so that the
histories of two playbooks can share a store.

Each simulated deal starts in the first stage at a random time over the period, then moves
stage by stage: it advances, is lost (with one of the playbook's reasons), or now and then
goes back a stage, after a time in stage drawn around the stage's `expected_days`. The
last stage ends in won or lost. Deals still running at `end` stay open. Checklist items
without conditions are done on time, late or not at all. The same seed gives the same
history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from dealflow.deal import Stakeholder
from dealflow.engine import (
    DealCreated,
    DealLost,
    DealWon,
    Event,
    ItemCompleted,
    StageAdvanced,
    StageMovedBack,
    StakeholderAdded,
)
from dealflow.playbook import Playbook

__all__ = ["SimulationProfile", "simulate"]

OWNERS = ("li.wei", "zhang.min", "wang.fang", "chen.jie", "liu.yang", "anna.schmidt")
ACCOUNTS = ("Zhenhai Refining", "Donghai Petrochemical", "Yangzi Chemical", "Qilu Plastics",
            "Maoming Energy", "Rhine Polymers", "Gulf Aromatics", "Jilin Fertiliser")


@dataclass(frozen=True)
class SimulationProfile:
    """How deals behave: the chance to advance rises from the first stage to the last;
    otherwise a deal is lost, or now and then goes back a stage."""

    advance_first: float = 0.70
    advance_last: float = 0.95
    back: float = 0.04
    default_days: int = 21

    def advance(self, position: int, stages: int) -> float:
        """The chance that a deal leaving stage `position` moves on."""
        share = position / max(stages - 1, 1)
        return self.advance_first + (self.advance_last - self.advance_first) * share


def _stakeholders(rng: random.Random, playbook: Playbook) -> list[Stakeholder]:
    roles = [role.id for role in playbook.roles]
    people = []
    for index in range(rng.randint(1, 5)):
        people.append(Stakeholder(
            id=f"s{index}", name=f"Contact {index + 1}",
            roles=(rng.choice(roles),) if roles else (),  # a playbook may declare none
            stance=rng.choice(["champion", "supporter", "neutral", "skeptic", "unknown"]),
            influence=rng.choice(["high", "medium", "low"])))
    return people


class _Deal:
    def __init__(self, deal_id: str) -> None:
        self.deal_id = deal_id
        self.seq = 0
        self.done: set[str] = set()

    def base(self, at: dt.datetime, actor: str) -> dict[str, object]:
        self.seq += 1
        return {"deal_id": self.deal_id, "seq": self.seq, "at": at, "actor": actor}


def _items(rng: random.Random, playbook: Playbook, stage_index: int, record: _Deal,
           entered: dt.datetime, left: dt.datetime, actor: str) -> Iterator[Event]:
    stage = playbook.stages[stage_index]
    for item in stage.items:
        if item.when is not None or item.for_each is not None or item.id in record.done:
            continue
        if rng.random() < 0.25:
            continue
        done = entered + dt.timedelta(days=rng.uniform(0, item.due_days * 1.6 + 1))
        if done < left:
            record.done.add(item.id)
            yield ItemCompleted(**record.base(done, actor), item_id=item.id,
                                stage=stage.id, evidence="notes" if item.evidence else None)


def _one_deal(rng: random.Random, playbook: Playbook, index: int, start: dt.datetime,
              end: dt.datetime, profile: SimulationProfile) -> Iterator[Event]:
    record = _Deal(f"{playbook.id}-{index:06}")
    owner = rng.choice(OWNERS)
    at = start + dt.timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))
    amount = Decimal(int(rng.lognormvariate(11.5, 1.0))).quantize(Decimal(1))
    stages = playbook.stages
    yield DealCreated(**record.base(at, owner), title=f"Project {index}",
                      account=rng.choice(ACCOUNTS), amount=amount, currency="CNY",
                      owner=owner, playbook_id=playbook.id,
                      playbook_version=playbook.version, stage=stages[0].id)
    for person in _stakeholders(rng, playbook):
        yield StakeholderAdded(**record.base(at, owner), stakeholder=person)
    position = 0
    for _ in range(4 * len(stages)):
        mean = stages[position].typical_days or profile.default_days
        left = at + dt.timedelta(days=rng.expovariate(1 / mean))
        if left > end:
            yield from _items(rng, playbook, position, record, at, end, owner)
            return
        yield from _items(rng, playbook, position, record, at, left, owner)
        roll = rng.random()
        here = stages[position].id
        if roll < profile.back and position > 0:
            position -= 1
            yield StageMovedBack(**record.base(left, owner), from_stage=here,
                                 to_stage=stages[position].id, reason="re-scoped")
        elif roll < profile.back + profile.advance(position, len(stages)):
            if position == len(stages) - 1:
                yield DealWon(**record.base(left, owner), stage=here)
                return
            position += 1
            yield StageAdvanced(**record.base(left, owner), from_stage=here,
                                to_stage=stages[position].id)
        else:  # a reason the playbook allows in this stage
            reasons = [reason.id for reason in playbook.lost_reasons
                       if reason.stages is None or here in reason.stages]
            yield DealLost(**record.base(left, owner), stage=here,
                           reason=rng.choice(reasons) if reasons else None)
            return
        at = left


def simulate(playbook: Playbook, *, deals: int, seed: int = 0,
             start: dt.datetime | None = None, end: dt.datetime | None = None,
             profile: SimulationProfile | None = None) -> Iterator[Event]:
    """Events of `deals` simulated deals, deal after deal, each in sequence order."""
    rng = random.Random(seed)
    finish = end or dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    begin = start or finish - dt.timedelta(days=730)
    chosen = profile or SimulationProfile()
    for index in range(deals):
        yield from _one_deal(rng, playbook, index, begin, finish, chosen)
