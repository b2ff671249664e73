"""The Pact Broker's own client pacts, and a broker server that sets up their provider states.

pact_broker-client (the Pact Broker's Ruby client, github.com/pact-foundation/pact_broker-client,
``spec/pacts/``) keeps consumer pacts against the Pact Broker. They are not copied into the project: they
are read from the folder ``POLYCONTRACT_BROKER_CLIENT_PACTS`` names or, without it, from
``shared/pact-broker-client-pacts`` beside the checkout. Missing, the tests that need them fail saying how
to get them; ``POLYCONTRACT_ALLOW_MISSING_SPEC=1`` turns that into a skip.

`StatefulBroker` is the provider: ``create_app`` over a fresh SQLite file per provider state. It does
what the Pact Broker's own verification does (pact-foundation/pact_broker, ``spec/service_consumers/``):

* ``POST /_pact/state`` ``{state, action}`` empties the database (the Pact Broker cleans its database
  around each interaction) and, on ``setup``, seeds what ``shared_provider_states.rb`` builds with its
  ``TestDataBuilder`` (`SEEDS` below, one function per state; states with no set-up there seed nothing);
* request paths ``/HAL-REL-PLACEHOLDER-…`` become real paths (``hal_relation_proxy_app.rb``,
  ``PATH_REPLACEMENTS``); ids the Pact Broker's builder chooses (an environment's UUID, a deployed
  version's UUID) are mapped to the ones this broker gave the same rows (polycontract derives an
  environment's UUID from its name and numbers deployed versions), which is how those states are
  expressed here;
* a ``/matrix`` query whose ``q[]`` parameters a pact stored sorted (a pact keeps a query as a map, so
  ``q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][version]=1.2.3`` lost which version went with which
  pacticipant) is replayed in the order the Ruby client's pact of the same interaction wrote it.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest
from sqlalchemy import func, select
from starlette.types import Receive, Scope, Send

from polycontract.broker import Broker, connect
from polycontract.broker._api.app import create_app
from polycontract.broker._api.common import environment_uuid
from polycontract.model import HttpInteraction, PactDocument, Request, Response
from tests.broker.http_twin import ticking_clock

ENV = "POLYCONTRACT_BROKER_CLIENT_PACTS"
ALLOW_MISSING = "POLYCONTRACT_ALLOW_MISSING_SPEC"
BESIDE = Path(__file__).resolve().parents[2] / "shared" / "pact-broker-client-pacts"
#: The pact files of the Pact Broker client against the Pact Broker (the PactFlow ones test PactFlow-only features).
FILES = ("pact_broker_client-pact_broker.json", "Pact Broker Client V2-Pact Broker.json")
#: The file whose ``/matrix`` queries keep the order the client wrote them in (raw query strings).
ORDERED_QUERIES = FILES[0]


def folder() -> Path:
    """``$POLYCONTRACT_BROKER_CLIENT_PACTS``, else ``shared/pact-broker-client-pacts`` beside the checkout."""
    value = os.environ.get(ENV, "").strip()
    return Path(value).expanduser() if value else BESIDE


def missing() -> str | None:
    """Why the pact files cannot be read, or None when every one of `FILES` is there."""
    absent = [name for name in FILES if not (folder() / name).is_file()]
    if not absent:
        return None
    source = f"{ENV}={os.environ[ENV]}" if os.environ.get(ENV, "").strip() else f"beside the checkout (set {ENV})"
    return (
        f"Pact Broker client pacts not found: {', '.join(absent)} missing in {folder()} ({source}). "
        f"Copy spec/pacts/ of github.com/pact-foundation/pact_broker-client there or point {ENV} at it; "
        f"or set {ALLOW_MISSING}=1 to skip the tests that need them."
    )


def require() -> Path:
    """The pact folder; fails the calling test when the files are missing (skips it when allowed)."""
    reason = missing()
    if reason is not None:
        if os.environ.get(ALLOW_MISSING, "").strip().lower() in ("1", "true", "yes"):
            pytest.skip(reason)
        pytest.fail(reason, pytrace=False)
    return folder()


def interaction_key(interaction: dict[str, Any]) -> str:
    """``description | provider state`` (descriptions alone repeat across states)."""
    states = interaction.get("providerState") or ", ".join(s["name"] for s in interaction.get("providerStates", []))
    return f"{interaction['description']} | {states or 'no state'}"


def raw_interactions(name: str) -> list[dict[str, Any]]:
    """The interactions of pact file ``name`` as JSON."""
    document: dict[str, Any] = json.loads((folder() / name).read_text(encoding="utf-8"))
    return list(document["interactions"])


# ----------------------------------------------------------------------------------- provider states

_TEST_ENV_UUIDS = ("16926ef3-590f-4e3f-838e-719717aa88c9", "cb632df3-0a0d-4227-aac3-60114dd36479")
_DEPLOYED_UUID = "ff3adecf-cfc5-4653-a4e3-f1861092f8e0"
_FOO_SHA = "5556b8149bf8bac76bc30f50a8a2dd4c22c85f30"
_PRICING_REPOSITORY = "git@git.realestate.com.au:business-systems/pricing-service"


class Seeder:
    """What the Pact Broker's ``TestDataBuilder`` does, on a polycontract `Broker`."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.ids: dict[str, str] = {}
        self._revision = 0

    def pact(
        self, consumer: str, version: str, provider: str, *, tags: tuple[str, ...] = (), revised: bool = True
    ) -> Seeder:
        """``create_pact`` then ``revise_pact``: a pact with content of its own.

        ``revised=False`` is ``create_pact`` alone: the builder's default content, a pact without interactions
        (``default_json_content`` of pact_broker ``lib/pact_broker/test/test_data_builder.rb``).
        """
        self._revision += 1
        interaction = HttpInteraction(
            description=f"a request {self._revision}",
            request=Request(method="GET", path=f"/things/{self._revision}"),
            response=Response(status=200),
        )
        content = PactDocument(consumer=consumer, provider=provider, interactions=(interaction,) if revised else ())
        self.broker.publish_pact(content, consumer_version=version, tags=tags, allow_overwrite=True)
        return self

    def verify(self, consumer: str, version: str, provider: str, provider_version: str, success: bool = True) -> Seeder:
        """``create_verification(provider_version:, success:)`` of ``consumer`` ``version``'s pact."""
        self.broker.publish_verification(
            provider=provider,
            provider_version=provider_version,
            consumer=consumer,
            consumer_version=version,
            success=success,
        )
        return self

    def environment(self, name: str, *, uuid: str | None = None, contacts: bool = False) -> Seeder:
        """``create_environment(name, uuid:, contacts:)``; the Pact Broker's UUID maps to the one polycontract uses."""
        team = [{"name": "foo", "details": {"emailAddress": "foo@bar.com"}}] if contacts else None
        self.broker.create_environment(name, display_name="Test" if contacts else None, contacts=team)
        if uuid is not None:
            self.ids[uuid] = environment_uuid(name)
        return self

    def deployed(self, pacticipant: str, version: str, environment: str, *, uuid: str, target: str | None) -> Seeder:
        """``create_deployed_version_for_consumer_version(uuid:, target:)``."""
        from polycontract.broker._store.tables import deployments

        self.broker.record_deployment(pacticipant, version, environment, application_instance=target)
        with self.broker.internals.store.engine.connect() as conn:  # the id this broker gave the deployment
            self.ids[uuid] = str(conn.execute(select(func.max(deployments.c.id))).scalar_one())
        return self


def _foo_bar_verified(s: Seeder, consumer: str = "Foo") -> None:
    s.pact(consumer, "1.2.3", "Bar").verify(consumer, "1.2.3", "Bar", "4.5.6").verify(consumer, "1.2.3", "Bar", "7.8.9")
    s.pact(consumer, "2.0.0", "Bar").verify(consumer, "2.0.0", "Bar", "4.5.6")


def _webhook(s: Seeder) -> None:
    s.broker.create_pacticipant("Condor")
    s.broker.create_pacticipant("Pricing Service")
    s.broker.create_webhook(
        url="http://example.org/hook",
        events=["contract_content_changed"],
        consumer="Condor",
        provider="Pricing Service",
        webhook_id="696c5f93-1b7f-44bc-8d03-59440fcaa9a0",
    )


def _seeds() -> dict[str, Callable[[Seeder], object]]:
    condor_pact = "a pact between Condor and the Pricing Service exists"
    return {
        "'Condor' exists in the pact-broker with the latest tagged 'production' version 1.2.3": lambda s: (
            s.broker.create_version("Condor", "1.2.3", tags=["production"]),
            s.broker.create_version("Condor", "2.0.0"),
        ),
        "'Condor' exists in the pact-broker with the latest version 1.2.3": lambda s: (
            s.broker.create_version("Condor", "1.0.0"),
            s.broker.create_version("Condor", "1.2.3"),
        ),
        "the 'Pricing Service' and 'Condor' already exist in the pact-broker": lambda s: (
            s.broker.create_pacticipant("Condor"),
            s.broker.create_pacticipant("Pricing Service"),
        ),
        "the pact for Foo Thing version 1.2.3 has been verified by Bar version 4.5.6": lambda s: _foo_bar_verified(
            s, "Foo Thing"
        ),
        "the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6": _foo_bar_verified,
        "the pact for Foo version 1.2.3 and 1.2.4 has been verified by Bar version 4.5.6": lambda s: (
            s.pact("Foo", "1.2.3", "Bar")
            .verify("Foo", "1.2.3", "Bar", "4.5.6")
            .pact("Foo", "1.2.4", "Bar")
            .verify("Foo", "1.2.4", "Bar", "4.5.6")
        ),
        "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6, and 1.2.4 "
        "unsuccessfully by 9.9.9": lambda s: (
            s.pact("Foo", "1.2.3", "Bar")
            .verify("Foo", "1.2.3", "Bar", "4.5.6")
            .pact("Foo", "1.2.4", "Bar")
            .verify("Foo", "1.2.4", "Bar", "9.9.9", success=False)
        ),
        "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 with tag prod, and 1.2.4 "
        "unsuccessfully by 9.9.9": lambda s: (
            s.pact("Foo", "1.2.3", "Bar").verify("Foo", "1.2.3", "Bar", "4.5.6"),
            s.broker.create_version("Bar", "4.5.6", tags=["prod"]),
            s.pact("Foo", "1.2.4", "Bar").verify("Foo", "1.2.4", "Bar", "9.9.9", success=False),
        ),
        "the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6 and version 5.6.7": lambda s: (
            s.pact("Foo", "1.2.3", "Bar").verify("Foo", "1.2.3", "Bar", "4.5.6").verify("Foo", "1.2.3", "Bar", "5.6.7")
        ),
        "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 (tagged prod) and "
        "version 5.6.7": lambda s: (
            s.pact("Foo", "1.2.3", "Bar").verify("Foo", "1.2.3", "Bar", "4.5.6"),
            s.broker.create_version("Bar", "4.5.6", tags=["prod"]),
            s.verify("Foo", "1.2.3", "Bar", "5.6.7"),
        ),
        # create_pricing_service (pact_broker lib/pact_broker/test/test_data_builder.rb) sets its repository URL
        "the 'Pricing Service' already exists in the pact-broker": lambda s: (
            s.broker.create_pacticipant("Pricing Service", repository_url=_PRICING_REPOSITORY),
            s.broker.create_version("Pricing Service", "1.3.0"),
        ),
        condor_pact: lambda s: s.pact("Condor", "1.3.0", "Pricing Service", revised=False),
        "the 'Pricing Service' and 'Condor' already exist in the pact-broker, and Condor already has a pact "
        "published for version 1.3.0": lambda s: s.pact("Condor", "1.3.0", "Pricing Service", revised=False),
        "'Condor' exists in the pact-broker": lambda s: s.broker.create_version("Condor", "1.3.0"),
        "'Condor' exists in the pact-broker with version 1.3.0, tagged with 'prod'": lambda s: s.broker.create_version(
            "Condor", "1.3.0", tags=["prod"]
        ),
        condor_pact + " for the production version of Condor": lambda s: s.pact(
            "Condor", "1.3.0", "Pricing Service", tags=("prod",), revised=False
        ),
        "a latest pact between Condor and the Pricing Service exists": lambda s: s.pact(
            "Condor", "1.3.0", "Pricing Service", revised=False
        ),
        "tagged as prod pact between Condor and the Pricing Service exists": lambda s: s.pact(
            "Condor", "1.3.0", "Pricing Service", tags=("prod",), revised=False
        ),
        "a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists": _webhook,
        "a pacticipant with name Foo exists": lambda s: s.broker.create_pacticipant("Foo"),
        "provider Bar version 4.5.6 has a successful verification for Foo version 1.2.3 tagged prod and a failed "
        "verification for version 3.4.5 tagged prod": lambda s: (
            s.pact("Foo", "1.2.3", "Bar", tags=("prod",))
            .verify("Foo", "1.2.3", "Bar", "4.5.6")
            .pact("Foo", "3.4.5", "Bar", tags=("prod",))
            .verify("Foo", "3.4.5", "Bar", "4.5.6", success=False)
        ),
        "an environment exists": lambda s: s.environment("test", contacts=True),
        f"version {_FOO_SHA} of pacticipant Foo exists with a test environment available for release": lambda s: (
            s.environment("test", uuid=_TEST_ENV_UUIDS[0]),
            s.broker.create_version("Foo", _FOO_SHA),
        ),
        f"an environment with name test and UUID {_TEST_ENV_UUIDS[0]} exists": lambda s: s.environment(
            "test", uuid=_TEST_ENV_UUIDS[0]
        ),
        f"an version is deployed to environment with UUID {_TEST_ENV_UUIDS[0]} with target customer-1": lambda s: (
            s.environment("test", uuid=_TEST_ENV_UUIDS[0]),
            s.broker.create_version("Foo", _FOO_SHA),
            s.deployed("Foo", _FOO_SHA, "test", uuid=_DEPLOYED_UUID, target="customer-1"),
        ),
        "a currently deployed version exists": lambda s: (
            s.environment("test", uuid=_TEST_ENV_UUIDS[1]),
            s.broker.create_version("Foo", _FOO_SHA),
            s.deployed("Foo", _FOO_SHA, "test", uuid=_DEPLOYED_UUID, target=None),
        ),
        "a branch named main exists for pacticipant Foo": lambda s: s.broker.create_version("Foo", "1", branch="main"),
        "an environment with name test exists": lambda s: s.environment("test"),
        f"version {_FOO_SHA} of pacticipant Foo exists with a test environment available for deployment": lambda s: (
            s.broker.create_version("Foo", _FOO_SHA),
            s.environment("test", uuid=_TEST_ENV_UUIDS[1]),
        ),
        f"version {_FOO_SHA} of pacticipant Foo exists with 2 environments that aren't test available for "
        "deployment": lambda s: (
            s.broker.create_version("Foo", _FOO_SHA),
            s.environment("prod"),
            s.environment("dev"),
        ),
    }


#: Provider state name -> what sets it up (states the Pact Broker sets up with nothing are absent).
SEEDS = _seeds()

#: ``hal_relation_proxy_app.rb`` of pact-foundation/pact_broker (``PATH_REPLACEMENTS``), as the Pact Broker
#: rewrites them before its app sees the request.
PATH_REPLACEMENTS = {
    "/HAL-REL-PLACEHOLDER-INDEX-PB-LATEST-TAGGED-VERSION-Condor-production": (
        "/pacticipants/Condor/latest-version/production"
    ),
    "/HAL-REL-PLACEHOLDER-INDEX-PB-LATEST-VERSION-Condor": "/pacticipants/Condor/latest-version",
    "/HAL-REL-PLACEHOLDER-PB-WEBHOOKS": "/webhooks",
    "/HAL-REL-PLACEHOLDER-PB-ENVIRONMENTS": "/environments",
    f"/HAL-REL-PLACEHOLDER-PB-PACTICIPANT-VERSION-Foo-{_FOO_SHA}": f"/pacticipants/Foo/versions/{_FOO_SHA}",
    f"/HAL-REL-PLACEHOLDER-PB-RECORD-DEPLOYMENT-FOO-{_FOO_SHA.upper()}-TEST": (
        f"/pacticipants/Foo/versions/{_FOO_SHA}/deployed-versions/environment/{_TEST_ENV_UUIDS[1]}"
    ),
    "/HAL-REL-PLACEHOLDER-PB-PUBLISH-CONTRACTS": "/contracts/publish",
    f"/HAL-REL-PLACEHOLDER-PB-RECORD-RELEASE-FOO-{_FOO_SHA.upper()}-TEST": (
        f"/pacticipants/Foo/versions/{_FOO_SHA}/deployed-versions/environment/{_TEST_ENV_UUIDS[1]}"
    ),
    f"/PLACEHOLDER-DEPLOYED-VERSION-{_DEPLOYED_UUID}": f"/deployed-versions/{_DEPLOYED_UUID}",
    f"/PLACEHOLDER-ENVIRONMENT-CURRENTLY-DEPLOYED-{_TEST_ENV_UUIDS[0]}": (
        f"/environments/{_TEST_ENV_UUIDS[0]}/deployed-versions/currently-deployed"
    ),
    f"/HAL-REL-PLACEHOLDER-PB-ENVIRONMENT-{_TEST_ENV_UUIDS[0]}": f"/environments/{_TEST_ENV_UUIDS[0]}",
    "/HAL-REL-PLACEHOLDER-PB-PACTICIPANT-BRANCH-Foo-main": "/pacticipants/Foo/branches/main",
}


def _query_key(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(parse_qsl(raw, keep_blank_values=True)))


def ordered_matrix_queries() -> dict[tuple[tuple[str, str], ...], str]:
    """Each ``/matrix`` query of the Ruby client's pact, keyed by its parameters in any order."""
    found: dict[tuple[tuple[str, str], ...], str] = {}
    for interaction in raw_interactions(ORDERED_QUERIES):
        request = interaction["request"]
        if request["path"] == "/matrix" and isinstance(request.get("query"), str):
            found[_query_key(unquote(request["query"]).replace("+", "%2B"))] = request["query"]
            found[_query_key(request["query"])] = request["query"]
    return found


class StatefulBroker:
    """An ASGI app: polycontract's broker server over a fresh SQLite file per provider state."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.generation = 0
        self.broker: Broker | None = None
        self.app: Any = None
        self.ids: dict[str, str] = {}
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._queries = ordered_matrix_queries()
        self._template = workdir / "empty.db"
        connect(f"sqlite:///{self._template}").close()  # migrated once, copied for every state
        self.reset()

    def reset(self, state: str | None = None) -> None:
        """An empty database (then ``state`` set up, when given)."""
        with self._lock:
            if self.broker is not None:
                self.broker.close()
            self.generation += 1
            database = self.workdir / f"broker-{self.generation}.db"
            shutil.copyfile(self._template, database)
            url = f"sqlite:///{database}"
            self.broker = connect(url, clock=ticking_clock())
            self.app = create_app(self.broker)
            seeder = Seeder(self.broker)
            if state and state in SEEDS:
                SEEDS[state](seeder)
            self.ids = seeder.ids

    def close(self) -> None:
        """Close the current database."""
        if self.broker is not None:
            self.broker.close()

    def _path(self, path: str) -> str:
        for find, replace in PATH_REPLACEMENTS.items():
            path = path.replace(find, replace)
        for theirs, ours in self.ids.items():
            path = path.replace(theirs, ours)
        return path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_pact/state":
            await self._state(scope, receive, send)
            return
        path = self._path(scope["path"])
        query = scope.get("query_string", b"").decode("latin-1")
        if path == "/matrix":
            query = self._queries.get(_query_key(query), query)
        # the Pact Broker's verification serves with base URL http://example.org (pact_helper.rb)
        headers = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", b"example.org")]
        changed = {
            **scope,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode("latin-1"),
            "headers": headers,
            "server": ("example.org", 80),
        }
        await self.app(changed, receive, send)

    async def _state(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        change = json.loads(body or b"{}")
        status = 200
        try:
            self.reset(change.get("state") if change.get("action", "setup") == "setup" else None)
        except Exception as exc:  # a seed that fails is the harness's bug: say which
            self.errors.append(f"{change.get('state')}: {exc!r}")
            status = 500
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b""})
