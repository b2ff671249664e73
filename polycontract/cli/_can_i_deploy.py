"""``polycontract can-i-deploy`` and ``polycontract matrix``: is a version safe to deploy, and why.

Exit codes: 0 safe (or ``--dry-run``), 1 not safe or unknown, 2 usage or connection error.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from polycontract.cli._broker_common import broker_option, emit, open_broker, output_option, print_table

if TYPE_CHECKING:
    from polycontract.broker import BrokerAPI
    from polycontract.matrix import Decision, FuzzPolicy, Ignore, Row

__all__ = ["can_i_deploy", "matrix"]

#: Seconds to wait between attempts; tests replace it.
sleep = time.sleep


def _ignores(values: tuple[str, ...]) -> tuple[Ignore, ...]:
    from polycontract.matrix import Ignore

    out = []
    for value in values:
        name, _, version = value.partition("@")
        out.append(Ignore(pacticipant=name, version=version or None))
    return tuple(out)


@click.command("can-i-deploy")
@click.option("--pacticipant", "-a", required=True, help="The application to deploy.")
@click.option("--version", "-e", "version", default=None, help="The version to deploy.")
@click.option("--latest", is_flag=True, help="Use the latest version instead of --version (on --branch if given).")
@click.option("--branch", default=None, help="Use the latest version on this branch instead of --version.")
@click.option("--to-environment", "to_environment", default=None, help="The environment to deploy to.")
@click.option("--to-main-branch", is_flag=True, help="Check against the latest main-branch versions (can I merge).")
@click.option(
    "--to",
    "--to-tag",
    "to_tag",
    default=None,
    metavar="TAG",
    help="Legacy tags, as the Pact CLI's --to: check against the latest version of each counterpart with TAG"
    " (--to-tag is an alias). For an environment use --to-environment.",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="NAME[@VERSION]",
    envvar="POLYCONTRACT_CAN_I_DEPLOY_IGNORE",
    help="Report but do not count this counterpart (repeatable).",
)
@click.option(
    "--retry-while-unknown", type=click.IntRange(min=0), default=0, help="Retry this many times while unknown."
)
@click.option("--retry-interval", type=click.FloatRange(min=0), default=10.0, show_default=True, help="Seconds.")
@click.option("--dry-run", is_flag=True, help="Show the answer but always exit 0.")
@click.option(
    "--fuzz",
    "fuzz",
    type=click.Choice(["ignore", "count", "require"]),
    default="ignore",
    show_default=True,
    help="What fuzz verifications (verify --fuzz --publish) do: ignore them, count a failed one as a failure,"
    " or require a passing one for every pair.",
)
@broker_option
@output_option
def can_i_deploy(
    pacticipant: str,
    version: str | None,
    latest: bool,
    branch: str | None,
    to_environment: str | None,
    to_main_branch: bool,
    to_tag: str | None,
    ignore: tuple[str, ...],
    retry_while_unknown: int,
    retry_interval: float,
    dry_run: bool,
    fuzz: FuzzPolicy,
    broker_url: str | None,
    output: str,
) -> None:
    """Is PACTICIPANT VERSION safe to deploy? Checks every counterpart version live in the target.

    ``--latest`` (or ``--branch B``, optionally with ``--latest``) picks the newest version of the
    pacticipant (on branch B) instead of ``--version``. Fuzz verifications count only with ``--fuzz count``
    (a failed one blocks) or ``--fuzz require`` (a missing one blocks too).
    """
    if [to_environment is not None, to_main_branch, to_tag is not None].count(True) != 1:
        raise click.UsageError("give exactly one of --to-environment ENV, --to-main-branch or --to TAG")
    by_recency = latest or branch is not None
    if (version is None) == (not by_recency):
        raise click.UsageError("give exactly one of --version V or --latest [--branch B] / --branch B")
    with open_broker(broker_url, create=False) as broker:
        warnings: tuple[str, ...] = ()
        if version is None:
            version = broker.latest_version(pacticipant, branch=branch)
            picked = "latest version" + (f" on branch {branch}" if branch is not None else "")
            warnings = (f"using the {picked} of {pacticipant} ({version}); specify --version to avoid race conditions",)
        if to_tag is not None and any(e.name == to_tag for e in broker.environments()):
            warnings += (
                f"--to {to_tag} names a tag, as in the Pact CLI; to check against the environment {to_tag}"
                f" use --to-environment {to_tag}",
            )
        for attempt in range(retry_while_unknown + 1):
            decision = broker.can_i_deploy(
                pacticipant,
                version,
                to_environment=to_environment,
                to_main_branch=to_main_branch,
                ignore=_ignores(ignore),
                to_tag=to_tag,
                fuzz=fuzz,
            )
            if decision.ok is not None or attempt == retry_while_unknown:
                break
            click.echo(f"waiting for verification results ({attempt + 1}/{retry_while_unknown})...", err=True)
            sleep(retry_interval)
    decision = replace(decision, warnings=warnings + decision.warnings)
    if output == "json":  # only the form printed is built: the text form loads no JSON helpers
        emit(output, _decision_json(decision, dry_run), "")
    else:
        emit(output, {}, _decision_text(decision, dry_run))
    if decision.ok is not True and not dry_run:
        raise click.exceptions.Exit(1)


@click.command("matrix")
@click.option("--pacticipant", "-a", required=True, help="The application whose integrations to list.")
@click.option("--version", "-e", "version", default=None, help="Only this version of it.")
@click.option("--branch", default=None, help="Only its versions on this branch.")
@click.option("--environment", default=None, help="Only counterpart versions live in this environment.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="At most this many pacts.")
@click.option(
    "--fuzz", "fuzz", is_flag=True, help="Also list fuzz verifications (marked fuzz; a broker database only)."
)
@broker_option
@output_option
def matrix(
    pacticipant: str,
    version: str | None,
    branch: str | None,
    environment: str | None,
    limit: int,
    fuzz: bool,
    broker_url: str | None,
    output: str,
) -> None:
    """List consumer version x provider version x verification result for an application's integrations."""
    with open_broker(broker_url, create=False) as broker:
        rows = broker.matrix(
            pacticipant, version=version, branch=branch, environment=environment, limit=limit, include_fuzz=fuzz
        )
        if not rows:
            _check_known(broker, pacticipant, version)
    if output == "json":
        emit(output, {"matrix": [_row_json(r) for r in rows]}, "")
    else:
        emit(output, {}, "\n".join([_rows_text(rows), *_failure_lines(rows)]) if rows else "no pacts found")


def _check_known(broker: BrokerAPI, pacticipant: str, version: str | None) -> None:
    """An unknown application or version is an error (exit 2), not an empty matrix read as "nothing to check"."""
    from polycontract.errors import StorageError

    known = broker.pacticipants()
    if pacticipant not in known:
        listed = ", ".join(known[:20]) + (", …" if len(known) > 20 else "")
        raise StorageError(
            f"pacticipant={pacticipant!r} is not known to the broker at {broker.url}"
            + (f" (known: {listed})" if known else " (it knows no application yet)")
        )
    if version is not None and not broker.has_version(pacticipant, version):
        raise StorageError(f"{pacticipant} has no version {version!r} in the broker at {broker.url}")


def _verdict(decision: Decision) -> str:
    return {True: "yes", False: "no", None: "unknown"}[decision.ok]


def _decision_text(decision: Decision, dry_run: bool) -> str:
    lines = [_rows_text(decision.rows), ""] if decision.rows else []
    for r in decision.reasons:
        lines.append(f"{'  ' if r.status in ('ok', 'ignored', 'no-dependencies') else '! '}{r.message}")
        lines += [f"    {line}" for line in (r.report.lines() if r.report is not None else ())]
    lines += [f"warning: {w}" for w in decision.warnings]
    if decision.next_actions:
        lines += ["", "next:"] + [f"  - {a}" for a in decision.next_actions]
    answer = {True: "yes", False: "no", None: "unknown (counted as no)"}[decision.ok]
    head = f"Can {decision.pacticipant} {decision.version} go to {decision.target}? {answer}"
    lines += ["", head + (" [dry run: exit 0]" if dry_run else "")]
    return "\n".join(lines)


def _decision_json(decision: Decision, dry_run: bool) -> dict[str, Any]:
    from polycontract.broker.support import reasons_json

    counted = [r for r in decision.reasons if r.status != "ignored"]
    return {
        "summary": {
            "deployable": decision.ok,
            "answer": _verdict(decision),
            "reason": "; ".join(r.message for r in counted[:1]),
            "success": sum(r.status == "ok" for r in counted),
            "failed": sum(r.status == "failed" for r in counted),
            "unknown": sum(r.status in ("unverified", "missing") for r in counted),
            "ignored": sum(r.status == "ignored" for r in decision.reasons),
            "dryRun": dry_run,
        },
        "pacticipant": decision.pacticipant,
        "version": decision.version,
        "target": decision.target,
        "reasons": reasons_json(decision.reasons),
        "nextActions": list(decision.next_actions),
        "warnings": list(decision.warnings),
        "matrix": [_row_json(r) for r in decision.rows],
    }


def _row_json(row: Row) -> dict[str, Any]:
    from polycontract.broker.support import failures_json

    return {
        "consumer": {"name": row.consumer, "version": row.consumer_version},
        "provider": {"name": row.provider, "version": row.provider_version},
        "pact": {"contentHash": row.content_hash},
        "verificationResult": None
        if row.success is None
        else {
            "success": row.success,
            "verifiedAt": row.verified_at,
            "pending": row.pending,
            "testResults": failures_json(row.failures),
        },
        "ignored": row.ignored,
        **({"kind": "fuzz"} if row.kind == "fuzz" else {}),
    }


def _failure_lines(rows: tuple[Row, ...]) -> list[str]:
    """For each failed row, which interactions failed and the first mismatches with their paths."""
    out: list[str] = []
    for r in rows:
        report = r.failure_report()
        if report is None:
            continue
        out += [
            f"  {line}" + (" [fuzz]" if r.kind == "fuzz" and i == 0 else "") for i, line in enumerate(report.lines())
        ]
    return ["", "failed verifications:", *out] if out else []


def _rows_text(rows: tuple[Row, ...]) -> str:
    headers = ("CONSUMER", "C.VERSION", "PROVIDER", "P.VERSION", "CONTENT", "SUCCESS?")
    success = {True: "true", False: "false", None: "-"}
    body = [
        (
            r.consumer,
            r.consumer_version,
            r.provider,
            r.provider_version or "-",
            (r.content_hash or "")[:8],
            success[r.success]
            + (" (fuzz)" if r.kind == "fuzz" else "")
            + (" (ignored)" if r.ignored else "")
            + (" (pending)" if r.pending else ""),
        )
        for r in rows
    ]
    return print_table(headers, body)
