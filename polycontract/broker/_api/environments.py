"""Environment, deployed-version and released-version routes of the broker's HTTP API.

Environments are addressed by a stable UUID derived from their name (`environment_uuid`), so any
number of server processes agree on it without storing it. Deployed and released versions are
addressed by their row id (``/deployed-versions/{id}``), which is what the Pact CLI PATCHes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from polycontract.broker._api import queries as reads
from polycontract.broker._api.common import (
    HttpError,
    base_url,
    bool_field,
    broker_of,
    environment_uuid,
    hal,
    json_body,
    link,
    optional_str,
    reject_unknown,
    required_str,
)
from polycontract.broker._embedded.broker import Broker
from polycontract.broker._values.checks import checked_contacts
from polycontract.broker._values.records import Environment
from polycontract.errors import UsageError

__all__ = [
    "create_environment",
    "currently_deployed",
    "currently_supported",
    "environment_of",
    "get_environment",
    "list_environments",
    "live_json",
    "patch_deployed_version",
    "patch_released_version",
    "record_deployment",
    "record_release",
    "update_environment",
]

_DEPLOYED = "/deployed-versions/currently-deployed"
_SUPPORTED = "/released-versions/currently-supported"


def _environment_json(base: str, env: Environment) -> dict[str, Any]:
    uid = environment_uuid(env.name)
    return {
        "uuid": uid,
        "name": env.name,
        "displayName": env.display_name or env.name,
        "production": env.production,
        # pact_broker lib/pact_broker/api/decorators/environment_decorator.rb: contacts as given, absent when none
        **({"contacts": [dict(c) for c in env.contacts]} if env.contacts else {}),
        "_links": {
            "self": link(base, f"/environments/{uid}", name=env.name, title="Environment"),
            "pb:currently-deployed-deployed-versions": link(
                base, f"/environments/{uid}{_DEPLOYED}", title="Currently deployed"
            ),
            "pb:currently-supported-released-versions": link(
                base, f"/environments/{uid}{_SUPPORTED}", title="Currently supported"
            ),
        },
    }


async def _environment(request: Request, uid: str) -> Environment:
    environments = await run_in_threadpool(broker_of(request).environments)
    for env in environments:
        if environment_uuid(env.name) == uid or env.name == uid:
            return env
    raise HttpError(404, f"no environment with uuid {uid}")


async def environment_of(request: Request, uid: str) -> Environment:
    """The environment whose uuid (or name) is ``uid``; 404 when there is none."""
    return await _environment(request, uid)


#: Environment members: polycontract's plus the Pact Broker's ``contacts`` (``[{name, details?}]``).
_ENVIRONMENT_FIELDS = frozenset({"name", "displayName", "production", "contacts"})
#: Deployment members: the Pact CLI sends ``applicationInstance`` and its older name ``target``.
_DEPLOYMENT_FIELDS = frozenset({"applicationInstance", "target"})
#: Largest record id (SQLite and PostgreSQL ``bigint``); longer ids name no record.
_MAX_ID = 2**63 - 1


# -- environments ----------------------------------------------------------------------------


async def list_environments(request: Request) -> Response:
    """``GET /environments`` (``?name=`` narrows to one)."""
    environments = await run_in_threadpool(broker_of(request).environments)
    wanted = request.query_params.get("name")
    base = base_url(request)
    chosen = [e for e in environments if wanted is None or e.name == wanted]
    # pact_broker lib/pact_broker/api/decorators/environments_decorator.rb: the embedded environments and a
    # pb:environments link to each (the Pact CLI's record-deployment finds an environment by its name there)
    listed = [link(base, f"/environments/{environment_uuid(e.name)}", title="Environment", name=e.name) for e in chosen]
    return hal(
        {
            "_embedded": {"environments": [_environment_json(base, e) for e in chosen]},
            "_links": {"self": link(base, "/environments", title="Environments"), "pb:environments": listed},
        }
    )


def _contacts(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """``contacts`` of an environment document (None: not given), checked as the Pact Broker's
    ``lib/pact_broker/api/contracts/environment_schema.rb`` checks them."""
    value = body.get("contacts")
    if value is None:
        return None
    if not isinstance(value, list):
        raise HttpError(400, "contacts must be a list of {name, details?} objects", pointer="/contacts")
    try:
        return checked_contacts(value)
    except UsageError as exc:
        raise HttpError(400, str(exc), pointer="/contacts") from None


async def create_environment(request: Request) -> Response:
    """``POST /environments`` ``{name, displayName?, production}``; 409 when the name exists."""
    body = await json_body(request)
    reject_unknown(body, _ENVIRONMENT_FIELDS)
    name = required_str(body, "name")
    if any(ch.isspace() for ch in name):
        raise HttpError(400, "name must not contain whitespace", pointer="/name")
    production = bool_field(body, "production")
    display = optional_str(body, "displayName")
    contacts = _contacts(body)
    broker = broker_of(request)
    if any(e.name == name for e in await run_in_threadpool(broker.environments)):
        raise HttpError(409, f"an environment named {name} already exists")
    await run_in_threadpool(
        lambda: broker.create_environment(name, production=production, display_name=display, contacts=contacts)
    )
    env = await _environment(request, environment_uuid(name))
    return hal(_environment_json(base_url(request), env), 201)


async def update_environment(request: Request) -> Response:
    """``PUT /environments/{uuid}`` ``{name, displayName?, production}``: the name cannot change."""
    env = await _environment(request, request.path_params["uuid"])
    body = await json_body(request)
    reject_unknown(body, _ENVIRONMENT_FIELDS)
    if optional_str(body, "name") not in (None, env.name):
        raise HttpError(
            400, f"name cannot change (environment {env.name}); create a new environment instead", pointer="/name"
        )
    production = bool_field(body, "production", env.production)
    display = optional_str(body, "displayName")
    contacts = _contacts(body)
    broker = broker_of(request)
    await run_in_threadpool(
        lambda: broker.create_environment(env.name, production=production, display_name=display, contacts=contacts)
    )
    return hal(_environment_json(base_url(request), await _environment(request, environment_uuid(env.name))))


async def get_environment(request: Request) -> Response:
    """``GET /environments/{uuid}``."""
    env = await _environment(request, request.path_params["uuid"])
    return hal(_environment_json(base_url(request), env))


# -- deployed and released versions --------------------------------------------------------------


def live_json(base: str, record: reads.LiveRecord, kind: str) -> dict[str, Any]:
    """A deployed (``kind="deployed"``) or released version as the Pact Broker shows it."""
    uid = environment_uuid(record.environment)
    out: dict[str, Any] = {
        "uuid": str(record.id),
        "createdAt": record.created_at.isoformat(),
        "_embedded": {
            "pacticipant": {"name": record.pacticipant},
            "version": {"number": record.version},
            "environment": {"uuid": uid, "name": record.environment},
        },
        "_links": {
            "self": link(base, f"/{kind}-versions/{record.id}"),
            "pb:environment": link(base, f"/environments/{uid}", name=record.environment),
        },
    }
    if kind == "deployed":
        out.update(
            currentlyDeployed=record.current,
            applicationInstance=record.application_instance,
            target=record.application_instance,
        )
    else:
        out.update(currentlySupported=record.current)
    return out


async def record_deployment(request: Request) -> Response:
    """``POST /pacticipants/{p}/versions/{v}/deployed-versions/environment/{uuid}`` ``{applicationInstance?}``."""
    name, number = request.path_params["pacticipant"], request.path_params["version"]
    env = await _environment(request, request.path_params["uuid"])
    body = await json_body(request)
    reject_unknown(body, _DEPLOYMENT_FIELDS)
    optional_str(body, "target")
    instance = optional_str(body, "applicationInstance")
    broker = broker_of(request)
    await run_in_threadpool(lambda: broker.record_deployment(name, number, env.name, application_instance=instance))
    found = await run_in_threadpool(lambda: reads.deployed_versions(broker, env.name, pacticipant=name, version=number))
    mine = [r for r in found if r.application_instance == instance]
    return hal(live_json(base_url(request), mine[-1], "deployed"), 201)


async def record_release(request: Request) -> Response:
    """``POST /pacticipants/{p}/versions/{v}/released-versions/environment/{uuid}``."""
    name, number = request.path_params["pacticipant"], request.path_params["version"]
    env = await _environment(request, request.path_params["uuid"])
    broker = broker_of(request)
    await run_in_threadpool(lambda: broker.record_release(name, number, env.name))
    found = await run_in_threadpool(lambda: reads.released_versions(broker, env.name, pacticipant=name, version=number))
    return hal(live_json(base_url(request), found[-1], "released"), 201)


async def currently_deployed(request: Request) -> Response:
    """``GET /environments/{uuid}/deployed-versions/currently-deployed[?pacticipant=&applicationInstance=]``."""
    env = await _environment(request, request.path_params["uuid"])
    who = request.query_params.get("pacticipant")
    found = await run_in_threadpool(lambda: reads.deployed_versions(broker_of(request), env.name, pacticipant=who))
    if "applicationInstance" in request.query_params:
        instance = request.query_params["applicationInstance"] or None
        found = [r for r in found if r.application_instance == instance]
    base = base_url(request)
    return hal(
        {
            "_embedded": {"deployedVersions": [live_json(base, r, "deployed") for r in found]},
            "_links": {"self": link(base, f"/environments/{environment_uuid(env.name)}{_DEPLOYED}")},
        }
    )


async def currently_supported(request: Request) -> Response:
    """``GET /environments/{uuid}/released-versions/currently-supported[?pacticipant=&version=]``."""
    env = await _environment(request, request.path_params["uuid"])
    who, number = request.query_params.get("pacticipant"), request.query_params.get("version")
    found = await run_in_threadpool(
        lambda: reads.released_versions(broker_of(request), env.name, pacticipant=who, version=number)
    )
    base = base_url(request)
    return hal(
        {
            "_embedded": {"releasedVersions": [live_json(base, r, "released") for r in found]},
            "_links": {"self": link(base, f"/environments/{environment_uuid(env.name)}{_SUPPORTED}")},
        }
    )


def _record_id(request: Request) -> int:
    raw = request.path_params["id"]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ID:
        raise HttpError(404, f"no record {raw}")
    return int(raw)


async def patch_deployed_version(request: Request) -> Response:
    """``PATCH /deployed-versions/{id}`` ``{currentlyDeployed: false}``: record the undeployment."""

    def undeploy(broker: Broker, record: reads.LiveRecord) -> None:
        broker.record_undeployment(
            record.pacticipant, record.environment, application_instance=record.application_instance
        )

    return await _end_record(request, "currentlyDeployed", "deployed", reads.deployment, undeploy)


async def patch_released_version(request: Request) -> Response:
    """``PATCH /released-versions/{id}`` ``{currentlySupported: false}``: record that support ended."""

    def end_support(broker: Broker, record: reads.LiveRecord) -> None:
        broker.record_support_ended(record.pacticipant, record.version, record.environment)

    return await _end_record(request, "currentlySupported", "released", reads.release, end_support)


async def _end_record(
    request: Request,
    flag: str,
    kind: Literal["deployed", "released"],
    read: Callable[[Broker, int], reads.LiveRecord | None],
    end: Callable[[Broker, reads.LiveRecord], None],
) -> Response:
    """Set ``flag`` of the record in the path to false (``end`` it unless it has ended) and answer the record."""
    body = await json_body(request)
    reject_unknown(body, {flag})
    if body.get(flag, False) is not False:
        raise HttpError(400, f"{flag} can only be set to false", pointer=f"/{flag}")
    broker = broker_of(request)
    record = await run_in_threadpool(read, broker, _record_id(request))
    if record is None:
        raise HttpError(404, f"no {kind} version {request.path_params['id']}")
    if record.current:
        await run_in_threadpool(end, broker, record)
    updated = await run_in_threadpool(read, broker, record.id)
    assert updated is not None
    return hal(live_json(base_url(request), updated, kind))
