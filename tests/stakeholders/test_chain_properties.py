"""Any generated deal with a decision chain, on either playbook: every rule helper of the
chain answers, the map draws, the checklist renders and the health lists its factors."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealflow import Deal, load_playbook
from dealflow.analytics import deal_health
from dealflow.engine import RuleContext
from dealflow.sop import build_checklist, render_checklist
from dealflow.stakeholders import analyse_stakeholders, chain_graph, chain_mermaid, chain_svg
from dealflow.testing import deals
from tests.conftest import LAB_PLAYBOOK

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
PLAYBOOKS = {"complex-b2b": load_playbook(), "lab-subscriptions": load_playbook(LAB_PLAYBOOK)}


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_any_deal_with_a_chain_is_read_drawn_rendered_and_scored(name: str) -> None:
    playbook = PLAYBOOKS[name]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(deal=deals(playbook, now=NOW, chain=True))
    def check(deal: Deal) -> None:
        ctx = RuleContext(playbook, deal, NOW)
        coverage = ctx.coverage_by_org()
        assert sum(entry.people for entry in coverage.values()) == len(deal.stakeholders)
        assert len(ctx.unaddressed_wins()) <= sum(
            len(p.wins("org")) + len(p.wins("personal")) for p in deal.stakeholders)
        analyse_stakeholders(playbook, deal, now=NOW)
        graph = chain_graph(playbook, deal)
        assert len(chain_mermaid(graph).splitlines()) >= 1 + len(deal.stakeholders)
        ET.fromstring(chain_svg(graph))
        render_checklist(build_checklist(playbook, deal, now=NOW), "html")
        health = deal_health(playbook, deal, now=NOW)
        assert health.factors
        assert health.score is None or 0 <= health.score <= 100

    check()


@given(st.data())
@settings(max_examples=10, deadline=None)
def test_the_default_deals_strategy_draws_no_chain(data: st.DataObject) -> None:
    deal = data.draw(deals(PLAYBOOKS["complex-b2b"], now=NOW))

    assert (deal.organisations, deal.links, deal.competitors, deal.scores) == ((), (), (), {})
