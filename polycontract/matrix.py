"""The version matrix and the can-i-deploy decision, as plain functions over plain data.

A matrix row pairs one consumer version with one provider version through the pact content the
consumer published, and carries the latest verification of that content by that provider version
(or none). Verifications belong to the *content hash*, so a result is reused by every consumer
version that published identical content.

`decide` answers "can this pacticipant version go to this target?" by checking every integration in
both directions against **every** counterpart version live in the target: each deployed application
instance and each released-and-supported version is checked on its own (unlike pact_broker#903,
where two live provider versions could yield a false "yes").

The data classes (`Publication`, `Verification`, `Row`, `Decision`...) are defined in
`polycontract._matrix_values` and imported from here.

>>> estate = Estate(
...     publications=(Publication(consumer="web", consumer_version="1", provider="auth", content_hash="ab" * 32),),
...     verifications=(Verification(provider="auth", provider_version="7", content_hash="ab" * 32, success=True),),
...     live=(LiveVersion(pacticipant="auth", version="7", target="prod"),),
...     versions=frozenset({("web", "1"), ("auth", "7")}),
... )
>>> decide(estate, "web", "1", target="prod").ok
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeAlias

from polycontract._failure_report import FailureReport, InteractionFailure, MismatchDetail
from polycontract._matrix_values import (
    Decision,
    Estate,
    FuzzPolicy,
    Ignore,
    LiveVersion,
    Publication,
    Reason,
    Row,
    Status,
    Verification,
    VerificationKind,
)
from polycontract.errors import UsageError

__all__ = [
    "Decision",
    "Estate",
    "FailureReport",
    "FuzzPolicy",
    "Ignore",
    "InteractionFailure",
    "LiveVersion",
    "MismatchDetail",
    "Publication",
    "Reason",
    "Row",
    "Status",
    "Verification",
    "VerificationKind",
    "decide",
    "rows",
]


def rows(
    publications: Iterable[Publication],
    verifications: Iterable[Verification],
    *,
    provider_versions: Iterable[tuple[str, str]] | None = None,
) -> tuple[Row, ...]:
    """Join publications to verifications on content hash (left outer join, latest result per version pair).

    Every verification of a publication's content yields a row (one per provider version); a
    publication without any yields a row with ``provider_version=None``. ``provider_versions``
    (pairs of provider name and version) restricts the provider side; a publication with no
    result from any of them still yields an empty row.

    Fuzz verifications (``kind="fuzz"``), when given, yield their own rows (``Row.kind == "fuzz"``) after the
    example rows of the same publication; a publication with no example result still yields its empty row.
    """
    wanted = None if provider_versions is None else set(provider_versions)
    verifications = tuple(verifications)
    by_content: dict[tuple[str, str], list[Verification]] = {}
    for kind in ("example", "fuzz"):
        for (provider, _version, content), verification in _latest_results(verifications, kind).items():
            if wanted is None or (provider, verification.provider_version) in wanted:
                by_content.setdefault((provider, content), []).append(verification)
    out: list[Row] = []
    for pub in publications:
        found = sorted(
            by_content.get((pub.provider, pub.content_hash), []),
            key=lambda v: (v.kind != "example", v.provider_version),
        )
        if not any(v.kind == "example" for v in found):
            out.append(_row(pub, None, None))
        out += [_row(pub, v.provider_version, v) for v in found]
    return tuple(out)


def decide(
    estate: Estate,
    pacticipant: str,
    version: str,
    *,
    target: str,
    ignore: Sequence[Ignore | str] = (),
    extra: Sequence[Reason] = (),
    fuzz: FuzzPolicy = "ignore",
) -> Decision:
    """Can ``pacticipant`` ``version`` go to ``target`` without breaking any live counterpart version?

    As a consumer, every provider its pact names is required, and each live version of that provider
    must have verified the pact's content. As a provider, each live consumer version that has a pact
    with it must be satisfied by a verification from this version; consumers are not required to be
    live. Failures make the answer False; missing verifications or counterparts make it None (unknown).

    ``extra`` adds reasons found elsewhere (schema checks, see `polycontract.schema_matrix`); they
    count and are ignored (by their ``counterpart`` and ``counterpart_version``) like pact reasons.

    ``fuzz`` says what fuzz verifications (``Verification.kind == "fuzz"``) do: ``ignore`` (the default) leaves
    every answer as it would be without them; ``count`` adds, for each pair checked against a provider version,
    a reason from that version's latest fuzz result of the pact content (a failure blocks); ``require`` also
    blocks (unknown) a pair with no fuzz result. Such reasons name "fuzz".
    """
    if fuzz not in ("ignore", "count", "require"):
        raise UsageError(f"fuzz={fuzz!r} is not one of 'ignore', 'count', 'require'")
    ignores = tuple(Ignore(pacticipant=i) if isinstance(i, str) else i for i in ignore)
    warnings = _ignore_warnings(estate, ignores)
    if (pacticipant, version) not in estate.versions:
        reason = Reason(
            status="unknown-version",
            message=f"{pacticipant} {version} is not known to the broker",
            next_action=f"publish pacts, verification results or create-version for {pacticipant} {version} first",
        )
        return Decision(ok=False, reasons=(reason,), rows=(), pacticipant=pacticipant, version=version, target=target)
    latest = _latest_results(estate.verifications, "example")
    live = _live_versions(estate)
    checks = _as_consumer(estate, live, latest, pacticipant, version, target) + _as_provider(
        estate, live, latest, pacticipant, version
    )
    if fuzz != "ignore":
        checks = _with_fuzz(checks, _latest_results(estate.verifications, "fuzz"), require=fuzz == "require")
    checks += [(r, None, r.counterpart or "", r.counterpart_version) for r in extra]
    reasons: list[Reason] = []
    row_list: list[Row] = []
    for reason, row, counterpart, counterpart_version in checks:
        if any(i.covers(counterpart, counterpart_version) for i in ignores):
            reason = replace(reason, status="ignored", message=f"Ignoring: {reason.message}", next_action=None)
            row = None if row is None else replace(row, ignored=True)
        reasons.append(reason)
        if row is not None:
            row_list.append(row)
    counted = [r.status for r in reasons if r.status != "ignored"]
    ok: bool | None = True
    if "failed" in counted:
        ok = False
    elif "unverified" in counted or "missing" in counted:
        ok = None
    if not counted:
        reasons.append(Reason(status="no-dependencies", message=f"There are no missing dependencies in {target}"))
    return Decision(
        ok=ok,
        reasons=tuple(reasons),
        rows=tuple(row_list),
        pacticipant=pacticipant,
        version=version,
        target=target,
        warnings=warnings,
    )


def _ignore_warnings(estate: Estate, ignores: tuple[Ignore, ...]) -> tuple[str, ...]:
    """A warning for each ignore selector that names nothing the broker knows."""
    if not ignores:
        return ()
    known_names = {name for name, _ in estate.versions}
    return tuple(
        f"Cannot ignore {i.pacticipant}{'' if i.version is None else ' ' + i.version}: not found in the broker"
        for i in ignores
        if (
            i.pacticipant not in known_names if i.version is None else (i.pacticipant, i.version) not in estate.versions
        )
    )


_Check: TypeAlias = tuple[Reason, Row | None, str, str | None]
_Latest: TypeAlias = dict[tuple[str, str, str], Verification]
_Live: TypeAlias = dict[str, list[LiveVersion]]


def _as_consumer(
    estate: Estate, live_versions: _Live, latest: _Latest, consumer: str, version: str, target: str
) -> list[_Check]:
    """Checks for each provider the consumer version's pacts name, against each live provider version."""
    checks: list[_Check] = []
    own = sorted(
        {p for p in estate.publications if p.consumer == consumer and p.consumer_version == version},
        key=lambda p: p.provider,
    )
    for pub in own:
        live = _described(live_versions.get(pub.provider, []))
        short = pub.content_hash[:8]
        if not live:
            message = (
                f"{consumer} {version} needs a version of {pub.provider} in {target},"
                f" but none is currently deployed or released there"
            )
            action = (
                f"deploy or release a version of {pub.provider} to {target} that verifies"
                f" pact content {short} from {consumer} {version}"
            )
            reason = Reason(status="missing", message=message, next_action=action, counterpart=pub.provider)
            checks.append((reason, _row(pub, None, None), pub.provider, None))
            continue
        for provider_version, how in live:
            result = latest.get((pub.provider, provider_version, pub.content_hash))
            reason = _judge(pub, provider_version, how, result, counterpart=pub.provider)
            checks.append((reason, _row(pub, provider_version, result), pub.provider, provider_version))
    return checks


def _as_provider(estate: Estate, live_versions: _Live, latest: _Latest, provider: str, version: str) -> list[_Check]:
    """Checks for each live consumer version that has a pact with this provider."""
    checks: list[_Check] = []
    pubs = {(p.consumer, p.consumer_version): p for p in estate.publications if p.provider == provider}
    consumers = sorted({c for c, _ in pubs})
    for consumer in consumers:
        if consumer == provider:
            continue
        for consumer_version, how in _described(live_versions.get(consumer, [])):
            pub = pubs.get((consumer, consumer_version))
            if pub is None:
                continue  # that live consumer version predates the integration: nothing to satisfy
            result = latest.get((provider, version, pub.content_hash))
            reason = _judge(pub, version, None, result, counterpart=consumer, consumer_how=how)
            checks.append((reason, _row(pub, version, result), consumer, consumer_version))
    return checks


def _judge(
    pub: Publication,
    provider_version: str,
    provider_how: str | None,
    result: Verification | None,
    *,
    counterpart: str,
    consumer_how: str | None = None,
) -> Reason:
    """One reason line for one consumer version x provider version pair."""
    consumer_side = f"{pub.consumer} {pub.consumer_version}" + (f" ({consumer_how})" if consumer_how else "")
    provider_side = f"{pub.provider} {provider_version}" + (f" ({provider_how})" if provider_how else "")
    short = pub.content_hash[:8]
    counterpart_version = pub.consumer_version if counterpart == pub.consumer else provider_version
    common: dict[str, Any] = {"counterpart": counterpart, "counterpart_version": counterpart_version}
    if result is None:
        return Reason(
            status="unverified",
            message=f"There is no verified pact between {consumer_side} and {provider_side}",
            next_action=(
                f"provider {pub.provider} {provider_version} must verify pact content {short}"
                f" from {pub.consumer} {pub.consumer_version}"
            ),
            **common,
        )
    if result.success:
        return Reason(
            status="ok",
            message=f"The pact between {consumer_side} and {provider_side} is verified (content {short})",
            **common,
        )
    pending = " (published while the pact was pending; pending does not make a failure safe)" if result.pending else ""
    report = _row(pub, provider_version, result).failure_report()
    return Reason(
        status="failed",
        message=f"The verification of the pact between {consumer_side} and {provider_side} failed{pending}",
        next_action=(
            f"provider {pub.provider} {provider_version} fails pact content {short} from"
            f" {pub.consumer} {pub.consumer_version}: fix the provider or the consumer's expectations,"
            f" or first deploy a version of {pub.provider} that verifies it"
        ),
        report=report,
        **common,
    )


def _with_fuzz(checks: list[_Check], latest: _Latest, *, require: bool) -> list[_Check]:
    """``checks`` with, after each pair checked against a provider version, the reason its fuzz result gives."""
    out: list[_Check] = []
    for check in checks:
        out.append(check)
        row = check[1]
        if row is None or row.provider_version is None or row.content_hash is None:
            continue
        result = latest.get((row.provider, row.provider_version, row.content_hash))
        if result is None and not require:
            continue
        pub = Publication(
            consumer=row.consumer,
            consumer_version=row.consumer_version,
            provider=row.provider,
            content_hash=row.content_hash,
        )
        reason = _judge_fuzz(pub, row.provider_version, result, check[0])
        fuzz_row = replace(_row(pub, row.provider_version, result), kind="fuzz")
        out.append((reason, fuzz_row, check[2], check[3]))
    return out


def _judge_fuzz(pub: Publication, provider_version: str, result: Verification | None, example: Reason) -> Reason:
    """One reason line for the fuzz verification of one consumer version x provider version pair."""
    pair = f"{pub.consumer} {pub.consumer_version} and {pub.provider} {provider_version}"
    short = pub.content_hash[:8]
    common: dict[str, Any] = {"counterpart": example.counterpart, "counterpart_version": example.counterpart_version}
    if result is None:
        return Reason(
            status="unverified",
            message=f"There is no fuzz verification of the pact between {pair} (content {short})",
            next_action=f"provider {pub.provider} {provider_version} must verify pact content {short} with --fuzz",
            **common,
        )
    if result.success:
        return Reason(status="ok", message=f"The fuzz verification of the pact between {pair} passed", **common)
    report = _row(pub, provider_version, result).failure_report()
    return Reason(
        status="failed",
        message=f"The fuzz verification of the pact between {pair} failed (content {short})",
        next_action=(
            f"provider {pub.provider} {provider_version} fails requests generated within pact content {short}:"
            " fix the provider, or deploy without counting fuzz results"
        ),
        report=report,
        **common,
    )


def _live_versions(estate: Estate) -> _Live:
    """The live versions of each pacticipant, in the estate's order."""
    found: _Live = {}
    for live in estate.live:
        found.setdefault(live.pacticipant, []).append(live)
    return found


def _described(lives: list[LiveVersion]) -> list[tuple[str, str]]:
    """Each distinct version of ``lives`` (one pacticipant's) with how it is live (all instances and releases)."""
    found: dict[str, list[str]] = {}
    for live in lives:
        found.setdefault(live.version, []).append(live.describe())
    return [(v, ", ".join(sorted(set(how)))) for v, how in sorted(found.items())]


def _latest_results(verifications: Iterable[Verification], kind: VerificationKind = "example") -> _Latest:
    """The latest verification of ``kind`` per (provider, provider version, content); later input wins ties."""
    latest: _Latest = {}
    for verification in verifications:
        if verification.kind != kind:
            continue
        key = (verification.provider, verification.provider_version, verification.content_hash)
        known = latest.get(key)
        if (
            known is None
            or verification.verified_at is None
            or known.verified_at is None
            or verification.verified_at >= known.verified_at
        ):
            latest[key] = verification
    return latest


def _row(pub: Publication, provider_version: str | None, result: Verification | None) -> Row:
    return Row(
        consumer=pub.consumer,
        consumer_version=pub.consumer_version,
        provider=pub.provider,
        provider_version=provider_version,
        content_hash=pub.content_hash,
        success=None if result is None else result.success,
        verified_at=None if result is None else result.verified_at,
        pending=False if result is None else result.pending,
        failures=None if result is None or result.success else result.failures,
        verification_id=None if result is None else result.id,
        kind="example" if result is None else result.kind,
    )
