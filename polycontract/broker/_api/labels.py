"""Pacticipant label routes of the broker's HTTP API, as the Pact Broker has them.

pact_broker ``lib/pact_broker/api/resources/label.rb`` (``PUT`` creates the label, and the pacticipant when it
is new, answering 201; an existing label answers 200), ``lib/pact_broker/api/decorators/label_decorator.rb``
(the label document) and ``pacticipants_for_label.rb`` (the pacticipants with a label):

======  ==========================================  ===========================================
Verb    Path                                        Answer
======  ==========================================  ===========================================
GET     ``/pacticipants/label/{label}``             ``_embedded.pacticipants[]`` with that label
GET     ``/pacticipants/{p}/labels/{label}``        the label (404: the pacticipant has no such label)
PUT     ``/pacticipants/{p}/labels/{label}``        201 new / 200 already there
DELETE  ``/pacticipants/{p}/labels/{label}``        204
======  ==========================================  ===========================================
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from polycontract.broker._api import queries as reads
from polycontract.broker._api.common import HttpError, base_url, broker_of, hal, link, seg
from polycontract.broker._api.pacticipants import pacticipant_json
from polycontract.broker._values.checks import checked_label
from polycontract.errors import StorageError, UsageError

__all__ = ["label_routes"]

_LABEL = "/pacticipants/{pacticipant}/labels/{label}"


def _label_json(base: str, pacticipant: str, label: str) -> dict[str, Any]:
    path = f"/pacticipants/{seg(pacticipant)}"
    return {
        "name": label,
        "_links": {
            "self": link(base, f"{path}/labels/{seg(label)}", title="Label", name=label),
            "pacticipant": link(base, path, title="Pacticipant", name=pacticipant),
        },
    }


def _names(request: Request) -> tuple[str, str]:
    return request.path_params["pacticipant"], request.path_params["label"]


async def _has(request: Request, pacticipant: str, label: str) -> bool:
    return label in await run_in_threadpool(broker_of(request).pacticipant_labels, pacticipant)


async def get_label(request: Request) -> Response:
    """``GET /pacticipants/{pacticipant}/labels/{label}``."""
    pacticipant, label = _names(request)
    if not await _has(request, pacticipant, label):
        raise HttpError(404, f"pacticipant {pacticipant} has no label {label}")
    return hal(_label_json(base_url(request), pacticipant, label))


async def put_label(request: Request) -> Response:
    """``PUT /pacticipants/{pacticipant}/labels/{label}``: 201 when new (the pacticipant too), 200 when there."""
    pacticipant, label = _names(request)
    try:
        checked_label(label)
    except UsageError as exc:
        raise HttpError(400, str(exc), parameter="label") from None
    existed = await _has(request, pacticipant, label)
    if not existed:
        await run_in_threadpool(broker_of(request).label_pacticipant, pacticipant, label)
    answer = hal(_label_json(base_url(request), pacticipant, label), 200 if existed else 201)
    if not existed:
        answer.headers["Location"] = f"{base_url(request)}/pacticipants/{seg(pacticipant)}/labels/{seg(label)}"
    return answer


async def delete_label(request: Request) -> Response:
    """``DELETE /pacticipants/{pacticipant}/labels/{label}``: 204; 404 when the pacticipant has no such label."""
    pacticipant, label = _names(request)
    try:
        await run_in_threadpool(broker_of(request).unlabel_pacticipant, pacticipant, label)
    except StorageError:
        raise HttpError(404, f"pacticipant {pacticipant} has no label {label}") from None
    return Response(status_code=204)


async def pacticipants_with_label(request: Request) -> Response:
    """``GET /pacticipants/label/{label}``: every pacticipant with the label."""
    label = request.path_params["label"]
    broker = broker_of(request)
    names = await run_in_threadpool(broker.labelled_pacticipants, label)
    infos = [await run_in_threadpool(reads.pacticipant, broker, n) for n in names]
    base = base_url(request)
    return hal(
        {
            "_embedded": {"pacticipants": [pacticipant_json(base, i) for i in infos if i is not None]},
            "_links": {"self": link(base, f"/pacticipants/label/{seg(label)}")},
        }
    )


def label_routes() -> list[Route]:
    """The label routes; before the other ``/pacticipants/{pacticipant}/…`` routes, so ``label/{label}`` is this."""
    return [
        Route("/pacticipants/label/{label}", pacticipants_with_label, methods=["GET"]),
        Route(_LABEL, get_label, methods=["GET"]),
        Route(_LABEL, put_label, methods=["PUT"]),
        Route(_LABEL, delete_label, methods=["DELETE"]),
    ]
