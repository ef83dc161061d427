"""Regression: a stage name or title holding a Unicode line or paragraph separator broke
the Mermaid diagram's line.

Hypothesis found it (`test_mermaid_labels_stay_on_their_line_inside_their_quotes`): U+2028
in a stage name went into the diagram as it was, so the `state "..." as id` line was two
lines to anything that splits lines by Unicode (Python's `splitlines`, JavaScript's `.`,
YAML). Every character `str.splitlines` breaks at must leave each label on its one line:
the separators become spaces, the control characters show as escapes (`\\v`, `\\x85`).
"""

from __future__ import annotations

import pytest
import yaml

from dealflow import Playbook, load_playbook
from dealflow.engine import mermaid
from dealflow.playbook import LocalizedText

PLAYBOOK = load_playbook()
FIRST = PLAYBOOK.stages[0]
PHASE = " · buyer: " + PLAYBOOK.text(next(
    p for p in PLAYBOOK.buyer_phases if p.id == FIRST.buyer_phase).name)
"""How the label of the first stage ends: the buyer phase it serves."""

BREAKS = {
    "line-separator-u2028": ("\u2028", " "),
    "paragraph-separator-u2029": ("\u2029", " "),
    "next-line-u0085": ("\x85", "\\x85"),
    "vertical-tab-u000b": ("\x0b", "\\v"),
    "form-feed-u000c": ("\x0c", "\\f"),
    "file-separator-u001c": ("\x1c", "\\x1c"),
    "group-separator-u001d": ("\x1d", "\\x1d"),
    "record-separator-u001e": ("\x1e", "\\x1e"),
    "carriage-return-u000d": ("\r", "\\r"),
    "crlf": ("\r\n", " "),
    "newline": ("\n", " "),
}
"""Each character (or pair) `str.splitlines` breaks at, and what the diagram shows for it."""


def _named(title: str, first_stage: str) -> Playbook:
    stage = FIRST.model_copy(update={"name": LocalizedText(first_stage)})
    return PLAYBOOK.model_copy(update={"title": LocalizedText(title),
                                       "stages": (stage, *PLAYBOOK.stages[1:])})


@pytest.mark.parametrize(("char", "shown"), BREAKS.values(), ids=BREAKS.keys())
def test_a_line_break_in_a_stage_name_leaves_its_label_on_one_line(char: str,
                                                                   shown: str) -> None:
    diagram = mermaid(_named("Sales", f"Lab{char}trial"))
    assert diagram.splitlines() == diagram.removesuffix("\n").split("\n")
    assert len(diagram.splitlines()) == len(mermaid(PLAYBOOK).splitlines())
    assert f'state "Lab{shown}trial ({FIRST.probability}%){PHASE}" as {FIRST.id}\n' in diagram


@pytest.mark.parametrize(("char", "shown"), BREAKS.values(), ids=BREAKS.keys())
def test_a_line_break_in_the_title_leaves_it_one_quoted_line(char: str, shown: str) -> None:
    diagram = mermaid(_named(f"Lab{char}sales", "Inbound"))
    assert diagram.splitlines() == diagram.removesuffix("\n").split("\n")
    front = diagram.split("---\n")[1]
    assert yaml.safe_load(front) == {"title": f"Lab{shown}sales"}


def test_separators_at_the_ends_of_a_title_or_label_are_dropped() -> None:
    diagram = mermaid(_named("\u2029Lab\u2028sales\u2028", "\u2028\u2029Lab\u2029trial"))
    assert f'state "Lab trial ({FIRST.probability}%){PHASE}" as {FIRST.id}\n' in diagram
    assert yaml.safe_load(diagram.split("---\n")[1]) == {"title": "Lab sales"}
