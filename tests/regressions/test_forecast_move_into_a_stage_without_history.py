"""Regression: a move into a stage that no deal has left yet counted as a certain loss.

The chain only solved for stages with observed departures, so every move into a stage
without history was worth 0: in a young pipeline where no deal had yet left the last
stage, every stage's probability from history was 0. Such a move is now worth the
playbook's probability of the stage it enters, the same fallback the stage's own open
deals get.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dealflow import Engine, parse_playbook
from dealflow.analytics import absorption, forecast, transition_chain
from dealflow.store import Store
from tests.analytics.test_hand_counted import DAY0, PLAYBOOK_TEXT
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture


def test_a_move_into_a_stage_without_history_is_worth_its_playbook_probability(
    store_url: str,  # noqa: F811
) -> None:
    playbook = parse_playbook(PLAYBOOK_TEXT, "three-stage.yaml")
    engine = Engine(playbook, clock=lambda: DAY0)
    later = Engine(playbook, clock=lambda: DAY0 + dt.timedelta(days=3))
    with Store(store_url, playbook=playbook) as store:
        x = engine.create(deal_id="X", title="X", account="Acme", owner="ann", actor="ann",
                          amount=100_000)
        store.save(x, expected_version=0)
        store.save(later.advance(x.deal, actor="ann", raise_on_refusal=True),
                   expected_version=1)
        y = engine.create(deal_id="Y", title="Y", account="Acme", owner="ann", actor="ann",
                          amount=40_000)
        store.save(y, expected_version=0)

        # One departure from s1, into s2, which nobody has left: s1 is worth s2's 50%.
        chain = transition_chain(store)
        assert chain.counts == {"s1": {"s2": 1}}
        assert absorption(chain) == {"s1": 0.0}  # without a fallback: as lost
        result = forecast(store)
        s1, s2, _ = result.stages
        assert (s1.history_probability, s1.from_history) == (0.5, True)
        assert (s2.history_probability, s2.from_history) == (0.5, False)
        # Y 40,000 x 50% + X 100,000 x 50%.
        assert result.history_total == Decimal("70000.00")
