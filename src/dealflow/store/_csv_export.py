"""Export deals and events as CSV for spreadsheets, safe against formula injection.

A spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` as a formula, and a
formula can fetch URLs, run commands through DDE or leak other cells. Deal text is
typed by people and CRMs, so every text cell that would start a formula is
neutralised as OWASP recommends: a single quote `'` is put in front (`=SUM(A1)` is
written `'=SUM(A1)`), which spreadsheets show as text. The same holds when the
formula character follows leading whitespace (spreadsheets may trim it), and for a
cell that begins with a tab or a carriage return. Numbers the store holds as numbers
(amounts, numeric facts such as `-5`) are written plainly: a plain number is never a
formula. Quoting (commas, quotes, line breaks) is the `csv` module's, with CRLF line
ends (RFC 4180); the text is UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any, Literal

from dealflow.deal import Deal
from dealflow.engine import event_adapter
from dealflow.playbook import Playbook
from dealflow.store._repository import Store

__all__ = ["DEAL_COLUMNS", "EVENT_COLUMNS", "CsvWhat", "export_csv", "neutralise",
           "write_deals_csv", "write_events_csv"]

CsvWhat = Literal["deals", "events"]
"""What a CSV export holds: one row per deal, or one row per event."""

DEAL_COLUMNS = (
    "id", "title", "account", "amount", "currency", "owner", "stage", "status",
    "stage_entered_at", "created_at", "next_step", "next_step_who", "next_step_due",
    "hold_reason", "hold_until", "lost_reason", "lost_note", "stakeholders",
    "playbook_id", "playbook_version", "close_date",
)
"""The fixed columns of a deals export; one `fact:<id>` column per fact of the playbook
follows, then `other_facts` (JSON: facts the playbook does not declare)."""

EVENT_COLUMNS = ("deal_id", "seq", "at", "actor", "type", "data")
"""The columns of an events export; `data` holds the event's other fields as JSON."""

FORMULA_START = frozenset("=+-@\t\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

_PAGE = 1000
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def neutralise(cell: str) -> str:
    """`cell` made safe to open in a spreadsheet: a `'` in front when it would start a
    formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return, or with one
    of the first four after leading whitespace); any other text unchanged."""
    if not cell:
        return cell
    if cell[0] in FORMULA_START or cell.lstrip()[:1] in FORMULA_START:
        return "'" + cell
    return cell


def _cell(value: Any) -> str:
    """A value as a CSV cell: numbers plainly, everything else as neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        shown = str(value)
        return shown if _NUMBER.fullmatch(shown) else neutralise(shown)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _fact_cell(value: Any) -> Any:
    """A list fact as JSON (`["Acme", "Globex"]`, readable back); other values as they are."""
    if isinstance(value, list | tuple):
        return _json(list(value))
    return value


def _deal_row(deal: Deal, facts: tuple[str, ...]) -> list[str]:
    step, hold = deal.next_step, deal.hold
    other = {name: value for name, value in deal.facts.items() if name not in facts}
    values: list[Any] = [
        deal.id, deal.title, deal.account, deal.amount, deal.currency, deal.owner,
        deal.stage, deal.status.value, deal.stage_entered_at, deal.created_at,
        step and step.what, step and step.who, step and step.due,
        hold and hold.reason, hold and hold.resume_on, deal.lost_reason, deal.lost_note,
        len(deal.stakeholders), deal.playbook_id, deal.playbook_version, deal.close_date,
        *(_fact_cell(deal.facts.get(name)) for name in facts),
        _json(other) if other else None,
    ]
    return [_cell(value) for value in values]


def _all_deals(store: Store, playbook_id: str) -> Iterator[Deal]:
    offset = 0
    while page := store.list_deals(playbook_id=playbook_id, limit=_PAGE, offset=offset):
        yield from page
        offset += len(page)


def write_deals_csv(out: IO[str], deals: Iterable[Deal], facts: Iterable[str] = ()) -> int:
    """Write a header and one row per deal to `out` (opened with `newline=""`); `facts`
    are the fact ids that get a column each. Returns the number of deals."""
    names = tuple(facts)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*DEAL_COLUMNS, *(f"fact:{name}" for name in names), "other_facts"])
    count = 0
    for deal in deals:
        writer.writerow(_deal_row(deal, names))
        count += 1
    return count


def write_events_csv(out: IO[str], events: Iterable[Any]) -> int:
    """Write a header and one row per event to `out` (opened with `newline=""`).
    Returns the number of events."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EVENT_COLUMNS)
    count = 0
    for event in events:
        data = event_adapter.dump_python(event, mode="json")
        head = [data.pop(key) for key in ("deal_id", "seq", "at", "actor", "type")]
        writer.writerow([_cell(value) for value in head] + [_cell(_json(data))])
        count += 1
    return count


def export_csv(store: Store, out: IO[str], what: CsvWhat = "deals",
               deal_id: str | None = None, *, playbook: Playbook | str | None = None) -> int:
    """Write the deals of one playbook (one row each, a column per fact of that playbook;
    see `Store.choose_playbook`) or their events (one row each) as CSV; only `deal_id`'s
    when given (with the facts of its own playbook). Returns the rows."""
    if deal_id is not None:
        deal = store.get(deal_id)
        if what == "events":
            return write_events_csv(out, store.iter_events(deal_id))
        facts = store.playbook_for(deal.playbook_id, deal.playbook_version).facts
        return write_deals_csv(out, iter([deal]), (fact.id for fact in facts))
    chosen = store.choose_playbook(playbook)
    if what == "events":
        return write_events_csv(out, store.iter_events(playbook_id=chosen.id))
    return write_deals_csv(out, _all_deals(store, chosen.id),
                           (fact.id for fact in chosen.facts))
