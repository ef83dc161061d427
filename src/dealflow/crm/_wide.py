"""Wide exports: one row per deal, with its current stage, its outcome and the date it
entered each stage (HubSpot's "Date entered ..." columns).

The stages a deal reached are the first stage (every deal starts there), the stages
with a date, and the stage it is in. It is opened in the first stage and advances
through the others in playbook order (over the stages without a date: a jump), then is
won or lost, at the date of `stage_dates.won`/`lost`, else of `columns.time`.

The first stage may have no date: the deal is then opened at its earliest dated event,
marked `undated` (the analytics count the stage as reached and leave the stay out of
time in stage). Any other stage the deal is in needs its date. An open deal with no date
at all takes the date the mapping's `undated` gives it, also marked `undated`.

What rejects a deal: a cell that cannot be read, a later stage dated before an earlier
one or a close dated before the last stage (unless `repair: true`, which moves the date
up to the one before it), a date for a stage after the one the deal is in, a closed deal
without a close date, no date at all (when the mapping has no `undated`, or its column
is blank), and a second row for the deal with other values (an identical row is a no-op,
passed over).
"""

from __future__ import annotations

import datetime as dt

from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.crm._columns import SKIP, Cells, Key, Layout
from dealflow.crm._findings import Findings, Rejected
from dealflow.crm._history import Fields, Maker, Track
from dealflow.crm._mapping import CLOSED, LOST, OPEN
from dealflow.engine import Event

__all__ = ["WideRows"]

STAGE, OUTCOME = ("columns", "stage"), ("columns", "outcome")
Step = tuple[str, dt.datetime | None]


class WideRows:
    """Converts the rows of a wide export, one deal per row."""

    def __init__(self, layout: Layout, findings: Findings) -> None:
        self.layout = layout
        self.findings = findings
        self.maker = Maker(layout)
        self.seen: dict[str, tuple[int, int]] = {}  # deal id -> (row, fingerprint)
        dates = layout.mapping.stage_dates
        self.dated = [stage.id for stage in layout.playbook.stages if stage.id in dates]
        self.outcomes = {k.strip().casefold(): v for k, v in layout.mapping.outcomes.items()}

    def __call__(self, number: int, cells: list[str]) -> list[Event]:
        """The events of the deal on row `number` (none for a problem or a repeat)."""
        row = Cells(self.layout, number, cells)
        deal_id = row.deal_id()
        if deal_id is None:
            self.findings.refuse_row(row.problems)
            return []
        if self._again(deal_id, number, cells):
            self.findings.report(row.problems)
            return []
        current, outcome = self._state(row)
        times = {stage: row.time(("stage_dates", stage)) for stage in self.dated}
        closed_at = self._closed_at(row, outcome)
        fields = Fields(title=row.text("title"), account=row.text("account"),
                        amount=row.amount(), owner=row.text("owner"))
        if current == SKIP and not row.problems:
            self.findings.skipped_rows += 1
            return []
        self.findings.take(deal_id)
        if row.problems:
            self.findings.reject(deal_id, row.problems)
            return []
        try:
            steps = self._steps(row, current, times)
            ordered, closed_at, start = self._ordered(row, steps, outcome, closed_at)
            return self._events(deal_id, row, ordered, outcome, closed_at, fields, start)
        except Rejected as exc:
            self.findings.reject(deal_id, [exc.problem])
            return []

    def finish(self) -> list[Event]:
        """At the end of the file: nothing more (every row was its deal's)."""
        return []

    def _again(self, deal_id: str, number: int, cells: list[str]) -> bool:
        fingerprint = hash(tuple(cell.strip() for cell in cells))
        earlier = self.seen.get(deal_id)
        if earlier is None:
            self.seen[deal_id] = (number, fingerprint)
            return False
        if earlier[1] == fingerprint:
            self.findings.duplicate_rows += 1
        else:
            self.findings.take(deal_id)
            self.findings.reject(deal_id, [self.layout.problem(number, None, (
                _("the deal is on row {row} already, with other values; a wide export has one "
                  "row per deal", row=earlier[0])))])
        return True

    def _state(self, row: Cells) -> tuple[str | None, str]:
        """The playbook stage the deal is in (None when unknown, SKIP) and its outcome."""
        target = row.target() if self.layout.mapping.columns.stage else None
        outcome = target if target in CLOSED else OPEN
        said = row.raw(OUTCOME).strip()
        if said:
            found = self.outcomes.get(said.casefold())
            if found is None:
                row.note(OUTCOME, _("the outcome {said!r} is not in the mapping's outcomes",
                                    said=said)
                         + did_you_mean(said, self.layout.mapping.outcomes))
            elif target in CLOSED and found != target:
                row.note(OUTCOME, _("the outcome says {found}, but the stage {stage!r} means "
                                    "{target}", found=found, stage=row.raw(STAGE).strip(),
                                    target=target))
            else:
                outcome = found
        current = target if target == SKIP or target in self.layout.order else None
        return current, outcome

    def _closed_at(self, row: Cells, outcome: str) -> dt.datetime | None:
        if outcome not in CLOSED:
            return None
        at = row.time(("stage_dates", outcome))
        return at if at is not None else row.time(("columns", "time"))

    def _steps(self, row: Cells, current: str | None, times: dict[str, dt.datetime | None],
               ) -> list[Step]:
        order = self.layout.order
        reached: dict[str, dt.datetime | None] = {s: at for s, at in times.items() if at}
        if current is not None:
            later = [stage for stage in reached if order[stage] > order[current]]
            if later:
                raise Rejected(row.layout.problem(row.number, ("stage_dates", later[-1]), (
                    _("the deal is in {current}, but has a date for {later}, a later stage; a "
                      "wide export cannot say when it went back", current=current,
                      later=later[-1]))))
            if current not in reached and current != self.layout.first_stage:
                key: Key = ("stage_dates", current) if current in times else STAGE
                raise Rejected(row.layout.problem(row.number, key, self._undated_in(
                    current, mapped=current in times, dated=bool(reached))))
        reached.setdefault(self.layout.first_stage, None)
        return sorted(reached.items(), key=lambda step: order[step[0]])

    def _undated_in(self, current: str, *, mapped: bool, dated: bool) -> str:
        """The problem of a deal in `current` (not the first stage) without its date."""
        message = _("no date entered for {stage}, the stage the deal is in", stage=current)
        if not mapped:
            message += _("; map its column in stage_dates.{stage}", stage=current)
        if not dated and self.layout.mapping.undated is not None:
            message += _(" (undated gives a date only to a deal with no date at all in {first}, "
                         "the first stage)", first=self.layout.first_stage)
        return message

    def _ordered(self, row: Cells, steps: list[Step], outcome: str,
                 closed_at: dt.datetime | None,
                 ) -> tuple[list[Step], dt.datetime | None, dt.datetime | None]:
        """The steps with their dates in order (repaired, or `Rejected`), the close, and
        the date the mapping's `undated` gives a deal with no date at all."""
        out: list[Step] = []
        last: Step | None = None
        for stage, at in steps:
            if at is not None and last is not None and last[1] is not None and at < last[1]:
                at = self._clamp(row, ("stage_dates", stage), stage, at, last)
            out.append((stage, at))
            last = (stage, at) if at is not None else last
        if outcome in CLOSED:
            if closed_at is None:
                raise Rejected(row.layout.problem(row.number, STAGE, (
                    _("the deal is {outcome} but has no date it closed: map "
                      "stage_dates.{outcome} or columns.time", outcome=outcome))))
            if last is not None and last[1] is not None and closed_at < last[1]:
                key = ("stage_dates", outcome)
                closed_at = self._clamp(row, key if key in self.layout.indexes else
                                        ("columns", "time"), outcome, closed_at, last)
        elif last is None:
            return out, None, self._start(row)
        return out, closed_at, None

    def _start(self, row: Cells) -> dt.datetime:
        """The date an open deal with no date at all takes; `Rejected` when none."""
        no_date = self.layout.no_date
        start = no_date.start(row)
        if start is None:
            raise Rejected(row.problems[-1] if row.problems else no_date.missing(
                self.layout, row.number, STAGE, _("give the date it entered a stage")))
        return start

    def _clamp(self, row: Cells, key: Key, stage: str, at: dt.datetime, last: Step,
               ) -> dt.datetime:
        before, before_at = last
        assert before_at is not None
        show = self.layout.show
        message = _("the date for {stage} ({at}) is before the date for {before} "
                    "({before_at}), an earlier stage", stage=stage, at=show(at), before=before,
                    before_at=show(before_at))
        if not self.layout.mapping.repair:
            raise Rejected(row.layout.problem(row.number, key, message + _(
                " (repair: true moves it up to that date)")))
        self.findings.repair(row.layout.problem(row.number, key, message + _(
            "; repaired: moved up to that date")))
        return before_at

    def _events(self, deal_id: str, row: Cells, steps: list[Step], outcome: str,
                closed_at: dt.datetime | None, fields: Fields,
                start: dt.datetime | None) -> list[Event]:
        reason = ("", "")
        if outcome == LOST:
            try:
                reason = self.layout.lost_reason(row.raw(("columns", "lost_reason")))
            except ValueError as exc:
                raise Rejected(row.layout.problem(row.number, ("columns", "lost_reason"),
                                                  str(exc))) from None
        dated = [at for _stage, at in steps if at is not None] + ([closed_at] if closed_at else [])
        if start is not None:  # no date at all: the one `undated` gives
            self.findings.undated.add(deal_id)
            dated.append(start)
        track, number = Track(deal_id), row.number
        first, first_at = steps[0]
        events: list[Event] = [self.maker.create(track, number, first_at or dated[0], first,
                                                 fields, undated=first_at is None)]
        for stage, at in steps[1:]:
            assert at is not None
            events.append(self.maker.move(track, number, at, stage))
        if outcome in CLOSED:
            assert closed_at is not None
            events.append(self.maker.close(track, number, closed_at, outcome, reason))
        return events
