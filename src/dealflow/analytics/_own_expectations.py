"""Stalled deals measured against each deal's own expectation (issue 18).

When a playbook's stage expectations depend on the deal (`expected_days` as a table or
cases) or its `activity` section restarts the timer, `stalled` asks each open deal for
its own limit and counts the days from its last activity (`dealflow.engine.last_activity`)
instead of from its stage entry; otherwise the figure is the plain query of `_timing`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from dealflow._days import elapsed_days
from dealflow.analytics._query import Filters, on_deals
from dealflow.engine import RuleContext, expected_days, last_activity
from dealflow.playbook import Expectation, Playbook
from dealflow.store import DEALS, Store

__all__ = ["depends_on_the_deal", "stalled_by_own_expectation"]


def depends_on_the_deal(playbook: Playbook) -> bool:
    """Whether a deal's stalled limit or age needs the deal itself."""
    return playbook.activity is not None or any(
        isinstance(stage.expected_days, Expectation) for stage in playbook.stages)


def stalled_by_own_expectation(store: Store, playbook: Playbook, filters: Filters | None,
                               moment: dt.datetime) -> list[tuple[Any, ...]]:
    """(id, title, owner, stage, days, limit) of each open deal selected by `filters`
    whose days since its last activity exceed its own expectation, by stage and id."""
    query = (select(DEALS.c.id).where(DEALS.c.status == "open").where(on_deals(filters))
             .order_by(DEALS.c.stage, DEALS.c.id))
    with store.database.connect() as conn:
        ids = [str(deal_id) for deal_id in conn.execute(query).scalars()]
    found = []
    for deal_id in ids:
        deal = store.get(deal_id)
        if (deal.playbook_id, deal.playbook_version) != (playbook.id, playbook.version):
            continue
        limit = expected_days(RuleContext(playbook, deal, moment))
        days = elapsed_days(last_activity(playbook, deal), moment)
        if limit is not None and days > limit:
            found.append((deal.id, deal.title, deal.owner, deal.stage, days, float(limit)))
    return found
