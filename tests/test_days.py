"""One definition of a day wherever days are counted outside the figures: rules, due
dates, the audit, red flags and holds. A day is 24 hours of elapsed time; rules count
whole days (the figure's days rounded down: 36 hours are 1 day); a date is a calendar
date in UTC. A `now` given in another time zone changes nothing.

The figures themselves (fractional days) are pinned in tests/analytics/test_days_counted.py.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealflow import Deal, Engine, Playbook, Stakeholder
from dealflow._days import DAY, elapsed_days, utc_date, whole_days
from dealflow.deal import coerce_fact
from dealflow.engine import Event, RuleContext
from dealflow.playbook import Fact
from dealflow.sop import audit_deal, build_checklist
from dealflow.stakeholders import analyse_stakeholders

T0 = dt.datetime(2026, 3, 2, 9, 13, 7, tzinfo=dt.UTC)
"""When the deal is created (and enters the first stage)."""
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NEW_YORK = dt.timezone(dt.timedelta(hours=-5))
ZONES = pytest.mark.parametrize("zone", [dt.UTC, SHANGHAI, NEW_YORK],
                                ids=["utc", "utc+8", "utc-5"])


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
def engine(any_playbook: Playbook, clock: _Clock) -> Engine:
    return Engine(any_playbook, clock=clock)


@pytest.fixture
def deal(engine: Engine) -> Deal:
    return engine.create(deal_id="d1", title="Deal", account="Acme", owner="ann",
                         actor="ann").deal


def _rule(playbook: Playbook, deal: Deal, now: dt.datetime) -> RuleContext:
    return RuleContext(playbook, deal, now)


@ZONES
@pytest.mark.parametrize(("after", "days"), [
    (dt.timedelta(hours=23, minutes=59, seconds=59), 0),
    (dt.timedelta(hours=24), 1),
    (dt.timedelta(hours=36), 1),
    (dt.timedelta(hours=47, minutes=59, seconds=59, milliseconds=999), 1),
    (dt.timedelta(hours=48), 2),
    (dt.timedelta(days=30), 30),
], ids=["23h59m59s", "24h", "36h", "just-under-48h", "48h", "30d"])
def test_days_in_stage_counts_whole_periods_of_24_hours(
    any_playbook: Playbook, deal: Deal, zone: dt.tzinfo,
    after: dt.timedelta, days: int,
) -> None:
    ctx = _rule(any_playbook, deal, (T0 + after).astimezone(zone))
    assert ctx["days_in_stage"] == days
    assert ctx["days_since"](deal.stage_entered_at) == days
    assert days == math.floor(elapsed_days(deal.stage_entered_at, T0 + after))


@ZONES
def test_today_is_the_date_in_utc(any_playbook: Playbook, deal: Deal,
                                  zone: dt.tzinfo) -> None:
    late = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)  # 07:30 on 3 March in UTC+8
    ctx = _rule(any_playbook, deal, late.astimezone(zone))
    assert ctx["today"] == dt.date(2026, 3, 2)
    assert ctx["days_since"](dt.date(2026, 3, 1)) == 1
    assert ctx["days_since"](dt.date(2026, 3, 2)) == 0
    assert ctx["days_since"](dt.date(2026, 3, 5)) == -3


moments = st.datetimes(timezones=st.sampled_from([dt.UTC, SHANGHAI, NEW_YORK]))


@given(start=moments, end=moments)
def test_whole_days_are_the_elapsed_days_rounded_down(start: dt.datetime,
                                                       end: dt.datetime) -> None:
    exact = Fraction((end - start) // dt.timedelta(microseconds=1), 86_400_000_000)
    assert whole_days(start, end) == math.floor(exact)
    assert elapsed_days(start, end) == float(exact)


@given(day=st.dates(), now=moments)
def test_whole_days_from_a_date_are_calendar_days_in_utc(day: dt.date, now: dt.datetime) -> None:
    assert whole_days(day, now) == (utc_date(now) - day).days


def _first_item(playbook: Playbook) -> tuple[str, int]:
    item = next(item for item in playbook.stages[0].items
                if item.when is None and item.for_each is None)
    return item.id, item.due_days


def _state_at(playbook: Playbook, deal: Deal, now: dt.datetime, item_id: str) -> str:
    checklist = build_checklist(playbook, deal, now=now)
    return next(line.state for line in checklist.items if line.id == item_id)


@ZONES
def test_an_item_is_due_on_the_utc_date_due_days_after_the_deal_entered_the_stage(
    any_playbook: Playbook, deal: Deal, zone: dt.tzinfo,
) -> None:
    item_id, due_days = _first_item(any_playbook)
    due = dt.date(2026, 3, 2) + dt.timedelta(days=due_days)
    checklist = build_checklist(any_playbook, deal, now=T0)
    assert next(line.due for line in checklist.items if line.id == item_id) == due
    last_minute = dt.datetime.combine(due, dt.time(23, 59), dt.UTC)
    assert _state_at(any_playbook, deal, last_minute.astimezone(zone), item_id) == "open"
    assert _state_at(any_playbook, deal, (last_minute + dt.timedelta(minutes=1))
                     .astimezone(zone), item_id) == "overdue"


def _audit(any_playbook: Playbook, engine: Engine, clock: _Clock,
           done_at: dt.datetime) -> str:
    """The audit's outcome for the first item of a deal created at T0, done at `done_at`,
    and lost a day later."""
    item_id, _ = _first_item(any_playbook)
    clock.now = T0
    created = engine.create(deal_id="d1", title="Deal", account="Acme", owner="ann",
                            actor="ann")
    events: list[Event] = list(created.events)
    clock.now = done_at
    outcome = engine.complete_item(created.deal, item_id, actor="ann", evidence="notes",
                                   raise_on_refusal=True)
    events.extend(outcome.events)
    clock.now = done_at + DAY
    events.extend(engine.lose(outcome.deal, reason=any_playbook.lost_reasons[0].id,
                              actor="ann", raise_on_refusal=True).events)
    (record,) = [r for r in audit_deal(any_playbook, events) if r.item_id == item_id]
    return record.outcome


@ZONES
def test_an_item_done_by_the_end_of_its_due_date_in_utc_is_on_time(
    any_playbook: Playbook, engine: Engine, clock: _Clock, zone: dt.tzinfo,
) -> None:
    _, due_days = _first_item(any_playbook)
    due = dt.date(2026, 3, 2) + dt.timedelta(days=due_days)
    last_minute = dt.datetime.combine(due, dt.time(23, 59), dt.UTC).astimezone(zone)
    assert _audit(any_playbook, engine, clock, last_minute) == "on_time"
    assert _audit(any_playbook, engine, clock, last_minute + dt.timedelta(minutes=1)) == "late"


@ZONES
def test_a_stale_contact_counts_calendar_days_in_utc(
    any_playbook: Playbook, engine: Engine, deal: Deal, zone: dt.tzinfo,
) -> None:
    limit = any_playbook.red_flags.stale_contact_days
    person = Stakeholder(id="p1", name="Pat", roles=(any_playbook.roles[0].id,),
                         last_contact=dt.date(2026, 3, 1))
    mapped = engine.add_stakeholder(deal, person, actor="ann", raise_on_refusal=True).deal
    last_minute = dt.datetime.combine(dt.date(2026, 3, 1) + limit * DAY, dt.time(23, 59),
                                      dt.UTC)

    def stale(now: dt.datetime) -> list[str]:
        found = analyse_stakeholders(any_playbook, mapped, now=now.astimezone(zone))
        return [flag.reason for flag in found.red_flags if flag.code == "stale_contact"]

    assert stale(last_minute) == []
    assert stale(last_minute + dt.timedelta(minutes=1)) == [
        f"Pat ({person.roles[0]}) last contacted {limit + 1} days ago (limit {limit})"]


@ZONES
def test_a_hold_resumes_after_today_in_utc(engine: Engine, clock: _Clock, deal: Deal,
                                           zone: dt.tzinfo) -> None:
    clock.now = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC).astimezone(zone)
    assert engine.hold(deal, reason="budget", resume_on=dt.date(2026, 3, 3), actor="ann").ok
    assert not engine.hold(deal, reason="budget", resume_on=dt.date(2026, 3, 2),
                           actor="ann").ok


@ZONES
def test_a_date_fact_given_a_moment_takes_its_date_in_utc(zone: dt.tzinfo) -> None:
    fact = Fact(id="signed_on", name="Signed on", type="date")
    late = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)  # 3 March in UTC+8
    assert coerce_fact(fact, late.astimezone(zone)) == dt.date(2026, 3, 2)
