"""Declared moves (`moves:`): the machine built from them decides every move.

Without a `moves` section a playbook keeps the fixed model (forward one stage, win from
the last, lose from any, back to any earlier, reopen into the stage closed from); the
worked examples of the page "Modelling your process" are driven through allowed and
refused moves; the funnel and the win rate leave out an outcome not counted as lost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import Deal, Engine, Outcome, Playbook, Stakeholder, Status, load_playbook
from dealflow.analytics import funnel, win_rates
from dealflow.cli import app
from dealflow.engine import MoveArgs, event_adapter, mermaid, replay
from dealflow.errors import DocumentProblems, ImportProblems
from dealflow.playbook import dump_playbook, move_edges, parse_playbook
from dealflow.rules._cost import size_of
from dealflow.store import Store, export_jsonl, import_jsonl
from tests.conftest import LAB_PLAYBOOK, REPO

EXAMPLES = REPO / "docs" / "examples"
REVISION_1 = REPO / "playbooks" / "revisions" / "complex-b2b-1.0.0.yaml"
"""The bundled playbook as it was before it declared moves."""
NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def _engine(path: Path | str) -> Engine:
    return Engine(load_playbook(path), clock=lambda: NOW)


def _new(engine: Engine, amount: int = 1000, deal_id: str = "M-1") -> Deal:
    """A new deal with one person on its map, holding every role of the playbook."""
    deal = engine.create(deal_id=deal_id, title="T", account="A", owner="o", actor="t",
                         amount=amount).deal
    roles = tuple(role.id for role in engine.playbook.roles)
    return _ok(engine.add_stakeholder(deal, Stakeholder(id="p1", name="P", roles=roles),
                                      actor="t"))


def _ok(outcome: Outcome) -> Deal:
    assert outcome.ok, str(outcome.report)
    return outcome.deal


def _blocking(outcome: Outcome) -> list[str]:
    assert not outcome.ok
    assert outcome.events == ()
    return [check.id for check in outcome.report.blocking]


def _set(engine: Engine, deal: Deal, **facts: object) -> Deal:
    for name, value in facts.items():
        deal = _ok(engine.set_fact(deal, name, value, actor="t"))
    return deal


def _fixed_model(playbook: Playbook) -> set[tuple[str, str, str]]:
    """The moves of a playbook without `moves:`, written out independently."""
    stages = [stage.id for stage in playbook.stages]
    edges = {("advance", a, b) for a, b in zip(stages, stages[1:], strict=False)}
    edges.add(("win", stages[-1], "won"))
    edges |= {("lose", stage, "lost") for stage in stages}
    edges |= {("back", stages[i], stages[j]) for i in range(len(stages)) for j in range(i)}
    edges |= {("reopen", closed, stage) for closed in ("won", "lost") for stage in stages}
    return edges


def _machine_edges(engine: Engine) -> set[tuple[str, str, str]]:
    machine = engine._machine.machine  # the machine itself is what decides
    return {(name, str(t.source), str(t.dest)) for name, event in machine.events.items()
            for found in event.transitions.values() for t in found}


# -- without moves: the fixed model ------------------------------------------------------
@pytest.mark.parametrize("source", [REVISION_1, LAB_PLAYBOOK], ids=["bundled-1.0.0", "lab"])
def test_without_moves_the_machine_is_the_fixed_model(source: str | Path) -> None:
    engine = _engine(source)
    assert engine.playbook.moves is None
    assert _machine_edges(engine) == _fixed_model(engine.playbook)


def test_an_empty_moves_section_means_the_fixed_model(repo_root: Path) -> None:
    text = LAB_PLAYBOOK.read_text(encoding="utf-8") + "moves: {}\n"
    declared = parse_playbook(text, "lab-with-moves.yaml")
    assert declared.moves is not None
    assert [(e.kind, e.source, e.dest) for e in move_edges(declared)] == [
        (e.kind, e.source, e.dest) for e in move_edges(load_playbook(LAB_PLAYBOOK))]


@pytest.mark.parametrize("source", ["complex-b2b", LAB_PLAYBOOK], ids=["bundled", "lab"])
def test_without_moves_a_closed_deal_reopens_only_where_it_was_closed(
        source: str | Path) -> None:
    engine = _engine(source)
    deal = _new(engine)
    reason = engine.playbook.lost_reasons[0].id
    lost = _ok(engine.lose(deal, reason=reason, actor="t"))
    elsewhere = engine.playbook.stages[-1].id
    assert _blocking(engine.reopen(lost, actor="t", to=elsewhere)) == ["stage"]
    assert _ok(engine.reopen(lost, actor="t")).stage == deal.stage


# -- a forward-only pipeline -------------------------------------------------------------
@pytest.fixture
def forward() -> Engine:
    return _engine(EXAMPLES / "crm-forward-only.yaml")


def test_forward_only_moves_one_stage_at_a_time_and_never_back(forward: Engine) -> None:
    deal = _set(forward, _new(forward), contact_named=True)
    assert _blocking(forward.advance(deal, actor="t", to="proposal_sent")) == ["move"]
    deal = _ok(forward.advance(deal, actor="t"))
    refused = forward.move_back(deal, reason="oops", actor="t")
    assert _blocking(refused) == ["move"]
    assert "nowhere" in refused.report.blocking[0].text


def test_forward_only_loses_with_a_note_and_never_reopens(forward: Engine) -> None:
    deal = _new(forward)
    assert _blocking(forward.lose(deal, reason="price", actor="t")) == ["reason"]
    lost = _ok(forward.lose(deal, actor="t", note="They stopped answering"))
    assert (lost.status, lost.lost_reason, lost.lost_note) == (
        Status.lost, None, "They stopped answering")
    assert _blocking(forward.reopen(lost, actor="t")) == ["move"]


# -- a skip-allowed pipeline -------------------------------------------------------------
@pytest.fixture
def skipping() -> Engine:
    return _engine(EXAMPLES / "crm-skip-allowed.yaml")


def test_a_deal_skips_ahead_and_is_won_from_any_stage(skipping: Engine) -> None:
    deal = _new(skipping)
    skipped = _ok(skipping.advance(deal, actor="t", to="presentation"))
    assert skipped.stage == "presentation"
    assert _ok(skipping.win(deal, actor="t")).status is Status.won


def test_a_skip_to_the_contract_needs_a_confirmed_budget(skipping: Engine) -> None:
    deal = _new(skipping)
    assert _blocking(skipping.advance(deal, actor="t", to="contract_sent")) == [
        "budget_before_contract"]
    deal = _set(skipping, deal, budget_confirmed=True)
    assert _ok(skipping.advance(deal, actor="t", to="contract_sent")).stage == "contract_sent"


def test_a_skip_back_is_no_skip(skipping: Engine) -> None:
    deal = _ok(skipping.advance(_new(skipping), actor="t", to="presentation"))
    assert _blocking(skipping.advance(deal, actor="t", to="appointment")) == ["move"]


# -- close rules ---------------------------------------------------------------------------
@pytest.fixture
def rules() -> Engine:
    return _engine(EXAMPLES / "close-rules.yaml")


def _in(engine: Engine, stage: str, amount: int = 1000) -> Deal:
    deal = _new(engine, amount)
    while deal.stage != stage:
        deal = _ok(engine.advance(deal, actor="t"))
    return deal


def test_a_refused_loss_reports_every_failing_control_point(rules: Engine) -> None:
    deal = _in(rules, "offer", amount=30000)
    outcome = rules.lose(deal, reason="lost_to_rival", actor="t")
    assert _blocking(outcome) == ["rival_named", "details_over_25k"]
    assert "fact rival is not set" in outcome.report.blocking[0].missing


def test_a_loss_to_a_rival_with_the_rival_and_details_is_allowed(rules: Engine) -> None:
    deal = _set(rules, _in(rules, "offer", amount=30000), rival="Acme")
    lost = _ok(rules.lose(deal, reason="lost_to_rival", note="Cheaper", actor="t"))
    assert (lost.status, lost.lost_reason) == (Status.lost, "lost_to_rival")


@pytest.mark.parametrize(("stage", "sub", "refused"), [
    pytest.param("scoping", "frozen", [], id="early-with-sub-reason"),
    pytest.param("scoping", None, [], id="early-without-sub-reason"),
    pytest.param("offer", "frozen", ["reason"], id="too-late-for-the-reason"),
    pytest.param("scoping", "frozn", ["sub_reason"], id="unknown-sub-reason"),
])
def test_lost_reasons_are_limited_to_stages_and_have_sub_reasons(
        rules: Engine, stage: str, sub: str | None, refused: list[str]) -> None:
    outcome = rules.lose(_in(rules, stage), reason="no_budget", sub_reason=sub, actor="t")
    if refused:
        assert _blocking(outcome) == refused
    else:
        assert _ok(outcome).lost_sub_reason == sub


@pytest.mark.parametrize(("to", "reason", "refused"), [
    pytest.param("scoping", "scope_change", [], id="reason-from-the-list"),
    pytest.param("scoping", "felt like it", ["reversal_reason"], id="reason-off-the-list"),
    pytest.param("intake", "scope_change", ["move"], id="never-back-to-intake"),
])
def test_moving_back_needs_a_listed_reason_and_never_reaches_intake(
        rules: Engine, to: str, reason: str, refused: list[str]) -> None:
    outcome = rules.move_back(_in(rules, "offer"), reason=reason, to=to, actor="t")
    if refused:
        assert _blocking(outcome) == refused
    else:
        assert _ok(outcome).stage == to


def test_a_duplicate_is_closed_and_not_reopened(rules: Engine) -> None:
    deal = _in(rules, "scoping")
    outcome = rules.close(deal, outcome="duplicate", note="Also M-7", actor="t")
    closed = _ok(outcome)
    assert (closed.status, closed.outcome, closed.is_closed) == (Status.closed, "duplicate", True)
    assert _blocking(rules.reopen(closed, actor="t")) == ["move"]
    assert _blocking(rules.close(deal, outcome="merged", actor="t")) == ["move"]


def test_only_a_lost_deal_reopens(rules: Engine) -> None:
    deal = _in(rules, "signing")
    won = _ok(rules.win(deal, actor="t"))
    assert _blocking(rules.reopen(won, actor="t")) == ["move"]
    lost = _ok(rules.lose(deal, reason="went_silent", actor="t"))
    assert _ok(rules.reopen(lost, actor="t")).status is Status.open


def test_the_deal_is_the_replay_of_its_moves(rules: Engine) -> None:
    created = rules.create(deal_id="M-9", title="T", account="A", owner="o", actor="t")
    events = list(created.events)
    deal = created.deal
    for step in (lambda d: rules.advance(d, actor="t"),
                 lambda d: rules.lose(d, reason="no_budget", sub_reason="frozen", actor="t"),
                 lambda d: rules.reopen(d, actor="t"),
                 lambda d: rules.close(d, outcome="duplicate", actor="t")):
        outcome = step(deal)
        deal = _ok(outcome)
        events.extend(outcome.events)
    read_back = [event_adapter.validate_json(event_adapter.dump_json(e)) for e in events]
    assert replay(read_back, rules.playbook) == deal


# -- the examples are sound, and the figures leave a duplicate out of lost ----------------
@pytest.mark.parametrize("name", ["crm-forward-only", "crm-skip-allowed", "close-rules"])
def test_each_example_is_sound(name: str, runner: CliRunner) -> None:
    path = EXAMPLES / f"{name}.yaml"
    result = runner.invoke(app, ["validate", "--deep", "--examples", "30", str(path)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'moves.db'}") as store:
        playbook = load_playbook(EXAMPLES / "close-rules.yaml")
        store.register_playbook(playbook)
        for deal_id, close in (("D-lost", "lose"), ("D-dup", "close"), ("D-won", "win")):
            store.create(playbook=playbook, deal_id=deal_id, title="T", account="A",
                         owner="o", actor="t", amount=Decimal(100))
            store.apply(deal_id, lambda e, d: e.add_stakeholder(
                d, Stakeholder(id="p1", name="P", roles=("sponsor",)), actor="t"))
            if close == "win":
                for _ in playbook.stages[1:]:
                    store.apply(deal_id, lambda e, d: e.advance(d, actor="t"))
            store.apply(deal_id, {
                "lose": lambda e, d: e.lose(d, reason="went_silent", actor="t"),
                "close": lambda e, d: e.close(d, outcome="duplicate", actor="t"),
                "win": lambda e, d: e.win(d, actor="t")}[close])
        yield store


def test_a_duplicate_counts_as_neither_won_nor_lost(stored: Store) -> None:
    assert stored.get("D-dup").status is Status.closed
    rates = win_rates(stored, playbook="close-rules")
    assert (rates.overall.won, rates.overall.lost) == (1, 1)
    layers = {layer.stage: layer for layer in funnel(stored, playbook="close-rules").stages}
    assert layers["intake"].lost == {"went_silent": 1}



# -- the diagram draws the machine ---------------------------------------------------------
def _drawn(text: str) -> set[tuple[str, str, str]]:
    found = re.findall(r"^\s*(\w+) --> (\w+): (\w+)", text, flags=re.MULTILINE)
    return {(kind, source, dest) for source, dest, kind in found}


@pytest.mark.parametrize("name", ["crm-forward-only", "crm-skip-allowed", "close-rules"])
def test_the_diagram_draws_every_move_of_the_machine(name: str) -> None:
    engine = _engine(EXAMPLES / f"{name}.yaml")
    declared = engine.playbook.moves.model_fields_set if engine.playbook.moves else set()
    expected = {edge for edge in _machine_edges(engine)
                if edge[0] not in ("back", "reopen") or edge[0] in declared}
    assert _drawn(mermaid(engine.playbook)) == expected


def test_each_move_of_the_diagram_is_labelled_with_its_control_points() -> None:
    text = mermaid(load_playbook(EXAMPLES / "close-rules.yaml"))
    assert "offer --> lost: lose [rival_named & details_over_25k]" in text
    assert "signing --> scoping: back [reversal_reason]" in text
    assert "scoping --> duplicate: close\n" in text
    assert "--> intake: back" not in text


# -- `move` in the rule vocabulary and the cost model ----------------------------------------
def test_a_move_is_paid_for_by_its_fields() -> None:
    short, long = MoveArgs("lose", "lost", note="x"), MoveArgs("lose", "lost", note="x" * 5000)
    assert size_of(long) - size_of(short) == 4999


def test_only_a_moves_control_points_may_use_move() -> None:
    text = LAB_PLAYBOOK.read_text(encoding="utf-8").replace(
        "when: facts.use_case_named", "when: move.kind == 'advance'")
    with pytest.raises(DocumentProblems, match="unknown name 'move'"):
        parse_playbook(text, "lab-move-in-a-stage-gate.yaml")


def test_closed_deals_export_and_import_as_they_were(stored: Store, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    with backup.open("w", encoding="utf-8") as out:
        export_jsonl(stored, out)
    with Store(f"sqlite:///{tmp_path / 'restored.db'}") as restored:
        import_jsonl(restored, backup)
        for deal_id in ("D-lost", "D-dup", "D-won"):
            assert restored.get(deal_id) == stored.get(deal_id)


def test_an_import_refuses_an_outcome_its_playbook_does_not_have(
        stored: Store, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    with backup.open("w", encoding="utf-8") as out:
        export_jsonl(stored, out, "D-dup")
    backup.write_text(backup.read_text(encoding="utf-8").replace(
        '"outcome":"duplicate"', '"outcome":"merged"'), encoding="utf-8")
    with Store(f"sqlite:///{tmp_path / 'other.db'}") as other, pytest.raises(
            ImportProblems, match="unknown outcome 'merged'"):
        import_jsonl(other, backup)


@pytest.mark.parametrize("name", ["crm-forward-only", "crm-skip-allowed", "close-rules"])
def test_a_playbook_with_moves_round_trips_through_yaml(name: str) -> None:
    playbook = load_playbook(EXAMPLES / f"{name}.yaml")
    assert parse_playbook(dump_playbook(playbook), f"{name}.yaml") == playbook
