"""Win/loss review forms: the questions a playbook asks when a deal is won or lost.

Each question has its choices, declared (`choices`) or taken from the playbook itself
(`choices_from`: its gates, plays, lost reasons or stages), so the answers can be counted
and the next revision of the playbook starts from counted causes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from dealflow._messages import _
from dealflow._problems import PathProblem
from dealflow.playbook._base import Identifier
from dealflow.playbook._localized import Text

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.playbook._model import Playbook

__all__ = ["ChoicesFrom", "ReviewForm", "ReviewForms", "ReviewQuestion", "question_choices",
           "review_problems"]

ChoicesFrom = Literal["gates", "plays", "lost_reasons", "stages"]


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=False, use_attribute_docstrings=True
    )


class ReviewQuestion(_Model):
    """One question of a review form, with the choices an answer picks from."""

    id: Identifier
    """Unique id of the question within its form (answers are given as `id=choice`)."""
    text: Text
    """The question as people read it, e.g. "Which control point was weakest?"."""
    choices: tuple[Identifier, ...] = ()
    """The declared choices (ids); give these or `choices_from`."""
    choices_from: ChoicesFrom | None = None
    """Take the choices from the playbook: `gates`, `plays`, `lost_reasons` or `stages`."""
    required: bool = True
    """Whether a review must answer this question."""

    @model_validator(mode="after")
    def _one_kind_of_choices(self) -> ReviewQuestion:
        if bool(self.choices) == (self.choices_from is not None):
            raise PydanticCustomError(
                "review_choices", _("give either `choices` (a list of ids) or `choices_from` "
                                    "(gates, plays, lost_reasons or stages), not both and not "
                                    "neither"))
        return self


class ReviewForm(_Model):
    """The questions asked when a deal is won (or lost)."""

    required: bool = False
    """Whether `win` (or `lose`) needs the answers with the move; when false, the review
    may be given later (`dealflow review`)."""
    questions: Annotated[tuple[ReviewQuestion, ...], Field(min_length=1)]
    """The questions, in the order they are asked."""

    def question(self, question_id: str) -> ReviewQuestion | None:
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)


class ReviewForms(_Model):
    """The review form of each outcome (none by default)."""

    won: ReviewForm | None = None
    """The form of a won deal."""
    lost: ReviewForm | None = None
    """The form of a lost deal."""

    def form(self, outcome: str) -> ReviewForm | None:
        """The form of `outcome` (`won` or `lost`), or None."""
        return self.won if outcome == "won" else self.lost if outcome == "lost" else None


def question_choices(playbook: Playbook, question: ReviewQuestion) -> tuple[str, ...]:
    """The ids an answer to `question` may pick."""
    if question.choices_from is None:
        return question.choices
    if question.choices_from == "gates":
        return tuple(gate.id for stage in playbook.stages for gate in stage.gates)
    if question.choices_from == "plays":
        return tuple(play.id for play in playbook.plays)
    if question.choices_from == "lost_reasons":
        return tuple(reason.id for reason in playbook.lost_reasons)
    return tuple(stage.id for stage in playbook.stages)


def review_problems(playbook: Playbook) -> Iterator[PathProblem]:
    """Questions that repeat an id, or take their choices from a list the playbook leaves
    empty."""
    for outcome in ("won", "lost"):
        form = playbook.reviews.form(outcome)
        if form is None:
            continue
        seen: set[str] = set()
        for index, question in enumerate(form.questions):
            loc = ("reviews", outcome, "questions", index)
            if question.id in seen:
                yield PathProblem((*loc, "id"), _("duplicate question id {id!r}",
                                                  id=question.id))
            seen.add(question.id)
            if not question_choices(playbook, question):
                yield PathProblem((*loc, "choices_from"), _(
                    "the playbook has no {source}: choose another source, or declare "
                    "`choices`", source=question.choices_from))
