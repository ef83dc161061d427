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
    with Store(url, playbook=default_playbook()) as store:
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
    from dealflow.deal import Stakeholder

    actor = str(s.DEAL["owner"])
    today = utc_date(store.clock())
    if isinstance(step, s.Fact):
        value = step.value if step.days_from_today is None else (
            today + dt.timedelta(days=step.days_from_today))
        _apply(store, lambda e, d: e.set_fact(d, step.name, value, actor=actor))
        _step("fact", f"{step.name} = {show(value)}")
    elif isinstance(step, s.Person):
        person = Stakeholder(
            id=step.id, name=step.name, title=step.title, roles=step.roles,
            stance=step.stance, influence=step.influence, org_win=step.org_win,
            personal_win=step.personal_win,
            last_contact=today - dt.timedelta(days=step.contact_days_ago))
        _apply(store, lambda e, d: e.add_stakeholder(d, person, actor=actor))
        _step("person", f"{step.name}, {step.title}: {', '.join(step.roles)}, {step.stance}, "
              f"{step.influence} influence")
    elif isinstance(step, s.Rate):
        _apply(store, lambda e, d: e.update_stakeholder(d, step.id, actor=actor,
                                                       **step.changes))
        changed = ", ".join(f"{key} {value}" for key, value in step.changes.items())
        _step("rate", f"{step.id}: {changed} ({step.why})")
    elif isinstance(step, s.Item):
        _apply(store, lambda e, d: e.complete_item(d, step.id, evidence=step.evidence,
                                                  actor=actor))
        _step("done", step.id + (f" (evidence: {step.evidence})" if step.evidence else ""))
    elif isinstance(step, s.Advance):
        _advance(store, actor)
    elif isinstance(step, CommitmentStep):
        run_commitment(store, step, str(s.DEAL["deal_id"]), actor, _step)
    else:
        _show(store, step.what)


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
                    f"{program} events {deal_id}{db}",
                    f"{program} checklist {deal_id}{db} --format html -o deal.html",
                    f"{program} deal list{db}"):
        # one line each, however narrow the terminal: copied, it runs as printed
        console.print(Text(f"  {command}", style="cyan"), soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `dealflow demo` to `app`."""
    app.command()(guarded(demo))
