"""Consumer tests run many times under hypothesis, each run against freshly drawn responses.

``@pytest.mark.pact(..., vary=50)`` (or the ini setting ``pact_vary = 50``) runs the test body 50 times
under hypothesis's ``@given(st.data())``: every ``pact.serve()`` / ``pact.transport()`` in it answers
with responses drawn from that run's data (see `polycontract.mock._vary`), so hypothesis shrinks a
failure to the smallest response that broke the consumer, keeps it in its database and replays it
first next time. The active settings profile is honoured, with ``max_examples`` from the count and no
deadline unless the profile sets one (starting a mock server per run is slower than hypothesis's 200 ms
default). Each run starts from an empty declaration (the body declares again), and each run must
exercise what it declared. The report of a failure names each response served in the failing run
(interaction, status, headers, body as JSON) under the consumer's own error.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from polycontract.mock.support import describe_served, varying
from polycontract.pact import Pact

__all__ = ["run_varied", "vary_count"]

#: hypothesis's own default deadline: a profile that keeps it gets none instead (see the module docstring).
_LIBRARY_DEADLINE = datetime.timedelta(milliseconds=200)


def vary_count(value: Any, where: str) -> int:
    """The number of runs ``value`` (a marker's ``vary=`` or the ini setting) asks for; 0 is off."""
    try:
        runs = int(value)
    except (TypeError, ValueError):
        runs = -1
    if isinstance(value, bool) or runs < 0 or (isinstance(value, float) and value != runs):
        pytest.fail(f"{where}: vary={value!r} must be a whole number of runs (0: off)", pytrace=False)
    return runs


def run_varied(item: pytest.Function, vary: Any, pacts: Callable[[], list[Pact]]) -> bool | None:
    """Call the test function of ``item`` ``vary`` times under hypothesis, the mocks varying in each run;
    None (the test is left to pytest) when ``vary`` is 0.

    ``pacts`` gives the pacts the test's fixtures made; each is emptied before a run and verified after it.
    """
    __tracebackhide__ = True
    runs = vary_count(vary, "@pytest.mark.pact / pact_vary")
    if not runs:
        return None
    from hypothesis import given, settings
    from hypothesis import strategies as st

    test = item.obj
    if inspect.iscoroutinefunction(test):
        pytest.fail(f"{item.nodeid}: vary= runs synchronous tests only", pytrace=False)
    kwargs = {name: item.funcargs[name] for name in inspect.signature(test).parameters if name in item.funcargs}

    def once(data: Any) -> None:
        __tracebackhide__ = True
        for declared in pacts():
            declared._restart()
        with varying(data) as run:
            try:
                test(**kwargs)
                for declared in pacts():
                    declared.verify()
            except Exception as exc:
                served = [describe_served(source) for source in run.sources if source.served]
                if served:
                    exc.add_note("the varied responses served in this run:\n" + "\n".join(served))
                raise

    # hypothesis keys its database by the test's source: give it the consumer test's, and `once`'s signature.
    once.__wrapped__ = test  # type: ignore[attr-defined]
    once.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("data", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    )
    once.__name__ = once.__qualname__ = getattr(test, "__name__", "test")
    profile = settings()  # the active profile's settings
    chosen = settings(
        profile,
        max_examples=runs,
        deadline=None if profile.deadline == _LIBRARY_DEADLINE else profile.deadline,
    )
    chosen(given(data=st.data())(once))()
    return True
