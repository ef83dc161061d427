"""The rule context: the names a playbook rule sees when it is evaluated for a deal.

`RuleContext(playbook, deal, now)` is a read-only mapping from the names of the rule
vocabulary (`dealflow.rules.VOCABULARY`) to their values: each name is the context's
member of that name (a property for data, a method for a helper), bound to it by
`speaks_the_vocabulary`. Values are computed when first asked for, so a rule pays only
for what it uses. The docs page "Rules" describes each name.

The helpers that evaluate other rules (`stage_items_done()`, `item_done(...)` of a
repeated item, `approvals_covered()`) work out each stage's items and the approval rules
that apply once per context, and refuse to be re-entered: a rule that needs, through a
helper, its own value fails with `HelperCycle` instead of recursing (the playbook loader
refuses such rules; this is the guard behind it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

from dealflow._days import utc_date, whole_days
from dealflow._messages import _
from dealflow._money import Money
from dealflow.deal import (
    INFLUENCE_WEIGHT,
    STANCE_VALUE,
    Deal,
    Stakeholder,
    Stance,
    Team,
)
from dealflow.engine._approvals import ApprovalState, approval_state, find_approval
from dealflow.engine._chain_context import ChainHelpers, at_least
from dealflow.engine._context_commitments import CommitmentWords
from dealflow.engine._context_evidence import EvidenceHelpers
from dealflow.engine._extended_names import ExtendedNames
from dealflow.engine._move_args import MoveArgs
from dealflow.engine._rule_history import History, HistoryWords, Timeline
from dealflow.errors import HelperCycle, RuleEvalError
from dealflow.playbook import Approval, ApprovalRule, Item, Playbook, Stage
from dealflow.rules import MOVE_NAME, STAKEHOLDER_NAME, Rule, speaks_the_vocabulary, trust
from dealflow.values import FactValue

__all__ = ["FactsView", "ItemInstance", "RuleContext", "Unset", "support_score"]



class Unset:
    """The value of a declared fact that has not been set: false, and not comparable."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Unset)

    def __hash__(self) -> int:
        return hash(None)

    def _fail(self, *other: object) -> NoReturn:  # compared, measured or walked through
        raise RuleEvalError(_("fact {name!r} is not set", name=self.name))

    __lt__ = __le__ = __gt__ = __ge__ = __len__ = __iter__ = _fail

    def __str__(self) -> str:
        return _("not set")

    def __repr__(self) -> str:
        return f"Unset({self.name!r})"


@trust
class FactsView:
    """`facts.<id>` in rules: the value, or `Unset` for a declared fact not yet set.

    Money facts (and money fields of records) are read as `Money` with the playbook's
    exchange rates, so that comparing them in two currencies without a rate fails."""

    __slots__ = ("_declared", "_values")

    def __init__(self, values: Mapping[str, FactValue], declared: frozenset[str],
                 playbook: Playbook | None = None) -> None:
        self._values = rule_values(values, playbook) if playbook is not None else values
        self._declared = declared

    def __getattr__(self, name: str) -> FactValue | Unset:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._values:
            return self._values[name]
        if name in self._declared:
            return Unset(name)
        raise RuleEvalError(_("unknown fact {name!r}", name=name))

    __getitem__ = __getattr__


trust(FactsView, FactsView.__getattr__)  # its public names are all facts: read at once
trust(Money)


def rule_values(values: Mapping[str, FactValue], playbook: Playbook) -> dict[str, Any]:
    """The facts as rules see them: money as `Money` (with the playbook's exchange rates),
    the rest as stored."""
    money = playbook.money_facts
    if not money:
        return dict(values)
    rates = playbook.rates
    seen: dict[str, Any] = dict(values)
    for name, fields in money.items():
        value = seen.get(name)
        if value is None:
            continue
        if not fields:
            seen[name] = Money.of(value, rates)
        elif isinstance(value, tuple):
            seen[name] = tuple(
                {key: Money.of(field, rates) if key in fields and field is not None else field
                 for key, field in record.items()} if isinstance(record, dict) else record
                for record in value)
    return seen


def support_score(stakeholders: tuple[Stakeholder, ...] | list[Stakeholder]) -> float:
    """Influence-weighted support in [-1, 1]; 0 with no stakeholders."""
    weights = total = 0
    for person in stakeholders:  # one pass (a rule may read it for every deal)
        weight = INFLUENCE_WEIGHT[person.influence]
        weights += weight
        total += weight * STANCE_VALUE[person.stance]
    if not weights:
        return 0.0
    return total / (2 * weights)


@dataclass(frozen=True, slots=True)
class ItemInstance:
    """An SOP item as it applies to one deal: repeated items carry their stakeholder."""

    id: str
    item: Item
    stakeholder: Stakeholder | None = None


@speaks_the_vocabulary
class RuleContext(HistoryWords, EvidenceHelpers, ChainHelpers, CommitmentWords,
                  Mapping[str, Any]):
    """The names a rule sees for `deal`, at time `now` (timezone-aware); `team` (our
    people) names who may give an approval, `history` (the deal's events) answers the
    history helpers, `move` is the move being tried."""

    playbook: Playbook
    deal: Deal
    now: dt.datetime

    VALUES: ClassVar[dict[str, Callable[[RuleContext], Any]]]
    """How each name of the rule vocabulary is computed from the context (once, when first
    asked for): set by `speaks_the_vocabulary` from the members of the same names."""

    def __init__(self, playbook: Playbook, deal: Deal, now: dt.datetime,
                 move: MoveArgs | None = None, *, team: Team | None = None,
                 history: History | None = None) -> None:
        self.playbook = playbook
        self.deal = deal
        self.now = now
        self.move = move
        """The move being tried, seen by the rules of its control points as `move`."""
        self.team = team
        self._history = history
        self._timelines: dict[str, Timeline] = {}
        self._cache: dict[str, Any] = {} if move is None else {MOVE_NAME: move}
        self._instances: dict[str, tuple[ItemInstance, ...]] = {}
        self._approvals: tuple[ApprovalRule, ...] | None = None
        self._busy: set[str] = set()
        self._fact_values: dict[str, Any] | None = None

    # -- Mapping ---------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            pass
        value = self.VALUES[name](self)
        self._cache[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.VALUES)

    def __len__(self) -> int:
        return len(self.VALUES)

    def with_stakeholder(self, stakeholder: Stakeholder) -> Mapping[str, Any]:
        """This context plus `stakeholder` (for `for_each` rules and item texts)."""
        return ExtendedNames(self, {STAKEHOLDER_NAME: stakeholder})

    def with_names(self, extra: Mapping[str, Any]) -> Mapping[str, Any]:
        """This context plus the names in `extra` (which win over its own)."""
        return ExtendedNames(self, extra)

    def holds(self, rule: Rule, extra: Mapping[str, Any] | None = None) -> bool:
        """Whether `rule` is true here (a rule that fails, `RuleEvalError`, does not hold)."""
        try:
            return bool(rule.evaluate(ExtendedNames(self, extra) if extra else self))
        except RuleEvalError:
            return False

    # -- data ------------------------------------------------------------------------------
    @property
    def facts(self) -> FactsView:
        """`facts.<id>`: the deal's facts, `Unset` for a declared fact not yet set."""
        return FactsView(self._facts, self.playbook.fact_ids)

    @property
    def _facts(self) -> dict[str, Any]:
        """The facts as rules see them, worked out once per context."""
        if self._fact_values is None:
            self._fact_values = rule_values(self.deal.facts, self.playbook)
        return self._fact_values

    @property
    def stakeholders(self) -> list[Stakeholder]:
        """The people on the deal's map."""
        return list(self.deal.stakeholders)

    @property
    def stage(self) -> str:
        """The id of the deal's stage."""
        return self.deal.stage

    @property
    def today(self) -> dt.date:
        """Today's date, in UTC."""
        return utc_date(self.now)

    @property
    def days_in_stage(self) -> int:
        """Whole days since the deal entered its stage."""
        return whole_days(self.deal.stage_entered_at, self.now)

    @property
    def days_since_activity(self) -> int:
        """Whole days since the deal entered its stage or its last counted activity."""
        from dealflow.engine._activity import timer_age  # it builds on this module

        return timer_age(self.playbook, self.deal, self.now)

    @property
    def support_score(self) -> float:
        """How much the decision chain supports us, from -1 to 1 (`support_score`)."""
        return support_score(self.deal.stakeholders)

    # -- helpers ---------------------------------------------------------------------------
    def covered(self, role: str) -> bool:
        """Whether some stakeholder holds `role`."""
        for person in self.deal.stakeholders:
            if role in person.roles:
                return True
        return False

    def stance_of(self, role: str) -> str:
        """The stance of the most influential holder of `role`; 'unknown' if none."""
        holders = self.deal.holders(role)
        return holders[0].stance.value if holders else Stance.unknown.value

    def holders(self, role: str) -> list[Stakeholder]:
        """The stakeholders who hold `role`, most influential first."""
        return self.deal.holders(role)

    def supporters(self, min_influence: str = "low") -> list[Stakeholder]:
        """Champions and supporters with at least `min_influence`."""
        return [p for p in self.deal.stakeholders
                if p.stance in (Stance.champion, Stance.supporter) and at_least(p, min_influence)]

    def opponents(self, min_influence: str = "low", skeptics: bool = False) -> list[Stakeholder]:
        """Opponents (and skeptics, when asked) with at least `min_influence`."""
        stances = (Stance.opponent, Stance.skeptic) if skeptics else (Stance.opponent,)
        return [p for p in self.deal.stakeholders
                if p.stance in stances and at_least(p, min_influence)]

    def fact(self, name: str, default: Any = None) -> Any:
        """The value of fact `name`, or `default` when it is not set."""
        return self._facts.get(name, default)

    def has_fact(self, name: str) -> bool:
        """Whether fact `name` is set."""
        return name in self.deal.facts

    def item_done(self, item_id: str) -> bool:
        """Whether the item (or, for a repeated item, every instance of it) is done."""
        if item_id in self.deal.items_done:
            return True
        prefix = item_id + "@"
        instances = [key for key in self.deal.items_done if key.startswith(prefix)]
        if not instances:
            return False
        stage_item = self._item(item_id)
        if stage_item is None or stage_item[1].for_each is None:
            return False
        expected = {inst.id for inst in self.item_instances(stage_item[0]) if
                    inst.item.id == item_id}
        return bool(expected) and expected <= set(self.deal.items_done)

    def stage_items_done(self) -> bool:
        """Whether every blocking item of the current stage that applies is done."""
        return not self.missing_blocking_items()

    def missing_blocking_items(self) -> list[str]:
        """Ids of the blocking items of the current stage that apply and are not done."""
        stage = self.playbook.stage(self.deal.stage)
        return [inst.id for inst in self.item_instances(stage)
                if inst.item.blocking and inst.id not in self.deal.items_done]

    def approvals_covered(self) -> bool:
        """Whether every approval rule that applies to the deal has its roles mapped."""
        return not self.missing_approvals()

    def missing_approvals(self, up_to_stage: str | None = None) -> list[tuple[str, list[str]]]:
        """(rule id, roles not mapped) for each approval rule that applies and is not covered.

        With `up_to_stage`, only rules whose `before` stage comes at or before it count.
        """
        limit = self.playbook.stage_index(up_to_stage) if up_to_stage else None
        missing: list[tuple[str, list[str]]] = []
        for rule in self._applying_approvals():
            if limit is not None and self.playbook.stage_index(rule.before) > limit:
                continue
            roles = [role for role in rule.requires if not self.covered(role)]
            if roles:
                missing.append((rule.id, roles))
        return missing

    def _applying_approvals(self) -> tuple[ApprovalRule, ...]:
        """The approval rules whose `when` holds, worked out once."""
        if self._approvals is None:
            self._enter("approvals", _("the approval rules that apply"))
            try:
                self._approvals = tuple(rule for rule in self.playbook.approval_rules
                                        if self.holds(rule.when))
            finally:
                self._busy.discard("approvals")
        return self._approvals

    def approval_state(self, approval: Approval) -> ApprovalState:
        """Whether the deal needs `approval` (its `when` holds), and whether one given
        counts (see `dealflow.engine._approvals`)."""
        key = f"approval:{approval.id}"
        self._enter(key, _("the approval {id}", id=approval.id))
        try:
            holds = approval.when is None or self.holds(approval.when)
        finally:
            self._busy.discard(key)
        return approval_state(approval, self.deal, holds, self.team, self.playbook)

    def approved(self, approval_id: str) -> bool:
        """Whether approval `approval_id` is not needed by the deal, or given and counts."""
        approval = find_approval(self.playbook, approval_id)
        if approval is None:
            raise RuleEvalError(_("unknown approval {id}", id=repr(approval_id)))
        return self.approval_state(approval).ok

    def _enter(self, key: str, what: str) -> None:
        """Mark `key` as being worked out; `HelperCycle` if it already is."""
        if key in self._busy:
            raise HelperCycle(_("{what} depend on themselves: a rule among them calls a "
                                "helper (stage_items_done(), item_done(), "
                                "approvals_covered()) that needs them again", what=what))
        self._busy.add(key)

    def days_since(self, day: dt.date | dt.datetime | None) -> int:
        """Whole days from `day` (a date: its midnight UTC) to now."""
        if day is None or isinstance(day, Unset):
            raise RuleEvalError(_("days_since() needs a date, and got none"))
        return whole_days(day, self.now)

    def days_until(self, day: dt.date | dt.datetime | None) -> int:
        """Whole days from now to `day` (negative once it has passed)."""
        if day is None or isinstance(day, Unset):
            raise RuleEvalError(_("days_until() needs a date, and got none"))
        return -whole_days(day, self.now)

    def money(self, amount: Any, currency: str | None = None) -> Money:
        """Money in a rule: `money(100000, 'USD')` or `money('100000 USD')`, with the
        playbook's exchange rates."""
        try:
            return Money.of(amount if currency is None else {
                "amount": amount, "currency": currency}, self.playbook.rates)
        except ValueError as exc:
            raise RuleEvalError(_("money(): {error}", error=exc)) from None

    # -- checklist items -------------------------------------------------------------------
    def _item(self, item_id: str) -> tuple[Stage, Item] | None:
        for stage, item in self.playbook.iter_items():
            if item.id == item_id:
                return stage, item
        return None

    def item_instances(self, stage: Stage) -> list[ItemInstance]:
        """The items of `stage` that apply to the deal, repeated per stakeholder (worked
        out once per stage)."""
        known = self._instances.get(stage.id)
        if known is None:
            key = f"items:{stage.id}"
            self._enter(key, _("the items of stage {stage!r}", stage=stage.id))
            try:
                known = self._instances[stage.id] = tuple(self._applying_items(stage))
            finally:
                self._busy.discard(key)
        return list(known)

    def _applying_items(self, stage: Stage) -> list[ItemInstance]:
        instances: list[ItemInstance] = []
        for item in stage.items:
            if item.when is not None and not self.holds(item.when):
                continue
            if item.for_each is None:
                instances.append(ItemInstance(item.id, item))
                continue
            for person in self.deal.stakeholders:
                if self.holds(item.for_each, {STAKEHOLDER_NAME: person}):
                    instances.append(ItemInstance(f"{item.id}@{person.id}", item, person))
        return instances
