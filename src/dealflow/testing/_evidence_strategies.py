"""Strategies for the evidence behind facts and the waivers of control points: the
provenance a generated deal keeps, and what makes a deal favourable to gates that ask who
confirmed a fact (`confirmed('fact', role=...)`) or whether it was verified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hypothesis import strategies as st

from dealflow.deal import Deal, Evidence, Provenance, Source, Stakeholder, Verification, Waiver
from dealflow.playbook import Playbook
from dealflow.testing._strategies import hostile_text

__all__ = ["favourable_provenance", "provenances", "waivers"]

_NAMES = st.from_regex(r"[a-z][a-z.]{0,10}", fullmatch=True)


def _evidence(people: Sequence[Stakeholder], on: dt.date) -> st.SearchStrategy[Evidence]:
    confirmers = st.none() | st.sampled_from([p.id for p in people]) if people else st.none()
    return st.builds(
        Evidence, evidence=st.none() | hostile_text(min_size=1, max_size=60).filter(str.strip),
        source=st.none() | st.sampled_from(list(Source)), confirmed_by=confirmers,
        on=st.none() | st.just(on))


@st.composite
def provenances(draw: st.DrawFn, deal: Deal) -> dict[str, Provenance]:
    """Provenance for some of `deal`'s facts: evidence (confirmed by a stakeholder on its
    map, or not), who set it, and sometimes a verification by someone else."""
    kept: dict[str, Provenance] = {}
    at = deal.stage_entered_at
    for name in deal.facts:
        if not draw(st.booleans()):
            continue
        setter = draw(_NAMES)
        others = _NAMES.filter(lambda who: who != setter)  # noqa: B023 - drawn at once
        check = draw(st.none() | st.builds(Verification, by=others, at=st.just(at),
                                           note=hostile_text(max_size=30)))
        kept[name] = Provenance(evidence=draw(_evidence(deal.stakeholders, at.date())),
                                set_by=setter, set_at=at, verification=check)
    return kept


_HELPERS = frozenset({"confirmed", "verified", "evidence"})


def _reads_evidence(playbook: Playbook) -> bool:
    """Whether a gate of `playbook` calls an evidence helper."""
    return any(_HELPERS & gate.when.refs.names for stage in playbook.stages
               for gate in stage.gates)


def _wanted_roles(playbook: Playbook, fact: str) -> list[str]:
    """The roles the gates reading `fact` ask its confirmer to hold (`role=` of
    `confirmed`)."""
    roles: list[str] = []
    for stage in playbook.stages:
        for gate in stage.gates:
            refs = gate.when.refs
            if fact in refs.facts and "confirmed" in refs.names:
                roles.extend(sorted(refs.roles))
    return roles


@st.composite
def favourable_provenance(draw: st.DrawFn, playbook: Playbook, deal: Deal,
                          ) -> dict[str, Provenance]:
    """Provenance that leans towards meeting the gates: most facts confirmed by a holder of
    a role their gates ask for, with evidence, and verified by a second person."""
    kept: dict[str, Provenance] = {}
    if not _reads_evidence(playbook):  # nothing to favour: draw nothing
        return kept
    at = deal.stage_entered_at
    for name in deal.facts:
        if draw(st.integers(0, 9)) == 0:
            continue
        wanted = set(_wanted_roles(playbook, name))
        holders = [p.id for p in deal.stakeholders if wanted & set(p.roles)] or [
            p.id for p in deal.stakeholders]
        confirmer = draw(st.sampled_from(holders)) if holders else None
        verified = draw(st.integers(0, 9)) > 0
        kept[name] = Provenance(
            evidence=Evidence(evidence="minutes", source=Source.meeting,
                              confirmed_by=confirmer, on=at.date()),
            set_by="rep", set_at=at,
            verification=Verification(by="manager", at=at) if verified else None)
    return kept


@st.composite
def waivers(draw: st.DrawFn, playbook: Playbook, deal: Deal) -> dict[str, Waiver]:
    """Waivers of some of the waivable gates of `deal`'s stage, by a role they allow."""
    kept: dict[str, Waiver] = {}
    for gate in playbook.stage(deal.stage).gates:
        if not gate.waivable_by or not draw(st.booleans()):
            continue
        until = draw(st.none() | st.dates(deal.stage_entered_at.date(), dt.date(2030, 1, 1)))
        kept[gate.id] = Waiver(
            gate=gate.id, stage=deal.stage, person=draw(_NAMES),
            role=draw(st.sampled_from(gate.waivable_by)),
            reason=draw(hostile_text(min_size=1, max_size=40).filter(str.strip)), until=until,
            stage_entered_at=deal.stage_entered_at, at=deal.stage_entered_at, actor="tester")
    return kept
