"""Money: an amount with its currency, as money facts and `deal.money` read in rules.

A money fact is stored as its text, `150000 EUR` (an amount as `values.parse_amount`
takes it, a space, an ISO 4217 code), so events, the store and exports hold plain text.
Rules see a `Money`: compared, added or subtracted with money in the same currency, or in
another currency when the playbook declares the rate (`exchange_rates`). Comparing money
in two currencies without a rate, or money with a plain number, is a `CurrencyError`,
reported as the rule's failure: never a silent pass.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from dealflow._messages import _
from dealflow.errors import LimitExceeded, RuleEvalError
from dealflow.values import check_currency, parse_amount

__all__ = ["CurrencyError", "Money", "Rates", "money_text", "parse_money"]

Rates = Mapping[tuple[str, str], Decimal]
"""Exchange rates: (from, to) -> how many `to` one `from` is worth."""

_CODE = re.compile(r"[A-Za-z]{3}")
_BOUNDED = decimal.Context(prec=28, Emax=4000, Emin=-4000,
                           traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                  decimal.Overflow])
"""Arithmetic on money in rules: as bounded as decimal arithmetic there (`rules._cost`)."""


def _bounded(fn: Callable[[], Decimal]) -> Decimal:
    with decimal.localcontext(_BOUNDED):
        try:
            return fn()
        except decimal.Overflow:
            raise LimitExceeded(_("money arithmetic would build an amount of more than 4,000 "
                                  "digits (limit MAX_DECIMAL_EXPONENT)")) from None


class CurrencyError(RuleEvalError):
    """Money in two currencies met without a declared rate, or money met a plain number."""


def parse_money(value: Any) -> tuple[Decimal, str]:
    """(amount, currency) from `150000 EUR`, `EUR 150000`, `{amount, currency}` or a
    `Money`; `ValueError` saying what would be valid."""
    if isinstance(value, Money):
        return value.amount, value.currency
    if isinstance(value, Mapping):
        if set(value) != {"amount", "currency"}:
            raise ValueError(_("expected money as {amount, currency}, like "
                               "{amount: 150000, currency: EUR}"))
        currency = value["currency"]
        if not isinstance(currency, str):
            raise ValueError(_("the currency is an ISO 4217 code, like EUR"))
        return parse_amount(value["amount"]), check_currency(currency)
    if not isinstance(value, str):
        raise ValueError(_("expected money: an amount and its currency, like 150000 EUR"))
    parts = value.split()
    if len(parts) == 2 and _CODE.fullmatch(parts[0]) and not _CODE.fullmatch(parts[1]):
        parts.reverse()
    if len(parts) != 2:
        raise ValueError(_("{value!r} is not money: write an amount and its currency, like "
                           "150000 EUR", value=value[:40]))
    return parse_amount(parts[0]), check_currency(parts[1])


def money_text(value: Any) -> str:
    """The stored form of money: `150000 EUR`."""
    amount, currency = parse_money(value)
    return f"{amount} {currency}"


class Money:
    """An amount in a currency, with the exchange rates its comparisons may use."""

    __slots__ = ("amount", "currency", "rates")

    amount: Decimal
    currency: str
    rates: Rates

    def __init__(self, amount: Decimal, currency: str, rates: Rates | None = None) -> None:
        self.amount = amount
        self.currency = currency
        self.rates = rates or {}

    @classmethod
    def of(cls, value: Any, rates: Rates | None = None) -> Money:
        """`value` (as `parse_money` takes it) as money, with `rates`."""
        amount, currency = parse_money(value)
        return cls(amount, currency, rates)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self}')"

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def _rate(self, source: str, target: str, other: Money) -> Decimal:
        for rates in (self.rates, other.rates):
            if (source, target) in rates:
                return rates[(source, target)]
            if (target, source) in rates:
                return Decimal(1) / rates[(target, source)]
        raise CurrencyError(_(
            "cannot compare {money} with {other}: the playbook declares no exchange rate "
            "between {source} and {target} (add one under `exchange_rates`, or compare money "
            "in one currency)", money=self, other=other, source=source, target=target))

    def _amounts(self, other: object, symbol: str) -> tuple[Decimal, Decimal]:
        """This amount and `other`'s, in this currency."""
        if not isinstance(other, Money):
            raise CurrencyError(_(
                "`{symbol}` between money ({money}) and {type} {other!r}: write the other side "
                "as money, like money(100000, '{currency}'), or compare `.amount`",
                symbol=symbol, money=self, type=type(other).__name__, other=str(other)[:40],
                currency=self.currency))
        if other.currency == self.currency:
            return self.amount, other.amount
        rate = self._rate(other.currency, self.currency, other)
        return self.amount, _bounded(lambda: other.amount * rate)

    def __eq__(self, other: object) -> bool:
        if other is None or not isinstance(other, Money):
            return False
        left, right = self._amounts(other, "==")
        return left == right

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __lt__(self, other: object) -> bool:
        left, right = self._amounts(other, "<")
        return left < right

    def __le__(self, other: object) -> bool:
        left, right = self._amounts(other, "<=")
        return left <= right

    def __gt__(self, other: object) -> bool:
        left, right = self._amounts(other, ">")
        return left > right

    def __ge__(self, other: object) -> bool:
        left, right = self._amounts(other, ">=")
        return left >= right

    def __add__(self, other: object) -> Money:
        left, right = self._amounts(other, "+")
        return Money(_bounded(lambda: left + right), self.currency, self.rates)

    def __sub__(self, other: object) -> Money:
        left, right = self._amounts(other, "-")
        return Money(_bounded(lambda: left - right), self.currency, self.rates)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int | float | Decimal):
            raise CurrencyError(_("money ({money}) can only be multiplied by a number",
                                  money=self))
        return Money(_bounded(lambda: self.amount * Decimal(str(factor))), self.currency,
                     self.rates)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return bool(self.amount)
