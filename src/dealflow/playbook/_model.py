"""The playbook format as frozen pydantic models.

Every model forbids unknown keys and is immutable; lists are tuples. The YAML reference
in the docs describes every field; a test keeps the two in step.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from dealflow._messages import _, current_locale
from dealflow.playbook._approval_model import Approval, MoveRoles
from dealflow.playbook._automation import ActivityPolicy, AutomationRule, Expectation
from dealflow.playbook._base import Identifier, _Model
from dealflow.playbook._chain_model import ChainPolicy, Criterion, HealthPolicy, Scorecard
from dealflow.playbook._content import WithContent
from dealflow.playbook._effect import Effect
from dealflow.playbook._localized import LocalizedText, Text
from dealflow.playbook._review_forms import ReviewForms
from dealflow.playbook._settings import LintSettings, RedFlagPolicy
from dealflow.rules import RuleType
from dealflow.values import MAX_FIELDS, MAX_LIST, Currency

__all__ = [
    "ApprovalRule",
    "BuyerPhase",
    "CloseStep",
    "Fact",
    "FactType",
    "FieldType",
    "RecordField",
    "Gate",
    "Identifier",
    "Item",
    "LintSettings",
    "LostReason",
    "Play",
    "Playbook",
    "RedFlagPolicy",
    "Role",
    "Severity",
    "Stage",
    "SubReason",
]

Severity = Literal["block", "warn"]
FactType = Literal["bool", "int", "float", "str", "date", "enum", "money", "list"]
FieldType = Literal["bool", "int", "float", "str", "date", "money"]
ForecastCategory = Literal["pipeline", "best_case", "commit"]


def _version_to_str(value: Any) -> Any:
    if isinstance(value, float):
        raise PydanticCustomError(
            "version_float",
            _("YAML reads {value} as a number, which loses digits (1.10 becomes 1.1): "
            "quote the version, like `version: \"{value}\"`"),
            {"value": value},
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class BuyerPhase(_Model):
    """A phase of the buyer's decision track (what the customer is going through)."""

    id: Identifier
    """Unique id of the phase, used by `stages[].buyer_phase`."""
    name: Text
    """What the buyer is going through, e.g. "Recognising needs"."""
    description: Text | None = None
    """What happens in the buyer's organisation during this phase."""


class Role(_Model):
    """A role: in the customer's decision chain (`roles`) or on our side (`our_roles`)."""

    id: Identifier
    """Unique id of the role, used in rules (`covered('economic_buyer')`) and lists."""
    name: Text
    """The role's display name."""
    description: Text | None = None
    """What a person in this role does or decides."""


class RecordField(_Model):
    """A field of the records a `list` fact holds."""

    id: Identifier
    """Unique id of the field in its record; rules read it as `record.<id>`."""
    type: FieldType = "str"
    """One of bool, int, float, str, date, money."""
    name: Text | None = None
    """The field's display name."""


class Fact(_Model):
    """A typed field a deal carries, set by people and read by rules as `facts.<id>`."""

    id: Identifier
    """Unique id; rules read the value as `facts.<id>`."""
    name: Text
    """The fact's display name."""
    type: FactType
    """One of bool, int, float, str, date, enum, money (an amount and its currency) or
    list (of texts, or of records with `fields`)."""
    description: Text | None = None
    """What the fact means and who confirms it."""
    values: tuple[Identifier, ...] | None = None
    """The allowed values of an enum fact (ids); only for `type: enum`."""
    labels: dict[Identifier, Text] = Field(default_factory=dict)
    """Display labels of an enum fact's values, by id (a text per locale): accepted on
    input in any locale, shown in outputs; the id is what is stored and what rules see."""
    fields: Annotated[tuple[RecordField, ...], Field(max_length=MAX_FIELDS)] = ()
    """For a `list` fact of records: the fields of each record (a list of texts when
    absent)."""
    max_items: Annotated[int, Field(ge=1, le=MAX_LIST)] = MAX_LIST
    """For a `list` fact: the most items it may hold."""
    # -- authority (issue 18)
    set_by: tuple[Identifier, ...] = ()
    """The roles of ours (ids from `our_roles`) who may set the fact; anyone when empty."""


class Gate(_Model):
    """A key control point: the condition a deal must meet before it leaves its stage."""

    id: Identifier
    """Unique id of the control point across the playbook."""
    text: Text
    """The control point as the salesperson reads it."""
    when: RuleType
    """The rule that must hold before a deal may leave the stage."""
    severity: Severity = "block"
    """`block` stops the move; `warn` is reported and lets the deal move."""
    hint: Text | None = None
    """What to do when the control point does not hold."""
    applies_when: RuleType | None = None
    """When the control point applies at all (always, when absent); when this rule does
    not hold, the control point is reported as not applicable, never as missing."""
    waivable_by: tuple[Identifier, ...] = ()
    """Roles of ours (`our_roles`) that may waive the control point when it blocks, with a
    reason and an expiry; none by default."""


class Item(_Model):
    """An SOP checklist item of a stage; `text` is a Jinja template."""

    id: Identifier
    """Unique id of the item across the playbook (stable: completion is tracked by it)."""
    text: Text
    """The action, a Jinja template rendered with the deal (and `stakeholder` for `for_each`)."""
    owner: Identifier
    """Who on our side does it: an id from `our_roles`."""
    due_days: Annotated[int, Field(ge=0, le=3650)] = 7
    """Days after the deal entered the stage by which the item is due."""
    when: RuleType | None = None
    """Only deals for which this rule holds get the item."""
    for_each: RuleType | None = None
    """Repeat the item for each stakeholder for whom this rule holds (`stakeholder` is bound)."""
    evidence: Text | None = None
    """The evidence required to mark the item done (none required when absent)."""
    blocking: bool = False
    """Whether `stage_items_done()` requires this item before the deal may leave the stage."""


class CloseStep(_Model):
    """A step of a stage's default close plan; `what` is a Jinja template."""

    id: Identifier
    """Unique id of the step across the playbook; the seeded step keeps it."""
    what: Text
    """The step, a Jinja template rendered with the deal like an item's text."""
    our_owner: Identifier
    """Who on our side owns the step: an id from `our_roles`."""
    their_role: Identifier | None = None
    """The customer's owner: the most influential holder of this decision-chain role
    when the plan is seeded (none when the role is not mapped yet)."""
    due_days: Annotated[int, Field(ge=0, le=3650)] = 14
    """Days after the plan is seeded by which the step is due."""


class Stage(WithContent):
    """A seller stage, matched to a buyer phase, with its control points and SOP items."""

    id: Identifier
    """Unique id of the stage."""
    name: Text
    """The stage's display name."""
    buyer_phase: Identifier | None = None
    """The buyer phase this stage serves: an id from `buyer_phases` (none when absent)."""
    goal: Text | None = None
    """What the seller must achieve in this stage (optional)."""
    probability: Annotated[int, Field(ge=0, le=100)] | None = None
    """Win probability of a deal in this stage, 0-100, for the CRM-way forecast; when a
    stage has none, the forecast offers the history-based figure only and says why."""
    forecast_category: ForecastCategory = "pipeline"
    """Forecast category: pipeline, best_case or commit."""
    expected_days: Annotated[int, Field(ge=1, le=3650)] | Expectation | None = None
    """How long a deal is expected to stay (days, or an expectation that depends on the
    deal); longer counts as stalled."""
    gates: tuple[Gate, ...] = ()
    """The key control points that must hold to leave the stage."""
    required_roles: tuple[Identifier, ...] = ()
    """Decision-chain roles that must be mapped to a stakeholder by this stage."""
    min_contacts: Annotated[int, Field(ge=0, le=1000)] = 0
    """Fewer mapped stakeholders than this is flagged as a single-threaded deal."""
    resources: tuple[Identifier, ...] = ()
    """Who on our side engages in this stage: ids from `our_roles`."""
    items: tuple[Item, ...] = ()
    """The SOP checklist items of the stage."""
    template: str | None = None
    """A Jinja template file for this stage's checklist, relative to the playbook file."""
    # -- authority and effects (issue 18)
    by_roles: tuple[Identifier, ...] = ()
    """The roles of ours (ids from `our_roles`) who may advance a deal into this stage;
    anyone when empty."""
    on_enter: tuple[Effect, ...] = ()
    """Facts a move into this stage sets (advance, move back, reopen)."""
    on_leave: tuple[Effect, ...] = ()
    """Facts a move out of this stage sets (advance, move back, win)."""
    close_plan: tuple[CloseStep, ...] = ()
    """Steps of the close plan `dealflow plan seed` adds to a deal in this stage."""

    @property
    def typical_days(self) -> int | None:
        """`expected_days` when it is a number, else the expectation's `default`."""
        days = self.expected_days
        return days.default if isinstance(days, Expectation) else days

class Play(WithContent):
    """A situation and the recommended response: when, who on our side, which strategy."""

    id: Identifier
    """Unique id of the play."""
    name: Text
    """The situation the play answers, in a few words."""
    when: RuleType
    """The rule that says the situation holds."""
    action: Text
    """What to do."""
    who: tuple[Identifier, ...] = ()
    """Who on our side steps in: ids from `our_roles`."""
    strategy: Text | None = None
    """Why and how: the approach behind the action."""
    priority: Annotated[int, Field(ge=1, le=1000)] = 50
    """1 is the most urgent; plays are listed by priority."""
    stages: tuple[Identifier, ...] = ()
    """Stages in which the play applies (all open stages when empty)."""


class ApprovalRule(_Model):
    """Customer roles that must be mapped before a deal may enter a stage, when `when` holds."""

    id: Identifier
    """Unique id of the approval rule."""
    text: Text
    """The rule as people read it, e.g. "Spend over 50,000 needs top management"."""
    when: RuleType
    """When the rule applies to a deal, e.g. `deal.amount > 50000`."""
    requires: Annotated[tuple[Identifier, ...], Field(min_length=1)]
    """Decision-chain roles that must be mapped when the rule applies."""
    before: Identifier
    """The stage a deal may not enter until those roles are mapped."""


class SubReason(_Model):
    """A finer reason under a lost reason."""

    id: Identifier
    """Unique id of the sub-reason within its reason."""
    name: Text
    """The sub-reason's display name."""
    description: Text | None = None
    """When to use this sub-reason."""


class LostReason(_Model):
    """A reason a deal may be lost with."""

    id: Identifier
    """Unique id of the reason."""
    name: Text
    """The reason's display name."""
    description: Text | None = None
    """When to use this reason."""
    # -- declared moves (issue 17) --
    stages: tuple[Identifier, ...] | None = None
    """The stages a deal may be lost with this reason from (none given: every stage)."""
    sub_reasons: tuple[SubReason, ...] = ()
    """Finer reasons a loss with this reason may name."""


class Playbook(_Model):
    """A whole playbook: the buyer's phases, our stages and gates, roles, facts and plays."""

    id: Identifier
    """Unique id of the playbook; deals remember it."""
    version: Annotated[
        str,
        BeforeValidator(_version_to_str),
        Field(min_length=1, max_length=64),
        WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}),
    ]
    """The playbook version; deals remember the version they run under."""
    title: Text
    """The playbook's title."""
    description: Text | None = None
    """What the playbook is for."""
    locales: Annotated[tuple[str, ...], Field(min_length=1)]
    """The locales of the texts; the first is the default and must be in every text map."""
    buyer_phases: tuple[BuyerPhase, ...] = ()
    """The buyer's decision-psychology track, in order (optional: none when absent)."""
    stages: Annotated[tuple[Stage, ...], Field(min_length=1)]
    """Our stages, in order; each serves a buyer phase."""
    roles: tuple[Role, ...] = ()
    """The customer's decision-chain roles (optional: coverage then has nothing to check)."""
    our_roles: tuple[Role, ...] = ()
    """The roles on our side (sales, presales, ...): needed once items name an owner."""
    facts: tuple[Fact, ...] = ()
    """The typed facts a deal carries."""
    plays: tuple[Play, ...] = ()
    """Situations and the recommended responses."""
    approval_rules: tuple[ApprovalRule, ...] = ()
    """Roles that must be mapped before a stage, depending on the deal."""
    lost_reasons: tuple[LostReason, ...] = ()
    """The reasons a deal may be lost with (none: a loss takes a free note)."""
    red_flags: RedFlagPolicy = RedFlagPolicy()
    """Thresholds of the stakeholder red flags."""
    change_budget: Annotated[float, Field(gt=0, le=1)] = 0.2
    """The share of control points and items one revision may touch (0-1)."""
    lint: LintSettings = LintSettings()
    """Settings of the soundness checks (codes to ignore)."""
    exchange_rates: dict[Currency, dict[Currency, Annotated[Decimal, Field(gt=0)]]] = Field(
        default_factory=dict)
    """Rates rules may convert money with: `{EUR: {USD: 1.08}}` says one EUR is 1.08 USD
    (the other way is worked out). Without a rate, money in two currencies cannot be
    compared: the rule fails and says so."""
    stage_map: dict[Identifier, Identifier] = Field(default_factory=dict)
    """For deals moved from an earlier version: old stage id -> stage id in this version."""
    # -- declared moves (issue 17) --
    moves: Moves | None = None
    """The moves a deal may make; none given: the default model (see `Moves`)."""
    # -- timers and automation (issue 18)
    activity: ActivityPolicy | None = None
    """Which activity resets a deal's timer; without it, `stalled` counts days in stage."""
    automation: tuple[AutomationRule, ...] = ()
    """Time-based rules `dealflow sweep` applies to every deal."""
    # -- authority (issue 18)
    by_roles: MoveRoles = MoveRoles()
    """Which of our roles may move a deal back, reopen, lose or win it."""
    approvals: tuple[Approval, ...] = ()
    """Internal approvals: which of our roles must approve what, before which stage or move."""
    reviews: ReviewForms = ReviewForms()
    """The win/loss review forms: the questions asked when a deal is won or lost."""
    # -- the decision chain, the competition and health (issue 20) --
    decision_chain: ChainPolicy = ChainPolicy()
    """Kinds of organisation, the relationship scale and who decides."""
    decision_criteria: tuple[Criterion, ...] = ()
    """The criteria the customer judges offers by; competitors are positioned on them."""
    scorecard: Scorecard | None = None
    """A graded scorecard (levels 0-3) deals are scored on."""
    health: HealthPolicy = HealthPolicy()
    """The weights of the factors of a deal's health."""

    @functools.cached_property
    def _stage_index(self) -> dict[str, int]:
        return {stage.id: i for i, stage in enumerate(self.stages)}

    @functools.cached_property
    def rates(self) -> dict[tuple[str, str], Decimal]:
        """`exchange_rates` as (from, to) -> rate."""
        return {(source, target): rate for source, targets in self.exchange_rates.items()
                for target, rate in targets.items()}

    @functools.cached_property
    def money_facts(self) -> dict[str, frozenset[str]]:
        """The money facts (no fields) and list facts with money fields (their names)."""
        found: dict[str, frozenset[str]] = {}
        for fact in self.facts:
            if fact.type == "money":
                found[fact.id] = frozenset()
            fields = frozenset(field.id for field in fact.fields if field.type == "money")
            if fact.type == "list" and fields:
                found[fact.id] = fields
        return found

    @functools.cached_property
    def edges(self) -> tuple[MoveEdge, ...]:
        """Every move the playbook allows (`move_edges`), worked out once."""
        return move_edges(self)

    @functools.cached_property
    def fact_ids(self) -> frozenset[str]:
        """The ids of the declared facts."""
        return frozenset(fact.id for fact in self.facts)

    @property
    def default_locale(self) -> str:
        """The first of `locales`."""
        return self.locales[0]

    def text(self, value: LocalizedText | None, locale: str | None = None) -> str:
        """`value` in `locale` (default: the locale messages are written in now, see
        `dealflow._messages.use_locale`, else the playbook's default locale); '' for None."""
        if value is None:
            return ""
        default = self.locales[0]  # `default_locale`, read once (every check's text)
        return value.get_text(locale or current_locale() or default, default)

    def stage(self, stage_id: str) -> Stage:
        """The stage with id `stage_id`; `KeyError` when there is none."""
        return self.stages[self._stage_index[stage_id]]

    def stage_index(self, stage_id: str) -> int:
        """The position of a stage in `stages` (0 is the first)."""
        return self._stage_index[stage_id]

    def next_stage(self, stage_id: str) -> Stage | None:
        """The stage after `stage_id`, or None for the last one."""
        index = self._stage_index[stage_id] + 1
        return self.stages[index] if index < len(self.stages) else None

    def iter_items(self) -> Iterator[tuple[Stage, Item]]:
        """Every SOP item of the playbook with its stage."""
        for stage in self.stages:
            for item in stage.items:
                yield stage, item

    def summary(self) -> dict[str, Any]:
        """Counts that describe the playbook at a glance."""
        return {"id": self.id, "version": self.version, "title": self.text(self.title),
                "stages": len(self.stages),
                "gates": sum(len(stage.gates) for stage in self.stages),
                "roles": len(self.roles),
                "items": sum(len(stage.items) for stage in self.stages),
                "plays": len(self.plays), "facts": len(self.facts)}


from dealflow.playbook._moves import MoveEdge, Moves, move_edges  # noqa: E402  (they use Gate)

Playbook.model_rebuild()
