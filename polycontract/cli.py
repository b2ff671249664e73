"""The ``polycontract`` command line: drives publishing, verification and can-i-deploy from CI."""

from __future__ import annotations

import click

from polycontract import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="polycontract")
def cli() -> None:
    """Consumer-driven contract testing for independently released services."""


@cli.command()
def version() -> None:
    """Print the polycontract version."""
    click.echo(f"polycontract {__version__}")


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
