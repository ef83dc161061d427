"""`dealflow stakeholder ...`: the people of a deal's decision chain, and their map."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from dealflow._messages import N_, _
from dealflow.cli._lang import LangOption, here
from dealflow.cli._output import Format, FormatOption, console, guarded, print_json
from dealflow.cli._store import ActorOption, DbOption, actor_of, iso_date, open_store, run
from dealflow.deal import Influence, Stance
from dealflow.errors import DealflowError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.deal import Deal, Stakeholder
    from dealflow.engine import Engine, Outcome

E = TypeVar("E", bound=StrEnum)

stakeholder_app = typer.Typer(help="Map the people of a deal's decision chain.",
                              no_args_is_help=True)

DealId = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id.",
                                        show_default=False)]



RoleOption = Annotated[list[str] | None, typer.Option(
    "--role", "-r", show_default=False,
    help="A decision-chain role from the playbook (repeat for several).")]


def _choice(kind: type[E], what: str) -> Callable[[str], E]:
    """A parser of one of `kind`'s values: anything else is a usage error (exit 2) with
    the closest value, like an unknown role (`did you mean 'champion'?`)."""

    def parse(value: str) -> E:
        try:
            return kind(value)
        except ValueError:
            from dealflow._problems import did_you_mean

            allowed = [member.value for member in kind]
            raise typer.BadParameter(_("unknown {what} {value}", what=_(what), value=repr(value))
                                     + did_you_mean(value, allowed)) from None

    return parse


def _metavar(kind: type[StrEnum]) -> str:
    return "[" + "|".join(member.value for member in kind) + "]"


StanceOption = Annotated[Stance | None, typer.Option(
    "--stance", parser=_choice(Stance, N_("stance")), metavar=_metavar(Stance),
    show_default=False, help="Where they stand towards us.")]
InfluenceOption = Annotated[Influence | None, typer.Option(
    "--influence", parser=_choice(Influence, N_("influence")), metavar=_metavar(Influence),
    show_default=False, help="How much they weigh in the decision.")]
OrgOption = Annotated[str | None, typer.Option(
    "--org", show_default=False, help="The organisation they sit in (see dealflow org add).")]
OwnerOption = Annotated[str | None, typer.Option(
    "--owner", show_default=False,
    help="Who of ours owns the relationship: a person, or one of the playbook's our_roles.")]
DepthOption = Annotated[str | None, typer.Option(
    "--depth", show_default=False,
    help="How deep the relationship is, on the playbook's scale (acquainted, one_to_one, "
    "trusted, ally by default).")]
OrgWinOption = Annotated[list[str] | None, typer.Option(
    "--org-win", show_default=False,
    help="What their organisation wins (repeat for several).")]
PersonalWinOption = Annotated[list[str] | None, typer.Option(
    "--personal-win", show_default=False, help="What they win personally (repeat).")]
AddressedOption = Annotated[list[str] | None, typer.Option(
    "--addressed", show_default=False,
    help="A win (its text) that our offer addresses (repeat).")]


def _chain_fields(org: str | None, owner: str | None, depth: str | None,
                  org_wins: list[str] | None, personal_wins: list[str] | None,
                  addressed: list[str] | None,
                  current: Stakeholder | None = None) -> dict[str, Any]:
    """The decision-chain fields given on the command line (those not given left out);
    `--addressed` marks wins given now, or already on the person, as addressed."""
    from dealflow.deal import Win

    met = set(addressed or ())
    fields: dict[str, Any] = {"org": org, "owner": owner, "depth": depth}
    for key, given in (("org_wins", org_wins), ("personal_wins", personal_wins)):
        known = given if given is not None else (
            [win.text for win in getattr(current, key)] if current is not None and met
            else None)
        if known is not None:
            before = {win.text: win.addressed for win in getattr(current, key, ())}
            fields[key] = tuple(Win(text=text, addressed=text in met or before.get(text, False))
                                for text in known)
    return {key: value for key, value in fields.items() if value is not None}


ContactOption = Annotated[dt.date | None, typer.Option(
    "--last-contact", parser=iso_date, metavar="YYYY-MM-DD", show_default=False,
    help="When we last spoke with them.")]


def add(
    deal_id: DealId,
    person_id: Annotated[str, typer.Option("--id", help="The person's id within the deal.",
                                           show_default=False)],
    name: Annotated[str, typer.Option("--name", help="Their name.", show_default=False)],
    title: Annotated[str, typer.Option("--title", help="Their job title.")] = "",
    roles: RoleOption = None,
    stance: StanceOption = None,
    influence: InfluenceOption = None,
    org_wins: OrgWinOption = None,
    personal_wins: PersonalWinOption = None,
    addressed: AddressedOption = None,
    org: OrgOption = None, owner: OwnerOption = None, depth: DepthOption = None,
    last_contact: ContactOption = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Add a person to a deal's stakeholder map."""
    from pydantic import ValidationError

    from dealflow._plain import plain_errors
    from dealflow.deal import Stakeholder

    fields: dict[str, Any] = {
        "id": person_id, "name": name, "title": title, "roles": tuple(roles or ()),
        "stance": stance or Stance.unknown, "influence": influence or Influence.medium,
        "last_contact": last_contact,
        **_chain_fields(org, owner, depth, org_wins, personal_wins, addressed)}
    try:
        person = Stakeholder(**fields)
    except ValidationError as exc:
        raise DealflowError(_("the stakeholder is not valid:") + "\n" + "\n".join(
            f"  {problem}" for problem in plain_errors(exc))) from None
    with open_store(db) as store:
        run(store, deal_id,
            lambda engine, deal: engine.add_stakeholder(deal, person, actor=actor_of(actor, deal)),
            fmt, lambda o: _("{deal}: added {id} ({name})", deal=o.deal.id, id=person.id,
                             name=person.name))


def rate(
    deal_id: DealId,
    person_id: Annotated[str, typer.Argument(metavar="ID", help="The person's id.",
                                                  show_default=False)],
    stance: StanceOption = None,
    influence: InfluenceOption = None,
    last_contact: ContactOption = None,
    roles: RoleOption = None,
    org: OrgOption = None, owner: OwnerOption = None, depth: DepthOption = None,
    org_wins: OrgWinOption = None, personal_wins: PersonalWinOption = None,
    addressed: AddressedOption = None,
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Change a person's stance, influence, last contact, roles, organisation, owner, depth
    or wins (roles and wins given replace the old ones)."""
    changes: dict[str, Any] = {"stance": stance, "influence": influence,
                               "last_contact": last_contact,
                               "roles": tuple(roles) if roles is not None else None}
    changes = {key: value for key, value in changes.items() if value is not None}
    chain = (org, owner, depth, org_wins, personal_wins, addressed)
    if not changes and all(value is None for value in chain):
        raise typer.BadParameter(_("give at least one of --stance, --influence, "
                                   "--last-contact, --role, --org, --owner, --depth, "
                                   "--org-win, --personal-win or --addressed"),
                                 param_hint="changes")

    def done(outcome: Outcome) -> str:
        from dealflow.cli._views import word

        person = outcome.deal.stakeholder(person_id)
        assert person is not None
        return _("{deal}: {id} ({name}) is now {stance}, {influence} influence, roles {roles}",
                 deal=outcome.deal.id, id=person.id, name=person.name,
                 stance=word(person.stance.value), influence=word(person.influence.value),
                 roles=", ".join(person.roles) or "-")

    def operation(engine: Engine, deal: Deal) -> Outcome:
        current = deal.stakeholder(person_id)
        more = _chain_fields(*chain, current=current) if current is not None else {}
        return engine.update_stakeholder(deal, person_id, actor=actor_of(actor, deal),
                                         **changes, **more)

    with open_store(db) as store:
        run(store, deal_id, operation, fmt, done)


def remove(
    deal_id: DealId,
    person_id: Annotated[str, typer.Argument(metavar="ID", help="The person's id.",
                                             show_default=False)],
    actor: ActorOption = None, db: DbOption = None, fmt: FormatOption = Format.table,
    lang: LangOption = None,
) -> None:
    """Take a person off a deal's stakeholder map (the events keep that they were on it)."""
    before: list[Deal] = []

    def operation(engine: Engine, deal: Deal) -> Outcome:
        before.append(deal)
        return engine.remove_stakeholder(deal, person_id, actor=actor_of(actor, deal))

    def done(outcome: Outcome) -> str:
        person = before[-1].stakeholder(person_id)
        name = f" ({person.name})" if person is not None else ""
        return _("{deal}: removed {id}{name}", deal=outcome.deal.id, id=person_id, name=name)

    with open_store(db) as store:
        run(store, deal_id, operation, fmt, done)


def list_people(deal_id: DealId, db: DbOption = None, fmt: FormatOption = Format.table,
                lang: LangOption = None) -> None:
    """List a deal's stakeholders with the map analysis: coverage, support, red flags."""
    from dealflow.cli import _views as v
    from dealflow.stakeholders import analyse_stakeholders

    with open_store(db) as store:
        deal = store.get(deal_id)
        playbook = store.engine_for(deal).playbook
        smap = analyse_stakeholders(playbook, deal, now=store.clock(), locale=here())
    if fmt is Format.json:
        print_json({"deal_id": deal.id, "stage": deal.stage,
                    "stakeholders": [p.model_dump(mode="json") for p in deal.stakeholders],
                    **v.map_data(smap)})
        return
    v.out(console, v.people_table(deal.stakeholders,
                                  title=_("Stakeholders of {deal}", deal=deal.id)),
          v.coverage_table(smap))
    if smap.red_flags:
        v.out(console, v.flags_table(smap.red_flags))
    else:
        console.print("\n" + _("No red flags."), markup=False)


def register(app: typer.Typer) -> None:
    """Add `dealflow stakeholder ...` to `app`."""
    stakeholder_app.command()(guarded(add))
    stakeholder_app.command()(guarded(rate))
    stakeholder_app.command("update", help="Same as rate: change a person on the map.")(
        guarded(rate))
    stakeholder_app.command()(guarded(remove))
    stakeholder_app.command("list")(guarded(list_people))
    app.add_typer(stakeholder_app, name="stakeholder")
