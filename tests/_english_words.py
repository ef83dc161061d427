"""English words left in a text written in another locale (zh): what remains once the
ids, names, rules, commands, URLs and dates the user typed are taken out.

`english_words(text, allowed_words(playbook, "D-7"))` is empty when a zh output shows no
English word but the playbook's ids, rules and zh texts and the names given.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from babel.messages.pofile import read_po

from dealflow import Playbook
from dealflow._messages import CATALOGUES, DOMAIN
from dealflow.rules import RULE_NAMES, TEMPLATE_NAMES

_RULE_BITS = re.compile(
    r"`[^`]*`"                      # code as written: a rule, a field
    r"|'[^']*'"                     # a quoted value or id
    r"|\b[\w.]+\("                  # a helper call: covered(, stance_of(
    r"|\b[a-z_]+\.[a-z_][\w.]*"       # a dotted key or field: facts.x, columns.time
    r"|\|\s*\w+"                   # a filter in a rule: | length
    r"|\b\w+="                     # a keyword argument in a rule: min_influence=
    r"|\b[A-Za-z]+_\w+"              # a snake_case name: an id or a field
    r"|https?://\S+"                # a URL
    r"|\d{4}-\d{2}-\d{2}"            # a date
    r"|dealflow(?: [a-z][\w-]*| --?[\w-]+| [A-Z_]+| \.\.\.| /)+"  # a command to type
    r"|--[\w-]+"                    # an option
    r"|\b[\w.-]+(?:(?:, |、|或| or | 或 )[\w.-]+)+(?:, \.\.\.)?")  # a list of valid ids


_ID = re.compile(r"[a-z][a-z0-9_-]*")


@functools.cache
def _message_words() -> frozenset[str]:
    """The words of dealflow's English messages: a word the user typed in a rule or a
    plain text only counts as theirs when dealflow does not write it itself."""
    with (CATALOGUES / "zh" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        catalog = read_po(handle)
    return frozenset(word for message in catalog if isinstance(message.id, str)
                     for word in re.findall(r"[A-Za-z]\w*", message.id))


def _user_words(value: Any, locale: str, locales: frozenset[str]) -> Iterator[str]:
    """Every word the playbook's author wrote outside its texts in other locales: ids,
    the texts in `locale`, and the words of rules and plain texts dealflow does not
    write itself."""
    if isinstance(value, dict):
        if value and set(value) <= locales:
            yield from re.findall(r"[A-Za-z]\w*", value.get(locale, ""))
            return
        for key, item in value.items():
            yield key
            yield from _user_words(item, locale, locales)
    elif isinstance(value, list):
        for item in value:
            yield from _user_words(item, locale, locales)
    elif isinstance(value, str) and _ID.fullmatch(value):
        yield value
    elif isinstance(value, str):
        yield from (word for word in re.findall(r"[A-Za-z]\w*", value)
                    if word not in _message_words())


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The ASCII words of `text` left once ids, names, rules, URLs and dates are taken out."""
    stripped = _RULE_BITS.sub(" ", text)
    for name in sorted(allowed, key=len, reverse=True):
        stripped = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", " ", stripped)
    return re.findall(r"[A-Za-z]{2,}", stripped)


def allowed_words(playbook: Playbook, *names: str) -> set[str]:
    """What the user typed: the ids, rules and zh texts of `playbook`, and `names`."""
    data = playbook.model_dump(mode="json")
    return {*_user_words(data, "zh", frozenset(playbook.locales)), *names, "won", "lost"}


#: Words a Chinese message keeps as they are: names of formats and keywords a user types.
KEYWORDS = frozenset({"id", "YAML", "UTF", "JSON", "CSV", "ISO", "CRM", "strftime", "true",
                      "false", "won", "lost", "open", "wide", "long", "exported",
                      "amount"})  # amount: the kind of value deal.amount gives an effect


def document_words(data: Any) -> set[str]:
    """What the user typed in a document (a playbook as read from its YAML, maybe broken):
    its keys and ids, the zh texts, the words of rules dealflow does not write itself."""
    locales = data.get("locales") if isinstance(data, dict) else None
    known = frozenset(locales) if isinstance(locales, list) and all(
        isinstance(locale, str) for locale in locales) else frozenset({"en", "zh"})
    names = {name for name in RULE_NAMES | TEMPLATE_NAMES
             if "_" in name or name not in _message_words()}
    return {*_user_words(data, "zh", known), *KEYWORDS, *names}
