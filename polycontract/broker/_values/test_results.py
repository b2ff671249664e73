"""Verification test results (the Pact Broker's ``testResults``): checked, bounded, stored and read back.

A verifier sends one entry per interaction. polycontract's verifier (``VerificationResult.verifications()``,
key ``test_results``) and the Pact reference verifier (``pact verifier --publish``) send the same shape::

    {"interactionId": "…", "interactionDescription": "a request for user 1", "success": false,
     "mismatches": [{"attribute": "body", "identifier": "$.body.name", "description": "Expected …",
                     "expected": …, "actual": …}],
     "exception": "…"}            # polycontract; the Pact verifier sends "exceptions": [{"message": "…"}]

`normalize` turns either into the stored form (``exceptions`` as a list of ``{"message"}``) and keeps it
bounded, so one broken provider cannot fill the database: at most `MAX_ENTRIES` interactions (failed
ones first), `MAX_MISMATCHES` mismatches per interaction (the rest counted in ``mismatchesOmitted``),
texts cut at `MAX_TEXT` characters, ``expected``/``actual`` values larger than `MAX_TEXT` characters of JSON
replaced by their cut JSON text, and at most `MAX_BYTES` of JSON in all (entries beyond it dropped and
counted in ``omitted``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from polycontract.errors import UsageError
from polycontract.matrix import FailureReport, InteractionFailure, MismatchDetail, Reason

__all__ = [
    "MAX_BYTES",
    "MAX_ENTRIES",
    "MAX_MISMATCHES",
    "MAX_TEXT",
    "dump",
    "failures_from_json",
    "failures_from_stored",
    "failures_json",
    "load",
    "normalize",
    "report_from_json",
    "report_json",
]

#: Interactions stored per verification (failed ones first).
MAX_ENTRIES = 200
#: Mismatches stored per interaction.
MAX_MISMATCHES = 10
#: Characters kept of each text (descriptions, paths, errors) and of each expected/actual value's JSON.
MAX_TEXT = 1000
#: Bytes of JSON stored per verification.
MAX_BYTES = 64 * 1024


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(value: Any) -> Any:
    """A JSON-ready value, or its cut JSON text when it is large or not JSON at all."""
    try:
        dumped = json.dumps(value)
    except (TypeError, ValueError):
        return _text(repr(value))
    return value if len(dumped) <= MAX_TEXT else _text(dumped)


def _mismatch(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise UsageError(f"{where} must be an object with attribute, identifier and description, got {item!r}")
    out: dict[str, Any] = {
        "attribute": _text(item.get("attribute")),
        "identifier": _text(item.get("identifier")),
        "description": _text(item.get("description")) or "",
    }
    for key in ("expected", "actual"):
        if key in item:
            out[key] = _value(item[key])
    return out


def _entry(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise UsageError(f"{where} must be an object (interactionId, interactionDescription, success), got {item!r}")
    success = item.get("success")
    if not isinstance(success, bool):
        raise UsageError(f"{where}.success must be true or false, got {success!r}")
    raw = item.get("mismatches") or []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise UsageError(f"{where}.mismatches must be a list, got {raw!r}")
    errors = [_text(item["exception"])] if item.get("exception") else []
    exceptions = item.get("exceptions") or []
    if not isinstance(exceptions, Sequence) or isinstance(exceptions, str):
        raise UsageError(f"{where}.exceptions must be a list, got {exceptions!r}")
    errors += [_text(e.get("message") if isinstance(e, Mapping) else e) for e in exceptions]
    omitted = item.get("mismatchesOmitted", 0)
    out: dict[str, Any] = {
        "interactionId": _text(item.get("interactionId")),
        "interactionDescription": _text(item.get("interactionDescription")),
        "success": success,
        "mismatches": [_mismatch(m, f"{where}.mismatches[{i}]") for i, m in enumerate(raw[:MAX_MISMATCHES])],
    }
    more = max(0, len(raw) - MAX_MISMATCHES) + (omitted if isinstance(omitted, int) and omitted > 0 else 0)
    if more:
        out["mismatchesOmitted"] = more
    if any(errors):
        out["exceptions"] = [{"message": e} for e in errors if e]
    return out


def normalize(raw: Any, *, where: str = "test_results") -> dict[str, Any] | None:
    """The stored form of a verifier's test results (None stays None: nothing recorded), bounded.

    Returns ``{"testResults": [entry…], "omitted": n}``; a malformed value is a `UsageError` naming ``where``.
    """
    if raw is None:
        return None
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise UsageError(f"{where} must be a list of test results (one object per interaction), got {raw!r}")
    entries = [_entry(item, f"{where}[{i}]") for i, item in enumerate(raw)]
    ordered = [e for e in entries if not e["success"]] + [e for e in entries if e["success"]]
    kept = ordered[:MAX_ENTRIES]
    size = 2
    for index, entry in enumerate(kept):
        size += len(json.dumps(entry)) + 1
        if size > MAX_BYTES:
            kept = kept[:index]
            break
    return {"testResults": kept, "omitted": len(entries) - len(kept)}


def dump(stored: dict[str, Any] | None) -> str | None:
    """The column text of normalized results."""
    return None if stored is None else json.dumps(stored, separators=(",", ":"))


def load(text: str | None) -> dict[str, Any] | None:
    """Normalized results from the column text (None: no details recorded)."""
    if not text:
        return None
    found = json.loads(text)
    return found if isinstance(found, dict) else None


def failures_from_stored(stored: dict[str, Any] | None) -> tuple[InteractionFailure, ...] | None:
    """The failed interactions of stored results (None when none were recorded)."""
    if stored is None:
        return None
    return failures_from_json([e for e in stored.get("testResults", ()) if not e.get("success", True)])


def failures_from_json(entries: Sequence[Any]) -> tuple[InteractionFailure, ...]:
    """`InteractionFailure` values from test-result entries (the stored or the HTTP form)."""
    out = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        mismatches = tuple(
            MismatchDetail(
                path=m.get("identifier"), description=str(m.get("description") or ""), attribute=m.get("attribute")
            )
            for m in entry.get("mismatches") or ()
            if isinstance(m, Mapping)
        )
        errors = [str(e.get("message")) for e in entry.get("exceptions") or () if isinstance(e, Mapping)]
        out.append(
            InteractionFailure(
                description=str(entry.get("interactionDescription") or entry.get("interactionId") or "an interaction"),
                interaction_id=entry.get("interactionId"),
                mismatches=mismatches,
                error="; ".join(errors) or None,
                omitted=int(entry.get("mismatchesOmitted") or 0),
            )
        )
    return tuple(out)


def failures_json(failures: tuple[InteractionFailure, ...] | None) -> list[dict[str, Any]] | None:
    """Failed interactions as test-result entries (the Pact Broker's shape), None when none were recorded."""
    if failures is None:
        return None
    return [
        {
            "interactionId": f.interaction_id,
            "interactionDescription": f.description,
            "success": False,
            "mismatches": [
                {"attribute": m.attribute, "identifier": m.path, "description": m.description} for m in f.mismatches
            ],
            **({"exceptions": [{"message": f.error}]} if f.error else {}),
            **({"mismatchesOmitted": f.omitted} if f.omitted else {}),
        }
        for f in failures
    ]


def report_json(report: FailureReport | None) -> dict[str, Any] | None:
    """A reason's `FailureReport` as JSON: who broke whom, the failed interactions and the explanation lines."""
    if report is None:
        return None
    return {
        "consumer": {"name": report.consumer, "version": report.consumer_version},
        "provider": {"name": report.provider, "version": report.provider_version},
        "contentHash": report.content_hash,
        "detailsRecorded": report.failures is not None,
        "testResults": failures_json(report.failures),
        "lines": list(report.lines()),
    }


def reasons_json(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    """can-i-deploy's reasons as JSON, each with its `report_json` (the CLI's ``--output json`` and the server's)."""
    return [
        {
            "status": r.status,
            "message": r.message,
            "nextAction": r.next_action,
            "counterpart": r.counterpart,
            "counterpartVersion": r.counterpart_version,
            "report": report_json(r.report),
        }
        for r in reasons
    ]


def report_from_json(item: Any) -> FailureReport | None:
    """A `FailureReport` from `report_json`'s form (None when absent or malformed)."""
    if not isinstance(item, Mapping):
        return None
    consumer, provider = item.get("consumer"), item.get("provider")
    if not isinstance(consumer, Mapping) or not isinstance(provider, Mapping):
        return None
    results = item.get("testResults")
    return FailureReport(
        consumer=str(consumer.get("name", "")),
        consumer_version=str(consumer.get("version", "")),
        provider=str(provider.get("name", "")),
        provider_version=str(provider.get("version", "")),
        content_hash=str(item.get("contentHash", "")),
        failures=failures_from_json(results) if isinstance(results, list) else None,
    )
