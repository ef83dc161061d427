"""How often we win and what we win: win rates, the won and lost deals, and velocity.

Win rate = won / (won + lost) over closed deals; open deals do not count. "By stage
reached" takes the closed deals that ever entered the stage. A deal counts with its
outcome now: a deal lost, reopened and lost again is one lost deal; a deal lost, reopened
and then won is a won deal.

The won and the lost deals (`closed_deals`): how many, their amounts added up exactly in
the database, per currency (amounts of different currencies are never added together),
and the days they took to close, from creation to close (days of 24 hours, fractional).

Pipeline velocity = open deals x win rate x average won amount / average cycle time of
won deals (days): the value the pipeline is expected to produce per day, in the currency
of the deals. When the deals are in several currencies, there is one velocity per
currency, each of that currency's deals alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, select

from dealflow.analytics._query import (
    Filters,
    counted_playbook,
    on_deals,
    reached_by_status,
    scope,
    stage_figures,
)
from dealflow.analytics._timing import CycleTime, cycle_time, cycle_times_by_outcome
from dealflow.playbook import Playbook
from dealflow.store import DEALS, Store, amount_sums, amount_total

__all__ = ["DEFAULT_BANDS", "Closed", "ClosedDeals", "Rate", "Velocity", "WinRates",
           "closed_deals", "velocity", "velocity_text", "win_rates"]

DEFAULT_BANDS: tuple[int, ...] = (50_000, 500_000)
"""Amount band edges: below 50,000 (the CEO-approval line of the seeds), up to 500,000, above."""


@dataclass(frozen=True)
class Rate:
    """Won and lost deals of a group, and the win rate."""

    won: int
    lost: int

    @property
    def rate(self) -> float | None:
        """won / (won + lost); None when nothing is closed."""
        closed = self.won + self.lost
        return self.won / closed if closed else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"won": self.won, "lost": self.lost, "rate": self.rate}


@dataclass(frozen=True)
class WinRates:
    """Win rates overall and by group."""

    overall: Rate
    by_stage_reached: dict[str, Rate] = field(default_factory=dict)
    by_owner: dict[str, Rate] = field(default_factory=dict)
    by_band: dict[str, Rate] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"overall": self.overall.to_dict(),
                "by_stage_reached": {k: v.to_dict() for k, v in self.by_stage_reached.items()},
                "by_owner": {k: v.to_dict() for k, v in self.by_owner.items()},
                "by_band": {k: v.to_dict() for k, v in self.by_band.items()}}


def _won_lost() -> tuple[Any, Any]:
    won = func.sum(case((DEALS.c.status == "won", 1), else_=0))
    lost = func.sum(case((DEALS.c.status == "lost", 1), else_=0))
    return won, lost


def _band_label(edges: tuple[int, ...], index: int) -> str:
    low = edges[index - 1] if index > 0 else None
    high = edges[index] if index < len(edges) else None
    if low is None:
        return f"< {high:,}"
    if high is None:
        return f">= {low:,}"
    return f"{low:,} - {high:,}"


def _band_column(edges: tuple[int, ...]) -> Any:
    whens = [(DEALS.c.amount < edge, index) for index, edge in enumerate(edges)]
    return case(*whens, else_=len(edges))


def _by_stage(conn: Connection, query: Any) -> dict[str, int]:
    return {str(stage): int(count) for stage, count in conn.execute(query)}


def win_rates(store: Store, filters: Filters | None = None,
              bands: tuple[int, ...] = DEFAULT_BANDS, *,
              playbook: Playbook | str | None = None) -> WinRates:
    """Win rates over the closed deals `filters` select."""
    chosen, filters = scope(store, filters, playbook)
    won, lost = _won_lost()
    closed = on_deals(filters)
    with store.database.connect() as conn:
        total = conn.execute(select(won, lost).where(closed)).one()
        owners = conn.execute(select(DEALS.c.owner, won, lost).where(closed)
                              .group_by(DEALS.c.owner).order_by(DEALS.c.owner)).all()
        band = _band_column(bands).label("band")
        by_band = conn.execute(select(band, won, lost).where(closed).group_by(band)).all()
        counted = counted_playbook(chosen, filters)
        if counted is None:
            won_by_stage = _by_stage(conn, reached_by_status(filters, "won"))
            lost_by_stage = _by_stage(conn, reached_by_status(filters, "lost"))
    if counted is not None:  # every deal of the playbook: its counters kept at write time
        figures = stage_figures(store, counted)
        won_by_stage = {stage: row["won"] for stage, row in figures.items()}
        lost_by_stage = {stage: row["lost"] for stage, row in figures.items()}
    stage_rates = {stage: Rate(won_by_stage.get(stage, 0), lost_by_stage.get(stage, 0))
                   for stage in {*won_by_stage, *lost_by_stage}}
    return WinRates(
        overall=Rate(int(total[0] or 0), int(total[1] or 0)),
        by_stage_reached={s.id: stage_rates.get(s.id, Rate(0, 0))
                          for s in chosen.stages},
        by_owner={str(row[0]): Rate(int(row[1] or 0), int(row[2] or 0)) for row in owners},
        by_band={_band_label(bands, int(row[0])): Rate(int(row[1] or 0), int(row[2] or 0))
                 for row in sorted(by_band, key=lambda r: int(r[0]))},
    )


@dataclass(frozen=True)
class Closed:
    """The deals closed with one outcome: how many, their amounts added up per currency
    (exact), and the days they took from creation to close."""

    deals: int
    amount: dict[str, Decimal]
    days_to_close: CycleTime

    def to_dict(self) -> dict[str, Any]:
        """Plain data; amounts as strings with two decimals, like `"1234567.80"`."""
        return {"deals": self.deals,
                "amount": {currency: str(total) for currency, total in self.amount.items()},
                "days_to_close": self.days_to_close.to_dict()}


@dataclass(frozen=True)
class ClosedDeals:
    """The won deals and the lost deals."""

    won: Closed
    lost: Closed

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"won": self.won.to_dict(), "lost": self.lost.to_dict()}


def closed_deals(store: Store, filters: Filters | None = None, *,
                 playbook: Playbook | str | None = None) -> ClosedDeals:
    """The won and the lost deals `filters` select: counts, amounts per currency (exact,
    added up in the database) and days to close."""
    _, filters = scope(store, filters, playbook)
    c = DEALS.c
    query = (select(c.status, c.currency, func.count(), *amount_sums(store.database, c.amount))
             .where(c.status.in_(("won", "lost"))).where(on_deals(filters))
             .group_by(c.status, c.currency).order_by(c.status, c.currency))
    counts = {"won": 0, "lost": 0}
    amounts: dict[str, dict[str, Decimal]] = {"won": {}, "lost": {}}
    with store.database.connect() as conn:
        for status, currency, count, *sums in conn.execute(query):
            counts[status] += int(count)
            amounts[status][str(currency)] = amount_total(sums)
    days = cycle_times_by_outcome(store, filters)
    return ClosedDeals(*(Closed(counts[status], amounts[status], days[status])
                         for status in ("won", "lost")))


@dataclass(frozen=True)
class Velocity:
    """Pipeline velocity and the four numbers it is made of.

    `currency` is the currency of the open and won deals when they share one. When they
    are in several, `average_won_amount` and `per_day` are None (amounts of different
    currencies are never averaged together) and `by_currency` holds the velocity of each
    currency's deals alone."""

    open_deals: int
    win_rate: float | None
    average_won_amount: Decimal | None
    cycle_days: float | None
    currency: str | None = None
    by_currency: dict[str, Velocity] = field(default_factory=dict)

    @property
    def per_day(self) -> float | None:
        """Expected won value per day."""
        if None in (self.win_rate, self.average_won_amount, self.cycle_days):
            return None
        assert self.win_rate is not None
        assert self.cycle_days
        return self.open_deals * self.win_rate * float(self.average_won_amount or 0) / (
            self.cycle_days)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"open_deals": self.open_deals, "win_rate": self.win_rate,
                "average_won_amount": None if self.average_won_amount is None
                else str(self.average_won_amount), "cycle_days": self.cycle_days,
                "per_day": self.per_day, "currency": self.currency,
                "by_currency": {k: v.to_dict() for k, v in self.by_currency.items()}}


def velocity(store: Store, filters: Filters | None = None, *,
             playbook: Playbook | str | None = None) -> Velocity:
    """Pipeline velocity of the deals `filters` select (per currency when they are in
    several)."""
    chosen, filters = scope(store, filters, playbook)
    selected = on_deals(filters)
    with store.database.connect() as conn:
        open_deals = conn.execute(select(func.count()).where(selected)
                                  .where(DEALS.c.status.in_(("open", "on_hold")))).scalar_one()
        currencies = conn.execute(
            select(DEALS.c.currency).distinct().where(selected)
            .where(DEALS.c.status.in_(("open", "on_hold", "won")))
            .order_by(DEALS.c.currency)).scalars().all()
        average = conn.execute(select(func.avg(DEALS.c.amount)).where(selected)
                               .where(DEALS.c.status == "won")).scalar()
    rates = win_rates(store, filters, playbook=chosen)
    cycle = cycle_time(store, filters, outcome="won", playbook=chosen)
    if len(currencies) > 1:
        return Velocity(int(open_deals), rates.overall.rate, None, cycle.mean, None, {
            str(currency): velocity(store, replace(filters or Filters(), currency=currency),
                                    playbook=chosen)
            for currency in currencies})
    amount = Decimal(str(average)).quantize(Decimal("0.01")) if average is not None else None
    return Velocity(int(open_deals), rates.overall.rate, amount, cycle.mean,
                    str(currencies[0]) if currencies else None)


def velocity_text(speed: Velocity) -> str:
    """The velocity as people read it: `6,660.9 CNY`, or one per currency
    (`1,200.0 EUR, 830.5 USD`); `–` when there is none."""
    if speed.by_currency:
        return ", ".join(velocity_text(part) for part in speed.by_currency.values())
    if speed.per_day is None:
        return "–"
    return f"{speed.per_day:,.1f} {speed.currency}"
