"""The broker contract suite's machinery: its four brokers, its registry of operations, its error tables.

Brokers: two implementations over two databases, the embedded `Broker` and `HttpBroker` talking to
``polycontract broker serve``'s app, each over SQLite and PostgreSQL. The HTTP broker's server is one
uvicorn per test module (`SwitchedApp`) that serves, for each test, the app over that test's own fresh
database (`Databases`), so no state crosses tests while the suite stays fast. `SwitchedApp` counts the
requests it receives: a wrong argument must be refused before anything is sent. `receiver_app` is
the webhook receiver (``/ok`` answers 200, anything else 500). The generator functions
(`served_switch`, `served_receiver`, `made_databases`, `chosen_backend`) are the suite's fixtures.

Registry: `exercises` records which operations each test exercises and checks, when the test passes,
that it called them; `interface_operations` is what `BrokerAPI` offers, so the suite fails when an
operation has no test. Error tables: `WRONG_ARGUMENTS` (each a `UsageError` before any request) and
`UNKNOWN_THINGS` (each a `StorageError`).
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import pytest

from polycontract.broker import Broker, BrokerAPI, connect
from polycontract.broker._store.tables import metadata
from polycontract.model import PactDocument
from tests.broker.conftest import POSTGRES_ENV
from tests.broker.http_twin import Served, ticking_clock

__all__ = [
    "AVRO_V1",
    "AVRO_V2",
    "BACKENDS",
    "EXERCISED",
    "IMPLEMENTATIONS",
    "UNKNOWN_THINGS",
    "WRONG_ARGUMENTS",
    "Backend",
    "Databases",
    "Implementation",
    "SwitchedApp",
    "chosen_backend",
    "exercises",
    "interface_operations",
    "made_databases",
    "open_broker",
    "receiver_app",
    "served_receiver",
    "served_switch",
]

Implementation = Literal["embedded", "http"]
IMPLEMENTATIONS: tuple[Implementation, ...] = ("embedded", "http")
Backend = Literal["sqlite", "postgresql"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql")

_Receive = Any
_Send = Any


async def _answer(send: _Send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": text.encode()})


class SwitchedApp:
    """An ASGI app that hands each request to ``current`` (503 while there is none) and counts them."""

    def __init__(self) -> None:
        self.current: Any = None
        self.requests = 0

    async def __call__(self, scope: dict[str, Any], receive: _Receive, send: _Send) -> None:
        if scope["type"] != "http":
            return
        self.requests += 1
        if self.current is None:
            await _answer(send, 503, "no broker is being served")
            return
        await self.current(scope, receive, send)

    @contextmanager
    def serving(self, broker: Broker) -> Iterator[None]:
        """Serve ``create_app(broker)`` until the block ends."""
        from polycontract.broker._api.app import create_app

        self.current = create_app(broker)
        self.requests = 0
        try:
            yield
        finally:
            self.current = None


async def receiver_app(scope: dict[str, Any], receive: _Receive, send: _Send) -> None:
    """A webhook receiver: ``/ok`` answers 200 ``received``, any other path 500 ``refused``."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body", False):
        pass
    if scope["path"] == "/ok":
        await _answer(send, 200, "received")
    else:
        await _answer(send, 500, "refused")


class Databases:
    """One test module's databases: a migrated SQLite file and a migrated PostgreSQL schema, made once.

    `fresh` gives a test an empty database of a backend (a copy of the SQLite file; the PostgreSQL
    schema with every row deleted) at a fraction of a migration's cost; `close` drops the schema.
    """

    def __init__(self, folder: Path, postgres_url: str | None) -> None:
        self._folder = folder
        self._postgres_url = postgres_url
        self._copies = itertools.count()
        self._template: Path | None = None
        self._admin: Any = None  # a psycopg connection to the PostgreSQL database, once a schema exists
        self._schema = ""
        self._empty = ""

    def fresh(self, backend: Backend) -> str:
        """The URL of an empty, migrated database on ``backend``, for one test."""
        if backend == "sqlite":
            if self._template is None:
                self._template = self._folder / "template.db"
                connect(f"sqlite:///{self._template}").close()
            copy = self._folder / f"broker-{next(self._copies)}.db"
            shutil.copyfile(self._template, copy)
            return f"sqlite:///{copy}"
        assert self._postgres_url is not None, "no PostgreSQL database was given"
        separator = "&" if "?" in self._postgres_url else "?"
        if self._admin is None:
            self._create_schema()
        self._admin.execute(self._empty)
        return f"{self._postgres_url}{separator}options={quote(f'-csearch_path={self._schema}')}"

    def _create_schema(self) -> None:
        import psycopg

        assert self._postgres_url is not None, "no PostgreSQL database was given"
        self._schema = f"pc_contract_{uuid.uuid4().hex[:12]}"
        self._admin = psycopg.connect(self._postgres_url, autocommit=True)
        self._admin.execute(f'CREATE SCHEMA "{self._schema}"')  # dropped by close() even if migrating fails
        self._empty = "SELECT 1"
        connect(self.fresh("postgresql")).close()
        # DELETE, children first: TRUNCATE of every table takes half a second, this a few milliseconds.
        tables = reversed(metadata.sorted_tables)
        self._empty = "; ".join(f'DELETE FROM "{self._schema}"."{table.name}"' for table in tables)

    def close(self) -> None:
        """Drop the PostgreSQL schema (if one was made)."""
        if self._admin is not None:
            self._admin.execute(f'DROP SCHEMA "{self._schema}" CASCADE')
            self._admin.close()


@contextmanager
def open_broker(
    implementation: Implementation, database_url: str, switch: SwitchedApp | None, server_url: str | None
) -> Iterator[BrokerAPI]:
    """A fresh broker of ``implementation`` over the empty database ``database_url``.

    ``http``: the broker server (``switch`` at ``server_url``) serves that database for the block,
    and the broker returned is an `HttpBroker` speaking to it.
    """
    with connect(database_url, clock=ticking_clock()) as stored:
        if implementation == "embedded":
            yield stored
            return
        assert switch is not None and server_url is not None and isinstance(stored, Broker)
        with switch.serving(stored), connect(server_url) as client:
            yield client


# -- the fixtures ---------------------------------------------------------------------------------------


def served_switch() -> Iterator[tuple[SwitchedApp, str]]:
    """The module's broker server and its URL: each HTTP test serves its own database through it."""
    app = SwitchedApp()
    served = Served(app, name="contract-broker")
    try:
        yield app, served.url
    finally:
        served.stop()


def served_receiver() -> Iterator[str]:
    """A webhook receiver's URL: ``/ok`` answers 200, anything else 500."""
    served = Served(receiver_app, name="webhook-receiver")
    try:
        yield served.url
    finally:
        served.stop()


def made_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """The module's migrated databases, emptied for each test."""
    made = Databases(Path(tmp_path_factory.mktemp("contract")), os.environ.get(POSTGRES_ENV) or None)
    try:
        yield made
    finally:
        made.close()


def chosen_backend(request: pytest.FixtureRequest) -> Backend:
    """Which database the broker stores in; PostgreSQL needs ``POLYCONTRACT_TEST_POSTGRES_URL`` (set in CI,
    where its absence fails the suite rather than skip it)."""
    chosen: Backend = request.param
    if chosen == "postgresql" and not os.environ.get(POSTGRES_ENV):
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI runs the broker contract on PostgreSQL too")
        pytest.skip(f"{POSTGRES_ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    return chosen


# -- the registry -----------------------------------------------------------------------------------------

Test = TypeVar("Test", bound=Callable[..., None])

#: operation -> the tests that exercise it.
EXERCISED: dict[str, list[str]] = {}

AVRO_V1: dict[str, Any] = {
    "type": "record",
    "name": "User",
    "fields": [{"name": "id", "type": "long"}, {"name": "email", "type": "string"}],
}
AVRO_V2: dict[str, Any] = {**AVRO_V1, "fields": [{"name": "id", "type": "long"}]}


def exercises(*operations: str) -> Callable[[Test], Test]:
    """Register the test as exercising ``operations``; when it passes, each must have been called on ``broker``."""

    def register(test: Test) -> Test:
        for operation in operations:
            EXERCISED.setdefault(operation, []).append(test.__name__)

        @functools.wraps(test)
        def counted(*args: Any, **kwargs: Any) -> None:
            calls = _count_calls(kwargs["broker"], operations)
            test(*args, **kwargs)
            unused = [op for op in operations if calls.get(op) == 0]
            assert not unused, f"{test.__name__} says it exercises {unused} but never called them"

        return counted  # type: ignore[return-value]

    return register


def _count_calls(broker: BrokerAPI, operations: tuple[str, ...]) -> dict[str, int]:
    calls: dict[str, int] = {}
    for name in operations:
        if name.startswith("__") or not callable(getattr(type(broker), name)):
            continue  # a property or the context manager: using it is the exercise
        calls[name] = 0
        method = getattr(broker, name)

        def counting(*args: Any, _name: str = name, _method: Any = method, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _method(*args, **kwargs)

        setattr(broker, name, counting)
    return calls


def interface_operations() -> set[str]:
    """The operations of `BrokerAPI`: its public members and the context manager."""
    return {n for n in dir(BrokerAPI) if not n.startswith("_") or n in ("__enter__", "__exit__")}


# -- the error tables ------------------------------------------------------------------------------------

Call = Callable[[BrokerAPI], object]

#: Wrong arguments: each must be refused with `UsageError` before any request is sent.
WRONG_ARGUMENTS: dict[str, Call] = {
    "create_pacticipant repository_url": lambda b: b.create_pacticipant("web", repository_url=" "),
    "create_pacticipant display_name": lambda b: b.create_pacticipant("web", display_name=" "),
    "create_version build_url": lambda b: b.create_version("web", "1", build_url=" "),
    "publish_pact build_url": lambda b: b.publish_pact(_pact(), consumer_version="1", build_url=""),
    "publish_verification no pact": lambda b: b.publish_verification(
        provider="auth", provider_version="9", success=True
    ),
    "publish_verification_results item": lambda b: b.publish_verification_results(
        provider="auth", provider_version="9", results=[{"content_hash": "", "success": True}]
    ),
    "pacts_for_verification wip without pending": lambda b: b.pacts_for_verification(
        "auth", include_pending=False, include_wip_since=date(2025, 1, 1)
    ),
    "pacts_for_verification selector": lambda b: b.pacts_for_verification("auth", selectors=[{"mainBranch": "yes"}]),
    "prune keep_latest": lambda b: b.prune(keep_latest=0),
    "can_i_deploy no target": lambda b: b.can_i_deploy("web", "1"),
    "can_i_deploy two targets": lambda b: b.can_i_deploy("web", "1", to_environment="prod", to_main_branch=True),
    "create_environment name": lambda b: b.create_environment(" "),
    "create_environment contacts": lambda b: b.create_environment("qa", contacts=[{"email": "a@example.com"}]),
    "label_pacticipant label": lambda b: b.label_pacticipant("web", "two\nlines"),
    "publish_schema kind": lambda b: b.publish_schema("users", "1", subject="s", kind="xml", schema="<a/>"),
    "publish_schema level": lambda b: b.publish_schema(
        "users", "1", subject="s", kind="avro", schema=AVRO_V1, level="SIDEWAYS"
    ),
    "record_schema_use both": lambda b: b.record_schema_use(
        "mailer", "4", subject="user-events", schema=AVRO_V1, from_version="1"
    ),
    "create_webhook events": lambda b: b.create_webhook(url="http://127.0.0.1/x", events=["nothing_happened"]),
    "create_webhook url": lambda b: b.create_webhook(url="file:///etc/passwd", events=["contract_published"]),
    "create_webhook method": lambda b: b.create_webhook(
        url="http://127.0.0.1/x", events=["contract_published"], method="GET"
    ),
    "create_webhook webhook_id": lambda b: b.create_webhook(
        url="http://127.0.0.1/x", events=["contract_published"], webhook_id="short"
    ),
}

#: What names something the broker does not have: each is a `StorageError`.
UNKNOWN_THINGS: dict[str, Call] = {
    "record_deployment environment": lambda b: b.record_deployment("web", "1", "nowhere"),
    "record_deployment version": lambda b: b.record_deployment("web", "9", "prod"),
    "record_undeployment pacticipant": lambda b: b.record_undeployment("nobody", "prod"),
    "record_release environment": lambda b: b.record_release("web", "1", "nowhere"),
    "record_release version": lambda b: b.record_release("web", "9", "prod"),
    "record_support_ended version": lambda b: b.record_support_ended("web", "9", "prod"),
    "live environment": lambda b: b.live("nowhere"),
    "matrix environment": lambda b: b.matrix("web", environment="nowhere"),
    "can_i_deploy environment": lambda b: b.can_i_deploy("web", "1", to_environment="nowhere"),
    "unlabel_pacticipant pacticipant": lambda b: b.unlabel_pacticipant("nobody", "core"),
    "record_schema_use subject": lambda b: b.record_schema_use("mailer", "4", subject="nothing", from_version="1"),
    "webhook": lambda b: b.webhook("b" * 16),
    "delete_webhook": lambda b: b.delete_webhook("b" * 16),
    "execute_webhook": lambda b: b.execute_webhook("b" * 16),
    "webhook_deliveries": lambda b: b.webhook_deliveries("b" * 16),
    "create_webhook consumer": lambda b: b.create_webhook(
        url="http://127.0.0.1/x", events=["contract_published"], consumer="nobody"
    ),
}


def _pact() -> PactDocument:
    return PactDocument(consumer="web", provider="auth", interactions=())
