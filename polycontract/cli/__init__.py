"""The ``polycontract`` command line: drives publishing, verification and can-i-deploy from CI.

Each command lives in its own module under `polycontract.cli` and is imported only when it runs,
so ``polycontract --help`` and every command start fast.
"""

from __future__ import annotations

import importlib
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


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

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


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="polycontract")
def cli() -> None:
    """Consumer-driven contract testing for independently released services."""


def main() -> None:
    """Console-script entry point."""
    cli()
