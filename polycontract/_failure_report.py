"""What a failed verification recorded, and how to explain it: the failed interactions and their mismatches.

`polycontract.matrix` attaches a `FailureReport` to each failed can-i-deploy reason; the names are
re-exported from there, which is where users import them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FailureReport", "InteractionFailure", "MismatchDetail"]


@dataclass(frozen=True, kw_only=True)
class MismatchDetail:
    """One mismatch a verification recorded: where (``path``, e.g. ``$.body.name``) and what was wrong."""

    path: str | None
    description: str
    attribute: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.description}" if self.path else self.description


@dataclass(frozen=True, kw_only=True)
class InteractionFailure:
    """One interaction a verification failed: its first mismatches, or the error that stopped it.

    ``omitted`` counts the mismatches left out when the broker stored the result (it keeps the first few).
    """

    description: str
    interaction_id: str | None = None
    mismatches: tuple[MismatchDetail, ...] = ()
    error: str | None = None
    omitted: int = 0


@dataclass(frozen=True, kw_only=True)
class FailureReport:
    """Which consumer version's pact a provider version broke, and how: the failed interactions.

    ``failures`` is None when the verification was published without its test results.
    """

    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    content_hash: str
    failures: tuple[InteractionFailure, ...] | None

    def lines(self, *, interactions: int = 5, mismatches: int = 3) -> tuple[str, ...]:
        """The explanation as text lines: each failed interaction with its first mismatches and their paths.

        >>> report = FailureReport(consumer="web", consumer_version="1", provider="auth", provider_version="3",
        ...     content_hash="ab" * 32, failures=(InteractionFailure(description="a user",
        ...     mismatches=(MismatchDetail(path="$.body.name", description="was missing"),)),))
        >>> report.lines()
        ('web 1 -> auth 3: "a user": $.body.name: was missing',)
        """
        head = f"{self.consumer} {self.consumer_version} -> {self.provider} {self.provider_version}"
        if self.failures is None:
            return (f"{head}: no details recorded (the verification was published without its test results)",)
        if not self.failures:
            return (f"{head}: the verification failed without naming a failed interaction",)
        out: list[str] = []
        for failure in self.failures[:interactions]:
            where = f'{head}: "{failure.description}"'
            if failure.error is not None:
                out.append(f"{where}: error: {failure.error}")
            out += [f"{where}: {m}" for m in failure.mismatches[:mismatches]]
            more = len(failure.mismatches[mismatches:]) + failure.omitted
            if more:
                out.append(f"{where}: and {more} more mismatch{'es' if more > 1 else ''}")
            if failure.error is None and not failure.mismatches and not failure.omitted:
                out.append(f"{where}: failed (no mismatch recorded)")
        if len(self.failures) > interactions:
            out.append(f"{head}: and {len(self.failures) - interactions} more failed interactions")
        return tuple(out)
