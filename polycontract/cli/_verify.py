"""``polycontract verify``: replay pacts against a running provider from CI.

Pacts come from files and directories (PACTS), or, when none are given, from the broker
(``--broker``) chosen by consumer version selectors, with pending and WIP pacts. Messages are made by
``--messages MODULE:OBJECT`` (a Python producer) or ``--message-url URL`` (an endpoint, as Pact's
message proxy). ``--publish`` records each measured pact's result in the broker. ``--fuzz N`` (with
``--seed`` and ``--fuzz-deadline``) then sends each HTTP interaction N requests drawn from its rules and
reports the smallest that broke the pact, apart from the example results; with ``--publish`` each pact whose
fuzzing was measured also gets a separate verification of kind ``fuzz`` (can-i-deploy counts it only when
asked: ``can-i-deploy --fuzz count``).

Exit status: 0 verified, 1 failed (the provider answered and broke a pact), 2 could not verify (no
pacts found, unreadable pacts, the provider unreachable, a provider state or message producer
missing...) and usage errors. Only measured results are published.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from polycontract.cli._broker_common import broker_option, open_broker
from polycontract.errors import UsageError
from polycontract.verifier import SourcedPact, VerificationResult, Verifier

if TYPE_CHECKING:
    from polycontract.broker import BrokerAPI, PactForVerification


def _headers(values: tuple[str, ...]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r} is not 'Name: value'", param_hint="--header")
        headers[name.strip()] = text.strip()
    return headers


def _selectors(values: tuple[str, ...]) -> list[dict[str, Any]]:
    from polycontract.broker import ConsumerVersionSelector

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
        try:  # checked now: a selector that cannot work is a usage error before any broker is opened
            ConsumerVersionSelector.from_json(selector)
        except UsageError as exc:
            raise click.BadParameter(f"{value!r}: {exc}", param_hint="--consumer-version-selector") from None
        selectors.append(selector)
    return selectors


def load_messages(spec: str) -> tuple[Any, Callable[..., Any] | None]:
    """``MODULE:OBJECT`` as (the object holding producers by description, a producer for any description).

    OBJECT is a message registry (anything with ``message_producers()``, such as a ``Verifier``, whose
    state handlers count too, or a ``MessageRegistry``), a mapping of descriptions to producers, or a
    callable ``(description, provider_states)``. MODULE is imported with the current directory on
    ``sys.path``.
    """
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise click.BadParameter(
            f"{spec!r} is not MODULE:OBJECT, e.g. myservice.contracts:messages", param_hint="--messages"
        )
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        found: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise click.BadParameter(
            f"cannot import {module_name!r} ({type(exc).__name__}: {exc}); run from the directory that holds it",
            param_hint="--messages",
        ) from None
    for name in attribute.split("."):
        if not hasattr(found, name):
            raise click.BadParameter(f"module {module_name!r} has no {attribute!r}", param_hint="--messages")
        found = getattr(found, name)
    if callable(getattr(found, "message_producers", None)) or isinstance(found, Mapping):
        return found, None
    if callable(found):
        return None, found
    raise click.BadParameter(
        f"{spec} is a {type(found).__name__}: give a callable (description, provider_states) -> message, or a "
        "registry of producers (a Verifier or polycontract.verifier.MessageRegistry)",
        param_hint="--messages",
    )


@click.command()
@click.argument("pacts", nargs=-1, type=click.Path(path_type=Path))
@click.option("--provider", required=True, help="The provider's name, as the pacts spell it.")
@click.option(
    "--provider-url",
    default=None,
    help="Base URL of the running provider, e.g. http://127.0.0.1:8000 (not needed for pacts of messages only).",
)
@click.option("--provider-version", default=None, help="Version of the provider being verified (e.g. a git sha).")
@click.option("--branch", default=None, help="Branch of the provider being verified.")
@click.option("--state-change-url", default=None, help="URL (or path on the provider) receiving state changes.")
@click.option("--base-path", default="", help="Path put in front of every request path, e.g. /api.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True))
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="Header added to every request.")
@click.option(
    "--messages",
    "messages_spec",
    default=None,
    metavar="MODULE:OBJECT",
    help="The message producer: a callable (description, provider_states) -> message, or a registry of producers"
    " by description (a Verifier or a polycontract.verifier.MessageRegistry).",
)
@click.option(
    "--message-url",
    default=None,
    metavar="URL",
    help="An endpoint that makes messages: it receives POST {description, providerStates} and answers the message"
    " (metadata in the Pact-Message-Metadata header, base64 JSON), as Pact's message proxy does.",
)
@click.option("--allow-no-pacts", is_flag=True, help="Finding no pacts to verify is a success (exit 0), not exit 2.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write JUnit XML.")
@click.option(
    "--publish",
    is_flag=True,
    help="Record each pact's result in the broker (needs --provider-version). With --fuzz, each pact whose fuzzing"
    " was measured also gets a separate verification of kind fuzz (can-i-deploy ignores it unless --fuzz count).",
)
@click.option(
    "--fuzz",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="N",
    help="After the example verification, send up to N requests per HTTP interaction drawn from its request's"
    " matching rules, and report the smallest that broke the pact (needs the extra 'hypothesis').",
)
@click.option("--seed", "fuzz_seed", default=None, type=int, help="With --fuzz: the seed that repeats a fuzz run.")
@click.option(
    "--fuzz-deadline",
    default=None,
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="With --fuzz: bound the whole fuzz run; when reached, no further request is sent (and that is reported).",
)
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
    provider_url: str | None,
    provider_version: str | None,
    branch: str | None,
    state_change_url: str | None,
    base_path: str,
    timeout: float,
    headers: tuple[str, ...],
    messages_spec: str | None,
    message_url: str | None,
    allow_no_pacts: bool,
    output: str,
    junit_xml: Path | None,
    publish: bool,
    fuzz: int,
    fuzz_seed: int | None,
    fuzz_deadline: float | None,
    selector_values: tuple[str, ...],
    enable_pending: bool,
    wip_since: datetime | None,
    broker_url: str | None,
) -> None:
    """Verify PACTS (files or directories), or the broker's pacts for --provider, against --provider-url.

    Exit 0: verified; 1: the provider broke a pact (or, with --fuzz, a fuzzed request); 2: could not verify
    (nothing is published for it).
    """
    _check_fuzz(fuzz, fuzz_seed, fuzz_deadline)
    registry, any_message = load_messages(messages_spec) if messages_spec else (None, None)
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
            message_producer=any_message,
            message_url=message_url,
            fuzz=fuzz,
            fuzz_seed=fuzz_seed,
            fuzz_deadline=fuzz_deadline,
        )
        _adopt_producers(verifier, registry)
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
        result = verifier.verify(*pacts, allow_no_pacts=allow_no_pacts)
        _report(result, output, junit_xml, provider_url)
        if publish and result.measured_pacts:
            with open_broker(broker_url) as broker:
                _publish(broker, result)
                if result.fuzz is not None:
                    _publish_fuzz(broker, result)
        elif publish:
            _not_published(result)
        sys.exit(result.exit_code)
    with open_broker(broker_url, create=False) as broker:
        listed = broker.pacts_for_verification(
            provider,
            selectors=selectors or None,
            provider_branch=branch,
            include_pending=enable_pending,
            include_wip_since=wip_since,
        )
        _announce(listed, provider, broker.url)
        result = verifier.verify(_Fetched([_sourced(p) for p in listed]), allow_no_pacts=allow_no_pacts)
        _report(result, output, junit_xml, provider_url)
        if publish and result.measured_pacts:
            _publish(broker, result)
            if result.fuzz is not None:
                _publish_fuzz(broker, result)
        elif publish:
            _not_published(result)
    sys.exit(result.exit_code)


def _check_fuzz(fuzz: int, fuzz_seed: int | None, fuzz_deadline: float | None) -> None:
    """Refuse --seed and --fuzz-deadline without --fuzz (without hypothesis, `Verifier` refuses --fuzz: exit 2)."""
    if not fuzz and (fuzz_seed is not None or fuzz_deadline is not None):
        raise click.UsageError("--seed and --fuzz-deadline go with --fuzz N (the requests to send per interaction)")


def _adopt_producers(verifier: Verifier, registry: Any) -> None:
    """Register the producers of ``registry`` (and the state handlers of a ``Verifier``) with ``verifier``."""
    if registry is None:
        return
    producers = registry if isinstance(registry, Mapping) else registry.message_producers()
    for description, producer in dict(producers).items():
        verifier.add_message(str(description), producer)
    handlers = getattr(registry, "state_handlers", None)
    for name, handler in (handlers() if callable(handlers) else {}).items():
        verifier.add_state(name, handler)


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
        notices=found.notices,
    )


def _announce(listed: Sequence[PactForVerification], provider: str, broker: str) -> None:
    """Say on stderr which pacts are verified for which consumer versions, and why."""
    if not listed:
        click.echo(
            f"No pacts to verify for {provider} in the broker at {broker} with these consumer version selectors:"
            " publish the consumers' pacts, or check --broker, --provider and --consumer-version-selector.",
            err=True,
        )
        return
    click.echo(f"Verifying {len(listed)} pacts from the broker at {broker}:", err=True)
    for found in listed:
        click.echo(f"  {found.describe()}", err=True)


def _report(result: VerificationResult, output: str, junit_xml: Path | None, provider_url: str | None) -> None:
    if junit_xml is not None:
        junit_xml.parent.mkdir(parents=True, exist_ok=True)
        junit_xml.write_text(result.to_junit_xml(), encoding="utf-8")
    if output == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
        if result.fuzz is not None and result.outcome != result.example_outcome:
            click.echo(f"fuzz: {result.fuzz.outcome}; the example verification: {result.example_outcome}", err=True)
    else:
        click.echo(result.report())
        if result.unreachable:
            where = f" at {provider_url}" if provider_url else ""
            click.echo(f"\nThe provider is not reachable{where}: start it or fix --provider-url.", err=True)


def _publish(broker: BrokerAPI, result: VerificationResult) -> None:
    """One verification result per measured pact, keyed by its content so every consumer version sharing it
    counts; pacts that could not be verified are named and left out."""
    assert result.provider_version is not None
    recorded = broker.publish_verification_results(
        provider=result.provider,
        provider_version=result.provider_version,
        branch=result.branch,
        results=result.verifications(),
    )
    for item, outcome in zip(recorded, result.measured_pacts):
        verdict = "verified" if item.success else "failed"
        versions = ", ".join(outcome.versions) or outcome.origin
        click.echo(
            f"published: {item.consumer} -> {item.provider} {verdict}"
            + (" (pending)" if item.pending else "")
            + f" for {item.consumer} {versions}, pact {item.content_hash[:8]}",
            err=True,
        )
    _not_published(result)


def _publish_fuzz(broker: BrokerAPI, result: VerificationResult) -> None:
    """The fuzz verification of each pact whose fuzzing was measured, recorded apart from its example result;
    the pacts with nothing measured are named and left out (fail closed)."""
    assert result.provider_version is not None
    items, notes = result.fuzz_verifications()
    if items:  # nothing measured: nothing is announced or sent, the notes say why
        click.echo(
            "publishing the fuzz results apart from the example results, as verifications of kind fuzz", err=True
        )
        recorded = broker.publish_verification_results(
            provider=result.provider,
            provider_version=result.provider_version,
            branch=result.branch,
            results=items,
        )
        for item in recorded:
            verdict = "passed" if item.success else "failed"
            click.echo(
                f"published fuzz verification: {item.consumer} -> {item.provider} {verdict}, "
                f"pact {item.content_hash[:8]}",
                err=True,
            )
    for note in notes:
        click.echo(f"fuzz verification not published: {note}", err=True)


def _not_published(result: VerificationResult) -> None:
    for outcome in result.unmeasured_pacts:
        versions = ", ".join(outcome.versions) or outcome.origin
        click.echo(
            f"not published: {outcome.consumer} -> {result.provider} for {outcome.consumer} {versions}, pact"
            f" {outcome.content_hash[:8]}: it could not be verified, so there is no result to record",
            err=True,
        )
