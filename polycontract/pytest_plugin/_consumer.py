"""Consumer tests in pytest: the ``pact`` fixture, the ``pact`` marker and pact files written at session end.

::

    @pytest.mark.pact(consumer="web", provider="users")
    def test_get_user(pact):
        pact.upon_receiving("a request for user 7").with_request("GET", "/users/7").will_respond_with(
            200, body={"id": match.integer(7)})
        with pact.serve() as server:
            assert UsersClient(server.url).get(7).id == 7

The marker may sit on a test, a class or a module (``pytestmark``); names it leaves out come from the
``--pact-consumer``/``--pact-provider`` options or the ``pact_consumer``/``pact_provider`` ini settings.
A test that declares an interaction and never exercises it (no request to a mock provider started from
the pact matched it, no ``verify_message`` handed the message to the consumer) fails, naming it; declare
it with ``optional=True`` if the consumer may leave it unused. When the session ends, the exercised
interactions of every passing test (every declared one of every test with ``--pact-write-on-failure``)
are merged into one pact file per consumer-provider pair in ``--pact-dir`` (default ``pacts`` beside the
ini file), sorted, written atomically, and listed in the terminal summary. Skipped and failed tests
contribute nothing, and in ``merge`` mode what they wrote in earlier runs is dropped (see `_pact_files`).
A test that talks to several providers asks ``pact_factory(provider="orders")`` for a `Pact` per
provider, bound to its consumer; their interactions are written the same way.
Under pytest-xdist only the controller writes, from the fragments its workers send. Two tests declaring
the same description and provider states with different content fail with a message naming both.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from polycontract.errors import ContractViolation, PolycontractError
from polycontract.files import Written
from polycontract.pact import Pact
from polycontract.pytest_plugin._pact_files import Collected, ConflictError

__all__ = ["PactFactory", "Settings"]

MARKER = "pact"
_WORKER_KEY = "polycontract_consumer_pacts"
_MARKER_ARGS = ("consumer", "provider", "spec", "vary")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The consumer options of this run, resolved from the command line, then the ini file, then defaults."""

    pact_dir: Path
    spec: str
    consumer: str | None
    provider: str | None
    write_on_failure: bool
    write_mode: Literal["merge", "overwrite"]
    vary: Any  #: ``pact_vary`` as given (runs under hypothesis, 0: off); checked where a test uses it
    #: Whether the pact directory was set (option or ini): only then is it checked before the tests run,
    #: so that a project with no consumer tests never fails over the default directory.
    dir_given: bool


@dataclass
class _State:
    """What the session gathers: collected interactions, then what was written or went wrong."""

    settings: Settings
    collected: Collected
    written: list[Written]
    errors: list[str]


_STATE = pytest.StashKey[_State]()
_FAILED = pytest.StashKey[bool]()
#: The pacts a test's fixtures made (each entry gives them when asked: a factory makes more as the test runs).
_PACTS = pytest.StashKey[list[Callable[[], list[Pact]]]]()
#: The ``vary`` a test's marker (or ``pact_vary``) asks for, as given.
_VARY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--pact-dir``, ``--pact-spec``, ``--pact-consumer``, ``--pact-provider``, ``--pact-write-on-failure``."""
    group = parser.getgroup("polycontract", "polycontract consumer pacts")
    options = (
        ("dir", "directory the pact files are written to (default: pacts, beside the ini file)", ""),
        ("spec", "Pact specification version of the pact files: V2, V3 or V4 (default V4)", "V4"),
        ("consumer", "consumer name for tests whose pact marker does not name one", None),
        ("provider", "provider name for tests whose pact marker does not name one", None),
        ("write-mode", "merge: keep interactions already in the pact files; overwrite: replace them", "merge"),
        ("vary", "run each consumer test N times under hypothesis, the mocks answering varied responses", "0"),
    )
    for name, help_text, default in options:
        ini = f"pact_{name.replace('-', '_')}"
        group.addoption(f"--pact-{name}", dest=ini, default=None, help=f"{help_text} [ini: {ini}]")
        parser.addini(ini, help_text, default=default)
    group.addoption(
        "--pact-write-on-failure",
        dest="pact_write_on_failure",
        action="store_true",
        default=None,
        help="also write the interactions of failing tests [ini: pact_write_on_failure]",
    )
    parser.addini("pact_write_on_failure", "also write the interactions of failing tests", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and check the options, so a bad value is a usage error before any test runs."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(consumer=None, provider=None, spec=None, vary=0): the `pact` fixture's pair, vary=N hypothesis runs",
    )
    settings = _settings(config)
    try:
        Pact(consumer="consumer", provider="provider", spec=settings.spec)
    except PolycontractError:
        raise pytest.UsageError(
            f"--pact-spec / pact_spec: spec={settings.spec!r} is not a pact version polycontract writes "
            "(expected V2, V3 or V4)"
        ) from None
    if settings.write_mode not in ("merge", "overwrite"):
        raise pytest.UsageError(f"--pact-write-mode={settings.write_mode!r} must be 'merge' or 'overwrite'")
    if settings.dir_given and not hasattr(config, "workerinput"):
        _check_writable(settings.pact_dir)
    state = _State(settings=settings, collected=Collected(), written=[], errors=[])
    config.stash[_STATE] = state
    config.pluginmanager.register(_RanTests(state.collected), "polycontract-consumer-tests-that-ran")


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name, default=None)
    return config.getini(name) if value is None else value


def _settings(config: pytest.Config) -> Settings:
    cli_dir = config.getoption("pact_dir", default=None)
    ini_dir = str(config.getini("pact_dir") or "")
    if cli_dir is not None:
        pact_dir = Path(config.invocation_params.dir, cli_dir)
    else:
        base = config.inipath.parent if config.inipath else config.rootpath
        pact_dir = base / (ini_dir or "pacts")
    return Settings(
        pact_dir=pact_dir,
        spec=str(_option(config, "pact_spec") or "V4"),
        consumer=_option(config, "pact_consumer") or None,
        provider=_option(config, "pact_provider") or None,
        write_on_failure=bool(_option(config, "pact_write_on_failure")),
        write_mode=str(_option(config, "pact_write_mode") or "merge").lower(),  # type: ignore[arg-type]
        vary=_option(config, "pact_vary") or 0,
        dir_given=cli_dir is not None or bool(ini_dir),
    )


def _check_writable(directory: Path) -> None:
    """The pact directory, or the nearest folder that exists above it, must be a writable directory."""
    existing = directory
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise pytest.UsageError(
            f"--pact-dir / pact_dir: pact directory={str(directory)!r} cannot be created: {existing} is not a directory"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise pytest.UsageError(
            f"--pact-dir / pact_dir: pact directory={str(directory)!r} is not writable ({existing} is read-only)"
        )


@pytest.fixture
def pact(request: pytest.FixtureRequest) -> Iterator[Pact]:
    """A `polycontract.Pact` for this test's consumer and provider (see the ``pact`` marker).

    When the test passes, its interactions go into the session's pact file for the pair.
    """
    __tracebackhide__ = True
    state = request.config.stash[_STATE]
    args = _marker_args(request, state.settings)
    _require_names(args, ("consumer", "provider"))
    declared = _new_pact(args)
    request.node.stash.setdefault(_PACTS, []).append(lambda: [declared])
    yield declared
    _collect(request, state, [declared])


class PactFactory:
    """Makes the `Pact` of each provider a test talks to, all bound to the test's consumer.

    ``pact_factory(provider="orders")`` returns a `polycontract.Pact` from the test's consumer (marker,
    ``--pact-consumer`` or ``pact_consumer``) to ``orders``; asking again for the same provider returns
    the same `Pact`. ``consumer=`` and ``spec=`` override the test's for one pact.
    """

    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults
        self._made: dict[tuple[str, str], Pact] = {}

    def __call__(self, provider: str, *, consumer: str | None = None, spec: str | None = None) -> Pact:
        """The `Pact` from the consumer to ``provider`` (made on first use)."""
        __tracebackhide__ = True
        args = {**self._defaults, "provider": provider}
        args.update({k: v for k, v in (("consumer", consumer), ("spec", spec)) if v is not None})
        _require_names(args, ("consumer",), how="pass consumer= to pact_factory(...)")
        made = _new_pact(args, func="pact_factory")
        found = self._made.setdefault((made.consumer, made.provider), made)
        if found.spec != made.spec:
            pytest.fail(
                f"pact_factory(provider={provider!r}, spec={spec!r}): this test already has the pact "
                f"{found.consumer} -> {found.provider} in spec {found.spec!r}",
                pytrace=False,
            )
        return found

    @property
    def pacts(self) -> list[Pact]:
        """The pacts made so far, in the order they were first asked for."""
        return list(self._made.values())


@pytest.fixture
def pact_factory(request: pytest.FixtureRequest) -> Iterator[PactFactory]:
    """A `PactFactory`: ``pact_factory(provider="orders")`` gives a `Pact` for each provider the test uses.

    When the test passes, the interactions of every pact it made go into the session's pact files, as
    with the ``pact`` fixture.
    """
    state = request.config.stash[_STATE]
    factory = PactFactory(_marker_args(request, state.settings))
    request.node.stash.setdefault(_PACTS, []).append(lambda: factory.pacts)
    yield factory
    _collect(request, state, factory.pacts)


def _collect(request: pytest.FixtureRequest, state: _State, pacts: list[Pact]) -> None:
    """After the test: collect the exercised interactions of ``pacts`` (unless it did not pass), or fail it on a
    conflict. Those of a test that did not pass are noted as discarded, so an earlier run's copy is dropped."""
    __tracebackhide__ = True
    item = request.node
    failed = item.stash.get(_FAILED, False)
    if failed and not state.settings.write_on_failure:
        for declared in pacts:
            with contextlib.suppress(PolycontractError):  # an unfinished declaration: the test failed over it
                state.collected.discard(declared.to_model())
        return
    models = []
    for declared in pacts:
        try:
            model = declared.to_model(only_exercised=not failed)
            state.collected.check(model, item.nodeid)
        except ConflictError as exc:
            pytest.fail(str(exc), pytrace=False)
        except PolycontractError as exc:
            pytest.fail(f"{item.nodeid}: {exc}", pytrace=False)
        models.append(model)
    for model in models:
        state.collected.add(model, item.nodeid)


def _marker_args(request: pytest.FixtureRequest, settings: Settings) -> dict[str, Any]:
    """Consumer, provider and spec for this test: the options, then the markers, closest last."""
    __tracebackhide__ = True
    args: dict[str, Any] = {"consumer": settings.consumer, "provider": settings.provider, "spec": settings.spec}
    # Markers closest to the test win, name by name: a module may name the consumer, a test the provider.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        unknown = sorted(set(marker.kwargs) - set(_MARKER_ARGS))
        if marker.args or unknown:
            pytest.fail(
                f"@pytest.mark.{MARKER} takes only the keywords consumer=, provider= and spec= (and vary=) "
                f"(got args={marker.args!r}, unknown keywords={unknown!r})",
                pytrace=False,
            )
        args.update({k: v for k, v in marker.kwargs.items() if v is not None})
    request.node.stash[_VARY] = args.pop("vary", settings.vary)
    return args


def _require_names(args: dict[str, Any], roles: tuple[str, ...], how: str = "") -> None:
    __tracebackhide__ = True
    for role in roles:
        if args[role] is None:
            pytest.fail(
                f"the pact fixture needs a {role} name: use @pytest.mark.{MARKER}({role}=...) on the test, class "
                f"or module, or set pact_{role} in the ini file (or --pact-{role})" + (f", or {how}" if how else ""),
                pytrace=False,
            )


def _new_pact(args: dict[str, Any], func: str = f"@pytest.mark.{MARKER}") -> Pact:
    __tracebackhide__ = True
    try:
        return Pact(consumer=args["consumer"], provider=args["provider"], spec=args["spec"])
    except PolycontractError as exc:
        pytest.fail(f"{func}: {exc}", pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A test using the ``pact`` fixtures with ``vary=N`` (marker or ``pact_vary``): N runs under hypothesis."""
    if _PACTS not in pyfuncitem.stash or _VARY not in pyfuncitem.stash:
        return None
    from polycontract.pytest_plugin._vary import run_varied

    getters = pyfuncitem.stash[_PACTS]
    return run_varied(pyfuncitem, pyfuncitem.stash[_VARY], lambda: [p for pacts in getters for p in pacts()])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """After a test body that passed: fail it if it did not exercise what its pacts declare (`Pact.verify`)."""
    result = yield
    problems = []
    for pacts in item.stash.get(_PACTS, []):
        for declared in pacts():
            try:
                declared.verify()
            except ContractViolation as exc:
                problems.append(str(exc))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
    return result


class _RanTests:
    """Notes every test that ran, whatever its outcome (under pytest-xdist the controller sees the workers' reports)."""

    def __init__(self, collected: Collected) -> None:
        self.collected = collected

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A setup report: the test ran (a skipped one too)."""
        if report.when == "setup":
            self.collected.ran.add(report.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether setup or call did not pass, so the fixture's teardown knows whether to collect."""
    report: pytest.TestReport = yield
    if report.when in ("setup", "call") and not report.passed:
        item.stash[_FAILED] = True
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Workers hand their interactions to the controller; the controller (or a lone process) writes the files."""
    config = session.config
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_KEY] = state.collected.to_json()
        return
    state.errors.extend(message for _, message in state.collected.conflicts)
    try:
        state.written.extend(state.collected.write(state.settings.pact_dir, mode=state.settings.write_mode))
    except PolycontractError as exc:
        state.errors.append(f"pact files not written: {exc}")
    if state.errors:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist (controller): merge the interactions a worker collected."""
    state = node.config.stash.get(_STATE, None)
    fragments = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if state is not None and fragments:
        try:
            state.collected.add_json(fragments)
        except (PolycontractError, ValueError, KeyError) as exc:
            state.errors.append(f"pact fragments of worker {node.gateway.id} unreadable: {exc}")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line per pact file written (where, how many interactions), then any error, in red."""
    state = config.stash.get(_STATE, None)
    if state is None or not (state.written or state.errors):
        return
    terminalreporter.section("pact files")
    for written in state.written:
        if written.removed:
            terminalreporter.write_line(f"removed {_shown(written.path)} (no passing test declares its interactions)")
            continue
        count = f"{written.interactions} interaction{'s' if written.interactions != 1 else ''}"
        terminalreporter.write_line(f"wrote {_shown(written.path)} ({count})")
    for error in state.errors:
        terminalreporter.write_line(f"ERROR {error}", red=True)


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
