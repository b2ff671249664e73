"""``polycontract verify``: replay pacts against a running provider from CI.

Pacts come from files and directories (PACTS), or, when none are given, from the broker
(``--broker``) chosen by consumer version selectors, with pending and WIP pacts. ``--publish``
records each pact's result in the broker.

Exit status: 0 when the provider honours every pact, 1 when an interaction fails, 2 for usage errors,
unreadable pacts and a provider that cannot be reached at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from polycontract.cli._broker_common import broker_option, open_broker
from polycontract.verifier import SourcedPact, VerificationResult, Verifier

if TYPE_CHECKING:
    from polycontract.broker import Broker, PactForVerification


def _headers(values: tuple[str, ...]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r} is not 'Name: value'", param_hint="--header")
        headers[name.strip()] = text.strip()
    return headers


def _selectors(values: tuple[str, ...]) -> list[dict[str, Any]]:
    selectors = []
    for value in values:
        try:
            selector = json.loads(value)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(
                f"{value!r} is not JSON ({exc.msg})", param_hint="--consumer-version-selector"
            ) from None
        if not isinstance(selector, dict):
            raise click.BadParameter(
                f'{value!r} is not a JSON object such as {{"mainBranch": true}}',
                param_hint="--consumer-version-selector",
            )
        selectors.append(selector)
    return selectors


def exit_code(result: VerificationResult) -> int:
    """0 ok, 1 failed interactions, 2 unreadable pacts or an unreachable provider."""
    if result.source_errors or result.unreachable:
        return 2
    return 0 if result.ok else 1


@click.command()
@click.argument("pacts", nargs=-1, type=click.Path(path_type=Path))
@click.option("--provider", required=True, help="The provider's name, as the pacts spell it.")
@click.option("--provider-url", required=True, help="Base URL of the running provider, e.g. http://127.0.0.1:8000.")
@click.option("--provider-version", default=None, help="Version of the provider being verified (e.g. a git sha).")
@click.option("--branch", default=None, help="Branch of the provider being verified.")
@click.option("--state-change-url", default=None, help="URL (or path on the provider) receiving state changes.")
@click.option("--base-path", default="", help="Path put in front of every request path, e.g. /api.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True))
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="Header added to every request.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write JUnit XML.")
@click.option("--publish", is_flag=True, help="Record each pact's result in the broker (needs --provider-version).")
@click.option(
    "--consumer-version-selector",
    "selector_values",
    multiple=True,
    metavar="JSON",
    help="Without PACTS: which consumer versions to verify, e.g. '{\"deployedOrReleased\": true}' (repeatable; "
    "default: latest main branch + deployed or released).",
)
@click.option("--enable-pending", is_flag=True, help="Without PACTS: failures of pending pacts do not fail the run.")
@click.option(
    "--include-wip-pacts-since",
    "wip_since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    metavar="DATE",
    help="Without PACTS: also verify work-in-progress pacts published since DATE (needs --enable-pending).",
)
@broker_option
def verify(
    pacts: tuple[Path, ...],
    provider: str,
    provider_url: str,
    provider_version: str | None,
    branch: str | None,
    state_change_url: str | None,
    base_path: str,
    timeout: float,
    headers: tuple[str, ...],
    output: str,
    junit_xml: Path | None,
    publish: bool,
    selector_values: tuple[str, ...],
    enable_pending: bool,
    wip_since: datetime | None,
    broker_url: str | None,
) -> None:
    """Verify PACTS (files or directories), or the broker's pacts for --provider, against --provider-url."""
    from polycontract.errors import UsageError

    try:
        verifier = Verifier(
            provider=provider,
            base_url=provider_url,
            provider_version=provider_version,
            branch=branch,
            timeout=timeout,
            base_path=base_path,
            state_change_url=state_change_url,
            headers=_headers(headers),
        )
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    if publish and not provider_version:
        raise click.UsageError("--publish needs --provider-version (the version the broker records as verified)")
    if pacts and (selector_values or enable_pending or wip_since):
        raise click.UsageError(
            "--consumer-version-selector, --enable-pending and --include-wip-pacts-since choose pacts from the"
            " broker: give them without PACTS"
        )
    if wip_since is not None and not enable_pending:
        raise click.UsageError("--include-wip-pacts-since needs --enable-pending (WIP pacts are always pending)")
    selectors = _selectors(selector_values)
    if pacts:
        result = verifier.verify(*pacts)
        _report(result, output, junit_xml, provider_url)
        if publish and not result.unreachable:
            with open_broker(broker_url) as broker:
                _publish(broker, result)
        sys.exit(exit_code(result))
    with open_broker(broker_url) as broker:
        listed = broker.pacts_for_verification(
            provider,
            selectors=selectors or None,
            provider_branch=branch,
            include_pending=enable_pending,
            include_wip_since=wip_since,
        )
        _announce(listed, provider, broker.url)
        if not listed:
            sys.exit(0)
        result = verifier.verify(_Fetched([_sourced(p) for p in listed]))
        _report(result, output, junit_xml, provider_url)
        if publish and not result.unreachable:
            _publish(broker, result)
    sys.exit(exit_code(result))


class _Fetched:
    """The pacts already fetched from the broker, as a verifier ``PactSource``."""

    def __init__(self, items: list[SourcedPact]) -> None:
        self.items = items

    def pacts(self) -> list[SourcedPact]:
        return self.items


def _sourced(found: PactForVerification) -> SourcedPact:
    """The broker's plain answer as the verifier's `SourcedPact` (the CLI composes the two layers)."""
    return SourcedPact(
        pact=found.pact,
        origin=found.origin,
        pending=found.pending,
        error=found.error,
        consumer_version=found.consumer_version,
        consumer_versions=found.consumer_versions,
    )


def _announce(listed: Sequence[PactForVerification], provider: str, broker: str) -> None:
    """Say on stderr which pacts are verified for which consumer versions, and why."""
    if not listed:
        click.echo(
            f"No pacts to verify for {provider} in the broker at {broker} with these consumer version selectors:"
            " publish the consumers' pacts, or check --provider and --consumer-version-selector.",
            err=True,
        )
        return
    click.echo(f"Verifying {len(listed)} pacts from the broker at {broker}:", err=True)
    for found in listed:
        click.echo(f"  {found.describe()}", err=True)


def _report(result: VerificationResult, output: str, junit_xml: Path | None, provider_url: str) -> None:
    if junit_xml is not None:
        junit_xml.parent.mkdir(parents=True, exist_ok=True)
        junit_xml.write_text(result.to_junit_xml(), encoding="utf-8")
    if output == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(result.report())
        if result.unreachable:
            click.echo(f"\nThe provider is not reachable at {provider_url}: start it or fix --provider-url.", err=True)


def _publish(broker: Broker, result: VerificationResult) -> None:
    """One verification result per pact, keyed by its content so every consumer version sharing it counts."""
    assert result.provider_version is not None
    recorded = broker.publish_verification_results(
        provider=result.provider,
        provider_version=result.provider_version,
        branch=result.branch,
        results=result.verifications(),
    )
    for item, outcome in zip(recorded, result.pacts):
        verdict = "verified" if item.success else "failed"
        versions = ", ".join(outcome.consumer_versions) or outcome.consumer_version or outcome.origin
        click.echo(
            f"published: {item.consumer} -> {item.provider} {verdict}"
            + (" (pending)" if item.pending else "")
            + f" for {item.consumer} {versions}, pact {item.content_hash[:8]}",
            err=True,
        )
