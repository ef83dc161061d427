"""The rule vocabulary is declared once: the names a rule may use, the names the rule
context gives values to, and the table of the docs page "Rules" are the same words."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from dealflow import Deal, Playbook, RuleContext
from dealflow.rules import RULE_NAMES, VOCABULARY, Word, speaks_the_vocabulary
from tests._docs import read

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<kind>data|helper) \|", re.M)


@pytest.fixture
def context(any_playbook: Playbook) -> RuleContext:
    deal = Deal(id="d-1", title="t", account="a", owner="o", playbook_id=any_playbook.id,
                playbook_version=any_playbook.version, stage=any_playbook.stages[0].id,
                created_at=NOW, stage_entered_at=NOW)
    return RuleContext(any_playbook, deal, NOW)


def test_the_rule_context_gives_exactly_the_words_of_the_vocabulary(
    context: RuleContext
) -> None:
    assert list(context) == [word.name for word in VOCABULARY]
    assert set(context) == RULE_NAMES
    assert len(context) == len(VOCABULARY)


@pytest.mark.parametrize("word", VOCABULARY, ids=[word.name for word in VOCABULARY])
def test_each_word_is_the_member_of_the_context_of_its_name(
    context: RuleContext, word: Word
) -> None:
    value = context[word.name]
    assert callable(value) == (word.kind == "helper")
    if word.kind == "helper":
        assert value == getattr(context, word.name)


def test_a_context_that_lacks_a_word_is_refused_when_it_is_defined() -> None:
    class Partial:
        deal: Any
        facts: Any

        def covered(self, role: str) -> bool:
            return False

    with pytest.raises(TypeError, match="missing .*'stakeholders'"):
        speaks_the_vocabulary(Partial)


def test_a_helper_that_cannot_be_called_is_refused() -> None:
    members = {word.name: (None if word.kind == "data" else 1) for word in VOCABULARY}
    with pytest.raises(TypeError, match="helpers not callable .*'covered'"):
        speaks_the_vocabulary(type("NotCalled", (), members))


def test_the_docs_table_gives_each_name_its_kind() -> None:
    section = read("rules.md").split("## The rule context", 1)[1].split("\n### ", 1)[0]
    documented = {row["name"]: row["kind"] for row in _ROW.finditer(section)}
    assert documented == {word.name: word.kind for word in VOCABULARY}
