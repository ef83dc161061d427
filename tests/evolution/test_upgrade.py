"""Moving a store's live deals to a new playbook version: nothing lost, nothing stranded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from dealflow import Playbook, dump_playbook, load_playbook, parse_playbook
from dealflow.errors import DefinitionError
from dealflow.evolution import plan_upgrade, upgrade
from dealflow.store import EVENTS, Store, import_events
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

OLD = load_playbook()
REMOVED, RENAMED, NEW_NAME = "propose", "shape", "design"


def _new_version(with_map: bool) -> Playbook:
    """3.0.0: `propose` removed, `shape` renamed to `design`, pain_confirmed tightened."""
    data: dict[str, Any] = yaml.safe_load(dump_playbook(OLD))
    data["version"] = "3.0.0"
    data["stages"] = [s for s in data["stages"] if s["id"] != REMOVED]
    for stage in data["stages"]:
        if stage["id"] == RENAMED:
            stage["id"] = NEW_NAME
        for gate in stage.get("gates", []):
            if gate["id"] == "pain_confirmed":
                gate["when"] = "facts.pain_confirmed and facts.impact_quantified"
    for approval in data.get("approvals", []):
        if approval.get("before") == REMOVED:
            approval["before"] = "negotiate"
    for entry in [*data.get("lost_reasons", []), *data.get("plays", [])]:
        if entry.get("stages"):
            entry["stages"] = [NEW_NAME if s == RENAMED else s for s in entry["stages"]
                               if s != REMOVED]
    if with_map:
        data["stage_map"] = {REMOVED: "negotiate", RENAMED: NEW_NAME}
    return parse_playbook(yaml.safe_dump(data, allow_unicode=True), "complex-b2b-2.yaml")


@pytest.fixture
def store(store_url: str, drive: Callable[..., Any]) -> Iterator[Store]:  # noqa: F811
    """A store with a deal in every stage of the default playbook, plus a won one."""
    opened = Store(store_url, playbook=OLD)
    events = []
    for index, stage in enumerate(OLD.stages):
        log = drive(stage.id)
        events += [e.model_copy(update={"deal_id": f"D-{index}"}) for e in log.events]
    won = drive(OLD.stages[-1].id)
    won.record(won.engine.win(won.deal, actor="test"))
    events += [e.model_copy(update={"deal_id": "D-won"}) for e in won.events]
    import_events(opened, events)
    yield opened
    opened.close()


def _event_count(store: Store) -> int:
    with store.database.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(EVENTS)).scalar_one())


def test_the_dry_run_shows_the_impact_and_writes_nothing(store: Store) -> None:
    before = _event_count(store)
    plan = plan_upgrade(store, _new_version(with_map=True))
    assert not plan.applied
    assert {p.deal_id for p in plan.deals} == {f"D-{i}" for i in range(len(OLD.stages))}
    qualify = next(p for p in plan.deals if p.from_stage == "qualify")
    assert "pain_confirmed" in qualify.gates_now_failing
    moved = next(p for p in plan.deals if p.from_stage == REMOVED)
    assert moved.to_stage == "negotiate"
    assert moved.items_added
    assert _event_count(store) == before
    assert all(d.playbook_version == OLD.version for d in store.list_deals())


def test_a_missing_mapping_refuses_before_writing_anything(store: Store) -> None:
    before = _event_count(store)
    with pytest.raises(DefinitionError, match="no stage .*propose.* and no mapping"):
        upgrade(store, _new_version(with_map=False), actor="ops", apply_changes=True)
    assert _event_count(store) == before


def test_migrating_every_stage_loses_no_deal_and_strands_none(store: Store) -> None:
    new = _new_version(with_map=True)
    before = {deal.id: deal for deal in store.list_deals()}
    plan = upgrade(store, new, actor="ops", apply_changes=True,
                   now=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    assert plan.applied
    after = {deal.id: deal for deal in store.list_deals()}
    assert set(after) == set(before)
    stages = {stage.id for stage in new.stages}
    for deal_id, deal in after.items():
        if deal_id == "D-won":
            assert deal.playbook_version == OLD.version
            continue
        assert deal.playbook_version == "3.0.0"
        assert deal.stage in stages
        assert store.replay(deal_id) == deal
        assert store.events(deal_id)[-1].type == "deal_migrated"
    assert after[f"D-{OLD.stage_index(RENAMED)}"].stage == NEW_NAME
    assert after[f"D-{OLD.stage_index(REMOVED)}"].stage == "negotiate"
    moved = after["D-0"]
    assert store.engine_for(moved).playbook.version == "3.0.0"
    refused = store.apply("D-0", lambda e, d: e.advance(d, actor="li"))
    assert "pain_confirmed" in {c.id for c in refused.report.blocking}


def test_a_second_run_has_nothing_left_to_move(store: Store) -> None:
    new = _new_version(with_map=True)
    upgrade(store, new, actor="ops", apply_changes=True)
    assert plan_upgrade(store, new).deals == []


def test_after_a_migration_the_figures_use_the_newest_version_and_count_the_moves(
    store: Store,
) -> None:
    from dealflow.analytics import funnel, sop_compliance

    new = _new_version(with_map=True)
    entered_before = {layer.stage: layer.entered for layer in funnel(store).stages}
    upgrade(store, new, actor="ops", apply_changes=True)
    reopened = Store(store.url)  # no playbook given: the store's own choice
    try:
        assert reopened.playbook.version == "3.0.0"
        layers = {layer.stage: layer for layer in funnel(reopened).stages}
        assert list(layers) == [stage.id for stage in new.stages]
        # the deal in `shape` entered `design` by its migration; the one in `propose`
        # entered `negotiate`; the deals of 2.0.0 (the won one) still count
        assert layers[NEW_NAME].entered == 1
        assert layers["negotiate"].entered == entered_before["negotiate"] + 1
        assert layers["qualify"].entered == entered_before["qualify"]
        audit = sop_compliance(reopened)  # visits to 2.0.0's stages read with 2.0.0
        assert REMOVED in audit.by_stage
    finally:
        reopened.close()


def test_a_schema_2_database_counts_the_stage_changes_of_its_migrations(store: Store) -> None:
    from sqlalchemy import delete, update

    from dealflow.store import STAGE_CHANGES
    from dealflow.store._tables import META

    upgrade(store, _new_version(with_map=True), actor="ops", apply_changes=True)
    with store.database.connect() as conn:
        written = sorted(map(tuple, conn.execute(select(STAGE_CHANGES)).all()))
    assert any(row[2] == "deal_migrated" for row in written)
    with store.writing() as conn:  # as schema 2 wrote it: no rows for migrations
        conn.execute(delete(STAGE_CHANGES).where(STAGE_CHANGES.c.type == "deal_migrated"))
        conn.execute(update(META).where(META.c.key == "schema_version").values(value="2"))
    with Store(store.url) as reopened, reopened.database.connect() as conn:
        refilled = sorted(map(tuple, conn.execute(select(STAGE_CHANGES)).all()))
    assert [row[:9] for row in refilled] == [row[:9] for row in written]  # to left_at
