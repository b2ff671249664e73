"""Schema-contract commands: ``publish-schema`` (producers and providers) and ``record-schema-use`` (consumers).

can-i-deploy then checks each schema pair live in the target beside the pacts. Each command prints
what it did (``--output json`` for scripts) and exits 0, or prints one ``error:`` line and exits 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from polycontract.cli._broker_common import broker_option, emit, open_broker, output_option, reporting_errors
from polycontract.errors import UsageError

__all__ = ["publish_schema", "record_schema_use"]

_KINDS = click.Choice(["avro", "jsonschema", "openapi"], case_sensitive=False)
_LEVELS = click.Choice(
    ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"],
    case_sensitive=False,
)
_pacticipant = click.option("--pacticipant", "-a", required=True, help="The application's name.")
_version = click.option("--version", "-e", "version", required=True, help="The application version (e.g. git SHA).")
_subject = click.option("--subject", required=True, help="The schema subject, e.g. user-events or auth-api.")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read schema file {str(path)!r}: {exc}") from None


@click.command("publish-schema")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_pacticipant
@_version
@_subject
@click.option("--kind", "--type", "kind", type=_KINDS, required=True, help="The schema language.")
@click.option("--level", type=_LEVELS, default=None, help="Set the subject's compatibility level [default BACKWARD].")
@click.option("--branch", default=None, help="The version's branch.")
@click.option("--allow-overwrite", is_flag=True, help="Replace a different schema already published for that version.")
@broker_option
@output_option
def publish_schema(
    file: Path,
    pacticipant: str,
    version: str,
    subject: str,
    kind: str,
    level: str | None,
    branch: str | None,
    allow_overwrite: bool,
    broker_url: str | None,
    output: str,
) -> None:
    """Publish the schema FILE that an application version writes (events) or serves (an API)."""
    with reporting_errors():
        text = _read(file)
    with open_broker(broker_url) as broker:
        result = broker.publish_schema(
            pacticipant,
            version,
            subject=subject,
            kind=kind,
            schema=text,
            level=level,
            branch=branch,
            allow_overwrite=allow_overwrite,
            name=str(file),
        )
    document = result.to_json()
    short = result.content_hash[:8]
    emit(output, document, f"{result.outcome}: {result.kind} schema {subject} of {pacticipant} {version} ({short})")


@click.command("record-schema-use")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_pacticipant
@_version
@_subject
@click.option("--subject-version", "from_version", default=None, help="Read the schema this writer version published.")
@click.option("--producer", "from_pacticipant", default=None, help="The writer, when several publish the subject.")
@click.option("--kind", "--type", "kind", type=_KINDS, default=None, help="The reader schema's language.")
@click.option("--branch", default=None, help="The version's branch.")
@broker_option
@output_option
def record_schema_use(
    file: Path | None,
    pacticipant: str,
    version: str,
    subject: str,
    from_version: str | None,
    from_pacticipant: str | None,
    kind: str | None,
    branch: str | None,
    broker_url: str | None,
    output: str,
) -> None:
    """Declare that a consumer version reads SUBJECT: with its reader schema FILE, or --subject-version V."""
    with reporting_errors():
        if (file is None) == (from_version is None):
            raise UsageError("give the reader schema FILE or --subject-version VERSION (one of them)")
        text = None if file is None else _read(file)
    with open_broker(broker_url) as broker:
        result = broker.record_schema_use(
            pacticipant,
            version,
            subject=subject,
            schema=text,
            kind=kind,
            from_version=from_version,
            from_pacticipant=from_pacticipant,
            branch=branch,
            name=None if file is None else str(file),
        )
    document = result.to_json()
    source = f"the schema of version {from_version}" if from_version else str(file)
    emit(output, document, f"{result.outcome}: {pacticipant} {version} reads {subject} with {source}")
