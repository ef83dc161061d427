"""`dealflow org ...` and `dealflow stakeholder link/unlink`: the organisations of a deal's
decision chain and the lines of reporting and influence between its people (issue 20)."""

from __future__ import annotations

from typing import Annotated

import typer

from dealflow._messages import _
from dealflow.cli._lang import LangOption
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._stakeholders import DealId, _choice, _metavar, stakeholder_app
from dealflow.cli._store import ActorOption, DbOption, actor_of, open_store, run
from dealflow.deal import Influence, LinkKind

org_app = typer.Typer(help="The organisations of a deal's decision chain.",
                      no_args_is_help=True)

OrgId = Annotated[str, typer.Argument(metavar="ORG", help="The organisation's id.",
                                      show_default=False)]
Source = Annotated[str, typer.Argument(metavar="SOURCE", help="The person the line starts at.",
                                       show_default=False)]
Target = Annotated[str, typer.Argument(metavar="TARGET", help="The person the line ends at.",
                                       show_default=False)]
StrengthOption = Annotated[Influence | None, typer.Option(
    "--strength", parser=_choice(Influence, "strength"), metavar=_metavar(Influence),
    show_default=False, help="How strongly SOURCE influences TARGET (medium by default).")]
ReportsOption = Annotated[bool, typer.Option(
    "--reports-to/--influences",
    help="The line: SOURCE reports to TARGET, or SOURCE influences TARGET (the default).")]


def add_org(
    deal_id: DealId,
    org_id: Annotated[str, typer.Option("--id", help="The organisation's id within the deal.",
                                        show_default=False)],
    name: Annotated[str, typer.Option("--name", help="Its name.", show_default=False)],
    kind: Annotated[str, typer.Option(
        "--kind", help="customer, group, contractor, design_institute, partner, consultant, "
        "or a kind the playbook declares.")] = "customer",
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Add an organisation to a deal's decision chain (or change the one of that id)."""
    from pydantic import ValidationError

    from dealflow._plain import plain_errors
    from dealflow.deal import Organisation
    from dealflow.errors import DealflowError

    try:
        org = Organisation(id=org_id, name=name, kind=kind)
    except ValidationError as exc:
        raise DealflowError(_("the organisation is not valid:") + "\n" + "\n".join(
            f"  {problem}" for problem in plain_errors(exc))) from None
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.set_organisation(
            deal, org, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: organisation {org} ({name}, {kind})", deal=o.deal.id,
                        org=org.id, name=org.name, kind=org.kind))


def remove_org(deal_id: DealId, org_id: OrgId, actor: ActorOption = None, db: DbOption = None,
               fmt: FormatOption = Format.table,
               lang: LangOption = None) -> None:
    """Take an organisation off a deal's decision chain (nobody may sit in it)."""
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.remove_organisation(
            deal, org_id, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: removed organisation {org}", deal=o.deal.id, org=org_id))


def list_orgs(deal_id: DealId, db: DbOption = None, fmt: FormatOption = Format.table,
              lang: LangOption = None) -> None:
    """List a deal's organisations with their coverage: people, for and against, owned."""
    from rich.table import Table

    with open_store(db) as store:
        deal = store.get(deal_id)
        engine = store.engine_for(deal)
        coverage = engine.context(deal).coverage_by_org()
    names = {org.id: org.name for org in deal.organisations}
    if fmt is Format.json:
        print_json({"deal_id": deal.id, "organisations": [
            {"id": key, "name": names.get(key, ""), "kind": entry.kind, "people": entry.people,
             "supporters": entry.supporters, "opponents": entry.opponents,
             "owned": entry.owned} for key, entry in coverage.items()]})
        return
    table = Table(title=_("Organisations of {deal}", deal=deal.id))
    for header in (_("Id"), _("Name"), _("Kind"), _("People"), _("For us"), _("Against us"),
                   _("Owned")):
        table.add_column(header)
    for key, entry in coverage.items():
        table.add_row(key or "-", names.get(key, _("(no organisation)")), entry.kind,
                      str(entry.people), str(entry.supporters), str(entry.opponents),
                      str(entry.owned))
    console.print(table)


def link(
    deal_id: DealId, source: Source, target: Target, reports_to: ReportsOption = False,
    strength: StrengthOption = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Draw a line: SOURCE influences TARGET (with a strength), or reports to TARGET."""
    from dealflow.deal import Link

    line = Link(kind="reports_to" if reports_to else "influences", source=source,
                target=target, strength=strength or Influence.medium)
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.link(
            deal, line, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: {source} {kind} {target}", deal=o.deal.id, source=source,
                        kind=line.kind.replace("_", " "), target=target))


def unlink(
    deal_id: DealId, source: Source, target: Target, reports_to: ReportsOption = False,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Take away the line from SOURCE to TARGET."""
    kind: LinkKind = "reports_to" if reports_to else "influences"
    with open_store(db) as store:
        run(store, deal_id, lambda engine, deal: engine.unlink(
            deal, kind, source, target, actor=actor_of(actor, deal)), fmt,
            lambda o: _("{deal}: no more line from {source} to {target}", deal=o.deal.id,
                        source=source, target=target))


def register(app: typer.Typer) -> None:
    """Add `dealflow org ...` and `dealflow stakeholder link/unlink` to `app`."""
    org_app.command("add")(guarded(add_org))
    org_app.command("remove")(guarded(remove_org))
    org_app.command("list")(guarded(list_orgs))
    stakeholder_app.command()(guarded(link))
    stakeholder_app.command()(guarded(unlink))
    app.add_typer(org_app, name="org")
