"""OpenAPI documents are validated once, at publish-schema time; can-i-deploy diffs them without re-validating.

The stored schema content is the validated content (``publish-schema`` and ``record-schema-use``
validate before anything is written), so the diff at can-i-deploy time runs with ``validate=False``
and never pays openapi-spec-validator's cold cost (seconds for 1,000 operations).
"""

from __future__ import annotations

import json

import pytest

from polycontract.broker import Broker
from polycontract.compat import _openapi_load
from polycontract.errors import SchemaError, StorageError


def _api(*names: str) -> str:
    schema = {"type": "object", "properties": {n: {"type": "integer"} for n in names}, "required": list(names)}
    responses = {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
    return json.dumps(
        {
            "openapi": "3.0.3",
            "info": {"title": "auth", "version": "1"},
            "paths": {"/me": {"get": {"responses": responses}}},
        }
    )


def test_can_i_deploy_never_runs_the_openapi_validator(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    broker.publish_schema("auth-svc", "1", subject="auth-api", kind="openapi", schema=_api("id", "email"))
    broker.publish_schema("auth-svc", "2", subject="auth-api", kind="openapi", schema=_api("id"))
    broker.record_schema_use("web-ui", "1", subject="auth-api", from_version="1")
    broker.record_deployment("web-ui", "1", "prod")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("can-i-deploy re-validated a stored OpenAPI document")

    # `_openapi_load._validate` is where every OpenAPI validation goes (the compiled validator for
    # 3.0/3.1, openapi-spec-validator for other versions).
    monkeypatch.setattr(_openapi_load, "_validate", refuse)
    monkeypatch.setattr(_openapi_load, "_VALIDATED", {})  # a cold process: nothing validated in memory
    decision = broker.can_i_deploy("auth-svc", "2", to_environment="prod")
    assert decision.ok is False
    assert "/me" in decision.reasons[0].message


def test_an_invalid_openapi_document_is_refused_at_publish_time_and_not_stored(broker: Broker) -> None:
    invalid = json.dumps({"openapi": "3.0.3", "info": {"title": "auth"}, "paths": {}})  # info.version missing
    with pytest.raises(SchemaError, match="auth-api"):
        broker.publish_schema("auth-svc", "1", subject="auth-api", kind="openapi", schema=invalid)
    with pytest.raises(StorageError, match=r"not known to the broker"):
        broker.schema("auth-svc", "1", "auth-api")
