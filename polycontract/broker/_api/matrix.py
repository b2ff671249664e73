"""``/matrix`` and ``/can-i-deploy`` of the broker's HTTP API, with the Pact Broker's query parameters.

The Pact CLI's ``can-i-deploy`` sends ``/matrix?q[][pacticipant]=P&q[][version]=V&latestby=cvpv&environment=E``
(``mainBranch=true`` for ``can-i-merge``) and exits on ``summary.deployable``; `Broker.can_i_deploy`
answers it. A selector without an environment or main branch only lists rows (``deployable`` is then
derived from them: any failure no, any unverified row unknown). Besides the Pact Broker's
``summary``/``notices``/``matrix``, answers carry a ``polycontract`` extension with the exact reasons
(``{target, reasons[{status, message, nextAction, counterpart, counterpartVersion, report}], warnings}``;
``report`` says, for a failed verification, which interactions failed and the first mismatches with their
paths) and rows carry ``pact.contentHash`` and a failed result's ``testResults``, so polycontract's HTTP
client rebuilds the same `Decision`. A failure's first mismatches also follow its notice text.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from anyio import to_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from polycontract.broker._api import catalog_queries as catalog
from polycontract.broker._api import matrix_pairs as pairs
from polycontract.broker._api.common import HAL_JSON_UTF8, HttpError, base_url, hal, seg
from polycontract.broker._api.pacts import pact_url
from polycontract.broker._api.verification_reads import verification_href
from polycontract.broker._embedded.broker import Broker
from polycontract.broker._store.session import Store
from polycontract.broker._values.checks import checked_fuzz_policy, deploy_target
from polycontract.broker._values.test_results import failures_json, reasons_json
from polycontract.errors import UsageError
from polycontract.matrix import Decision, FuzzPolicy, Ignore, Reason, Row

__all__ = ["can_i_deploy", "matrix", "rows_extension"]

_NOTICE_TYPE = {"ok": "success", "failed": "error", "ignored": "info", "no-dependencies": "success"}


def _selectors(request: Request, prefix: str) -> list[dict[str, str]]:
    """``q[][pacticipant]=A&q[][version]=1&q[][pacticipant]=B`` as ``[{pacticipant: A, version: 1}, {…: B}]``."""
    out: list[dict[str, str]] = []
    for key, value in request.query_params.multi_items():
        if not key.startswith(prefix + "[]["):
            continue
        field = key[len(prefix) + 3 : -1]
        if field == "pacticipant":
            out.append({"pacticipant": value})
        elif not out:
            raise HttpError(400, f"{key} must follow {prefix}[][pacticipant]", parameter=key)
        else:
            out[-1][field] = value
    return out


def _row_json(base: str, row: Row) -> dict[str, Any]:
    verification = None
    if row.success is not None and row.content_hash is not None:
        verification = {
            "success": row.success,
            "verifiedAt": row.verified_at.isoformat() if row.verified_at else None,
            "pending": row.pending,
            "testResults": failures_json(row.failures),
            "_links": {"self": {"href": verification_href(base, row)}},
        }
    return {
        "consumer": {
            "name": row.consumer,
            "version": {"number": row.consumer_version},
            "_links": {"self": {"href": f"{base}/pacticipants/{seg(row.consumer)}"}},
        },
        "provider": {
            "name": row.provider,
            "version": None if row.provider_version is None else {"number": row.provider_version},
            "_links": {"self": {"href": f"{base}/pacticipants/{seg(row.provider)}"}},
        },
        "pact": None
        if row.content_hash is None
        else {
            "contentHash": row.content_hash,
            "_links": {"self": {"href": pact_url(base, row.provider, row.consumer, row.content_hash)}},
        },
        "verificationResult": verification,
        "ignored": row.ignored,
        **({"polycontract": {"kind": "fuzz"}} if row.kind == "fuzz" else {}),  # only in answers asking about fuzz
    }


def _decision_json(base: str, decision: Decision) -> dict[str, Any]:
    counts = {"success": 0, "failed": 0, "unknown": 0, "ignored": 0}
    notices = []
    for why in decision.reasons:
        bucket = {"ok": "success", "no-dependencies": "success", "failed": "failed", "ignored": "ignored"}
        counts[bucket.get(why.status, "unknown")] += 1
        text = str(why) if why.report is None else "\n".join([str(why), *why.report.lines()])
        notices.append({"type": _NOTICE_TYPE.get(why.status, "warning"), "text": text})
    notices += [{"type": "warning", "text": w} for w in decision.warnings]
    verdict = {True: "yes", False: "no", None: "unknown"}[decision.ok]
    reason = f"can-i-deploy says {verdict}: {decision.pacticipant} {decision.version} to {decision.target}"
    return {
        "summary": {"deployable": decision.ok, "reason": reason, **counts},
        "notices": notices,
        "matrix": [_row_json(base, r) for r in decision.rows],
        "polycontract": {
            "target": decision.target,
            "reasons": reasons_json(decision.reasons),
            "warnings": list(decision.warnings),
        },
    }


def _rows_json(base: str, rows: tuple[Row, ...]) -> dict[str, Any]:
    counted = [r for r in rows if not r.ignored]
    failed = sum(r.success is False for r in counted)
    unknown = sum(r.success is None for r in counted)
    deployable = False if failed else (None if unknown else True)
    summary = {
        "deployable": deployable,
        "reason": f"{len(counted)} rows, {failed} failed, {unknown} unverified",
        "success": len(counted) - failed - unknown,
        "failed": failed,
        "unknown": unknown,
    }
    return {"summary": summary, "notices": [], "matrix": [_row_json(base, r) for r in rows]}


async def _answer(
    request: Request,
    selector: dict[str, str],
    environment: str | None,
    main_branch: bool,
    ignores: list[Ignore],
    tag: str | None = None,
    fuzz: FuzzPolicy = "ignore",
) -> Response:
    broker: Broker = request.app.state.broker
    base = base_url(request)
    name = selector["pacticipant"]
    if fuzz != "ignore":  # only our /can-i-deploy asks: computed each time (answers kept are for example results)
        chosen_version = selector["version"]
        document = await run_in_threadpool(
            lambda: _decision_answer(broker, base, name, [chosen_version], environment, False, ignores, None, fuzz)
        )
        document["polycontract"]["fuzz"] = fuzz  # said back: a broker that ignored the parameter does not say it
        return hal(document)
    if environment is not None or main_branch or tag is not None:
        if set(selector) == {"pacticipant", "version"}:  # the usual question: one hand-off, answers reused
            number, answers = selector["version"], request.app.state.answers
            key = ("can-i-deploy", base, name, number, environment, main_branch, tag, tuple(ignores))

            def compute() -> bytes:
                return _rendered(_decision_answer(broker, base, name, [number], environment, main_branch, ignores, tag))

            store = broker.internals.store
            kept = answers.kept(store, key) if store.inline_revision else None  # no hand-off to reuse an answer
            if kept is None and _from_memory(store, environment, main_branch, tag, ignores):
                kept = answers.answer(store, key, compute)  # no I/O at all: not worth a thread hand-off
            limiter = request.app.state.deciders if store.inline_revision else None  # SQLite: CPU-bound, local
            body = kept or await to_thread.run_sync(answers.answer, store, key, compute, limiter=limiter)
            return Response(body, media_type=HAL_JSON_UTF8)
        numbers = await _selected_versions(broker, selector)
        if numbers is None:
            raise HttpError(
                400,
                f"q[][version], q[][latest], q[][branch], q[][tag] or q[][mainBranch] is required for {name}"
                " (can-i-deploy checks versions)",
                parameter="q[][version]",
            )
        if not numbers:
            return hal(_decision_json(base, _nothing_selected(name, selector, environment, main_branch, tag)))
        chosen = numbers
        return hal(
            await run_in_threadpool(
                lambda: _decision_answer(broker, base, name, chosen, environment, main_branch, ignores, tag)
            )
        )
    numbers = await _selected_versions(broker, selector)
    branch, limit = selector.get("branch"), _limit(request)
    if numbers is None or set(selector) <= {"pacticipant", "version", "branch"}:
        version = selector.get("version")
        found = await run_in_threadpool(lambda: broker.matrix(name, version=version, branch=branch, limit=limit))
        return hal(await run_in_threadpool(pairs.with_created_at, broker, found, _rows_json(base, found)))
    rows: list[Row] = []
    for number in numbers:
        rows += await run_in_threadpool(partial(broker.matrix, name, version=number, limit=limit))
    kept = tuple(rows[:limit])
    return hal(await run_in_threadpool(pairs.with_created_at, broker, kept, _rows_json(base, kept)))


def _from_memory(
    store: Store, environment: str | None, main_branch: bool, tag: str | None, ignores: list[Ignore]
) -> bool:
    """Whether the usual question is answered from the estate snapshot alone, reading nothing but an SQLite
    file's revision token (microseconds, `Store.inline_revision`), so the event loop may compute it itself."""
    index = store.estate_index
    if not store.inline_revision or index is None or environment is None or main_branch or tag or ignores:
        return False
    snapshot = index.fresh()
    return snapshot is not None and not snapshot.has_schemas and environment in snapshot.environments


def _decision_answer(
    broker: Broker,
    base: str,
    name: str,
    numbers: list[str],
    environment: str | None,
    main_branch: bool,
    ignores: list[Ignore],
    tag: str | None,
    fuzz: FuzzPolicy = "ignore",
) -> dict[str, Any]:
    """The ``/matrix`` document deciding each of ``numbers`` (one thread-pool hand-off for the whole answer)."""
    decisions = [
        broker.can_i_deploy(
            name,
            number,
            to_environment=environment,
            to_main_branch=main_branch and environment is None,
            ignore=ignores,
            to_tag=tag if environment is None and not main_branch else None,
            fuzz=fuzz,
        )
        for number in numbers
    ]
    combined = _combined(decisions)
    return pairs.with_created_at(broker, combined.rows, _decision_json(base, combined))


def _rendered(document: dict[str, Any]) -> bytes:
    """``document`` as the bytes `hal` sends."""
    return bytes(hal(document).body)


async def _selected_versions(broker: Broker, selector: dict[str, str]) -> list[str] | None:
    """The versions a selector names, newest first; None when it names none (only a pacticipant).

    As the Pact Broker resolves a matrix selector (pact_broker ``lib/pact_broker/matrix/parse_query.rb``,
    ``selector_resolver.rb``): ``version`` is that version; ``branch``, ``tag`` and ``mainBranch=true`` narrow
    the pacticipant's versions; ``latest=true`` keeps the newest of them (or of all versions).
    """
    if "version" in selector:
        return [selector["version"]]
    latest = selector.get("latest") == "true"
    main_branch = selector.get("mainBranch") == "true"
    branch, tag = selector.get("branch") or None, selector.get("tag") or None
    if not (latest or main_branch or branch or tag):
        return None
    return await run_in_threadpool(
        lambda: catalog.selector_versions(
            broker, selector["pacticipant"], branch=branch, tag=tag, main_branch=main_branch, latest=latest
        )
    )


def _described(name: str, selector: dict[str, str]) -> str:
    """``the latest version of web on branch main with tag dev`` for a selector."""
    words = ["the latest version" if selector.get("latest") == "true" else "a version", "of", name]
    if selector.get("mainBranch") == "true":
        words.append("on its main branch")
    if selector.get("branch"):
        words += ["on branch", selector["branch"]]
    if selector.get("tag"):
        words += ["with tag", selector["tag"]]
    return " ".join(words)


def _nothing_selected(
    name: str, selector: dict[str, str], environment: str | None, main_branch: bool, tag: str | None
) -> Decision:
    """The Pact Broker's answer when a selector finds no version: not deployable, saying which was looked for."""
    what = _described(name, selector)
    reason = Reason(
        status="unknown-version",
        message=f"no {what.removeprefix('a ').removeprefix('the ')} is known to the broker",
        next_action=f"publish pacts, verification results or create-version for {name} first",
    )
    target = deploy_target(environment, main_branch and environment is None, tag)
    return Decision(ok=False, reasons=(reason,), rows=(), pacticipant=name, version="", target=target)


def _combined(decisions: list[Decision]) -> Decision:
    """One answer for several selected versions: each must be deployable (the Pact Broker checks every one)."""
    if len(decisions) == 1:
        return decisions[0]
    oks = [d.ok for d in decisions]
    ok = False if False in oks else (None if None in oks else True)
    first = decisions[0]
    return Decision(
        ok=ok,
        reasons=tuple(r for d in decisions for r in d.reasons),
        rows=tuple(r for d in decisions for r in d.rows),
        pacticipant=first.pacticipant,
        version=", ".join(d.version for d in decisions),
        target=first.target,
        warnings=tuple(dict.fromkeys(w for d in decisions for w in d.warnings)),
    )


async def matrix(request: Request) -> Response:
    """``GET /matrix``: ``q[][pacticipant|version|branch]``, ``environment``, ``mainBranch``, ``tag`` with
    ``latest=true`` (the Pact CLI's ``--to TAG``), ``ignore[][…]``."""
    selectors = _selectors(request, "q")
    if not selectors:
        raise HttpError(400, "q[][pacticipant] is required", parameter="q[][pacticipant]")
    if len(selectors) > 1 and not (request.query_params.get("environment") or request.query_params.get("mainBranch")):
        given = _selectors(request, "ignore")
        ignored = [Ignore(pacticipant=i["pacticipant"], version=i.get("version")) for i in given]
        return await pairs.several(
            request, selectors, ignored, limit=_limit(request), resolve=_selected_versions, row_json=_row_json
        )
    if len(selectors) > 1:
        raise HttpError(
            400,
            "several q[][pacticipant] selectors list the rows between them; environment= or mainBranch=true takes one",
            parameter="q[][pacticipant]",
        )
    if not selectors[0]["pacticipant"]:
        raise HttpError(400, "q[][pacticipant] must be a non-empty name", parameter="q[][pacticipant]")
    params = request.query_params
    _limit(request)  # refused even when environment= or mainBranch=true asks can-i-deploy, which lists every row
    tag = params.get("tag") or None
    if tag is not None and params.get("latest") != "true":
        raise HttpError(400, "tag= asks about the latest version with that tag: add latest=true", parameter="latest")
    ignores = [Ignore(pacticipant=i["pacticipant"], version=i.get("version")) for i in _selectors(request, "ignore")]
    environment = params.get("environment") or None
    main_branch = params.get("mainBranch") == "true"
    return await _answer(request, selectors[0], environment, main_branch, ignores, tag)


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "1000")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100_000:
        raise HttpError(400, f"limit={raw!r} must be a whole number from 1 to 100000", parameter="limit")
    return int(raw)


async def rows_extension(request: Request) -> Response:
    """``GET /polycontract/matrix?pacticipant=&version=&branch=&environment=&limit=``: rows for browsing.

    An extension: counterparts narrowed to what is live in ``environment`` (`Broker.matrix`), which the
    Pact Broker's ``/matrix`` cannot express (there ``environment=`` asks can-i-deploy).
    """
    params = request.query_params
    name = params.get("pacticipant")
    if not name:
        raise HttpError(400, "pacticipant is required", parameter="pacticipant")
    broker: Broker = request.app.state.broker
    limit = _limit(request)
    found = await run_in_threadpool(
        lambda: broker.matrix(
            name,
            version=params.get("version") or None,
            branch=params.get("branch") or None,
            environment=params.get("environment") or None,
            limit=limit,
        )
    )
    return hal(_rows_json(base_url(request), found))


async def can_i_deploy(request: Request) -> Response:
    """``GET /can-i-deploy?pacticipant=&version=&environment=&ignore[]=&fuzz=``: the same answer as ``/matrix``.

    ``fuzz`` (polycontract's, default ``ignore``) is ``count`` or ``require`` to count fuzz verifications (see
    `polycontract.matrix.decide`); the Pact Broker's ``/matrix`` form never counts them.
    """
    params = request.query_params
    name, version, environment = params.get("pacticipant"), params.get("version"), params.get("environment")
    if not name or not version or not environment:
        missing = [k for k, v in (("pacticipant", name), ("version", version), ("environment", environment)) if not v]
        raise HttpError(
            400,
            "pacticipant, version and environment are required",
            errors=[{"detail": f"{k} is required", "parameter": k} for k in missing],
        )
    ignores = [Ignore(pacticipant=i) for i in params.getlist("ignore[]") + params.getlist("ignore") if i]
    try:
        policy = checked_fuzz_policy(params.get("fuzz") or "ignore")
    except UsageError:
        raise HttpError(400, "fuzz must be ignore, count or require", parameter="fuzz") from None
    return await _answer(request, {"pacticipant": name, "version": version}, environment, False, ignores, fuzz=policy)
