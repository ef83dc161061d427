"""Loading mappings from YAML, every problem located like a playbook's.

`load_mapping("salesforce")` loads a mapping shipped with dealflow; any other value is a
path. Problems read `FILE:LINE:COL  PATH  MESSAGE`, with the closest match for a typo,
and include the mapping's fit to the playbook: every stage and lost reason it maps to
must be the playbook's.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pydantic import ValidationError

from dealflow._messages import _
from dealflow._plain import describe
from dealflow._problems import schema_problems
from dealflow._text_files import read_text
from dealflow._yaml import Document, DocumentError, read_document
from dealflow.crm._checks import check_mapping
from dealflow.crm._mapping import CrmMapping
from dealflow.errors import MappingError, Problem
from dealflow.playbook import Playbook, load_playbook

__all__ = ["bundled_mappings", "load_mapping", "parse_mapping"]


def bundled_mappings() -> dict[str, str]:
    """The mappings shipped with dealflow: name -> YAML text."""
    folder = files("dealflow.crm") / "mappings"
    return {
        entry.name.removesuffix(".yaml"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


def load_mapping(source: str | Path, playbook: Playbook | None = None) -> CrmMapping:
    """Load a mapping (a path, or the name of a bundled one) and check it against
    `playbook` (default: the default playbook); `MappingError` lists every problem."""
    path = Path(source)
    if isinstance(source, str) and not path.exists() and "/" not in source and "." not in source:
        bundled = bundled_mappings()
        if source in bundled:
            return parse_mapping(bundled[source], f"<bundled {source}.yaml>", playbook)
        names = ", ".join(bundled)
        raise MappingError([Problem(source, 0, 0, "", _(
            "no such file, and no bundled mapping of that name (bundled: {names})",
            names=names))])
    try:
        text = read_text(path)
    except DocumentError as exc:
        raise MappingError([exc.problem]) from None
    return parse_mapping(text, str(source), playbook)


def parse_mapping(text: str, file: str = "<string>",
                  playbook: Playbook | None = None) -> CrmMapping:
    """Parse and check a mapping from YAML text; `file` names it in messages."""
    try:
        document = read_document(text, file)
    except DocumentError as exc:
        raise MappingError([exc.problem]) from None
    problems = list(document.problems)
    if not isinstance(document.data, dict):
        problems.append(document.problem((), _(
            "a mapping is a mapping of keys such as `shape:` and `columns:`, but this document "
            "holds {what}", what=describe(document.data))))
        raise MappingError(problems)
    try:
        mapping = CrmMapping.model_validate(document.data)
    except ValidationError as exc:
        problems.extend(schema_problems(exc, document, CrmMapping))
        raise MappingError(problems) from None
    problems.extend(_fit(mapping, playbook or load_playbook(), document))
    if problems:
        raise MappingError(problems)
    return mapping


def _fit(mapping: CrmMapping, playbook: Playbook, document: Document) -> list[Problem]:
    return [document.problem(finding.loc, finding.message, key=finding.key)
            for finding in check_mapping(mapping, playbook)]
