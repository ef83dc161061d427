"""The funnel grouped by buyer phase, and the pipeline report in Chinese (issue 21): on
simulated histories of the bundled playbook and of the lab playbook."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest

from dealflow import Playbook, load_playbook
from dealflow.analytics import funnel, funnel_by_phase, render_report, simulate
from dealflow.stakeholders import analyse_stakeholders
from dealflow.store import Store, import_events
from tests._zh_words import english_words, user_words
from tests.conftest import LAB_PLAYBOOK

END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
PLAYBOOKS = {"complex-b2b": load_playbook(), "lab-subscriptions": load_playbook(LAB_PLAYBOOK)}


@pytest.fixture(scope="module", params=sorted(PLAYBOOKS))
def stored(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store holding 150 simulated deals of one playbook."""
    playbook = PLAYBOOKS[request.param]
    with Store("sqlite://", playbook=playbook) as store:
        import_events(store, simulate(playbook, deals=150, seed=11, end=END))
        yield store


def test_the_phases_hold_every_stage_once_in_the_playbooks_order(stored: Store) -> None:
    grouped = funnel_by_phase(stored)
    playbook = stored.playbook
    assert [p.phase for p in grouped.phases] == [phase.id for phase in playbook.buyer_phases]
    in_phases = [layer.stage for p in grouped.phases for layer in p.stages]
    assert sorted(in_phases, key=playbook.stage_index) == [s.id for s in playbook.stages]
    for phase in grouped.phases:
        assert all(playbook.stage(layer.stage).buyer_phase == phase.phase
                   for layer in phase.stages)


def test_grouping_by_phase_sums_to_the_stage_figures(stored: Store) -> None:
    layers = {layer.stage: layer for layer in funnel(stored).stages}
    grouped = funnel_by_phase(stored)
    assert sum(p.lost_total for p in grouped.phases) == sum(x.lost_total for x in layers.values())
    assert sum(p.open for p in grouped.phases) == sum(x.open for x in layers.values())
    for phase in grouped.phases:
        stages = [layers[layer.stage] for layer in phase.stages]
        if not stages:  # a phase no stage serves (the bundled playbook's implementing)
            assert (phase.entered, phase.moved_on, phase.won, phase.open) == (0, 0, 0, 0)
            continue
        lost: Counter[str] = Counter()
        for layer in stages:
            lost.update(layer.lost)
        assert phase.lost == dict(lost)
        assert phase.open == sum(layer.open for layer in stages)
        # a deal that entered two stages of the phase counts once
        assert max(layer.entered for layer in stages) <= phase.entered
        assert phase.entered <= sum(layer.entered for layer in stages)
        assert phase.won <= phase.entered
        assert phase.moved_on <= phase.entered
        if len(stages) == 1:  # one stage: the phase is that stage
            only = stages[0]
            assert (phase.entered, phase.moved_on, phase.won) == (
                only.entered, only.moved_on, only.won)
    # every deal entered the first phase (all deals start in its first stage)
    assert grouped.phases[0].entered == layers[stored.playbook.stages[0].id].entered


def test_the_phase_figures_are_those_of_the_deals_counted_one_by_one(stored: Store) -> None:
    playbook = stored.playbook
    grouped = {p.phase: p for p in funnel_by_phase(stored).phases}
    for phase_id, phase in grouped.items():
        stages = {layer.stage for layer in phase.stages}
        entered = won = 0
        for deal in stored.list_deals():
            visited = _visited(stored, deal.id, playbook)
            if visited & stages:
                entered += 1
                won += deal.status.value == "won"
        assert (phase.entered, phase.won) == (entered, won), phase_id


def _visited(store: Store, deal_id: str, playbook: Playbook) -> set[str]:
    """The stages a deal was ever in, read from its events."""
    stages = {playbook.stages[0].id}
    for event in store.events(deal_id):
        data = event.model_dump()
        for key in ("to_stage", "stage"):
            value = data.get(key)
            if isinstance(value, str) and value in {s.id for s in playbook.stages}:
                stages.add(value)
    return stages


def test_stages_without_a_phase_make_one_last_group_named_in_the_locale(stored: Store) -> None:
    playbook = stored.playbook
    loose = playbook.stages[-1].id
    stages = tuple(s.model_copy(update={"buyer_phase": None}) if s.id == loose else s
                   for s in playbook.stages)
    changed = playbook.model_copy(update={"stages": stages})
    grouped = funnel_by_phase(stored, playbook=changed, locale="zh")
    last = grouped.phases[-1]
    assert (last.phase, last.name) == (None, "未指定客户决策阶段")
    assert [layer.stage for layer in last.stages] == [loose]
    assert funnel_by_phase(stored, playbook=changed, locale="en").phases[-1].name == "no phase"
    assert grouped.to_dict()["phases"][-1]["phase"] is None


def test_the_report_in_chinese_shows_no_english_word_but_what_the_user_typed(
        stored: Store) -> None:
    page = render_report(stored, now=END, locale="zh")
    deals = stored.list_deals()
    # a red flag's code (`not_contacted`) is an id dealflow documents, like a lint code
    codes = {flag.code for deal in deals for flag in analyse_stakeholders(
        stored.playbook, deal, now=END).red_flags}
    allowed = user_words(stored.playbook, *deals) | {"UTC"} | {
        word for code in codes for word in code.split("_")}
    assert english_words(page, allowed) == []
    assert "商机管道报告" in page


def test_the_report_has_the_funnel_by_phase_unless_asked_not_to(stored: Store) -> None:
    page = render_report(stored, now=END, locale="en", with_compliance=False,
                         with_health=False)
    assert '<table id="funnel-by-phase">' in page
    assert "Funnel by buyer phase" in page
    for phase in stored.playbook.buyer_phases:
        assert f'<tr data-phase="{phase.id}">' in page
    assert '<table id="funnel-by-phase">' not in render_report(
        stored, now=END, with_compliance=False, with_health=False, by_phase=False)


def test_a_playbook_without_buyer_phases_has_no_phase_section_by_default(stored: Store) -> None:
    bare = stored.playbook.model_copy(update={
        "buyer_phases": (), "stages": tuple(s.model_copy(update={"buyer_phase": None})
                                            for s in stored.playbook.stages)})
    page = render_report(stored, now=END, playbook=bare, with_compliance=False,
                         with_health=False)
    assert "funnel-by-phase" not in page
    forced = render_report(stored, now=END, playbook=bare, with_compliance=False,
                           with_health=False, by_phase=True)
    assert '<tr data-phase="">' in forced
