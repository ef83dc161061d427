"""Engine operations on the decision chain, the competition and the scorecard (issue 20).

`ChainOperations` is a base of `Engine`: each operation checks what must hold, then
records one event (see `_events_chain`), exactly like the engine's own operations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.deal import Competitor, Deal, Link, LinkKind, Organisation, Stakeholder, Status
from dealflow.engine._events import Event
from dealflow.engine._events_chain import (
    CompetitorRemoved,
    CompetitorSet,
    CriterionScored,
    OrganisationRemoved,
    OrganisationSet,
    StakeholderLinked,
    StakeholderUnlinked,
)
from dealflow.engine._gates import Check
from dealflow.engine._outcome import Outcome, fails, unknown_person
from dealflow.playbook import Playbook

__all__ = ["ChainOperations", "chain_checks", "competitor_checks"]


def _choice(value: str, valid: Sequence[str], check_id: str, text: str, what: str) -> list[Check]:
    if value in valid:
        return []
    hint = did_you_mean(value, valid) if valid else ""
    return [fails(check_id, text, _("unknown {what} {value}", what=what, value=repr(value))
                  + hint)]


def competitor_checks(deal: Deal, competitor_id: str) -> list[Check]:
    """`competitor_id` names one of the deal's competitors (the winner of a loss, one to
    take off the deal)."""
    return _choice(competitor_id, [rival.id for rival in deal.competitors], "competitor",
                   _("the competitor is on the deal"), _("competitor"))


def chain_checks(playbook: Playbook, deal: Deal, person: Stakeholder) -> list[Check]:
    """What a person's place in the chain must satisfy: a known organisation, a depth of
    the playbook's scale."""
    checks: list[Check] = []
    if person.org is not None:
        checks += _choice(person.org, [org.id for org in deal.organisations], "org",
                          _("a person sits in one of the deal's organisations"),
                          _("organisation"))
    if person.depth is not None:
        depths = [level.id for level in playbook.decision_chain.relationship_depth]
        checks += _choice(person.depth, depths, "depth",
                          _("the depth is on the playbook's relationship scale"),
                          _("relationship depth"))
    return checks


def _reports_up(deal: Deal, source: str, target: str) -> bool:
    """Whether `target` already reports (directly or not) to `source`."""
    up = {link.source: link.target for link in deal.links if link.kind == "reports_to"}
    seen: set[str] = set()
    current: str | None = target
    while current is not None and current not in seen:
        if current == source:
            return True
        seen.add(current)
        current = up.get(current)
    return False


class ChainOperations:
    """Operations on organisations, lines between people, competitors and scores."""

    playbook: Playbook

    if TYPE_CHECKING:  # pragma: no cover - given by Engine (and its moves)
        def _base(self, deal: Deal, actor: str) -> dict[str, Any]: ...
        def _playbook_check(self, deal: Deal) -> list[Check]: ...
        def _outcome(self, deal: Deal, operation: str, target: str | None,
                     checks: list[Check], make: Callable[[], Event],
                     raise_on_refusal: bool) -> Outcome: ...

    # -- organisations ----------------------------------------------------------------------
    def set_organisation(self, deal: Deal, organisation: Organisation, *, actor: str,
                         raise_on_refusal: bool = False) -> Outcome:
        """Add an organisation to the deal's decision chain, or change the one of its id."""
        kinds = [kind.id for kind in self.playbook.decision_chain.kinds()]
        checks = self._playbook_check(deal) + _choice(
            organisation.kind, kinds, "kind", _("the kind is built in or declared by the "
                                                "playbook"), _("kind of organisation"))

        def make() -> Event:
            return OrganisationSet(**self._base(deal, actor), organisation=organisation)

        return self._outcome(deal, "set organisation", deal.stage, checks, make,
                             raise_on_refusal)

    def remove_organisation(self, deal: Deal, organisation_id: str, *, actor: str,
                            raise_on_refusal: bool = False) -> Outcome:
        """Take an organisation off the chain (nobody may still sit in it)."""
        checks = self._playbook_check(deal) + _choice(
            organisation_id, [org.id for org in deal.organisations], "org",
            _("the organisation is on the deal"), _("organisation"))
        inside = [person.id for person in deal.stakeholders if person.org == organisation_id]
        if inside:
            checks.append(fails("org", _("nobody sits in an organisation that is removed"),
                                _("{people} still sit in it: move them first",
                                  people=", ".join(inside))))

        def make() -> Event:
            return OrganisationRemoved(**self._base(deal, actor), organisation_id=organisation_id)

        return self._outcome(deal, "remove organisation", deal.stage, checks, make,
                             raise_on_refusal)

    # -- lines between people ---------------------------------------------------------------
    def link(self, deal: Deal, link: Link, *, actor: str,
             raise_on_refusal: bool = False) -> Outcome:
        """Draw a line: `link.source` reports to, or influences, `link.target`."""
        checks = self._playbook_check(deal)
        checks += [unknown_person(deal, who) for who in (link.source, link.target)
                   if deal.stakeholder(who) is None]
        if link.source == link.target:
            checks.append(fails("link", _("a line joins two different people"),
                                _("{who} cannot be linked to themselves", who=link.source)))
        elif link.kind == "reports_to" and _reports_up(deal, link.source, link.target):
            checks.append(fails("link", _("reporting lines do not go round in a circle"),
                                _("{target} already reports to {source}",
                                  target=link.target, source=link.source)))

        def make() -> Event:
            return StakeholderLinked(**self._base(deal, actor), link=link)

        return self._outcome(deal, "link", deal.stage, checks, make, raise_on_refusal)

    def unlink(self, deal: Deal, kind: LinkKind, source: str, target: str, *, actor: str,
               raise_on_refusal: bool = False) -> Outcome:
        """Take away the line of `kind` from `source` to `target`."""
        checks = self._playbook_check(deal)
        if not any((old.kind, old.source, old.target) == (kind, source, target)
                   for old in deal.links):
            checks.append(fails("link", _("the line exists"), _(
                "no line {source} {kind} {target}", source=source, kind=kind, target=target)))

        def make() -> Event:
            return StakeholderUnlinked(**self._base(deal, actor), kind=kind, source=source,
                                       target=target)

        return self._outcome(deal, "unlink", deal.stage, checks, make, raise_on_refusal)

    # -- competitors ------------------------------------------------------------------------
    def set_competitor(self, deal: Deal, competitor: Competitor, *, actor: str,
                       raise_on_refusal: bool = False) -> Outcome:
        """Add a competitor to the deal, or change the one of its id."""
        criteria = [criterion.id for criterion in self.playbook.decision_criteria]
        checks = self._playbook_check(deal)
        for criterion in competitor.positions:
            checks += _choice(criterion, criteria, "criterion",
                              _("positions are on the playbook's decision criteria"),
                              _("decision criterion"))
        checks += [unknown_person(deal, who) for who in competitor.preferred_by
                   if deal.stakeholder(who) is None]

        def make() -> Event:
            return CompetitorSet(**self._base(deal, actor), competitor=competitor)

        return self._outcome(deal, "set competitor", deal.stage, checks, make, raise_on_refusal)

    def remove_competitor(self, deal: Deal, competitor_id: str, *, actor: str,
                          raise_on_refusal: bool = False) -> Outcome:
        """Take a competitor off the deal."""
        checks = self._playbook_check(deal) + competitor_checks(deal, competitor_id)

        def make() -> Event:
            return CompetitorRemoved(**self._base(deal, actor), competitor_id=competitor_id)

        return self._outcome(deal, "remove competitor", deal.stage, checks, make,
                             raise_on_refusal)

    # -- the scorecard ----------------------------------------------------------------------
    def score(self, deal: Deal, criterion: str, level: int, *, actor: str, evidence: str = "",
              raise_on_refusal: bool = False) -> Outcome:
        """Score a criterion of the playbook's scorecard 0-3, with its evidence."""
        card = self.playbook.scorecard
        checks = self._playbook_check(deal)
        if card is None:
            checks.append(fails("scorecard", _("the playbook declares a scorecard"),
                                _("playbook {id} has no scorecard", id=self.playbook.id)))
        else:
            checks += _choice(criterion, [c.id for c in card.criteria], "criterion",
                              _("the criterion is on the scorecard"), _("criterion"))
        if deal.status not in (Status.open, Status.on_hold):
            checks.append(fails("status", _("only an open deal is scored"),
                                _("deal {id} is {status}", id=deal.id, status=deal.status.value)))

        def make() -> Event:
            return CriterionScored(**self._base(deal, actor), criterion=criterion, level=level,
                                   evidence=evidence)

        return self._outcome(deal, "score", deal.stage, checks, make, raise_on_refusal)
