"""CRM mapping problems in Chinese: with the zh locale, every problem of a broken mapping
names no English word but the keys, ids and values its author typed (and the playbook's
ids); in English they are as `test_mapping` expects."""

from __future__ import annotations

import pytest

from dealflow import load_playbook
from dealflow._messages import use_locale
from dealflow._yaml import DocumentError, read_document
from dealflow.crm import parse_mapping
from dealflow.errors import MappingError
from tests._english_words import allowed_words, document_words, english_words
from tests.crm.test_mapping import GOOD

BROKEN = {
    "bad-shape": GOOD.replace("shape: long", "shape: tall"),
    "bad-currency": GOOD.replace("currency: EUR", "currency: euro"),
    "unknown-stage": GOOD.replace("  New: qualify", "  New: qualfy"),
    "unknown-time-zone": GOOD + "dates: {timezone: Europe/Berln}\n",
    "bad-date-format": GOOD + "dates: {formats: ['%Y-%m-%d', 'day %q']}\n",
    "default-without-stage": GOOD + "unmapped_stage: default\n",
    "unknown-lost-reason": GOOD + "default_lost_reason: too_expensive\n",
    "long-needs-time": GOOD.replace("  time: when\n", "") + "stage_dates: {qualify: d}\n",
    "wide-needs-dates": "shape: wide\ncurrency: EUR\ncolumns: {deal_id: id}\n",
    "not-a-mapping": "- shape: long\n",
    "undated-not-a-date": GOOD + "undated: {date: yesterday}\n",
    "undated-both": GOOD + "undated: {date: exported, column: created}\n",
    "outcomes-without-column": GOOD.replace("shape: long", "shape: wide")
    + "outcomes: {Won: won}\n",
}


@pytest.mark.parametrize("text", list(BROKEN.values()), ids=list(BROKEN))
def test_every_mapping_problem_is_chinese(text: str) -> None:
    with use_locale("zh"), pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    try:
        typed = document_words(read_document(text, "m.yaml").data)
    except DocumentError:
        typed = set()
    allowed = typed | allowed_words(load_playbook())
    messages = [problem.message for problem in caught.value.problems]
    assert messages
    assert {message: words for message in messages
            if (words := english_words(message, allowed))} == {}
