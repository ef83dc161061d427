"""The JSON Schema of the playbook format (for editors and other tools)."""

from __future__ import annotations

import json
from typing import Any

from dealflow.playbook._model import Playbook

__all__ = ["SCHEMA_ID", "playbook_schema", "playbook_schema_text"]

SCHEMA_ID = "https://dealflow.dev/schema/playbook.schema.json"


def playbook_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every playbook document satisfies."""
    schema = Playbook.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def playbook_schema_text() -> str:
    """The schema as the JSON text committed in `playbooks/playbook.schema.json`."""
    return json.dumps(playbook_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
