"""A playbook's references to its own ids: a value that names no declared id is a problem
at its place, with the closest id (or the ones declared)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dealflow._messages import _
from dealflow._problems import PathProblem, did_you_mean
from dealflow._yaml import Location

__all__ = ["ref_problems", "refs_problems"]


def ref_problems(value: str, valid: set[str], loc: Location, what: str) -> Iterator[PathProblem]:
    """A problem at `loc` when `value` is not one of the `valid` ids (a `what`)."""
    if value not in valid:
        hint = did_you_mean(value, valid) if valid else _("; the playbook declares none")
        yield PathProblem(loc, _("unknown {what} {value!r}", what=_(what), value=value) + hint)


def refs_problems(values: Sequence[str], valid: set[str], loc: Location,
                  what: str) -> Iterator[PathProblem]:
    """`ref_problems` of each of `values`, at its index under `loc`."""
    for index, value in enumerate(values):
        yield from ref_problems(value, valid, (*loc, index), what)
