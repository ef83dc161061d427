"""Running hypothesis inside a check: data from the strategies alone, and a check that
stops reported in words (never hypothesis' own report, such as an exception group)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hypothesis.errors import HypothesisException

from dealflow._messages import _
from dealflow.errors import DealflowError
from dealflow.playbook import Playbook
from dealflow.rules import DATA_ERRORS

__all__ = ["STOPS", "stopping_clearly", "strategies_alone", "why"]

#: What a check may stop on: a dealflow error, what Python raises on the data of a
#: generated deal (`DATA_ERRORS`), nesting too deep, and what hypothesis raises (its own
#: errors, or several failures at once as an exception group).
STOPS: tuple[type[Exception], ...] = (
    DealflowError, HypothesisException, ExceptionGroup, RecursionError, *DATA_ERRORS)


def why(exc: BaseException) -> str:
    """An exception in one line: its own message for a dealflow error (which says what
    and where), else its type and message; every distinct one of a group."""
    if isinstance(exc, BaseExceptionGroup):
        parts = dict.fromkeys(why(inner) for inner in exc.exceptions)
        return "; ".join(parts)
    if isinstance(exc, DealflowError):
        return " ".join(str(exc).split())
    return " ".join(f"{type(exc).__name__}: {exc}".split())


@contextlib.contextmanager
def stopping_clearly(pb: Playbook, check: str) -> Iterator[None]:
    """A check that stops (an error the check did not expect, or hypothesis' own, such as a
    group of several) as a `DealflowError` naming the check and every reason."""
    try:
        yield
    except STOPS as exc:  # reported in words
        raise DealflowError(_("{id} {version}: the deep check {check} stopped on a generated "
                              "deal: {why}", id=pb.id, version=pb.version, check=check,
                              why=why(exc))) from None


@contextlib.contextmanager
def strategies_alone() -> Iterator[None]:
    """Generate deals from the strategies alone, whatever else the process has imported.

    Hypothesis mixes literals of the local modules loaded in the process into the data it
    generates, so the same seed gave other deals (and findings) under the CLI, a script or
    a test suite, and in a test suite, depending on which test ran first. This keeps them
    out, through a private hook of hypothesis; without the hook, nothing changes.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # another hypothesis: nothing to keep out
        yield
        return
    none = Constants()
    cache.clear()
    setattr(providers, "_get_local_constants", lambda: none)  # noqa: B010 - a private hook
    try:
        yield
    finally:
        setattr(providers, "_get_local_constants", original)  # noqa: B010
        cache.clear()
