"""`Store`: deals, their events and the playbooks they run under, in one database.

Every write appends a deal's new events and updates its projection in one transaction,
and only if the deal is still at the version the caller read (optimistic concurrency):
a write based on a stale read fails with `ConflictError` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dealflow._yaml import current_limits
from dealflow.deal import Deal, Status
from dealflow.engine import Engine, Outcome
from dealflow.errors import ConflictError, DealExists, DealNotFound, StoreError
from dealflow.events import (
    Event,
    ItemCompleted,
    StakeholderAdded,
    StakeholderRemoved,
    StakeholderUpdated,
    replay,
)
from dealflow.playbook.loader import _parse_cached, dump_playbook, load_playbook
from dealflow.playbook.model import Playbook
from dealflow.store._database import (
    engine_url,
    is_read_only,
    open_engine,
    prepare_schema,
    store_error,
    writer,
)
from dealflow.store._rows import (
    deal_from_data,
    deal_values,
    event_from_row,
    event_values,
    stage_change_values,
)
from dealflow.store._sql import days_between
from dealflow.store.tables import (
    DEALS,
    EVENTS,
    ITEM_STATES,
    PLAYBOOKS,
    STAGE_CHANGES,
    STAKEHOLDERS,
)

__all__ = ["DEFAULT_URL", "Store", "database_url"]

DEFAULT_URL = "sqlite:///dealflow.db"
Clock = Callable[[], dt.datetime]


# Statements built once: building them is most of the cost of a small write.
_GET_DATA = select(DEALS.c.data).where(DEALS.c.id == bindparam("b_id"))
_INSERT_DEAL = insert(DEALS)
_UPDATE_DEAL = update(DEALS).where(DEALS.c.id == bindparam("b_id"),
                                   DEALS.c.version == bindparam("b_expected"))
_INSERT_EVENTS = insert(EVENTS)
_INSERT_PEOPLE = insert(STAKEHOLDERS)
_INSERT_ITEMS = insert(ITEM_STATES)
_INSERT_STAGE_CHANGES = insert(STAGE_CHANGES)


_LEFT_AT = bindparam("b_left", type_=STAGE_CHANGES.c.left_at.type)


def _close_stays(conn: Connection, stored: set[str], moves: list[dict[str, Any]]) -> None:
    """Each stage change ends the stay the deal's previous one began: in `moves` itself,
    or, for the deals in `stored` (already in the database), the stay still open there."""
    latest: dict[str, dict[str, Any]] = {}
    in_database: list[dict[str, Any]] = []
    for row in moves:
        before = latest.get(row["deal_id"])
        if before is not None:
            before["left_at"] = row["at"]
            before["days"] = (row["at"] - before["at"]).total_seconds() / 86400
        elif row["deal_id"] in stored:
            in_database.append({"b_deal": row["deal_id"], "b_left": row["at"]})
        latest[row["deal_id"]] = row
        row.setdefault("left_at", None)
        row.setdefault("days", None)
    if in_database:
        c = STAGE_CHANGES.c
        conn.execute(update(STAGE_CHANGES)
                     .where(c.deal_id == bindparam("b_deal"), c.left_at.is_(None))
                     .values(left_at=_LEFT_AT, days=days_between(conn, c.at, _LEFT_AT)),
                     in_database)


def database_url(explicit: str | None = None) -> str:
    """`explicit`, else `DEALFLOW_DATABASE_URL`, else a `dealflow.db` file here."""
    return explicit or os.environ.get("DEALFLOW_DATABASE_URL") or DEFAULT_URL


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """Deals in a database (SQLite by default, PostgreSQL for teams)."""

    def __init__(self, url: str | None = None, *, playbook: Playbook | None = None,
                 clock: Clock = _now) -> None:
        self.url = database_url(url)
        self.clock = clock
        self._db = open_engine(self.url)
        self._writer = writer(self._db)
        self._guard(lambda: prepare_schema(self._db))
        self._playbooks: dict[tuple[str, str], Playbook] = {}
        self._engines: dict[tuple[str, str], Engine] = {}
        self.playbook = playbook or load_playbook()
        self.register_playbook(self.playbook)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that writes (on SQLite it takes the write lock at once); it
        commits when the block ends, or writes nothing if the block or the commit fails.
        A database failure is a `StoreError`."""
        try:
            with self._writer.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise store_error(exc, self._safe_url()) from None

    @property
    def database(self) -> SqlEngine:
        """The SQLAlchemy engine, for read-only queries such as the analytics."""
        return self._db

    def close(self) -> None:
        """Release the database connections."""
        self._db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _guard(self, work: Callable[[], Any]) -> Any:
        """Run `work`; a database failure becomes a `StoreError` that says what happened
        (full disk, read-only file, lost server, ...). An `IntegrityError` passes through
        for `save` to report as a conflict."""
        try:
            return work()
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise store_error(exc, self._safe_url()) from None

    def _safe_url(self) -> str:
        return engine_url(self._db)

    # -- playbooks --------------------------------------------------------------------------
    def register_playbook(self, playbook: Playbook) -> None:
        """Keep `playbook` in the database so that deals running under it can be read.

        A database that may not be written (a read-only file, a `mode=ro` URL) keeps it in
        memory only: no deal in it runs under a playbook it does not hold, and the first
        write says that the database is read-only.
        """
        key = (playbook.id, playbook.version)
        self._playbooks[key] = playbook
        stored = select(PLAYBOOKS.c.id).where(PLAYBOOKS.c.id == playbook.id,
                                              PLAYBOOKS.c.version == playbook.version)

        def kept() -> bool:
            with self._db.connect() as conn:  # a read first: most opens find it there
                return conn.execute(stored).first() is not None

        def save() -> None:
            with self._writer.begin() as conn:
                if conn.execute(stored).first() is None:
                    conn.execute(insert(PLAYBOOKS).values(
                        id=playbook.id, version=playbook.version, text=dump_playbook(playbook)))

        if self._guard(kept):
            return
        try:
            save()
        except IntegrityError:  # another process stored the same version just before us
            pass
        except SQLAlchemyError as exc:
            if not is_read_only(exc):
                raise store_error(exc, self._safe_url()) from None

    def playbook_for(self, playbook_id: str, version: str) -> Playbook:
        """The playbook version a deal runs under (from memory, else from the database)."""
        key = (playbook_id, version)
        if key not in self._playbooks:
            def read() -> Any:
                with self._db.connect() as conn:
                    return conn.execute(select(PLAYBOOKS.c.text).where(
                        PLAYBOOKS.c.id == playbook_id, PLAYBOOKS.c.version == version)).scalar()

            text = self._guard(read)
            if text is None:
                raise StoreError(f"playbook {playbook_id} {version} is not in the store")
            self._playbooks[key] = _parse_cached(text, f"<store {playbook_id} {version}>",
                                                 current_limits())
        return self._playbooks[key]

    def engine_for(self, deal: Deal) -> Engine:
        """The engine of the playbook version `deal` runs under."""
        key = (deal.playbook_id, deal.playbook_version)
        if key not in self._engines:
            self._engines[key] = Engine(self.playbook_for(*key), clock=self.clock)
        return self._engines[key]

    # -- reading ----------------------------------------------------------------------------
    def _deal(self, row_data: dict[str, Any]) -> Deal:
        key = (str(row_data["playbook_id"]), str(row_data["playbook_version"]))
        return deal_from_data(row_data, self.playbook_for(*key))

    def get(self, deal_id: str) -> Deal:
        """The deal as it stands; `DealNotFound` when there is none."""
        def read() -> Any:
            with self._db.connect() as conn:
                return conn.execute(_GET_DATA, {"b_id": deal_id}).scalar()

        data = self._guard(read)
        if data is None:
            raise DealNotFound(deal_id)
        return self._deal(data)

    def list_deals(self, *, stage: str | None = None, status: Status | str | None = None,
                   owner: str | None = None, account: str | None = None,
                   limit: int | None = None, offset: int = 0) -> list[Deal]:
        """Deals matching every filter given, by id."""
        query = select(DEALS.c.data).order_by(DEALS.c.id).offset(offset)
        filters = {"stage": stage, "status": Status(status).value if status else None,
                   "owner": owner, "account": account}
        for column, value in filters.items():
            if value is not None:
                query = query.where(DEALS.c[column] == value)
        if limit is not None:
            query = query.limit(limit)

        def read() -> list[Any]:
            with self._db.connect() as conn:
                return list(conn.execute(query).scalars())

        return [self._deal(data) for data in self._guard(read)]

    def count_deals(self) -> int:
        """How many deals the store holds."""
        def read() -> int:
            with self._db.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(DEALS)).scalar_one())

        return int(self._guard(read))

    def events(self, deal_id: str) -> list[Event]:
        """Every event of a deal, first to last."""
        return list(self.iter_events(deal_id))

    def iter_events(self, deal_id: str | None = None) -> Iterator[Event]:
        """Events of one deal, or of all deals (by deal, then sequence), streamed."""
        query = select(EVENTS).order_by(EVENTS.c.deal_id, EVENTS.c.seq)
        if deal_id is not None:
            query = query.where(EVENTS.c.deal_id == deal_id)
        try:
            with self._db.connect() as conn:
                result = conn.execution_options(yield_per=1000).execute(query)
                for row in result:
                    yield event_from_row(row)
        except SQLAlchemyError as exc:
            raise store_error(exc, self._safe_url()) from None

    def replay(self, deal_id: str) -> Deal:
        """The deal rebuilt from its events alone."""
        events = self.events(deal_id)
        if not events:
            raise DealNotFound(deal_id)
        created = events[0]
        playbook_id = getattr(created, "playbook_id", self.playbook.id)
        version = getattr(created, "playbook_version", self.playbook.version)
        return replay(events, self.playbook_for(playbook_id, version), resolve=self.playbook_for)

    # -- writing ----------------------------------------------------------------------------
    def create(self, *, playbook: Playbook | None = None, **fields: Any) -> Outcome:
        """Open a new deal (see `Engine.create` for the fields) and store it."""
        chosen = playbook or self.playbook
        if playbook is not None:
            self.register_playbook(playbook)
        engine = self.engine_for_playbook(chosen)
        outcome = engine.create(**fields)
        self.save(outcome, expected_version=0)
        return outcome

    def engine_for_playbook(self, playbook: Playbook) -> Engine:
        """The engine of `playbook` (registered in the store)."""
        key = (playbook.id, playbook.version)
        if key not in self._playbooks:
            self.register_playbook(playbook)
        if key not in self._engines:
            self._engines[key] = Engine(playbook, clock=self.clock)
        return self._engines[key]

    def apply(self, deal_id: str, operation: Callable[[Engine, Deal], Outcome]) -> Outcome:
        """Read the deal, run `operation(engine, deal)`, and store its events if it was allowed.

        Raises `ConflictError` when someone else wrote the deal in between.
        """
        deal = self.get(deal_id)
        outcome = operation(self.engine_for(deal), deal)
        if outcome.ok and outcome.events:
            self.save(outcome, expected_version=deal.version)
        return outcome

    def save(self, outcome: Outcome, *, expected_version: int) -> None:
        """Store an outcome's events and new projection, if the deal is still at
        `expected_version` (0 for a new deal); else `ConflictError`, nothing written."""
        if not outcome.events:
            return
        deal = outcome.deal

        def write() -> None:
            with self._writer.begin() as conn:
                self.write_changes(conn, [(deal, expected_version, outcome.events)])

        try:
            self._guard(write)
        except IntegrityError:
            actual = self._version_of(deal.id)
            if expected_version == 0:
                raise DealExists(deal.id, actual) from None
            raise ConflictError(deal.id, expected_version, actual) from None

    def _version_of(self, deal_id: str) -> int | None:
        def read() -> Any:
            with self._db.connect() as conn:
                return conn.execute(select(DEALS.c.version).where(DEALS.c.id == deal_id)
                                    ).scalar()

        found = self._guard(read)
        return None if found is None else int(found)

    def write_changes(self, conn: Connection,
                      changes: Sequence[tuple[Deal, int, Sequence[Event]]]) -> None:
        """Within the open write transaction `conn`, store each (new deal projection,
        the version it was read at (0 for a new deal), its new events), in bulk.

        Raises `ConflictError` when a deal is no longer at the version it was read at;
        the caller's transaction then rolls everything back.
        """
        new = [deal_values(deal) for deal, expected, _ in changes if expected == 0]
        if new:
            conn.execute(_INSERT_DEAL, new)
        for deal, expected, _ in changes:
            if expected:
                self._update_projection(conn, deal, expected)
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

    def _update_projection(self, conn: Connection, deal: Deal, expected: int) -> None:
        values = {**deal_values(deal), "b_id": deal.id, "b_expected": expected}
        result = conn.execute(_UPDATE_DEAL, values)
        if result.rowcount != 1:
            actual = conn.execute(select(DEALS.c.version).where(DEALS.c.id == deal.id)).scalar()
            raise ConflictError(deal.id, expected, None if actual is None else int(actual))
