"""``polycontract verify``: replay pacts against a running provider from CI.

Exit status: 0 when the provider honours every pact, 1 when an interaction fails, 2 for usage errors,
unreadable pacts and a provider that cannot be reached at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from polycontract.cli._broker_common import broker_option, open_broker
from polycontract.verifier import VerificationResult, Verifier


def _headers(values: tuple[str, ...]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r} is not 'Name: value'", param_hint="--header")
        headers[name.strip()] = text.strip()
    return headers


def exit_code(result: VerificationResult) -> int:
    """0 ok, 1 failed interactions, 2 unreadable pacts or an unreachable provider."""
    if result.source_errors or result.unreachable:
        return 2
    return 0 if result.ok else 1


@click.command()
@click.argument("pacts", nargs=-1, required=True, type=click.Path(path_type=Path))
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
    broker_url: str | None,
) -> None:
    """Verify PACTS (files or directories) against the provider running at --provider-url."""
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
    result = verifier.verify(*pacts)
    if junit_xml is not None:
        junit_xml.parent.mkdir(parents=True, exist_ok=True)
        junit_xml.write_text(result.to_junit_xml(), encoding="utf-8")
    if output == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(result.report())
        if result.unreachable:
            click.echo(f"\nThe provider is not reachable at {provider_url}: start it or fix --provider-url.", err=True)
    if publish and not result.unreachable:
        _publish(result, broker_url)
    sys.exit(exit_code(result))


def _publish(result: VerificationResult, broker_url: str | None) -> None:
    """One verification result per pact, keyed by its content so every consumer version sharing it counts."""
    assert result.provider_version is not None
    with open_broker(broker_url) as broker:
        for outcome in result.pacts:
            broker.publish_verification(
                provider=result.provider,
                provider_version=result.provider_version,
                content_hash=outcome.content_hash,
                success=outcome.ok,
                branch=result.branch,
                pending=outcome.pending,
            )
            verdict = "verified" if outcome.ok else "failed"
            click.echo(f"published: {outcome.consumer} -> {result.provider} {verdict} ({outcome.origin})", err=True)
