"""Close-date slip, the forecast by period and the plays report, counted by hand on a few
deals driven through the store, on the bundled playbook and on the lab playbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealflow import (
    Playbook,
    Stakeholder,
    Stance,
    Store,
    complete_play,
    decline_play,
    forecast_by_period,
    load_playbook,
    plays_report,
    set_close_date,
    slip,
    take_play,
)
from tests.conftest import LAB_PLAYBOOK


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def days(self, count: int) -> None:
        self.now += dt.timedelta(days=count)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["complex-b2b", "lab-subscriptions"])
def pb(request: pytest.FixtureRequest) -> Playbook:
    return load_playbook(None if request.param == "complex-b2b" else LAB_PLAYBOOK)


@pytest.fixture
def store(pb: Playbook, clock: Clock) -> Iterator[Store]:
    with Store("sqlite://", playbook=pb, clock=clock) as opened:
        for deal_id, amount in (("a", 1000), ("b", 2000), ("c", 4000)):
            opened.create(deal_id=deal_id, title=deal_id, account="Acme", owner="li",
                          actor="li", amount=amount)
        yield opened


def _date(store: Store, deal_id: str, day: dt.date) -> None:
    store.apply(deal_id, lambda e, d: set_close_date(e, d, day, actor="li")
                ).raise_for_refusal()


def test_slip_counts_pushes_days_and_the_deals_pushed_in_a_period(store: Store,
                                                                  clock: Clock) -> None:
    _date(store, "a", dt.date(2026, 4, 30))
    _date(store, "b", dt.date(2026, 5, 31))
    clock.days(20)  # 2026-03-22
    _date(store, "a", dt.date(2026, 5, 15))  # pushed 15 days
    _date(store, "b", dt.date(2026, 5, 1))   # pulled in: not a push
    clock.days(20)  # 2026-04-11
    _date(store, "a", dt.date(2026, 6, 30))  # pushed 46 days
    result = slip(store, since=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
                  until=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    by_deal = {d.deal_id: d for d in result.deals}
    assert set(by_deal) == {"a", "b"}
    a, b = by_deal["a"], by_deal["b"]
    assert (a.changes, a.pushes, a.days_slipped, a.pushes_in_period) == (3, 2, 61, 1)
    assert (a.first, a.current) == (dt.date(2026, 4, 30), dt.date(2026, 6, 30))
    assert (b.changes, b.pushes, b.days_slipped) == (2, 0, 0)
    assert (result.deals_pushed, result.deals_pushed_in_period) == (1, 1)
    assert (result.pushes, result.days_slipped) == (2, 61)
    assert result.to_dict()["deals_with_close_date"] == 2


def test_a_store_without_close_dates_has_no_slip(store: Store) -> None:
    result = slip(store)
    assert result.deals == []
    assert result.pushes == 0


def test_the_forecast_by_period_counts_each_open_deal_in_its_close_period(
        store: Store, pb: Playbook, clock: Clock) -> None:
    _date(store, "a", dt.date(2026, 4, 30))
    _date(store, "b", dt.date(2026, 5, 2))
    _date(store, "c", dt.date(2026, 2, 27))  # passed already, still open
    p = pb.stages[0].probability / 100
    months = forecast_by_period(store, by="month", now=clock())
    assert [(r.period, r.deals, r.amount) for r in months.periods] == [
        ("2026-02", 1, Decimal(4000)), ("2026-04", 1, Decimal(1000)),
        ("2026-05", 1, Decimal(2000))]
    assert months.periods[1].crm_total == (Decimal(1000) * Decimal(str(p))).quantize(
        Decimal("0.01"))
    late = next(d for d in months.deals if d.deal_id == "c")
    assert late.overdue
    assert "date passed, still open" in late.explained
    quarters = forecast_by_period(store, by="quarter", now=clock())
    assert [(r.period, r.deals) for r in quarters.periods] == [("2026-Q1", 1), ("2026-Q2", 2)]


def test_open_deals_without_a_close_date_have_a_period_of_their_own(store: Store) -> None:
    _date(store, "a", dt.date(2026, 4, 30))
    rows = forecast_by_period(store, by="quarter").periods
    assert [(r.period, r.deals) for r in rows] == [("2026-Q2", 1), (None, 2)]


def test_a_closed_deal_leaves_the_forecast_by_period(store: Store, pb: Playbook) -> None:
    _date(store, "a", dt.date(2026, 4, 30))
    store.apply("a", lambda e, d: e.lose(d, reason=pb.lost_reasons[0].id, actor="li"))
    assert {d.deal_id for d in forecast_by_period(store).deals} == {"b", "c"}


@pytest.fixture
def b2b(clock: Clock) -> Iterator[Store]:
    with Store("sqlite://", playbook=load_playbook(), clock=clock) as opened:
        for deal_id in ("a", "b", "c", "d"):
            opened.create(deal_id=deal_id, title=deal_id, account="Acme", owner="li",
                          actor="li", amount=100)
            opponent = Stakeholder(id="op", name="Op", roles=("technical_buyer",),
                                   stance=Stance.opponent, influence="high")
            opened.apply(deal_id, lambda e, d, p=opponent: e.add_stakeholder(d, p, actor="li"))
        yield opened


PLAY = "high_influence_opponent"


def test_the_plays_report_counts_fired_taken_outcomes_and_how_the_deals_went(
        b2b: Store) -> None:
    b2b.apply("a", lambda e, d: take_play(e, d, PLAY, actor="li")).raise_for_refusal()
    b2b.apply("a", lambda e, d: complete_play(e, d, PLAY, outcome="helped", actor="li"))
    b2b.apply("a", lambda e, d: e.lose(d, reason="competitor", actor="li"))
    b2b.apply("b", lambda e, d: take_play(e, d, PLAY, actor="li")).raise_for_refusal()
    b2b.apply("c", lambda e, d: decline_play(e, d, PLAY, reason="no time", actor="li")
              ).raise_for_refusal()
    row = next(p for p in plays_report(b2b).plays if p.play == PLAY)
    assert (row.fired, row.firing_now, row.taken, row.completed, row.declined) == (
        4, 1, 2, 1, 1)
    assert row.outcomes == {"helped": 1}
    assert row.after_taken == {"won": 0, "lost": 1, "open": 1}
    assert row.after_declined == {"won": 0, "lost": 0, "open": 1}


def test_the_plays_report_lists_every_play_of_the_playbook(store: Store, pb: Playbook) -> None:
    assert len(plays_report(store).plays) == len(pb.plays)


def test_the_html_report_shows_slip_the_quarters_and_the_plays_outcomes(
        b2b: Store, clock: Clock) -> None:
    from dealflow import render_report

    _date(b2b, "a", dt.date(2026, 4, 30))
    clock.days(3)
    _date(b2b, "a", dt.date(2026, 5, 30))
    b2b.apply("b", lambda e, d: take_play(e, d, PLAY, actor="li")).raise_for_refusal()
    b2b.apply("b", lambda e, d: complete_play(e, d, PLAY, outcome="hurt", actor="li"))
    page = render_report(b2b, now=clock(), with_compliance=False)
    assert "1 deal(s) with a close date; <strong>1</strong> pushed (1 pushes, 30 days slipped)" \
        in page
    assert "<td>2026-Q2</td><td>1</td>" in page
    assert "<td>no close date</td><td>3</td>" in page
    assert "<td>A powerful opponent</td><td>4</td><td>1</td><td>0</td><td>hurt 1</td>" in page


@settings(max_examples=20, deadline=None)
@given(days=st.lists(st.integers(0, 400), min_size=1, max_size=8))
def test_slip_counts_every_later_date_as_a_push_and_adds_its_days(days: list[int]) -> None:
    start = dt.date(2026, 1, 1)
    dates = [start + dt.timedelta(days=d) for d in days]
    clock = Clock()
    with Store("sqlite://", playbook=load_playbook(LAB_PLAYBOOK), clock=clock) as store:
        store.create(deal_id="s", title="s", account="A", owner="li", actor="li")
        for day in dates:
            store.apply("s", lambda e, d, day=day: set_close_date(e, d, day, actor="li"))
        (row,) = slip(store).deals
    kept = [day for i, day in enumerate(dates) if i == 0 or day != dates[i - 1]]
    steps = list(zip(kept, kept[1:], strict=False))
    assert row.changes == len(kept)
    assert row.pushes == sum(1 for old, new in steps if new > old)
    assert row.days_slipped == sum((new - old).days for old, new in steps if new > old)
    assert (row.first, row.current) == (kept[0], kept[-1])
