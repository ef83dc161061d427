"""Importing a CRM export: two passes over the file, then the store.

Pass 1 reads every row and checks it (see the `long` and `wide` rules in
docs/importing-from-crm.md), and collects the problems and the deals they reject; it
keeps a few numbers per deal, never the rows. The deals are then compared with the
store: a deal the store holds that was not imported from a file (it was created in
dealflow) is rejected too. Pass 2 reads the file again and stores the events of the
accepted deals with `import_events`, in batches, one transaction each; events the store
holds already (same deal and sequence number) are skipped, so importing the same file
again adds nothing, and a grown export adds only what is new.

Every row is accounted for: `rows == imported_rows + refused_rows + skipped_rows +
duplicate_rows`. A deal with no date at all takes the date the mapping's `undated` gives
it (`exported_on` is the export's date, for `undated: {date: exported}`), and is counted
in `undated`; without one it is rejected like any deal with a problem.

A problem with the file as a whole (not found, not UTF-8, a mapped column missing from
the header) raises `ImportProblems` before anything is written; a mapping that does not
fit the playbook (or an export date it does not take) raises `MappingError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import OperationalError

from dealflow._messages import _
from dealflow.crm._checks import check_mapping
from dealflow.crm._columns import Layout
from dealflow.crm._csv import Row, column_indexes, rows
from dealflow.crm._findings import Findings
from dealflow.crm._long import LongRows
from dealflow.crm._mapping import CrmMapping
from dealflow.crm._mapping_loader import load_mapping
from dealflow.crm._undated import NoDate
from dealflow.crm._wide import WideRows
from dealflow.engine import DealCreated, Event
from dealflow.errors import ImportProblems, MappingError, Problem, StoreError
from dealflow.playbook import Playbook, load_playbook
from dealflow.store import DEALS, EVENTS, Store, import_events

__all__ = ["CsvImport", "Progress", "check_csv", "import_csv"]

Progress = Callable[[str, int], None]
"""`progress(phase, rows)`: phase `checking` or `importing`, and the last row read."""

_EVERY = 1000
_CHUNK = 500


@dataclass(frozen=True)
class CsvImport:
    """What an import did (or, in a dry run, would do).

    `deals` counts the deals imported, `rejected` those left out for a problem;
    `events` the events made for the imported deals, of which `added` were stored and
    `skipped` were already there. Every row read is counted once: `imported_rows` are
    the rows of the deals imported, `refused_rows` the rows left out for a problem (of
    their own or of their deal's), `skipped_rows` rows of an unmapped stage passed over
    (`unmapped_stage: skip`), `duplicate_rows` rows that repeat an earlier one.
    `problems` (in row order) and `repairs` list the first ones found; `problem_count`
    and `repair_count` count them all. `undated` counts the deals imported that had no
    date at all, and `undated_rule` says what date they take (None when the mapping's
    `undated` does not say).
    """

    file: str
    dry_run: bool
    rows: int
    deals: int
    rejected: int
    events: int
    added: int
    skipped: int
    skipped_rows: int
    duplicate_rows: int
    problems: tuple[Problem, ...]
    problem_count: int
    repairs: tuple[Problem, ...]
    repair_count: int
    imported_rows: int = 0
    refused_rows: int = 0
    undated: int = 0
    undated_rule: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing was left out for a problem."""
        return self.problem_count == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for `--format json`."""
        data = {key: value for key, value in vars(self).items()
                if key not in ("problems", "repairs")}
        return {**data, "ok": self.ok, "problems": [p.to_dict() for p in self.problems],
                "repairs": [p.to_dict() for p in self.repairs]}


def check_csv(path: str | Path, mapping: CrmMapping | str | Path, *,
              playbook: Playbook | None = None, database: Engine | None = None,
              exported_on: dt.date | None = None, max_problems: int = 1000,
              progress: Progress | None = None) -> CsvImport:
    """A dry run: check the file and count what importing it would do, writing nothing.

    With `database` (read only), `added` and `skipped` are counted against what it holds,
    and deals it holds that were not imported are rejected, as a real import would.
    """
    chosen = playbook or load_playbook()
    plan = _Plan(Path(path), _mapping(mapping, chosen, exported_on), chosen, max_problems,
                 progress)
    plan.check(database)
    added, skipped = plan.predicted
    return plan.result(dry_run=True, added=added, skipped=skipped)


def import_csv(store: Store, path: str | Path, mapping: CrmMapping | str | Path, *,
               playbook: Playbook | None = None, exported_on: dt.date | None = None,
               batch_size: int = 5000, max_problems: int = 1000,
               progress: Progress | None = None) -> CsvImport:
    """Import the deals of a CRM export into `store` (see the module docs), under
    `playbook`, else the playbook the store's new deals open under
    (`Store.playbook_for_new_deals`).

    `exported_on` is the date (or date and time; without a zone, in the mapping's) the
    file was exported: the date deals with no date at all take when the mapping says
    `undated: {date: exported}`.
    """
    chosen = playbook or store.playbook_for_new_deals()
    plan = _Plan(Path(path), _mapping(mapping, chosen, exported_on), chosen, max_problems,
                 progress)
    plan.check(store.database)
    store.register_playbook(chosen)
    rejected = plan.findings.rejected
    again = plan.events("importing", Findings(limit=0))  # pass 1 found all there is
    accepted = (event for event in again if event.deal_id not in rejected)
    result = import_events(store, accepted, batch_size=batch_size)
    return plan.result(dry_run=False, added=result.added, skipped=result.skipped)


def _mapping(mapping: CrmMapping | str | Path, playbook: Playbook,
             exported_on: dt.date | None) -> tuple[CrmMapping, dt.datetime | None]:
    """The mapping, checked against `playbook`, and the export's date in UTC."""
    if not isinstance(mapping, CrmMapping):
        loaded = load_mapping(mapping, playbook)
        return loaded, loaded.export_time(exported_on, str(mapping))
    findings = check_mapping(mapping, playbook)
    if findings:
        raise MappingError([Problem("<mapping>", 0, 0, ".".join(map(str, f.loc)), f.message)
                            for f in findings])
    return mapping, mapping.export_time(exported_on)


class _Plan:
    """One export, read under one mapping: the two passes and what pass 1 found."""

    def __init__(self, path: Path, mapping: tuple[CrmMapping, dt.datetime | None],
                 playbook: Playbook, limit: int, progress: Progress | None) -> None:
        (self.mapping, self.exported), self.path, self.playbook = mapping, path, playbook
        self.progress = progress
        self.findings = Findings(limit)
        self.rows = 0
        self.deals: dict[str, tuple[int, int]] = {}  # deal id -> (first row, events)
        self.accepted = self.events_total = 0
        self.imported_rows = self.refused_rows = self.undated = 0
        self.predicted = (0, 0)
        self.layout: Layout | None = None

    def events(self, phase: str, findings: Findings) -> Iterator[Event]:
        """Every event the file converts to (rejected deals' too), row after row; what
        the rows show goes to `findings`."""
        stream = rows(self.path)
        header = next(stream, None)
        if header is None:
            raise ImportProblems([Problem(str(self.path), 0, 0, "", _(
                "the file is empty: it needs a header row and a row per change or deal"))])
        layout = self._layout(header)
        convert = (LongRows if self.mapping.shape == "long" else WideRows)(layout, findings)
        self.rows = 0
        for number, cells in stream:
            self.rows += 1
            yield from convert(number, cells)
            if self.progress is not None and self.rows % _EVERY == 0:
                self.progress(phase, number)
        yield from convert.finish()

    def _layout(self, header: Row) -> Layout:
        number, cells = header
        indexes = column_indexes(self.path, number, cells, self.mapping.columns_used())
        self.layout = Layout(self.path, cells, indexes, self.mapping, self.playbook,
                             self.exported)
        return self.layout

    def check(self, database: Engine | None) -> None:
        """Pass 1, then the comparison with `database` (when given)."""
        for event in self.events("checking", self.findings):
            if isinstance(event, DealCreated):
                self.deals[event.deal_id] = (int(str(event.source).rsplit(":", 1)[1]), 0)
            first, count = self.deals[event.deal_id]
            self.deals[event.deal_id] = (first, count + 1)
        for deal_id in self.findings.rejected:
            self.deals.pop(deal_id, None)
        stored = _stored(database, list(self.deals)) if database is not None else {}
        added = skipped = 0
        for deal_id, (first, count) in sorted(self.deals.items(), key=lambda d: d[1][0]):
            version, source = stored.get(deal_id, (0, ""))
            if source is None:
                self._reject_live(deal_id, first)
                self.deals.pop(deal_id)
                continue
            skipped += min(version, count)
            added += max(0, count - version)
            self.events_total += count
            self.accepted += 1
        self.predicted = (added, skipped)
        found = self.findings
        self.imported_rows = found.rows_of(self.deals)
        self.refused_rows = found.rows_of(found.rejected) + found.orphan_rows
        self.undated = len(found.undated - found.rejected)
        self.deals.clear()
        found.deal_rows.clear()

    def _reject_live(self, deal_id: str, first: int) -> None:
        assert self.layout is not None  # pass 1 read the header
        self.findings.reject(deal_id, [self.layout.problem(first, None, (
            _("the store holds a deal {deal!r} that was not imported (it was created in "
              "dealflow); its CRM history is left out; give the CRM deals other ids",
              deal=deal_id)))])

    def result(self, *, dry_run: bool, added: int, skipped: int) -> CsvImport:
        """The result, with pass 1's counts."""
        found = self.findings
        deals_rejected = len(found.rejected)
        rule = NoDate(self.mapping, self.exported).describe(self._show)
        return CsvImport(
            file=str(self.path), dry_run=dry_run, rows=self.rows,
            deals=self.accepted, rejected=deals_rejected, events=self.events_total,
            added=added, skipped=skipped, skipped_rows=found.skipped_rows,
            duplicate_rows=found.duplicate_rows,
            problems=tuple(sorted(found.problems, key=lambda p: p.line)),
            problem_count=found.problem_count, repairs=tuple(found.repairs),
            repair_count=found.repair_count, imported_rows=self.imported_rows,
            refused_rows=self.refused_rows, undated=self.undated, undated_rule=rule)

    def _show(self, at: dt.datetime) -> str:
        return self.layout.show(at) if self.layout is not None else f"{at:%Y-%m-%d %H:%M}"


def _stored(database: Engine, deal_ids: list[str]) -> dict[str, tuple[int, str | None]]:
    """For the deals the store holds: their version and the source of their first event."""
    found: dict[str, tuple[int, str | None]] = {}
    query = (select(DEALS.c.id, DEALS.c.version, EVENTS.c.source)
             .join(EVENTS, (EVENTS.c.deal_id == DEALS.c.id) & (EVENTS.c.seq == 1)))
    try:
        if not inspect(database).has_table(DEALS.name):
            return {}
        with database.connect() as conn:
            for start in range(0, len(deal_ids), _CHUNK):
                chunk = deal_ids[start:start + _CHUNK]
                for deal_id, version, source in conn.execute(
                        query.where(DEALS.c.id.in_(chunk))):
                    found[str(deal_id)] = (int(version), source)
    except OperationalError as exc:
        raise StoreError(_("cannot read the database: {error}", error=exc.orig)) from None
    return found
