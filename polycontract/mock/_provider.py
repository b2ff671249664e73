"""The mock provider's brain: find the interaction an incoming request means, answer it, remember what happened.

Both adapters (the socket server and the httpx transports) turn what they receive into a `model.Request`
(`polycontract.mock._wire_request`) and hand it to `MockProvider.handle`, which returns a `Reply`
(`polycontract.mock._wire_reply`). Nothing here knows about sockets.

>>> from polycontract import model
>>> interaction = model.HttpInteraction(description="ping", response=model.Response(status=204))
>>> provider = MockProvider(model.PactDocument(consumer="a", provider="b", interactions=(interaction,)))
>>> provider.handle(model.Request(method="GET", path="/")).status
204
>>> provider.problems()
[]
"""

from __future__ import annotations

import datetime
import random
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from polycontract.codec import normalise_spec
from polycontract.generate import GeneratorContext, generate_response
from polycontract.matching import compare_request
from polycontract.matching.support import UNDECODED, request_matches
from polycontract.mock._discriminator import Discriminator
from polycontract.mock._exact_parts import ExactParts
from polycontract.mock._report import MockViolation, Problem, describe_interaction, describe_request, violation
from polycontract.mock._wire_reply import Reply, json_reply, reply_of
from polycontract.model import (
    HttpInteraction,
    Interaction,
    Mismatch,
    PactDocument,
    Request,
    Response,
    require_document,
)

if TYPE_CHECKING:
    from polycontract.mock._vary import ResponseSource

__all__ = ["MockProvider"]


@dataclass
class _Record:
    exercised: set[int] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    #: Whether any request came in at all (set, never counted: no lock needed on the hot path).
    received: bool = False
    #: Whether `MockProvider.failure` has been asked: the test has seen what went wrong, if anything did.
    reported: bool = False


class MockProvider:
    """The declared HTTP interactions of a pact, indexed by method and path, and what requests came in.

    Interactions with a path rule (``path=match.regex(...)``) are tried for every request of their method;
    all others are found by an exact ``(METHOD, path)`` lookup, so a request costs the same however many
    interactions are declared. Thread-safe: the socket server calls `handle` from many threads.

    ``optional`` lists interactions of ``pact`` the consumer may leave unused: one never exercised is not
    a problem (every other one is, as in pact-python's and Pact JS's "missing request").

    `use_responses` sets where the responses come from instead of the examples (``vary``, see
    `polycontract.mock._vary`); each is drawn within the declared rules, then its generators are applied.
    """

    def __init__(
        self, pact: PactDocument, *, mock_server_url: str | None = None, optional: Collection[Interaction] = ()
    ) -> None:
        require_document(pact, "MockProvider(pact)")
        self.pact = pact
        self.mock_server_url = mock_server_url
        self._interactions = [i for i in pact.interactions if isinstance(i, HttpInteraction)]
        self._optional = frozenset(index for index, i in enumerate(self._interactions) if optional and i in optional)
        exact: dict[tuple[str, str], list[int]] = {}
        by_rule: dict[str, list[int]] = {}
        for index, interaction in enumerate(self._interactions):
            request = interaction.request
            method = request.method.upper()
            if request.matching_rules.get("path"):
                by_rule.setdefault(method, []).append(index)
            else:
                exact.setdefault((method, request.path), []).append(index)
        # Kept as tuples: a tuple of ints is left alone by the garbage collector, a list is visited on every pass.
        self._exact: dict[tuple[str, str], tuple[int, ...]] = {key: tuple(found) for key, found in exact.items()}
        self._by_rule: dict[str, tuple[int, ...]] = {key: tuple(found) for key, found in by_rule.items()}
        self._keys = {
            group: Discriminator.of([self._interactions[i].request for i in indexes], indexes)
            for group, indexes in self._exact.items()
            if len(indexes) > 1
        }
        self._spec = normalise_spec(pact.spec)
        #: For a path many interactions share: which of them a request can match at all (see `ExactParts`).
        self._parts = {
            group: ExactParts.of([self._interactions[i].request for i in indexes], indexes, spec=self._spec)
            for group, indexes in self._exact.items()
            if len(indexes) > 1
        }
        #: The reply of each interaction whose response has no generators and that was answered more than
        #: once: built again for the second answer, then sent every time.
        self._fixed: dict[int, Reply] = {}
        self._lock = threading.Lock()
        self._record = _Record()
        self._rng: random.Random | None = None  # made when first needed: seeding from the system costs
        self._responses: ResponseSource | None = None

    def use_responses(self, responses: ResponseSource | None) -> None:
        """Answer from ``responses`` (varied, see `polycontract.mock._vary`) instead of the examples; None:
        the examples again. Set before the first request."""
        self._responses = responses

    # ---------------------------------------------------------------------------------------- serving

    def handle(self, request: Request) -> Reply:
        """Match ``request`` and answer with the example response, or with a 500 describing what was wrong.

        An exception raised while answering is recorded (see `errors`) and answered with a 500 as well;
        the adapter that owns the test re-raises it.
        """
        self._record.received = True
        try:
            return self._handle(request)
        except Exception as exc:
            with self._lock:
                self._record.errors.append(exc)
            return json_reply(500, {"error": f"the mock provider failed: {type(exc).__name__}: {exc}"})

    def _handle(self, request: Request) -> Reply:
        method = request.method.upper()
        key = (method, request.path)
        exercised = self._record.exercised  # read without the lock: a stale answer only changes which twin is used
        decoded: Any = UNDECODED
        discriminator = self._keys.get(key)
        if discriminator is not None:
            # Many interactions share this method and path: try first those whose exact query values and
            # body equal the request's, then (a repeated request, a twin, a mismatch) all of them.
            found_first, decoded = discriminator.lookup(request)
            for index in found_first:
                if index not in exercised and not self._compare(index, request, decoded):
                    return self._answer(index, again=self._exercise(index))
        exact = self._exact.get(key)
        by_rule = self._by_rule.get(method)
        parts = self._parts.get(key) if exact is not None else None
        if parts is not None:
            # Only the interactions whose literal parts equal the request's can match it: try those alone.
            possible, decoded = parts.narrow(request, decoded)
            if possible is not None:
                answer = self._first_match(possible + by_rule if by_rule else possible, request, decoded)
                if answer is not None:
                    return answer
        candidates = (exact or ()) + by_rule if by_rule else exact or ()
        best: tuple[int, list[Mismatch]] | None = None
        matched: list[int] = []
        for index in candidates:
            found = self._compare(index, request, decoded)
            if not found:
                if index not in exercised:
                    return self._answer(index, again=self._exercise(index))
                matched.append(index)
            elif not any(m.kind in ("method", "path") for m in found) and (best is None or len(found) < len(best[1])):
                best = (index, found)
        if matched:  # every interaction the request matches was exercised: the first again
            return self._answer(matched[0], again=self._exercise(matched[0]))
        if best is not None:
            return self._mismatch(request, *best)
        return self._unexpected(request)

    def _first_match(self, candidates: Sequence[int], request: Request, decoded: Any) -> Reply | None:
        """The answer of the first candidate ``request`` matches that was not exercised yet, else of the first
        it matches; None when it matches none (the caller words the mismatch).
        """
        exercised = self._record.exercised
        again: int | None = None
        for index in candidates:
            if index in exercised and again is not None:
                continue  # the first matched one is answered again only when no other fits
            if not self._compare(index, request, decoded):
                if index not in exercised:
                    return self._answer(index, again=self._exercise(index))
                again = index
        return None if again is None else self._answer(again, again=self._exercise(again))

    def _exercise(self, index: int) -> bool:
        """Record that interaction ``index`` was exercised; True if it had been before."""
        with self._lock:
            exercised = self._record.exercised
            before = index in exercised
            exercised.add(index)
        return before

    def _compare(self, index: int, request: Request, decoded: Any = UNDECODED) -> list[Mismatch]:
        """`compare_request` with the interaction's request, after a quick test that can only say "matches".

        ``decoded``: the request's JSON body bytes as ``json.loads`` gives them, when decoded already.
        """
        expected = self._interactions[index].request
        if request_matches(expected, request, spec=self._spec, decoded=decoded):
            return []
        return compare_request(expected, request, spec=self._spec)

    def _answer(self, index: int, *, again: bool = True) -> Reply:
        if self._responses is not None:  # varied: a drawn response each time, generators applied to it
            return reply_of(self._responses.response(index, self._generated))
        reply = self._fixed.get(index)
        if reply is not None:
            return reply
        response = self._interactions[index].response
        if not response.generators or not any(response.generators.values()):
            reply = reply_of(response)
            if again:  # kept from the second answer on: most interactions are exercised once
                self._fixed[index] = reply
            return reply
        return reply_of(self._generated(response))

    def _generated(self, response: Response) -> Response:
        """``response`` with its generators applied, as a consumer's mock provider applies them."""
        if not response.generators or not any(response.generators.values()):
            return response
        if self._rng is None:  # seeded once from the system: seeding per request costs more than matching
            self._rng = random.Random()
        context = GeneratorContext(
            now=datetime.datetime.now(datetime.UTC),
            rng=self._rng,
            mode="consumer",
            mock_server_url=self.mock_server_url,
        )
        return generate_response(response, context)

    def _mismatch(self, request: Request, index: int, found: list[Mismatch]) -> Reply:
        interaction = self._interactions[index]
        problem = Problem(
            kind="mismatch",
            request=describe_request(request),
            interaction=describe_interaction(interaction),
            mismatches=tuple(found),
        )
        with self._lock:
            self._record.problems.append(problem)
        return json_reply(
            500,
            {
                "error": f"{problem.request} did not match the interaction {problem.interaction}",
                "mismatches": [_mismatch_json(m) for m in found],
            },
        )

    def _unexpected(self, request: Request) -> Reply:
        path = request.path
        similar = (i for i in self._interactions if i.request.path == path)
        same_path = [describe_interaction(i) for i in islice(similar, 3)]
        problem = Problem(kind="unexpected", request=describe_request(request), similar=tuple(same_path))
        with self._lock:
            self._record.problems.append(problem)
        return json_reply(500, {"error": f"unexpected request {problem.request}: no interaction declares it"})

    # -------------------------------------------------------------------------------------- reporting

    @property
    def received(self) -> bool:
        """Whether any request came in."""
        return self._record.received

    @property
    def reported(self) -> bool:
        """Whether the test has been told what went wrong (`failure` was asked, by ``with`` or ``verify``)."""
        return self._record.reported

    def exercised(self) -> tuple[HttpInteraction, ...]:
        """The interactions some request matched, in declaration order."""
        with self._lock:
            exercised = set(self._record.exercised)
        return tuple(i for index, i in enumerate(self._interactions) if index in exercised)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised while answering requests, in the order they happened."""
        with self._lock:
            return list(self._record.errors)

    def problems(self, *, include_unused: bool = True) -> list[Problem]:
        """Everything that went wrong, best first: mismatches (fewest first), unexpected requests, unused ones.

        An interaction that was the closest candidate of a mismatched request is not also listed as unused.
        """
        with self._lock:
            recorded = list(self._record.problems)
            exercised = set(self._record.exercised)
        mismatches = sorted((p for p in recorded if p.kind == "mismatch"), key=lambda p: len(p.mismatches))
        unexpected = [p for p in recorded if p.kind == "unexpected"]
        unused: list[Problem] = []
        if include_unused:
            blamed = {p.interaction for p in mismatches}
            for index, interaction in enumerate(self._interactions):
                if index in exercised or index in self._optional:
                    continue
                label = describe_interaction(interaction)
                if label not in blamed:
                    unused.append(Problem(kind="unused", interaction=label, request=_request_line(interaction)))
        return mismatches + unexpected + unused

    def failure(self, crashes: Sequence[BaseException] = ()) -> BaseException | None:
        """What the test should raise: the first exception raised while serving (``crashes`` are the
        adapter's own), with the problems in a note; else a `MockViolation` listing every problem; else None.
        """
        self._record.reported = True
        errors = self.errors + list(crashes)
        problems = self.problems()
        if errors:
            if problems:
                add_note(errors[0], str(self._violation(problems)))
            return errors[0]
        return self._violation(problems) if problems else None

    def _violation(self, problems: list[Problem]) -> MockViolation:
        return violation(self.pact.consumer, self.pact.provider, problems, received=self._record.received)

    def end(self, exc: BaseException | None, crashes: Sequence[BaseException] = ()) -> None:
        """Report at the end of a ``with`` block that ended with ``exc`` (None: ended normally).

        A clean block raises `failure`. A block that raised while the provider saw mismatches, unexpected
        requests or errors raises the provider's failure (with the block's exception as its context: it is
        usually what the consumer did with the 500 it got). Otherwise the block's exception goes on, with
        the never-exercised interactions in a note.
        """
        if exc is None:
            error = self.failure(crashes)
        elif not isinstance(exc, Exception):
            self._record.reported = True
            return
        elif self.errors or crashes or self.problems(include_unused=False):
            error = self.failure(crashes)
        else:
            self._record.reported = True
            unused = self.problems()
            if unused:
                add_note(exc, "the mock provider also saw:\n" + str(self._violation(unused)))
            return
        if error is not None:
            if exc is not None:
                error.__context__ = exc
            raise error


def add_note(error: BaseException, text: str) -> None:
    """``error.add_note(text)`` where Python has it (3.11+)."""
    note = getattr(error, "add_note", None)
    if note is not None:
        note(text)


def _request_line(interaction: HttpInteraction) -> str:
    return f"{interaction.request.method.upper()} {interaction.request.path}"


def _mismatch_json(m: Mismatch) -> dict[str, Any]:
    return {"kind": m.kind, "path": m.path, "expected": m.expected, "actual": m.actual, "message": m.message}
