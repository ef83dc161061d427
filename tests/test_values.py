"""The kinds of value (`dealflow.values`): one form each, the same in every way in.

Deal files are tried through the CLI (`dealflow checklist FILE`); the store's ways in
(`fact set`, `deal new`, `import`) on both databases in `tests/store/test_values_cli.py`
and `tests/store/test_jsonl_strict.py`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

from dealflow import Deal
from dealflow._plain import plain_errors
from dealflow.cli import app
from dealflow.cli._output import guarded
from dealflow.engine import event_adapter
from dealflow.testing import hostile_ids
from dealflow.values import Amount, FactValue, Moment, check_id
from tests._lab import lab_text

RAW_LIBRARY_TEXT = ("pydantic", "Input should", "Value error", "validation error", "type=",
                    "Field required", "Extra inputs")

AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)
FACT: TypeAdapter[Any] = TypeAdapter(FactValue)
MOMENT: TypeAdapter[dt.datetime] = TypeAdapter(Moment)


# -- deal files, through the CLI ------------------------------------------------------------

GOOD = """\
id: L-7
title: Plate readers
account: Rhine Labs
owner: ada
amount: 80000
currency: EUR
stage: trial_run
stage_entered_at: 2026-05-04T09:00:00Z
facts:
  seats: 12
  utilisation: 0.5
  go_live: 2026-09-01
"""


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(lab_text(), encoding="utf-8")
    return path


def _checklist(tmp_path: Path, lab: Path, text: str) -> Any:
    deal = tmp_path / "deal.yaml"
    deal.write_text(text, encoding="utf-8")
    return CliRunner().invoke(app, ["checklist", str(deal), "--playbook", str(lab)])


def test_a_good_deal_file_of_the_foreign_playbook_gives_its_checklist(
    tmp_path: Path, lab: Path,
) -> None:
    result = _checklist(tmp_path, lab, GOOD)
    assert result.exit_code == 0, result.output
    assert "Ship a trial unit" in result.output


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("amount: 80000", "amount: -0.5", "5:9  amount", "-0.5 is negative; an amount is zero"),
    ("amount: 80000", "amount: .nan", "5:9  amount",
     "not a finite amount (NaN and infinity are not amounts)"),
    ("amount: 80000", "amount: ８００００", "5:9  amount",
     "'８００００' uses the digit '８' (U+FF18 FULLWIDTH DIGIT EIGHT)"),
    ("amount: 80000", "amount: 1.005", "5:9  amount", "1.005 has more than two decimals"),
    ("currency: EUR", "currency: €€€", "6:11  currency",
     "'€€€' is not an ISO 4217 currency code"),
    ("id: L-7", 'id: "L-7\\n"', "1:5  id", "holds a line break (U+000A) at position 3"),
    ("id: L-7", 'id: " "', "1:5  id", "' ' begins or ends with a space"),
    ("stage_entered_at: 2026-05-04T09:00:00Z", "stage_entered_at: 9999-12-31T00:00:00Z",
     "8:19  stage_entered_at", "9999-12-31T00:00:00+00:00 is outside the times dealflow "
                               "takes (1900-01-01 to 2200-12-31, UTC)"),
    ("stage_entered_at: 2026-05-04T09:00:00Z", "stage_entered_at: 2026-05-04 09:00:00",
     "8:19  stage_entered_at", "a time must carry its time zone"),
    ("  utilisation: 0.5", "  utilisation: .inf", "11:16  facts.utilisation",
     "not a finite number"),
    ("  seats: 12", "  seats: 10000000000000000", "10:10  facts.seats",
     "10000000000000000 has more than 15 digits"),
    ("  go_live: 2026-09-01", "  go_live: 9999-09-01", "12:12  facts.go_live",
     "9999-09-01 is outside the dates dealflow takes"),
], ids=["negative-amount", "nan-amount", "fullwidth-amount", "third-decimal", "currency",
        "id-line-break", "id-lone-space", "year-9999", "no-time-zone", "infinite-fact",
        "huge-whole-fact", "date-fact-9999"])
def test_a_deal_file_value_out_of_its_form_is_a_located_problem(
    tmp_path: Path, lab: Path, old: str, new: str, where: str, message: str,
) -> None:
    assert old in GOOD
    result = _checklist(tmp_path, lab, GOOD.replace(old, new, 1))
    assert result.exit_code == 1, result.output
    assert f"deal.yaml:{where}  {message}" in result.output
    assert not any(raw in result.output for raw in RAW_LIBRARY_TEXT), result.output


# -- one form: what is accepted reads back the same ------------------------------------------

amounts = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2),
    st.integers(0, 10**16 - 1),
    st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2).map(str),
    st.integers(0, 10**10).map(lambda n: f"{n}e{n % 6}"),
    st.sampled_from(["-0", "-0.00", "+1", ".5", "1.", "1.500", "1E+3"]),
)


@given(amounts)
def test_an_amount_has_one_form_that_reads_back_as_itself(value: object) -> None:
    try:
        amount = AMOUNT.validate_python(value)
    except ValidationError:
        return  # over the limit: 10^16 or more once the exponent is written out
    text = AMOUNT.dump_python(amount, mode="json")
    assert "E" not in text
    assert not text.startswith("-")
    assert AMOUNT.validate_python(text) == amount
    assert AMOUNT.dump_python(AMOUNT.validate_python(text), mode="json") == text


facts = st.one_of(
    st.booleans(), st.integers(-(10**15) + 1, 10**15 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50).filter(lambda t: "\x00" not in t),
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
)


@given(facts)
def test_a_fact_value_survives_json_unchanged(value: object) -> None:
    try:
        stored = FACT.validate_python(value)
    except ValidationError:  # a lone surrogate
        return
    text = json.dumps(FACT.dump_python(stored, mode="json"), allow_nan=False)
    back = FACT.validate_python(json.loads(text))
    assert json.dumps(FACT.dump_python(back, mode="json")) == text
    if isinstance(value, float):
        assert str(back) == str(value + 0.0)  # -0.0 is stored as 0.0


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 10**15,
                                   -(10**15), dt.date(9999, 1, 1), dt.date(1899, 12, 31),
                                   "x" * 2001, "a\x00", [1], {"a": 1}, dt.datetime(2026, 1, 1)],
                         ids=["nan", "inf", "minus-inf", "16-digits", "minus-16-digits",
                              "year-9999", "year-1899", "long-text", "nul", "list", "mapping",
                              "datetime"])
def test_a_fact_value_out_of_its_form_is_refused(value: object) -> None:
    with pytest.raises(ValidationError):
        FACT.validate_python(value)


@pytest.mark.parametrize(("value", "utc"), [
    ("1900-01-01T00:00:00Z", dt.datetime(1900, 1, 1, tzinfo=dt.UTC)),
    ("2200-12-31T23:59:59.999999Z", dt.datetime(2200, 12, 31, 23, 59, 59, 999999, dt.UTC)),
    ("2026-03-02T09:00:00+08:00", dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)),
], ids=["first", "last", "kept-in-utc"])
def test_a_time_within_the_years_is_kept_in_utc(value: str, utc: dt.datetime) -> None:
    assert MOMENT.validate_python(value) == utc
    assert MOMENT.validate_python(value).tzinfo == dt.UTC


@pytest.mark.parametrize("value", ["1900-01-01T00:30:00+01:00", "2201-01-01T00:00:00Z",
                                   "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+05:00",
                                   "2026-03-02T09:00:00"],
                         ids=["before-1900-in-utc", "2201", "9999", "year-1", "no-zone"])
def test_a_time_outside_the_years_or_without_a_zone_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MOMENT.validate_python(value)
    assert "outside the times" in str(caught.value) or "time zone" in str(caught.value)


@given(hostile_ids(max_size=40))
def test_hostile_ids_are_valid_ids(value: str) -> None:
    assert check_id(value) == value


# -- no library text reaches a user ----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8)
DEAL_FIELDS = list(Deal.model_fields)
EVENT_FIELDS = ["type", "deal_id", "seq", "at", "actor", "title", "amount", "currency",
                "stage", "changes", "value", "name", "stakeholder", "next_step", "resume_on"]
EVENT_TYPES = ["deal_created", "deal_edited", "fact_set", "stakeholder_added", "deal_held",
               "next_step_set", "item_completed", "deal_lost", "deal_migrated", "nope"]


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(DEAL_FIELDS), json_values, max_size=12))
def test_every_error_of_a_deal_is_worded_without_library_text(data: dict[str, Any]) -> None:
    try:
        Deal.model_validate(data)
    except ValidationError as exc:
        for message in plain_errors(exc):
            assert not any(raw in message for raw in RAW_LIBRARY_TEXT), message


@settings(max_examples=300)
@given(st.sampled_from(EVENT_TYPES),
       st.dictionaries(st.sampled_from(EVENT_FIELDS), json_values, max_size=10))
def test_every_error_of_an_event_is_worded_without_library_text(
    kind: str, data: dict[str, Any],
) -> None:
    try:
        event_adapter.validate_python({**data, "type": kind})
    except ValidationError as exc:
        for message in plain_errors(exc, kind):
            assert not any(raw in message for raw in RAW_LIBRARY_TEXT), message


def test_a_validation_error_that_reaches_the_cli_is_worded_plainly_exit_1() -> None:
    def boom() -> None:
        """A command whose value escaped the checks before it."""
        Deal.model_validate({"id": "a\nb"})

    cli = typer.Typer()
    cli.command()(guarded(boom))
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 1
    assert "invalid value:\n  id: holds a line break (U+000A) at position 1" in result.output
    assert not any(raw in result.output for raw in RAW_LIBRARY_TEXT), result.output
