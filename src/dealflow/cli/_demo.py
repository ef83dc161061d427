"""`dealflow demo`: a tender walked through a bundled playbook, in a fresh database.

The story of each playbook (`STORIES`) is told in the languages it is written in: the
default playbook's in English (`_demo_story`), the tender playbook's in Chinese and English
(`_demo_tender`). The demo's own words go through the message catalogue.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from dealflow._messages import _, current_locale, use_locale
from dealflow._resources import DEFAULT_PLAYBOOK
from dealflow.cli._output import console, guarded
from dealflow.cli._store import sqlite_path
from dealflow.cli._views import word
from dealflow.errors import DealflowError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.cli._demo_story import Step
    from dealflow.cli._demo_tender import TenderStep
    from dealflow.engine import GateReport, Outcome
    from dealflow.playbook import Playbook
    from dealflow.store import Store

DEMO_FILE = "dealflow-demo.db"
STORIES = {DEFAULT_PLAYBOOK: ("en", "zh"), "tender-cn": ("zh", "en")}
"""The bundled playbooks with a demo story, and the languages each story is told in
(the first: the playbook's default locale)."""


@dataclass(frozen=True)
class Story:
    """What the demo walks through: the deal, our team (id, name, roles), the chapters, in
    one language."""

    playbook: str
    lang: str
    deal: Mapping[str, Any]
    team: tuple[tuple[str, str, tuple[str, ...]], ...]
    chapters: tuple[Any, ...]

    @property
    def deal_id(self) -> str:
        """The id of the demo deal."""
        return str(self.deal["deal_id"])

    @property
    def actor(self) -> str:
        """Who makes the story's changes: the deal's owner."""
        return str(self.deal["owner"])


def demo(db: Annotated[str | None, typer.Option(
        "--db", metavar="URL", show_default=False,
        help=f"Database URL (default: a fresh {DEMO_FILE} here, replacing an old one).")
        ] = None,
         playbook: Annotated[str, typer.Option(
             "--playbook", metavar="ID",
             help=f"The bundled playbook whose story to tell: {', '.join(STORIES)}.")
         ] = DEFAULT_PLAYBOOK,
         lang: Annotated[str | None, typer.Option(
             "--lang", show_default=False,
             help="The language of the story (default: $DEALFLOW_LANG when the story is "
             "told in it, else the playbook's first locale).")] = None) -> None:
    """Walk a sample tender through a bundled playbook, in a demo database."""
    story = _story(playbook, lang)
    with use_locale(story.lang):
        _tell(story, db)


def _story(playbook: str, lang: str | None) -> Story:
    """The story of `playbook` in `lang`; a usage error for a playbook without a story or a
    language it is not told in."""
    if playbook not in STORIES:
        raise typer.BadParameter(_("no demo story for {playbook}; choose one of {stories}",
                                   playbook=repr(playbook), stories=", ".join(STORIES)),
                                 param_hint="--playbook")
    languages = STORIES[playbook]
    if lang is not None and lang not in languages:
        raise typer.BadParameter(_("the {playbook} story is told in {languages}",
                                   playbook=playbook, languages=", ".join(languages)),
                                 param_hint="--lang")
    told_in = current_locale()  # DEALFLOW_LANG
    chosen = lang or (told_in if told_in in languages else languages[0])
    if playbook == "tender-cn":
        from dealflow.cli._demo_tender import tender_story

        deal, team, chapters = tender_story(chosen)
        return Story(playbook, chosen, deal, team, chapters)
    from dealflow.cli._demo_story import CHAPTERS, DEAL, TEAM

    return Story(playbook, chosen, DEAL, TEAM, CHAPTERS)


def _tell(story: Story, db: str | None) -> None:
    from dealflow.errors import DealNotFound
    from dealflow.playbook import load_playbook
    from dealflow.store import Store

    url = db or f"sqlite:///{DEMO_FILE}"
    if db is None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(DEMO_FILE + suffix).unlink(missing_ok=True)
    with Store(url, playbook=load_playbook(story.playbook), team=_team(story)) as store:
        try:
            store.get(story.deal_id)
        except DealNotFound:
            pass
        else:
            raise DealflowError(_("the demo deal {deal} is already in {url}; point --db at a "
                                  "new database, or leave --db out",
                                  deal=story.deal_id, url=url))
        deal = store.create(**story.deal).deal
        amount = format(deal.amount, ",.0f")
        _say(_("Created {deal}: {title}, {amount} {currency}, for {account}.",
               deal=deal.id, title=deal.title, amount=amount, currency=deal.currency,
               account=deal.account))
        for chapter in story.chapters:
            _heading(chapter.title)
            _say(chapter.text)
            for step in chapter.steps:
                _run(store, story, step)
        _explore(url, story, sqlite_path(url), len(store.events(story.deal_id)))


def _team(story: Story) -> Any:
    from dealflow.deal import Team, TeamMember

    return Team(people=tuple(TeamMember(id=pid, name=name, roles=roles)
                             for pid, name, roles in story.team))


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


def _apply(store: Store, story: Story, operation: Any) -> Outcome:
    outcome: Outcome = store.apply(story.deal_id, operation)
    return outcome.raise_for_refusal()


def _run(store: Store, story: Story, step: Step | TenderStep) -> None:  # noqa: C901 - a branch per step
    from dealflow._days import utc_date
    from dealflow.cli import _demo_story as s
    from dealflow.cli._demo_commitments import CommitmentStep, run_commitment
    from dealflow.cli._demo_tender import TenderStep, run_tender_step
    from dealflow.cli._views import show
    from dealflow.deal import Stakeholder, Win

    actor = story.actor
    today = utc_date(store.clock())
    if isinstance(step, s.Fact):
        value = step.value if step.days_from_today is None else (
            today + dt.timedelta(days=step.days_from_today))
        backing = _evidence(step, today)
        _apply(store, story, lambda e, d: e.set_fact(d, step.name, value, actor=actor,
                                                     evidence=backing))
        confirmed = _(" (confirmed by {who}: {evidence})", who=step.confirmed_by,
                      evidence=step.evidence) if step.confirmed_by else _(
            " (evidence: {evidence})", evidence=step.evidence)
        _step(_("fact"), f"{step.name} = {show(value)}" + (confirmed if backing else ""))
    elif isinstance(step, s.Verify):
        _apply(store, story, lambda e, d: e.verify_fact(d, step.name, by=step.by,
                                                        note=step.note, actor=step.by))
        _step(_("verify"), _("{fact} checked by {who} ({note})", fact=step.name, who=step.by,
                             note=step.note))
    elif isinstance(step, s.Waive):
        _apply(store, story, lambda e, d: e.waive(d, step.gate, person=step.person,
                                                  role=step.role, reason=step.reason,
                                                  actor=step.person))
        _step(_("waive"), _("{gate} by {who} ({role}): {reason}", gate=step.gate,
                            who=step.person, role=step.role, reason=step.reason), "magenta")
    elif isinstance(step, s.Person):
        person = Stakeholder(
            id=step.id, name=step.name, title=step.title, roles=step.roles,
            stance=step.stance, influence=step.influence, org=step.org, owner=step.owner,
            org_wins=(Win(text=step.org_win),), personal_wins=(Win(text=step.personal_win),),
            last_contact=today - dt.timedelta(days=step.contact_days_ago))
        _apply(store, story, lambda e, d: e.add_stakeholder(d, person, actor=actor))
        _step(_("person"), _("{name}, {title}: {roles}, {stance}, {influence} influence",
                             name=step.name, title=step.title, roles=", ".join(step.roles),
                             stance=word(step.stance), influence=word(step.influence)))
    elif isinstance(step, s.Rate):
        _apply(store, story, lambda e, d: e.update_stakeholder(d, step.id, actor=actor,
                                                              **step.changes))
        changed = ", ".join(f"{word(key)} {word(str(value))}" if "wins" not in key else
                            _("{field} addressed", field=key)
                            for key, value in step.changes.items())
        _step(_("rate"), f"{step.id}: {changed} ({step.why})")
    elif isinstance(step, s.Item):
        _apply(store, story, lambda e, d: e.complete_item(d, step.id, evidence=step.evidence,
                                                         actor=actor))
        _step(_("done"), step.id + (_(" (evidence: {evidence})", evidence=step.evidence)
                                    if step.evidence else ""))
    elif isinstance(step, s.Advance):
        _move(store, story, "advance")
    elif isinstance(step, s.Approve):
        _apply(store, story, lambda e, d: e.approve(d, step.approval, by=step.by,
                                                    note=step.note))
        _step(_("approve"), _("{approval} by {who} ({note})", approval=step.approval,
                              who=step.by, note=step.note), "bold green")
    elif isinstance(step, CommitmentStep):
        run_commitment(store, step, story.deal_id, actor, _step)
    elif isinstance(step, TenderStep):
        run_tender_step(store, step, story.deal_id, actor, _step,
                        lambda kind: _move(store, story, kind))
    elif isinstance(step, s.Show):
        _show(store, story, step.what)
    else:
        _run_chain(store, story, step)


def _run_chain(store: Store, story: Story, step: Step | TenderStep) -> None:
    """The steps of the decision chain: organisations, lines, competitors, scores."""
    from dealflow.cli import _demo_story as s
    from dealflow.deal import Competitor, Link, Organisation

    actor = story.actor
    if isinstance(step, s.Org):
        org = Organisation(id=step.id, name=step.name, kind=step.kind)
        _apply(store, story, lambda e, d: e.set_organisation(d, org, actor=actor))
        _step(_("org"), f"{step.name} ({step.kind})")
    elif isinstance(step, s.Line):
        line = Link(kind=step.kind, source=step.source, target=step.target,
                    strength=step.strength)
        _apply(store, story, lambda e, d: e.link(d, line, actor=actor))
        _step(_("line"), _("{source} reports to {target}", source=step.source,
                           target=step.target) if step.kind == "reports_to" else _(
            "{source} influences {target}", source=step.source, target=step.target))
    elif isinstance(step, s.Rival):
        rival = Competitor(id=step.id, name=step.name, incumbent=step.incumbent,
                           strengths=step.strengths, positions=step.positions,
                           preferred_by=step.preferred_by)
        _apply(store, story, lambda e, d: e.set_competitor(d, rival, actor=actor))
        where = ", ".join(f"{k} {word(v)}" for k, v in step.positions.items())
        name = _("{name} (incumbent)", name=step.name) if step.incumbent else step.name
        _step(_("rival"), f"{name}: {where}")
    elif isinstance(step, s.Score):
        _apply(store, story, lambda e, d: e.score(d, step.criterion, step.level, actor=actor,
                                                  evidence=step.evidence))
        _step(_("score"), f"{step.criterion} = {step.level}")


def _evidence(step: Any, today: dt.date) -> Any:
    """The evidence of a demo fact, dated today; None for a bare value."""
    from dealflow.deal import Evidence

    if step.evidence is None:
        return None
    return Evidence(evidence=step.evidence, source=step.source, confirmed_by=step.confirmed_by,
                    on=today)


def _move(store: Store, story: Story, kind: str) -> None:
    """Try a move (`advance` or `win`); say where it went, or why it was refused."""
    from dealflow.cli import _views as v

    def operation(engine: Any, deal: Any) -> Outcome:
        if kind == "win":
            won: Outcome = engine.win(deal, actor=story.actor, locale=story.lang)
            return won
        advanced: Outcome = engine.advance(deal, actor=story.actor, locale=story.lang)
        return advanced

    outcome = store.apply(story.deal_id, operation)
    report = _approvals_in(outcome.report, store.engine_for(outcome.deal).playbook, story.lang)
    verb = _("win") if kind == "win" else _("advance")
    if not outcome.ok:
        _step(verb, _("{stage} -> {target}: refused, because", stage=report.stage,
                      target=report.target), "bold red")
        v.out(console, v.report_table(report, passed=False))
        console.print()
        return
    where = outcome.deal.stage if kind != "win" else outcome.deal.status.value
    _step(verb, f"{report.stage} -> {where}", "bold green")
    for check in report.warnings:
        _step("", _("(warning, not blocking: {check})", check=check.id), "yellow")


def _approvals_in(report: GateReport, playbook: Playbook, lang: str) -> GateReport:
    """`report` with the texts of our internal approvals in `lang`: the engine checks the
    approvals a move (such as a win) needs in the playbook's default locale."""
    texts = {f"approval:{approval.id}": approval.text for approval in playbook.approvals}
    checks = tuple(replace(check, text=playbook.text(texts[check.id], lang))
                   if check.id in texts else check for check in report.checks)
    return replace(report, checks=checks)


def _show(store: Store, story: Story, what: str) -> None:
    from dealflow.cli import _views as v
    from dealflow.sop import build_checklist, render_checklist
    from dealflow.stakeholders import analyse_stakeholders, recommend_plays

    deal = store.get(story.deal_id)
    playbook, now, lang = store.engine_for(deal).playbook, store.clock(), story.lang
    if what == "map":
        smap = analyse_stakeholders(playbook, deal, now=now, locale=lang)
        v.out(console, v.people_table(deal.stakeholders), v.coverage_table(smap),
              v.flags_table(smap.red_flags))
    elif what == "plays":
        v.out(console, v.plays_table(recommend_plays(playbook, deal, now=now, locale=lang)))
    elif what == "health":
        from dealflow.analytics import deal_health

        health = deal_health(playbook, deal, now=now)
        _step(_("health"), _("{score} of 100", score=health.score), "bold")
        for factor in health.factors:
            _step("", f"{factor.name} {factor.value:.0%}: {factor.reason}")
    else:
        from rich.markdown import Markdown

        sheet = build_checklist(playbook, deal, now=now, locale=lang)
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


def _explore(url: str, story: Story, path: Path | None, events: int) -> None:
    import shlex

    deal_id = story.deal_id
    where = str(path.resolve()) if path is not None else url
    started = _program()
    program, db = shlex.quote(started), f" --db {shlex.quote(url)}"
    _heading(_("Explore it yourself"))
    _say(_("The deal and its {events} events are in {where}", events=events, where=where))
    relative = started != "dealflow" and not Path(started).is_absolute()
    if relative or (path is not None and not path.is_absolute()):
        _say(_("Run these commands from this folder (their paths are relative to it):"))
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
