"""The mapping file: which CSV column holds what, and what each CRM value means.

A mapping is YAML, read into these frozen models (unknown keys are refused with the
closest match). `shape` says how the export is laid out: `long`, one row per stage
change of a deal (Salesforce's OpportunityHistory, HubSpot's property history), or
`wide`, one row per deal with a date column per stage reached (HubSpot's
"Date entered ..." columns). The keys are documented in docs/importing-from-crm.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from dealflow.crm._values import resolve_zone
from dealflow.values import Currency

__all__ = ["CLOSED", "LOST", "OPEN", "WON", "Columns", "CrmMapping", "Dates"]

WON, LOST, OPEN = "won", "lost", "open"
CLOSED = (WON, LOST)
"""The two outcomes a CRM stage may map to besides a playbook stage."""

Name = Annotated[str, Field(min_length=1)]

_SAMPLE = dt.datetime(2001, 11, 23, 14, 5, 6)


def _reads_its_own_output(fmt: str) -> str:
    try:
        dt.datetime.strptime(_SAMPLE.strftime(fmt), fmt)
    except ValueError:
        raise ValueError(f"the format {fmt!r} cannot read the dates it writes; use "
                         "strftime codes such as %Y-%m-%d or %m/%d/%Y %H:%M") from None
    return fmt


DateFormat = Annotated[str, Field(min_length=1), AfterValidator(_reads_its_own_output)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Columns(_Frozen):
    """The header of the CSV column that holds each field; only `deal_id` is required."""

    deal_id: Name
    stage: Name | None = None
    time: Name | None = None
    amount: Name | None = None
    owner: Name | None = None
    account: Name | None = None
    title: Name | None = None
    outcome: Name | None = None
    lost_reason: Name | None = None

    def named(self) -> dict[str, str]:
        """field -> column, for the fields that name a column."""
        return {name: column for name, column in self.model_dump().items() if column}


class Dates(_Frozen):
    """How dates are written: `strftime` formats tried in order (ISO 8601 is always
    accepted after them), and the IANA time zone of dates written without one."""

    formats: tuple[DateFormat, ...] = ()
    timezone: Name = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        resolve_zone(name)
        return name

    def zone(self) -> dt.tzinfo:
        """The time zone of dates written without one."""
        return resolve_zone(self.timezone)


class CrmMapping(_Frozen):
    """How the rows of one CRM export become dealflow events."""

    shape: Literal["long", "wide"]
    currency: Currency
    columns: Columns
    stages: dict[str, Name] = Field(default_factory=dict)
    stage_dates: dict[str, Name] = Field(default_factory=dict)
    outcomes: dict[str, Literal["won", "lost", "open"]] = Field(default_factory=dict)
    lost_reasons: dict[str, Name] = Field(default_factory=dict)
    default_lost_reason: Name | None = None
    dates: Dates = Dates()
    unmapped_stage: Literal["error", "skip", "default"] = "error"
    default_stage: Name | None = None
    repair: bool = False

    def columns_used(self) -> dict[tuple[str, ...], str]:
        """Every column the mapping names, by the place that names it."""
        used: dict[tuple[str, ...], str] = {
            ("columns", name): column for name, column in self.columns.named().items()}
        used.update({("stage_dates", stage): column
                     for stage, column in self.stage_dates.items()})
        return used
