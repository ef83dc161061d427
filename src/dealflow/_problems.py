"""Problems located in a document: the words every reader uses for what it refused.

`schema_problems` turns pydantic's validation errors on a document into located
`Problem`s in plain words (`expected a list, not the text 'maybe'`, `unknown key
'stagse'; did you mean 'stages'?`; the words are `_plain`'s); `PathProblem` is a problem
found at a path before it has its line; `did_you_mean` suggests the closest valid
choice. Used by the playbook loader, deal files and CRM mappings alike.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from dealflow._messages import _
from dealflow._plain import plain_message
from dealflow._yaml import Document, Location
from dealflow.errors import Problem

__all__ = ["PathProblem", "did_you_mean", "schema_problems"]


@dataclass(frozen=True, slots=True)
class PathProblem:
    """A problem at the path `loc` of a document, before it is given its line and column
    (`Document.problem`); `key` is True when it is about the key rather than its value."""

    loc: Location
    message: str
    key: bool = False


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or the list of valid choices."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        return _("; did you mean {choice}?", choice=repr(close[0]))
    if not options:
        return _("; none are declared")
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return _("; valid: {choices}", choices=shown)


def schema_problems(exc: ValidationError, document: Document,
                    root: type[BaseModel]) -> Iterator[Problem]:
    """Located problems for pydantic's errors on a document validated as `root`."""
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _fields_at(loc[:-1], root)
            message = _("unknown key {key}", key=repr(key)) + did_you_mean(key, allowed)
            yield document.problem(loc, message, key=True)
        elif kind == "missing":
            yield document.problem(loc[:-1], _("missing required key {key}", key=repr(loc[-1])))
        elif kind == "too_short" and len(error["input"]) >= error["ctx"]["min_length"]:
            continue  # its entries are invalid, each reported on its own
        else:
            yield document.problem(loc, plain_message(error))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields_at(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []
