"""Long exports: one row per stage change (Salesforce OpportunityHistory, HubSpot's
property history), a deal's rows in the order they happened, other deals' rows between.

A deal's first row opens it in the row's stage (the first playbook stage when that row
already closes it). Each later row moves it: to a later stage (`stage_advanced`, also
over several stages), to an earlier one (`stage_moved_back`), to won or lost; a row in
the stage the deal is in changes nothing but the fields it changes (`deal_edited`). A
row that repeats the last one (same stage, same time) is a no-op.

What rejects a deal (its first problem is reported; later rows of it are only read for
their own cells): a cell that cannot be read (date, amount, unmapped stage under
`unmapped_stage: error`), a time before the deal's previous row (unless `repair: true`,
which moves it up to that time), and a row in another stage after the deal was won or
lost. A row without a deal id is left out, with a problem.
"""

from __future__ import annotations

import datetime as dt

from dealflow.crm._columns import SKIP, Cells, Layout
from dealflow.crm._findings import Findings, Rejected
from dealflow.crm._history import Fields, Maker, Track
from dealflow.crm._mapping import CLOSED, LOST, OPEN
from dealflow.engine import Event

__all__ = ["LongRows"]

TIME = ("columns", "time")
STAGE = ("columns", "stage")


def _read(row: Cells) -> tuple[dt.datetime | None, str | None, Fields]:
    at = row.time(TIME)
    if at is None and not row.raw(TIME).strip():
        row.note(TIME, "no date: every row of a long export needs the time of its change")
    target = row.target()
    fields = Fields(title=row.text("title"), account=row.text("account"),
                    amount=row.amount(), owner=row.text("owner"))
    return at, target, fields


class LongRows:
    """Converts the rows of a long export one by one, keeping a `Track` per deal."""

    def __init__(self, layout: Layout, findings: Findings) -> None:
        self.layout = layout
        self.findings = findings
        self.maker = Maker(layout)
        self.tracks: dict[str, Track | None] = {}  # None: the deal is rejected

    def __call__(self, number: int, cells: list[str]) -> list[Event]:
        """The events row `number` adds (none for a problem, a duplicate or a skip)."""
        row = Cells(self.layout, number, cells)
        deal_id = row.deal_id()
        at, target, fields = _read(row)
        if deal_id is None or (deal_id in self.tracks and self.tracks[deal_id] is None):
            self.findings.report(row.problems)
            return []
        if row.problems or at is None or target is None:
            return self._reject(deal_id, row)
        if target == SKIP:
            self.findings.skipped_rows += 1
            return []
        track = self.tracks.get(deal_id)
        try:
            if track is None:
                return self._first(deal_id, number, at, target, fields, row)
            return self._next(track, number, at, target, fields, row)
        except Rejected as exc:
            row.problems.append(exc.problem)
            return self._reject(deal_id, row)

    def _reject(self, deal_id: str, row: Cells) -> list[Event]:
        self.tracks[deal_id] = None
        self.findings.reject(deal_id, row.problems)
        return []

    def _first(self, deal_id: str, number: int, at: dt.datetime, target: str, fields: Fields,
               row: Cells) -> list[Event]:
        track = Track(deal_id)
        stage = self.layout.first_stage if target in CLOSED else target
        reason = self._reason(target, row)
        events: list[Event] = [self.maker.create(track, number, at, stage, fields)]
        if target in CLOSED:
            events.append(self.maker.close(track, number, at, target, reason))
        track.target = target
        self.tracks[deal_id] = track
        return events

    def _next(self, track: Track, number: int, at: dt.datetime, target: str, fields: Fields,
              row: Cells) -> list[Event]:
        at = self._in_order(track, number, at, row)
        if track.status != OPEN and target != track.status:
            raise Rejected(row.layout.problem(number, STAGE, (
                f"the stage {row.raw(STAGE).strip()!r} comes after the deal was "
                f"{track.status} (row {track.row}); a closed deal takes no further stage")))
        repeated = target == track.target and at == track.at
        reason = self._reason(target, row) if track.status == OPEN else ("", "")
        events: list[Event] = []
        edited = self.maker.edit(track, number, at, fields)
        if edited is not None:
            events.append(edited)
        elif repeated:
            self.findings.duplicate_rows += 1
        if track.status == OPEN and target in CLOSED:
            events.append(self.maker.close(track, number, at, target, reason))
        elif track.status == OPEN and target != track.stage:
            events.append(self.maker.move(track, number, at, target))
        track.target = target
        return events

    def _in_order(self, track: Track, number: int, at: dt.datetime, row: Cells) -> dt.datetime:
        if at >= track.at:
            return at
        show = self.layout.show
        message = (f"the date goes backwards: {show(at)} is before {show(track.at)} on row "
                   f"{track.row} of the same deal")
        if not self.layout.mapping.repair:
            raise Rejected(row.layout.problem(number, TIME, message + " (repair: true moves "
                                              "it up to that date)"))
        self.findings.repair(row.layout.problem(number, TIME, message + "; repaired: moved "
                                                "up to the date of that row"))
        return track.at

    def _reason(self, target: str, row: Cells) -> tuple[str, str]:
        if target != LOST:
            return "", ""
        try:
            return self.layout.lost_reason(row.raw(("columns", "lost_reason")))
        except ValueError as exc:
            raise Rejected(row.layout.problem(row.number, ("columns", "lost_reason"),
                                              str(exc))) from None
