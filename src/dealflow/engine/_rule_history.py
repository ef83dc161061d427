"""History in rules: `changed_in_stage('x')`, `previous('x')` and `at_stage_entry('x')`.

Each is worked out from the deal's own events (never a second copy): the rule context is
given them as `history` (the store passes the events of the deal it read; a caller of
the engine gives a function from the deal to its events). `x` names a fact, or else a
field of the deal (`amount`, `title`, `account`, `currency`, `owner`). A stage is
entered by the deal's creation, an advance, a move back, a reopen or a migration to
another stage; the facts its `on_enter` effects set count as set on entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dealflow._messages import _
from dealflow.deal import Deal, coerce_fact
from dealflow.engine._events import (
    DealCreated,
    DealEdited,
    DealMigrated,
    DealReopened,
    Event,
    FactSet,
    StageAdvanced,
    StageMovedBack,
)
from dealflow.engine._events_authority import EffectApplied
from dealflow.errors import RuleEvalError
from dealflow.playbook import DEAL_FIELDS, Playbook
from dealflow.rules import charge

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine._context import Unset

__all__ = ["History", "HistoryWords", "Timeline", "timeline"]

History = Sequence[Event] | Callable[[], Sequence[Event]]
"""A deal's events, first to last, or a function that reads them when first needed."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """What the events say about one field: its value now, before its latest change and
    when the deal entered its stage, and whether it changed since."""

    now: Any
    previous: Any
    at_entry: Any
    changed_in_stage: bool


def _enters(event: Event) -> bool:
    if isinstance(event, StageAdvanced | StageMovedBack | DealReopened | DealCreated):
        return True
    return isinstance(event, DealMigrated) and event.to_stage != event.from_stage


def _value_set(event: Event, field: str, is_fact: bool) -> tuple[bool, Any]:
    """(whether `event` sets `field`, the value it sets)."""
    if is_fact:
        if isinstance(event, FactSet) and event.name == field:
            return True, event.value
        return False, None
    if isinstance(event, DealCreated):
        return True, getattr(event, field)
    if isinstance(event, DealEdited) and field in event.changes:
        return True, event.changes[field]  # type: ignore[literal-required]
    return False, None


def timeline(events: Sequence[Event], field: str, playbook: Playbook) -> Timeline:
    """The `Timeline` of `field` (a fact id, or a deal field) over `events`."""
    declared = {fact.id: fact for fact in playbook.facts}
    is_fact = field in declared
    now: Any = None
    previous: Any = None
    at_entry: Any = None
    changed = False
    entering = False
    for event in events:
        if _enters(event):
            entering, changed = True, False
        elif not isinstance(event, EffectApplied):
            entering = False
        sets, value = _value_set(event, field, is_fact)
        if sets and value is not None and is_fact:
            value = coerce_fact(declared[field], value)
        if sets and value != now:
            previous, now = now, value
            changed = changed or not entering
        if entering:
            at_entry = now
    return Timeline(now, previous, at_entry, changed)


class HistoryWords:
    """The history helpers of the rule context (mixed into `RuleContext`)."""

    playbook: Playbook
    deal: Deal
    _history: History | None
    _timelines: dict[str, Timeline]

    def _timeline(self, helper: str, field: str) -> Timeline:
        if not isinstance(field, str) or (field not in self.playbook.fact_ids
                                          and field not in DEAL_FIELDS):
            raise RuleEvalError(_("{helper}() names a fact or one of the deal's fields "
                                  "({fields}), not {field}", helper=helper,
                                  fields=", ".join(DEAL_FIELDS), field=repr(field)))
        if field not in self._timelines:
            events = self._events(helper)
            charge(len(events))
            self._timelines[field] = timeline(events, field, self.playbook)
        return self._timelines[field]

    def _events(self, helper: str) -> Sequence[Event]:
        if self._history is None:
            raise RuleEvalError(_(
                "{helper}() reads the deal's history, and none was given: the store gives "
                "it; an Engine of your own needs history=(a function from the deal to its "
                "events)", helper=helper))
        events = self._history() if callable(self._history) else self._history
        known = [event for event in events if event.seq <= self.deal.version]
        if len(known) != self.deal.version:
            raise RuleEvalError(_(
                "{helper}() needs every event of deal {deal} up to {version}, and was given "
                "{count}", helper=helper, deal=self.deal.id, version=self.deal.version,
                count=len(known)))
        return known

    def _unset(self, field: str, value: Any) -> Any:
        if value is None:
            from dealflow.engine._context import Unset

            unset: Unset = Unset(field)
            return unset
        return value

    def changed_in_stage(self, field: str) -> bool:
        """Whether `field` changed since the deal entered its stage."""
        return self._timeline("changed_in_stage", field).changed_in_stage

    def previous(self, field: str) -> Any:
        """The value `field` had before its latest change (not set when it never changed)."""
        return self._unset(field, self._timeline("previous", field).previous)

    def at_stage_entry(self, field: str) -> Any:
        """The value `field` had when the deal entered its stage."""
        return self._unset(field, self._timeline("at_stage_entry", field).at_entry)
