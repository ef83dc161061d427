"""Close dates: how far they slip, and what the open pipeline brings in each period.

Every change of a deal's expected close date is a `close_date_set` event (old date, new
date). A **push** is a change to a later date; the days it adds are **days slipped**.
Pulling a date in, setting the first date or clearing it is a change but not a push.
The figures read only those events, through the `(type, at)` index of the event log, so
their cost follows the close-date changes, not the whole log (no table of their own).

- `slip`: per deal the changes, pushes and days slipped since its first date; over the
  deals, how many were pushed at all and how many in a period (`since` <= the push's
  time < `until`).
- `forecast_by_period`: each open deal's amount times its stage's probability (the CRM
  way and from history, as in `forecast`), counted in the month or quarter of its expected
  close date; deals without one in a period of their own (`None`). Each deal's
  contribution is listed, with whether its date has passed while the deal is still open.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select

from dealflow._messages import _
from dealflow.analytics import _timing
from dealflow.analytics._forecast import absorption, transition_chain
from dealflow.analytics._query import Filters, on_deals, scope, selected
from dealflow.playbook import Playbook
from dealflow.store import DEALS, EVENTS, Store

__all__ = [
    "DealContribution",
    "DealSlip",
    "PeriodForecast",
    "PeriodRow",
    "Slip",
    "close_date_changes",
    "forecast_by_period",
    "slip",
]

Period = Literal["month", "quarter"]


@dataclass(frozen=True)
class _Change:
    deal_id: str
    at: dt.datetime
    previous: dt.date | None
    new: dt.date | None

    @property
    def pushed_days(self) -> int:
        if self.previous is None or self.new is None:
            return 0
        return max(0, (self.new - self.previous).days)


def _day(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def _moment(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def close_date_changes(store: Store, deals: Any = None) -> Iterator[_Change]:
    """Every close-date change of the deals the subquery `deals` selects (all when None),
    by deal, then order."""
    query = (select(EVENTS.c.deal_id, EVENTS.c.at, EVENTS.c.payload)
             .where(EVENTS.c.type == "close_date_set")
             .order_by(EVENTS.c.deal_id, EVENTS.c.seq))
    if deals is not None:
        query = query.where(EVENTS.c.deal_id.in_(deals))
    with store.database.connect() as conn:
        for deal_id, at, payload in conn.execute(query):
            yield _Change(str(deal_id), _moment(at), _day(payload.get("previous")),
                          _day(payload.get("close_date")))


@dataclass(frozen=True)
class DealSlip:
    """One deal's close-date history."""

    deal_id: str
    owner: str
    stage: str
    status: str
    first: dt.date | None
    current: dt.date | None
    changes: int
    pushes: int
    days_slipped: int
    pushes_in_period: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data (dates as ISO text)."""
        data = asdict(self)
        data["first"] = None if self.first is None else self.first.isoformat()
        data["current"] = None if self.current is None else self.current.isoformat()
        return data


@dataclass(frozen=True)
class Slip:
    """Close-date slip over the deals of one playbook (those with a close date ever)."""

    since: dt.datetime | None
    until: dt.datetime | None
    deals: list[DealSlip] = field(default_factory=list)

    @property
    def pushes(self) -> int:
        """Pushes over every deal."""
        return sum(d.pushes for d in self.deals)

    @property
    def days_slipped(self) -> int:
        """Days slipped over every deal."""
        return sum(d.days_slipped for d in self.deals)

    @property
    def deals_pushed(self) -> int:
        """Deals pushed at least once."""
        return sum(1 for d in self.deals if d.pushes)

    @property
    def deals_pushed_in_period(self) -> int:
        """Deals pushed at least once in the period."""
        return sum(1 for d in self.deals if d.pushes_in_period)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"since": None if self.since is None else self.since.isoformat(),
                "until": None if self.until is None else self.until.isoformat(),
                "deals_with_close_date": len(self.deals), "deals_pushed": self.deals_pushed,
                "deals_pushed_in_period": self.deals_pushed_in_period,
                "pushes": self.pushes, "days_slipped": self.days_slipped,
                "deals": [d.to_dict() for d in self.deals]}


def _in(moment: dt.datetime, since: dt.datetime | None, until: dt.datetime | None) -> bool:
    return (since is None or moment >= since) and (until is None or moment < until)


def slip(store: Store, filters: Filters | None = None, *, since: dt.datetime | None = None,
         until: dt.datetime | None = None, playbook: Playbook | str | None = None) -> Slip:
    """Close-date slip of the deals `filters` select (see the module docs); `since` and
    `until` bound the period whose pushes `pushes_in_period` counts."""
    _, filters = scope(store, filters, playbook)
    condition = selected(EVENTS.c.deal_id, filters)
    ids = None if condition is None else select(DEALS.c.id).where(on_deals(filters))
    by_deal: dict[str, list[_Change]] = defaultdict(list)
    for change in close_date_changes(store, ids):
        by_deal[change.deal_id].append(change)
    if not by_deal:
        return Slip(since, until)
    query = (select(DEALS.c.id, DEALS.c.owner, DEALS.c.stage, DEALS.c.status)
             .where(DEALS.c.id.in_(sorted(by_deal))))
    with store.database.connect() as conn:
        rows = {str(r.id): r for r in conn.execute(query)}
    deals = []
    for deal_id, changes in sorted(by_deal.items()):
        row = rows.get(deal_id)
        if row is None:
            continue
        pushes = [c for c in changes if c.pushed_days]
        first = next((c.new for c in changes if c.new is not None), None)
        deals.append(DealSlip(
            deal_id, str(row.owner), str(row.stage), str(row.status), first, changes[-1].new,
            len(changes), len(pushes), sum(c.pushed_days for c in pushes),
            sum(1 for c in pushes if _in(c.at, since, until))))
    return Slip(since, until, deals)


def period_of(day: dt.date | None, by: Period) -> str | None:
    """The period a date falls in: `2026-03` (month) or `2026-Q1` (quarter); None for
    no date."""
    if day is None:
        return None
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class DealContribution:
    """What one open deal adds to its period, and why."""

    deal_id: str
    stage: str
    close_date: dt.date | None
    period: str | None
    amount: Decimal
    currency: str
    crm_probability: float
    history_probability: float
    crm_value: Decimal
    history_value: Decimal
    overdue: bool
    """The expected close date has passed and the deal is still open."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data = asdict(self)
        data.update(close_date=None if self.close_date is None else self.close_date.isoformat(),
                    amount=str(self.amount), crm_value=str(self.crm_value),
                    history_value=str(self.history_value))
        return data

    @property
    def explained(self) -> str:
        """The contribution in words."""
        when = _("closes {day}", day=self.close_date) if self.close_date else _(
            "no close date")
        late = _(" (date passed, still open)") if self.overdue else ""
        return _("{amount} {currency} x {crm} ({stage}) = {crm_value}; from history x "
                 "{history} = {history_value}; {when}{late}", amount=f"{self.amount:,}",
                 currency=self.currency, crm=f"{self.crm_probability:.0%}", stage=self.stage,
                 crm_value=f"{self.crm_value:,}", history=f"{self.history_probability:.0%}",
                 history_value=f"{self.history_value:,}", when=when, late=late)


@dataclass(frozen=True)
class PeriodRow:
    """The open deals expected to close in one period and what they bring."""

    period: str | None
    deals: int
    amount: Decimal
    crm_total: Decimal
    history_total: Decimal

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"period": self.period, "deals": self.deals, "amount": str(self.amount),
                "crm_total": str(self.crm_total), "history_total": str(self.history_total)}


@dataclass(frozen=True)
class PeriodForecast:
    """The open pipeline by period of expected close, with each deal's contribution."""

    by: Period
    periods: list[PeriodRow]
    deals: list[DealContribution]

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"by": self.by, "periods": [p.to_dict() for p in self.periods],
                "deals": [d.to_dict() for d in self.deals]}


_CENT = Decimal("0.01")


def forecast_by_period(store: Store, filters: Filters | None = None, *, by: Period = "month",
                       now: dt.datetime | None = None,
                       playbook: Playbook | str | None = None) -> PeriodForecast:
    """The forecast of the open deals `filters` select, by `month` or `quarter` of their
    expected close date (see the module docs)."""
    if by not in ("month", "quarter"):
        raise ValueError(f"by must be month or quarter, not {by!r}")
    today = _timing._now(now).date()
    chosen, filters = scope(store, filters, playbook)
    crm = {s.id: s.probability / 100 for s in chosen.stages if s.probability is not None}
    history = absorption(transition_chain(store, filters, playbook=chosen), crm)
    open_ids = (select(DEALS.c.id).where(DEALS.c.status.in_(("open", "on_hold")))
                .where(on_deals(filters)))
    dates = {c.deal_id: c.new for c in close_date_changes(store, open_ids)}
    query = (select(DEALS.c.id, DEALS.c.stage, DEALS.c.amount, DEALS.c.currency)
             .where(DEALS.c.id.in_(open_ids)).order_by(DEALS.c.id))
    contributions = []
    with store.database.connect() as conn:
        for deal_id, stage, amount, currency in conn.execute(query):
            money = Decimal(str(amount))
            crm_p = crm.get(str(stage), 0.0)
            hist_p = history.get(str(stage), crm_p)
            day = dates.get(str(deal_id))
            contributions.append(DealContribution(
                str(deal_id), str(stage), day, period_of(day, by), money, str(currency),
                crm_p, hist_p, (money * Decimal(str(crm_p))).quantize(_CENT),
                (money * Decimal(str(hist_p))).quantize(_CENT),
                day is not None and day < today))
    groups: dict[str | None, list[DealContribution]] = defaultdict(list)
    for item in contributions:
        groups[item.period].append(item)
    rows = [PeriodRow(period, len(items), sum((i.amount for i in items), Decimal(0)),
                      sum((i.crm_value for i in items), Decimal(0)),
                      sum((i.history_value for i in items), Decimal(0)))
            for period, items in sorted(groups.items(), key=lambda kv: (kv[0] is None,
                                                                          kv[0] or ""))]
    contributions.sort(key=lambda c: (c.period is None, c.period or "", c.deal_id))
    return PeriodForecast(by, rows, contributions)
