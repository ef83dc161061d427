"""The steps of the story `dealflow demo` tells (`_demo_story`): each a small record of
one operation on the deal, its texts message ids read in the current locale.

A record keeps the message id (`title_id`, `note_id`, ...), marked with `N_` where the
story's tables are built; its property (`title`, `note`, ...) gives the text in the locale
the command runs in, so `DEALFLOW_LANG=zh dealflow demo` tells the story in Chinese.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dealflow.cli._demo_commitments import CommitmentStep, told

__all__ = ["Advance", "Approve", "Chapter", "Fact", "Item", "Line", "Org", "Person", "Rate",
           "Rival", "Score", "Show", "Step", "Told", "Verify", "Waive", "Words", "addressed"]


class Told(Mapping[str, Any]):
    """A table whose texts (message ids) are read in the current locale."""

    def __init__(self, values: dict[str, Any], texts: tuple[str, ...]) -> None:
        self._values, self._texts = values, texts

    def __getitem__(self, key: str) -> Any:
        value = self._values[key]
        return told(value) if key in self._texts else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class Words(str):
    """A fact's value that is a story text (a message id), told in the current locale; a
    plain string is a value the playbook knows (an enum id), given as it is."""

    __slots__ = ()


@dataclass(frozen=True)
class Fact:
    """Set a fact (a date fact given as days from today); a `Words` value is a message id."""

    name: str
    given: Any
    days_from_today: int | None = None
    evidence_id: str | None = None
    source: str | None = None
    confirmed_by: str | None = None

    @property
    def value(self) -> Any:
        """The value, a text in the current locale."""
        return told(self.given) if isinstance(self.given, Words) else self.given

    @property
    def evidence(self) -> str | None:
        """The evidence, in the current locale."""
        return None if self.evidence_id is None else told(self.evidence_id)


@dataclass(frozen=True)
class Verify:
    """A second person checks the evidence behind a fact."""

    name: str
    by: str
    note_id: str = ""

    @property
    def note(self) -> str:
        """What was checked, in the current locale."""
        return told(self.note_id)


@dataclass(frozen=True)
class Waive:
    """A blocked control point is waived, on the record."""

    gate: str
    person: str
    role: str
    reason_id: str

    @property
    def reason(self) -> str:
        """Why, in the current locale."""
        return told(self.reason_id)


@dataclass(frozen=True)
class Person:
    """Map a stakeholder, last contacted `contact_days_ago` days ago."""

    id: str
    name_id: str
    title_id: str
    roles: tuple[str, ...]
    stance: str
    influence: str
    org_win_id: str
    personal_win_id: str
    contact_days_ago: int
    org: str = "zhenhai"
    owner: str = "sales"

    @property
    def name(self) -> str:
        """The name, in the current locale."""
        return told(self.name_id)

    @property
    def title(self) -> str:
        """The title, in the current locale."""
        return told(self.title_id)

    @property
    def org_win(self) -> str:
        """What the person's organisation gains, in the current locale."""
        return told(self.org_win_id)

    @property
    def personal_win(self) -> str:
        """What the person gains, in the current locale."""
        return told(self.personal_win_id)


@dataclass(frozen=True)
class Org:
    """Declare an organisation of the decision chain."""

    id: str
    name_id: str
    kind: str

    @property
    def name(self) -> str:
        """The name, in the current locale."""
        return told(self.name_id)


@dataclass(frozen=True)
class Line:
    """Draw a line: `source` reports to, or influences, `target`."""

    source: str
    target: str
    kind: str = "reports_to"
    strength: str = "medium"


@dataclass(frozen=True)
class Rival:
    """Name a competitor, with our position per decision criterion."""

    id: str
    name_id: str
    incumbent: bool
    strength_ids: tuple[str, ...]
    positions: dict[str, str]
    preferred_by: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The name, in the current locale."""
        return told(self.name_id)

    @property
    def strengths(self) -> tuple[str, ...]:
        """Its strengths, in the current locale."""
        return tuple(told(strength) for strength in self.strength_ids)


@dataclass(frozen=True)
class Score:
    """Score a criterion of the scorecard."""

    criterion: str
    level: int
    evidence_id: str = ""

    @property
    def evidence(self) -> str:
        """The evidence, in the current locale."""
        return told(self.evidence_id)


@dataclass(frozen=True)
class Rate:
    """Change a stakeholder's stance (or other fields), and say why."""

    id: str
    why_id: str
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def why(self) -> str:
        """Why, in the current locale."""
        return told(self.why_id)


@dataclass(frozen=True)
class Item:
    """Mark a checklist item done."""

    id: str
    evidence_id: str | None = None

    @property
    def evidence(self) -> str | None:
        """The evidence, in the current locale."""
        return None if self.evidence_id is None else told(self.evidence_id)


@dataclass(frozen=True)
class Advance:
    """Try to move to the next stage."""


@dataclass(frozen=True)
class Approve:
    """Give one of the playbook's internal approvals: who (on `TEAM`) and with what note."""

    approval: str
    by: str
    note_id: str

    @property
    def note(self) -> str:
        """The note, in the current locale."""
        return told(self.note_id)


@dataclass(frozen=True)
class Show:
    """Show part of the deal: `map`, `plays`, `health` or `checklist`."""

    what: str


Step = (Fact | Person | Rate | Item | Advance | Approve | Show | Verify | Waive | Org | Line
        | Rival | Score | CommitmentStep)


@dataclass(frozen=True)
class Chapter:
    """One stage of the story."""

    title_id: str
    text_id: str
    steps: tuple[Step, ...]

    @property
    def title(self) -> str:
        """The chapter's title, in the current locale."""
        return told(self.title_id)

    @property
    def text(self) -> str:
        """What happens in it, in the current locale."""
        return told(self.text_id)


def addressed(person: Person) -> dict[str, Any]:
    """The changes that mark both of a person's wins addressed by our offer."""
    from dealflow.deal import Win as Gain

    return {"org_wins": (Gain(text=person.org_win, addressed=True),),
            "personal_wins": (Gain(text=person.personal_win, addressed=True),)}
