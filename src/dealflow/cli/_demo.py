"""`dealflow demo`: a tender walked through the default playbook, in a fresh database."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from dealflow.cli._output import console, guarded
from dealflow.cli._store import default_playbook, sqlite_path
from dealflow.errors import DealflowError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.cli._demo_story import Step
    from dealflow.engine import Outcome
    from dealflow.store import Store

DEMO_FILE = "dealflow-demo.db"


def demo(db: Annotated[str | None, typer.Option(
        "--db", metavar="URL", show_default=False,
        help=f"Database URL (default: a fresh {DEMO_FILE} here, replacing an old one).")
        ] = None) -> None:
    """Walk a sample tender through the default playbook, in a demo database."""
    from dealflow.cli._demo_story import CHAPTERS, DEAL
    from dealflow.errors import DealNotFound
    from dealflow.store import Store

    url = db or f"sqlite:///{DEMO_FILE}"
    if db is None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(DEMO_FILE + suffix).unlink(missing_ok=True)
    with Store(url, playbook=default_playbook(), team=_team()) as store:
        try:
            store.get(DEAL["deal_id"])
        except DealNotFound:
            pass
        else:
            raise DealflowError(f"the demo deal {DEAL['deal_id']} is already in {url}; "
                                "point --db at a new database, or leave --db out")
        outcome = store.create(**DEAL)
        _say(Text.assemble("Created ", (outcome.deal.id, "bold"), f": {outcome.deal.title}, "
                           f"{outcome.deal.amount:,.0f} {outcome.deal.currency}, for "
                           f"{outcome.deal.account}."))
        for chapter in CHAPTERS:
            _heading(chapter.title)
            _say(chapter.text)
            for step in chapter.steps:
                _run(store, step)
        deal_id = str(DEAL["deal_id"])
        _explore(url, deal_id, sqlite_path(url), len(store.events(deal_id)))


def _team() -> Any:
    from dealflow.cli._demo_story import TEAM
    from dealflow.deal import Team, TeamMember

    return Team(people=tuple(TeamMember(id=pid, name=name, roles=roles)
                             for pid, name, roles in TEAM))


def _heading(title: str) -> None:
    from rich.rule import Rule

    console.print()
    console.print(Rule(Text(title, style="bold"), align="left"))


def _say(message: Text | str, style: str = "") -> None:
    console.print(message if isinstance(message, Text) else Text(message, style=style),
                  soft_wrap=False)


def _step(verb: str, detail: str, style: str = "cyan") -> None:
    from rich.table import Table

    line = Table.grid(padding=(0, 1))
    line.add_column(width=1)
    line.add_column(width=7, style=style, no_wrap=True)
    line.add_column(overflow="fold")
    line.add_row("", Text(verb), Text(detail))
    console.print(line, soft_wrap=False)


def _apply(store: Store, operation: Any) -> Outcome:
    from dealflow.cli._demo_story import DEAL

    outcome: Outcome = store.apply(DEAL["deal_id"], operation)
    return outcome.raise_for_refusal()


def _run(store: Store, step: Step) -> None:  # noqa: C901 - one branch per kind of step
    from dealflow._days import utc_date
    from dealflow.cli import _demo_story as s
    from dealflow.cli._demo_commitments import CommitmentStep, run_commitment
    from dealflow.cli._views import show
    from dealflow.deal import Stakeholder, Win

    actor = str(s.DEAL["owner"])
    today = utc_date(store.clock())
    if isinstance(step, s.Fact):
        value = step.value if step.days_from_today is None else (
            today + dt.timedelta(days=step.days_from_today))
        backing = _evidence(step, today)
        _apply(store, lambda e, d: e.set_fact(d, step.name, value, actor=actor,
                                              evidence=backing))
        _step("fact", f"{step.name} = {show(value)}" + (
            f" (confirmed by {step.confirmed_by}: {step.evidence})" if backing else ""))
    elif isinstance(step, s.Verify):
        _apply(store, lambda e, d: e.verify_fact(d, step.name, by=step.by, note=step.note,
                                                 actor=step.by))
        _step("verify", f"{step.name} checked by {step.by} ({step.note})")
    elif isinstance(step, s.Waive):
        _apply(store, lambda e, d: e.waive(d, step.gate, person=step.person, role=step.role,
                                           reason=step.reason, actor=step.person))
        _step("waive", f"{step.gate} by {step.person} ({step.role}): {step.reason}", "magenta")
    elif isinstance(step, s.Person):
        person = Stakeholder(
            id=step.id, name=step.name, title=step.title, roles=step.roles,
            stance=step.stance, influence=step.influence, org=step.org, owner=step.owner,
            org_wins=(Win(text=step.org_win),), personal_wins=(Win(text=step.personal_win),),
            last_contact=today - dt.timedelta(days=step.contact_days_ago))
        _apply(store, lambda e, d: e.add_stakeholder(d, person, actor=actor))
        _step("person", f"{step.name}, {step.title}: {', '.join(step.roles)}, {step.stance}, "
              f"{step.influence} influence")
    elif isinstance(step, s.Rate):
        _apply(store, lambda e, d: e.update_stakeholder(d, step.id, actor=actor,
                                                       **step.changes))
        changed = ", ".join(f"{key} {value}" if "wins" not in key else f"{key} addressed"
                            for key, value in step.changes.items())
        _step("rate", f"{step.id}: {changed} ({step.why})")
    elif isinstance(step, s.Item):
        _apply(store, lambda e, d: e.complete_item(d, step.id, evidence=step.evidence,
                                                  actor=actor))
        _step("done", step.id + (f" (evidence: {step.evidence})" if step.evidence else ""))
    elif isinstance(step, s.Advance):
        _advance(store, actor)
    elif isinstance(step, s.Approve):
        _apply(store, lambda e, d: e.approve(d, step.approval, by=step.by, note=step.note))
        _step("approve", f"{step.approval} by {step.by} ({step.note})", "bold green")
    elif isinstance(step, CommitmentStep):
        run_commitment(store, step, str(s.DEAL["deal_id"]), actor, _step)
    elif isinstance(step, s.Show):
        _show(store, step.what)
    else:
        _run_chain(store, step, actor)


def _run_chain(store: Store, step: Step, actor: str) -> None:
    """The steps of the decision chain: organisations, lines, competitors, scores."""
    from dealflow.cli import _demo_story as s
    from dealflow.deal import Competitor, Link, Organisation

    if isinstance(step, s.Org):
        org = Organisation(id=step.id, name=step.name, kind=step.kind)
        _apply(store, lambda e, d: e.set_organisation(d, org, actor=actor))
        _step("org", f"{step.name} ({step.kind})")
    elif isinstance(step, s.Line):
        line = Link(kind=step.kind, source=step.source, target=step.target,
                    strength=step.strength)
        _apply(store, lambda e, d: e.link(d, line, actor=actor))
        _step("line", f"{step.source} {step.kind.replace('_', ' ')} {step.target}")
    elif isinstance(step, s.Rival):
        rival = Competitor(id=step.id, name=step.name, incumbent=step.incumbent,
                           strengths=step.strengths, positions=step.positions,
                           preferred_by=step.preferred_by)
        _apply(store, lambda e, d: e.set_competitor(d, rival, actor=actor))
        where = ", ".join(f"{k} {v}" for k, v in step.positions.items())
        _step("rival", f"{step.name}{' (incumbent)' if step.incumbent else ''}: {where}")
    elif isinstance(step, s.Score):
        _apply(store, lambda e, d: e.score(d, step.criterion, step.level, actor=actor,
                                          evidence=step.evidence))
        _step("score", f"{step.criterion} = {step.level}")


def _evidence(step: Any, today: dt.date) -> Any:
    """The evidence of a demo fact, dated today; None for a bare value."""
    from dealflow.deal import Evidence

    if step.evidence is None:
        return None
    return Evidence(evidence=step.evidence, source=step.source, confirmed_by=step.confirmed_by,
                    on=today)


def _advance(store: Store, actor: str) -> None:
    from dealflow.cli import _views as v
    from dealflow.cli._demo_story import DEAL

    outcome = store.apply(DEAL["deal_id"], lambda e, d: e.advance(d, actor=actor))
    report = outcome.report
    if not outcome.ok:
        _step("advance", f"{report.stage} -> {report.target}: refused, because", "bold red")
        v.out(console, v.report_table(report, passed=False))
        console.print()
        return
    _step("advance", f"{report.stage} -> {outcome.deal.stage}", "bold green")
    for check in report.warnings:
        _step("", f"(warning, not blocking: {check.id})", "yellow")


def _show(store: Store, what: str) -> None:
    from dealflow.cli import _views as v
    from dealflow.cli._demo_story import DEAL
    from dealflow.sop import build_checklist, render_checklist
    from dealflow.stakeholders import analyse_stakeholders, recommend_plays

    deal = store.get(DEAL["deal_id"])
    playbook, now = store.engine_for(deal).playbook, store.clock()
    if what == "map":
        smap = analyse_stakeholders(playbook, deal, now=now)
        v.out(console, v.people_table(deal.stakeholders), v.coverage_table(smap),
              v.flags_table(smap.red_flags))
    elif what == "plays":
        v.out(console, v.plays_table(recommend_plays(playbook, deal, now=now)))
    elif what == "health":
        from dealflow.analytics import deal_health

        health = deal_health(playbook, deal, now=now)
        _step("health", f"{health.score} of 100", "bold")
        for factor in health.factors:
            _step("", f"{factor.name} {factor.value:.0%}: {factor.reason}")
    else:
        from rich.markdown import Markdown

        sheet = build_checklist(playbook, deal, now=now)
        console.print()
        console.print(Markdown(render_checklist(sheet, "md")), soft_wrap=False)


def _program() -> str:
    """How to run this dealflow again from the current folder (a path, not yet quoted).

    `dealflow` when that name on PATH is the program running now; else the path it was
    started by, as typed (`.venv/bin/dealflow` after the README's first command, whose
    venv is not activated); else (started some other way, such as a test runner) the
    `dealflow` script installed beside this Python.
    """
    import shutil
    import sys
    import sysconfig

    started = sys.argv[0] if sys.argv else ""
    if Path(started).name != "dealflow":
        installed = Path(sysconfig.get_path("scripts")) / "dealflow"
        if not installed.exists():
            return "dealflow"
        started = str(installed)
    on_path = shutil.which("dealflow")
    if on_path is not None and _same_file(on_path, started):
        return "dealflow"
    if os.sep not in started and (os.altsep is None or os.altsep not in started):
        started = os.curdir + os.sep + started  # a bare name would be looked up on PATH
    return started


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _explore(url: str, deal_id: str, path: Path | None, events: int) -> None:
    import shlex

    where = str(path.resolve()) if path is not None else url
    started = _program()
    program, db = shlex.quote(started), f" --db {shlex.quote(url)}"
    _heading("Explore it yourself")
    _say(f"The deal and its {events} events are in {where}")
    relative = started != "dealflow" and not Path(started).is_absolute()
    if relative or (path is not None and not path.is_absolute()):
        _say("Run these commands from this folder (their paths are relative to it):")
    for command in (f"{program} deal show {deal_id}{db}",
                    f"{program} stakeholder list {deal_id}{db}",
                    f"{program} map {deal_id}{db}",
                    f"{program} events {deal_id}{db}",
                    f"{program} checklist {deal_id}{db} --format html -o deal.html",
                    f"{program} deal list{db}"):
        # one line each, however narrow the terminal: copied, it runs as printed
        console.print(Text(f"  {command}", style="cyan"), soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `dealflow demo` to `app`."""
    app.command()(guarded(demo))
