"""The decision chain through the engine: organisations, lines between people, owners,
depth and wins; the rule helpers that read them; competitors, the winner of a lost deal and
scores. Every operation is one event, and the deal replays exactly, on any playbook."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealflow import Engine, Influence, Playbook, Stakeholder, Stance
from dealflow.deal import Competitor, Deal, Link, Organisation, Win
from dealflow.engine import event_adapter, replay
from tests.conftest import FIXED, DealLog


@pytest.fixture
def chain(any_playbook: Playbook) -> DealLog:
    """A deal of `any_playbook` with two organisations and three people, one line each way."""
    engine = Engine(any_playbook, clock=lambda: FIXED)
    created = engine.create(deal_id="D-9", title="Upgrade", account="Owner Co", owner="li",
                            actor="test")
    log = DealLog(engine, created.deal, list(created.events))
    role = any_playbook.roles[0].id
    log.record(engine.set_organisation(log.deal, Organisation(id="owner", name="Owner Co"),
                                       actor="test"))
    log.record(engine.set_organisation(
        log.deal, Organisation(id="epc", name="EPC Co", kind="contractor"), actor="test"))
    people = (
        Stakeholder(id="boss", name="Boss", roles=(role,), influence=Influence.high,
                    stance=Stance.supporter, org="owner", owner="li", depth="trusted",
                    org_wins=(Win(text="lower cost", addressed=True),),
                    personal_wins=(Win(text="a visible success"),)),
        Stakeholder(id="pm", name="Project manager", org="epc", stance=Stance.champion,
                    influence=Influence.low),
        Stakeholder(id="critic", name="Critic", org="epc", stance=Stance.opponent),
    )
    for person in people:
        log.record(engine.add_stakeholder(log.deal, person, actor="test"))
    log.record(engine.link(log.deal, Link(kind="reports_to", source="pm", target="boss"),
                           actor="test"))
    log.record(engine.link(log.deal, Link(kind="influences", source="critic", target="boss",
                                          strength=Influence.high), actor="test"))
    return log


def test_every_change_of_the_chain_is_an_event_and_the_deal_replays_exactly(
        chain: DealLog) -> None:
    stored = [event_adapter.validate_json(event_adapter.dump_json(e)) for e in chain.events]

    assert replay(stored, chain.engine.playbook) == chain.deal
    assert [org.id for org in chain.deal.organisations] == ["owner", "epc"]
    assert {(link.kind, link.source, link.target) for link in chain.deal.links} == {
        ("reports_to", "pm", "boss"), ("influences", "critic", "boss")}


def test_a_new_reporting_line_replaces_the_old_one(chain: DealLog) -> None:
    deal = chain.record(chain.engine.link(
        chain.deal, Link(kind="reports_to", source="pm", target="critic"), actor="test"))

    assert [(link.source, link.target) for link in deal.links
            if link.kind == "reports_to"] == [("pm", "critic")]


@pytest.mark.parametrize(("link", "missing"), [
    pytest.param(Link(kind="reports_to", source="boss", target="pm"), "pm already reports to boss",
                 id="a-circle"),
    pytest.param(Link(kind="influences", source="pm", target="pm"), "cannot be linked",
                 id="oneself"),
    pytest.param(Link(kind="influences", source="pm", target="nobody"), "no stakeholder",
                 id="unknown-person"),
])
def test_a_line_that_cannot_be_is_refused_and_changes_nothing(
        chain: DealLog, link: Link, missing: str) -> None:
    outcome = chain.engine.link(chain.deal, link, actor="test")

    assert not outcome.ok
    assert outcome.deal == chain.deal
    assert outcome.events == ()
    assert missing in str(outcome.report)


@pytest.mark.parametrize(("changes", "missing"), [
    pytest.param({"org": "epcc"}, "did you mean 'epc'", id="unknown-org"),
    pytest.param({"depth": "bestie"}, "unknown relationship depth", id="unknown-depth"),
])
def test_a_person_sits_in_a_known_organisation_at_a_known_depth(
        chain: DealLog, changes: dict[str, str], missing: str) -> None:
    outcome = chain.engine.update_stakeholder(chain.deal, "pm", actor="test", **changes)

    assert not outcome.ok
    assert missing in str(outcome.report)


def test_an_organisation_of_an_unknown_kind_is_refused_with_the_kinds(chain: DealLog) -> None:
    outcome = chain.engine.set_organisation(
        chain.deal, Organisation(id="inst", name="Institute", kind="design_insitute"),
        actor="test")

    assert not outcome.ok
    assert "did you mean 'design_institute'" in str(outcome.report)


def test_an_organisation_with_people_in_it_is_not_removed(chain: DealLog) -> None:
    outcome = chain.engine.remove_organisation(chain.deal, "epc", actor="test")

    assert not outcome.ok
    assert "pm, critic still sit in it" in str(outcome.report)


# -- the rule helpers ----------------------------------------------------------------------
def test_champion_asks_for_influence_and_champions_keeps_its_old_meaning(chain: DealLog) -> None:
    ctx = chain.engine.context(chain.deal)

    assert [p.id for p in ctx.champions()] == ["pm"]
    assert ctx.champion() is None
    assert ctx.champion(min_influence="low") is not None
    assert ctx.champions(min_influence="medium") == []


def test_coverage_by_org_counts_people_for_and_against_and_owned(chain: DealLog) -> None:
    coverage = chain.engine.context(chain.deal).coverage_by_org()

    assert (coverage["owner"].people, coverage["owner"].supporters,
            coverage["owner"].owned) == (1, 1, 1)
    assert (coverage["epc"].kind, coverage["epc"].people, coverage["epc"].supporters,
            coverage["epc"].opponents, coverage["epc"].owned) == ("contractor", 2, 1, 1, 0)


def test_unaddressed_wins_and_owner_of(chain: DealLog) -> None:
    ctx = chain.engine.context(chain.deal)
    role = chain.engine.playbook.roles[0].id

    assert [(w.stakeholder, w.kind, w.text) for w in ctx.unaddressed_wins()] == [
        ("boss", "personal", "a visible success")]
    assert ctx.owner_of(role) == "li"
    assert ctx.owner_of(chain.engine.playbook.roles[-1].id) == ""
    assert [p.id for p in ctx.influencers_of("boss")] == ["critic"]


@pytest.mark.parametrize(("rule", "expected"), [
    pytest.param("champion() is none", True, id="champion"),
    pytest.param("coverage_by_org()['epc'].opponents == 1", True, id="coverage_by_org"),
    pytest.param("unaddressed_wins() | length == 1", True, id="unaddressed_wins"),
    pytest.param("influencers_of('boss') | length == 1", True, id="influencers_of"),
])
def test_rules_read_the_chain(chain: DealLog, rule: str, expected: bool) -> None:
    from dealflow.rules import compile_rule

    assert bool(compile_rule(rule).evaluate(chain.engine.context(chain.deal))) is expected


# -- competitors, the winner and scores ------------------------------------------------------
def test_a_lost_deal_names_the_competitor_that_won_and_replays(chain: DealLog) -> None:
    engine = chain.engine
    chain.record(engine.set_competitor(chain.deal, Competitor(
        id="acme", name="Acme", incumbent=True, preferred_by=("critic",)), actor="test"))
    reason = engine.playbook.lost_reasons[0].id

    deal = chain.record(engine.lose(chain.deal, winner="acme", reason=reason, actor="test"))

    assert deal.lost_to == "acme"
    assert chain.events[-1].model_dump()["winner"] == "acme"
    assert replay(chain.events, engine.playbook) == deal
    assert engine.context(deal).incumbent() is not None


def test_a_winner_that_is_not_a_competitor_of_the_deal_is_refused(chain: DealLog) -> None:
    reason = chain.engine.playbook.lost_reasons[0].id

    outcome = chain.engine.lose(chain.deal, winner="ghost", reason=reason, actor="test")

    assert not outcome.ok
    assert outcome.deal == chain.deal


def test_a_loss_without_a_winner_is_stored_as_before(chain: DealLog) -> None:
    reason = chain.engine.playbook.lost_reasons[0].id

    outcome = chain.engine.lose(chain.deal, winner=None, reason=reason, actor="test")

    assert "winner" not in outcome.events[0].model_dump(mode="json")
    assert outcome.deal.lost_to is None


def test_a_playbook_without_a_scorecard_refuses_a_score(chain: DealLog) -> None:
    if chain.engine.playbook.scorecard is not None:
        pytest.skip("this playbook has a scorecard")
    outcome = chain.engine.score(chain.deal, "champion", 2, actor="test")

    assert not outcome.ok
    assert "has no scorecard" in str(outcome.report)


_PEOPLE = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=2, max_size=2, unique=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["reports_to", "influences"]), _PEOPLE), max_size=12))
def test_reporting_lines_never_form_a_circle(lines: list[tuple[str, list[str]]]) -> None:
    from dealflow import load_playbook

    engine = Engine(load_playbook(), clock=lambda: FIXED)
    deal: Deal = engine.create(deal_id="D", title="t", account="a", owner="o",
                               actor="t").deal
    for pid in "abcd":
        deal = engine.add_stakeholder(deal, Stakeholder(id=pid, name=pid), actor="t").deal
    for kind, (source, target) in lines:
        outcome = engine.link(deal, Link(kind=kind, source=source, target=target),  # type: ignore[arg-type]
                              actor="t")
        deal = outcome.deal
    up = {link.source: link.target for link in deal.links if link.kind == "reports_to"}
    for start in up:
        seen, current = set(), start
        while current in up:
            assert current not in seen
            seen.add(current)
            current = up[current]
    assert sum(1 for link in deal.links if link.kind == "reports_to") == len(up)
