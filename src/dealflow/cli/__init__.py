"""The `dealflow` command: a thin layer over the public API.

Every command raises `DealflowError` for bad input; `guarded` (used to register every
command) catches it once, prints it to stderr and exits with the error's `exit_code`
(1 for invalid input, 2 for usage errors, 3 for write conflicts).
"""

from __future__ import annotations

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="dealflow",
    help="Stage-gated sales playbooks for complex B2B projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: typer's rich help imports rich.markdown and markdown-it (0.15 s) on
    # every `dealflow --help`; our own output still goes through rich.
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"dealflow {version('dealflow')}")
        raise typer.Exit()


@app.callback()
def _options(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print the installed dealflow version and exit."),
    team: str | None = typer.Option(
        None, "--team", metavar="FILE", show_default=False,
        help="Our team (people and their roles), for moves and facts the playbook restricts "
        "to roles (default: $DEALFLOW_TEAM)."),
) -> None:
    """Stage-gated sales playbooks for complex B2B projects."""
    import os

    from dealflow._messages import use_locale

    # The language of dealflow's own messages for the whole command (`--lang` of a
    # command that prints deal text chooses for that text).
    ctx.with_resource(use_locale(os.environ.get("DEALFLOW_LANG") or None))
    from dealflow.cli._store import use_team_file
    use_team_file(team)


def _register() -> None:
    from dealflow.cli import (
        _analytics,
        _approve,
        _chain_map,
        _checklists,
        _commitment_commands,
        _commitment_figures,
        _competitors,
        _crm,
        _deal_fields,
        _deals,
        _demo,
        _event_log,
        _evidence_commands,
        _evolution,
        _facts,
        _orgs,
        _playbooks,
        _schedule,
        _scorecards,
        _stakeholders,
        _stored_playbooks,
    )

    _playbooks.register(app)
    _checklists.register(app)
    _deals.register(app)
    _deal_fields.register(_deals.deal_app)
    _commitment_commands.register(app, _deals.deal_app)
    _commitment_figures.register(app)
    _stakeholders.register(app)
    _orgs.register(app)
    _chain_map.register(app)
    _competitors.register(app)
    _scorecards.register(app)
    _facts.register(app)
    _evidence_commands.register(app)
    _event_log.register(app)
    _demo.register(app)
    _analytics.register(app)
    _evolution.register(app)
    _crm.register(app)
    _stored_playbooks.register(app)
    _schedule.register(app, _deals.deal_app)
    _approve.register(app)


_register()


def main() -> None:
    """Entry point of the `dealflow` console script: the app trimmed to the command
    this run invokes (see `_pruning`)."""
    import sys

    from dealflow.cli._pruning import pruned

    pruned(app, sys.argv[1:])()
