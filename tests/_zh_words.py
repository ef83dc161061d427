"""What is left in English in a Chinese page: the words of two or more ASCII letters once
the names and ids the user typed (of the playbook and the deal), numbers, dates, times and
web addresses are taken out (BRIEF of issue 21: a zh checklist or report shows no English
words except names and ids the user typed)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from dealflow import Deal, Playbook

_URL = re.compile(r"https?://\S+")
_TAGS = re.compile(r"<[^>]*>")
_STYLE = re.compile(r"<style>.*?</style>|<head>.*?</head>", re.S)
_WORD = re.compile(r"[A-Za-z]{2,}")


def user_words(playbook: Playbook, *deals: Deal, locale: str = "zh") -> set[str]:
    """What the user typed, which may stay as it is: the playbook's ids and its texts in
    `locale` (a text written once for every locale too; not the other locales' texts, and
    not its rules), and every id, name and text of the deals."""
    typed: list[str] = [playbook.id, playbook.version]
    typed += _strings(playbook.model_dump(mode="json"), set(playbook.locales), locale)
    for deal in deals:
        typed += _strings(deal.model_dump(mode="json"), set(), locale)
    return {word for text in typed for word in _WORD.findall(text)}


_RULES = {"when", "applies_when", "for_each"}


def _strings(value: object, locales: set[str], locale: str) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if value and locales and set(value) <= locales:  # a text in several locales
            yield str(value.get(locale, ""))
            return
        for key, child in value.items():
            if key not in _RULES:
                yield from _strings(child, locales, locale)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _strings(child, locales, locale)


_CODE = re.compile(r"\\?`[^`]*?\\?`")


def english_words(page: str, allowed: set[str]) -> list[str]:
    """The ASCII words of `page` (HTML tags, styles, web addresses taken out) that are not
    in `allowed`, in order. Code in backticks (a command to run) is not words."""
    text = html.unescape(_TAGS.sub(" ", _STYLE.sub(" ", page)))
    text = _CODE.sub(" ", _URL.sub(" ", text))
    return [word for word in _WORD.findall(text) if word not in allowed]
