"""The kinds of value a deal holds, one type each, and the one check behind each type.

Deals, events, `fact set`, `deal new`, deal files, the JSON Lines and CSV imports and the
store all check values through these types, so a value refused in one place is refused
in every place, and what is stored is the same on SQLite and PostgreSQL:

| type | what | form |
| --- | --- | --- |
| `Id` | deal and stakeholder ids | 1 to 128 printable characters, no space at either end |
| `Ref` | playbook ids inside events (stages, facts, items, reasons) | as `Id`, up to 300 |
| `Name` | titles, accounts, owners, people's names | 1 to 500 characters, not blank |
| `Actor` | who did something | as `Name`, up to 200 |
| `Note` | free text: evidence, notes, reasons, wins, text facts | up to 2,000 characters |
| `Amount` | a deal's value | digits 0-9, at most two decimals, 0 up to 10^16 |
| `Currency` | a deal's currency | an ISO 4217 code (`CNY`, `EUR`, `USD`, ...) |
| `Day` | dates | 1900-01-01 to 2200-12-31 |
| `Moment` | times | with a time zone, kept in UTC, within the same years |
| `FactValue` | a fact's value | true/false, 15 digits, a finite number, a `Note`, a `Day`, a list |

No text holds a NUL character (PostgreSQL cannot store it) or an unpaired surrogate
(bytes that were not UTF-8). Every check raises `ValueError` with a message that says
what is wrong and what would be valid (pydantic shows it with the field's path, and
`dealflow._plain` words pydantic's own errors the same way).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    WrapSerializer,
)

from dealflow._iso4217 import CURRENCIES
from dealflow._messages import N_, _
from dealflow._safe_text import SURROGATE, visible

__all__ = [
    "AMOUNT_LIMIT",
    "EARLIEST",
    "LATEST",
    "MAX_ACTOR",
    "MAX_FIELDS",
    "MAX_ID",
    "MAX_LIST",
    "MAX_NAME",
    "MAX_REF",
    "MAX_SEQ",
    "MAX_TEXT",
    "MAX_WHOLE",
    "Actor",
    "Amount",
    "Currency",
    "Day",
    "FactValue",
    "Id",
    "Moment",
    "Name",
    "Note",
    "Ref",
    "check_currency",
    "check_day",
    "check_id",
    "check_moment",
    "check_name",
    "check_note",
    "fact_value",
    "parse_amount",
    "parse_number",
    "parse_whole",
]

MAX_ID = 128
"""The longest deal or stakeholder id, in characters."""
MAX_REF = 300
"""The longest playbook id an event names (an item id with its person: `item@person`)."""
MAX_NAME = 500
"""The longest title, account, owner or name."""
MAX_ACTOR = 200
"""The longest actor (who did something)."""
MAX_TEXT = 2000
"""The longest free text: evidence, a note, a reason, a text fact."""
MAX_LIST = 100
"""The most items a list fact holds (a playbook may declare fewer with `max_items`)."""
MAX_FIELDS = 20
"""The most fields a record of a list fact has."""
MAX_SEQ = 2**31 - 1
"""The highest sequence number of an event (and version of a deal): a 32-bit column."""
MAX_WHOLE = 10**15 - 1
"""The largest whole-number fact (15 digits: exact in any JSON reader)."""
AMOUNT_LIMIT = Decimal(10) ** 16
"""Amounts are below this (16 digits before the point, two after)."""
EARLIEST = dt.date(1900, 1, 1)
"""The earliest date (and day of a time) a deal holds."""
LATEST = dt.date(2200, 12, 31)
"""The latest date (and day of a time) a deal holds."""

_CENT = Decimal("0.01")
_NAMED = {"\n": N_("a line break"), "\r": N_("a carriage return"), "\t": N_("a tab"),
          "\x00": N_("a NUL character"), "\u2028": N_("a line separator"),
          "\u2029": N_("a paragraph separator")}
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")


def _shown(text: object, quoted: bool = True) -> str:
    """A value for a message (text in quotes, unless not `quoted`), shortened when long."""
    shown = repr(text) if quoted and isinstance(text, str) else str(text)
    return shown if len(shown) <= 40 else f"{shown[:37]}..."


def _character(char: str) -> str:
    """A character for a message: `a line break (U+000A)`, `U+202E RIGHT-TO-LEFT OVERRIDE`."""
    code = f"U+{ord(char):04X}"
    if char in _NAMED:
        return f"{_(_NAMED[char])} ({code})"
    if name := unicodedata.name(char, ""):
        return f"{code} {name}"
    control = unicodedata.category(char) == "Cc"
    return _("the control character {code}", code=code) if control else code


# -- text ------------------------------------------------------------------------------------

def _text_problem(value: str, limit: int) -> str | None:
    if not value.isascii() and (found := SURROGATE.search(value)) is not None:
        return _("{found} at position {position}: not valid Unicode (bytes that were not "
                 "UTF-8)", found=visible(found.group()), position=found.start())
    if "\x00" in value:
        return _("holds a NUL character (U+0000) at position {position}, which no database "
                 "stores", position=value.index(chr(0)))
    if len(value) > limit:
        return _("{length} characters long; the limit is {limit}", length=len(value), limit=limit)
    return None


def check_note(value: str, limit: int = MAX_TEXT) -> str:
    """Free text of at most `limit` characters (it may be empty)."""
    if len(value) <= limit and "\x00" not in value and value.isascii():
        return value  # the common case, checked in C
    if (problem := _text_problem(value, limit)) is not None:
        raise ValueError(problem)
    return value


def check_name(value: str, limit: int = MAX_NAME) -> str:
    """A name (title, account, owner, person): not blank, at most `limit` characters."""
    if not value.strip():
        raise ValueError(_("blank; write at least one letter or digit") if value else _("empty"))
    return check_note(value, limit)


def _check_actor(value: str) -> str:
    return check_name(value, MAX_ACTOR)


def check_id(value: str, limit: int = MAX_ID) -> str:
    """An id: 1 to `limit` printable characters, no space at either end.

    Printable: letters, digits, punctuation, symbols of any script and the plain space;
    no control, format or separator character (line break, tab, right-to-left override,
    zero-width space, ...), no other kind of space.
    """
    if value.isprintable() and 0 < len(value) <= limit and value[0] != " " != value[-1]:
        return value  # the common case, checked in C (a NUL or a surrogate is unprintable)
    if not value:
        raise ValueError(_("empty; an id has at least one character"))
    if (problem := _text_problem(value, limit)) is not None:
        raise ValueError(problem)
    if not value.isprintable():
        position, char = next((i, c) for i, c in enumerate(value) if not c.isprintable())
        raise ValueError(_("holds {character} at position {position}; an id is printable "
                           "characters: letters, digits, punctuation and inner spaces",
                           character=_character(char), position=position))
    if value[0] == " " or value[-1] == " ":
        raise ValueError(_("{value!r} begins or ends with a space", value=value))
    return value


# -- money -----------------------------------------------------------------------------------

def _foreign_digit(text: str) -> str | None:
    return next((c for c in text if c.isdigit() and not ("0" <= c <= "9")), None)


def parse_amount(value: Any) -> Decimal:
    """An amount: digits 0-9, at most two decimals, zero or more, below 10^16.

    Accepts text (`12500`, `12500.50`, `1.2e6`), whole numbers, finite floats and
    Decimals. `-0` becomes `0` and an exponent is written out (`1E+3` becomes `1000`), so
    an amount is stored in one form only.
    """
    if isinstance(value, bool):
        raise ValueError(_("expected an amount, not true or false"))
    if isinstance(value, str):
        text = value.strip()
        if (digit := _foreign_digit(text)) is not None:
            raise ValueError(_("{value} uses the digit {digit!r} ({character}); write the "
                               "amount with the digits 0-9", value=_shown(text), digit=digit,
                               character=_character(digit)))
        if not _AMOUNT.fullmatch(text):
            raise ValueError(_("{value} is not an amount; write digits 0-9 with at most two "
                               "decimals, like 12500 or 12500.50", value=_shown(text)))
        try:
            value = Decimal(text)
        except InvalidOperation:  # an exponent beyond what Decimal holds
            raise ValueError(_("{value} is too large or too small to be an amount",
                               value=_shown(text))) from None
    elif isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, float):
        value = Decimal(repr(value)) if math.isfinite(value) else Decimal("NaN")
    elif not isinstance(value, Decimal):
        raise ValueError(_("expected an amount, not {type}", type=type(value).__name__))
    return _canonical_amount(value)


def _canonical_amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(_("not a finite amount (NaN and infinity are not amounts)"))
    if value < 0:
        raise ValueError(_("{value} is negative; an amount is zero or more", value=_shown(value)))
    if value.is_zero():
        value = abs(value)  # -0 is 0
    if value >= AMOUNT_LIMIT:
        raise ValueError(_("{value} is too large; an amount is below 10^16", value=_shown(value)))
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent > 0:
        return value.quantize(Decimal(1))
    if exponent < -2:
        rounded = value.quantize(_CENT)
        if rounded != value:
            raise ValueError(_("{value} has more than two decimals; an amount is in cents",
                               value=_shown(value)))
        return rounded
    return value


def check_currency(value: str) -> str:
    """An ISO 4217 currency code, in capitals: `CNY`, `EUR`, `USD`, ..."""
    if value in CURRENCIES:
        return value
    hint = ""
    if value.strip().upper() in CURRENCIES:
        hint = _("; did you mean {choice}?", choice=repr(value.strip().upper()))
    raise ValueError(_("{value!r} is not an ISO 4217 currency code: use one like CNY, EUR or "
                       "USD, in capitals", value=visible(value)) + hint)


# -- time ------------------------------------------------------------------------------------

def check_day(value: dt.date) -> dt.date:
    """A date from 1900-01-01 to 2200-12-31."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(_("{value} is outside the dates dealflow takes ({earliest} to {latest})",
                           value=value.isoformat(), earliest=EARLIEST, latest=LATEST))
    return value


def check_moment(value: dt.datetime) -> dt.datetime:
    """A time with its time zone, as UTC, on a day from 1900-01-01 to 2200-12-31."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_("a time must carry its time zone (for example 2026-01-05T09:00:00Z)"))
    try:
        moment = value.astimezone(dt.UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment.date() <= LATEST:
        raise ValueError(_("{value} is outside the times dealflow takes ({earliest} to {latest}, "
                           "UTC)", value=value.isoformat(), earliest=EARLIEST, latest=LATEST))
    return moment


# -- numbers ---------------------------------------------------------------------------------

def _whole(value: int) -> int:
    if abs(value) > MAX_WHOLE:
        raise ValueError(_("{value} has more than 15 digits; a whole number is at most "
                           "{limit} either side of 0", value=_shown(value), limit=f"{MAX_WHOLE:,}"))
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(_("not a finite number (NaN and infinity are refused)"))
    return value + 0.0  # -0.0 is 0.0


def _number_text(value: str, pattern: re.Pattern[str], example: str) -> str:
    text = value.strip()
    if (digit := _foreign_digit(text)) is not None:
        raise ValueError(_("uses the digit {digit!r} ({character}); write numbers with the "
                           "digits 0-9", digit=digit, character=_character(digit)))
    if not pattern.fullmatch(text):
        lowered = text.lower().lstrip("+-")
        if lowered in ("nan", "inf", "infinity"):
            raise ValueError(_("not a finite number (NaN and infinity are refused)"))
        raise ValueError(_("expected {what}", what=_(example)))
    return text


def parse_whole(value: Any) -> int:
    """A whole number of at most 15 digits, from a number or from text such as `12`."""
    if isinstance(value, bool):
        raise ValueError(_("expected a whole number, not true or false"))
    if isinstance(value, int):
        return _whole(value)
    if isinstance(value, float) and value.is_integer():
        return _whole(int(value))
    if isinstance(value, str):
        text = _number_text(value, _WHOLE, N_("a whole number like 12"))
        if len(text.lstrip("+-").lstrip("0")) > 15:  # before int(): no 5,000-digit parse
            raise ValueError(_("{value} has more than 15 digits; a whole number is at most "
                               "{limit} either side of 0", value=_shown(text, False),
                               limit=f"{MAX_WHOLE:,}"))
        return _whole(int(text))
    raise ValueError(_("expected a whole number like 12"))


def parse_number(value: Any) -> float:
    """A finite number, from a number or from text such as `0.25` or `1e6`."""
    if isinstance(value, bool):
        raise ValueError(_("expected a number, not true or false"))
    if isinstance(value, str):
        text = _number_text(value, _AMOUNT, N_("a number like 0.25 or 1e6"))
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(_("{value} is too large to be a finite number",
                               value=_shown(text, False)))
        return _finite(number)
    if isinstance(value, int | float | Decimal):
        try:
            return _finite(float(value))
        except OverflowError:
            raise ValueError(_("{value} is too large to be a finite number",
                               value=_shown(value))) from None
    raise ValueError(_("expected a number like 0.25"))


_Scalar = bool | int | float | str | dt.date
_Record = dict[str, _Scalar | None]


def _list_value(value: list[Any] | tuple[Any, ...]) -> tuple[str | _Record, ...]:
    if len(value) > MAX_LIST:
        raise ValueError(_("a list of {count} items; a list fact holds at most {limit}",
                           count=len(value), limit=MAX_LIST))
    items: list[str | _Record] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            items.append(check_note(item))
        elif isinstance(item, dict):
            if len(item) > MAX_FIELDS or not all(isinstance(key, str) for key in item):
                raise ValueError(_("item {index}: a record has at most {limit} fields, named "
                                   "by text", index=index, limit=MAX_FIELDS))
            items.append({check_id(key, MAX_REF): None if field is None else _scalar(field)
                          for key, field in item.items()})
        else:
            raise ValueError(_("item {index}: a list fact holds texts or records, not {type}",
                               index=index, type=type(item).__name__))
    return tuple(items)


def _scalar(value: Any) -> _Scalar:
    if isinstance(value, list | tuple | dict):
        raise ValueError(_("a field of a record is a single value, not a list or a record"))
    scalar = fact_value(value)
    assert not isinstance(scalar, tuple)
    return scalar


def fact_value(value: Any) -> _Scalar | tuple[str | _Record, ...]:
    """A fact's value as stored: true/false, a whole number of up to 15 digits, a finite
    number (`-0.0` becomes `0.0`), text of up to 2,000 characters, a date, or a list of at
    most `MAX_LIST` texts or records (of at most `MAX_FIELDS` such single values)."""
    if isinstance(value, list | tuple):
        return _list_value(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _whole(value)
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, str):
        return check_note(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return check_day(value)
    raise ValueError(_("a fact's value is true or false, a number, a text, a date or a list, "
                       "not {type}", type=type(value).__name__))


# -- the types -------------------------------------------------------------------------------

def _check_ref(value: str) -> str:
    return check_id(value, MAX_REF)


Id = Annotated[str, AfterValidator(check_id), WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": MAX_ID})]
"""A deal or stakeholder id (see `check_id`)."""
Ref = Annotated[str, AfterValidator(_check_ref), WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": MAX_REF})]
"""A playbook id named by an event: a stage, a fact, an item, a lost reason, a role."""
Name = Annotated[str, AfterValidator(check_name), WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": MAX_NAME})]
"""A title, account, owner or person's name."""
Actor = Annotated[str, AfterValidator(_check_actor), WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": MAX_ACTOR})]
"""Who did something."""
Note = Annotated[str, AfterValidator(check_note), WithJsonSchema(
    {"type": "string", "maxLength": MAX_TEXT})]
"""Free text: evidence, a note, a reason, a stakeholder's wins."""
Amount = Annotated[Decimal, BeforeValidator(parse_amount)]
"""A deal's value (see `parse_amount`)."""
Currency = Annotated[str, AfterValidator(check_currency), WithJsonSchema(
    {"type": "string", "pattern": "^[A-Z]{3}$"})]
"""An ISO 4217 currency code."""
Day = Annotated[dt.date, AfterValidator(check_day)]
"""A date from 1900-01-01 to 2200-12-31."""
Moment = Annotated[dt.datetime, AfterValidator(check_moment)]
"""A time with its zone, kept in UTC, from 1900 to 2200."""
def _fact_out(value: Any, handler: SerializerFunctionWrapHandler,
              info: SerializationInfo) -> Any:
    """A fact's value as data: a list as a list, the dates in its records as text in JSON."""
    if not isinstance(value, list | tuple):
        return handler(value)
    json_mode = info.mode_is_json()
    return [{key: field.isoformat() if json_mode and isinstance(field, dt.date) else field
             for key, field in item.items()} if isinstance(item, dict) else item
            for item in value]


FactValue = Annotated[_Scalar | tuple[str | _Record, ...], PlainValidator(fact_value),
                      WrapSerializer(_fact_out),
                      WithJsonSchema({"type": ["boolean", "integer", "number", "string",
                                               "array"]})]
"""The value of a fact: its playbook type decides which (see `fact_value`)."""
