"""Making one deal's events from what the rows say, numbered 1, 2, 3, ...

Every event carries `source="FILE:ROW"` (the file's name and the row it comes from) and
the row's time, and nothing that depends on when or where the import runs, so the same
file always gives the same events. Imported history bypasses the playbook's gates (it is
what happened), but every event is one the engine knows: `deal_created`,
`stage_advanced` (also over several stages at once), `stage_moved_back`, `deal_won`,
`deal_lost` and, when a later row changes them, `deal_edited` for the title, account,
amount or owner.

A `Track` is all a deal's next events need: a few numbers and the current stage, so
memory grows with the number of deals, never with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dealflow.crm._columns import Layout
from dealflow.crm._mapping import LOST, OPEN, WON
from dealflow.engine import (
    DealCreated,
    DealEdited,
    DealLost,
    DealWon,
    Event,
    StageAdvanced,
    StageMovedBack,
)

__all__ = ["Fields", "Maker", "Track"]

MOVED_BACK = "moved back in the CRM"
"""The reason recorded on a `stage_moved_back` that comes from an import."""

NO_OWNER, NO_ACCOUNT = "unassigned", "unknown"
"""What a deal's owner and account are when the export does not say."""

_ACTOR_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Fields:
    """The deal fields one row gives; empty (or None) where its cell is blank."""

    title: str = ""
    account: str = ""
    amount: Decimal | None = None
    owner: str = ""

    def hashes(self) -> tuple[int | None, int | None, int | None]:
        """Fingerprints of title, account and amount (None where not given)."""
        return (hash(self.title) if self.title else None,
                hash(self.account) if self.account else None,
                hash(self.amount) if self.amount is not None else None)


class Track:
    """A deal's state between rows: its last event, stage and status, and fingerprints
    of its fields (to see when a later row changes one)."""

    __slots__ = ("account", "amount", "at", "deal_id", "owner", "row", "seq", "stage",
                 "status", "target", "title")

    def __init__(self, deal_id: str) -> None:
        self.deal_id = deal_id
        self.seq = 0
        self.stage = ""
        self.status = OPEN
        self.target = ""
        self.at = dt.datetime.min.replace(tzinfo=dt.UTC)
        self.row = 0
        self.owner = NO_OWNER
        self.title: int | None = None
        self.account: int | None = None
        self.amount: int | None = None


class Maker:
    """Makes the events of deals read under `layout`, advancing their tracks."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.playbook = layout.playbook
        self.currency = layout.mapping.currency

    def _base(self, track: Track, number: int, at: dt.datetime) -> dict[str, Any]:
        track.seq += 1
        track.at, track.row = at, number
        return {"deal_id": track.deal_id, "seq": track.seq, "at": at,
                "actor": track.owner[:_ACTOR_LIMIT], "source": f"{self.layout.source}:{number}"}

    def create(self, track: Track, number: int, at: dt.datetime, stage: str, fields: Fields,
               *, undated: bool = False) -> DealCreated:
        """The deal's first event: opened in `stage` at `at`."""
        track.owner = sys.intern(fields.owner or NO_OWNER)
        track.title, track.account, track.amount = fields.hashes()
        track.stage = track.target = stage
        return DealCreated(**self._base(track, number, at), title=fields.title or track.deal_id,
                           account=fields.account or NO_ACCOUNT,
                           amount=fields.amount if fields.amount is not None else Decimal(0),
                           currency=self.currency, owner=track.owner,
                           playbook_id=self.playbook.id,
                           playbook_version=self.playbook.version, stage=stage,
                           undated=undated)

    def move(self, track: Track, number: int, at: dt.datetime, stage: str) -> Event:
        """Advanced (over any number of stages) or moved back to `stage`."""
        before = track.stage
        track.stage = stage
        if self.layout.order[stage] > self.layout.order[before]:
            return StageAdvanced(**self._base(track, number, at), from_stage=before,
                                 to_stage=stage)
        return StageMovedBack(**self._base(track, number, at), from_stage=before,
                              to_stage=stage, reason=MOVED_BACK)

    def close(self, track: Track, number: int, at: dt.datetime, outcome: str,
              reason: tuple[str, str] = ("", "")) -> Event:
        """Won, or lost for `reason` (the playbook's lost reason and the CRM's words)."""
        track.status = outcome
        if outcome == WON:
            return DealWon(**self._base(track, number, at), stage=track.stage)
        assert outcome == LOST
        return DealLost(**self._base(track, number, at), stage=track.stage, reason=reason[0],
                        note=reason[1])

    def edit(self, track: Track, number: int, at: dt.datetime,
             fields: Fields) -> DealEdited | None:
        """`deal_edited` with the fields this row changes; None when it changes none."""
        changes: dict[Any, Any] = {}
        title, account, amount = fields.hashes()
        if title is not None and title != track.title:
            changes["title"], track.title = fields.title, title
        if account is not None and account != track.account:
            changes["account"], track.account = fields.account, account
        if amount is not None and amount != track.amount:
            changes["amount"], track.amount = fields.amount, amount
        if fields.owner and fields.owner != track.owner:
            changes["owner"] = track.owner = sys.intern(fields.owner)
        if not changes:
            return None
        return DealEdited(**self._base(track, number, at), changes=changes)
