"""Bulk import and export of events as JSON Lines (one event per line).

Import reads the file twice. The first pass checks every line (valid JSON, a valid event,
sequence numbers rising one by one per deal) and writes nothing if any line is wrong.
The second pass stores the events in batches, one transaction per batch: events already
in the store (same deal and sequence number) are skipped, so an import that was killed
part way is completed by running it again, without duplicates.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import ValidationError
from sqlalchemy import select

from dealflow._safe_text import lone_surrogate
from dealflow.deal import Deal
from dealflow.engine import DealCreated, Event, apply_event, event_adapter
from dealflow.errors import ImportProblems, Problem
from dealflow.limits import DEFAULT_LIMITS, Limits, current_limits, limit_hint
from dealflow.store._repository import Store
from dealflow.store._rows import deal_from_data
from dealflow.store._tables import DEALS

__all__ = ["ImportResult", "export_jsonl", "import_events", "import_jsonl"]

MAX_LINE_BYTES = DEFAULT_LIMITS.max_line_bytes
"""The longest line an import accepts (bytes, without its line break), unless
`Limits.max_line_bytes` says otherwise."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    lines: int
    added: int
    skipped: int
    deals: int


def _lines(path: Path, max_line: int) -> Iterator[tuple[int, str | None, str]]:
    """(line number, problem or None, text) for every non-blank line.

    A line longer than `max_line` bytes is never held in memory whole: at most
    `max_line + 2` bytes of it are read, the rest is skipped in chunks and counted.
    """
    with path.open("rb") as handle:
        number = 0
        while raw := handle.readline(max_line + 2):
            number += 1
            ended = raw.endswith(b"\n")
            if len(raw) - ended > max_line:
                size = len(raw) - ended + (0 if ended else _skip_line(handle))
                yield number, f"line is {size} bytes long; the limit max_line_bytes is " \
                              f"{max_line} {limit_hint('max_line_bytes')}", ""
                continue
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield number, "line is not UTF-8 text", ""
                continue
            if text.strip():
                yield number, None, text


def _skip_line(handle: IO[bytes]) -> int:
    """Read to the end of the current line in chunks; the number of bytes before its end."""
    size = 0
    while chunk := handle.readline(1 << 16):
        if chunk.endswith(b"\n"):
            return size + len(chunk) - 1
        size += len(chunk)
    return size


def _parse(text: str) -> Event:
    return event_adapter.validate_python(json.loads(text))


def _problem(file: str, number: int, message: str) -> Problem:
    return Problem(file, number, 1, "", message)


def _read_event(text: str) -> tuple[Event | None, str | None]:
    """The event on a line, or what is wrong with the line."""
    try:
        event = _parse(text)
        if (undecodable := lone_surrogate(event)) is not None:
            return None, f"not a valid event: {undecodable}: not valid Unicode (an unpaired " \
                         "surrogate escape such as \\udcff)"
        return event, None
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} at column {exc.colno}"
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return None, f"not a valid event: {where}: {first['msg']}"
    except RecursionError:
        return None, "not JSON that can be read: nested too deeply"
    except ValueError as exc:  # Python reads no number of more than 4300 digits
        if "digits" not in str(exc):
            return None, f"not JSON that can be read: {exc}"
        return None, ("not JSON that can be read: a number has more than "
                      f"{sys.get_int_max_str_digits()} digits")


def _check(path: Path, max_line: int, limit: int = 50) -> tuple[list[Problem], int]:
    problems: list[Problem] = []
    last_seq: dict[str, int] = {}
    count = 0
    for number, issue, text in _lines(path, max_line):
        count += 1
        if issue is None:
            event, issue = _read_event(text)
            if event is not None:
                previous = last_seq.get(event.deal_id)
                if previous is not None and event.seq != previous + 1:
                    issue = (f"deal {event.deal_id}: seq {event.seq} follows seq {previous} "
                             f"(sequence numbers rise one by one per deal)")
                last_seq[event.deal_id] = event.seq
        if issue is not None:
            problems.append(_problem(str(path), number, issue))
            if len(problems) >= limit:
                break
    return problems, count


def import_jsonl(store: Store, path: str | Path, *, batch_size: int = 5000,
                 progress: Callable[[int], None] | None = None,
                 limits: Limits | None = None) -> ImportResult:
    """Import the events in `path` into `store` (see the module docs for the guarantees).

    `progress(n)` is called after each batch with the number of lines done so far. A line
    longer than `limits.max_line_bytes` is a problem (default: `current_limits()`, which
    `DEALFLOW_LIMITS` changes).
    """
    max_line_bytes = (limits or current_limits()).max_line_bytes
    source = Path(path)
    if not source.is_file():
        raise ImportProblems([_problem(str(source), 0, "file not found")])
    problems, total = _check(source, max_line_bytes)
    if problems:
        raise ImportProblems(problems)
    added = skipped = done = 0
    deals: set[str] = set()
    batch: list[tuple[int, Event]] = []
    for number, _, text in _lines(source, max_line_bytes):
        batch.append((number, _parse(text)))
        if len(batch) >= batch_size:
            a, s = _store_batch(store, str(source), batch, deals)
            added, skipped, done = added + a, skipped + s, done + len(batch)
            batch = []
            if progress is not None:
                progress(done)
    if batch:
        a, s = _store_batch(store, str(source), batch, deals)
        added, skipped, done = added + a, skipped + s, done + len(batch)
        if progress is not None:
            progress(done)
    return ImportResult(lines=total, added=added, skipped=skipped, deals=len(deals))


def import_events(store: Store, events: Iterable[Event], *, batch_size: int = 5000,
                  progress: Callable[[int], None] | None = None) -> ImportResult:
    """Store events made in Python (a simulation, a converter), in batches, skipping those
    already stored. Each deal's events must come in sequence order."""
    added = skipped = done = 0
    deals: set[str] = set()
    batch: list[tuple[int, Event]] = []
    for number, event in enumerate(events, start=1):
        batch.append((number, event))
        if len(batch) >= batch_size:
            a, s = _store_batch(store, "<events>", batch, deals)
            added, skipped, done, batch = added + a, skipped + s, done + len(batch), []
            if progress is not None:
                progress(done)
    if batch:
        a, s = _store_batch(store, "<events>", batch, deals)
        added, skipped, done = added + a, skipped + s, done + len(batch)
        if progress is not None:
            progress(done)
    return ImportResult(lines=done, added=added, skipped=skipped, deals=len(deals))


def _store_batch(store: Store, file: str, batch: list[tuple[int, Event]],
                 deals: set[str]) -> tuple[int, int]:
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
                changes.append((_project(store, file, deal, fresh), start,
                                [e for _, e in fresh]))
        store.write_changes(conn, changes)
        added += sum(len(events) for _, _, events in changes)
    return added, skipped


def _project(store: Store, file: str, deal: Deal | None,
             numbered: list[tuple[int, Event]]) -> Deal:
    for number, event in numbered:
        try:
            if deal is None and isinstance(event, DealCreated):
                playbook = store.playbook_for(event.playbook_id, event.playbook_version)
            elif deal is not None:
                playbook = store.playbook_for(deal.playbook_id, deal.playbook_version)
            else:
                playbook = None
            deal = apply_event(deal, event, playbook)
        except (ValueError, Exception) as exc:  # noqa: BLE001 - reported with its line
            raise ImportProblems([_problem(file, number, f"cannot apply this event: {exc}; "
                                           "earlier batches were imported, re-run after the "
                                           "fix to complete")]) from None
    assert deal is not None
    return deal


def export_jsonl(store: Store, out: IO[str], deal_id: str | None = None) -> int:
    """Write every event (of one deal, or of all) as JSON Lines; returns the count."""
    count = 0
    for event in store.iter_events(deal_id):
        out.write(event_adapter.dump_json(event).decode("utf-8") + "\n")
        count += 1
    return count
