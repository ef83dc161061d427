"""`Store`: deals, their events and the playbooks they run under, in one database.

The store keeps every playbook version a deal runs under (its id, version and text), so
any process reads a deal with its own playbook. A figure over many deals works on one
playbook: the one chosen, else the only one whose deals the store holds
(`Store.choose_playbook`); it never guesses between several.

Every write appends a deal's new events and updates its projection in one transaction,
and only if the deal is still at the version the caller read (optimistic concurrency):
a write based on a stale read fails with `ConflictError` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, func, insert, select
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dealflow._messages import _
from dealflow.deal import Deal, Status, Team
from dealflow.engine import DealCreated, Engine, Event, Outcome, replay
from dealflow.errors import ConflictError, DealExists, DealNotFound, PlaybookChoiceError, StoreError
from dealflow.limits import current_limits
from dealflow.playbook import (
    Playbook,
    bundled_playbooks,
    dump_playbook,
    load_playbook,
    parse_playbook_cached,
)
from dealflow.store._database import (
    engine_url,
    is_read_only,
    open_engine,
    prepare_schema,
    reader,
    store_error,
    writer,
)
from dealflow.store._postgres import Reconnecting
from dealflow.store._rows import deal_from_data, event_from_row
from dealflow.store._sweep import Sweeping
from dealflow.store._tables import DEALS, EVENTS, PLAYBOOKS
from dealflow.store._writes import write_changes

__all__ = ["DEFAULT_URL", "HeldPlaybook", "Store", "database_url", "version_order"]

DEFAULT_URL = "sqlite:///dealflow.db"
Clock = Callable[[], dt.datetime]


_GET_DATA = select(DEALS.c.data).where(DEALS.c.id == bindparam("b_id"))


def version_order(version: str) -> tuple[tuple[int, str], ...]:
    """A sort key for playbook versions: numbers compare as numbers ("1.10" after "1.9"),
    other text as text."""
    return tuple((int(part), "") if part.isdigit() else (-1, part)
                 for part in re.split(r"(\d+)", version) if part)


class HeldPlaybook(NamedTuple):
    """A playbook version the store keeps, and how many deals run under it now."""

    id: str
    version: str
    deals: int


def _stored(conn: Connection, key: tuple[str, str]) -> bool:
    """Whether the database holds the playbook version `key` (id, version)."""
    return conn.execute(select(PLAYBOOKS.c.id).where(
        PLAYBOOKS.c.id == key[0], PLAYBOOKS.c.version == key[1])).first() is not None


def _bundled(playbook_id: str, version: str) -> Playbook | None:
    """The bundled playbook of exactly this id and version, if dealflow ships it."""
    if playbook_id not in bundled_playbooks():
        return None
    playbook = load_playbook(playbook_id)
    return playbook if playbook.version == version else None


def database_url(explicit: str | None = None) -> str:
    """`explicit`, else `DEALFLOW_DATABASE_URL`, else a `dealflow.db` file here."""
    return explicit or os.environ.get("DEALFLOW_DATABASE_URL") or DEFAULT_URL


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store(Sweeping, Reconnecting):
    """Deals in a database (SQLite by default, PostgreSQL for teams).

    `playbook`, when given, is kept in the store and is the one this handle works on:
    new deals open under it and figures count its deals. Without it, a new deal opens
    under the only playbook the store holds (the bundled default in an empty store), and
    figures work on the only playbook whose deals the store holds; with several, both
    raise `PlaybookChoiceError` until one is chosen.
    """

    def __init__(self, url: str | None = None, *, playbook: Playbook | None = None,
                 clock: Clock = _now, team: Team | None = None) -> None:
        self.url = database_url(url)
        self.clock = clock
        self.team = team  # our people and their roles, for every engine of this handle
        self._db = open_engine(self.url)
        self._writer, self._reader = writer(self._db), reader(self._db)
        self._guard(lambda: prepare_schema(self._db))
        self._playbooks: dict[tuple[str, str], Playbook] = {}
        self._engines: dict[tuple[str, str], Engine] = {}
        self._chosen = playbook
        if playbook is not None:
            self.register_playbook(playbook)

    @property
    def playbook(self) -> Playbook:
        """The playbook this handle works on (see the class docstring); raises
        `PlaybookChoiceError` when the store holds several and none was chosen."""
        return self.choose_playbook()

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

        def kept() -> bool:
            with self._reader.connect() as conn:  # a read first: most opens find it there
                return _stored(conn, key)

        def save() -> None:
            with self._writer.begin() as conn:
                self._keep_playbooks(conn, [key])

        if self._read(kept):
            return
        try:
            save()
        except IntegrityError:  # another process stored the same version just before us
            pass
        except SQLAlchemyError as exc:
            if not is_read_only(exc):
                raise store_error(exc, self._safe_url()) from None

    def _keep_playbooks(self, conn: Connection, keys: Iterable[tuple[str, str]]) -> None:
        """Within `conn`, store each playbook version in `keys` not stored yet (each must be
        in memory: registered, or read by `playbook_for`)."""
        for key in set(keys):
            if not _stored(conn, key):
                conn.execute(insert(PLAYBOOKS).values(
                    id=key[0], version=key[1], text=dump_playbook(self._playbooks[key])))

    def playbook_for(self, playbook_id: str, version: str) -> Playbook:
        """The playbook version a deal runs under (from memory, else from the database)."""
        key = (playbook_id, version)
        if key not in self._playbooks:
            def read() -> Any:
                with self._reader.connect() as conn:
                    return conn.execute(select(PLAYBOOKS.c.text).where(
                        PLAYBOOKS.c.id == playbook_id, PLAYBOOKS.c.version == version)).scalar()

            text = self._read(read)
            if text is None:
                bundled = _bundled(playbook_id, version)
                if bundled is None:
                    raise StoreError(_("playbook {id} {version} is not in the store; open a deal "
                                       "under it first (dealflow deal new --playbook FILE) or "
                                       "import an export that carries it", id=playbook_id,
                                       version=version))
                self._playbooks[key] = bundled  # stored with the first deal written under it
                return bundled
            self._playbooks[key] = parse_playbook_cached(text, f"<store {playbook_id} {version}>",
                                                 current_limits())
        return self._playbooks[key]

    def held_playbooks(self) -> list[HeldPlaybook]:
        """Every playbook version the store keeps, with the deals running under it; by id,
        then version (oldest first)."""
        def read() -> list[Any]:
            counts = (select(DEALS.c.playbook_id, DEALS.c.playbook_version,
                             func.count().label("deals"))
                      .group_by(DEALS.c.playbook_id, DEALS.c.playbook_version).subquery())
            query = select(PLAYBOOKS.c.id, PLAYBOOKS.c.version,
                           func.coalesce(counts.c.deals, 0)).outerjoin(
                counts, (counts.c.playbook_id == PLAYBOOKS.c.id)
                & (counts.c.playbook_version == PLAYBOOKS.c.version))
            with self._reader.connect() as conn:
                return list(conn.execute(query))

        held = [HeldPlaybook(str(pid), str(version), int(deals))
                for pid, version, deals in self._read(read)]
        return sorted(held, key=lambda h: (h.id, version_order(h.version)))

    def choose_playbook(self, choice: str | Playbook | None = None) -> Playbook:
        """The playbook a command over many deals works on.

        `choice` is a playbook, or an id (its newest version in the store) or `ID@VERSION`.
        Without one: the playbook this handle was opened with, else the only playbook whose
        deals the store holds (its newest version). Raises `PlaybookChoiceError` (naming
        what the store holds) when that is not one playbook, or the choice is not stored.
        """
        if isinstance(choice, Playbook):
            return choice
        if choice is None and self._chosen is not None:
            return self._chosen
        held = self.held_playbooks()
        if choice is not None:
            wanted, _at, version = choice.partition("@")
            matching = [h for h in held if h.id == wanted and version in ("", h.version)]
            if not matching:
                raise PlaybookChoiceError(_("no playbook {choice!r} in the store", choice=choice),
                                          held)
            return self.playbook_for(wanted, matching[-1].version)
        with_deals = sorted({h.id for h in held if h.deals})
        ids = with_deals or sorted({h.id for h in held})
        if not ids:
            raise PlaybookChoiceError(_("the store holds no playbook yet: open a deal or "
                                        "import some first"), held)
        if len(ids) > 1:
            raise PlaybookChoiceError(_("the store holds deals of {count} playbooks; choose "
                                        "one with --playbook ID", count=len(ids)), held)
        newest = [h for h in held if h.id == ids[0]][-1]
        return self.playbook_for(newest.id, newest.version)

    def playbook_for_new_deals(self, choice: str | Playbook | None = None) -> Playbook:
        """The playbook a new deal opens under: as `choose_playbook`, except that an empty
        store offers the bundled default playbook, and an id the store does not hold may
        name a bundled playbook."""
        if isinstance(choice, Playbook) or (choice is None and self._chosen is not None):
            return self.choose_playbook(choice)
        held = self.held_playbooks()
        if choice is None and not held:
            return load_playbook()
        if choice is not None and not any(h.id == choice.partition("@")[0] for h in held):
            return load_playbook(choice)
        return self.choose_playbook(choice)

    def engine_for(self, deal: Deal) -> Engine:
        """The engine of the playbook version `deal` runs under."""
        return self.engine_for_playbook(self.playbook_for(deal.playbook_id,
                                                          deal.playbook_version))

    # -- reading ----------------------------------------------------------------------------
    def _deal(self, row_data: dict[str, Any]) -> Deal:
        key = (str(row_data["playbook_id"]), str(row_data["playbook_version"]))
        return deal_from_data(row_data, self.playbook_for(*key))

    def get(self, deal_id: str) -> Deal:
        """The deal as it stands; `DealNotFound` when there is none."""
        def read() -> Any:
            with self._reader.connect() as conn:
                return conn.execute(_GET_DATA, {"b_id": deal_id}).scalar()

        data = self._read(read)
        if data is None:
            raise DealNotFound(deal_id)
        return self._deal(data)

    def list_deals(self, *, stage: str | None = None, status: Status | str | None = None,
                   owner: str | None = None, account: str | None = None,
                   playbook_id: str | None = None,
                   limit: int | None = None, offset: int = 0) -> list[Deal]:
        """Deals matching every filter given, by id."""
        query = select(DEALS.c.data).order_by(DEALS.c.id).offset(offset)
        filters = {"stage": stage, "status": Status(status).value if status else None,
                   "owner": owner, "account": account, "playbook_id": playbook_id}
        for column, value in filters.items():
            if value is not None:
                query = query.where(DEALS.c[column] == value)
        if limit is not None:
            query = query.limit(limit)

        def read() -> list[Any]:
            with self._reader.connect() as conn:
                return list(conn.execute(query).scalars())

        return [self._deal(data) for data in self._read(read)]

    def count_deals(self) -> int:
        """How many deals the store holds."""
        def read() -> int:
            with self._reader.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(DEALS)).scalar_one())

        return int(self._read(read))

    def events(self, deal_id: str) -> list[Event]:
        """Every event of a deal, first to last."""
        return list(self.iter_events(deal_id))

    def iter_events(self, deal_id: str | None = None, *,
                    playbook_id: str | None = None) -> Iterator[Event]:
        """Events of one deal, or of all deals (of one playbook id, with `playbook_id`),
        by deal, then sequence, streamed."""
        query = select(EVENTS).order_by(EVENTS.c.deal_id, EVENTS.c.seq)
        if deal_id is not None:
            query = query.where(EVENTS.c.deal_id == deal_id)
        if playbook_id is not None:
            query = query.where(EVENTS.c.deal_id.in_(
                select(DEALS.c.id).where(DEALS.c.playbook_id == playbook_id)))
        return (event_from_row(row) for row in self._stream(query))

    def first_event(self, deal_id: str) -> Event | None:
        """The first event of a deal (its creation), or None when the store holds no such
        deal."""
        def read() -> Any:
            with self._reader.connect() as conn:
                return conn.execute(select(EVENTS).where(EVENTS.c.deal_id == deal_id)
                                    .order_by(EVENTS.c.seq).limit(1)).first()

        row = self._read(read)
        return None if row is None else event_from_row(row)

    def replay(self, deal_id: str) -> Deal:
        """The deal rebuilt from its events alone."""
        events = self.events(deal_id)
        if not events:
            raise DealNotFound(deal_id)
        created = events[0]
        if not isinstance(created, DealCreated):
            raise StoreError(f"deal {deal_id!r} has no creation event; its history is broken")
        return replay(events, self.playbook_for(created.playbook_id, created.playbook_version),
                      resolve=self.playbook_for)

    # -- writing ----------------------------------------------------------------------------
    def create(self, *, playbook: Playbook | None = None, **fields: Any) -> Outcome:
        """Open a new deal (see `Engine.create` for the fields) and store it, under
        `playbook` if given, else as `playbook_for_new_deals` says."""
        engine = self.engine_for_playbook(playbook or self.playbook_for_new_deals())
        outcome = engine.create(**fields)
        self.save(outcome, expected_version=0)
        return outcome

    def engine_for_playbook(self, playbook: Playbook) -> Engine:
        """The engine of `playbook` (registered in the store)."""
        key = (playbook.id, playbook.version)
        if key not in self._playbooks:
            self.register_playbook(playbook)
        if key not in self._engines:  # history in rules reads the deal's stored events
            self._engines[key] = Engine(playbook, clock=self.clock, team=self.team,
                                        history=lambda deal: self.events(deal.id))
        return self._engines[key]

    def apply(self, deal_id: str, operation: Callable[[Engine, Deal], Outcome]) -> Outcome:
        """Read the deal, run `operation(engine, deal)`, and store its events if it was allowed.

        Raises `ConflictError` when someone else wrote the deal in between.
        """
        if self._db.dialect.name == "postgresql":  # read locked in the write: `_postgres`
            return self._apply_locked(deal_id, operation)
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
            with self._reader.connect() as conn:
                return conn.execute(select(DEALS.c.version).where(DEALS.c.id == deal_id)
                                    ).scalar()

        found = self._read(read)
        return None if found is None else int(found)

    def write_changes(self, conn: Connection,
                      changes: Sequence[tuple[Deal, int, Sequence[Event]]]) -> None:
        """Within the open write transaction `conn`, store each (new deal projection,
        the version it was read at (0 for a new deal), its new events), in bulk, with the
        playbooks new deals run under.

        Raises `ConflictError` when a deal is no longer at the version it was read at;
        the caller's transaction then rolls everything back.
        """
        write_changes(conn, changes, lambda keys: self._keep_playbooks(conn, keys))
