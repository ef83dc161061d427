"""Writing a batch of changes in one transaction: the deals' projections (only where
a deal is still at the version it was read at), their events, and the tables the
analytics read beside them (stakeholders, items done, stays in each stage)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Update, bindparam, delete, insert, select, update

from dealflow._days import elapsed_days
from dealflow.deal import Deal
from dealflow.engine import (
    Event,
    ItemCompleted,
    StakeholderAdded,
    StakeholderRemoved,
    StakeholderUpdated,
)
from dealflow.errors import ConflictError
from dealflow.store._rows import deal_values, event_values, stage_change_values
from dealflow.store._sql import days_between
from dealflow.store._tables import DEALS, EVENTS, ITEM_STATES, STAGE_CHANGES, STAKEHOLDERS

__all__ = ["write_changes"]

# Statements built once: building them is most of the cost of a small write.
_INSERT_DEAL = insert(DEALS)
_UPDATE_DEAL = update(DEALS).where(DEALS.c.id == bindparam("b_id"),
                                   DEALS.c.version == bindparam("b_expected"))
_INSERT_EVENTS = insert(EVENTS).inline()  # no RETURNING of the new ids (never read)
_INSERT_PEOPLE = insert(STAKEHOLDERS)
_INSERT_ITEMS = insert(ITEM_STATES)
_INSERT_STAGE_CHANGES = insert(STAGE_CHANGES)
_LEFT_AT = bindparam("b_left", type_=STAGE_CHANGES.c.left_at.type)
_CLOSE_STAYS: dict[str, Update] = {}
"""Per dialect, the statement that closes a deal's open stay (building it took a third
of a store operation when it was built on every write)."""


def _close_statement(conn: Connection) -> Update:
    statement = _CLOSE_STAYS.get(conn.dialect.name)
    if statement is None:
        c = STAGE_CHANGES.c
        statement = (update(STAGE_CHANGES)
                     .where(c.deal_id == bindparam("b_deal"), c.left_at.is_(None))
                     .values(left_at=_LEFT_AT, days=days_between(conn, c.at, _LEFT_AT)))
        _CLOSE_STAYS[conn.dialect.name] = statement
    return statement


def _close_stays(conn: Connection, stored: set[str], moves: list[dict[str, Any]]) -> None:
    """Each stage change ends the stay the deal's previous one began: in `moves` itself,
    or, for the deals in `stored` (already in the database), the stay still open there."""
    latest: dict[str, dict[str, Any]] = {}
    in_database: list[dict[str, Any]] = []
    for row in moves:
        before = latest.get(row["deal_id"])
        if before is not None:
            before["left_at"] = row["at"]
            before["days"] = elapsed_days(before["at"], row["at"])
        elif row["deal_id"] in stored:
            in_database.append({"b_deal": row["deal_id"], "b_left": row["at"]})
        latest[row["deal_id"]] = row
        row.setdefault("left_at", None)
        row.setdefault("days", None)
    if in_database:
        conn.execute(_close_statement(conn), in_database)


def write_changes(conn: Connection, changes: Sequence[tuple[Deal, int, Sequence[Event]]],
                  keep_playbooks: Callable[[set[tuple[str, str]]], None], *,
                  checked: bool = False) -> None:
    """Within the open write transaction `conn`, store each (new deal projection, the
    version it was read at (0 for a new deal), its new events), in bulk; the playbook
    versions new deals run under are passed to `keep_playbooks` first.

    Raises `ConflictError` when a deal is no longer at the version it was read at; the
    caller's transaction then rolls everything back. `checked`: the caller read each
    deal in this transaction, locked, so its version is known not to have moved (and
    row counts are not looked at: the statements may be pipelined).
    """
    new = [deal_values(deal) for deal, expected, _ in changes if expected == 0]
    if new:
        keep_playbooks({(row["playbook_id"], row["playbook_version"]) for row in new})
        conn.execute(_INSERT_DEAL, new)
    for deal, expected, _ in changes:
        if expected:
            _update_projection(conn, deal, expected, checked)
    moved = [deal for deal, _, events in changes if any(
        isinstance(e, StakeholderAdded | StakeholderUpdated | StakeholderRemoved)
        for e in events)]
    if moved:
        conn.execute(delete(STAKEHOLDERS).where(
            STAKEHOLDERS.c.deal_id.in_([deal.id for deal in moved])))
        people = [{"deal_id": deal.id, "stakeholder_id": p.id, "name": p.name,
                   "roles": list(p.roles), "stance": p.stance.value,
                   "influence": p.influence.value}
                  for deal in moved for p in deal.stakeholders]
        if people:
            conn.execute(_INSERT_PEOPLE, people)
    events = [event for _, _, batch in changes for event in batch]
    done = [{"deal_id": e.deal_id, "item_id": e.item_id, "stage": e.stage,
             "actor": e.actor, "at": e.at, "evidence": e.evidence}
            for e in events if isinstance(e, ItemCompleted)]
    if done:
        conn.execute(_INSERT_ITEMS, done)
    if events:
        conn.execute(_INSERT_EVENTS, [event_values(e) for e in events])
    moves = [row for row in map(stage_change_values, events) if row is not None]
    if moves:
        _close_stays(conn, {deal.id for deal, expected, _ in changes if expected}, moves)
        conn.execute(_INSERT_STAGE_CHANGES, moves)


def _update_projection(conn: Connection, deal: Deal, expected: int, checked: bool) -> None:
    values = {**deal_values(deal), "b_id": deal.id, "b_expected": expected}
    result = conn.execute(_UPDATE_DEAL, values)
    if not checked and result.rowcount != 1:
        actual = conn.execute(select(DEALS.c.version).where(DEALS.c.id == deal.id)).scalar()
        raise ConflictError(deal.id, expected, None if actual is None else int(actual))
