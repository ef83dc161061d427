"""Rule helpers of the decision chain, the competition and the scorecard (issue 20).

`ChainHelpers` is a base of `RuleContext`: each member here is a word of the rule
vocabulary (see `dealflow.rules.VOCABULARY`). Every helper reads the deal once (linear in
its people, lines and competitors) and its result is charged by the rule's cost model like
any other value.
"""

from __future__ import annotations

from dataclasses import dataclass

from dealflow._messages import _
from dealflow.deal import Competitor, Deal, Influence, Stakeholder, Stance
from dealflow.errors import RuleEvalError
from dealflow.playbook import Playbook
from dealflow.rules import trust

__all__ = ["ChainHelpers", "OrgCoverage", "UnaddressedWin", "at_least", "decision_makers"]

_ORDER = [Influence.low, Influence.medium, Influence.high]
_FOR_US = (Stance.champion, Stance.supporter)
_AGAINST_US = (Stance.opponent, Stance.skeptic)


_RANKS: dict[str, int] = {str(influence): rank for rank, influence in enumerate(_ORDER)}
"""The rank of each influence (low first), by its value."""


def at_least(person: Stakeholder, min_influence: str) -> bool:
    """Whether `person` has at least `min_influence` (low, medium or high)."""
    floor = _RANKS.get(min_influence) if isinstance(min_influence, str) else None
    if floor is not None:  # the common case, without looking the enum up
        return _RANKS[person.influence] >= floor
    try:
        floor = _ORDER.index(Influence(min_influence))
    except ValueError:
        raise RuleEvalError(_("min_influence must be low, medium or high, not {value!r}",
                              value=min_influence)) from None
    return _ORDER.index(person.influence) >= floor


def decision_makers(playbook: Playbook, deal: Deal) -> list[Stakeholder]:
    """The people holding one of the playbook's `decision_roles`; with none declared, the
    people of high influence."""
    roles = set(playbook.decision_chain.decision_roles)
    if roles:
        return [p for p in deal.stakeholders if roles.intersection(p.roles)]
    return [p for p in deal.stakeholders if p.influence is Influence.high]


@trust
@dataclass(frozen=True, slots=True)
class OrgCoverage:
    """How one organisation of the chain is covered: its people, for and against us, and
    how many of them have a relationship owner on our side."""

    org: str
    kind: str
    people: int
    supporters: int
    opponents: int
    owned: int

    @property
    def covered(self) -> bool:
        """True when someone in the organisation supports us."""
        return self.supporters > 0


@trust
@dataclass(frozen=True, slots=True)
class UnaddressedWin:
    """A win of a person that our offer does not (yet) address."""

    stakeholder: str
    kind: str
    text: str


class ChainHelpers:
    """The words of the rule vocabulary about the decision chain."""

    playbook: Playbook
    deal: Deal

    def champions(self, min_influence: str = "low") -> list[Stakeholder]:
        """The champions on the map with at least `min_influence` (by default every
        champion, as before `min_influence` existed)."""
        return [p for p in self.deal.stakeholders
                if p.stance is Stance.champion and at_least(p, min_influence)]

    def champion(self, min_influence: str | None = None) -> Stakeholder | None:
        """The most influential champion with at least `min_influence` (by default the
        playbook's `decision_chain.champion_min_influence`), or None."""
        floor = min_influence or self.playbook.decision_chain.champion_min_influence
        found = self.champions(floor)
        return max(found, key=lambda p: _ORDER.index(p.influence)) if found else None

    def coverage_by_org(self) -> dict[str, OrgCoverage]:
        """Each organisation of the deal (and `""` for people in none): its coverage."""
        kinds = {org.id: org.kind for org in self.deal.organisations}
        groups: dict[str, list[Stakeholder]] = {org: [] for org in kinds}
        for person in self.deal.stakeholders:
            groups.setdefault(person.org or "", []).append(person)
        return {org: OrgCoverage(
            org=org, kind=kinds.get(org, ""), people=len(people),
            supporters=sum(p.stance in _FOR_US for p in people),
            opponents=sum(p.stance in _AGAINST_US for p in people),
            owned=sum(bool(p.owner) for p in people)) for org, people in groups.items()}

    def unaddressed_wins(self, min_influence: str = "low") -> list[UnaddressedWin]:
        """The wins (organisational and personal) our offer does not address, of people
        with at least `min_influence`."""
        return [UnaddressedWin(person.id, kind, win.text)
                for person in self.deal.stakeholders if at_least(person, min_influence)
                for kind in ("org", "personal")
                for win in person.wins(kind) if not win.addressed]

    def owner_of(self, role: str) -> str:
        """Our relationship owner of the most influential holder of `role`; '' if none."""
        for person in self.deal.holders(role):
            if person.owner:
                return person.owner
        return ""

    def influencers_of(self, stakeholder_id: str) -> list[Stakeholder]:
        """The people with a line of influence to `stakeholder_id`."""
        sources = {link.source for link in self.deal.links
                   if link.kind == "influences" and link.target == stakeholder_id}
        return [p for p in self.deal.stakeholders if p.id in sources]

    @property
    def competitors(self) -> list[Competitor]:
        """The competitors of the deal."""
        return list(self.deal.competitors)

    def incumbent(self) -> Competitor | None:
        """The incumbent competitor, or None."""
        return next((rival for rival in self.deal.competitors if rival.incumbent), None)

    def behind_on(self) -> list[str]:
        """The decision criteria on which some competitor is ahead of us."""
        return sorted({criterion for rival in self.deal.competitors
                       for criterion, position in rival.positions.items()
                       if position == "behind"})

    def score(self, criterion: str) -> int:
        """The level 0-3 of a scorecard criterion (0 when not scored yet)."""
        found = self.deal.scores.get(criterion)
        return found.level if found else 0
