"""Rendering a fuzz run: the report's "Fuzzed requests" section, its verdict, and its JUnit test cases.

>>> from polycontract.verifier._fuzz_result import FuzzRun
>>> fuzz_section(FuzzRun(examples=20, seed=1))[0]
'Fuzzed requests (seed 1, up to 20 per HTTP interaction; kept apart from the example results):'
"""

from __future__ import annotations

from polycontract.verifier._fuzz_result import FAILED, NOT_FUZZED, FuzzRun
from polycontract.verifier._report import ExtraCase

__all__ = ["fuzz_cases", "fuzz_section", "fuzz_verdict"]


def fuzz_section(run: FuzzRun) -> list[str]:
    """The lines of the "Fuzzed requests" section: one per interaction, then the smallest failing requests."""
    bound = f", deadline {run.deadline:g} s" if run.deadline is not None else ""
    lines = [
        f"Fuzzed requests (seed {run.seed}, up to {run.examples} per HTTP interaction{bound}; "
        "kept apart from the example results):"
    ]
    lines += [f"  {r.title} ... {r.status}" for r in run.results]
    failures = [r.explain() for r in run.results if r.outcome == FAILED and r.smallest is not None]
    if failures:
        lines += ["", "Fuzz failures (the example passed or failed separately, above):", *failures]
    passed = sum(1 for r in run.results if r.outcome not in (FAILED, NOT_FUZZED))
    counts = [f"{len(run.results)} interactions", f"{passed} passed fuzzing"]
    counts.append(f"{sum(1 for r in run.results if r.failed)} failed fuzzing")
    pending = _pending_failures(run)
    if pending:
        counts.append(f"{pending} pending failed (not counted)")
    if run.not_fuzzed:
        counts.append(f"{len(run.not_fuzzed)} not fuzzed")
    sent = sum(r.sent for r in run.results)
    lines.append(", ".join(counts) + f"; {sent} requests sent in {run.duration:.2f} s")
    if run.deadline_reached:
        lines.append(f"The fuzz deadline ({run.deadline:g} s) was reached: not every request was sent.")
    if run.outcome == FAILED:
        lines.append(f"Repeat this fuzz run with --seed {run.seed} (fuzz_seed={run.seed}).")
    return lines


def fuzz_verdict(run: FuzzRun, example_outcome: str) -> str | None:
    """The report's last line when the examples verified (None: the example verdict stands)."""
    if example_outcome != "verified":
        return None
    if run.outcome == "failed":
        return (
            "Failed (fuzz): every example verified, but the provider broke the pact on a fuzzed request "
            '(see "Fuzzed requests" above); only the example results are published.'
        )
    if run.outcome == "could-not-verify":
        return (
            'Could not verify (fuzz): the examples verified, but no interaction could be fuzzed (see "Fuzzed '
            'requests" above), so the fuzz is no pass.'
        )
    text = "Verified: the provider honours every pact that counts, and answered every fuzzed request as agreed."
    if _pending_failures(run):
        text = (
            "Verified: the provider honours every pact that counts, and every fuzzed request that counts; "
            "fuzz failures of pending pacts are reported above, not counted."
        )
    if run.deadline_reached:
        text += " The fuzz deadline was reached before every request was sent (see above)."
    if run.not_fuzzed:
        text += f" {len(run.not_fuzzed)} interactions were not fuzzed (see above)."
    return text


def _pending_failures(run: FuzzRun) -> int:
    return sum(1 for r in run.results if r.outcome == FAILED and r.pending)


def fuzz_cases(run: FuzzRun) -> list[ExtraCase]:
    """One JUnit test case per interaction, named ``fuzz: <description>``, in its consumer's suite."""
    cases: list[ExtraCase] = []
    for r in run.results:
        suite = f"{r.consumer} -> {r.provider}"
        name = f"fuzz: {r.description}"
        if r.outcome == NOT_FUZZED:
            cases.append((suite, name, r.duration, "skipped", f"not fuzzed: {r.reason}", r.status))
        elif r.outcome == FAILED:
            first = r.smallest.line if r.smallest is not None else "failed"
            tag = "skipped" if r.pending else "failure"
            cases.append((suite, name, r.duration, tag, f"fuzz failure: {first}", r.explain()))
        else:
            cases.append((suite, name, r.duration, None, "", ""))
    return cases
