"""Hypothesis strategies for a deal's commitments (issue 19): close dates, close plans,
plays taken on, as parts of a deal and as histories of events.

- `close_plans(playbook, people)`: the steps of a close plan, owners on both sides;
- `commitments(playbook, deal)`: the deal with a close date, a close plan (maybe agreed)
  and play records drawn; `deals` uses it, so rules that read them are exercised;
- `commitment_histories(playbook)`: a deal's events from its creation through a random
  run of the commitment operations (close dates set and pushed, steps added and updated,
  the plan agreed, plays taken on, completed, declined), each allowed by the engine:
  for replay, export and import properties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from dealflow.deal import (
    Deal,
    PlanAgreement,
    PlanStep,
    PlayRecord,
    PlayResult,
    PlayState,
    Stakeholder,
    StepStatus,
)
from dealflow.engine import (
    Engine,
    Event,
    add_plan_step,
    agree_plan,
    complete_play,
    decline_play,
    set_close_date,
    take_play,
    update_plan_step,
)
from dealflow.playbook import Playbook

__all__ = ["close_plans", "commitment_histories", "commitments", "favourable_commitments"]

_DAYS = st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))


def _words() -> st.SearchStrategy[str]:
    from dealflow.testing._strategies import hostile_text

    return hostile_text(min_size=1, max_size=40).filter(lambda v: v.strip() != "")


def close_plans(playbook: Playbook, people: Sequence[Stakeholder] = ()
                ) -> st.SearchStrategy[tuple[PlanStep, ...]]:
    """Up to four steps with unique ids: our owner a role of `our_roles`, the customer's
    one of `people` (or none), any status and due date, hostile text."""
    ours = [role.id for role in playbook.our_roles]
    if not ours:  # a step needs an owner on our side
        return st.just(())
    theirs: list[str | None] = [None, *(p.id for p in people)]
    step = st.builds(PlanStep, id=st.from_regex(r"step-[a-z0-9]{1,6}", fullmatch=True),
                     what=_words(), due=_DAYS, our_owner=st.sampled_from(ours),
                     their_owner=st.sampled_from(theirs),
                     status=st.sampled_from(list(StepStatus)),
                     evidence=st.none() | _words())
    return st.lists(step, max_size=4, unique_by=lambda s: s.id).map(tuple)


def _records(playbook: Playbook, stage: str) -> st.SearchStrategy[dict[str, PlayRecord]]:
    plays = [play.id for play in playbook.plays]
    if not plays:
        return st.just({})
    moment = st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2027, 1, 1),
                          timezones=st.just(dt.UTC))
    record = st.builds(PlayRecord, play=st.sampled_from(plays),
                       state=st.sampled_from(list(PlayState)), stage=st.just(stage),
                       owner=st.none() | _words(), taken_at=st.none() | moment,
                       outcome=st.none() | st.sampled_from(list(PlayResult)),
                       note=st.just("") | _words())
    return st.lists(record, max_size=3, unique_by=lambda r: r.play).map(
        lambda found: {r.play: r for r in found})


@st.composite
def commitments(draw: st.DrawFn, playbook: Playbook, deal: Deal) -> Deal:
    """`deal` with a close date (or none), a close plan (maybe agreed with one of its
    stakeholders) and records of the playbook's plays."""
    plan = draw(close_plans(playbook, deal.stakeholders))
    agreed = None
    if plan and deal.stakeholders and draw(st.booleans()):
        agreed = PlanAgreement(stakeholder=draw(st.sampled_from(deal.stakeholders)).id,
                               on=draw(_DAYS))
    return deal.model_copy(update={
        "close_date": draw(st.none() | _DAYS), "close_plan": plan, "plan_agreed": agreed,
        "plays": draw(_records(playbook, deal.stage))})


def _operation(draw: st.DrawFn, engine: Engine, deal: Deal) -> Any:
    """One commitment operation with drawn arguments (it may be refused)."""
    pb = engine.playbook
    kind = draw(st.sampled_from(["date", "add", "update", "agree", "take", "complete",
                                 "decline"]))
    play = draw(st.sampled_from([p.id for p in pb.plays] or ["none"]))
    if kind == "date":
        return set_close_date(engine, deal, draw(_DAYS), note=draw(st.just("") | _words()),
                              actor="test")
    if kind == "add":
        people = [None, *(p.id for p in deal.stakeholders)]
        return add_plan_step(engine, deal, what=draw(_words()), due=draw(_DAYS),
                             our_owner=draw(st.sampled_from([r.id for r in pb.our_roles]
                                                            or ["someone"])),
                             their_owner=draw(st.sampled_from(people)), actor="test")
    if kind == "update" and deal.close_plan:
        step = draw(st.sampled_from(deal.close_plan))
        return update_plan_step(engine, deal, step.id, actor="test",
                                status=draw(st.sampled_from(list(StepStatus))),
                                evidence=draw(st.none() | _words()))
    if kind == "agree" and deal.stakeholders:
        return agree_plan(engine, deal, stakeholder=deal.stakeholders[0].id, actor="test",
                          on=draw(_DAYS))
    if kind == "complete":
        return complete_play(engine, deal, play, actor="test",
                             outcome=draw(st.sampled_from(list(PlayResult))),
                             note=draw(st.just("") | _words()))
    if kind == "decline":
        return decline_play(engine, deal, play, reason=draw(_words()), actor="test")
    return take_play(engine, deal, play, actor="test", owner=draw(st.none() | _words()))


@st.composite
def commitment_histories(draw: st.DrawFn, playbook: Playbook, *, max_steps: int = 12,
                         now: dt.datetime = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
                         ) -> list[Event]:
    """The events of one deal of `playbook`: its creation, a few stakeholders, then up to
    `max_steps` commitment operations (those the engine allows are kept)."""
    from dealflow.testing._strategies import stakeholders

    engine = Engine(playbook, clock=lambda: now)
    created = engine.create(deal_id="h-1", title="Deal", account="Account", owner="owner",
                            actor="test")
    deal, events = created.deal, list(created.events)
    for person in draw(st.lists(stakeholders(playbook), max_size=3, unique_by=lambda p: p.id)):
        added = engine.add_stakeholder(deal, person, actor="test")
        deal, events = added.deal, events + list(added.events)
    for _step in range(draw(st.integers(0, max_steps))):
        outcome = _operation(draw, engine, deal)
        if outcome.ok:
            deal, events = outcome.deal, events + list(outcome.events)
    return events


def favourable_commitments(playbook: Playbook, deal: Deal, now: dt.datetime) -> Deal:
    """`deal` with what the commitment gates ask for: a close date a month out, and a close
    plan agreed with its first stakeholder and on time (unchanged with nobody to agree
    with, or no role of ours to own a step)."""
    if not deal.stakeholders or not playbook.our_roles:
        return deal
    later = now.date() + dt.timedelta(days=30)
    return deal.model_copy(update={
        "close_date": later,
        "plan_agreed": PlanAgreement(stakeholder=deal.stakeholders[0].id, on=now.date()),
        "close_plan": (PlanStep(id="signature", what="Signature", due=later,
                                our_owner=playbook.our_roles[0].id),)})
