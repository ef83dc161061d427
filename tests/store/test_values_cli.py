"""Every value out of its form is refused through the CLI, on SQLite and PostgreSQL, with a
plain message and nothing written; values with a second spelling are stored in one form.

The deals run under the foreign playbook with a fact of every type (`tests/_lab.py`), or
the bundled one where `dealflow deal new` makes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from dealflow.cli import app
from dealflow.store import Store
from tests._lab import lab_playbook
from tests.cli.conftest import flat

Invoke = Callable[..., Result]

RAW_LIBRARY_TEXT = ("pydantic", "Input should", "Value error", "validation error", "Traceback",
                    "type=")
"""Text of pydantic (or a traceback) that must never reach a user."""


def assert_refused(result: Result, message: str) -> None:
    """Exit 1 with `message`, and no library text."""
    assert result.exit_code == 1, result.output
    assert message in flat(result.output), result.output
    assert not any(raw in result.output for raw in RAW_LIBRARY_TEXT), result.output


@pytest.fixture
def invoke(store_url: str) -> Invoke:
    runner = CliRunner()

    def run(*args: str) -> Result:
        """`dealflow ARGS --db URL`; before a `--`, whatever follows it is an argument."""
        words = list(args)
        at = words.index("--") if "--" in words else len(words)
        return runner.invoke(app, [*words[:at], "--db", store_url, *words[at:]])
    return run


@pytest.fixture
def lab_deal(store_url: str) -> str:
    """A deal L-1 under the foreign playbook with a fact of every type."""
    with Store(store_url) as store:
        store.create(playbook=lab_playbook(), deal_id="L-1", title="Plate readers",
                     account="Rhine Labs", owner="ada", actor="ada")
    return "L-1"


def _events(url: str, deal_id: str) -> int:
    with Store(url, playbook=lab_playbook()) as store:
        return len(store.events(deal_id))


# -- fact set ----------------------------------------------------------------------------

@pytest.mark.parametrize(("fact", "value", "message"), [
    ("utilisation", "nan", "'nan': not a finite number (NaN and infinity are refused)"),
    ("utilisation", "inf", "'inf': not a finite number"),
    ("utilisation", "-Infinity", "not a finite number"),
    ("utilisation", "1e309", "'1e309': 1e309 is too large to be a finite number"),
    ("utilisation", "١.٥", "uses the digit '١' (U+0661 ARABIC-INDIC DIGIT ONE); write "
                           "numbers with the digits 0-9"),
    ("utilisation", "０.５", "uses the digit '０' (U+FF10 FULLWIDTH DIGIT ZERO)"),
    ("utilisation", "1_000", "expected a number like 0.25 or 1e6"),
    ("seats", "1234567890123456", "1234567890123456 has more than 15 digits"),
    ("seats", "9" * 5000, "999999999999999999999999999999999999... has more than 15 digits"),
    ("seats", "１２", "uses the digit '１' (U+FF11 FULLWIDTH DIGIT ONE)"),
    ("seats", "1e3", "expected a whole number like 12"),
    ("go_live", "9999-12-31", "9999-12-31 is outside the dates dealflow takes (1900-01-01 to "
                              "2200-12-31)"),
    ("go_live", "1899-12-31", "1899-12-31 is outside the dates dealflow takes"),
    ("go_live", "soon", "expected a date like 2026-03-31"),
    ("lab_notes", "x" * 2001, "2001 characters long; the limit is 2000"),
    ("lab_notes", "a\x00b", "holds a NUL character (U+0000) at position 1"),
    ("trial_outcome", "won", "expected one of: pending, passed, failed"),
    ("use_case_named", "perhaps", "expected true or false"),
    ("budget_status", "approved", "unknown fact 'budget_status'"),
], ids=["nan", "inf", "minus-infinity", "1e309", "arabic-indic-digits", "fullwidth-digits",
        "underscores", "sixteen-digits", "five-thousand-digits", "fullwidth-whole",
        "exponent-whole", "year-9999", "year-1899", "not-a-date", "long-text", "nul",
        "not-an-enum-value", "not-a-bool", "undeclared"])
def test_fact_set_refuses_a_value_out_of_its_form_and_writes_nothing(
    invoke: Invoke, store_url: str, lab_deal: str, fact: str, value: str, message: str,
) -> None:
    assert_refused(invoke("fact", "set", lab_deal, fact, "--", value), message)
    assert _events(store_url, lab_deal) == 1


@pytest.mark.parametrize(("fact", "value", "stored"), [
    ("utilisation", "-0", 0.0),
    ("utilisation", "-0.0", 0.0),
    ("utilisation", " 2.5e-1 ", 0.25),
    ("seats", "-999999999999999", -999_999_999_999_999),
    ("go_live", "2200-12-31", "2200-12-31"),
    ("go_live", "1900-01-01", "1900-01-01"),
    ("lab_notes", "x" * 2000, "x" * 2000),
], ids=["minus-zero", "minus-zero-point", "exponent", "fifteen-digits", "last-day",
        "first-day", "longest-text"])
def test_fact_set_stores_a_value_in_its_one_form(
    invoke: Invoke, store_url: str, lab_deal: str, fact: str, value: str, stored: object,
) -> None:
    result = invoke("fact", "set", lab_deal, fact, "--", value)
    assert result.exit_code == 0, result.output
    shown = json.loads(invoke("deal", "show", lab_deal, "--format", "json").stdout)
    assert shown["deal"]["facts"][fact] == stored
    assert repr(shown["deal"]["facts"][fact]) == repr(stored)  # 0.0, never -0.0


# -- deal new ----------------------------------------------------------------------------

def _new(invoke: Invoke, *options: str, deal_id: str = "D-1") -> Result:
    return invoke("deal", "new", "--id", deal_id, "--title", "Cracker upgrade", "--account",
                  "Zhenhai", "--owner", "li", *options)


@pytest.mark.parametrize(("amount", "message"), [
    ("-5", "amount: -5 is negative; an amount is zero or more"),
    ("nan", "amount: 'nan' is not an amount; write digits 0-9"),
    ("NaN", "'NaN' is not an amount"),
    ("inf", "'inf' is not an amount"),
    ("1e309", "amount: 1E+309 is too large; an amount is below 10^16"),
    ("1e16", "is too large; an amount is below 10^16"),
    ("1e99999999999999999999", "amount: '1e99999999999999999999' is too large or too small to "
                               "be an amount"),
    ("9" * 5000, "amount: 9999999999999999999999999999999999999... is too large"),
    ("１２", "amount: '１２' uses the digit '１' (U+FF11 FULLWIDTH DIGIT ONE); write the "
            "amount with the digits 0-9"),
    ("١٢", "uses the digit '١' (U+0661 ARABIC-INDIC DIGIT ONE)"),
    ("1.005", "amount: 1.005 has more than two decimals; an amount is in cents"),
    ("12,500", "'12,500' is not an amount"),
    ("lots", "'lots' is not an amount"),
], ids=["negative", "nan", "NaN", "inf", "1e309", "1e16", "huge-exponent", "5000-digits",
        "fullwidth", "arabic-indic",
        "third-decimal", "separator", "words"])
def test_deal_new_refuses_an_amount_out_of_its_form(
    invoke: Invoke, store_url: str, amount: str, message: str,
) -> None:
    assert_refused(_new(invoke, f"--amount={amount}"), message)
    with Store(store_url) as store:
        assert store.count_deals() == 0


@pytest.mark.parametrize(("amount", "stored"), [
    ("-0", "0"), ("-0.00", "0.00"), ("1e3", "1000"), ("1.2E+6", "1200000"),
    ("1250.50", "1250.50"), ("1.500", "1.50"), ("9999999999999999.99", "9999999999999999.99"),
], ids=["minus-zero", "minus-zero-cents", "exponent", "capital-exponent", "cents",
        "trailing-zero", "largest"])
def test_deal_new_stores_an_amount_in_its_one_form(
    invoke: Invoke, amount: str, stored: str,
) -> None:
    result = _new(invoke, f"--amount={amount}")
    assert result.exit_code == 0, result.output
    shown = json.loads(invoke("deal", "show", "D-1", "--format", "json").stdout)
    assert shown["deal"]["amount"] == stored


@pytest.mark.parametrize(("currency", "message"), [
    ("usd", "currency: 'usd' is not an ISO 4217 currency code: use one like CNY, EUR or USD, "
            "in capitals; did you mean 'USD'?"),
    ("EURO", "'EURO' is not an ISO 4217 currency code"),
    ("€€€", "'€€€' is not an ISO 4217 currency code"),
    ("U\x01D", "'U\\\\x01D' is not an ISO 4217 currency code"),
    ("ABC", "'ABC' is not an ISO 4217 currency code"),
    ("", "'' is not an ISO 4217 currency code"),
], ids=["lower-case", "word", "symbols", "control-character", "not-a-code", "empty"])
def test_deal_new_refuses_a_currency_that_is_not_an_iso_4217_code(
    invoke: Invoke, store_url: str, currency: str, message: str,
) -> None:
    assert_refused(_new(invoke, "--currency", currency), message)
    with Store(store_url) as store:
        assert store.count_deals() == 0


@pytest.mark.parametrize("currency", ["CNY", "EUR", "USD", "JPY", "XCG", "HRK"])
def test_deal_new_takes_iso_4217_codes_active_or_recently_withdrawn(
    invoke: Invoke, currency: str,
) -> None:
    assert _new(invoke, "--currency", currency).exit_code == 0


@pytest.mark.parametrize(("deal_id", "message"), [
    ("D\n1", "deal_id: holds a line break (U+000A) at position 1; an id is printable "
             "characters"),
    (" ", "deal_id: ' ' begins or ends with a space"),
    (" D-1", "' D-1' begins or ends with a space"),
    ("D-1 ", "'D-1 ' begins or ends with a space"),
    ("D\t1", "holds a tab (U+0009)"),
    ("D\u202e1", "holds U+202E RIGHT-TO-LEFT OVERRIDE at position 1"),
    ("D\u200b1", "holds U+200B ZERO WIDTH SPACE"),
    ("D\u30001", "holds U+3000 IDEOGRAPHIC SPACE"),
    ("D\x1b[31m", "holds the control character U+001B"),
    ("D" * 129, "deal_id: 129 characters long; the limit is 128"),
], ids=["line-break", "lone-space", "leading-space", "trailing-space", "tab",
        "right-to-left-override", "zero-width-space", "ideographic-space", "escape",
        "too-long"])
def test_deal_new_refuses_an_id_out_of_its_form(
    invoke: Invoke, store_url: str, deal_id: str, message: str,
) -> None:
    result = _new(invoke, deal_id=deal_id)
    assert result.exit_code == 1, result.output
    assert message in result.output
    with Store(store_url) as store:
        assert store.count_deals() == 0


@pytest.mark.parametrize("deal_id", ["ZH-2026-001", "陈 浩 deal", "[red]x[/red]", "D" * 128])
def test_deal_new_takes_printable_ids_of_any_script(invoke: Invoke, deal_id: str) -> None:
    assert _new(invoke, deal_id=deal_id).exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("--title", "   "), "title: blank; write at least one letter or digit"),
    (("--owner", "o" * 501), "owner: 501 characters long; the limit is 500"),
    (("--account", "a\x00b"), "account: holds a NUL character (U+0000) at position 1"),
], ids=["blank-title", "long-owner", "nul-account"])
def test_deal_new_refuses_names_out_of_their_form(
    invoke: Invoke, args: tuple[str, str], message: str,
) -> None:
    assert_refused(_new(invoke, *args), message)


# -- other commands that take a date or a text -------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("deal", "hold", "L-1", "--reason", "budget freeze", "--until", "9999-01-01"),
     "resume_on: 9999-01-01 is outside the dates dealflow takes"),
    (("deal", "hold", "L-1", "--reason", "r" * 2001, "--until", "2150-06-30"),
     "reason: 2001 characters long; the limit is 2000"),
    (("deal", "lose", "L-1", "--reason", "went_dark", "--note", "n" * 2001),
     "note: 2001 characters long; the limit is 2000"),
    (("item", "done", "L-1", "intro_call", "--evidence", "e" * 2001),
     "evidence: 2001 characters long; the limit is 2000"),
    (("stakeholder", "add", "L-1", "--id", "ann", "--name", "Ann", "--last-contact",
      "9999-01-01"), "last_contact: 9999-01-01 is outside the dates dealflow takes"),
    (("stakeholder", "add", "L-1", "--id", "a\nnn", "--name", "Ann"),
     "id: holds a line break (U+000A) at position 1"),
], ids=["hold-until-9999", "long-hold-reason", "long-lost-note", "long-evidence",
        "last-contact-9999", "stakeholder-id-line-break"])
def test_commands_refuse_dates_and_texts_out_of_their_form(
    invoke: Invoke, store_url: str, lab_deal: str, args: tuple[str, ...], message: str,
) -> None:
    assert_refused(invoke(*args), message)
    assert _events(store_url, lab_deal) == 1
