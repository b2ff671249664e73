"""Broker write commands: publish, create-version, create-environment, record-deployment and friends, prune.

Each prints what it did (``--output json`` for scripts) and exits 0, or prints one ``error:``
line and exits 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from polycontract.cli._broker_common import broker_option, emit, open_broker, output_option, reporting_errors
from polycontract.errors import UsageError

__all__ = [
    "create_environment",
    "create_version",
    "prune",
    "publish",
    "record_deployment",
    "record_release",
    "record_support_ended",
    "record_undeployment",
]

_pacticipant = click.option("--pacticipant", "-a", required=True, help="The application's name.")
_version = click.option("--version", "-e", "version", required=True, help="The application version (e.g. git SHA).")
_environment = click.option("--environment", required=True, help="The environment's name, e.g. prod.")
_instance = click.option("--application-instance", default=None, help="Which of several parallel deployments.")


def _release_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of a release command: ``--pacticipant``, ``--version``, ``--environment``, broker and output."""
    for option in (output_option, broker_option, _environment, _version, _pacticipant):
        command = option(command)
    return command


def _deployment(pacticipant: str, version: str | None, environment: str, instance: str | None) -> dict[str, Any]:
    """What a deployment command prints for ``--output json``."""
    return {"pacticipant": pacticipant, "version": version, "environment": environment, "applicationInstance": instance}


def _pact_files(paths: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return found


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--consumer-version", "--consumer-app-version", "consumer_version", required=True, help="The consumer version."
)
@click.option("--branch", default=None, help="The consumer version's branch.")
@click.option("--tag", "tags", multiple=True, help="A tag for the consumer version (repeatable).")
@click.option("--allow-overwrite", is_flag=True, help="Replace different content already published for that version.")
@broker_option
@output_option
def publish(
    paths: tuple[Path, ...],
    consumer_version: str,
    branch: str | None,
    tags: tuple[str, ...],
    allow_overwrite: bool,
    broker_url: str | None,
    output: str,
) -> None:
    """Publish pact files (or every *.json in a folder) for one consumer version; all or nothing per file."""
    from polycontract.codec import load_pact

    files = _pact_files(paths)
    with reporting_errors():
        if not files:
            raise UsageError("no pact files found in " + ", ".join(map(str, paths)))
        pacts = [load_pact(path) for path in files]
    with open_broker(broker_url) as broker:
        results = [
            broker.publish_pact(
                pact, consumer_version=consumer_version, branch=branch, tags=tags, allow_overwrite=allow_overwrite
            )
            for pact in pacts
        ]
    document = {
        "published": [
            {
                "consumer": r.consumer,
                "consumerVersion": r.consumer_version,
                "provider": r.provider,
                "contentHash": r.content_hash,
                "outcome": r.outcome,
            }
            for r in results
        ]
    }
    text = "\n".join(
        f"{r.outcome}: pact {r.consumer} {r.consumer_version} -> {r.provider} (content {r.content_hash[:8]})"
        for r in results
    )
    emit(output, document, text)


@click.command("create-version")
@_pacticipant
@_version
@click.option("--branch", default=None, help="The version's branch.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--main-branch", default=None, help="Also set the pacticipant's main branch.")
@broker_option
@output_option
def create_version(
    pacticipant: str,
    version: str,
    branch: str | None,
    tags: tuple[str, ...],
    main_branch: str | None,
    broker_url: str | None,
    output: str,
) -> None:
    """Record a version of an application (idempotent)."""
    with open_broker(broker_url) as broker:
        if main_branch is not None:
            broker.create_pacticipant(pacticipant, main_branch=main_branch)
        broker.create_version(pacticipant, version, branch=branch, tags=tags)
    document = {"pacticipant": pacticipant, "version": version, "branch": branch, "tags": list(tags)}
    emit(output, document, f"created {pacticipant} {version}" + (f" on branch {branch}" if branch else ""))


@click.command("create-environment")
@click.option("--name", required=True, help="The environment's name, e.g. prod.")
@click.option("--display-name", default=None, help="A longer name for people.")
@click.option("--production/--no-production", default=False, help="Whether this is a production environment.")
@broker_option
@output_option
def create_environment(
    name: str, display_name: str | None, production: bool, broker_url: str | None, output: str
) -> None:
    """Create (or update) an environment; environments keep their creation order (DEV -> QA -> PROD)."""
    with open_broker(broker_url) as broker:
        broker.create_environment(name, production=production, display_name=display_name)
    document = {"name": name, "displayName": display_name, "production": production}
    emit(output, document, f"environment {name}" + (" (production)" if production else "") + " is ready")


@click.command("record-deployment")
@_pacticipant
@_version
@_environment
@_instance
@broker_option
@output_option
def record_deployment(
    pacticipant: str,
    version: str,
    environment: str,
    application_instance: str | None,
    broker_url: str | None,
    output: str,
) -> None:
    """Record that a version now runs in an environment, replacing what that instance ran before."""
    with open_broker(broker_url) as broker:
        broker.record_deployment(pacticipant, version, environment, application_instance=application_instance)
    where = f" (instance {application_instance})" if application_instance else ""
    document = _deployment(pacticipant, version, environment, application_instance)
    emit(output, document, f"recorded deployment of {pacticipant} {version} to {environment}{where}")


@click.command("record-undeployment")
@_pacticipant
@_environment
@_instance
@broker_option
@output_option
def record_undeployment(
    pacticipant: str, environment: str, application_instance: str | None, broker_url: str | None, output: str
) -> None:
    """Record that an application (instance) no longer runs in an environment."""
    with open_broker(broker_url) as broker:
        version = broker.record_undeployment(pacticipant, environment, application_instance=application_instance)
    where = f" (instance {application_instance})" if application_instance else ""
    document = _deployment(pacticipant, version, environment, application_instance)
    emit(output, document, f"recorded undeployment of {pacticipant} {version} from {environment}{where}")


@click.command("record-release")
@_release_options
def record_release(pacticipant: str, version: str, environment: str, broker_url: str | None, output: str) -> None:
    """Record a release (app store, library); releases accumulate until support ends."""
    with open_broker(broker_url) as broker:
        broker.record_release(pacticipant, version, environment)
    document = {"pacticipant": pacticipant, "version": version, "environment": environment}
    emit(output, document, f"recorded release of {pacticipant} {version} to {environment}")


@click.command("record-support-ended")
@_release_options
def record_support_ended(pacticipant: str, version: str, environment: str, broker_url: str | None, output: str) -> None:
    """Record that a released version is no longer supported, so can-i-deploy stops counting it."""
    with open_broker(broker_url) as broker:
        broker.record_support_ended(pacticipant, version, environment)
    document = {"pacticipant": pacticipant, "version": version, "environment": environment}
    emit(output, document, f"recorded end of support for {pacticipant} {version} in {environment}")


@click.command()
@click.option("--keep-latest", type=click.IntRange(min=1), default=20, show_default=True, help="Newest versions kept.")
@click.option("--older-than-days", type=click.FloatRange(min=0), default=90, show_default=True, help="Minimum age.")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@broker_option
@output_option
def prune(keep_latest: int, older_than_days: float, dry_run: bool, broker_url: str | None, output: str) -> None:
    """Delete old versions and superseded verification results.

    Never deletes a version that is deployed, released and supported, latest on its main branch,
    among the newest --keep-latest of its application, or younger than --older-than-days.
    """
    from datetime import timedelta

    with open_broker(broker_url) as broker:
        report = broker.prune(keep_latest=keep_latest, older_than=timedelta(days=older_than_days), dry_run=dry_run)
    document = {
        "dryRun": report.dry_run,
        "versions": [{"pacticipant": p, "version": v} for p, v in report.versions],
        "publications": report.publications,
        "verifications": report.verifications,
        "pactContents": report.pact_contents,
    }
    verb = "would delete" if dry_run else "deleted"
    lines = [f"  {p} {v}" for p, v in report.versions]
    summary = (
        f"{verb} {len(report.versions)} versions, {report.publications} publications,"
        f" {report.verifications} verification results and {report.pact_contents} pact contents"
    )
    emit(output, document, "\n".join([*lines, summary]))
