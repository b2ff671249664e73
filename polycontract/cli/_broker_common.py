"""Shared pieces of the broker commands: the ``--broker``/``--output`` options and one-line errors.

Every polycontract error becomes one clean line on stderr with its exit code (2 for usage and
connection problems); no traceback reaches the user.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from polycontract.errors import PolycontractError

if TYPE_CHECKING:
    from polycontract.broker import BrokerAPI

__all__ = ["broker_option", "emit", "open_broker", "output_option", "print_table", "reporting_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def broker_option(function: F) -> F:
    """``--broker URL`` (else ``POLYCONTRACT_BROKER``; the embedded ``.polycontract/broker.db`` only when unset).

    The environment is read by `polycontract.broker.connect` itself (not by click, which would take
    an empty ``POLYCONTRACT_BROKER`` for "unset"), so the command line and Python resolve alike.
    """
    return click.option(
        "--broker",
        "broker_url",
        metavar="URL",
        help=(
            "sqlite:///file.db, postgresql://… or http(s)://server [env POLYCONTRACT_BROKER; used only when"
            " neither names a broker: .polycontract/broker.db]. Credentials: POLYCONTRACT_BROKER_TOKEN, or"
            " POLYCONTRACT_BROKER_USERNAME and POLYCONTRACT_BROKER_PASSWORD."
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
def open_broker(url: str | None, *, create: bool = True) -> Iterator[BrokerAPI]:
    """Connect to the broker (errors reported as one line, exit 2) and close it afterwards.

    ``url`` is ``--broker``; without it `polycontract.broker.connect` resolves ``POLYCONTRACT_BROKER``
    and the credentials from the environment (never echoed). ``create=False`` for commands that only
    read: an embedded broker file that does not exist is then an error, not an empty answer.
    """
    from polycontract.broker import connect

    with reporting_errors(), connect(url, create=create) as broker:
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
