"""A playbook without probabilities gets the forecast from history only, and is told why.

The placeholder probabilities teams used to invent fed the CRM-way figure as if they were
real. Without them, `crm_total` is None (null in JSON, left out of the table) and `why`
names the stages that have none; the figure from history is the same as with them,
wherever every stage has history. Both playbooks, with their probabilities taken out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dealflow import Playbook, dump_playbook, parse_playbook
from dealflow.analytics import forecast, simulate
from dealflow.cli import app
from dealflow.store import Store, import_events

END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def _without_probabilities(playbook: Playbook) -> Playbook:
    data: dict[str, Any] = yaml.safe_load(dump_playbook(playbook))
    for stage in data["stages"]:
        stage.pop("probability", None)
    return parse_playbook(yaml.safe_dump(data, allow_unicode=True), "no-odds.yaml")


@pytest.fixture
def stores(any_playbook: Playbook, tmp_path: Path) -> Iterator[tuple[Store, Store, str]]:
    """The same simulated history under the playbook with and without probabilities."""
    bare = _without_probabilities(any_playbook)
    events = list(simulate(any_playbook, deals=120, seed=3, end=END))
    urls = [f"sqlite:///{tmp_path / name}" for name in ("with.db", "without.db")]
    with Store(urls[0], playbook=any_playbook) as full, Store(urls[1], playbook=bare) as odd:
        full.register_playbook(any_playbook)
        odd.register_playbook(bare)
        import_events(full, events, batch_size=1000)
        import_events(odd, events, batch_size=1000)
        yield full, odd, urls[1]


def test_without_probabilities_there_is_no_crm_figure_and_the_forecast_says_why(
    stores: tuple[Store, Store, str], any_playbook: Playbook,
) -> None:
    full, odd, _ = stores
    with_odds, without = forecast(full, runs=200), forecast(odd, runs=200)
    assert with_odds.crm_total is not None
    assert with_odds.why == ()
    assert without.crm_total is None
    assert "no CRM-way figure" in without.why[0]
    assert all(stage.id in without.why[0] for stage in any_playbook.stages)
    assert all(row.crm_probability is None for row in without.stages)
    seen = [row for row in with_odds.stages if row.from_history]
    assert [r.history_probability for r in seen] == [
        r.history_probability for r in without.stages if r.from_history]


def test_the_command_line_leaves_the_crm_figure_out_and_prints_why(
    stores: tuple[Store, Store, str], runner: CliRunner,
) -> None:
    _, _, url = stores
    table = runner.invoke(app, ["forecast", "--db", url, "--runs", "200"])
    assert table.exit_code == 0, table.output
    assert "CRM way" not in table.output
    assert "no CRM-way figure" in table.output
    data = json.loads(runner.invoke(app, ["forecast", "--db", url, "--runs", "200",
                                          "-f", "json"]).output)
    assert data["crm_total"] is None
    assert data["why"]


def test_the_html_report_leaves_the_crm_figure_out_and_says_why(
    stores: tuple[Store, Store, str], runner: CliRunner, tmp_path: Path,
) -> None:
    _, _, url = stores
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", url, "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "CRM way (amount" not in html
    assert "no CRM-way figure" in html
