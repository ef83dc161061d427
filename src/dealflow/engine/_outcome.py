"""What an operation of the engine returns, and the checks it fails with.

An `Outcome` holds the deal after the operation, the events that record it and the
`GateReport` behind it; a refused operation keeps the deal as it was and has no events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.deal import Deal
from dealflow.engine._events import Event
from dealflow.engine._gates import Check, GateReport
from dealflow.errors import MoveRefused
from dealflow.playbook import Playbook

__all__ = ["Outcome", "fails", "placeholder_deal", "shown", "unknown_person"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an operation: the deal after it, its events, and the report."""

    deal: Deal
    events: tuple[Event, ...]
    report: GateReport

    @property
    def ok(self) -> bool:
        """True when the operation was carried out."""
        return self.report.allowed

    def raise_for_refusal(self) -> Outcome:
        """Return self, or raise `MoveRefused` when the operation was refused."""
        if not self.ok:
            raise MoveRefused(self.deal, self.report)
        return self


def fails(check_id: str, text: str, *missing: str) -> Check:
    """A check `check_id` that did not pass, saying what is missing."""
    return Check(id=check_id, text=text, passed=False, missing=tuple(missing))


def unknown_person(deal: Deal, stakeholder_id: str) -> Check:
    """The check a deal fails when it has no stakeholder `stakeholder_id`."""
    known = [person.id for person in deal.stakeholders]
    closest = did_you_mean(stakeholder_id, known) if known else _("; the map is empty")
    return fails("stakeholder", _("the stakeholder is on the map"),
                 _("no stakeholder {id!r}", id=stakeholder_id) + closest)


def shown(value: Any) -> str:
    """A value for a message: its repr, shortened when long."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def placeholder_deal(deal_id: str, playbook: Playbook, stage: str, now: dt.datetime) -> Deal:
    """A stand-in for a deal that could not be created, for the refusal to carry."""
    return Deal.model_construct(id=deal_id, title="", account="", owner="",
                                playbook_id=playbook.id, playbook_version=playbook.version,
                                stage=stage, created_at=now, stage_entered_at=now)
