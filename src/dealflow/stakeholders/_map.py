"""The stakeholder map of a deal: role coverage, weighted support and red flags.

The methodology asks for many supporters and few opponents across the customer's
decision chain. `analyse_stakeholders` reads a deal's map against its playbook and
says which roles are covered, how support weighs up, and what should worry the seller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dealflow._days import utc_date, whole_days
from dealflow._messages import _
from dealflow.deal import Deal, Influence, Stance
from dealflow.engine import RuleContext, support_score
from dealflow.playbook import Playbook
from dealflow.rules import trust
from dealflow.stakeholders._chain_flags import chain_flags

__all__ = ["RedFlag", "RoleCoverage", "StakeholderMap", "analyse_stakeholders"]

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@trust
@dataclass(frozen=True, slots=True)
class RoleCoverage:
    """One decision-chain role: who holds it, and whether the deal's stage requires it."""

    role: str
    name: str
    holders: tuple[str, ...]
    required: bool

    @property
    def covered(self) -> bool:
        """True when someone on the map holds the role."""
        return bool(self.holders)


@trust
@dataclass(frozen=True, slots=True)
class RedFlag:
    """Something on the map that endangers the deal, with a severity and a reason."""

    code: str
    severity: str
    reason: str
    stakeholder: str | None = None
    role: str | None = None


@trust
@dataclass(frozen=True, slots=True)
class StakeholderMap:
    """The analysis of a deal's stakeholders."""

    coverage: tuple[RoleCoverage, ...]
    support_score: float
    supporters: tuple[str, ...]
    opponents: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]


def _required_roles(playbook: Playbook, stage_id: str) -> set[str]:
    index = playbook.stage_index(stage_id)
    return {role for stage in playbook.stages[: index + 1] for role in stage.required_roles}


def _flags_people(ctx: RuleContext) -> list[RedFlag]:
    flags = []
    for person in ctx.deal.stakeholders:
        if person.stance is Stance.opponent and person.influence is Influence.high:
            flags.append(RedFlag("high_influence_opponent", "high",
                                 _("{name} opposes us and has high influence",
                                   name=person.name),
                                 stakeholder=person.id))
    return flags


def _flags_threading(ctx: RuleContext) -> list[RedFlag]:
    playbook, deal = ctx.playbook, ctx.deal
    flags = []
    champion_by = playbook.red_flags.champion_by
    reached = champion_by is not None and (
        playbook.stage_index(deal.stage) >= playbook.stage_index(champion_by))
    if reached and ctx.champion() is None:
        flags.append(RedFlag("no_champion", "high",
                             _("no champion by stage {stage} (the deal is in {current})",
                               stage=champion_by, current=deal.stage)))
    wanted = playbook.stage(deal.stage).min_contacts
    if len(deal.stakeholders) < wanted:
        flags.append(RedFlag("single_threaded", "medium",
                             _("{count} contact(s) mapped; stage {stage} asks for at least "
                               "{wanted}", count=len(deal.stakeholders), stage=deal.stage,
                               wanted=wanted)))
    return flags


def _flags_contact(ctx: RuleContext) -> list[RedFlag]:
    limit = ctx.playbook.red_flags.stale_contact_days
    today = utc_date(ctx.now)
    flags = []
    for person in ctx.deal.stakeholders:
        if not person.roles:
            continue
        roles = _(", ").join(person.roles)
        if person.last_contact is None:
            flags.append(RedFlag("not_contacted", "medium",
                                 _("{name} ({roles}) has no recorded contact",
                                   name=person.name, roles=roles),
                                 stakeholder=person.id, role=person.roles[0]))
        elif whole_days(person.last_contact, today) > limit:
            days = whole_days(person.last_contact, today)
            flags.append(RedFlag("stale_contact", "medium",
                                 _("{name} ({roles}) last contacted {days} days ago "
                                   "(limit {limit})", name=person.name, roles=roles, days=days,
                                   limit=limit), stakeholder=person.id, role=person.roles[0]))
    return flags


def _flags_approvals(ctx: RuleContext) -> list[RedFlag]:
    return [
        RedFlag("approval_not_covered", "high",
                _("approval rule {rule} applies to this deal and needs role {role} mapped",
                  rule=rule, role=role),
                role=role)
        for rule, roles in ctx.missing_approvals()
        for role in roles
    ]


def analyse_stakeholders(playbook: Playbook, deal: Deal, *, now: dt.datetime | None = None,
                         locale: str | None = None) -> StakeholderMap:
    """Role coverage, support score, supporters, opponents and red flags of `deal`."""
    ctx = RuleContext(playbook, deal, now or dt.datetime.now(dt.UTC))
    required = _required_roles(playbook, deal.stage)
    coverage = tuple(
        RoleCoverage(role.id, playbook.text(role.name, locale),
                     tuple(person.id for person in deal.holders(role.id)), role.id in required)
        for role in playbook.roles
    )
    flags = _flags_people(ctx) + _flags_threading(ctx) + _flags_approvals(ctx) + _flags_contact(ctx)
    flags += [RedFlag(f.code, f.severity, f.reason, stakeholder=f.stakeholder)
              for f in chain_flags(ctx)]
    flags.extend(
        RedFlag("role_missing", "medium", _("stage {stage} requires role {role} mapped",
                                            stage=deal.stage, role=entry.role), role=entry.role)
        for entry in coverage if entry.required and not entry.covered
    )
    flags.sort(key=lambda flag: _SEVERITY_ORDER[flag.severity])
    return StakeholderMap(
        coverage=coverage,
        support_score=support_score(deal.stakeholders),
        supporters=tuple(p.id for p in ctx.supporters()),
        opponents=tuple(p.id for p in ctx.opponents(skeptics=True)),
        red_flags=tuple(flags),
    )
