"""Event histories written step by step, on any playbook: the stages are the playbook's own.

`History(playbook, "d1", at=T0).advance(hours=36).win(hours=12).events` is a deal created
at T0 in the first stage, moved on 36 hours later, won 12 hours after that. The events are
the record as the store keeps it, so they go in with `import_events`, gates aside.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dealflow.engine import (
    DealCreated,
    DealLost,
    DealReopened,
    DealWon,
    Event,
    StageAdvanced,
    StageMovedBack,
)
from dealflow.playbook import Playbook


class History:
    """One deal's stage changes, each some hours after the one before."""

    def __init__(self, playbook: Playbook, deal_id: str, *, at: dt.datetime,
                 amount: Decimal | int = 1000, currency: str = "CNY",
                 owner: str = "ann") -> None:
        self.stages = [stage.id for stage in playbook.stages]
        self.position = 0
        self.at = at
        self.events: list[Event] = [DealCreated(
            deal_id=deal_id, seq=1, at=at, actor=owner, title=f"Deal {deal_id}",
            account="Acme", amount=Decimal(amount), currency=currency, owner=owner,
            playbook_id=playbook.id, playbook_version=playbook.version,
            stage=self.stages[0])]

    @property
    def stage(self) -> str:
        return self.stages[self.position]

    def _base(self, hours: float) -> dict[str, object]:
        self.at += dt.timedelta(hours=hours)
        first = self.events[0]
        return {"deal_id": first.deal_id, "seq": len(self.events) + 1, "at": self.at,
                "actor": first.actor}

    def advance(self, *, hours: float) -> History:
        base = self._base(hours)
        self.position += 1
        self.events.append(StageAdvanced(**base, from_stage=self.stages[self.position - 1],
                                         to_stage=self.stage))
        return self

    def back(self, *, hours: float) -> History:
        base = self._base(hours)
        self.position -= 1
        self.events.append(StageMovedBack(**base, from_stage=self.stages[self.position + 1],
                                          to_stage=self.stage, reason="re-scoped"))
        return self

    def to_last_stage(self, *, hours: float) -> History:
        """Advance stage by stage to the last stage, `hours` in each."""
        while self.position < len(self.stages) - 1:
            self.advance(hours=hours)
        return self

    def win(self, *, hours: float) -> History:
        self.events.append(DealWon(**self._base(hours), stage=self.stage))
        return self

    def lose(self, reason: str, *, hours: float) -> History:
        self.events.append(DealLost(**self._base(hours), stage=self.stage, reason=reason))
        return self

    def reopen(self, *, hours: float) -> History:
        self.events.append(DealReopened(**self._base(hours), stage=self.stage))
        return self
