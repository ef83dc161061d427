"""Every error dealflow raises, under one root.

```
DealflowError                     exit_code 1 unless noted
├── DefinitionError               raised eagerly while loading: the playbook (or file) is wrong
│   ├── DocumentProblems          carries every located Problem found in one document
│   │   ├── PlaybookError         ... in a playbook
│   │   ├── DealFileError         ... in a deal file (JSON or YAML)
│   │   ├── TeamFileError         ... in a team file (our people and their roles)
│   │   └── MappingError          ... in a CRM import mapping (or its fit to the playbook)
│   └── RuleSyntaxError           a rule or item text does not compile (says why and where)
│       └── UnsupportedSyntax     ... it uses what rules may not (a loop, `x._y`, `format`)
├── RuntimeDealError              raised while using a valid playbook; keeps its context
│   ├── MoveRefused               an operation was refused: `.deal`, `.report` (every check)
│   ├── RuleEvalError             a rule, item text or layout failed while evaluated
│   │   ├── RuleDataError         ... on its data: Python's error, named (text > number)
│   │   ├── LimitExceeded         ... it would pass a named limit of size or work: stopped
│   │   └── HelperCycle           ... a helper needed its own answer (a rule circle)
│   ├── DealNotFound              no deal with that id in the store: `.deal_id`
│   ├── NotifyError               a webhook post failed (refused, 4xx/5xx, timeout):
│   │                             `.url`; it is never retried
│   └── ConflictError             exit 3: someone else wrote the deal first: `.deal_id`,
│       │                         `.expected` and `.actual` versions; re-read and retry
│       └── DealExists            exit 1: a new deal's id is taken
└── StoreError                    the database cannot be used as it is (schema, access)
    ├── ImportProblems            a bulk import file is invalid: `.problems`, nothing written
    ├── PlaybookChoiceError       exit 2: which playbook a command works on is unclear or
    │                             not in the store: `.held` (what the store holds)
    └── ImportStopped             an import stopped while writing: `.added` events of the
                                  lines up to `.through` are stored, the rest is not; the
                                  exit code is its cause's (3 for a conflict)
```

Later modules add their run-time errors under `RuntimeDealError` (a refused move keeps
the deal, the stage and the unmet control points; a write conflict keeps both versions).
Evaluating a rule, an item text or a layout raises nothing but `RuleEvalError`s: what
Python raises on the data becomes a `RuleDataError`, so a caller that catches
`RuleEvalError` never hides a bug of dealflow's own. The CLI catches `DealflowError`
once, prints it and exits with its `exit_code`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dealflow._messages import N_, _

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.deal import Deal
    from dealflow.engine import GateReport

__all__ = [
    "ConflictError",
    "DealExists",
    "DealFileError",
    "DealNotFound",
    "DealflowError",
    "DefinitionError",
    "DocumentProblems",
    "HelperCycle",
    "ImportProblems",
    "ImportStopped",
    "LimitExceeded",
    "MappingError",
    "NotifyError",
    "MoveRefused",
    "PlaybookChoiceError",
    "PlaybookError",
    "Problem",
    "RuleDataError",
    "RuleEvalError",
    "RuleSyntaxError",
    "RuntimeDealError",
    "StoreError",
    "TeamFileError",
    "UnsupportedSyntax",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a document: `FILE:LINE:COL  PATH  MESSAGE`.

    `line` and `column` are 1-based; 0 means the position is unknown (for example a
    document that could not be read at all). `path` is the place inside the document,
    like `stages[3].gates[0].when`; empty for the document as a whole.
    """

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        return f"{where}  {self.path or '<document>'}  {self.message}"

    def to_dict(self) -> dict[str, str | int]:
        """The problem as a plain dict (for `--format json`)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class DealflowError(Exception):
    """The root of every error dealflow raises on purpose."""

    exit_code: int = 1


class DefinitionError(DealflowError):
    """Something the user wrote (a playbook, a mapping) is not valid; raised at load time."""


class DocumentProblems(DefinitionError):
    """A document has one or more problems; `problems` lists all of them."""

    kind = N_("document")

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = (_("1 problem in {kind}", kind=_(self.kind)) if count == 1
                else _("{count} problems in {kind}", count=count, kind=_(self.kind)))
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class PlaybookError(DocumentProblems):
    """A playbook document has one or more problems; `problems` lists all of them."""

    kind = N_("playbook")


class DealFileError(DocumentProblems):
    """A deal file has one or more problems; `problems` lists all of them."""

    kind = N_("deal file")


class TeamFileError(DocumentProblems):
    """A team file has one or more problems; `problems` lists all of them."""

    kind = N_("team file")


class MappingError(DocumentProblems):
    """A CRM import mapping has one or more problems; `problems` lists all of them."""

    kind = N_("mapping")


class RuleSyntaxError(DefinitionError):
    """A rule or an item text that does not compile; the message says why (and where in
    the rule). A playbook reports it at the rule's place, as one of its problems."""


class UnsupportedSyntax(RuleSyntaxError):
    """A rule or an item text uses a construct that rules may not use (a loop, a private
    name, `format`, a filter not on the list, a constant past a limit)."""


class RuntimeDealError(DealflowError):
    """A valid playbook was used in a way it does not allow; context is kept as attributes."""


class MoveRefused(RuntimeDealError):
    """An operation on a deal was refused; nothing changed.

    `deal` is the deal as it was, `report` the `GateReport` with every check, and
    `unmet` the checks that blocked it.
    """

    def __init__(self, deal: Deal, report: GateReport) -> None:
        self.deal = deal
        self.report = report
        self.operation = report.operation
        self.stage = report.stage
        self.unmet = report.blocking
        super().__init__(str(report))


class RuleEvalError(RuntimeDealError):
    """A rule, an item text or a checklist layout failed while being evaluated; the
    message says why in plain words. A gate whose rule fails blocks, with this reason."""


class RuleDataError(RuleEvalError):
    """A rule or text failed on the data it was given (text compared with a number, a
    division by zero): the message names Python's error, as `TypeError: ...`."""


class LimitExceeded(RuleEvalError):
    """A rule or template would build a value, or do work, beyond a named limit (the
    message names it): it is stopped instead of exhausting memory or time."""


class HelperCycle(RuleEvalError):
    """A helper was called again while it was working out its own answer (a rule that
    needs, through `stage_items_done()` and the like, its own value)."""


class DealNotFound(RuntimeDealError):
    """No deal with this id in the store."""

    def __init__(self, deal_id: str) -> None:
        self.deal_id = deal_id
        super().__init__(_("no deal {deal} in the store", deal=repr(deal_id)))


class NotifyError(RuntimeDealError):
    """A notification could not be posted to a webhook; it is not sent again (a post that
    timed out may still have arrived, and a second one would be a duplicate)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        super().__init__(_("the notification to {url} failed: {reason}; it was not sent "
                           "again", url=url, reason=reason))


class ConflictError(RuntimeDealError):
    """The deal changed since it was read: the write was not made. Re-read and retry."""

    exit_code = 3

    def __init__(self, deal_id: str, expected: int, actual: int | None) -> None:
        self.deal_id = deal_id
        self.expected = expected
        self.actual = actual
        message = (N_("deal {deal} changed while you worked on it: you read version "
                      "{expected}, the store does not have it; re-read the deal and try again")
                   if actual is None else
                   N_("deal {deal} changed while you worked on it: you read version "
                      "{expected}, the store is at version {actual}; re-read the deal and try "
                      "again"))
        super().__init__(_(message, deal=repr(deal_id), expected=expected, actual=actual))


class DealExists(ConflictError):
    """A new deal's id is already taken (a conflict on creation); choose another id."""

    exit_code = 1

    def __init__(self, deal_id: str, actual: int | None) -> None:
        super().__init__(deal_id, 0, actual)
        self.args = (_("a deal with id {deal} already exists; choose another id",
                       deal=repr(deal_id)),)

    def __str__(self) -> str:
        return str(self.args[0])


class StoreError(DealflowError):
    """The database cannot be used as it is: a newer or unknown schema, no access."""


class ImportProblems(StoreError):
    """A bulk import file has problems; nothing of it was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        head = _("{count} problem(s) in the import file, nothing was imported",
                 count=len(self.problems))
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class PlaybookChoiceError(StoreError):
    """A command over many deals cannot tell which playbook to work on: the store holds
    deals of several playbooks and none was chosen, or the one chosen is not in the
    store. `held` lists `(playbook id, version, deals)` for every version the store keeps.
    """

    exit_code = 2

    def __init__(self, message: str, held: Iterable[tuple[str, str, int]]) -> None:
        self.held: tuple[tuple[str, str, int], ...] = tuple(held)
        listed = "; ".join(
            _("{playbook} {version} (1 deal)", playbook=pid, version=version) if deals == 1
            else _("{playbook} {version} ({count} deals)", playbook=pid, version=version,
                   count=deals)
            for pid, version, deals in self.held) or _("none")
        super().__init__(_("{message}. In the store: {listed}", message=message,
                           listed=listed))


class ImportStopped(StoreError):
    """An import stopped part way through writing, at `line` of `file`, for `reason`.

    The batches before it are stored: `added` events (and `skipped` ones that were there
    already) from the lines up to `through`, and `playbooks` playbook versions; nothing
    after. Running the same import again completes it: what is stored is skipped. The
    exit code is that of the cause (3 when another writer changed a deal meanwhile).
    """

    def __init__(self, reason: str, *, file: str, line: int, added: int, skipped: int,
                 through: int, playbooks: int = 0, exit_code: int = 1) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.added = added
        self.skipped = skipped
        self.through = through
        self.playbooks = playbooks
        self.exit_code = exit_code
        kept = [_("{count} playbook version(s)", count=playbooks)] if playbooks else []
        if through:
            kept.insert(0, _("{added} event(s) added and {skipped} already there, from lines "
                             "1 to {through}", added=added, skipped=skipped, through=through))
        written = _(" and ").join(kept) if kept else _("nothing")
        super().__init__("\n  ".join((
            _("the import of {file} stopped at line {line}: {reason}", file=file, line=line,
              reason=reason),
            _("written: {written}", written=written),
            _("not written: the events from line {line} on", line=through + 1),
            _("run the same import again to complete it: what is stored is skipped"))))
