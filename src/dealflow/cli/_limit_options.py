"""The `--limits` option of `validate` and `import`: change the limits for one run (the
parsing limits, and the step budgets of rules and layouts)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer

from dealflow.errors import DefinitionError

LimitsOption = Annotated[str | None, typer.Option(
    "--limits", metavar="NAME=N,...", show_default=False,
    help="Change limits for this command, like max_bytes=5000000,max_stages=200 (on top "
         "of $DEALFLOW_LIMITS).")]
"""The `--limits NAME=N,...` option."""


@contextlib.contextmanager
def limits_in_force(spec: str | None) -> Iterator[None]:
    """Inside the block, the limits of `DEALFLOW_LIMITS` changed by a `--limits` `spec`;
    a usage error (exit 2) naming the option when `spec` is not valid."""
    from dealflow.limits import current_limits, parse_limits, using_limits

    if spec is None:
        yield
        return
    try:
        limits = parse_limits(spec, current_limits(), source="--limits")
    except DefinitionError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--limits: "),
                                 param_hint="'--limits'") from None
    with using_limits(limits):
        yield
