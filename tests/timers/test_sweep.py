"""`Store.sweep`: every deal, under its own playbook; a dry run by default; each change an
event by `dealflow:sweep` naming its rule; idempotent; a failing rule reported and the
rest still swept; the events of a deal written together."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealflow import Playbook, Store, build_checklist, parse_playbook, render_checklist
from dealflow.engine import (
    SWEEP_ACTOR,
    GateReport,
    Outcome,
    event_adapter,
    log_activity,
    replay,
)
from dealflow.errors import ConflictError
from dealflow.store import export_jsonl, import_jsonl
from dealflow.testing import timer_histories
from tests.timers.conftest import START, TIMED_PLAYBOOK, Clock, open_deal


def _dump(store: Store) -> list[dict[str, object]]:
    return [event_adapter.dump_python(e, mode="json") for e in store.iter_events()]


def _win(store: Store, deal_id: str) -> None:
    for fact in ("demo_booked", "terms_signed"):
        store.apply(deal_id, lambda engine, deal, fact=fact: engine.set_fact(
            deal, fact, True, actor="ana"))
    store.apply(deal_id, lambda engine, deal: engine.advance(deal, actor="ana"))
    assert store.apply(deal_id, lambda engine, deal: engine.win(deal, actor="ana")).ok


def test_a_dry_run_lists_each_deal_and_rule_and_writes_nothing(store: Store,
                                                              clock: Clock) -> None:
    open_deal(store, "tiny", "small")
    open_deal(store, "big", "large")
    open_deal(store, "unsized")
    clock.move_on(16)
    before = _dump(store)
    report = store.sweep()
    assert [(a.deal_id, a.rule, a.action, a.applied) for a in report.actions] == [
        ("tiny", "quiet_small", "lose", False), ("unsized", "segment_unknown", "remind", False)]
    assert _dump(store) == before


def test_applying_writes_events_by_the_sweep_naming_the_rule(store: Store, clock: Clock) -> None:
    open_deal(store, "tiny", "small")
    clock.move_on(16)
    report = store.sweep(apply=True)
    assert [(a.deal_id, a.applied) for a in report.changes] == [("tiny", True)]
    lost = store.events("tiny")[-1]
    assert (lost.type, lost.actor, lost.source, lost.at) == (
        "deal_lost", SWEEP_ACTOR, "automation:quiet_small", clock())
    deal = store.get("tiny")
    assert (deal.status.value, deal.lost_reason, deal.closed_at) == ("lost", "no_progression",
                                                                     clock())
    assert store.replay("tiny") == deal


def test_a_sweep_at_a_given_time_acts_as_of_that_time(store: Store) -> None:
    open_deal(store, "tiny", "small")
    assert not store.sweep(START + dt.timedelta(days=15)).changes
    assert store.sweep(START + dt.timedelta(days=16)).changes
    assert store.sweep(dt.date(2026, 3, 19)).changes  # a date: its midnight UTC
    assert store.sweep(dt.datetime(2026, 3, 19)).changes  # no zone: UTC


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments=st.lists(st.sampled_from(["large", "mid", "small", None]), max_size=5),
       days=st.lists(st.integers(0, 120), min_size=1, max_size=4), win=st.booleans())
def test_sweeping_again_changes_nothing(segments: list[str | None], days: list[int],
                                        win: bool) -> None:
    clock = Clock()
    playbook = Playbook.model_validate(yaml.safe_load(TIMED_PLAYBOOK.read_text("utf-8")))
    with Store("sqlite://", playbook=playbook, clock=clock) as store:
        for index, segment in enumerate(segments):
            open_deal(store, f"d{index}", segment)
        if win and segments:
            _win(store, "d0")
        for step in days:
            clock.move_on(step)
            store.sweep(apply=True)
            after_first = _dump(store)
            assert not store.sweep(apply=True).changes
            assert _dump(store) == after_first
        for index in range(len(segments)):
            assert store.replay(f"d{index}") == store.get(f"d{index}")


def test_a_follow_up_opens_once_after_a_win_and_is_done_like_any_item(
    store: Store, clock: Clock,
) -> None:
    open_deal(store, "won", "mid")
    _win(store, "won")
    clock.move_on(29)
    assert not store.sweep(apply=True).changes
    clock.move_on(1)
    report = store.sweep(apply=True)
    assert [(a.rule, a.action) for a in report.changes] == [("check_in_after_win",
                                                              "open_item")]
    opened = store.get("won").items_opened["check_in_after_win"]
    assert (opened.owner, opened.due, opened.rule) == (
        "success_manager", (clock() + dt.timedelta(days=7)).date(), "check_in_after_win")
    clock.move_on(10)
    assert not store.sweep(apply=True).changes
    done = store.apply("won", lambda engine, deal: engine.complete_item(
        deal, "check_in_after_win", actor="ben"))
    assert done.ok
    again = store.apply("won", lambda engine, deal: engine.complete_item(
        deal, "check_in_after_win", actor="ben"))
    assert not again.ok
    assert not store.sweep(apply=True).changes


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_a_follow_up_shows_in_every_checklist_format(store: Store, clock: Clock,
                                                     timed: Playbook, fmt: str) -> None:
    open_deal(store, "won", "mid")
    _win(store, "won")
    clock.move_on(40)
    store.sweep(apply=True)
    checklist = build_checklist(timed, store.get("won"), now=clock())
    item = next(i for i in checklist.items if i.id == "check_in_after_win")
    assert (item.state, item.owner) == ("open", "success_manager")
    text = render_checklist(checklist, fmt)
    assert "Call the customer about their first month" in text
    if fmt == "json":
        ids = [entry["id"] for entry in json.loads(text)["items"]]
        assert "check_in_after_win" in ids


def _with_rule(rule: dict[str, object]) -> Playbook:
    data = yaml.safe_load(TIMED_PLAYBOOK.read_text("utf-8"))
    data["facts"].append({"id": "score", "name": "Score", "type": "int"})
    data["automation"].insert(0, rule)
    return parse_playbook(yaml.safe_dump(data, allow_unicode=True), "scored.yaml")


def test_a_rule_that_fails_for_a_deal_is_reported_and_the_rest_still_swept(clock: Clock) -> None:
    playbook = _with_rule({"id": "low_score", "text": "Low score", "when": "facts.score < 3",
                           "remind": True})
    with Store("sqlite://", playbook=playbook, clock=clock) as store:
        open_deal(store, "scored", "small")
        store.apply("scored", lambda engine, deal: engine.set_fact(deal, "score", 1,
                                                                   actor="ana"))
        open_deal(store, "unscored", "small")
        clock.move_on(16)
        report = store.sweep(apply=True)
        assert [(f.deal_id, f.rule) for f in report.failures] == [("unscored", "low_score")]
        assert "score" in report.failures[0].error
        assert sorted((a.deal_id, a.rule) for a in report.actions) == [
            ("scored", "low_score"), ("scored", "quiet_small"), ("unscored", "quiet_small")]
        assert store.get("unscored").status.value == "lost"


def test_the_events_of_one_deal_are_written_together(clock: Clock) -> None:
    playbook = _with_rule({"id": "hand_over", "text": "Hand over before closing",
                           "when": "days_since_activity > 15",
                           "open_item": {"text": "Hand the account over", "owner": "rep"}})
    with Store("sqlite://", playbook=playbook, clock=clock) as store:
        open_deal(store, "tiny", "small")
        version = store.get("tiny").version
        clock.move_on(16)
        store.sweep(apply=True)
        written = store.events("tiny")[version:]
        assert [(e.type, e.source) for e in written] == [
            ("item_opened", "automation:hand_over"), ("deal_lost", "automation:quiet_small")]


def test_a_deal_written_meanwhile_is_reported_and_the_others_still_swept(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_deal(store, "a", "small")
    open_deal(store, "b", "small")
    clock.move_on(16)
    save = store.save

    def racing(outcome, *, expected_version):  # type: ignore[no-untyped-def]
        if outcome.deal.id == "a":
            raise ConflictError("a", expected_version, expected_version + 1)
        save(outcome, expected_version=expected_version)

    monkeypatch.setattr(store, "save", racing)
    report = store.sweep(apply=True)
    assert [f.deal_id for f in report.failures] == ["a"]
    assert [(a.deal_id, a.applied) for a in report.changes] == [("a", False), ("b", True)]
    assert store.get("a").status.value == "open"
    assert store.get("b").status.value == "lost"


def test_a_playbook_without_automation_is_swept_to_nothing(lab: Playbook, clock: Clock) -> None:
    with Store("sqlite://", playbook=lab, clock=clock) as store:
        store.create(deal_id="l1", title="T", account="A", owner="ana", actor="ana")
        clock.move_on(400)
        report = store.sweep(apply=True)
        assert (report.actions, report.failures) == ((), ())


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_timer_histories_replay_exactly_and_survive_the_store(data: st.DataObject) -> None:
    playbook = Playbook.model_validate(yaml.safe_load(TIMED_PLAYBOOK.read_text("utf-8")))
    events = data.draw(timer_histories(playbook))
    deal = replay(events, playbook)
    with Store("sqlite://", playbook=playbook) as store:
        store.save(Outcome(deal, tuple(events), GateReport("import", deal.id, deal.stage,
                                                           deal.stage)), expected_version=0)
        assert store.get(deal.id) == deal
        assert store.replay(deal.id) == deal
        assert store.events(deal.id) == events


def test_the_sweeps_events_survive_an_export_and_import(store: Store, clock: Clock,
                                                         tmp_path: Path) -> None:
    open_deal(store, "tiny", "small")
    open_deal(store, "won", "mid")
    _win(store, "won")
    store.apply("tiny", lambda engine, deal: log_activity(engine, deal, kind="call",
                                                          note="No answer", actor="ana"))
    clock.move_on(40)
    store.sweep(apply=True)
    backup = tmp_path / "backup.jsonl"
    with backup.open("w", encoding="utf-8") as out:
        export_jsonl(store, out)
    with Store(f"sqlite:///{tmp_path}/restored.db") as restored:
        import_jsonl(restored, backup)
        for deal_id in ("tiny", "won"):
            assert restored.get(deal_id) == store.get(deal_id)
            assert restored.events(deal_id) == store.events(deal_id)
        assert not restored.sweep(clock(), apply=True).changes


def test_a_deal_on_hold_is_left_alone_by_rules_over_open_deals(store: Store,
                                                                clock: Clock) -> None:
    open_deal(store, "held", "small")
    assert store.apply("held", lambda engine, deal: engine.hold(
        deal, reason="Budget freeze", resume_on=dt.date(2026, 9, 1), actor="ana")).ok
    clock.move_on(60)
    assert store.sweep(apply=True).actions == ()
    assert store.get("held").status.value == "on_hold"
