"""Deep checks of a playbook, built on generated deals.

`deep_check(playbook)` runs, with hypothesis and a fixed seed:

- DF201 every rule evaluates without error on every generated deal;
- DF202 every checklist renders in every format and locale;
- DF203 every stage has a deal that passes its blocking gates (found by search);
- DF204 every gate fails for some deal (a gate that never fails checks nothing);
- DF205 a deal that satisfies every gate can be driven from the first stage to won;
- DF206 moves are deterministic (the same deal and operation give the same result).

A failing check carries the shrunk deal as YAML that can be pasted into a deal file.
Whatever a rule or a text does on a generated deal (fail, pass a limit of the sandbox) is
a finding; should a check itself stop, `deep_check` raises a `DealflowError` saying which
and why, never hypothesis' own report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from dealflow._messages import N_, _, use_locale
from dealflow.deal import Deal, ItemCompletion, Stakeholder
from dealflow.engine import Engine, RuleContext
from dealflow.errors import DealflowError, RuleDataError, RuleEvalError
from dealflow.playbook import Expectation, Fact, Gate, Playbook, Stage
from dealflow.rules import Rule
from dealflow.sop import build_checklist, render_checklist, render_item_text
from dealflow.testing._commitment_strategies import favourable_commitments
from dealflow.testing._evidence_strategies import favourable_provenance
from dealflow.testing._running import STOPS, stopping_clearly, strategies_alone, why
from dealflow.testing._strategies import deals, fact_values, hostile_text
from dealflow.testing._team_history import CHECKER, full_team, history_of
from dealflow.values import FactValue

__all__ = ["DEEP_CODES", "DeepFinding", "deep_check", "deal_yaml", "favourable_deals"]

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)

DEEP_CODES: dict[str, str] = {
    "DF201": N_("rule fails on some deals"),
    "DF202": N_("checklist does not render for some deals"),
    "DF203": N_("no deal passes the stage's gates"), "DF204": N_("gate never fails"),
    "DF205": N_("a deal meeting every gate cannot be driven to won"),
    "DF206": N_("moves are not deterministic"),
}


@dataclass(frozen=True)
class DeepFinding:
    """A deep-check failure, with the smallest deal that shows it (as YAML)."""

    code: str
    message: str
    where: str = ""
    witness: str | None = None

    def __str__(self) -> str:
        text = _("{code} error: {where}  {message}", **asdict(self))
        if self.witness:
            text += "\n    " + _("deal:") + "\n" + "\n".join(
                f"      {line}" for line in self.witness.splitlines())
        return text

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain data."""
        return {"code": self.code, "message": self.message, "where": self.where,
                "witness": self.witness}


def deal_yaml(deal: Deal) -> str:
    """A deal as the YAML of a deal file (paste it into a test)."""
    data = deal.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, database=None, derandomize=True, deadline=None,
                    suppress_health_check=list(HealthCheck),
                    phases=[Phase.generate, Phase.shrink])


def _rules(pb: Playbook) -> Iterator[tuple[str, Rule, bool, str | None]]:
    """(where, rule, per stakeholder, stage) for every rule of the playbook; the stage is
    the one whose deals the rule is evaluated for (None: deals in any stage)."""
    for stage in pb.stages:
        for gate in stage.gates:
            yield f"stages.{stage.id}.gates.{gate.id}", gate.when, False, stage.id
            if gate.applies_when is not None:
                yield (f"stages.{stage.id}.gates.{gate.id}.applies_when", gate.applies_when,
                       False, stage.id)
        for item in stage.items:
            if item.when is not None:
                yield f"stages.{stage.id}.items.{item.id}.when", item.when, False, stage.id
            if item.for_each is not None:
                yield (f"stages.{stage.id}.items.{item.id}.for_each", item.for_each, True,
                       stage.id)
    for play in pb.plays:
        yield f"plays.{play.id}", play.when, False, None
    for rule in pb.approval_rules:
        yield f"approval_rules.{rule.id}", rule.when, False, None
    yield from _timer_rules(pb)


def _timer_rules(pb: Playbook) -> Iterator[tuple[str, Rule, bool, str | None]]:
    """The rules of deal-dependent expectations, of the automation rules over open deals
    (the deals generated here are open) and of internal approvals."""
    for stage in pb.stages:
        if isinstance(stage.expected_days, Expectation):
            for c, case in enumerate(stage.expected_days.cases):
                yield f"stages.{stage.id}.expected_days.cases[{c}]", case.when, False, stage.id
    for automation in pb.automation:
        if automation.deals == "open":
            yield f"automation.{automation.id}", automation.when, False, None
    for approval in pb.approvals:
        if approval.when is not None:
            yield f"approvals.{approval.id}", approval.when, False, None


def _context(pb: Playbook, deal: Deal, *, amount_changed: bool = False) -> RuleContext:
    """The rule context of a generated deal, with our full team and a history it stands
    for (see `history_of`)."""
    versioned, events = history_of(deal, amount_changed=amount_changed)
    return RuleContext(pb, versioned, NOW, team=full_team(pb), history=events)


def _evaluate(pb: Playbook, rule: Rule, per_person: bool, deal: Deal) -> None:
    """Evaluate `rule` for `deal` (for each of its stakeholders when `per_person`)."""
    ctx = _context(pb, deal)
    if per_person:
        for person in deal.stakeholders:
            rule.evaluate(ctx.with_stakeholder(person))
    else:
        rule.evaluate(ctx)


def _rule_fails(pb: Playbook, rule: Rule, per_person: bool, deal: Deal) -> bool:
    try:
        _evaluate(pb, rule, per_person, deal)
    except RuleEvalError:  # any failure of the rule is the finding
        return True
    return False


UNFILLED = N_("an item text cannot be filled in for this deal")


def _unfilled(ctx: RuleContext, stage: Stage) -> str | None:
    """What is wrong with the item texts of `stage` for the deal of `ctx` (one that cannot
    be filled in, or one that passes a limit); None when every text renders."""
    pb = ctx.playbook
    try:
        for inst in ctx.item_instances(stage):
            for locale in pb.locales:
                with use_locale("en"):  # the note on a text not filled in, in English
                    text = render_item_text(pb.text(inst.item.text, locale), ctx, inst, locale)
                if "[could not fill in:" in text:
                    return _(UNFILLED)
    except DealflowError as exc:  # a text past a limit is the finding
        return _("an item text cannot be shown for this deal: {why}", why=why(exc))
    return None


def _unfilled_in(pb: Playbook, stage: Stage) -> Callable[[Deal], bool]:
    return lambda deal: _unfilled(_context(pb, deal), stage) is not None


def _render_fails(pb: Playbook, deal: Deal) -> str | None:
    """Why the checklist of `deal`'s stage fails to render, in some locale or format; None
    when it renders."""
    try:
        for locale in pb.locales:
            sheet = build_checklist(pb, deal, now=NOW, locale=locale)
            for fmt in ("md", "html", "json"):
                render_checklist(sheet, fmt)
    except DealflowError as exc:  # any failure to render is the finding
        return why(exc)
    return None


def _search(strategy: st.SearchStrategy[Deal], predicate: Callable[[Deal], bool],
            examples: int) -> Deal | None:
    try:
        return find(strategy, predicate, settings=_settings(examples))
    except (NoSuchExample, Unsatisfiable):
        return None
    except STOPS:  # the finding stands without its smallest deal
        return None


def _instances_done(pb: Playbook, deal: Deal) -> dict[str, ItemCompletion]:
    done: dict[str, ItemCompletion] = {}
    for stage in pb.stages:
        ctx = _context(pb, deal.model_copy(update={"stage": stage.id}))
        for inst in ctx.item_instances(stage):
            done[inst.id] = ItemCompletion(actor="check", at=NOW, evidence="ok", stage=stage.id)
    return done


def _favourable_values(fact: Fact) -> st.SearchStrategy[FactValue]:
    """Values of `fact`; numbers also as powers of ten, to clear thresholds such as
    `facts.budget > 100000` (generated numbers are mostly small)."""
    if fact.type not in ("int", "float"):
        return fact_values(fact)
    powers = st.integers(0, 9).map(lambda exponent: 10**exponent)
    return st.one_of(fact_values(fact), powers if fact.type == "int" else powers.map(float))


@st.composite
def favourable_deals(draw: st.DrawFn, playbook: Playbook, stage: str | None = None) -> Deal:
    """Deals that lean towards meeting the gates: facts set (numbers often large), roles
    covered by supporters, items done, a close date and an agreed close plan on time,
    from 0 to 400 days in the stage. Used to find
    witnesses that a stage can be passed."""
    base = draw(deals(playbook, stage=stage, now=NOW, with_commitments=False))
    facts = dict(base.facts)
    for fact in playbook.facts:
        if fact.type == "bool":
            facts[fact.id] = draw(st.sampled_from([True] * 9 + [False]))
        elif draw(st.integers(0, 9)) > 0:
            facts[fact.id] = draw(_favourable_values(fact))
    people = [
        Stakeholder(id=f"p-{role.id}", name=draw(hostile_text(min_size=1).filter(str.strip)),
                    roles=(role.id,),
                    stance=draw(st.sampled_from(["champion", "supporter", "champion", "neutral"])),
                    influence=draw(st.sampled_from(["high", "high", "medium", "low"])),
                    last_contact=NOW.date() - dt.timedelta(days=draw(st.integers(0, 10))))
        for role in playbook.roles if draw(st.integers(0, 6)) > 0
    ]
    waited = draw(st.one_of(st.just(3), st.integers(0, 400)))  # days in the stage
    deal = base.model_copy(update={"facts": facts, "stakeholders": tuple(people),
                                   "stage_entered_at": NOW - dt.timedelta(days=waited)})
    if draw(st.integers(0, 9)) > 1:
        deal = deal.model_copy(update={"items_done": _instances_done(playbook, deal)})
    deal = deal.model_copy(update={"provenance": draw(favourable_provenance(playbook, deal))})
    return favourable_commitments(playbook, deal, NOW)


@dataclass
class _Sweep:
    rule_failures: dict[str, tuple[Rule, bool, str | None]] = field(default_factory=dict)
    unfilled: Stage | None = None  # a stage with an item text that cannot be filled in
    unrendered: Deal | None = None  # a deal whose checklist does not render
    gate_failed: set[str] = field(default_factory=set)


def _sweep_context(pb: Playbook, deal: Deal, now: dt.datetime) -> RuleContext:
    """`_context` for the sweep: a deal with nothing on it (the blank deal of the gate
    check) stands for one whose amount just changed, so that a gate asking for an
    unchanged amount is seen to fail."""
    return _context(pb, deal, amount_changed=not deal.facts and not deal.stakeholders)


def _sweep(pb: Playbook, examples: int) -> _Sweep:
    seen = _Sweep()
    rules = list(_rules(pb))
    # `run` reads its contexts through this name: hypothesis derives its fixed seed from
    # the source of `run`, so the body stays as it was
    RuleContext = _sweep_context  # noqa: N806

    @given(deal=deals(pb, now=NOW))
    @_settings(examples)
    def run(deal: Deal) -> None:
        # the deal in every stage: the rules and items of a stage only ever see deals there
        placed = {stage.id: deal.model_copy(update={"stage": stage.id}) for stage in pb.stages}
        for where, rule, per_person, stage_id in rules:
            here = placed[stage_id] if stage_id else deal
            if where not in seen.rule_failures and _rule_fails(pb, rule, per_person, here):
                seen.rule_failures[where] = (rule, per_person, stage_id)
        if seen.unrendered is None and _render_fails(pb, deal):
            seen.unrendered = deal
        for stage in pb.stages:
            ctx = RuleContext(pb, placed[stage.id], NOW)
            if seen.unfilled is None and _unfilled(ctx, stage):
                seen.unfilled = stage
            # A gate can fail for this deal, or for the same deal with nothing done yet (no
            # people mapped, no facts, no items): generated maps are often rich enough to
            # hide a gate's failing case, such as an approver missing on a large deal.
            blank = RuleContext(pb, deal.model_copy(update={
                "stage": stage.id, "stakeholders": (), "facts": {}, "items_done": {}}), NOW)
            for gate in stage.gates:
                if gate.id not in seen.gate_failed and not (
                        _gate_holds(ctx, gate) and _gate_holds(blank, gate)):
                    seen.gate_failed.add(gate.id)

    with stopping_clearly(pb, _("that every rule evaluates and every checklist renders")):
        run()
    return seen


def _gate_holds(ctx: RuleContext, gate: Gate) -> bool:
    """Whether `gate` lets the deal of `ctx` through, as the engine decides: it does not
    apply, or it holds (a condition of when it applies that fails, fails the gate)."""
    if gate.applies_when is not None:
        try:
            if not gate.applies_when.evaluate(ctx):
                return True
        except RuleEvalError:
            return False
    return ctx.holds(gate.when)


def _stage_passes(pb: Playbook, stage_id: str, deal: Deal) -> bool:
    ctx = _context(pb, deal.model_copy(update={"stage": stage_id}))
    stage = pb.stage(stage_id)
    return all(_gate_holds(ctx, g) for g in stage.gates if g.severity == "block") and all(
        ctx.covered(role) for role in stage.required_roles)


def _drive(pb: Playbook, deal: Deal) -> str | None:
    """None when `deal`, put in the first stage, can be advanced to won; else why not.

    The deal advances stage by stage, and is won from the first stage the playbook's
    moves let it be won from. It spends as long in every stage as `deal` had spent in
    its own stage: that is how long it had been in each stage when it was found to meet
    the stage's gates.
    """
    current, events = history_of(deal.model_copy(update={"stage": pb.stages[0].id,
                                                          "status": "open"}))
    engine = Engine(pb, clock=lambda: NOW, team=full_team(pb), history=lambda _deal: events)
    for stage in pb.stages:
        for approval in pb.approvals:  # every approval given just before the move
            given = engine.approve(current, approval.id, by=CHECKER, note="ok")
            current = given.deal if given.ok else current
            events.extend(given.events)
        if engine.allowed_targets(current, "win"):
            outcome = engine.win(current, actor=CHECKER)
            return None if outcome.ok else str(outcome.report)
        if stage is pb.stages[-1]:
            return _("no move of the playbook wins a deal from {stage}", stage=stage.id)
        outcome = engine.advance(current, actor=CHECKER)
        if not outcome.ok:
            return str(outcome.report)
        events.extend(outcome.events)
        current = outcome.deal.model_copy(update={"stage_entered_at": deal.stage_entered_at})
    return None


def deep_check(playbook: Playbook, *, examples: int = 100) -> list[DeepFinding]:
    """Run every deep check; an empty list means the playbook passed them all."""
    with strategies_alone():
        try:
            return _deep_check(playbook, examples)
        except DealflowError:
            raise
        except STOPS as exc:  # reported in words
            raise DealflowError(_("{id} {version}: the deep checks stopped: {why}",
                                  id=playbook.id, version=playbook.version,
                                  why=why(exc))) from None


def _deep_check(playbook: Playbook, examples: int) -> list[DeepFinding]:
    findings: list[DeepFinding] = []
    seen = _sweep(playbook, examples)
    for where, (rule, per_person, stage_id) in seen.rule_failures.items():
        witness = _search(deals(playbook, stage=stage_id, now=NOW),
                          _fails_with(playbook, rule, per_person), examples)
        error = _error_of(playbook, rule, per_person, witness) if witness else ""
        findings.append(DeepFinding("DF201", _("rule {rule!r} fails: {error}", rule=rule.source,
                                               error=error), where,
                                    deal_yaml(witness) if witness else None))
    findings.extend(_render_findings(playbook, seen, examples))
    for stage in playbook.stages:
        for gate in stage.gates:
            if gate.id not in seen.gate_failed:
                findings.append(DeepFinding("DF204", _("gate {gate} passed for every generated "
                                                       "deal: it checks nothing", gate=gate.id),
                                            f"stages.{stage.id}.gates.{gate.id}"))
    findings.extend(_witness_findings(playbook, examples))
    return findings


def _render_findings(pb: Playbook, seen: _Sweep, examples: int) -> list[DeepFinding]:
    findings = []
    if seen.unfilled is not None:
        stage = seen.unfilled
        witness = _search(deals(pb, stage=stage.id, now=NOW), _unfilled_in(pb, stage), examples)
        problem = _unfilled(_context(pb, witness), stage) if witness else None
        findings.append(DeepFinding("DF202", problem or _(UNFILLED), f"stages.{stage.id}",
                                    deal_yaml(witness) if witness else None))
    if seen.unrendered is not None:
        deal = seen.unrendered
        findings.append(DeepFinding("DF202", _("the checklist does not render for this deal: "
                                               "{why}", why=_render_fails(pb, deal)),
                                    f"stages.{deal.stage}",
                                    deal_yaml(deal)))
    return findings


def _fails_with(pb: Playbook, rule: Rule, per_person: bool) -> Callable[[Deal], bool]:
    return lambda deal: _rule_fails(pb, rule, per_person, deal)


def _error_of(pb: Playbook, rule: Rule, per_person: bool, deal: Deal) -> str:
    try:
        _evaluate(pb, rule, per_person, deal)
    except RuleDataError as exc:  # Python's error on the data, as it names it
        return str(exc)
    except RuleEvalError as exc:
        return f"{type(exc).__name__}: {exc}"
    return _("no error on the shrunk deal")


def _witnesses(pb: Playbook, examples: int) -> tuple[set[str], Deal | None]:
    """Stages passed by some favourable deal, and a deal that passes every stage."""
    passed: set[str] = set()
    everything: list[Deal] = []

    @given(deal=favourable_deals(pb))
    @settings(max_examples=examples, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def run(deal: Deal) -> None:
        passing = {stage.id for stage in pb.stages if _stage_passes(pb, stage.id, deal)}
        passed.update(passing)
        if not everything and len(passing) == len(pb.stages):
            everything.append(deal)

    with stopping_clearly(pb, _("that every stage can be passed")):
        run()
    return passed, everything[0] if everything else None


def _witness_findings(pb: Playbook, examples: int) -> list[DeepFinding]:
    findings = []
    passed, everything = _witnesses(pb, examples)
    for stage in pb.stages:
        if stage.id not in passed:
            findings.append(DeepFinding("DF203", _("no generated deal passes the blocking "
                                                   "gates of {stage}", stage=stage.id),
                                        f"stages.{stage.id}"))
    if everything is None:
        return findings
    why = _drive(pb, everything)
    if why is not None:
        findings.append(DeepFinding("DF205", why, "stages", deal_yaml(everything)))
    engine_a, engine_b = Engine(pb, clock=lambda: NOW), Engine(pb, clock=lambda: NOW)
    first = everything.model_copy(update={"stage": pb.stages[0].id})
    one, two = engine_a.advance(first, actor="x"), engine_b.advance(first, actor="x")
    if one.deal != two.deal or one.report != two.report:
        findings.append(DeepFinding("DF206", _("advancing the same deal twice gave two results"),
                                    "stages", deal_yaml(first)))
    return findings
