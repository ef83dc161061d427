"""The pytest plugin, exercised with pytester: playbook folders as test items.

The plugin is registered by the package's `pytest11` entry point, so the pytest runs
that pytester starts have it too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dealflow.testing.plugin import CHECKS
from tests.conftest import TESTS

SOUND = TESTS / "playbooks" / "minimal.yaml"
UNSOUND = TESTS / "playbooks" / "unsound"


def _folder(pytester: pytest.Pytester, *files: Path) -> Path:
    folder = pytester.path / "playbooks"
    folder.mkdir()
    for file in files:
        shutil.copy(file, folder / file.name)
    return folder


def _run(pytester: pytest.Pytester, folder: Path) -> pytest.RunResult:
    return pytester.runpytest("--dealflow-playbooks", str(folder), "--dealflow-examples", "20",
                              "-p", "no:cacheprovider")


def test_a_sound_playbook_passes_its_eight_items(pytester: pytest.Pytester) -> None:
    result = _run(pytester, _folder(pytester, SOUND))
    result.assert_outcomes(passed=8)
    assert len(CHECKS) == 8


@pytest.mark.parametrize(
    ("stem", "failing", "shown"),
    [
        ("false_gate_strands_later_stages", {"lint", "stages-passable"},
         ["*false_gate_strands_later_stages.yaml:19:15  stages[[]0[]].gates[[]0[]].when  DF101 *",
          "*false_gate_strands_later_stages.yaml:25:5  stages[[]1[]]  DF103 *",
          "*false_gate_strands_later_stages.yaml  DF203 error: stages.qualify *"]),
        ("unset_int_fact_in_ordering", {"rules-evaluate"},
         ["*DF201 error: stages.qualify.gates.budget_large  rule 'facts.budget > 1000' fails*",
          "    deal:", "      id: *"]),
        ("item_text_needs_a_stakeholder", {"checklists-render"},
         ["*DF202 error: stages.qualify  an item text cannot be filled in for this deal",
          "    deal:", "      id: *"]),
        ("length_at_least_zero", {"gates-can-fail"},
         ["*DF204 error: stages.qualify.gates.mapped  gate mapped passed for every generated*"]),
    ],
    ids=["static", "rule-fails", "text-fails", "gate-never-fails"],
)
def test_an_unsound_playbook_fails_the_right_items_with_the_finding_and_its_place(
    pytester: pytest.Pytester, stem: str, failing: set[str], shown: list[str],
) -> None:
    result = _run(pytester, _folder(pytester, UNSOUND / f"{stem}.yaml"))
    result.assert_outcomes(passed=8 - len(failing), failed=len(failing))
    in_order = [name for name in CHECKS if name in failing]
    # In order, but not necessarily adjacent: with CI set, pytest prints each
    # failure's whole multi-line message in the short summary.
    result.stdout.fnmatch_lines([f"FAILED *{stem}.yaml::{name} - *" for name in in_order])
    result.stdout.fnmatch_lines([f"playbook check {in_order[0]!r} failed:", *shown])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_playbook_that_does_not_load_fails_every_item_with_its_problem(
    pytester: pytest.Pytester,
) -> None:
    broken = TESTS / "playbooks" / "broken" / "bad_severity.yaml"
    result = _run(pytester, _folder(pytester, broken))
    result.assert_outcomes(failed=8)
    result.stdout.fnmatch_lines(["*bad_severity.yaml:*severity*"])


def test_without_the_option_no_playbook_is_collected(pytester: pytest.Pytester) -> None:
    _folder(pytester, SOUND, UNSOUND / "always_true_gate.yaml")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.assert_outcomes()
