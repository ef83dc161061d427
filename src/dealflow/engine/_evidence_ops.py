"""The engine's operations on evidence, waivers and reviews (mixed into `Engine`).

- `verify_fact`: a second person (not the one who set it) checks a fact's evidence.
- `waive`: a person acting in one of the roles a blocked gate's `waivable_by` allows lets
  it pass, with a reason, until the deal leaves the stage or until a date.
- `review`: the answers to the playbook's win/loss review form, given after the move;
  `review_checks` and `with_review` let `win` and `lose` take them with the move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dealflow._days import utc_date
from dealflow._messages import _
from dealflow._problems import did_you_mean
from dealflow.deal import Deal, Evidence, Status, Team
from dealflow.engine._events import Event, apply_event
from dealflow.engine._events_evidence import FactVerified, GateWaived, ReviewGiven
from dealflow.engine._gates import Check, check_gate
from dealflow.engine._move_args import MoveArgs
from dealflow.engine._outcome import Outcome, fails, unknown_person
from dealflow.engine._permission import TEAM_HINT
from dealflow.playbook import Playbook, question_choices

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine._context import RuleContext

__all__ = ["EvidenceOperations", "evidence_checks", "review_checks", "with_review"]


def _holder_checks(team: Team | None, person: str, role: str) -> list[Check]:
    """Whether our team shows that `person` holds our role `role` (and so may waive in
    it); without a team nobody can be shown to hold a role, as for approvals."""
    if team is None:
        return [fails("role", _("the person holds the role they waive in"),
                      _("no team says who holds {role}; {hint}", role=role, hint=_(TEAM_HINT)))]
    member = team.member(person)
    if member is None or role not in member.roles:
        holders = ", ".join(p.id for p in team.holders([role])) or _("nobody")
        return [fails("role", _("the person holds the role they waive in"),
                      _("{person} does not hold {role} (held by: {holders})", person=person,
                        role=role, holders=holders))]
    return []


def evidence_checks(deal: Deal, evidence: Evidence | None, today: dt.date,
                    clearing: bool) -> list[Check]:
    """What evidence given with a fact must satisfy: a confirming stakeholder on the map, a
    day not in the future, and a value to back."""
    if evidence is None:
        return []
    checks: list[Check] = []
    if clearing:
        checks.append(fails("evidence", _("evidence backs a value"),
                            _("a cleared fact takes no evidence")))
    if evidence.confirmed_by is not None and deal.stakeholder(evidence.confirmed_by) is None:
        checks.append(unknown_person(deal, evidence.confirmed_by))
    if evidence.on is not None and evidence.on > today:
        checks.append(fails("on", _("evidence is dated today or earlier"),
                            _("{day} is after today ({today})", day=evidence.on, today=today)))
    return checks


def review_checks(playbook: Playbook, outcome: str, answers: Mapping[str, str] | None, *,
                  with_move: bool) -> list[Check]:
    """What the answers to the `outcome` review form must satisfy: known questions, valid
    choices, every required question answered (with the move: when the form is required)."""
    form = playbook.reviews.form(outcome)
    if form is None:
        if answers or not with_move:
            return [fails("review", _("the playbook declares a review form for {outcome} "
                                      "deals", outcome=outcome),
                          _("no review form for {outcome} deals in {playbook}",
                            outcome=outcome, playbook=playbook.id))]
        return []
    if with_move and not form.required and not answers:
        return []
    given = dict(answers or {})
    checks: list[Check] = []
    for question_id, choice in given.items():
        question = form.question(question_id)
        if question is None:
            checks.append(fails("answer", _("answers name the form's questions"),
                                _("unknown question {question!r}", question=question_id)
                                + did_you_mean(question_id, [q.id for q in form.questions])))
            continue
        choices = question_choices(playbook, question)
        if choice not in choices:
            checks.append(fails("answer", _("each answer is one of its question's choices"),
                                _("{question}: unknown choice {choice!r}",
                                  question=question_id, choice=choice)
                                + did_you_mean(choice, choices)))
    unanswered = [q.id for q in form.questions if q.required and q.id not in given]
    if unanswered:
        checks.append(fails("review", _("the review answers every required question"),
                            _("unanswered: {questions}", questions=", ".join(unanswered))))
    return checks


def with_review(outcome: Outcome, result: str, answers: Mapping[str, str] | None,
                playbook: Playbook) -> Outcome:
    """`outcome` of a win or loss, plus the `review_given` event of `answers` when given."""
    if not outcome.ok or not answers or not outcome.events:
        return outcome
    closing = outcome.events[-1]
    event = ReviewGiven(deal_id=closing.deal_id, seq=closing.seq + 1, at=closing.at,
                        actor=closing.actor, outcome="won" if result == "won" else "lost",
                        stage=outcome.deal.stage, answers=dict(answers))
    return Outcome(apply_event(outcome.deal, event, playbook), (*outcome.events, event),
                   outcome.report)


class EvidenceOperations:
    """`verify_fact`, `waive` and `review` (see the module)."""

    playbook: Playbook
    clock: Callable[[], dt.datetime]
    team: Team | None

    if TYPE_CHECKING:  # pragma: no cover - given by Engine
        def context(self, deal: Deal, move: MoveArgs | None = None) -> RuleContext: ...
        def _base(self, deal: Deal, actor: str) -> dict[str, Any]: ...
        def _playbook_check(self, deal: Deal) -> list[Check]: ...
        def _status_check(self, deal: Deal, allowed: tuple[Status, ...],
                          operation: str) -> list[Check]: ...
        def _outcome(self, deal: Deal, operation: str, target: str | None,
                     checks: list[Check], make: Callable[[], Event],
                     raise_on_refusal: bool) -> Outcome: ...

    def verify_fact(self, deal: Deal, name: str, *, by: str, actor: str, note: str = "",
                    raise_on_refusal: bool = False) -> Outcome:
        """Record that `by` (not the person who set it) checked the evidence of fact `name`."""
        checks = self._playbook_check(deal)
        known = deal.provenance.get(name) if name in deal.facts else None
        if known is None:
            checks.append(fails("evidence", _("a verified fact was set with evidence"),
                                _("fact {name} has no evidence to verify", name=name)))
        elif by.strip().casefold() == known.set_by.strip().casefold():
            checks.append(fails("verifier", _("a fact is verified by another person than the "
                                              "one who set it"),
                                _("{person} set {name}", person=known.set_by, name=name)))
        elif known.verification is not None:
            checks.append(fails("verifier", _("a fact is verified once"),
                                _("{name} was verified by {person}", name=name,
                                  person=known.verification.by)))

        def make() -> Event:
            return FactVerified(**self._base(deal, actor), name=name, by=by, note=note)

        return self._outcome(deal, "verify fact", deal.stage, checks, make, raise_on_refusal)

    def waive(self, deal: Deal, gate_id: str, *, person: str, role: str, reason: str,
              actor: str, until: dt.date | None = None,
              raise_on_refusal: bool = False) -> Outcome:
        """Let the blocked control point `gate_id` of the deal's stage pass, on the record:
        `person` acting in our role `role`, for `reason`, until `until` (a day) or, without
        it, until the deal leaves the stage."""
        checks = self._status_check(deal, (Status.open, Status.on_hold), "waive")
        if not checks:
            checks = self._waiver_checks(deal, gate_id, person, role)
        if not reason.strip():
            checks.append(fails("reason", _("a waiver needs a reason"), _("the reason is empty")))
        today = utc_date(self.clock())
        if until is not None and until < today:
            checks.append(fails("until", _("a waiver lasts until today or later"),
                                _("{day} is before today ({today})", day=until, today=today)))

        def make() -> Event:
            return GateWaived(**self._base(deal, actor), gate=gate_id, stage=deal.stage,
                              person=person, role=role, reason=reason, until=until,
                              stage_entered_at=deal.stage_entered_at)

        return self._outcome(deal, "waive", deal.stage, checks, make, raise_on_refusal)

    def _waiver_checks(self, deal: Deal, gate_id: str, person: str, role: str) -> list[Check]:
        gates = {gate.id: gate for gate in self.playbook.stage(deal.stage).gates}
        gate = gates.get(gate_id)
        if gate is None:
            return [fails("gate", _("the control point belongs to the deal's stage"),
                          _("no control point {gate!r} in {stage}", gate=gate_id,
                            stage=deal.stage) + did_you_mean(gate_id, gates))]
        if not gate.waivable_by:
            return [fails("gate", _("the playbook lets the control point be waived"),
                          _("{gate} has no waivable_by", gate=gate_id))]
        checks: list[Check] = []
        if role not in gate.waivable_by:
            checks.append(fails("role", _("the waiver is given in a role the control point "
                                          "allows"),
                                _("{role} may not waive {gate}", role=role, gate=gate_id)
                                + did_you_mean(role, gate.waivable_by)))
        else:
            checks.extend(_holder_checks(self.team, person, role))
        if gate.severity != "block" or check_gate(gate, self.context(deal)).passed:
            checks.append(fails("gate", _("only a blocking control point that does not hold "
                                          "is waived"),
                                _("{gate} does not block the deal", gate=gate_id)))
        return checks

    def review(self, deal: Deal, answers: Mapping[str, str], *, actor: str,
               raise_on_refusal: bool = False) -> Outcome:
        """Give the answers to the review form of a won or lost deal (after the move)."""
        checks = self._status_check(deal, (Status.won, Status.lost), "review")
        if not checks:
            checks = review_checks(self.playbook, deal.status.value, answers, with_move=False)

        def make() -> Event:
            result = "won" if deal.status is Status.won else "lost"
            return ReviewGiven(**self._base(deal, actor), outcome=result, stage=deal.stage,
                               answers=dict(answers))

        return self._outcome(deal, "review", deal.stage, checks, make, raise_on_refusal)
