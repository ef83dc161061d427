"""The richer fact types, end to end: money, lists of texts and of records, enums by label,
dates counted with `days_until`.

Values go in the way people give them (`150000 EUR`, a JSON list, a label in Chinese or
English), are stored in one form (the text `150000 EUR`, a tuple, an enum's id), replay to
the same deal, and are read in rules as the playbook types them: money compares across
currencies only through a declared rate, else the rule fails, saying so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealflow import Deal, Engine, Playbook, load_playbook, parse_playbook
from dealflow.deal import coerce_fact, fact_text
from dealflow.engine import replay
from dealflow.errors import RuleEvalError
from dealflow.testing import fact_values
from dealflow.values import MAX_LIST
from tests.conftest import REPO

EXAMPLE = REPO / "docs" / "examples" / "orchard-robots.yaml"
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook(EXAMPLE)


@pytest.fixture
def engine(playbook: Playbook) -> Engine:
    return Engine(playbook, clock=lambda: NOW)


def _deal(engine: Engine, amount: int = 150000, currency: str = "EUR") -> Deal:
    return engine.create(deal_id="OR-1", title="Robots", account="Pomona", owner="ana",
                         actor="ana", amount=amount, currency=currency).deal


def _set(engine: Engine, deal: Deal, name: str, value: Any) -> Deal:
    outcome = engine.set_fact(deal, name, value, actor="ana")
    assert outcome.ok, str(outcome.report)
    return outcome.deal


def _fact(playbook: Playbook, name: str) -> Any:
    return next(fact for fact in playbook.facts if fact.id == name)


# -- enums by label -------------------------------------------------------------------------

@pytest.mark.parametrize("given_as", ["cherries", "Cherries", "樱桃", " cherries ", "CHERRIES"],
                         ids=["id", "en label", "zh label", "spaces", "case"])
def test_an_enum_takes_its_id_or_its_label_in_any_locale_and_keeps_the_id(
    engine: Engine, given_as: str,
) -> None:
    deal = _set(engine, _deal(engine), "crop", given_as)
    assert deal.facts["crop"] == "cherries"
    assert engine.context(deal).holds(
        engine.playbook.stages[0].gates[0].when)


@pytest.mark.parametrize(("locale", "shown"), [("en", "Cherries"), ("zh", "樱桃")])
def test_an_enum_is_shown_by_its_label(playbook: Playbook, locale: str, shown: str) -> None:
    assert fact_text(_fact(playbook, "crop"), "cherries", locale, "en") == shown


def test_an_enum_refuses_a_value_that_is_neither_an_id_nor_a_label(engine: Engine) -> None:
    outcome = engine.set_fact(_deal(engine), "crop", "plums", actor="ana")
    assert not outcome.ok
    assert "apples (Apples)" in str(outcome.report)


def test_a_label_shared_by_two_values_must_be_given_by_id(playbook: Playbook) -> None:
    fact = _fact(playbook, "crop").model_copy(update={"labels": {
        "apples": _fact(playbook, "crop").labels["apples"],
        "pears": _fact(playbook, "crop").labels["apples"]}})
    with pytest.raises(ValueError, match="label of several values"):
        coerce_fact(fact, "Apples")


# -- money ----------------------------------------------------------------------------------

@pytest.mark.parametrize("given_as", ["120000 EUR", "EUR 120000", "120000.00 EUR",
                                      {"amount": 120000, "currency": "EUR"}],
                         ids=["amount first", "currency first", "cents", "record"])
def test_money_is_stored_as_its_text(engine: Engine, given_as: Any) -> None:
    deal = _set(engine, _deal(engine), "budget", given_as)
    assert deal.facts["budget"] in ("120000 EUR", "120000.00 EUR")


@pytest.mark.parametrize("bad", ["120000", "120000 eur", "lots EUR", "-5 EUR", "1 2 EUR"])
def test_money_without_a_valid_amount_and_currency_is_refused(engine: Engine, bad: str) -> None:
    outcome = engine.set_fact(_deal(engine), "budget", bad, actor="ana")
    assert not outcome.ok
    assert "budget" in str(outcome.report)


def _contract(engine: Engine, deal: Deal) -> Deal:
    return deal.model_copy(update={"stage": "contract",
                                   "facts": {"harvest_starts": dt.date(2026, 8, 15)}})


def test_a_money_gate_refuses_a_deal_in_another_currency_without_a_rate(engine: Engine) -> None:
    deal = _contract(engine, _deal(engine, 150000, "EUR"))
    report = engine.win(deal, actor="ana").report
    assert not report.allowed
    [check] = report.blocking
    assert check.id == "within_authority"
    assert "no exchange rate between USD and EUR" in check.missing[0]


def test_a_money_gate_compares_the_same_currency_by_amount(engine: Engine) -> None:
    assert engine.win(_contract(engine, _deal(engine, 90000, "USD")), actor="a").ok
    refused = engine.win(_contract(engine, _deal(engine, 150000, "USD")), actor="a").report
    assert refused.blocking[0].missing == ("deal.money is 150000 USD (needs <= 100000 USD)",)


@pytest.mark.parametrize(("amount", "allowed"), [(90000, True), (92592, True), (92593, False),
                                                 (150000, False)])
def test_a_declared_rate_converts_money_in_both_directions(amount: int, allowed: bool) -> None:
    text = EXAMPLE.read_text(encoding="utf-8") + "exchange_rates: {EUR: {USD: 1.08}}\n"
    engine = Engine(parse_playbook(text, "rated.yaml"), clock=lambda: NOW)
    deal = _contract(engine, _deal(engine, amount, "EUR"))
    assert engine.win(deal, actor="a").ok is allowed


def test_money_compared_with_a_plain_number_fails_the_rule(playbook: Playbook) -> None:
    from dealflow import RuleContext
    from dealflow.rules import compile_rule

    ctx = RuleContext(playbook, Deal(
        id="x", title="t", account="a", owner="o", playbook_id=playbook.id,
        playbook_version=playbook.version, stage="trial", created_at=NOW,
        stage_entered_at=NOW, facts={"budget": "5 EUR"}), NOW)
    with pytest.raises(RuleEvalError, match="write the other side as money"):
        compile_rule("facts.budget > 3").evaluate(ctx)
    assert compile_rule("facts.budget.amount > 3").evaluate(ctx)
    assert compile_rule("facts.budget == money('5 EUR')").evaluate(ctx)
    assert compile_rule("facts.budget * 2 > money(9, 'EUR')").evaluate(ctx)


# -- lists ----------------------------------------------------------------------------------

@pytest.mark.parametrize("given_as", ['["Agrobot", "Tevel"]', ["Agrobot", "Tevel"],
                                      ("Agrobot", "Tevel")], ids=["json", "list", "tuple"])
def test_a_list_fact_takes_a_list_or_its_json(engine: Engine, given_as: Any) -> None:
    deal = _set(engine, _deal(engine), "competitors", given_as)
    assert deal.facts["competitors"] == ("Agrobot", "Tevel")


@pytest.mark.parametrize(("value", "why"), [
    ("Agrobot, Tevel", "JSON"), ("[1, 2]", "expected text"), ('["x"' , "JSON list"),
    ([f"r{i}" for i in range(11)], "at most 10"),
], ids=["not json", "numbers", "broken json", "too many"])
def test_a_list_fact_refuses_what_it_cannot_hold(engine: Engine, value: Any, why: str) -> None:
    outcome = engine.set_fact(_deal(engine), "competitors", value, actor="ana")
    assert not outcome.ok
    assert why in str(outcome.report)


def test_a_list_of_records_types_each_field(engine: Engine) -> None:
    deal = _set(engine, _deal(engine), "quotes",
                '[{"vendor": "Tevel", "price": "USD 95000"}]')
    assert deal.facts["quotes"] == ({"vendor": "Tevel", "price": "95000 USD"},)
    ctx = engine.context(deal)
    from dealflow.rules import compile_rule

    assert compile_rule("facts.quotes[0].price < money(100000, 'USD')").evaluate(ctx)
    assert compile_rule("'Tevel' in facts.quotes | map(attribute='vendor')").evaluate(ctx)


@pytest.mark.parametrize(("record", "why"), [
    ({"vendor": "Tevel"}, "missing price"),
    ({"vendor": "Tevel", "price": "1 EUR", "note": "x"}, "unknown field(s) note"),
    ({"vendor": "Tevel", "price": "cheap"}, "item 0, price"),
], ids=["missing", "unknown", "bad money"])
def test_a_record_must_give_its_declared_fields(engine: Engine, record: dict[str, Any],
                                                why: str) -> None:
    outcome = engine.set_fact(_deal(engine), "quotes", [record], actor="ana")
    assert not outcome.ok
    assert why in str(outcome.report)


def test_no_list_holds_more_than_the_domain_limit(minimal_playbook: Playbook) -> None:
    from dealflow.values import fact_value

    with pytest.raises(ValueError, match=f"at most {MAX_LIST}"):
        fact_value(["x"] * (MAX_LIST + 1))


# -- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "days"), [("2026-06-15", 14), ("2026-06-01", 0),
                                           ("2026-05-30", -2)])
def test_days_until_counts_calendar_days_to_a_date(engine: Engine, day: str,
                                                   days: int) -> None:
    from dealflow.rules import compile_rule

    deal = _set(engine, _deal(engine), "harvest_starts", day)
    assert compile_rule("days_until(facts.harvest_starts)").evaluate(
        engine.context(deal)) == days


# -- every value replays, round-trips through the store and renders ------------------------

@settings(max_examples=30, deadline=None, database=None)
@given(data=st.data())
def test_every_generated_value_of_every_type_replays_to_the_same_deal(
    data: st.DataObject,
) -> None:
    playbook = load_playbook(EXAMPLE)
    engine = Engine(playbook, clock=lambda: NOW)
    created = engine.create(deal_id="G-1", title="t", account="a", owner="o", actor="t")
    deal, events = created.deal, list(created.events)
    for fact in playbook.facts:
        outcome = engine.set_fact(deal, fact.id, data.draw(fact_values(fact)), actor="t")
        assert outcome.ok, str(outcome.report)
        deal, events = outcome.deal, events + list(outcome.events)
    assert replay(events, playbook) == deal


def test_facts_of_every_type_survive_the_store(tmp_path: Path, playbook: Playbook) -> None:
    from dealflow import Store

    with Store(f"sqlite:///{tmp_path / 'd.db'}", playbook=playbook,
               clock=lambda: NOW) as store:
        store.create(deal_id="S-1", title="t", account="a", owner="o", actor="t")
        for name, value in (("competitors", '["A", "B"]'), ("budget", "10 EUR"),
                            ("quotes", [{"vendor": "V", "price": "3 USD"}]),
                            ("crop", "梨"), ("harvest_starts", "2026-07-01")):
            assert store.apply("S-1", lambda e, d, n=name, v=value: e.set_fact(
                d, n, v, actor="t")).ok
        kept = store.get("S-1")
        assert kept == store.replay("S-1")
    assert kept.facts == {"competitors": ("A", "B"), "budget": "10 EUR",
                          "quotes": ({"vendor": "V", "price": "3 USD"},), "crop": "pears",
                          "harvest_starts": dt.date(2026, 7, 1)}
    assert Decimal(kept.facts["budget"].split()[0]) == 10


@pytest.mark.parametrize(("rates", "message"), [
    ("{EUR: {EUR: 1}}", "a rate from EUR to itself"),
    ("{EUR: {USD: 1.08}, USD: {EUR: 0.9}}", "given both ways"),
    ("{EUR: {USD: 0}}", "must be more than 0"),
    ("{eur: {USD: 1.08}}", "ISO 4217"),
], ids=["itself", "both ways", "zero", "lowercase"])
def test_exchange_rates_that_cannot_be_right_fail_the_load(rates: str, message: str) -> None:
    from dealflow import PlaybookError

    text = EXAMPLE.read_text(encoding="utf-8") + f"exchange_rates: {rates}\n"
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "rated.yaml")
    assert any(message in problem.message for problem in caught.value.problems), \
        caught.value.problems
    assert all(problem.path.startswith("exchange_rates") for problem in caught.value.problems)
