"""The committed JSON Schema stays in step with the models."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dealflow.cli import app
from dealflow.playbook import playbook_schema, playbook_schema_text


def test_the_committed_schema_is_up_to_date(repo_root: Path) -> None:
    committed = (repo_root / "playbooks" / "playbook.schema.json").read_text(encoding="utf-8")
    assert committed == playbook_schema_text(), (
        "playbooks/playbook.schema.json is stale: run `dealflow schema > "
        "playbooks/playbook.schema.json`"
    )


def test_dealflow_schema_prints_the_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == playbook_schema()


def test_every_playbook_in_the_repo_points_editors_at_the_schema(repo_root: Path) -> None:
    for path in (repo_root / "playbooks").glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=playbook.schema.json", path


def test_the_schema_forbids_unknown_keys_everywhere() -> None:
    schema = playbook_schema()
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name
