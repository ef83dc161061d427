"""The first pass of a JSON Lines import: every line checked, nothing written.

Beyond reading each record (`_records`), the check holds each deal to the playbook
version it runs under, as the CLI does: the playbook must be in the file (before the
deal) or in the store; every stage, fact, role, lost reason and checklist item an event
names must be that playbook's; a fact's value must be of the fact's type; a deal starts
with `deal_created` at sequence number 1, or continues a deal the store holds. The
control points are not run again: the events record moves that were already made.

Memory grows with the number of deals (a playbook key and two numbers each), never with
the number of lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from dealflow._messages import N_, _
from dealflow._problems import did_you_mean
from dealflow.deal import coerce_fact
from dealflow.engine import (
    DealClosed,
    DealCreated,
    DealLost,
    DealMigrated,
    DealReopened,
    DealWon,
    Event,
    FactSet,
    FactVerified,
    GateWaived,
    ItemCompleted,
    ItemOpened,
    PlayCompleted,
    PlayDeclined,
    PlayTaken,
    ReviewGiven,
    StageAdvanced,
    StageMovedBack,
    StakeholderAdded,
    StakeholderUpdated,
)
from dealflow.errors import DealNotFound, PlaybookError, StoreError
from dealflow.limits import Limits
from dealflow.playbook import Fact, Playbook, dump_playbook, parse_playbook
from dealflow.store._records import PlaybookRecord
from dealflow.store._repository import Store
from dealflow.store._rows import event_values
from dealflow.store._tables import PLAYBOOKS

__all__ = ["FirstPass"]

Key = tuple[str, str]
"""A playbook version: (id, version)."""


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """What a playbook version lets an event name."""

    playbook: Playbook
    stages: frozenset[str]
    facts: dict[str, Fact]
    roles: frozenset[str]
    reasons: frozenset[str]
    items: dict[str, frozenset[str]]

    @classmethod
    def of(cls, playbook: Playbook) -> _Vocabulary:
        return cls(playbook, frozenset(stage.id for stage in playbook.stages),
                   {fact.id: fact for fact in playbook.facts},
                   frozenset(role.id for role in playbook.roles),
                   frozenset(reason.id for reason in playbook.lost_reasons),
                   {stage.id: frozenset(item.id for item in stage.items)
                    for stage in playbook.stages})

    @property
    def name(self) -> str:
        return _("playbook {id} {version}", id=self.playbook.id, version=self.playbook.version)

    def unknown(self, kind: str, value: str, known: frozenset[str] | dict[str, Fact],
                where: str = "") -> str:
        return _("unknown {what} {value!r} in {where}{playbook}", what=_(kind), value=value,
                 where=where, playbook=self.name) + did_you_mean(value, known)


@dataclass(slots=True)
class _Track:
    """A deal between its lines: the playbook version it runs under now (None when that
    is not known: its problem was said once), its last sequence number, and the version
    the store holds it at (events up to it are skipped, so not checked)."""

    key: Key | None
    seq: int
    stored: int = 0
    opened: set[str] = field(default_factory=set)
    """The items opened on the deal outside its stages' checklists (by `item_opened`)."""


@dataclass
class FirstPass:
    """Checks the records of one file in order; each check returns a problem or None."""

    store: Store
    limits: Limits
    new: dict[Key, Playbook] = field(default_factory=dict)
    """The playbook versions of the file the store does not hold: stored before the events."""
    records: int = 0
    """The playbook records of the file."""
    _carried: dict[Key, tuple[str, _Vocabulary]] = field(default_factory=dict)
    _stored: dict[Key, _Vocabulary | None] = field(default_factory=dict)
    _deals: dict[str, _Track] = field(default_factory=dict)
    _empty: bool | None = None
    """Whether the store held no deal when the pass began (then no creation needs looking
    up: one count instead of a query per deal)."""

    # -- playbooks ---------------------------------------------------------------------------
    def playbook(self, record: PlaybookRecord, where: str) -> str | None:
        """Check a playbook record; `where` names its line in messages."""
        key = (record.id, record.version)
        if key in self._carried:
            if self._carried[key][0] == record.text:
                return None
            return _("playbook {id} {version} is in this file twice, with different texts",
                     id=record.id, version=record.version)
        try:
            playbook = parse_playbook(record.text, where, limits=self.limits)
        except PlaybookError as exc:
            shown = _("; ").join(_("{path} (line {line}): {message}",
                                   path=p.path or "<document>", line=p.line, message=p.message)
                                 for p in exc.problems[:3])
            more = (_(" (and {count} more)", count=len(exc.problems) - 3)
                    if len(exc.problems) > 3 else "")
            return _("playbook {id} {version} is not a valid playbook: {problems}",
                     id=record.id, version=record.version, problems=shown) + more
        if (playbook.id, playbook.version) != key:
            return _("the playbook record says {id} {version}, but its text is playbook "
                     "{text_id} {text_version}", id=record.id, version=record.version,
                     text_id=playbook.id, text_version=playbook.version)
        stored = self._stored_text(key)
        if stored is None:
            self.new[key] = playbook
        elif stored != record.text and dump_playbook(self.store.playbook_for(*key)) \
                != dump_playbook(playbook):
            return _("the store holds playbook {id} {version} with other content: a playbook "
                     "version never changes once deals run under it; give the changed "
                     "playbook a new version", id=record.id, version=record.version)
        self._carried[key] = (record.text, _Vocabulary.of(playbook))
        return None

    def _stored_text(self, key: Key) -> str | None:
        with self.store.database.connect() as conn:
            text = conn.execute(select(PLAYBOOKS.c.text).where(
                PLAYBOOKS.c.id == key[0], PLAYBOOKS.c.version == key[1])).scalar()
        return None if text is None else str(text)

    def _vocabulary(self, key: Key) -> _Vocabulary | None:
        if key in self._carried:
            return self._carried[key][1]
        if key not in self._stored:
            try:
                self._stored[key] = _Vocabulary.of(self.store.playbook_for(*key))
            except StoreError:
                self._stored[key] = None
        return self._stored[key]

    def _missing(self, deal_id: str, key: Key) -> str:
        return _("deal {deal} runs under playbook {id} {version}, which neither this file "
                 "(before this line) nor the store holds; export the deals again with this "
                 "dealflow (its exports carry their playbooks), or add the playbook to the "
                 "store first", deal=deal_id, id=key[0], version=key[1])

    # -- events ------------------------------------------------------------------------------
    def event(self, event: Event) -> str | None:
        """Check an event against the deal's earlier lines and its playbook."""
        track = self._deals.get(event.deal_id)
        if track is None:
            track, problem = self._start(event)
            self._deals[event.deal_id] = track
            if problem is not None:
                return problem
        else:
            previous, track.seq = track.seq, event.seq
            if event.seq != previous + 1:
                return _("deal {deal}: seq {seq} follows seq {previous} (sequence numbers "
                         "rise one by one per deal)", deal=event.deal_id, seq=event.seq,
                         previous=previous)
            if isinstance(event, DealCreated):
                return _("deal {deal}: deal_created again at seq {seq}; a deal is created "
                         "once, by its first event", deal=event.deal_id, seq=event.seq)
        if isinstance(event, DealMigrated):
            return self._migrate(track, event)
        if isinstance(event, ItemOpened):
            track.opened.add(event.item_id)
        if track.key is None or event.seq <= track.stored:
            return None
        if isinstance(event, ItemCompleted) and event.item_id in track.opened:
            return None  # a follow-up opened on the deal, not an item of a stage
        words = self._vocabulary(track.key)
        problem = None if words is None else _refused(event, words)
        return None if problem is None else _("deal {deal}: {problem}", deal=event.deal_id,
                                               problem=problem)

    def _start(self, event: Event) -> tuple[_Track, str | None]:
        """The track of a deal first seen on this line (and what is wrong, if anything)."""
        if isinstance(event, DealCreated):
            key = (event.playbook_id, event.playbook_version)
            if event.seq != 1:
                return _Track(key, event.seq), _(
                    "deal {deal}: deal_created has seq {seq}; a deal begins with "
                    "deal_created at seq 1", deal=event.deal_id, seq=event.seq)
            if self._vocabulary(key) is None:
                return _Track(None, event.seq), self._missing(event.deal_id, key)
            return self._created(event, key)
        try:
            deal = self.store.get(event.deal_id)
        except DealNotFound:
            return _Track(None, event.seq), _(
                "deal {deal}: its first line here is {type} (seq {seq}), and the store holds "
                "no deal {deal}; a deal begins with deal_created (seq 1)", deal=event.deal_id,
                type=event.type, seq=event.seq)
        track = _Track((deal.playbook_id, deal.playbook_version), event.seq, deal.version,
                       set(deal.items_opened))
        if event.seq > deal.version + 1:
            return track, _("deal {deal}: the store holds it at version {version}, and this "
                            "file goes on at seq {seq}: the events from seq {first} are "
                            "missing", deal=event.deal_id, version=deal.version,
                            seq=event.seq, first=deal.version + 1)
        return track, None

    def _created(self, event: DealCreated, key: Key) -> tuple[_Track, str | None]:
        """A deal's creation: new to the store, or the very deal the store holds (its
        stored events are then skipped). Another deal of the same id is refused, so that
        no event of one deal is ever added to another."""
        if self._empty is None:
            self._empty = self.store.count_deals() == 0
        stored = None if self._empty else self.store.first_event(event.deal_id)
        if stored is None:
            return _Track(key, event.seq), None
        if event_values(stored) == event_values(event):
            return _Track(key, event.seq, self.store.get(event.deal_id).version), None
        under = (_(" under {playbook}", playbook=stored.playbook_id)
                 if isinstance(stored, DealCreated) else "")
        return _Track(None, event.seq), _(
            "deal {deal}: the store holds another deal of this id (created {created}{under}; "
            "this one {at} under {playbook}); import it into another store, or give it "
            "another id", deal=event.deal_id, created=f"{stored.at:%Y-%m-%d %H:%M}",
            under=under, at=f"{event.at:%Y-%m-%d %H:%M}", playbook=event.playbook_id)

    def _migrate(self, track: _Track, event: DealMigrated) -> str | None:
        if track.key is None:
            return None
        old = self._vocabulary(track.key)
        new_key = (track.key[0], event.to_version)
        if event.seq > track.stored and event.from_version != track.key[1]:
            return _("deal {deal}: deal_migrated from version {version}, but the deal runs "
                     "under version {current}", deal=event.deal_id,
                     version=event.from_version, current=track.key[1])
        track.key = new_key
        words = self._vocabulary(new_key)
        if words is None:
            track.key = None
            return self._missing(event.deal_id, new_key)
        if event.seq <= track.stored:
            return None
        if old is not None and event.from_stage not in old.stages:
            return _("deal {deal}: {problem}", deal=event.deal_id, problem=old.unknown(
                N_("stage"), event.from_stage, old.stages))
        if event.to_stage not in words.stages:
            return _("deal {deal}: {problem}", deal=event.deal_id, problem=words.unknown(
                N_("stage"), event.to_stage, words.stages))
        return None


def _stages(event: Event) -> tuple[str, ...]:
    if isinstance(event, StageAdvanced | StageMovedBack):
        return (event.from_stage, event.to_stage)
    if isinstance(event, DealCreated | DealWon | DealLost | DealReopened | ItemCompleted
                  | DealClosed | GateWaived | ReviewGiven | PlayTaken | PlayDeclined):
        return (event.stage,)
    return ()


def _closing(event: Event, words: _Vocabulary) -> str | None:
    """A lost reason or an outcome the playbook does not hold; None when all is well."""
    if isinstance(event, DealLost) and event.reason is not None and (
            event.reason not in words.reasons):
        return words.unknown(N_("lost reason"), event.reason, words.reasons)
    if isinstance(event, DealClosed):
        moves = words.playbook.moves
        outcomes = frozenset(o.id for o in (moves.outcomes if moves else ()))
        if event.outcome not in outcomes:
            return words.unknown(N_("outcome"), event.outcome, outcomes)
    return None


def _refused(event: Event, words: _Vocabulary) -> str | None:
    """What `event` names that its playbook does not hold, or a fact value of the wrong
    type; None when all is well."""
    for stage in _stages(event):
        if stage not in words.stages:
            return words.unknown(N_("stage"), stage, words.stages)
    closing = _closing(event, words)
    if closing is not None:
        return closing
    if isinstance(event, StakeholderAdded | StakeholderUpdated):
        for role in event.stakeholder.roles:
            if role not in words.roles:
                return words.unknown(N_("role"), role, words.roles)
    if isinstance(event, ItemCompleted):
        item = event.item_id.split("@", 1)[0]
        if item not in words.items[event.stage]:
            return words.unknown(N_("item"), item, words.items[event.stage],
                                 _("stage {stage} of ", stage=event.stage))
    if isinstance(event, FactSet | FactVerified):
        return _fact_refused(event, words)
    return _play_refused(event, words)


def _play_refused(event: Event, words: _Vocabulary) -> str | None:
    """A play event naming a play its playbook does not declare."""
    if not isinstance(event, PlayTaken | PlayCompleted | PlayDeclined):
        return None
    plays = frozenset(play.id for play in words.playbook.plays)
    return None if event.play in plays else words.unknown(N_("play"), event.play, plays)


def _fact_refused(event: FactSet | FactVerified, words: _Vocabulary) -> str | None:
    fact = words.facts.get(event.name)
    if fact is None:
        return words.unknown(N_("fact"), event.name, words.facts)
    if isinstance(event, FactVerified) or event.value is None:
        return None
    try:
        coerce_fact(fact, event.value)
    except ValueError as exc:
        shown = repr(event.value)
        shown = shown if len(shown) <= 60 else f"{shown[:57]}..."
        return _("fact {name} takes {type} values: {value}: {error}", name=event.name,
                 type=fact.type, value=shown, error=exc)
    return None
