"""After importing a wide HubSpot export of 300 generated deals, the funnel, the win rate,
the cycle time and the time in the first stage equal a count over the same file made
with the csv module alone, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dealflow.analytics import cycle_time, funnel, time_in_stage, win_rates
from dealflow.crm import import_csv
from dealflow.store import Store

STAGES = [  # playbook stage, HubSpot internal name, label
    ("qualify", "appointmentscheduled", "Appointment Scheduled"),
    ("discover", "qualifiedtobuy", "Qualified To Buy"),
    ("shape", "presentationscheduled", "Presentation Scheduled"),
    ("propose", "decisionmakerboughtin", "Decision Maker Bought-In"),
    ("decide", "contractsent", "Contract Sent"),
]
CLOSES = {"won": ("closedwon", "Closed Won"), "lost": ("closedlost", "Closed Lost")}
FORMAT = "%Y-%m-%d %H:%M"


def _entered(label: str) -> str:
    return f'Date entered "{label} (Sales Pipeline)"'


HEADER = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Deal owner", "Close Date",
          *(_entered(label) for _, _, label in STAGES),
          _entered("Closed Won"), _entered("Closed Lost")]


def _deal(rng: random.Random, index: int) -> dict[str, str]:
    """One deal: a path over some stages (the first maybe undated), open, won or lost."""
    last = rng.randrange(len(STAGES))
    outcome = rng.choice(["open", "won", "lost", "lost"])
    row = {name: "" for name in HEADER}
    at = dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rng.randrange(500_000))
    for position, (_, _, label) in enumerate(STAGES[:last + 1]):
        first_undated = position == 0 and rng.random() < 0.3
        skipped = 0 < position < last and rng.random() < 0.3
        if not (first_undated or skipped):
            row[_entered(label)] = f"{at:{FORMAT}}"
        at += dt.timedelta(hours=rng.randrange(1, 24 * 60))
    if outcome == "open":
        stage_name = rng.choice(STAGES[last][1:])
        if last == 0:
            row[_entered(STAGES[0][2])] = f"{at:{FORMAT}}"  # an open deal needs a date
    else:
        stage_name = rng.choice(CLOSES[outcome])
        column = "Close Date" if rng.random() < 0.4 else _entered(CLOSES[outcome][1])
        row[column] = f"{at:{FORMAT}}"
    row.update({"Record ID": str(1000 + index), "Deal Name": f"Deal {index}",
                "Deal Stage": stage_name, "Amount": str(rng.randrange(1, 500) * 1000),
                "Deal owner": rng.choice(["li", "wang", "anna"])})
    return row


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HubSpot export of 300 deals (seeded), a few rows written twice."""
    rng = random.Random(20240601)
    rows = [_deal(rng, index) for index in range(300)]
    rows += rng.sample(rows, 5)
    path = tmp_path_factory.mktemp("hubspot") / "deals.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@dataclass
class Counted:
    reached: dict[str, set[str]] = field(default_factory=dict)
    outcome: dict[str, str] = field(default_factory=dict)
    cycle_days: dict[str, float] = field(default_factory=dict)
    first_stays: dict[str, float] = field(default_factory=dict)


def _time(text: str) -> dt.datetime | None:
    return dt.datetime.strptime(text, FORMAT) if text else None


def _count(path: Path) -> Counted:
    """The figures, from the file alone."""
    counted = Counted()
    names = {name: stage for stage, *aliases in STAGES for name in aliases}
    names.update({name: outcome for outcome, aliases in CLOSES.items() for name in aliases})
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            deal, now = row["Record ID"], names[row["Deal Stage"]]
            dates = [(stage, _time(row[_entered(label)])) for stage, _, label in STAGES]
            dated = [(stage, at) for stage, at in dates if at is not None]
            counted.reached[deal] = {"qualify"} | {stage for stage, _ in dated} | (
                {now} if now not in CLOSES else set())
            counted.outcome[deal] = now if now in CLOSES else "open"
            closed = None
            if now in CLOSES:
                closed = _time(row[_entered(CLOSES[now][1])]) or _time(row["Close Date"])
            times = [at for _, at in dated] + ([closed] if closed else [])
            if closed is not None:
                counted.cycle_days[deal] = (closed - times[0]).total_seconds() / 86400
            if dates[0][1] is not None and len(times) > 1:
                counted.first_stays[deal] = (times[1] - times[0]).total_seconds() / 86400
    return counted


def test_the_figures_after_an_import_equal_a_count_over_the_file(
    store: Store, export: Path,
) -> None:
    result = import_csv(store, export, "hubspot")
    assert result.ok, result.problems
    assert (result.rows, result.deals, result.duplicate_rows) == (305, 300, 5)
    counted = _count(export)
    layers = {layer.stage: layer for layer in funnel(store).stages}
    for stage, _, _ in STAGES:
        assert layers[stage].entered == sum(stage in r for r in counted.reached.values())
    rates = win_rates(store).overall
    outcomes = list(counted.outcome.values())
    assert (rates.won, rates.lost) == (outcomes.count("won"), outcomes.count("lost"))
    cycle = cycle_time(store)
    assert cycle.deals == len(counted.cycle_days)
    assert cycle.mean is not None
    assert cycle.mean * cycle.deals == pytest.approx(sum(counted.cycle_days.values()))
    qualify = time_in_stage(store)[0]
    assert qualify.stays == len(counted.first_stays)
    assert qualify.mean == pytest.approx(
        sum(counted.first_stays.values()) / len(counted.first_stays))
    assert len(counted.first_stays) < sum("qualify" in r for r in counted.reached.values())
