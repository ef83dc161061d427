"""dealflow without its testing extra: hypothesis comes only with `dealflow[testing]`, so
everything else works without it, and what needs it says how to install it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import TESTS

MINIMAL = TESTS / "playbooks" / "minimal.yaml"
WITHOUT = (
    "import sys\n"
    "class NotInstalled:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] == 'hypothesis':\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, NotInstalled())\n"
)
"""Python code that makes `import hypothesis` fail, as where it is not installed."""
NO_ITS_PLUGIN = "'-p', 'no:hypothesispytest', "
"""Where hypothesis is not installed, its own pytest plugin is not there either."""


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT + code], capture_output=True,
                          text=True, cwd=cwd)


def test_validate_deep_says_to_install_the_testing_extra() -> None:
    result = _python("from dealflow.cli import main; "
                     f"sys.argv = ['dealflow', 'validate', '--deep', {str(MINIMAL)!r}]; main()")
    assert result.returncode == 1, result.stderr
    assert "pip install 'dealflow[testing]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_validate_needs_no_hypothesis() -> None:
    result = _python("from dealflow.cli import main; "
                     f"sys.argv = ['dealflow', 'validate', {str(MINIMAL)!r}]; main()")
    assert result.returncode == 0, result.stderr


def test_the_pytest_plugin_loads_and_its_option_says_to_install_the_extra(
    tmp_path: Path
) -> None:
    (tmp_path / "test_nothing.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    plain = _python("import pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', "
                    f"{NO_ITS_PLUGIN}]))", cwd=tmp_path)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    asked = _python("import pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', "
                    f"{NO_ITS_PLUGIN}'--dealflow-playbooks', {str(MINIMAL)!r}]))", cwd=tmp_path)
    assert asked.returncode != 0
    assert "pip install 'dealflow[testing]'" in asked.stdout + asked.stderr
