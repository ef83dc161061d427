"""`closed_deals`: the won and the lost deals, how many, their amounts added up exactly per
currency (never across currencies), and the days they took to close; on any playbook,
on SQLite and PostgreSQL. n is the number of the playbook's stages.

    deal  owner  outcome  amount                    hours in each stage
    w1    bob    won      1,000.10 CNY              24  (closes after n days)
    w2    ann    won      2,000.20 EUR              48  (2n days)
    i1    ann    won     33,008,467,205,806.77 IDR 12  (n/2 days)
    i2    ann    won     42,294,019,807,151.61 IDR 72  (3n days)
    i3    ann    won     72,189,915,058,867.75 IDR 96  (4n days)
    l1    bob    lost     500 CNY                   lost after 24 h
    l2    ann    lost     700.07 USD                lost after 72 h
    o1    ann    open     999 CNY

The three IDR amounts add up to 147,492,402,071,826.13. SQLite keeps each of them exactly
to the cent, but adding them as floating point, in any order, is off by cents: a total
taken that way (or as mean x count) is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from dealflow import Playbook
from dealflow.analytics import (
    CycleTime,
    Filters,
    closed_deals,
    render_report,
    velocity,
    velocity_text,
    win_rates,
)
from dealflow.store import Store, import_events
from tests.analytics._histories import History
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

T0 = dt.datetime(2026, 2, 2, 8, 30, tzinfo=dt.UTC)
IDR = ("33008467205806.77", "42294019807151.61", "72189915058867.75")


def _deals(playbook: Playbook) -> list[History]:
    reason = playbook.lost_reasons[0].id

    def won(deal_id: str, amount: str, currency: str, hours: float,
            owner: str = "ann") -> History:
        return (History(playbook, deal_id, at=T0, amount=Decimal(amount), currency=currency,
                        owner=owner).to_last_stage(hours=hours).win(hours=hours))

    return [
        won("w1", "1000.10", "CNY", 24, owner="bob"),
        won("w2", "2000.20", "EUR", 48),
        *(won(f"i{n}", amount, "IDR", hours)
          for n, (amount, hours) in enumerate(zip(IDR, (12, 72, 96), strict=True), start=1)),
        History(playbook, "l1", at=T0, amount=500, owner="bob").lose(reason, hours=24),
        History(playbook, "l2", at=T0, amount=Decimal("700.07"), currency="USD")
        .lose(reason, hours=72),
        History(playbook, "o1", at=T0, amount=999),
    ]


@pytest.fixture
def store(store_url: str, any_playbook: Playbook) -> Iterator[Store]:  # noqa: F811
    with Store(store_url, playbook=any_playbook) as opened:
        import_events(opened, [e for deal in _deals(any_playbook) for e in deal.events])
        yield opened


def test_won_and_lost_amounts_are_exact_totals_per_currency(store: Store) -> None:
    result = closed_deals(store)
    assert result.won.deals == 5
    assert result.won.amount == {"CNY": Decimal("1000.10"), "EUR": Decimal("2000.20"),
                                 "IDR": Decimal("147492402071826.13")}
    assert result.lost.deals == 2
    assert result.lost.amount == {"CNY": Decimal("500.00"), "USD": Decimal("700.07")}
    rates = win_rates(store)
    assert (rates.overall.won, rates.overall.lost) == (result.won.deals, result.lost.deals)


def test_days_to_close_are_mean_and_nearest_rank_percentiles(
    store: Store, any_playbook: Playbook,
) -> None:
    n = len(any_playbook.stages)
    result = closed_deals(store)
    # won after 0.5n, n, 2n, 3n and 4n days
    assert result.won.days_to_close == CycleTime(5, 10.5 * n / 5, 2.0 * n, 3.0 * n, 4.0 * n)
    # lost after 1 and 3 days
    assert result.lost.days_to_close == CycleTime(2, 2.0, 1.0, 3.0, 3.0)
    assert velocity(store).cycle_days == result.won.days_to_close.mean


def test_the_figure_covers_the_deals_the_filters_select(store: Store, any_playbook: Playbook,
                                                        ) -> None:
    bob = closed_deals(store, Filters(owner="bob"))
    assert (bob.won.deals, bob.won.amount) == (1, {"CNY": Decimal("1000.10")})
    assert (bob.lost.deals, bob.lost.amount) == (1, {"CNY": Decimal("500.00")})
    assert bob.won.days_to_close.median == len(any_playbook.stages)
    nobody = closed_deals(store, Filters(owner="nobody"))
    assert nobody.won.deals == nobody.lost.deals == 0
    assert nobody.won.amount == nobody.lost.amount == {}
    assert nobody.won.days_to_close == CycleTime(0, None, None, None, None)


def test_json_gives_amounts_as_strings_with_two_decimals(store: Store) -> None:
    data = closed_deals(store).to_dict()
    assert data["won"]["amount"] == {"CNY": "1000.10", "EUR": "2000.20",
                                     "IDR": "147492402071826.13"}
    assert data["lost"]["amount"] == {"CNY": "500.00", "USD": "700.07"}
    assert data["lost"]["deals"] == 2
    assert data["lost"]["days_to_close"] == {"deals": 2, "mean": 2.0, "median": 1.0,
                                             "p75": 3.0, "p90": 3.0}


def test_a_total_beyond_what_a_64_bit_integer_of_cents_holds_is_exact(
    store_url: str, any_playbook: Playbook,  # noqa: F811
) -> None:
    # 11 deals at the largest whole amount SQLite keeps exactly: 9.9e18 cents in all
    histories = [History(any_playbook, f"big{n}", at=T0, amount=9 * 10**15)
                 .lose(any_playbook.lost_reasons[0].id, hours=1) for n in range(11)]
    with Store(store_url, playbook=any_playbook) as opened:
        import_events(opened, [e for deal in histories for e in deal.events])
        assert closed_deals(opened).lost.amount == {"CNY": Decimal("99000000000000000.00")}


def test_the_report_shows_the_won_and_lost_amounts_per_currency_and_days_to_close(
    store: Store, any_playbook: Playbook,
) -> None:
    n = len(any_playbook.stages)
    page = render_report(store, now=T0 + dt.timedelta(days=400), with_compliance=False)
    assert ("<tr><td>Won</td><td>5</td><td>1,000.10 CNY<br>2,000.20 EUR<br>"
            f"147,492,402,071,826.13 IDR</td><td>{10.5 * n / 5:,.1f}</td>"
            f"<td>{2.0 * n:,.1f}</td><td>{3.0 * n:,.1f}</td></tr>") in page
    assert ("<tr><td>Lost</td><td>2</td><td>500.00 CNY<br>700.07 USD</td>"
            "<td>2.0</td><td>1.0</td><td>3.0</td></tr>") in page


def test_velocity_is_one_per_currency_when_the_deals_are_in_several(
    store: Store, any_playbook: Playbook,
) -> None:
    n = len(any_playbook.stages)
    result = velocity(store)
    assert (result.currency, result.average_won_amount, result.per_day) == (None, None, None)
    assert result.open_deals == 1
    assert list(result.by_currency) == ["CNY", "EUR", "IDR"]  # open or won deals
    cny = result.by_currency["CNY"]  # o1 open; w1 won after n days; l1 lost
    assert (cny.currency, cny.open_deals, cny.win_rate) == ("CNY", 1, 0.5)
    assert (cny.average_won_amount, cny.cycle_days) == (Decimal("1000.10"), n)
    assert cny.per_day == pytest.approx(1 * 0.5 * 1000.10 / n)
    assert result.by_currency["EUR"].per_day == 0.0  # no open deal in EUR
    assert velocity_text(result) == f"{500.05 / n:,.1f} CNY, 0.0 EUR, 0.0 IDR"
    single = velocity(store, Filters(currency="CNY"))
    assert (single.currency, single.per_day, single.by_currency) == ("CNY", cny.per_day, {})
