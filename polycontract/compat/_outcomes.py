"""What a counterexample search returns, and the search itself (`hypothesis.find`, seeded, bounded, shrunk).

Public through `polycontract.compat.counterexamples`; hypothesis is imported only inside `search`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from polycontract.compat._plain import plain
from polycontract.errors import SchemaError, UsageError

__all__ = [
    "CONTRADICTION",
    "DEFAULT_BUDGET",
    "Counterexample",
    "Direction",
    "Examples",
    "Shown",
    "contradiction_message",
    "search",
]

#: The rule (Avro) and change name (JSON Schema) of a finding raised by data the rule table calls safe.
CONTRADICTION = "generated-data-contradicts-rules"
#: Examples tried per direction unless a budget is given.
DEFAULT_BUDGET = 100


@dataclass(frozen=True, kw_only=True)
class Counterexample:
    """The outcome of one search: a value ``writer`` produces that ``reader`` rejects, or none within ``tries``.

    ``value`` is plain JSON data (Avro bytes as ISO-8859-1 text, decimals, dates and UUIDs as strings);
    ``error`` is the reader's complaint; ``note`` says why no search ran (a schema values cannot be drawn from).
    """

    writer: str
    reader: str
    found: bool
    tries: int
    value: Any = None
    error: str = ""
    note: str = ""

    def __str__(self) -> str:
        if self.found:
            shown = json.dumps(self.value, sort_keys=True)
            text = f"this message, written by {self.writer}, cannot be read by {self.reader}: {shown} ({self.error})"
            return f"{text}; {self.note}" if self.note else text
        if self.note:
            return f"no counterexample: {self.note}"
        return f"no counterexample found in {self.tries} tries"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "writer": self.writer,
            "reader": self.reader,
            "found": self.found,
            "tries": self.tries,
            "value": self.value,
            "error": self.error,
            "note": self.note,
            "text": str(self),
        }


@dataclass(frozen=True, kw_only=True)
class Direction:
    """One checked direction: the rule table's verdict (``breaking``) beside what data showed (``example``).

    ``key`` names the direction as the report does: ``backward``/``forward`` for JSON Schema, the index
    of the `avro.LevelReport` pair for Avro.
    """

    key: str
    label: str
    breaking: bool
    example: Counterexample

    @property
    def contradicts_rules(self) -> bool:
        """The rule table calls this direction safe, yet a generated value breaks it."""
        return self.example.found and not self.breaking


def search(
    strategy: Callable[[], Any],
    complaint: Callable[[Any], str | None],
    *,
    budget: int,
    seed: int,
    writer: str,
    reader: str,
) -> Counterexample:
    """Run ``hypothesis.find`` for a value ``complaint`` objects to, bounded by ``budget``, seeded, shrunk."""
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise UsageError(f"budget={budget!r} must be a positive number of examples")
    from random import Random

    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import HypothesisException, NoSuchExample

    none = Counterexample(writer=writer, reader=reader, found=False, tries=budget)
    try:
        values = strategy()
    except SchemaError as exc:
        return Counterexample(writer=writer, reader=reader, found=False, tries=0, note=f"cannot draw values: {exc}")
    config = settings(
        max_examples=budget,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    try:
        value = find(values, lambda v: complaint(v) is not None, settings=config, random=Random(seed))
    except NoSuchExample:
        return none
    except HypothesisException as exc:  # Unsatisfiable: too few values the writer accepts could be drawn
        note = f"values valid under {writer} could not be drawn in {budget} tries ({type(exc).__name__})"
        return Counterexample(writer=writer, reader=reader, found=False, tries=budget, note=note)
    return Counterexample(
        writer=writer, reader=reader, found=True, tries=budget, value=plain(value), error=complaint(value) or ""
    )


@dataclass(frozen=True, kw_only=True)
class Shown:
    """A finding with the value that shows it (``example`` is None for a compatible finding or a warning).

    ``key`` is the `Direction` the finding belongs to.
    """

    key: str
    finding: Any
    example: Counterexample | None = None


@dataclass(frozen=True, kw_only=True)
class Examples:
    """Every searched direction, and every finding with its value; contradiction findings come first."""

    directions: tuple[Direction, ...] = ()
    findings: tuple[Shown, ...] = ()

    @property
    def contradicted(self) -> bool:
        """A direction the rule table calls safe is broken by a generated value: the check fails."""
        return any(d.contradicts_rules for d in self.directions)


def contradiction_message(direction: Direction) -> str:
    """The text of a contradiction finding: which direction, and that the rule table called it safe."""
    return f"generated data contradicts the rule table: {direction.label} is called compatible, yet a value breaks it"
