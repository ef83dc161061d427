"""Is a playbook sound? Load it, lint it, and (deep) test it on generated deals.

`check_soundness(path)` is what `dealflow validate --deep` and the pytest plugin run;
call `assert_sound(path)` from your own tests to fail with a readable report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dealflow._messages import _
from dealflow._text_files import read_text
from dealflow._yaml import DocumentError, read_document
from dealflow.errors import PlaybookError, Problem
from dealflow.playbook import Finding, Playbook, lint_playbook, parse_playbook
from dealflow.testing._deep import DeepFinding, deep_check

__all__ = ["DEFAULT_EXAMPLES", "Soundness", "assert_sound", "check_soundness"]

DEFAULT_EXAMPLES = 100
"""Generated deals per deep check, by default."""


@dataclass
class Soundness:
    """Everything found about one playbook file."""

    file: str
    playbook: Playbook | None = None
    problems: list[Problem] = field(default_factory=list)
    lint: list[Finding] = field(default_factory=list)
    deep: list[DeepFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the playbook loads and nothing was found."""
        return not (self.problems or self.lint or self.deep)

    def codes(self) -> list[str]:
        """The codes of every finding, in order."""
        return [f.code for f in self.lint] + [f.code for f in self.deep]

    def report(self) -> str:
        """Every problem and finding, one per line (deep findings with their deal)."""
        lines = [str(p) for p in self.problems] + [str(f) for f in self.lint]
        lines += [f"{self.file}  {f}" for f in self.deep]
        return "\n".join(lines) if lines else _("{file}: sound", file=self.file)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data."""
        return {"file": self.file, "valid": not self.problems, "sound": self.ok,
                "problems": [p.to_dict() for p in self.problems],
                "findings": [f.to_dict() for f in self.lint] + [f.to_dict() for f in self.deep]}


def check_soundness(path: str | Path, *, deep: bool = True, examples: int = DEFAULT_EXAMPLES,
                    min_severity: str = "warning") -> Soundness:
    """Load, lint and (when `deep`) test the playbook in `path` on generated deals."""
    result = Soundness(str(path))
    try:
        text = read_text(Path(path))
        document = read_document(text, str(path))
        result.playbook = parse_playbook(text, str(path))
    except DocumentError as exc:
        result.problems.append(exc.problem)
        return result
    except PlaybookError as exc:
        result.problems.extend(exc.problems)
        return result
    result.lint = lint_playbook(result.playbook, document, min_severity=min_severity)
    if deep:
        ignored = set(result.playbook.lint.ignore)
        result.deep = [f for f in deep_check(result.playbook, examples=examples)
                       if f.code not in ignored]
    return result


def assert_sound(path: str | Path, *, examples: int = DEFAULT_EXAMPLES) -> Soundness:
    """Fail (AssertionError) with the whole report unless the playbook is sound."""
    result = check_soundness(path, examples=examples)
    assert result.ok, _("playbook is not sound:") + "\n" + result.report()
    return result
