"""``polycontract version``: print the installed version."""

from __future__ import annotations

import platform

import click

from polycontract import __version__
from polycontract.cli._broker_common import emit, output_option


@click.command()
@output_option
def version(output: str) -> None:
    """Print the polycontract version (``--output json``: ``{"version": …, "python": …}``)."""
    emit(output, {"version": __version__, "python": platform.python_version()}, f"polycontract {__version__}")
