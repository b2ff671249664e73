"""The ``polycontract`` command line: drives publishing, verification and can-i-deploy from CI.

Each command lives in its own module under `polycontract.cli` and is imported only when it runs, so
``polycontract --help`` (which lists every command from `SUMMARIES` without importing one) and every
command start fast. ``tests/cli/test_import_budget.py`` keeps it so.
"""

from __future__ import annotations

import importlib
import sys
from gettext import gettext as _
from typing import Any

import click

from polycontract import __version__

#: command name -> "module:attribute" of its click command, imported on first use.
COMMANDS: dict[str, str] = {
    "broker": "polycontract.cli._broker_serve:broker",
    "can-i-deploy": "polycontract.cli._can_i_deploy:can_i_deploy",
    "ci": "polycontract.cli._ci_init:ci",
    "compat": "polycontract.cli._compat:compat",
    "create-environment": "polycontract.cli._broker_commands:create_environment",
    "create-version": "polycontract.cli._broker_commands:create_version",
    "create-webhook": "polycontract.cli._webhook_commands:create_webhook",
    "delete-webhook": "polycontract.cli._webhook_commands:delete_webhook",
    "demo": "polycontract.cli._demo:demo",
    "matrix": "polycontract.cli._can_i_deploy:matrix",
    "prune": "polycontract.cli._broker_commands:prune",
    "publish": "polycontract.cli._broker_commands:publish",
    "publish-schema": "polycontract.cli._schema_commands:publish_schema",
    "record-deployment": "polycontract.cli._broker_commands:record_deployment",
    "record-release": "polycontract.cli._broker_commands:record_release",
    "record-schema-use": "polycontract.cli._schema_commands:record_schema_use",
    "record-support-ended": "polycontract.cli._broker_commands:record_support_ended",
    "record-undeployment": "polycontract.cli._broker_commands:record_undeployment",
    "test-webhook": "polycontract.cli._webhook_commands:test_webhook",
    "verify": "polycontract.cli._verify:verify",
    "version": "polycontract.cli._version:version",
    "webhooks": "polycontract.cli._webhook_commands:webhooks",
}

#: command name -> the first paragraph of its help, which ``polycontract --help`` shortens as click does.
#: A test checks each against the command's own docstring.
SUMMARIES: dict[str, str] = {
    "broker": "Run the polycontract broker as a server.",
    "can-i-deploy": "Is PACTICIPANT VERSION safe to deploy? Checks every counterpart version live in the target.",
    "ci": "Set up a repository's CI for contract testing.",
    "compat": "Is a new schema compatible with earlier ones? Exit 0 compatible, 1 breaking, 2 error.",
    "create-environment": "Create (or update) an environment; environments keep their creation order"
    " (DEV -> QA -> PROD).",
    "create-version": "Record a version of an application (idempotent).",
    "create-webhook": "Call URL with a templated JSON body when contracts or verification results are published.",
    "delete-webhook": "Remove a webhook (and its delivery log).",
    "demo": "Run the story of three services released independently through DEV, QA and PROD.",
    "matrix": "List consumer version x provider version x verification result for an application's integrations.",
    "prune": "Delete old versions and superseded verification results.",
    "publish": "Publish pact files (or every *.json in a folder) for one consumer version; all or nothing per file.",
    "publish-schema": "Publish the schema FILE that an application version writes (events) or serves (an API).",
    "record-deployment": "Record that a version now runs in an environment, replacing what that instance ran before.",
    "record-release": "Record a release (app store, library); releases accumulate until support ends.",
    "record-schema-use": "Declare that a consumer version reads SUBJECT: with its reader schema FILE, or"
    " --subject-version V.",
    "record-support-ended": "Record that a released version is no longer supported, so can-i-deploy stops counting it.",
    "record-undeployment": "Record that an application (instance) no longer runs in an environment.",
    "test-webhook": "Send a webhook once now, as for its first event on the newest pact it covers (exit 1 if it"
    " fails).",
    "verify": "Verify PACTS (files or directories), or the broker's pacts for --provider, against --provider-url.",
    "version": 'Print the polycontract version (``--output json``: ``{"version": …, "python": …}``).',
    "webhooks": "List configured webhooks (secret header values shown as ***).",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use.

    ``summaries`` (command name -> first paragraph of its help) let the group's own ``--help`` list
    the commands without importing them; a command without a summary is imported to be listed.
    """

    def __init__(
        self,
        *args: Any,
        lazy: dict[str, str] | None = None,
        summaries: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})
        self.summaries = dict(summaries or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands" section, as `click.Group` writes it, from `summaries` where the command is not loaded."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            loaded = self.commands.get(name)
            if loaded is None and name in self.lazy and name in self.summaries:
                # A stand-in with the same help: click shortens it exactly as it would the real command's.
                loaded = click.Command(name, help=self.summaries[name])
            command = loaded if loaded is not None else self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    summaries=SUMMARIES,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="polycontract")
def cli() -> None:
    """Consumer-driven contract testing for independently released services."""


def main() -> None:
    """Console-script entry point."""
    _skip_httpx_command_line()
    cli()


def _skip_httpx_command_line() -> None:
    """Keep httpx from importing its own command line (click, rich, pygments) when it loads in this process.

    ``import httpx`` imports ``httpx._main`` (the ``httpx`` console script) if rich and pygments are installed,
    which costs tens of milliseconds on every command that loads httpx (``verify``; broker commands behind a
    proxy: a broker reached directly is asked without httpx); httpx falls back to a stub when that import fails.
    polycontract's command line never calls ``httpx.main``. Only the console-script process does this, never
    ``import polycontract``.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
