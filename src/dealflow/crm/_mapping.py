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

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from dealflow._messages import _
from dealflow.crm._cells import resolve_zone
from dealflow.errors import MappingError, Problem
from dealflow.values import Currency

__all__ = ["CLOSED", "EXPORTED", "LOST", "OPEN", "WON", "Columns", "CrmMapping", "Dates",
           "Undated"]

WON, LOST, OPEN = "won", "lost", "open"
CLOSED = (WON, LOST)
"""The two outcomes a CRM stage may map to besides a playbook stage."""

EXPORTED = "exported"
"""`undated.date: exported`: a deal with no date at all takes the export's date."""

Name = Annotated[str, Field(min_length=1)]

_SAMPLE = dt.datetime(2001, 11, 23, 14, 5, 6)


def _reads_its_own_output(fmt: str) -> str:
    try:
        dt.datetime.strptime(_SAMPLE.strftime(fmt), fmt)
    except ValueError:
        raise ValueError(_("the format {fmt!r} cannot read the dates it writes; use strftime "
                           "codes such as %Y-%m-%d or %m/%d/%Y %H:%M", fmt=fmt)) from None
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

    def utc(self, value: dt.date) -> dt.datetime:
        """A date (midnight) or a time, in UTC; without a zone, it is in `timezone`."""
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone())
        return value.astimezone(dt.UTC)


def _date_or_exported(value: object) -> object:
    """A date (as YAML or ISO 8601 text writes it; midnight when without a time), or
    `exported`."""
    if isinstance(value, dt.datetime) or value == EXPORTED:
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(_("{value!r} is neither a date nor {exported}; write a date like "
                       "2024-06-30 (or 2024-06-30 17:00), or {exported} for the export's "
                       "date, given when importing (--exported-on)", value=value,
                       exported=EXPORTED))


class Undated(_Frozen):
    """What date a deal with no date at all takes: `date` (a date, or `exported`: the
    export's date, given when importing) or `column` (the date in that column of its
    row). Exactly one of the two."""

    date: Annotated[dt.datetime | Literal["exported"] | None,
                    BeforeValidator(_date_or_exported)] = None
    column: Name | None = None

    def describe(self) -> str:
        """`the date in column 'Created' (undated.column)`: the rule, as the mapping says it."""
        if self.column is not None:
            return _("the date in column {column!r} (undated.column)", column=self.column)
        if isinstance(self.date, dt.datetime):
            written = (f"{self.date:%Y-%m-%d}" if self.date.time() == dt.time() else
                       f"{self.date:%Y-%m-%d %H:%M}")
            return _("the date {written} (undated.date)", written=written)
        return _("the export's date (undated.date: exported)")

    @model_validator(mode="after")
    def _one_rule(self) -> Undated:
        if (self.date is None) == (self.column is None):
            raise ValueError(_("undated takes one of date (a date like 2024-06-30, or "
                               "exported) and column (the column whose date such a deal "
                               "takes)") + (_(", not both") if self.date is not None else ""))
        return self


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
    undated: Undated | None = None

    def export_time(self, exported_on: dt.date | None,
                    file: str = "<mapping>") -> dt.datetime | None:
        """The export's date (`--exported-on`) in UTC, None when not given;
        `MappingError` (naming `file`) when `undated` does not say `date: exported`."""
        if exported_on is None:
            return None
        rule = self.undated
        if rule is None or rule.date != EXPORTED:
            said = (_("does not say what date a deal with no date takes") if rule is None else
                    _("gives a deal with no date {rule}", rule=rule.describe()))
            raise MappingError([Problem(file, 0, 0, "undated", _(
                "an export date was given (--exported-on), but the mapping {said}; write "
                "undated: {{date: exported}} to give such deals the export's date",
                said=said))])
        return self.dates.utc(exported_on)

    def columns_used(self) -> dict[tuple[str, ...], str]:
        """Every column the mapping names, by the place that names it."""
        used: dict[tuple[str, ...], str] = {
            ("columns", name): column for name, column in self.columns.named().items()}
        used.update({("stage_dates", stage): column
                     for stage, column in self.stage_dates.items()})
        if self.undated is not None and self.undated.column is not None:
            used[("undated", "column")] = self.undated.column
        return used
