"""``polycontract compat``: compare schema files (Avro, JSON Schema, OpenAPI) and check a pact against OpenAPI.

Exit codes: 0 compatible, 1 breaking, 2 error (a file that does not parse, a bad option).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from polycontract.cli._broker_common import emit, output_option, reporting_errors

__all__ = ["compat"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.FileError(str(path), hint=str(exc)) from None


def _verdict(ok: bool) -> None:
    if not ok:
        raise click.exceptions.Exit(1)


@click.group("compat")
def compat() -> None:
    """Is a new schema compatible with earlier ones? Exit 0 compatible, 1 breaking, 2 error."""


@compat.command("avro")
@click.argument("schemas", nargs=-1, required=True, type=_FILE)
@click.option(
    "--level",
    type=click.Choice(
        ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"],
        case_sensitive=False,
    ),
    default="BACKWARD",
    show_default=True,
    help="Schema Registry compatibility level.",
)
@output_option
def avro_command(schemas: tuple[Path, ...], level: str, output: str) -> None:
    """Check the last of SCHEMAS (the new one) against the others (oldest first)."""
    if len(schemas) < 2:
        raise click.UsageError("give at least two schema files: OLD... NEW")
    from polycontract.compat import avro

    with reporting_errors():
        previous = [avro.parse(_read(p), name=str(p)) for p in schemas[:-1]]
        new = avro.parse(_read(schemas[-1]), name=str(schemas[-1]))
        report = avro.check_level(new, previous, level)
    rows = []
    for pair in report.pairs:
        against = schemas[pair.version]
        for f in pair.report.findings:
            rows.append({"against": str(against), "read_by": pair.reader, **_fields(f)})
    lines = [
        f"{r['severity']}: {r['path']}: {r['message']} [{r['rule']}] ({r['read_by']} schema reads {r['against']} data)"
        if r["read_by"] == "new"
        else f"{r['severity']}: {r['path']}: {r['message']} [{r['rule']}] ({r['against']} reads new data)"
        for r in rows
    ]
    lines.append(f"{level.upper()}: {'compatible' if report.compatible else 'INCOMPATIBLE'}")
    emit(output, {"level": report.level.value, "compatible": report.compatible, "findings": rows}, "\n".join(lines))
    _verdict(report.compatible)


@compat.command("jsonschema")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.option(
    "--level",
    type=click.Choice(["BACKWARD", "FORWARD", "FULL"], case_sensitive=False),
    default="BACKWARD",
    show_default=True,
    help="Which direction must hold.",
)
@output_option
def jsonschema_command(old: Path, new: Path, level: str, output: str) -> None:
    """Compare two JSON Schemas with Confluent Schema Registry's rules."""
    from polycontract.compat import jsonschema

    with reporting_errors():
        report = jsonschema.compare(_read(old), _read(new), old_name=str(old), new_name=str(new))
    ok = {"BACKWARD": report.backward, "FORWARD": report.forward, "FULL": report.full}[level.upper()]
    rows = [_fields(f) for f in report.findings]
    lines = [str(f) for f in report.findings]
    lines.append(f"backward: {report.backward}, forward: {report.forward} → {level.upper()} {'ok' if ok else 'BROKEN'}")
    document = {"level": level.upper(), "compatible": ok, "backward": report.backward, "forward": report.forward}
    emit(output, {**document, "findings": rows}, "\n".join(lines))
    _verdict(ok)


@compat.command("openapi")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.option(
    "--fail-on", type=click.Choice(["ERR", "WARN"]), default="ERR", show_default=True, help="Lowest failing level."
)
@output_option
def openapi_command(old: Path, new: Path, fail_on: str, output: str) -> None:
    """List the changes from OLD to NEW, breaking ones first."""
    from polycontract.compat import openapi

    with reporting_errors():
        report = openapi.diff(_read(old), _read(new), old_name=str(old), new_name=str(new))
    failing = {"ERR"} if fail_on == "ERR" else {"ERR", "WARN"}
    ok = not any(c.level in failing for c in report.changes)
    lines = [str(c) for c in report.changes] + [f"{len(report.changes)} changes: {'ok' if ok else 'BREAKING'}"]
    emit(output, {"breaking": not ok, "changes": [_fields(c) for c in report.changes]}, "\n".join(lines))
    _verdict(ok)


@compat.command("bidirectional")
@click.argument("pact", type=_FILE)
@click.argument("document", type=_FILE)
@output_option
def bidirectional_command(pact: Path, document: Path, output: str) -> None:
    """Check every HTTP interaction of PACT against the OpenAPI DOCUMENT, without running the provider."""
    from polycontract.compat import bidirectional

    with reporting_errors():
        report = bidirectional.check(_read(pact), _read(document), pact_name=str(pact), document_name=str(document))
    lines = [str(f) for f in report.findings]
    lines.append(f"{report.checked} interactions: {'compatible' if report.compatible else 'INCOMPATIBLE'}")
    document_json = {
        "compatible": report.compatible,
        "checked": report.checked,
        "findings": [_fields(f) for f in report.findings],
    }
    emit(output, document_json, "\n".join(lines))
    _verdict(report.compatible)


def _fields(value: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(value)
