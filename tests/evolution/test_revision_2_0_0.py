"""Live deals of complex-b2b 1.0.0 (kept in playbooks/revisions/) move to 2.0.0 with
`dealflow migrate`: a deal in the removed `handover` stage lands in `decide`, where it is
won at contract + PO, and nothing is lost on the way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import Engine, Playbook, Status, load_playbook
from dealflow.cli import app
from dealflow.store import Store, import_events
from tests.conftest import FIXED, OUR_TEAM, REPO, TEAM, DealLog

OLD_FILE = REPO / "playbooks" / "revisions" / "complex-b2b-1.0.0.yaml"
NEW_FILE = REPO / "playbooks" / "complex-b2b.yaml"


@pytest.fixture(scope="module")
def old() -> Playbook:
    return load_playbook(OLD_FILE)


def _driven(playbook: Playbook, stage: str, deal_id: str) -> DealLog:
    """A deal of `playbook` taken into `stage`, every gate on the way holding."""
    engine = Engine(playbook, clock=lambda: FIXED, team=OUR_TEAM)
    created = engine.create(deal_id=deal_id, title="Reactor upgrade", account="Sinochem",
                            owner="li", actor="test")
    log = DealLog(engine, created.deal, list(created.events))
    for person in TEAM:
        log.record(engine.add_stakeholder(log.deal, person, actor="test"))
    for current in playbook.stages:
        log.satisfy_gates(current)
        if current.id == stage:
            return log
        log.record(engine.advance(log.deal, actor="test"))
    raise AssertionError(f"no stage {stage}")


@pytest.fixture
def database(tmp_path: Path, old: Playbook) -> str:
    """A database of 1.0.0: a deal in each of its stages, and one won at the kickoff."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    events = []
    for stage in old.stages:
        events += _driven(old, stage.id, f"OLD-{stage.id}").events
    won = _driven(old, "handover", "OLD-won")
    won.record(won.engine.win(won.deal, actor="test"))
    events += won.events
    with Store(url, playbook=old) as store:
        import_events(store, events)
    return url


def test_the_dry_run_maps_the_handover_stage_to_decide_and_writes_nothing(
    runner: CliRunner, database: str
) -> None:
    result = runner.invoke(app, ["migrate", "--to", str(NEW_FILE), "--db", database,
                                 "-f", "json"])

    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert not plan["applied"]
    by_deal = {deal["deal_id"]: deal for deal in plan["deals"]}
    assert "OLD-won" not in by_deal  # a closed deal keeps the version it closed under
    assert by_deal["OLD-handover"]["to_stage"] == "decide"
    assert "payment_terms_agreed" in by_deal["OLD-decide"]["gates_now_failing"]
    assert "delivery_review" in by_deal["OLD-propose"]["items_added"]
    with Store(database) as store:
        assert {deal.playbook_version for deal in store.list_deals()} == {"1.0.0"}


def test_applied_every_live_deal_runs_under_2_0_0_and_a_handover_deal_can_be_won(
    runner: CliRunner, database: str, old: Playbook
) -> None:
    result = runner.invoke(app, ["migrate", "--to", str(NEW_FILE), "--db", database,
                                 "--apply", "--actor", "sales-ops"])

    assert result.exit_code == 0, result.output
    with Store(database, team=OUR_TEAM, clock=lambda: FIXED) as store:
        deals = {deal.id: deal for deal in store.list_deals()}
        assert len(deals) == len(old.stages) + 1
        for deal_id, deal in deals.items():
            expected = "1.0.0" if deal_id == "OLD-won" else "2.0.0"
            assert deal.playbook_version == expected
            assert store.replay(deal_id) == deal
        assert deals["OLD-won"].status is Status.won
        assert deals["OLD-handover"].stage == "decide"
        refused = store.apply("OLD-handover", lambda e, d: e.win(d, actor="li"))
        assert [check.id for check in refused.report.blocking] == ["payment_terms_agreed"]
        store.apply("OLD-handover", lambda e, d: e.set_fact(
            d, "payment_terms", "30% advance, 70% on acceptance", actor="li"))
        won = store.apply("OLD-handover", lambda e, d: e.win(d, actor="li"))
        assert won.ok, str(won.report)
        assert "handover_brief" in won.deal.items_opened
