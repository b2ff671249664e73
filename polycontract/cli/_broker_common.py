"""Shared pieces of the broker commands: the ``--broker``/``--output`` options and one-line errors.

Every polycontract error becomes one clean line on stderr with its exit code (2 for usage and
connection problems); no traceback reaches the user.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from polycontract.errors import PolycontractError

if TYPE_CHECKING:
    from polycontract.broker import Broker

__all__ = ["broker_option", "emit", "open_broker", "output_option", "print_table", "reporting_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def broker_option(function: F) -> F:
    """``--broker URL`` (or ``POLYCONTRACT_BROKER``; default: the embedded ``.polycontract/broker.db``)."""
    return click.option(
        "--broker",
        "broker_url",
        envvar="POLYCONTRACT_BROKER",
        metavar="URL",
        help=(
            "sqlite:///file.db, postgresql://… or http(s)://server (token in POLYCONTRACT_BROKER_TOKEN)"
            " [env POLYCONTRACT_BROKER; default .polycontract/broker.db]"
        ),
    )(function)


def output_option(function: F) -> F:
    """``--output table|json``."""
    return click.option(
        "--output",
        "-o",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="Human-readable text or JSON on stdout.",
    )(function)


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Turn a polycontract error into ``error: …`` on stderr and its exit code."""
    try:
        yield
    except PolycontractError as exc:
        click.echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(exc.exit_code) from None


@contextmanager
def open_broker(url: str | None) -> Iterator[Broker]:
    """Connect to the broker (errors reported as one line, exit 2) and close it afterwards.

    An HTTP broker gets the bearer token in ``POLYCONTRACT_BROKER_TOKEN`` (never echoed).
    """
    from polycontract.broker import connect

    token = os.environ.get("POLYCONTRACT_BROKER_TOKEN") or None
    with reporting_errors(), connect(url, token=token) as broker:
        yield broker


def emit(output: str, document: dict[str, Any], text: str) -> None:
    """Print ``document`` as JSON or ``text`` for people."""
    click.echo(json.dumps(document, indent=2, default=str) if output == "json" else text)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A small left-aligned text table."""
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
