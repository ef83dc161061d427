"""The playbook's view of the decision chain, the competition and a deal's health.

All optional, with defaults: a playbook that says nothing of them gets the built-in kinds
of organisation, the built-in relationship scale (acquainted, met one-to-one, trusted,
ally), no decision criteria, no scorecard and equal health weights.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dealflow.playbook._localized import LocalizedText, Text

__all__ = [
    "BUILTIN_ORG_KINDS",
    "DEFAULT_DEPTH",
    "HEALTH_FACTORS",
    "ChainPolicy",
    "Criterion",
    "HealthPolicy",
    "Level",
    "ScoreCriterion",
    "Scorecard",
]

_IdText = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
InfluenceLevel = Literal["low", "medium", "high"]

#: The factors a deal's health is made of, in the order they are listed.
HEALTH_FACTORS: tuple[str, ...] = (
    "scorecard", "red_flags", "time_in_stage", "checklist", "close_date")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Level(_Model):
    """A named entry of a small scale: a kind of organisation or a relationship depth."""

    id: _IdText
    """Unique id, used in deals (`--kind`, `--depth`)."""
    name: Text
    """The display name."""


def _level(ident: str, en: str, zh: str) -> Level:
    return Level(id=ident, name=LocalizedText({"en": en, "zh": zh}))


#: The kinds of organisation every playbook knows (a playbook may add its own).
BUILTIN_ORG_KINDS: tuple[Level, ...] = (
    _level("customer", "Customer", "客户"),
    _level("group", "Group headquarters", "集团总部"),
    _level("contractor", "EPC / contractor", "总包 / 承包商"),
    _level("design_institute", "Design institute", "设计院"),
    _level("partner", "Partner", "合作伙伴"),
    _level("consultant", "Consultant", "咨询顾问"),
)

#: The relationship scale when a playbook declares none, shallow to deep.
DEFAULT_DEPTH: tuple[Level, ...] = (
    _level("acquainted", "Acquainted", "认识"),
    _level("one_to_one", "Met one-to-one", "单独见过"),
    _level("trusted", "Trusted", "信任"),
    _level("ally", "Ally", "盟友"),
)


class ChainPolicy(_Model):
    """How the playbook reads the decision chain: organisations, relationships, deciders."""

    org_kinds: tuple[Level, ...] = ()
    """Kinds of organisation besides the built-in ones (customer, group, contractor,
    design_institute, partner, consultant)."""
    relationship_depth: tuple[Level, ...] = DEFAULT_DEPTH
    """The scale of our relationship with a person, shallow to deep."""
    decision_roles: tuple[_IdText, ...] = ()
    """Decision-chain roles that decide (ids from `roles`); with none, people of high
    influence count as decision-makers."""
    champion_min_influence: InfluenceLevel = "medium"
    """The least influence a champion needs to count for the `no_champion` red flag and
    `champion()`."""

    def kinds(self) -> tuple[Level, ...]:
        """The built-in kinds of organisation, then the playbook's own."""
        return BUILTIN_ORG_KINDS + self.org_kinds


class Criterion(_Model):
    """A decision criterion the customer judges the offers by."""

    id: _IdText
    """Unique id of the criterion."""
    name: Text
    """The criterion's display name."""
    description: Text | None = None
    """What the customer looks at."""


class ScoreCriterion(_Model):
    """A criterion of the scorecard, with what each level 0-3 means."""

    id: _IdText
    """Unique id of the criterion."""
    name: Text
    """The criterion's display name."""
    levels: Annotated[tuple[Text, ...], Field(min_length=4, max_length=4)]
    """What levels 0, 1, 2 and 3 mean, in that order."""
    evidence: Text | None = None
    """The evidence a score of this criterion should cite."""


class Scorecard(_Model):
    """A graded scorecard of deals (MEDDPICC, a Blue-Sheet-style one, your own)."""

    id: _IdText
    """Id of the scorecard, like `meddpicc`."""
    name: Text
    """The scorecard's display name."""
    criteria: Annotated[tuple[ScoreCriterion, ...], Field(min_length=1)]
    """The criteria, each scored 0-3."""


class HealthPolicy(_Model):
    """How the factors of a deal's health weigh (weights 0-100; 0 leaves a factor out)."""

    weights: dict[_IdText, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)
    """Weight of each factor (scorecard, red_flags, time_in_stage, checklist, close_date);
    a factor not named weighs 1."""
