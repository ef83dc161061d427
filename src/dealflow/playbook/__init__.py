"""The declarative playbook: its model, the YAML loader with located problems, the
cross-reference checks, lint and the JSON Schema. It knows nothing of deals."""

from dealflow.playbook._json_schema import SCHEMA_ID, playbook_schema, playbook_schema_text
from dealflow.playbook._lint import CODES, Finding, lint_playbook
from dealflow.playbook._loader import (
    bundled_playbooks,
    dump_playbook,
    load_playbook,
    parse_playbook,
    parse_playbook_cached,
)
from dealflow.playbook._localized import LocalizedText, Text
from dealflow.playbook._model import (
    ApprovalRule,
    BuyerPhase,
    CloseStep,
    Fact,
    FactType,
    Gate,
    Item,
    LintSettings,
    LostReason,
    Play,
    Playbook,
    RedFlagPolicy,
    Role,
    Severity,
    Stage,
)

__all__ = [
    "CODES",
    "SCHEMA_ID",
    "ApprovalRule",
    "BuyerPhase",
    "CloseStep",
    "Fact",
    "FactType",
    "Finding",
    "Gate",
    "Item",
    "LintSettings",
    "LocalizedText",
    "LostReason",
    "Play",
    "Playbook",
    "RedFlagPolicy",
    "Role",
    "Severity",
    "Stage",
    "Text",
    "bundled_playbooks",
    "dump_playbook",
    "lint_playbook",
    "load_playbook",
    "parse_playbook",
    "parse_playbook_cached",
    "playbook_schema",
    "playbook_schema_text",
]
