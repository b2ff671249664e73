"""``polycontract version``: print the installed version."""

from __future__ import annotations

import click

from polycontract import __version__


@click.command()
def version() -> None:
    """Print the polycontract version."""
    click.echo(f"polycontract {__version__}")
