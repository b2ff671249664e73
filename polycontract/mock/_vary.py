"""Varied responses: the mock provider answers with responses drawn within the declared rules.

With ``pact.serve(vary=...)`` or ``pact.transport(vary=...)`` each matched request is answered with a
response drawn by `polycontract.strategies.responses_for` instead of the declared example; the mock
provider then applies the response's generators to it, as it does to the example (a generator's value
wins at its path). Where the draws come from:

- a hypothesis ``data`` object (``st.data()``), given as ``vary=data`` or set by the pytest plugin's
  ``vary=N`` runs (`varying`): draws come from the running test, so hypothesis shrinks them. The socket
  server answers in its own threads, and hypothesis draws only in the test's thread, so `ResponseSource`
  draws a pool of `DRAWN_POOL_SIZE` responses per interaction when the server is made: the k-th matched
  request of an interaction gets the k-th response of its pool (after the last, they repeat). A
  transport is called in the test's thread and draws each response when the request comes in.
- no hypothesis test (``vary=True``): a pool drawn once by a small hypothesis run under a fixed seed
  (``vary_seed=``, default `DEFAULT_SEED`), with no database and no shrinking: the same seed gives the
  same responses. Responses other than the declared example come first in the pool.

hypothesis is imported when a `ResponseSource` is made: a mock that does not vary never loads it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from polycontract.errors import UsageError
from polycontract.model import ABSENT, Body, HttpInteraction, Response

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "DEFAULT_SEED",
    "DRAWN_POOL_SIZE",
    "POOL_SIZE",
    "ResponseSource",
    "VaryRun",
    "active_run",
    "describe_served",
    "source_for",
    "varying",
]

#: Responses per interaction outside a hypothesis test (a seeded pool).
POOL_SIZE = 8
#: Responses drawn per interaction from a hypothesis test's data for a socket server, up front: every
#: draw is shrunk and replayed, so few (most consumer tests send one request per interaction).
DRAWN_POOL_SIZE = 3
#: Examples the seeded run makes to fill a pool of `POOL_SIZE` distinct responses (many repeat the example).
_SEEDED_EXAMPLES = 4 * POOL_SIZE
#: The seed of ``vary=True`` outside a hypothesis test, when ``vary_seed`` is not given.
DEFAULT_SEED = 0

#: Responses a source keeps for a failure report (a benchmark sends thousands).
_SERVED_KEPT = 50

Finish = Callable[[Response], Response]


@dataclass
class VaryRun:
    """One run of a consumer test under hypothesis: where draws come from, and the sources made in it."""

    data: Any
    sources: list[ResponseSource] = field(default_factory=list)


_ACTIVE: contextvars.ContextVar[VaryRun | None] = contextvars.ContextVar("polycontract_vary_run", default=None)


@contextlib.contextmanager
def varying(data: Any) -> Iterator[VaryRun]:
    """Within the block, every mock started with ``vary`` left unset varies, drawing from ``data``."""
    run = VaryRun(data=data)
    token = _ACTIVE.set(run)
    try:
        yield run
    finally:
        _ACTIVE.reset(token)


def active_run() -> VaryRun | None:
    """The run `varying` opened around the current code, if any."""
    return _ACTIVE.get()


def source_for(
    interactions: Sequence[HttpInteraction],
    vary: Any,
    *,
    vary_seed: int | None = None,
    lazy: bool = False,
    spec: str = "V4",
) -> ResponseSource | None:
    """The response source a mock made with ``vary`` uses, or None when it answers with the examples.

    ``vary``: None (vary when the pytest plugin's ``vary=N`` run is active), False, True, or a hypothesis
    ``data`` object. ``lazy``: draw each response when asked (a transport, called in the test's thread).
    """
    run = active_run()
    if vary is None:
        if run is None:
            return None
        vary = run.data
    if vary is False:
        return None
    if vary is True:
        if run is not None:
            data: Any = run.data
        elif _in_hypothesis_test():
            raise UsageError(
                "vary=True inside a hypothesis test: pass the test's data object, vary=data "
                "(from @given(data=st.data())), so hypothesis draws and shrinks the responses"
            )
        else:
            data = None
    elif callable(getattr(vary, "draw", None)):
        data = vary
    else:
        raise UsageError(f"vary={vary!r} must be True, False or a hypothesis data object (st.data())")
    if vary_seed is not None and not isinstance(vary_seed, int):
        raise UsageError(f"vary_seed={vary_seed!r} must be an integer")
    source = ResponseSource(interactions, data=data, seed=vary_seed, lazy=lazy, spec=spec)
    if run is not None:
        run.sources.append(source)
    return source


#: Strategies by response (its repr) and spec: hypothesis validates a strategy on its first draw, which
#: costs more than the draw; a test run many times declares equal responses again and again.
_STRATEGIES: dict[tuple[str, str], SearchStrategy[Response]] = {}
_STRATEGIES_SIZE = 256
#: Seeded pools by responses, spec and seed: the same seed always draws the same pools, so they are
#: drawn once per process (pools are never changed, only read).
_POOLS: dict[tuple[tuple[str, ...], str, int], list[list[Response]]] = {}


def _strategy(response: Response, spec: str) -> SearchStrategy[Response]:
    """`responses_for` ``response``, built once per equal response."""
    key = (repr(response), spec)
    found = _STRATEGIES.get(key)
    if found is None:
        from polycontract.strategies import responses_for

        found = responses_for(response, spec=spec)
        if len(_STRATEGIES) >= _STRATEGIES_SIZE:
            _STRATEGIES.clear()
        _STRATEGIES[key] = found
    return found


def _in_hypothesis_test() -> bool:
    """Whether a hypothesis test is running in this thread (hypothesis is not loaded to find out)."""
    if "hypothesis" not in sys.modules:
        return False
    from hypothesis import currently_in_test_context

    return currently_in_test_context()


class ResponseSource:
    """The responses a varied mock provider hands out, per interaction (by its index in ``interactions``).

    ``data``: a hypothesis data object to draw from (None: a seeded pool, ``seed`` or `DEFAULT_SEED`;
    ``seed`` is not used with ``data``, whose test has its own).
    Thread-safe: the socket server asks from many threads.
    """

    def __init__(
        self,
        interactions: Sequence[HttpInteraction],
        *,
        data: Any = None,
        seed: int | None = None,
        lazy: bool = False,
        spec: str = "V4",
    ) -> None:
        self.interactions = tuple(interactions)
        self._strategies = [_strategy(i.response, spec) for i in self.interactions]
        self._data = data
        self._lazy = lazy and data is not None
        self._owner = threading.get_ident()
        self._lock = threading.Lock()
        self._counts = [0] * len(self.interactions)
        #: The responses handed out (the first `_SERVED_KEPT`), finished (generators applied), for a failure
        #: report: ``(interaction index, response)``.
        self.served: list[tuple[int, Response]] = []
        if self._lazy:
            self._pools: list[list[Response]] = [[] for _ in self.interactions]
        elif data is not None:
            self._pools = [[data.draw(s) for _ in range(DRAWN_POOL_SIZE)] for s in self._strategies]
        else:
            chosen = DEFAULT_SEED if seed is None else seed
            key = (tuple(repr(i.response) for i in self.interactions), spec, chosen)
            pools = _POOLS.get(key)
            if pools is None:
                pools = _seeded_pools(self.interactions, self._strategies, chosen)
                if len(_POOLS) >= _STRATEGIES_SIZE:
                    _POOLS.clear()
                _POOLS[key] = pools
            self._pools = pools

    def response(self, index: int, finish: Finish) -> Response:
        """The next response of interaction ``index``, passed through ``finish`` (the generators), recorded."""
        if self._lazy:
            if threading.get_ident() != self._owner:
                raise UsageError(
                    "a varied transport draws in the test's thread; it was called from another thread "
                    "(use pact.serve(vary=...), which draws its responses up front)"
                )
            drawn = self._data.draw(self._strategies[index])
        else:
            with self._lock:
                pool = self._pools[index]
                drawn = pool[self._counts[index] % len(pool)]
                self._counts[index] += 1
        finished = finish(drawn)
        with self._lock:
            if len(self.served) < _SERVED_KEPT:
                self.served.append((index, finished))
        return finished


def _seeded_pools(
    interactions: Sequence[HttpInteraction], strategies: Sequence[SearchStrategy[Response]], chosen: int
) -> list[list[Response]]:
    """Up to `POOL_SIZE` distinct responses per interaction from a hypothesis run under the seed ``chosen``
    (no database, generation only): deterministic, no shrinking. Responses unlike the example come first,
    the example last (when it was drawn)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st

    drawn: list[list[Response]] = [[] for _ in strategies]

    @seed(chosen)
    @settings(
        database=None,
        max_examples=_SEEDED_EXAMPLES,
        phases=(Phase.generate,),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(st.tuples(*strategies))
    def draw(responses: tuple[Response, ...]) -> None:
        for pool, response in zip(drawn, responses, strict=True):
            pool.append(response)

    draw()
    pools = []
    for interaction, pool in zip(interactions, drawn, strict=True):
        example = interaction.response
        distinct: list[Response] = []
        for response in pool:
            if response != example and response not in distinct:
                distinct.append(response)
        kept = distinct[: POOL_SIZE - 1] if example in pool else distinct[:POOL_SIZE]
        pools.append([*kept, example] if example in pool or not kept else kept)
    return pools


def describe_served(source: ResponseSource, limit: int = 5) -> str:
    """The responses ``source`` handed out, for a failure report: interaction, status, headers, body as JSON."""
    lines: list[str] = []
    for number, (index, response) in enumerate(source.served[:limit], start=1):
        interaction = source.interactions[index]
        lines.append(f"  response {number}, to the interaction {interaction.description!r}:")
        lines.append(f"    status: {response.status}")
        headers = {name: ", ".join(values) for name, values in response.headers.items()}
        lines.append(f"    headers: {json.dumps(headers, sort_keys=True)}")
        lines.append(f"    body: {_body_text(response.body)}")
    if len(source.served) > limit:
        lines.append(f"  ... and {len(source.served) - limit} more")
    return "\n".join(lines)


def _body_text(body: Any) -> str:
    if body is ABSENT:
        return "(none)"
    content = body.content if isinstance(body, Body) else body
    if isinstance(content, bytes):
        return repr(content)
    try:
        return json.dumps(content, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(content)
