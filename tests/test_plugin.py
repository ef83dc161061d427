"""The pytest plugin, exercised with pytester: playbook folders as test items."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SOUND = TESTS / "playbooks" / "minimal.yaml"
UNSOUND = TESTS / "playbooks" / "unsound" / "enum_value_typo.yaml"


def _folder(pytester: pytest.Pytester, *files: Path) -> Path:
    folder = pytester.path / "playbooks"
    folder.mkdir()
    for file in files:
        shutil.copy(file, folder / file.name)
    return folder


def _run(pytester: pytest.Pytester, folder: Path) -> pytest.RunResult:
    return pytester.runpytest_subprocess("--dealflow-playbooks", str(folder),
                                         "--dealflow-examples", "20", "-p", "no:cacheprovider")


def test_a_sound_playbook_passes_every_check(pytester: pytest.Pytester) -> None:
    result = _run(pytester, _folder(pytester, SOUND))
    result.assert_outcomes(passed=8)


def test_an_unsound_playbook_fails_with_a_readable_report(pytester: pytest.Pytester) -> None:
    result = _run(pytester, _folder(pytester, UNSOUND))
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1
    assert outcomes["failed"] + outcomes.get("passed", 0) == 8
    output = result.stdout.str()
    assert "DF106" in output
    assert "enum_value_typo.yaml:" in output
    assert "Traceback" not in output


def test_without_the_option_no_playbook_is_collected(pytester: pytest.Pytester) -> None:
    _folder(pytester, SOUND)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
