"""`dealflow competitor ...`, `deal lose --winner` and `dealflow competition`: who we meet,
where we stand, who beat us and how often."""

from __future__ import annotations

import json

import pytest

from dealflow.store import Store
from tests.cli.conftest import Invoke, flat


@pytest.fixture
def deals(invoke: Invoke) -> list[str]:
    """Three deals of the bundled playbook, all against Acme (the incumbent); one also
    against Beta."""
    ids = ["D-1", "D-2", "D-3"]
    for deal_id in ids:
        assert invoke("deal", "new", "--id", deal_id, "--title", "Upgrade", "--account", "Co",
                      "--owner", "li").exit_code == 0
        added = invoke("competitor", "add", deal_id, "--id", "acme", "--name", "Acme",
                       "--incumbent", "--strength", "installed base",
                       "--position", "lifecycle_cost=behind", "--position", "technology=ahead")
        assert added.exit_code == 0, added.output
    assert invoke("competitor", "add", "D-3", "--id", "beta", "--name", "Beta").exit_code == 0
    return ids


def test_a_competitor_is_listed_with_our_position_per_criterion(
        invoke: Invoke, deals: list[str]) -> None:
    listed = json.loads(invoke("competitor", "list", "D-1", "-f", "json").stdout)

    assert listed["competitors"] == [{
        "id": "acme", "name": "Acme", "incumbent": True, "strengths": ["installed base"],
        "positions": {"lifecycle_cost": "behind", "technology": "ahead"}, "preferred_by": []}]


def test_a_position_on_a_criterion_the_playbook_does_not_declare_is_refused(
        invoke: Invoke, deals: list[str]) -> None:
    result = invoke("competitor", "add", "D-1", "--id", "acme", "--name", "Acme",
                    "--position", "lifecycle_costs=even")

    assert result.exit_code == 1
    assert "did you mean 'lifecycle_cost'" in flat(result.output)


def test_win_rate_and_lost_reasons_by_competitor(
        invoke: Invoke, deals: list[str], db: str) -> None:
    lost = invoke("deal", "lose", "D-1", "--reason", "competitor", "--winner", "acme")
    assert lost.exit_code == 0, lost.output
    assert invoke("deal", "lose", "D-3", "--reason", "price").exit_code == 0
    with Store(db) as store:
        assert store.get("D-1").lost_to == "acme"
        assert store.events("D-1")[-1].model_dump()["winner"] == "acme"

    figures = json.loads(invoke("competition", "-f", "json").stdout)["competitors"]

    assert figures == [
        {"competitor": "acme", "name": "Acme", "won": 0, "lost": 2, "rate": 0.0, "lost_to": 1,
         "incumbent_in": 2, "lost_reasons": {"competitor": 1, "price": 1}},
        {"competitor": "beta", "name": "Beta", "won": 0, "lost": 1, "rate": 0.0, "lost_to": 0,
         "incumbent_in": 0, "lost_reasons": {"price": 1}},
    ]
    table = flat(invoke("competition").output)
    assert "Acme 0 2 0% 1 2" in table


def test_a_winner_that_is_not_in_the_deal_is_refused(invoke: Invoke, deals: list[str]) -> None:
    result = invoke("deal", "lose", "D-2", "--reason", "competitor", "--winner", "acmee")

    assert result.exit_code == 1
    assert "did you mean 'acme'" in flat(result.output)
