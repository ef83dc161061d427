"""The playbook format as frozen pydantic models.

Every model forbids unknown keys and is immutable; lists are tuples. The YAML reference
in the docs describes every field; a test keeps the two in step.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from dealflow.playbook._localized import LocalizedText, Text
from dealflow.rules import RuleType

__all__ = [
    "ApprovalRule",
    "BuyerPhase",
    "CloseStep",
    "Fact",
    "FactType",
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
]

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _check_identifier(value: str) -> str:
    if not value or not value[0].isascii() or not value[0].islower() or len(value) > 64 or any(
        char not in _ID_CHARS for char in value
    ):
        raise PydanticCustomError(
            "identifier",
            "`{value}` is not a valid id: use lowercase letters, digits, `_` and `-`, "
            "starting with a letter, at most 64 characters (like `economic_buyer`)",
            {"value": value},
        )
    return value


Identifier = Annotated[
    str,
    AfterValidator(_check_identifier),
    WithJsonSchema({"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$"}),
]
"""An id: lowercase ASCII letters, digits, `_` and `-`, starting with a letter."""

Severity = Literal["block", "warn"]
FactType = Literal["bool", "int", "float", "str", "date", "enum"]
ForecastCategory = Literal["pipeline", "best_case", "commit"]


def _version_to_str(value: Any) -> Any:
    if isinstance(value, float):
        raise PydanticCustomError(
            "version_float",
            "YAML reads {value} as a number, which loses digits (1.10 becomes 1.1): "
            "quote the version, like `version: \"{value}\"`",
            {"value": value},
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=False, use_attribute_docstrings=True
    )


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


class Fact(_Model):
    """A typed field a deal carries, set by people and read by rules as `facts.<id>`."""

    id: Identifier
    """Unique id; rules read the value as `facts.<id>`."""
    name: Text
    """The fact's display name."""
    type: FactType
    """One of bool, int, float, str, date, enum."""
    description: Text | None = None
    """What the fact means and who confirms it."""
    values: tuple[Identifier, ...] | None = None
    """The allowed values of an enum fact (ids); only for `type: enum`."""


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


class Stage(_Model):
    """A seller stage, matched to a buyer phase, with its control points and SOP items."""

    id: Identifier
    """Unique id of the stage."""
    name: Text
    """The stage's display name."""
    buyer_phase: Identifier
    """The buyer phase this stage serves: an id from `buyer_phases`."""
    goal: Text
    """What the seller must achieve in this stage."""
    probability: Annotated[int, Field(ge=0, le=100)]
    """Win probability of a deal in this stage, 0-100 (for the forecast)."""
    forecast_category: ForecastCategory = "pipeline"
    """Forecast category: pipeline, best_case or commit."""
    expected_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    """How long a deal is expected to stay; longer counts as stalled."""
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
    close_plan: tuple[CloseStep, ...] = ()
    """Steps of the close plan `dealflow plan seed` adds to a deal in this stage."""


class Play(_Model):
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


class LostReason(_Model):
    """A reason a deal may be lost with."""

    id: Identifier
    """Unique id of the reason."""
    name: Text
    """The reason's display name."""
    description: Text | None = None
    """When to use this reason."""


class RedFlagPolicy(_Model):
    """Thresholds of the stakeholder red flags."""

    champion_by: Identifier | None = None
    """Raise a red flag when a deal has reached this stage with no champion."""
    stale_contact_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """Raise a red flag when a role-holder has not been contacted for this many days."""


class LintSettings(_Model):
    """How `dealflow validate --deep` and the linter treat this playbook."""

    ignore: tuple[Annotated[str, Field(pattern=r"^DF[0-9]{3}$")], ...] = ()
    """Finding codes not to report, like `DF108`."""


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
    buyer_phases: Annotated[tuple[BuyerPhase, ...], Field(min_length=1)]
    """The buyer's decision-psychology track, in order."""
    stages: Annotated[tuple[Stage, ...], Field(min_length=1)]
    """Our stages, in order; each serves a buyer phase."""
    roles: Annotated[tuple[Role, ...], Field(min_length=1)]
    """The customer's decision-chain roles."""
    our_roles: Annotated[tuple[Role, ...], Field(min_length=1)]
    """The roles on our side (sales, presales, executive sponsor, ...)."""
    facts: tuple[Fact, ...] = ()
    """The typed facts a deal carries."""
    plays: tuple[Play, ...] = ()
    """Situations and the recommended responses."""
    approval_rules: tuple[ApprovalRule, ...] = ()
    """Roles that must be mapped before a stage, depending on the deal."""
    lost_reasons: Annotated[tuple[LostReason, ...], Field(min_length=1)]
    """The reasons a deal may be lost with."""
    red_flags: RedFlagPolicy = RedFlagPolicy()
    """Thresholds of the stakeholder red flags."""
    change_budget: Annotated[float, Field(gt=0, le=1)] = 0.2
    """The share of control points and items one revision may touch (0-1)."""
    lint: LintSettings = LintSettings()
    """Settings of the soundness checks (codes to ignore)."""
    stage_map: dict[Identifier, Identifier] = Field(default_factory=dict)
    """For deals moved from an earlier version: old stage id -> stage id in this version."""

    @functools.cached_property
    def _stage_index(self) -> dict[str, int]:
        return {stage.id: i for i, stage in enumerate(self.stages)}

    @functools.cached_property
    def fact_ids(self) -> frozenset[str]:
        """The ids of the declared facts."""
        return frozenset(fact.id for fact in self.facts)

    @property
    def default_locale(self) -> str:
        """The first of `locales`."""
        return self.locales[0]

    def text(self, value: LocalizedText | None, locale: str | None = None) -> str:
        """`value` in `locale` (default: the playbook's default locale); '' for None."""
        if value is None:
            return ""
        return value.get_text(locale or self.default_locale, self.default_locale)

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
        return {
            "id": self.id,
            "version": self.version,
            "title": self.text(self.title),
            "stages": len(self.stages),
            "gates": sum(len(stage.gates) for stage in self.stages),
            "roles": len(self.roles),
            "items": sum(len(stage.items) for stage in self.stages),
            "plays": len(self.plays),
            "facts": len(self.facts),
        }
