"""A playbook with several independent problems reports all of them in one go.

Loading checks in two phases: the shape of every part first (syntax notes such as a
duplicate key, unknown and missing keys, types), then, once the shape is right, the
cross-references. Within each phase nothing stops at the first problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import PlaybookError, load_playbook
from dealflow.cli import app
from tests.conftest import TESTS

MINIMAL = (TESTS / "playbooks" / "minimal.yaml").read_text(
    encoding="utf-8"
)


def broken(*edits: tuple[str, str]) -> str:
    text = MINIMAL
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


SHAPE = broken(
    ('version: "1"\n', 'version: "1"\nversion: "2"\n'),
    ("probability: 10", "probability: 110"),
    ("    name: {en: Close, zh: 成交}\n", ""),
    ("        owner: sales\n", "        owner: sales\n        blocking: maybe\n"),
    ("facts.pain_confirmed\n", "facts.pain_confirmed\n        severty: warn\n"),
)
SHAPE_PROBLEMS = [
    ("version", "duplicate key 'version'"),
    ("stages[0].probability", "is out of range: it must be at most 100"),
    ("stages[1]", "missing required key 'name'"),
    ("stages[0].items[0].blocking", "expected true or false"),
    ("stages[0].gates[0].severty", "did you mean 'severity'?"),
]

REFERENCES = broken(
    ("buyer_phase: decision", "buyer_phase: decisoin"),
    ("covered('economic_buyer')", "covered('economic_buyr')"),
    ("owner: sales", "owner: presales"),
    ("goal: {en: Confirm the pain, zh: 确认痛点}", "goal: {zh: 确认痛点}"),
    ("  - id: close", "  - id: qualify"),
)
REFERENCE_PROBLEMS = [
    ("stages[1].buyer_phase", "unknown buyer phase 'decisoin'"),
    ("stages[1].gates[0].when", "unknown role 'economic_buyr'"),
    ("stages[0].items[0].owner", "'presales'"),
    ("stages[0].goal", "missing the default locale 'en'"),
    ("stages[1].id", "duplicate stage id 'qualify'"),
]

PHASES = pytest.mark.parametrize(
    ("text", "expected"),
    [(SHAPE, SHAPE_PROBLEMS), (REFERENCES, REFERENCE_PROBLEMS)],
    ids=["shape", "references"],
)



@PHASES
def test_every_problem_of_a_playbook_is_reported_at_once(
    tmp_path: Path, text: str, expected: list[tuple[str, str]]
) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    found = [(problem.path, problem.message) for problem in caught.value.problems]
    assert len(found) == len(expected), found
    for where, fragment in expected:
        assert any(p == where and fragment in m for p, m in found), (where, fragment, found)


@PHASES
def test_validate_prints_every_problem_of_a_playbook(
    runner: CliRunner, tmp_path: Path, text: str, expected: list[tuple[str, str]]
) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"FAIL  {path}: {len(expected)} problem" in result.output
    for where, fragment in expected:
        assert f"  {where}  " in result.output
        assert fragment in result.output

