"""`HttpBroker`: the `BrokerAPI` over a broker server's HTTP API (Pact Broker HAL routes).

``connect("http://…")`` / ``connect("https://…")`` returns one, so every CLI command works against
an embedded file or a server with only ``--broker`` changed:

>>> # broker = connect("https://broker.example", token=os.environ["POLYCONTRACT_BROKER_TOKEN"])
>>> # broker.can_i_deploy("web", "a1b2c3", to_environment="prod").ok

Routes are the Pact Broker's (``/contracts/publish``, ``/pacts/provider/{p}/…``, ``/pacticipants/…``,
``/environments``, deployed and released versions, ``/matrix``); what the Pact Broker has no route
for (schema contracts, prune) goes to ``/polycontract/…`` extension routes. Arguments are checked
here as the embedded broker checks them, so a wrong call fails the same way before any request.
Retries, backoff and error mapping live in `polycontract.broker._client.transport`, which reaches a broker
directly with the standard library (`polycontract.broker._client.lean`) and goes through httpx only for an
httpx transport passed in or a proxy named by the environment. The client shares
no code with the embedded broker beyond the values and argument checks of `polycontract.broker._values`,
and never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from polycontract.broker._client.codec import as_mapping, decision_from_json, hash_from_href, present, row_from_json
from polycontract.broker._client.deployments import HttpDeployments
from polycontract.broker._client.labels import HttpLabels
from polycontract.broker._client.pacticipants import HttpPacticipants
from polycontract.broker._client.paths import seg
from polycontract.broker._client.schemas import HttpSchemas
from polycontract.broker._client.transport import Transport
from polycontract.broker._client.verifying import HttpVerifying
from polycontract.broker._client.webhooks import HttpWebhooks
from polycontract.broker._values.checks import checked_fuzz_policy, checked_keep_latest, checked_url, deploy_target
from polycontract.broker._values.names import checked_pact_names, names_checked
from polycontract.errors import BrokerError, StorageError, UsageError
from polycontract.matrix import Decision, Ignore, Row

if TYPE_CHECKING:
    import httpx

    from polycontract.broker._values.records import PruneReport, PublishResult
    from polycontract.matrix import FuzzPolicy
    from polycontract.model import PactDocument

__all__ = ["HttpBroker"]

_OUTCOMES = {"Pact published": "created", "Pact unchanged": "unchanged", "Pact overwritten": "overwritten"}


@names_checked
class HttpBroker(HttpPacticipants, HttpVerifying, HttpDeployments, HttpWebhooks, HttpLabels, HttpSchemas):
    """A `BrokerAPI` whose storage is a broker server reached over HTTP (the embedded `Broker`'s operations,
    same parameters, same return types).

    ``token`` is sent as a bearer token, ``username``/``password`` as HTTP basic auth; neither is
    logged or shown in errors. ``retries`` bounds retries of connection failures (any call) and of
    5xx answers (idempotent calls only). ``transport`` takes an ``httpx`` transport (tests pass
    ``httpx.ASGITransport(app)`` or ``httpx.MockTransport``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise UsageError(f"base_url={base_url!r} must start with http:// or https://")
        extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        self._http = Transport(
            base_url,
            token=token,
            username=username,
            password=password,
            timeout=timeout,
            retries=retries,
            transport=transport,
            **extra,
        )
        self._environment_ids: dict[str, str] = {}
        self._consumers: dict[str, str] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The broker's base URL (credentials are never part of it)."""
        return self._http.base_url

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> HttpBroker:
        """The client itself; leaving the ``with`` block closes it."""
        return self

    def __exit__(self, *exc: object) -> None:
        """`close` the client."""
        self.close()

    # -- pacts -----------------------------------------------------------------------------------

    def publish_pact(
        self,
        pact: PactDocument,
        *,
        consumer_version: str,
        branch: str | None = None,
        tags: Sequence[str] = (),
        allow_overwrite: bool = False,
        build_url: str | None = None,
    ) -> PublishResult:
        """Publish ``pact`` with ``POST /contracts/publish``.

        Retried like an idempotent call: publishing identical content again changes nothing.
        ``allow_overwrite`` sends the extension member ``allowOverwrite: true``.
        """
        from base64 import b64encode

        from polycontract.broker._values.pact_form import published_text
        from polycontract.broker._values.records import PublishResult
        from polycontract.codec import content_hash
        from polycontract.model import require_document

        require_document(pact, "publish_pact(pact)")
        pact = checked_pact_names(pact)
        checked_url(build_url, "build_url")
        digest = content_hash(pact)
        contract = {
            "consumerName": pact.consumer,
            "providerName": pact.provider,
            "specification": "pact",
            "contentType": "application/json",
            "content": b64encode(published_text(pact, digest).encode()).decode("ascii"),
        }
        body: dict[str, Any] = {
            "pacticipantName": pact.consumer,
            "pacticipantVersionNumber": consumer_version,
            "tags": list(tags),
            "contracts": [contract],
            **present(branch=branch, allowOverwrite=allow_overwrite or None, buildUrl=build_url),
        }
        answer = as_mapping(
            self._http.request("POST", "/contracts/publish", json_body=body, idempotent=True), "publish"
        )
        outcome = "created"
        for notice in answer.get("notices", ()):
            text = notice.get("text", "") if isinstance(notice, Mapping) else ""
            for prefix, name in _OUTCOMES.items():
                if isinstance(text, str) and text.startswith(prefix) and f"provider {pact.provider}" in text:
                    outcome = name
        links = answer.get("_links", {}).get("pb:contracts") if isinstance(answer.get("_links"), Mapping) else None
        for item in links if isinstance(links, list) else []:
            found = hash_from_href(item.get("href") if isinstance(item, Mapping) else None)
            if found is not None and found[0] == pact.provider:
                digest = found[2]
        self._consumers[digest] = pact.consumer
        return PublishResult(
            consumer=pact.consumer,
            consumer_version=consumer_version,
            provider=pact.provider,
            content_hash=digest,
            outcome=outcome,  # type: ignore[arg-type]
        )

    def _pact_document(self, consumer: str, consumer_version: str, provider: str) -> Mapping[str, Any]:
        path = f"/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/version/{seg(consumer_version)}"
        found = self._http.request("GET", path, missing_ok=True)
        if found is None:
            raise StorageError(f"{consumer} {consumer_version} has published no pact for {provider}")
        return as_mapping(found, "a pact")

    def pact(self, consumer: str, consumer_version: str, provider: str, *, revision: int | None = None) -> PactDocument:
        """The pact ``consumer`` ``consumer_version`` published for ``provider``.

        ``revision`` is sent as the extension query parameter ``?revision=N``.
        """
        from polycontract.codec import load_pact

        if revision is None:
            document = self._pact_document(consumer, consumer_version, provider)
        else:
            path = f"/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/version/{seg(consumer_version)}"
            found = self._http.request("GET", path, params={"revision": revision}, missing_ok=True)
            if found is None:
                raise StorageError(f"{consumer} {consumer_version} has published no pact for {provider}")
            document = as_mapping(found, "a pact")
        content = {k: v for k, v in document.items() if k != "_links"}
        return load_pact(content, name=f"broker pact {consumer} {consumer_version} -> {provider}")

    def prune(
        self, *, keep_latest: int = 20, older_than: timedelta = timedelta(days=90), dry_run: bool = False
    ) -> PruneReport:
        """Retention through the extension route ``POST /polycontract/prune``."""
        from polycontract.broker._values.records import PruneReport

        body = {
            "keepLatest": checked_keep_latest(keep_latest),
            "olderThanSeconds": older_than.total_seconds(),
            "dryRun": dry_run,
        }
        answer = as_mapping(self._http.request("POST", "/polycontract/prune", json_body=body), "prune")
        versions = answer.get("versions", [])
        return PruneReport(
            versions=tuple((str(v[0]), str(v[1])) for v in versions if isinstance(v, list) and len(v) == 2),
            publications=int(answer.get("publications", 0)),
            verifications=int(answer.get("verifications", 0)),
            pact_contents=int(answer.get("pactContents", 0)),
            dry_run=bool(answer.get("dryRun", dry_run)),
        )

    # -- the matrix and can-i-deploy ---------------------------------------------------------------

    def matrix(
        self,
        pacticipant: str,
        *,
        version: str | None = None,
        branch: str | None = None,
        environment: str | None = None,
        limit: int = 1000,
        include_fuzz: bool = False,
    ) -> tuple[Row, ...]:
        """``GET /matrix?q[][pacticipant]=…&limit=N`` rows (example verifications only: ``include_fuzz`` is
        answered by the embedded broker alone).

        ``environment`` (counterparts narrowed to what is live there) has no Pact Broker form: ``/matrix``
        with ``environment=`` asks can-i-deploy. It goes to the extension ``GET /polycontract/matrix``.
        """
        if include_fuzz:
            raise UsageError("include_fuzz=True: fuzz rows of the matrix are read from the broker's database only")
        path = "/matrix"
        params: list[tuple[str, str]] = [("q[][pacticipant]", pacticipant)]
        if version is not None:
            params.append(("q[][version]", version))
        if branch is not None:
            params.append(("q[][branch]", branch))
        if environment is not None:
            self._environment_uuid(environment)
            path = "/polycontract/matrix"
            params = [(k.removeprefix("q[][").removesuffix("]"), v) for k, v in params]
            params.append(("environment", environment))
        params.append(("limit", str(limit)))
        answer = self._http.request("GET", path, params=params)
        found = answer.get("matrix") if isinstance(answer, Mapping) else None
        if not isinstance(found, list) or not all(isinstance(r, Mapping) for r in found):
            raise self._http.malformed(path, "a matrix list of rows")
        return tuple(row_from_json(r) for r in found)

    def can_i_deploy(
        self,
        pacticipant: str,
        version: str,
        *,
        to_environment: str | None = None,
        to_main_branch: bool = False,
        ignore: Sequence[str | Ignore] = (),
        to_tag: str | None = None,
        fuzz: FuzzPolicy = "ignore",
    ) -> Decision:
        """The Pact CLI's question: ``GET /matrix?q[][pacticipant]=P&q[][version]=V&latestby=cvp&environment=E``.

        ``to_main_branch`` sends ``mainBranch=true&latest=true`` instead of ``environment``, ``to_tag``
        ``tag=T&latest=true``. A question counting fuzz verifications (``fuzz`` ``count`` or ``require``) has
        no Pact Broker form: it goes to polycontract's ``GET /can-i-deploy?…&fuzz=``, for an environment only.
        """
        target = deploy_target(to_environment, to_main_branch, to_tag)
        if checked_fuzz_policy(fuzz) != "ignore":
            if to_environment is None:
                raise UsageError(f"fuzz={fuzz!r} over HTTP asks about an environment: give to_environment=")
            query = [
                ("pacticipant", pacticipant),
                ("version", version),
                ("environment", to_environment),
                ("fuzz", fuzz),
            ]
            if any(not isinstance(i, str) and i.version is not None for i in ignore):
                raise UsageError(f"fuzz={fuzz!r} over HTTP ignores whole pacticipants only: give their names")
            query += [("ignore[]", i if isinstance(i, str) else i.pacticipant) for i in ignore]
            answer = self._http.request("GET", "/can-i-deploy", params=query)
            counted = answer.get("polycontract") if isinstance(answer, Mapping) else None
            if not isinstance(counted, Mapping) or counted.get("fuzz") != fuzz:  # e.g. a Pact Broker: fuzz unknown
                raise BrokerError(
                    f"the broker at {self.url} answered can-i-deploy without counting fuzz verifications"
                    f" (fuzz={fuzz!r} was not said back): only a polycontract broker counts them"
                )
            return decision_from_json(answer, pacticipant, version, target)
        params: list[tuple[str, str]] = [
            ("q[][pacticipant]", pacticipant),
            ("q[][version]", version),
            ("latestby", "cvp"),
        ]
        if to_environment is not None:
            params.append(("environment", to_environment))
        elif to_tag is not None:
            params += [("tag", to_tag), ("latest", "true")]
        else:
            params += [("mainBranch", "true"), ("latest", "true")]
        for item in ignore:
            chosen = Ignore(pacticipant=item) if isinstance(item, str) else item
            params.append(("ignore[][pacticipant]", chosen.pacticipant))
            if chosen.version is not None:
                params.append(("ignore[][version]", chosen.version))
        return decision_from_json(self._http.request("GET", "/matrix", params=params), pacticipant, version, target)
