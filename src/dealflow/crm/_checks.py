"""Checks of a mapping whose keys are each valid: the keys its shape needs, and its fit
to the playbook (stages, lost reasons). Each finding is located by its path."""

from __future__ import annotations

from collections.abc import Iterator

from dealflow._messages import N_, _
from dealflow._problems import PathProblem, did_you_mean
from dealflow.crm._mapping import CLOSED, CrmMapping
from dealflow.playbook import Playbook

__all__ = ["check_mapping"]


def check_mapping(mapping: CrmMapping, playbook: Playbook) -> list[PathProblem]:
    """Every problem of `mapping` for importing into `playbook`, in document order."""
    checks = (_long_keys if mapping.shape == "long" else _wide_keys, _stages, _stage_dates,
              _unmapped, _lost_reasons)
    return [finding for check in checks for finding in check(mapping, playbook)]


def _long_keys(mapping: CrmMapping, playbook: Playbook) -> Iterator[PathProblem]:
    for field, what in (("stage", N_("each row's stage")), ("time", N_("the time of each row"))):
        if getattr(mapping.columns, field) is None:
            yield PathProblem(("columns",), _("a long export needs columns.{field}: the column "
                                              "with {what}", field=field, what=_(what)))
    if not mapping.stages:
        yield PathProblem((), _("a long export needs stages: each CRM stage name and the "
                                "playbook stage (or won, lost) it means"))
    for key in ("stage_dates", "outcomes"):
        if getattr(mapping, key):
            yield PathProblem((key,), _("{key} is only read with shape: wide; a long export has "
                                        "a stage and a time on every row", key=key), key=True)
    if mapping.columns.outcome is not None:
        yield PathProblem(("columns", "outcome"), _("columns.outcome is only read with shape: "
                                                    "wide; in a long export, map the closing "
                                                    "stages to won and lost"), key=True)


def _wide_keys(mapping: CrmMapping, playbook: Playbook) -> Iterator[PathProblem]:
    if not mapping.stage_dates:
        yield PathProblem((), _("a wide export needs stage_dates: each playbook stage and the "
                                "column with the date the deal entered it"))
    if mapping.columns.stage is not None and not mapping.stages:
        yield PathProblem(("columns", "stage"), _("columns.stage needs stages: each CRM stage "
                                                  "name and the playbook stage (or won, lost) "
                                                  "it means"))
    if mapping.columns.outcome is not None and not mapping.outcomes:
        yield PathProblem(("columns", "outcome"), _("columns.outcome needs outcomes: each value "
                                                    "of the column and whether it means won, "
                                                    "lost or open"))
    if mapping.outcomes and mapping.columns.outcome is None:
        yield PathProblem(("outcomes",), _("outcomes is only read with columns.outcome: name the "
                                           "column that holds them"), key=True)


def _targets(playbook: Playbook) -> list[str]:
    return [stage.id for stage in playbook.stages] + list(CLOSED)


def _stages(mapping: CrmMapping, playbook: Playbook) -> Iterator[PathProblem]:
    targets = _targets(playbook)
    for name, target in mapping.stages.items():
        if target not in targets:
            yield PathProblem(("stages", name), _not_a_stage(target, playbook)
                              + did_you_mean(target, targets))


def _stage_dates(mapping: CrmMapping, playbook: Playbook) -> Iterator[PathProblem]:
    targets = _targets(playbook)
    for stage in mapping.stage_dates:
        if stage not in targets:
            yield PathProblem(("stage_dates", stage), _not_a_stage(stage, playbook)
                              + did_you_mean(stage, targets), key=True)


def _not_a_stage(stage: str, playbook: Playbook) -> str:
    return _("{stage!r} is not a stage of playbook {id} {version}, nor won or lost",
             stage=stage, id=playbook.id, version=playbook.version)


def _unmapped(mapping: CrmMapping, playbook: Playbook) -> Iterator[PathProblem]:
    stages = [stage.id for stage in playbook.stages]
    chosen = mapping.default_stage
    if mapping.unmapped_stage == "default" and chosen is None:
        yield PathProblem(("unmapped_stage",), _("unmapped_stage: default needs default_stage: "
                                                 "the playbook stage an unmapped CRM stage goes "
                                                 "to"))
    elif chosen is not None and mapping.unmapped_stage != "default":
        yield PathProblem(("default_stage",), _("default_stage is only used with "
                                                "unmapped_stage: default"), key=True)
    elif chosen is not None and chosen not in stages:
        yield PathProblem(("default_stage",), _("{stage!r} is not a stage of playbook {id} "
                                                "{version}", stage=chosen, id=playbook.id,
                                                version=playbook.version)
                          + did_you_mean(chosen, stages))


def _lost_reasons(mapping: CrmMapping, playbook: Playbook) -> Iterator[PathProblem]:
    reasons = [reason.id for reason in playbook.lost_reasons]
    for value, reason in mapping.lost_reasons.items():
        if reason not in reasons:
            yield PathProblem(("lost_reasons", value), _("{reason!r} is not a lost reason of "
                                                         "the playbook", reason=reason)
                              + did_you_mean(reason, reasons))
    chosen = mapping.default_lost_reason
    if chosen is not None and chosen not in reasons:
        yield PathProblem(("default_lost_reason",), _("{reason!r} is not a lost reason of the "
                                                      "playbook", reason=chosen)
                          + did_you_mean(chosen, reasons))
