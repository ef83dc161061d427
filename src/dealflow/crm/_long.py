"""Long exports: one row per stage change (Salesforce OpportunityHistory, HubSpot's
property history), a deal's rows in the order they happened, other deals' rows between.

A deal's first row opens it in the row's stage (the first playbook stage when that row
already closes it). Each later row moves it: to a later stage (`stage_advanced`, also
over several stages), to an earlier one (`stage_moved_back`), to won or lost; a row in
the stage the deal is in changes nothing but the fields it changes (`deal_edited`). A
row that repeats the last one (same stage, same time) is a no-op.

A deal's first row may have no time: the row is held until the deal's next row with a
time opens it there (marked `undated`, like a wide export's first stage without a date),
or, when none comes, until the end of the file, where the deal takes the date the
mapping's `undated` gives it (`finish`), also marked `undated`.

What rejects a deal (its first problem is reported; later rows of it are only read for
their own cells): a cell that cannot be read (date, amount, unmapped stage under
`unmapped_stage: error`), a time before the deal's previous row (unless `repair: true`,
which moves it up to that time), a row in another stage after the deal was won or lost,
a row without a time after the deal's first (or one that closes the deal), and no time
on any row when `undated` gives none. A row without a deal id is left out, with a
problem.
"""

from __future__ import annotations

import datetime as dt

from dealflow._messages import _
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
    target = row.target()
    fields = Fields(title=row.text("title"), account=row.text("account"),
                    amount=row.amount(), owner=row.text("owner"))
    return at, target, fields


class _Held:
    """A deal none of whose rows so far has a time: its first row, kept until a later
    row gives a time or the file ends (`start`: the date `undated` gives its row)."""

    __slots__ = ("fields", "number", "start", "target")

    def __init__(self, number: int, target: str, fields: Fields,
                 start: dt.datetime | None) -> None:
        self.number, self.target, self.fields, self.start = number, target, fields, start

    def repeats(self, target: str | None, fields: Fields) -> bool:
        """True when a row without a time says just what the first row said."""
        return target == self.target and fields == self.fields


_UNSEEN = _Held(0, "", Fields(), None)
"""The state of a deal no row has named yet."""

State = Track | _Held | None
"""A deal's state between rows: its track, its held first row, or None when rejected."""


class LongRows:
    """Converts the rows of a long export one by one, keeping a `Track` per deal."""

    def __init__(self, layout: Layout, findings: Findings) -> None:
        self.layout = layout
        self.findings = findings
        self.maker = Maker(layout)
        self.tracks: dict[str, State] = {}

    def __call__(self, number: int, cells: list[str]) -> list[Event]:
        """The events row `number` adds (none for a problem, a duplicate or a skip)."""
        row = Cells(self.layout, number, cells)
        deal_id = row.deal_id()
        at, target, fields = _read(row)
        if deal_id is None:
            self.findings.refuse_row(row.problems)
            return []
        state = self.tracks.get(deal_id, _UNSEEN)
        if at is None and not row.raw(TIME).strip() and state is not _UNSEEN:
            if isinstance(state, _Held) and state.repeats(target, fields):
                self.findings.duplicate_rows += 1
                return []
            row.note(TIME, _("no date: every row of a deal after its first needs the time of "
                             "its change"))
        if target == SKIP and not row.problems:
            self.findings.skipped_rows += 1
            return []
        return self._convert(deal_id, row, at, target, fields, state)

    def _convert(self, deal_id: str, row: Cells, at: dt.datetime | None, target: str | None,
                 fields: Fields, state: State) -> list[Event]:
        if state is None:  # rejected: the row is only read for its own problems
            self.findings.take(deal_id)
            self.findings.report(row.problems)
            return []
        if row.problems or target is None:
            return self._reject(deal_id, row)
        try:
            events = self._events(deal_id, row, at, target, fields, state)
        except Rejected as exc:
            row.problems.append(exc.problem)
            return self._reject(deal_id, row)
        if events is None:
            self.findings.duplicate_rows += 1
            return []
        self.findings.take(deal_id)
        return events

    def _events(self, deal_id: str, row: Cells, at: dt.datetime | None, target: str,
                fields: Fields, state: Track | _Held) -> list[Event] | None:
        """The row's events; None for a row that repeats the one before."""
        number = row.number
        if isinstance(state, Track):
            assert at is not None  # a later row without a time is a problem
            return self._next(state, number, at, target, fields, row)
        if at is None:
            return self._hold(deal_id, row, target, fields)
        if state is _UNSEEN:
            return self._first(deal_id, number, at, target, fields, self._reason(target, row))
        # the first row had no time: the deal opens at this one's (like a wide export's
        # first stage without a date), and the row then moves it
        opened = self._first(deal_id, state.number, at, state.target, state.fields,
                             undated=True)
        track = self.tracks[deal_id]
        assert isinstance(track, Track)
        return opened + (self._next(track, number, at, target, fields, row) or [])

    def _reject(self, deal_id: str, row: Cells) -> list[Event]:
        self.tracks[deal_id] = None
        self.findings.take(deal_id)
        self.findings.reject(deal_id, row.problems)
        return []

    def _hold(self, deal_id: str, row: Cells, target: str, fields: Fields) -> list[Event]:
        """Keep a deal's first row without a time, for a later row's time or `undated`."""
        if target in CLOSED:
            raise Rejected(row.layout.problem(row.number, TIME, (
                _("no date: the row closes the deal ({target}), and a close needs the date it "
                  "happened", target=target))))
        start = self.layout.no_date.start(row)
        if row.problems:  # the undated column cannot be read
            raise Rejected(row.problems.pop())
        self.tracks[deal_id] = _Held(row.number, target, fields, start)
        return []

    def finish(self) -> list[Event]:
        """At the end of the file: the deals none of whose rows has a time, created at
        the date the mapping's `undated` gives them, or rejected when it gives none."""
        held = [(deal_id, state) for deal_id, state in self.tracks.items()
                if isinstance(state, _Held)]
        events: list[Event] = []
        for deal_id, state in held:
            if state.start is None:
                self.tracks[deal_id] = None
                self.findings.reject(deal_id, [self.layout.no_date.missing(
                    self.layout, state.number, TIME, _("give the time of one of its rows"))])
                continue
            self.findings.undated.add(deal_id)
            events += self._first(deal_id, state.number, state.start, state.target,
                                  state.fields, undated=True)
        return events

    def _first(self, deal_id: str, number: int, at: dt.datetime, target: str, fields: Fields,
               reason: tuple[str, str] = ("", ""), *, undated: bool = False) -> list[Event]:
        track = Track(deal_id)
        stage = self.layout.first_stage if target in CLOSED else target
        events: list[Event] = [self.maker.create(track, number, at, stage, fields,
                                                 undated=undated)]
        if target in CLOSED:
            events.append(self.maker.close(track, number, at, target, reason))
        track.target = target
        self.tracks[deal_id] = track
        return events

    def _next(self, track: Track, number: int, at: dt.datetime, target: str, fields: Fields,
              row: Cells) -> list[Event] | None:
        """The events of a later row; None when it repeats the last one (same stage, same
        time, no field changed)."""
        at = self._in_order(track, number, at, row)
        if track.status != OPEN and target != track.status:
            raise Rejected(row.layout.problem(number, STAGE, (
                _("the stage {stage!r} comes after the deal was {status} (row {row}); a closed "
                  "deal takes no further stage", stage=row.raw(STAGE).strip(),
                  status=track.status, row=track.row))))
        repeated = target == track.target and at == track.at
        reason = self._reason(target, row) if track.status == OPEN else ("", "")
        events: list[Event] = []
        edited = self.maker.edit(track, number, at, fields)
        if edited is not None:
            events.append(edited)
        elif repeated:
            return None
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
        message = _("the date goes backwards: {at} is before {before} on row {row} of the "
                    "same deal", at=show(at), before=show(track.at), row=track.row)
        if not self.layout.mapping.repair:
            raise Rejected(row.layout.problem(number, TIME, message + _(
                " (repair: true moves it up to that date)")))
        self.findings.repair(row.layout.problem(number, TIME, message + _(
            "; repaired: moved up to the date of that row")))
        return track.at

    def _reason(self, target: str, row: Cells) -> tuple[str, str]:
        if target != LOST:
            return "", ""
        try:
            return self.layout.lost_reason(row.raw(("columns", "lost_reason")))
        except ValueError as exc:
            raise Rejected(row.layout.problem(row.number, ("columns", "lost_reason"),
                                              str(exc))) from None
