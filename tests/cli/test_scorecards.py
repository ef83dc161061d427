"""`dealflow score`, `scorecard` and `health`, and the report's ranking by health."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke, flat


@pytest.fixture
def deals(invoke: Invoke) -> None:
    for deal_id in ("D-1", "D-2"):
        assert invoke("deal", "new", "--id", deal_id, "--title", "Upgrade", "--account", "Co",
                      "--owner", "li").exit_code == 0


def test_scores_are_events_with_a_trend(invoke: Invoke, deals: None) -> None:
    assert invoke("score", "D-1", "champion", "2", "--evidence", "set up the CFO meeting"
                  ).exit_code == 0
    assert invoke("score", "D-1", "champion", "1").exit_code == 0

    card = json.loads(invoke("scorecard", "D-1", "-f", "json").stdout)

    champion = next(c for c in card["criteria"] if c["criterion"] == "champion")
    assert (champion["level"], champion["trend"], champion["means"]) == (1, "↓", "A coach")
    assert card["total"] == 1
    assert "champion_scored" not in invoke("events", "D-1").output
    assert "criterion_scored" in invoke("events", "D-1").output


def test_an_unknown_criterion_is_refused_with_the_closest(invoke: Invoke, deals: None) -> None:
    result = invoke("score", "D-1", "champoin", "2")

    assert result.exit_code == 1
    assert "did you mean 'champion'" in flat(result.output)


def test_health_ranks_the_open_deals_least_healthy_first(invoke: Invoke, deals: None) -> None:
    for criterion in ("metrics", "economic_buyer", "champion", "pain"):
        assert invoke("score", "D-2", criterion, "3").exit_code == 0

    ranked = json.loads(invoke("health", "-f", "json").stdout)["deals"]

    assert [d["deal_id"] for d in ranked] == ["D-1", "D-2"]
    assert ranked[0]["score"] < ranked[1]["score"]
    assert {f["name"] for f in ranked[0]["factors"]} >= {"scorecard", "red_flags"}
    one = invoke("health", "D-2")
    assert "scorecard" in one.output
    assert "MEDDPICC 12 of 24" in flat(one.output)


def test_the_report_ranks_deals_by_health(invoke: Invoke, deals: None, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert invoke("score", "D-2", "metrics", "3").exit_code == 0
    assert invoke("report", "-o", str(page)).exit_code == 0

    html = page.read_text(encoding="utf-8")
    section = html.split('<table id="health">', 1)[1].split("</table>", 1)[0]
    assert section.index("D-1 Upgrade") < section.index("D-2 Upgrade")
