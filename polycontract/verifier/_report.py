"""Rendering verification results: the text report, JUnit XML and the Pact Broker's ``testResults`` entries.

The renderers read results through the small protocols below (`ResultView`, `InteractionView`), which
`VerificationResult` and `InteractionResult` satisfy, so the results module uses this one and not the
other way round.

>>> jsonable((b"a", {1: None}))
['a', {'1': None}]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from polycontract.model import Mismatch

__all__ = [
    "ExtraCase",
    "InteractionView",
    "ResultView",
    "SourceErrorView",
    "jsonable",
    "junit_xml",
    "report",
    "test_name",
    "test_result",
    "text_comments",
]


class InteractionView(Protocol):
    """What the renderers read of one interaction's result (`InteractionResult` is one)."""

    @property
    def key(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def pending(self) -> bool: ...
    @property
    def failed(self) -> bool: ...
    @property
    def unverified(self) -> bool: ...
    @property
    def outcome(self) -> str: ...
    @property
    def mismatches(self) -> Sequence[Mismatch]: ...
    @property
    def error(self) -> str | None: ...
    @property
    def duration(self) -> float: ...
    @property
    def comments(self) -> Sequence[str]: ...
    @property
    def test_name(self) -> str | None: ...
    def explain(self) -> str: ...


class SourceErrorView(Protocol):
    """What the renderers read of a pact source that could not be verified (`SourceError` is one)."""

    @property
    def origin(self) -> str: ...
    @property
    def message(self) -> str: ...


class ResultView(Protocol):
    """What the renderers read of a whole verification (`VerificationResult` is one)."""

    @property
    def provider(self) -> str: ...
    @property
    def provider_version(self) -> str | None: ...
    @property
    def interactions(self) -> Sequence[InteractionView]: ...
    @property
    def source_errors(self) -> Sequence[SourceErrorView]: ...
    @property
    def unverified(self) -> Sequence[InteractionView]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def no_pacts(self) -> bool: ...
    @property
    def allow_no_pacts(self) -> bool: ...
    @property
    def duration(self) -> float: ...


#: A JUnit test case beyond the interactions' (a fuzzed interaction): suite, name, seconds, ``"failure"``,
#: ``"error"``, ``"skipped"`` or None (passed), the message and the text.
ExtraCase = tuple[str, str, float, "str | None", str, str]

_STATUS = {
    ("verified", False): "ok",
    ("verified", True): "ok",
    ("failed", False): "FAILED",
    ("failed", True): "pending, failed",
    ("could-not-verify", False): "COULD NOT VERIFY",
    ("could-not-verify", True): "pending, could not verify",
}


def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data (bytes decoded, unknown objects as their repr)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return repr(value)


def _comment_text(value: Any) -> str:
    """A comment as the Pact verifier prints it: a string as it is, anything else as JSON."""
    import json

    return value if isinstance(value, str) else json.dumps(value)


def text_comments(comments: Mapping[str, Any]) -> tuple[str, ...]:
    """The V4 text comments of an interaction (``comments.text``: a list, or one string), as printed.

    >>> text_comments({"text": ["cached", 7], "testname": "t"})
    ('cached', '7')
    """
    text = comments.get("text")
    if isinstance(text, list):
        return tuple(_comment_text(t) for t in text)
    return (text,) if isinstance(text, str) and text else ()


def test_name(comments: Mapping[str, Any]) -> str | None:
    """The name of the test that wrote the interaction (``comments.testname``), if any.

    >>> test_name({"testname": "test_get_user"})
    'test_get_user'
    """
    name = comments.get("testname")
    text = None if name is None else _comment_text(name)
    return text or None


def _commentary(r: InteractionView) -> list[str]:
    """The lines under an interaction's line: its test name and text comments (as the Pact verifier prints
    them after the interaction: ``Test Name: …`` then ``Comments:`` and one line per comment)."""
    lines = [f"      Test Name: {r.test_name}"] if r.test_name else []
    if r.comments:
        lines += ["      Comments:", *(f"        {c}" for c in r.comments)]
    return lines


def test_result(r: InteractionView) -> dict[str, Any]:
    """One interaction in the Pact Broker's ``testResults`` shape (as the Pact reference verifier sends it)."""
    entry: dict[str, Any] = {
        "interactionId": r.key,
        "interactionDescription": r.description,
        "success": r.ok,
        "mismatches": [
            {
                "attribute": m.kind,
                "identifier": m.path,
                "description": m.message,
                "expected": jsonable(m.expected),
                "actual": jsonable(m.actual),
            }
            for m in r.mismatches
        ],
    }
    if r.error is not None:
        entry["exception"] = r.error
    return entry


def report(result: ResultView, *, more: Sequence[str] = (), verdict: str | None = None) -> str:
    """The text report: one line per interaction, the details of what went wrong, counts and the outcome.

    ``more`` are lines of a further section (the fuzzed requests), put before the counts; ``verdict``
    replaces the last line when given.
    """
    lines = [
        f"Verifying provider {result.provider}"
        + (f" version {result.provider_version}" if result.provider_version else "")
    ]
    for error in result.source_errors:
        lines.append(f"  ERROR {error.origin}: {error.message}")
    for r in result.interactions:
        lines.append(f"  {r.title} ... {_STATUS[(r.outcome, r.pending)]} ({r.duration * 1000:.1f} ms)")
        lines += _commentary(r)
    failed = [r.explain() for r in result.interactions if r.outcome == "failed"]
    unchecked = [r.explain() for r in result.interactions if r.outcome == "could-not-verify"]
    if failed:
        lines += ["", "Failures:", *failed]
    if unchecked:
        lines += ["", "Could not verify:", *unchecked]
    if more:
        lines += ["", *more]
    counts = [f"{len(result.interactions)} interactions", f"{sum(r.ok for r in result.interactions)} passed"]
    counts.append(f"{sum(1 for r in result.interactions if r.outcome == 'failed' and not r.pending)} failed")
    if result.unverified:
        counts.append(f"{len(result.unverified)} could not be verified")
    pending = sum(1 for r in result.interactions if r.pending and not r.ok and not r.unverified)
    if pending:
        counts.append(f"{pending} pending failed (not counted)")
    if result.source_errors:
        counts.append(f"{len(result.source_errors)} pact sources unreadable")
    lines += ["", ", ".join(counts) + f" in {result.duration:.2f} s", verdict or _verdict(result)]
    return "\n".join(lines)


def _verdict(result: ResultView) -> str:
    outcome = result.outcome
    if outcome == "verified":
        if result.no_pacts:
            return f"Verified: no pacts for provider {result.provider} were found, and that was allowed."
        return "Verified: the provider honours every pact that counts."
    if outcome == "failed":
        return "Failed: the provider answered and broke the pact."
    if result.no_pacts:
        return (
            f"Could not verify: no pacts for provider {result.provider} were found, so nothing was checked; "
            "publish or pass the consumers' pacts and check the provider name, or accept it with --allow-no-pacts."
        )
    text = "Could not verify: some of the pacts were not checked (see above), so this is no pass."
    if any(r.failed and r.outcome == "failed" for r in result.interactions):
        text += " The failures listed are real: the provider broke the pact there."
    return text


def junit_xml(result: ResultView, *, more: Iterable[ExtraCase] = ()) -> str:
    """One test suite per consumer (version), one test case per interaction; failed ones are ``<failure>``,
    unchecked ones ``<error>``, pending ones ``<skipped>``. ``more`` adds test cases (fuzzed interactions)."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name=f"pact verification of {result.provider}")
    suites: dict[str, ET.Element] = {}

    def suite_for(name: str, title: str) -> ET.Element:
        if name not in suites:
            suites[name] = ET.SubElement(root, "testsuite", name=title)
        return suites[name]

    for error in result.source_errors:
        suite = suite_for("<sources>", "pact sources")
        case = ET.SubElement(suite, "testcase", classname="pact sources", name=error.origin, time="0")
        ET.SubElement(case, "error", message=error.message).text = error.message
    if result.no_pacts and not result.allow_no_pacts:
        suite = suite_for("<sources>", "pact sources")
        case = ET.SubElement(suite, "testcase", classname="pact sources", name="pacts to verify", time="0")
        message = f"no pacts for provider {result.provider} were found"
        ET.SubElement(case, "error", message=message).text = message
    for r in result.interactions:
        name = r.title.partition(": ")[0]
        suite = suite_for(name, name)
        case = ET.SubElement(
            suite, "testcase", classname=name, name=r.description, time=f"{r.duration:.6f}", file=r.origin
        )
        if r.pending and not r.ok and not r.unverified:
            ET.SubElement(case, "skipped", message="pending interaction failed").text = r.explain()
        elif not r.ok:
            first = r.error or (str(r.mismatches[0]) if r.mismatches else "failed")
            tag = "error" if r.outcome == "could-not-verify" else "failure"
            ET.SubElement(case, tag, message=first).text = r.explain()
    for suite_name, name, seconds, extra_tag, message, text in more:
        case = ET.SubElement(
            suite_for(suite_name, suite_name), "testcase", classname=suite_name, name=name, time=f"{seconds:.6f}"
        )
        if extra_tag is not None:
            ET.SubElement(case, extra_tag, message=message).text = text
    for suite in suites.values():
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
        suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
