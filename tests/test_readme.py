"""The README's first command runs the demo; its second is what CI runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block is not None, "README must open with a bash block of two commands"
    assert text.index("```bash") < 40, "the commands come first"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_opens_with_exactly_two_commands() -> None:
    first, second = _commands()
    assert first.endswith("dealflow demo")
    assert "pytest" in second


def test_ci_runs_the_readme_test_command() -> None:
    assert _commands()[1] in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_demo_of_the_first_command_runs_offline_and_names_its_database(
    tmp_path: Path,
) -> None:
    script = Path(sys.executable).with_name("dealflow")
    result = subprocess.run([str(script), "demo"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dealflow-demo.db").exists()
    assert "dealflow-demo.db" in result.stdout
    assert "dealflow deal show" in result.stdout
