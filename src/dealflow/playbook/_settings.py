"""The settings of a playbook that are not part of its process: the thresholds of the
stakeholder red flags, and how the linter treats it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dealflow.playbook._base import Identifier, _Model

__all__ = ["LintSettings", "RedFlagPolicy"]


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
