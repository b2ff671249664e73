"""What the mock provider tells the test at the end: every problem, best first, with a hint for each.

>>> problem = Problem(kind="unexpected", request="POST /orders")
>>> print(violation("web", "orders", [problem]))
The mock provider for web -> orders saw 1 problem:
<BLANKLINE>
1. Unexpected request POST /orders: no interaction declares it.
   hint: declare it with .upon_receiving(...).with_request(...), or stop the consumer from sending it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from polycontract.errors import ContractViolation
from polycontract.model import HttpInteraction, Mismatch, Request

__all__ = ["NO_REQUESTS", "MockViolation", "Problem", "describe_interaction", "describe_request", "violation"]

_HINTS = {
    "mismatch": "the consumer sent something the pact does not allow: change the request or the declaration "
    "(a matcher such as match.like(...) accepts any value of the same type).",
    "unexpected": "declare it with .upon_receiving(...).with_request(...), or stop the consumer from sending it.",
    "unused": "call the provider from the code under test inside the `with` block, remove the declaration, or "
    "declare it with upon_receiving(..., optional=True) if the consumer may not send it.",
}
_MAX_SHOWN = 3000


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing the mock provider saw go wrong.

    ``kind`` is ``mismatch`` (a request came close to an interaction but differs: ``mismatches`` says
    where), ``unexpected`` (no interaction has the request's method and path; ``similar`` lists some on
    the same path) or ``unused`` (an interaction was never exercised).
    """

    kind: Literal["mismatch", "unexpected", "unused"]
    request: str = ""
    interaction: str = ""
    mismatches: tuple[Mismatch, ...] = ()
    similar: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind == "mismatch":
            lines = [f"{self.request} did not match {self.interaction}:"]
            lines += [f"     {m.path}: {m.message}" for m in self.mismatches]
        elif self.kind == "unexpected":
            lines = [f"Unexpected request {self.request}: no interaction declares it."]
            if self.similar:
                lines.append("   declared on the same path: " + "; ".join(self.similar))
        else:
            lines = [f"Interaction {self.interaction} ({self.request}) was never exercised."]
        lines.append(f"   hint: {_HINTS[self.kind]}")
        return "\n".join(lines)


class MockViolation(ContractViolation):
    """The `ContractViolation` of a mock provider, with the problems as data in ``problems``."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


#: The first line of a report when not one request came in: the usual cause is a client pointed elsewhere.
NO_REQUESTS = "the mock provider received no requests: did the code under test use server.url / the transport?"


def violation(consumer: str, provider: str, problems: list[Problem], *, received: bool = True) -> MockViolation:
    """One `MockViolation` listing every problem, numbered, best first.

    ``received=False`` (no request came in at all) puts `NO_REQUESTS` first.
    """
    count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
    parts = [f"The mock provider for {consumer} -> {provider} saw {count}:", ""]
    if not received:
        parts[0:0] = [f"{consumer} -> {provider}: {NO_REQUESTS}"]
    parts += [f"{n}. {problem}" for n, problem in enumerate(problems, 1)]
    return MockViolation("\n".join(parts), problems)


def describe_interaction(interaction: HttpInteraction) -> str:
    """``'a request for user 7' (given 'user 7 exists')``: how the report names an interaction."""
    text = repr(interaction.description)
    if interaction.provider_states:
        text += " (given " + " and ".join(repr(s.name) for s in interaction.provider_states) + ")"
    return text


def describe_request(request: Request) -> str:
    """``GET /users?id=7``: the request line of an incoming request, shortened if very long."""
    line = f"{request.method.upper()} {request.path}"
    if request.query:
        line += "?" + urlencode([(k, v) for k, vs in request.query.items() for v in vs])
    return line if len(line) <= _MAX_SHOWN else line[:_MAX_SHOWN] + "..."
