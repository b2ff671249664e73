"""``polycontract demo``: the whole story of independent releases, end to end, in a few seconds.

Three small in-process services (`polycontract.demo`) publish and verify pacts on an embedded
SQLite broker in a temporary directory, deploy through DEV, QA and PROD, and meet can-i-deploy:
a breaking release is refused with its reasons, a compatible one is accepted. Nothing is left
behind unless ``--keep DIR`` names where the broker database and the pact files should stay.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import click


@click.command()
@click.option(
    "--keep",
    "keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the broker database and the pact files in DIR (created if missing) instead of deleting them.",
    metavar="DIR",
)
@click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
def demo(keep: Path | None, output: str) -> None:
    """Run the story of three services released independently through DEV, QA and PROD.

    web-ui consumes auth-svc and orders-svc (HTTP, and an order-placed event). Consumers publish
    pacts, providers verify them, versions deploy at different times, and can-i-deploy refuses a
    breaking auth-svc release that would break the web-ui still running in PROD.
    """
    from polycontract.broker import connect
    from polycontract.demo import Estate, tell

    started = time.perf_counter()
    lines: list[str] = []

    def say(text: str) -> None:
        if output == "text":
            click.echo(text)
        lines.append(text)

    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise click.UsageError(f"--keep {keep}: the directory is not empty; give a new or empty directory")
        keep.mkdir(parents=True, exist_ok=True)
    workdir = keep.resolve() if keep is not None else Path(tempfile.mkdtemp(prefix="polycontract-demo-"))
    say(f"polycontract demo: working in {workdir}")
    say("")
    try:
        broker = connect(f"sqlite:///{workdir / 'broker.db'}")
        try:
            estate = Estate(broker, workdir, say)
            tell(estate)
            board = estate.board()
        finally:
            broker.close()
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.perf_counter() - started
    if keep is None:
        say(f"\nDone in {seconds:.1f} s; the temporary directory was removed (keep it with --keep DIR).")
    else:
        say(f"\nDone in {seconds:.1f} s; the broker database and pact files are in {workdir}")
        say(f"  try: polycontract matrix -a web-ui --broker sqlite:///{workdir / 'broker.db'}")
    if output == "json":
        document = {
            "decisions": estate.decisions,
            "board": board,
            "kept": None if keep is None else str(workdir),
            "seconds": round(seconds, 3),
            "narration": lines,
        }
        click.echo(json.dumps(document, indent=2))
