"""Validating and linting in Chinese: with the zh locale, every problem of a broken
playbook and every lint finding (message and hint) names no English word but what the
file's author typed (keys, ids, rules, zh texts) and keywords such as `true`; in English
they are what they always were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dealflow import load_playbook
from dealflow._messages import use_locale
from dealflow._text_files import read_text
from dealflow._yaml import DocumentError, read_document
from dealflow.errors import PlaybookError
from dealflow.playbook import lint_playbook
from tests._english_words import document_words, english_words
from tests.conftest import TESTS

BROKEN = sorted((TESTS / "playbooks" / "broken").glob("*.yaml"))
UNSOUND = sorted((TESTS / "playbooks" / "unsound").glob("*.yaml"))
#: Files whose problem quotes another library's own words (PyYAML's and Jinja's syntax
#: errors), which dealflow shows as they are.
QUOTING_A_LIBRARY = {"rule_does_not_compile", "template_does_not_compile",
                     "yaml_syntax_bad_indentation", "yaml_syntax_tab_indentation",
                     "yaml_syntax_unclosed_flow_mapping", "yaml_syntax_unterminated_quote"}


def _typed(path: Path) -> set[str]:
    """What the author of `path` typed (nothing for a file dealflow cannot read)."""
    try:
        data: Any = read_document(read_text(path), str(path)).data
    except DocumentError:
        data = None
    return document_words(data)


def _problems(path: Path) -> list[str]:
    with pytest.raises(PlaybookError) as raised:
        load_playbook(path)
    return [problem.message for problem in raised.value.problems]


@pytest.mark.parametrize("path", [path for path in BROKEN if path.stem not in QUOTING_A_LIBRARY],
                         ids=lambda path: path.stem)
def test_every_problem_of_a_broken_playbook_is_chinese(path: Path) -> None:
    with use_locale("zh"):
        problems = _problems(path)
    allowed = _typed(path)
    assert problems
    assert {problem: words for problem in problems
            if (words := english_words(problem, allowed))} == {}


@pytest.mark.parametrize("path", UNSOUND, ids=lambda path: path.stem)
def test_every_lint_finding_is_chinese(path: Path) -> None:
    playbook = load_playbook(path)
    with use_locale("zh"):
        findings = [f"{finding.message} ({finding.hint})" for finding in lint_playbook(playbook)]
    allowed = _typed(path)
    assert {finding: words for finding in findings
            if (words := english_words(finding, allowed))} == {}


@pytest.mark.parametrize(("name", "expected"), [
    pytest.param("duplicate_stage_id", "duplicate stage id 'qualify' (also at stages[0])",
                 id="duplicate"),
    pytest.param("approval_rule_unknown_stage",
                 "unknown stage 'negotiate'; valid: close, qualify", id="unknown-ref"),
])
def test_problems_in_english_are_as_before(name: str, expected: str) -> None:
    assert expected in _problems(TESTS / "playbooks" / "broken" / f"{name}.yaml")


def test_a_lint_finding_in_english_is_as_before() -> None:
    findings = lint_playbook(load_playbook(TESTS / "playbooks" / "unsound" / "dead_end_stage.yaml"))
    assert any(f.message == "no deal in close can ever be won"
               and f.hint == "every open stage needs a way to won" for f in findings)
