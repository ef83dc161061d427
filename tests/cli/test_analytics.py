"""`dealflow simulate`, `funnel`, `stalled`, `winrate`, `forecast`, `compliance` and `report`
through typer's runner: tables for people, JSON that agrees with the Python API, filters,
and the error exits."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.analytics import (
    Filters,
    closed_deals,
    cycle_time,
    forecast,
    funnel,
    sop_compliance,
    stalled,
    time_in_stage,
    velocity,
    win_rates,
)
from dealflow.cli import app
from dealflow.store import Store, import_events
from tests.analytics._histories import History
from tests.cli.conftest import flat

COMMANDS = ["funnel", "stalled", "winrate", "forecast", "compliance"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, runner: CliRunner) -> str:
    """A database filled by `dealflow simulate --deals 60 --seed 1`."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli-analytics')}/a.db"
    result = runner.invoke(app, ["simulate", "--deals", "60", "--seed", "1", "--db", url])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("60 deals, ")
    return url


@pytest.fixture(scope="module")
def store(db: str) -> Iterator[Store]:
    with Store(db) as opened:
        yield opened


def _json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_simulate_fills_the_store_with_sixty_deals(store: Store) -> None:
    assert store.count_deals() == 60


@pytest.mark.parametrize("command", COMMANDS, ids=COMMANDS)
def test_every_figure_prints_a_table(runner: CliRunner, db: str, command: str) -> None:
    result = runner.invoke(app, [command, "--db", db])
    assert result.exit_code == 0, result.output
    assert "qualify" in result.stdout or "Stalled deals" in result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=COMMANDS)
def test_every_figure_prints_json(runner: CliRunner, db: str, command: str) -> None:
    assert _json(runner, command, "--db", db)


def test_the_funnel_table_shows_every_stage_with_its_numbers(
    runner: CliRunner, db: str, store: Store
) -> None:
    result = runner.invoke(app, ["funnel", "--db", db])
    lines = result.stdout.splitlines()
    for layer in funnel(store).stages:
        (line,) = [line for line in lines if f" {layer.stage} " in line]
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        assert cells[:5] == [layer.stage, str(layer.entered), str(layer.moved_on),
                             str(layer.lost_total), str(layer.open)]


def test_the_funnel_json_agrees_with_the_api(runner: CliRunner, db: str, store: Store) -> None:
    assert _json(runner, "funnel", "--db", db) == funnel(store).to_dict()


def test_the_stalled_json_agrees_with_the_api(runner: CliRunner, db: str, store: Store) -> None:
    printed = _json(runner, "stalled", "--db", db)
    expected = stalled(store)
    assert [(d["deal_id"], d["limit"]) for d in printed] == [
        (d.deal_id, d.limit) for d in expected]
    for row, deal in zip(printed, expected, strict=True):
        assert row["days"] == pytest.approx(deal.days, abs=0.01)
    by_history = _json(runner, "stalled", "--percentile", "0.75", "--db", db)
    assert [d["deal_id"] for d in by_history] == [
        d.deal_id for d in stalled(store, percentile=0.75)]


def test_the_winrate_json_agrees_with_the_api(runner: CliRunner, db: str, store: Store) -> None:
    printed = _json(runner, "winrate", "--db", db)
    assert printed["win_rates"] == win_rates(store).to_dict()
    assert printed["closed"] == closed_deals(store).to_dict()
    assert printed["velocity"] == velocity(store).to_dict()
    assert printed["cycle_time"] == pytest.approx(cycle_time(store).to_dict())
    now = dt.datetime.now(dt.UTC)
    assert printed["time_in_stage"] == [t.to_dict() for t in time_in_stage(store, now=now)]
    overall = printed["win_rates"]["overall"]
    assert overall["rate"] == overall["won"] / (overall["won"] + overall["lost"])


def test_the_winrate_table_shows_won_and_lost_amounts_per_currency_and_days_to_close(
    runner: CliRunner, tmp_path: Path,
) -> None:
    playbook = load_playbook()
    at = dt.datetime(2026, 2, 2, 8, 30, tzinfo=dt.UTC)
    reason = playbook.lost_reasons[0].id
    deals = [
        History(playbook, "w1", at=at, amount=Decimal("1234567.80")).to_last_stage(hours=24)
        .win(hours=24),
        History(playbook, "w2", at=at, amount=50, currency="EUR").to_last_stage(hours=48)
        .win(hours=48),
        History(playbook, "l1", at=at, amount=Decimal("0.05"), currency="USD")
        .lose(reason, hours=36),
    ]
    url = f"sqlite:///{tmp_path / 'currencies.db'}"
    with Store(url, playbook=playbook) as store:
        import_events(store, [event for deal in deals for event in deal.events])
    result = runner.invoke(app, ["winrate", "--db", url], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("Won and lost")
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in lines[start:start + 9] if line.startswith("│")]
    # won after 7 and 14 days (a day, or two, in each of the 7 stages): mean 10.5, median
    # (nearest rank) 7, p75 14
    assert len(playbook.stages) == 7
    assert rows == [["won", "2", "1,234,567.80 CNY", "10.5", "7.0", "14.0"],
                    ["", "", "50.00 EUR", "", "", ""],
                    ["lost", "1", "0.05 USD", "1.5", "1.5", "1.5"]]


def test_the_forecast_json_agrees_with_the_api(runner: CliRunner, db: str, store: Store) -> None:
    printed = _json(runner, "forecast", "--runs", "500", "--seed", "3", "--db", db)
    assert printed == forecast(store, runs=500, seed=3).to_dict()
    by_stage = sum(Decimal(s["amount"]) * Decimal(str(s["crm_probability"]))
                   for s in printed["stages"])
    assert Decimal(printed["crm_total"]) == by_stage.quantize(Decimal("0.01"))
    assert Decimal(printed["interval"]["p5"]) <= Decimal(printed["interval"]["p95"])


def test_the_compliance_json_agrees_with_the_api(
    runner: CliRunner, db: str, store: Store
) -> None:
    printed = _json(runner, "compliance", "--db", db)
    result = sop_compliance(store)
    assert printed["total"]["all"] == {**vars(result.total), "rate": result.total.rate}
    assert set(printed["stage"]) == set(result.by_stage)
    for stage, counts in result.by_stage.items():
        assert printed["stage"][stage]["on_time"] == counts.on_time
        assert printed["stage"][stage]["skipped"] == counts.skipped


@pytest.mark.parametrize(
    ("args", "filters"),
    [
        (["--owner", "li.wei"], Filters(owner="li.wei")),
        (["--since", "2025-10-01"],
         Filters(created_from=dt.datetime(2025, 10, 1, tzinfo=dt.UTC))),
        (["--min-amount", "100000"], Filters(amount_min=100_000)),
    ],
    ids=["owner", "since", "min-amount"],
)
def test_filters_narrow_the_funnel(runner: CliRunner, db: str, store: Store,
                                   args: list[str], filters: Filters) -> None:
    printed = _json(runner, "funnel", *args, "--db", db)
    assert printed == funnel(store, filters).to_dict()
    entered = printed["stages"][0]["entered"]
    assert 0 < entered < funnel(store).stages[0].entered


def test_the_report_is_written_as_one_html_file(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "-o", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<svg id="funnel-chart"' in page
    assert "<script" not in page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.parametrize("command", [*COMMANDS, "report"], ids=[*COMMANDS, "report"])
def test_a_missing_database_is_an_error_naming_the_path(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "nowhere.db"
    extra = ["-o", str(tmp_path / "r.html")] if command == "report" else []
    result = runner.invoke(app, [command, *extra, "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 1
    assert f"no database at {missing}" in flat(result.stderr)
    assert not missing.exists()


def test_a_bad_date_is_a_usage_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(app, ["funnel", "--since", "2026-13-01", "--db", db])
    assert result.exit_code == 2
    assert "'2026-13-01' is not a date like 2026-01-31" in flat(result.stderr)


def test_a_percentile_other_than_the_three_is_a_usage_error(runner: CliRunner, db: str) -> None:
    result = runner.invoke(app, ["stalled", "--percentile", "0.3", "--db", db])
    assert result.exit_code == 2
    assert "use 0.5, 0.75 or 0.9" in flat(result.stderr)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309"])
@pytest.mark.parametrize("flag", ["--min-amount", "--max-amount"])
def test_an_amount_filter_that_is_not_a_number_is_a_usage_error(
    runner: CliRunner, db: str, flag: str, value: str,
) -> None:
    result = runner.invoke(app, ["funnel", flag, value, "--db", db])
    assert result.exit_code == 2
    assert "is not an amount" in result.output
