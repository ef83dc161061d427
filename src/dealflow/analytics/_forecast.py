"""What the open pipeline is worth, two ways side by side.

- The CRM way: each open deal's amount times its stage's `probability` in the playbook.
- From history: every time a deal left a stage (advanced, went back, was won or lost) is
  one observed transition. The shares of those transitions are the rates of a Markov
  chain whose absorbing states are `won` and `lost`; each stage's probability of ending
  won is the chain's absorption probability, and an open deal's expected value is its
  amount times the probability of its stage. A stage with no history falls back to the
  playbook's probability (and says so), also as the worth of a move into it from another
  stage. The Monte Carlo interval draws each open deal's outcome from its probability,
  `runs` times, and reports the 5th and 95th percentile of the total.

Probabilities are optional in a playbook. When a stage has none, the CRM-way total is not
offered (`crm_total` is None) and `why` says which stages lack one; a stage with neither
history nor a probability counts its deals at 0 (and `why` says that too).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from dealflow._messages import _
from dealflow.analytics._query import Filters, on_deals, scope, stage_changes
from dealflow.playbook import Playbook
from dealflow.store import DEALS, Store

__all__ = ["Chain", "Forecast", "StageForecast", "absorption", "forecast", "transition_chain"]

ABSORBING = ("won", "lost")


@dataclass(frozen=True)
class Chain:
    """Observed transitions between stages: `counts[from][to]`."""

    stages: tuple[str, ...]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def leaving(self, stage: str) -> int:
        """How many times a deal was seen leaving `stage`."""
        return sum(self.counts.get(stage, {}).values())

    def rate(self, source: str, target: str) -> float:
        """The share of departures from `source` that went to `target`."""
        total = self.leaving(source)
        return self.counts.get(source, {}).get(target, 0) / total if total else 0.0


def transition_chain(store: Store, filters: Filters | None = None, *,
                     playbook: Playbook | str | None = None) -> Chain:
    """Count every observed stage transition of the deals `filters` select."""
    chosen, filters = scope(store, filters, playbook)
    changes = stage_changes(filters)
    query = (select(changes.c.from_stage, changes.c.to_stage, func.count())
             .where(changes.c.from_stage.is_not(None))
             .where(changes.c.from_stage != "closed")
             .where(changes.c.to_stage != "closed")  # an outcome not counted as lost
             .group_by(changes.c.from_stage, changes.c.to_stage))
    counts: dict[str, dict[str, int]] = {}
    with store.database.connect() as conn:
        for source, target, count in conn.execute(query):
            counts.setdefault(str(source), {})[str(target)] = int(count)
    return Chain(tuple(s.id for s in chosen.stages), counts)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the systems have a handful of rows)."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for row in range(n):
            if row != col:
                factor = a[row][col] / a[col][col]
                a[row] = [x - factor * y for x, y in zip(a[row], a[col], strict=True)]
    return [a[i][n] / a[i][i] if abs(a[i][i]) > 1e-12 else 0.0 for i in range(n)]


def absorption(chain: Chain, fallback: dict[str, float] | None = None) -> dict[str, float]:
    """Each stage's probability of ending `won`, for stages with history. A move into a
    stage without history counts with that stage's `fallback` probability (else as lost)."""
    known = [s for s in chain.stages if chain.leaving(s)]
    index = {stage: i for i, stage in enumerate(known)}
    matrix = [[(1.0 if i == j else 0.0) - chain.rate(s, t) for j, t in enumerate(known)]
              for i, s in enumerate(known)]
    outside = {t: p for t, p in (fallback or {}).items() if t not in index}
    vector = [chain.rate(s, "won") + sum(chain.rate(s, t) * p for t, p in outside.items())
              for s in known]
    solution = _solve(matrix, vector)
    return {stage: min(1.0, max(0.0, solution[index[stage]])) for stage in known}


@dataclass(frozen=True)
class StageForecast:
    """The open deals of one stage and what they are expected to bring."""

    stage: str
    open_deals: int
    amount: Decimal
    crm_probability: float | None
    history_probability: float
    history_transitions: int
    from_history: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data = asdict(self)
        data["amount"] = str(self.amount)
        return data


@dataclass(frozen=True)
class Forecast:
    """The open pipeline's expected value, the CRM way and from history.

    `crm_total` is None when some stage of the playbook has no probability; `why` then
    says so, in plain words (and names stages counted at 0 for lack of any figure)."""

    crm_total: Decimal | None
    history_total: Decimal
    low: Decimal
    high: Decimal
    runs: int
    stages: list[StageForecast]
    why: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"crm_total": None if self.crm_total is None else str(self.crm_total),
                "history_total": str(self.history_total),
                "interval": {"p5": str(self.low), "p95": str(self.high), "runs": self.runs},
                "stages": [s.to_dict() for s in self.stages], "why": list(self.why)}


def _monte_carlo(deals: list[tuple[float, float]], runs: int, seed: int) -> tuple[float, float]:
    if not deals:
        return 0.0, 0.0
    rng = random.Random(seed)
    totals = sorted(sum(amount for amount, p in deals if rng.random() < p)
                    for _run in range(runs))
    return totals[int(0.05 * (runs - 1))], totals[int(0.95 * (runs - 1))]


def forecast(store: Store, filters: Filters | None = None, *, runs: int = 2000,
             seed: int = 0, playbook: Playbook | str | None = None) -> Forecast:
    """The forecast of the open deals `filters` select (see the module docs)."""
    chosen, filters = scope(store, filters, playbook)
    chain = transition_chain(store, filters, playbook=chosen)
    history = absorption(chain, {s.id: s.probability / 100 for s in chosen.stages
                                 if s.probability is not None})
    query = (select(DEALS.c.stage, DEALS.c.amount)
             .where(DEALS.c.status.in_(("open", "on_hold")))
             .where(on_deals(filters))
             .order_by(DEALS.c.id))  # the draws go to the deals in a fixed order
    with store.database.connect() as conn:
        open_deals = [(str(stage), Decimal(str(amount))) for stage, amount in conn.execute(query)]
    rows: list[StageForecast] = []
    draws: list[tuple[float, float]] = []
    crm_total = history_total = Decimal(0)
    unknown: list[str] = []
    for stage in chosen.stages:
        amounts = [amount for where, amount in open_deals if where == stage.id]
        crm_p = None if stage.probability is None else stage.probability / 100
        hist_p = history.get(stage.id, crm_p or 0.0)
        if crm_p is not None:
            crm_total += sum(amounts, Decimal(0)) * Decimal(str(crm_p))
        elif amounts and stage.id not in history:
            unknown.append(stage.id)
        history_total += sum(amounts, Decimal(0)) * Decimal(str(hist_p))
        draws.extend((float(amount), hist_p) for amount in amounts)
        rows.append(StageForecast(stage.id, len(amounts), sum(amounts, Decimal(0)), crm_p,
                                  hist_p, chain.leaving(stage.id), stage.id in history))
    effective_runs = max(100, min(runs, 4_000_000 // max(len(draws), 1)))
    low, high = _monte_carlo(draws, effective_runs, seed)
    cent = Decimal("0.01")
    without = [stage.id for stage in chosen.stages if stage.probability is None]
    why = []
    if without:
        why.append(_("no CRM-way figure: the playbook gives no probability for stage(s) "
                     "{stages}; the figure from history is the forecast",
                     stages=", ".join(without)))
    if unknown:
        why.append(_("stage(s) {stages} have neither history nor a probability: their "
                     "open deals count 0", stages=", ".join(unknown)))
    return Forecast(None if without else crm_total.quantize(cent), history_total.quantize(cent),
                    Decimal(str(low)).quantize(cent), Decimal(str(high)).quantize(cent),
                    effective_runs, rows, tuple(why))
