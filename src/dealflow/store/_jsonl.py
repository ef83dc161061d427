"""Bulk import and export of deals as JSON Lines: the playbooks they run under, then their
events (one record per line).

An export writes first each playbook version the exported deals run under (its text as
the store keeps it), then every event by deal and sequence number, so that it restores
into a store that has never seen those playbooks.

Import reads the file twice. The first pass checks every line as the CLI checks what
it is given (valid JSON, a valid record, sequence numbers rising one by one per deal,
every playbook id an event names declared by the deal's playbook, fact values of their
type; see `_import_check`) and writes nothing if any line is wrong. The second pass
stores the playbook versions the store lacks, then the events in batches, one
transaction per batch: events already in the store (same deal and sequence number) are
skipped, so an import that was killed part way is completed by running it again,
without duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import ValidationError
from sqlalchemy import select

from dealflow._messages import _
from dealflow._plain import plain_errors
from dealflow._safe_text import json_visible
from dealflow.deal import Deal
from dealflow.engine import DealCreated, Event, apply_event, event_adapter
from dealflow.errors import DealflowError, ImportProblems, ImportStopped, Problem
from dealflow.limits import DEFAULT_LIMITS, Limits, current_limits
from dealflow.store._import_check import FirstPass
from dealflow.store._records import (
    PlaybookRecord,
    lines,
    parse_checked_event,
    playbook_line,
    read_record,
)
from dealflow.store._repository import Store
from dealflow.store._rows import deal_from_data
from dealflow.store._tables import DEALS, EVENTS, PLAYBOOKS

__all__ = ["ImportResult", "export_jsonl", "import_events", "import_jsonl"]

MAX_LINE_BYTES = DEFAULT_LIMITS.max_line_bytes
"""The longest line an import accepts (bytes, without its line break), unless
`Limits.max_line_bytes` says otherwise. A playbook record is one line too."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: `lines` read (records, blank lines not counted), events `added`
    and `skipped` (already in the store), `deals` they belong to, and `playbooks`: the
    playbook versions the file carried that the store did not hold, now stored."""

    lines: int
    added: int
    skipped: int
    deals: int
    playbooks: int = 0


def _problem(file: str, number: int, message: str) -> Problem:
    return Problem(file, number, 1, "", message)


def _check(path: Path, store: Store, limits: Limits, most: int = 50
           ) -> tuple[list[Problem], int, FirstPass]:
    problems: list[Problem] = []
    first = FirstPass(store, limits)
    count = 0
    for number, issue, text in lines(path, limits.max_line_bytes):
        count += 1
        if issue is None:
            record, issue = read_record(text)
            if isinstance(record, PlaybookRecord):
                first.records += 1
                issue = first.playbook(record, f"{path}:{number}")
            elif record is not None:
                issue = first.event(record)
        if issue is not None:
            problems.append(_problem(str(path), number, issue))
            if len(problems) >= most:
                break
    return problems, count, first


@dataclass
class _Progress:
    """What the second pass has written so far, for the result and for a stop."""

    file: str
    report: Callable[[int], None] | None
    added: int = 0
    skipped: int = 0
    done: int = 0
    through: int = 0
    playbooks: int = 0

    def store(self, store: Store, batch: list[tuple[int, Event]], deals: set[str]) -> None:
        try:
            added, skipped = _store_batch(store, batch, deals)
        except _Unapplied as exc:
            raise self.stopped(exc.line, str(exc)) from None
        except DealflowError as exc:  # the database failed, or another writer got there first
            if not (self.through or self.playbooks):
                raise  # its message says that nothing was written
            raise self.stopped(batch[0][0], str(exc), exc.exit_code) from None
        self.added, self.skipped = self.added + added, self.skipped + skipped
        self.done, self.through = self.done + len(batch), batch[-1][0]
        if self.report is not None:
            self.report(self.done)

    def stopped(self, line: int, reason: str, exit_code: int = 1) -> ImportStopped:
        return ImportStopped(reason, file=self.file, line=line, added=self.added,
                             skipped=self.skipped, through=self.through,
                             playbooks=self.playbooks, exit_code=exit_code)


def import_jsonl(store: Store, path: str | Path, *, batch_size: int = 5000,
                 progress: Callable[[int], None] | None = None,
                 limits: Limits | None = None) -> ImportResult:
    """Import the playbooks and events in `path` into `store` (see the module docs).

    `ImportProblems` (nothing written) lists the lines that are wrong; `ImportStopped`
    says what was written when the writing stopped part way (a database failure). A line
    longer than `limits.max_line_bytes` is a problem (default: `current_limits()`, which
    `DEALFLOW_LIMITS` changes). `progress(n)` is called after each batch with the number
    of lines done so far.
    """
    limits = limits or current_limits()
    source = Path(path)
    if not source.is_file():
        raise ImportProblems([_problem(str(source), 0, _("file not found"))])
    problems, total, first = _check(source, store, limits)
    if problems:
        raise ImportProblems(problems)
    done = _Progress(str(source), progress, done=first.records)  # lines done, for `progress`
    for key, playbook in first.new.items():
        try:
            store.register_playbook(playbook)
        except DealflowError as exc:
            raise done.stopped(0, _("cannot store playbook {id} {version}: {error}", id=key[0],
                                    version=key[1], error=exc), exc.exit_code) from None
        done.playbooks += 1
    return _write(store, _numbered(source, limits), batch_size, done, total)


def _numbered(source: Path, limits: Limits) -> Iterator[tuple[int, Event]]:
    for number, _problem_text, text in lines(source, limits.max_line_bytes):
        record = parse_checked_event(text)
        if not isinstance(record, PlaybookRecord):
            yield number, record


def _write(store: Store, events: Iterable[tuple[int, Event]], batch_size: int,
           done: _Progress, total: int | None = None) -> ImportResult:
    deals: set[str] = set()
    batch: list[tuple[int, Event]] = []
    count = 0
    for numbered in events:
        batch.append(numbered)
        count += 1
        if len(batch) >= batch_size:
            done.store(store, batch, deals)
            batch = []
    if batch:
        done.store(store, batch, deals)
    return ImportResult(lines=count if total is None else total, added=done.added,
                        skipped=done.skipped, deals=len(deals), playbooks=done.playbooks)


def import_events(store: Store, events: Iterable[Event], *, batch_size: int = 5000,
                  progress: Callable[[int], None] | None = None) -> ImportResult:
    """Store events made in Python (a simulation, a converter), in batches, skipping those
    already stored. Each deal's events must come in sequence order, under playbooks the
    store holds; `ImportStopped` says what was written when one cannot be applied."""
    return _write(store, enumerate(events, start=1), batch_size, _Progress("<events>", progress))


def _store_batch(store: Store, batch: list[tuple[int, Event]], deals: set[str]
                 ) -> tuple[int, int]:
    by_deal: dict[str, list[tuple[int, Event]]] = {}
    for number, event in batch:
        by_deal.setdefault(event.deal_id, []).append((number, event))
    deals.update(by_deal)
    added = skipped = 0
    with store.writing() as conn:  # one transaction per batch
        rows = conn.execute(select(DEALS.c.id, DEALS.c.data).where(
            DEALS.c.id.in_(list(by_deal)))).all()
        current: dict[str, Deal] = {
            row.id: deal_from_data(row.data, store.playbook_for(
                row.data["playbook_id"], row.data["playbook_version"])) for row in rows}
        changes: list[tuple[Deal, int, list[Event]]] = []
        for deal_id, numbered in by_deal.items():
            deal = current.get(deal_id)
            start = deal.version if deal is not None else 0
            fresh = [(n, e) for n, e in numbered if e.seq > start]
            skipped += len(numbered) - len(fresh)
            if fresh:
                changes.append((_project(store, deal, fresh), start,
                                [e for _seq, e in fresh]))
        store.write_changes(conn, changes)
        added += sum(len(events) for _projected, _start, events in changes)
    return added, skipped


class _Unapplied(DealflowError):
    """An event that cannot be applied to its deal (raised inside a batch's transaction,
    so the batch is rolled back; `_Progress.store` says what was written before)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


def _project(store: Store, deal: Deal | None, numbered: list[tuple[int, Event]]) -> Deal:
    for number, event in numbered:
        try:
            if deal is None and isinstance(event, DealCreated):
                playbook = store.playbook_for(event.playbook_id, event.playbook_version)
            elif deal is not None:
                playbook = store.playbook_for(deal.playbook_id, deal.playbook_version)
            else:
                playbook = None
            deal = apply_event(deal, event, playbook)
        except DealflowError as exc:
            raise _Unapplied(number, _("cannot apply this event: {error}", error=exc)) from None
        except ValidationError as exc:
            raise _Unapplied(number, _("cannot apply this event: {error}",
                                       error=_("; ").join(plain_errors(exc)))) from None
        except ValueError as exc:
            raise _Unapplied(number, _("cannot apply this event: {error}", error=exc)) from None
    assert deal is not None
    return deal


def _playbook_lines(store: Store, deal_id: str | None) -> Iterator[str]:
    """The records of the playbook versions the deals (or one deal) run or ran under, in
    the order of their ids and versions."""
    query = (select(EVENTS.c.deal_id, EVENTS.c.payload)
             .where(EVENTS.c.type.in_(("deal_created", "deal_migrated")))
             .order_by(EVENTS.c.deal_id, EVENTS.c.seq))
    if deal_id is not None:
        query = query.where(EVENTS.c.deal_id == deal_id)
    keys: set[tuple[str, str]] = set()
    with store.database.connect() as conn:
        playbook_of: dict[str, str] = {}
        for row in conn.execute(query):
            if "playbook_id" in row.payload:
                playbook_of[row.deal_id] = row.payload["playbook_id"]
                keys.add((row.payload["playbook_id"], row.payload["playbook_version"]))
            elif row.deal_id in playbook_of:
                keys.add((playbook_of[row.deal_id], row.payload["to_version"]))
        texts = {(row.id, row.version): row.text for row in conn.execute(
            select(PLAYBOOKS.c.id, PLAYBOOKS.c.version, PLAYBOOKS.c.text))}
    for key in sorted(keys):
        if key in texts:
            yield playbook_line(*key, texts[key])


def export_jsonl(store: Store, out: IO[str], deal_id: str | None = None) -> int:
    """Write the playbook versions the deals run under, then every event (of one deal, or
    of all) as JSON Lines; returns the number of events. Control and bidirectional
    characters in text are written as `\\uXXXX` escapes, so a terminal shows them as they
    are (the same JSON values)."""
    for line in _playbook_lines(store, deal_id):
        out.write(line)
    count = 0
    for event in store.iter_events(deal_id):
        out.write(json_visible(event_adapter.dump_json(event).decode("utf-8")) + "\n")
        count += 1
    return count
