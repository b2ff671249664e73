"""The broker's OpenAPI 3.1 description: valid, in step with the app's routes, and served at ``/openapi.json``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from polycontract.broker import Broker, connect
from polycontract.broker._api.app import INDEX, create_app
from polycontract.broker._api.auth import AuthConfig
from polycontract.broker._api.openapi.document import document

pytest.importorskip("starlette")

METHODS = {"get", "put", "post", "patch", "delete"}


def _served_operations(broker: Broker) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route of the app; ``{name:path}`` convertors read as ``{name}``."""
    from starlette.routing import Route

    out = set()
    for route in create_app(broker).routes:
        assert isinstance(route, Route), route
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        out |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return out


def _described_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), path) for path, item in document()["paths"].items() for method in item if method in METHODS
    }


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Broker]:
    with connect(f"sqlite:///{tmp_path / 'broker.db'}") as broker:
        yield broker


def test_the_description_is_a_valid_openapi_3_1_document() -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    assert document()["openapi"].startswith("3.1.")
    validate(document(), cls=OpenAPIV31SpecValidator)


def test_every_route_is_described_and_every_described_operation_is_served(embedded: Broker) -> None:
    served, described = _served_operations(embedded), _described_operations()
    assert sorted(served - described) == [], "routes missing from the OpenAPI description"
    assert sorted(described - served) == [], "described operations the app does not serve"


def test_every_path_parameter_of_a_described_path_is_declared() -> None:
    for path, item in document()["paths"].items():
        named = set(re.findall(r"\{(\w+)\}", path))
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert named == declared, path


def test_every_operation_has_a_unique_id_and_documents_bad_input() -> None:
    operations = [op for item in document()["paths"].values() for m, op in item.items() if m in METHODS]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for op in operations:
        assert "400" in op["responses"], op["operationId"]
        problems = [code for code in op["responses"] if code.startswith(("4", "5"))]
        assert problems, op["operationId"]


def test_the_index_links_the_description() -> None:
    assert INDEX["service-desc"][0] == "/openapi.json"


def test_the_description_is_served_by_a_real_server_without_a_token(embedded: Broker) -> None:
    pytest.importorskip("uvicorn")
    from tests.broker.http_twin import serving

    auth = AuthConfig.from_json(json.dumps([{"name": "ops", "token": "x" * 32, "role": "admin"}]))
    with serving(embedded, auth=auth) as url:
        answer = httpx.get(url + "/openapi.json")
        index = httpx.get(url + "/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == document()
    assert index.status_code == 401  # the rest of the API still needs a token


def test_the_index_relation_points_at_the_served_description(embedded: Broker) -> None:
    import asyncio

    async def fetch() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(embedded))
        async with httpx.AsyncClient(transport=transport, base_url="http://broker") as client:
            index = await client.get("/")
            return index, await client.get(index.json()["_links"]["service-desc"]["href"])

    index, described = asyncio.run(fetch())
    assert index.json()["_links"]["service-desc"]["href"] == "http://broker/openapi.json"
    assert described.json()["paths"].keys() == document()["paths"].keys()
