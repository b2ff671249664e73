"""`schema_matrix`: schema pairs live in the target become can-i-deploy reasons, pure and table-driven."""

from __future__ import annotations

import json
from typing import Any

import pytest

from polycontract.matrix import Estate, LiveVersion, decide
from polycontract.schema_matrix import (
    SchemaEstate,
    SchemaFinding,
    SchemaPublication,
    SchemaRead,
    SchemaVerdict,
    Subject,
    check_pair,
    schema_reasons,
)

USER_V1 = {
    "type": "record",
    "name": "User",
    "fields": [{"name": "id", "type": "long"}, {"name": "email", "type": "string"}],
}
USER_V2 = {**USER_V1, "fields": [*USER_V1["fields"], {"name": "nick", "type": ["null", "string"], "default": None}]}
USER_V3 = {**USER_V1, "fields": [{"name": "id", "type": "long"}]}
JSON_V1 = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
    "required": ["id", "email"],
}
JSON_V3 = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}


def _estate(kind: str, level: str, writer: dict[str, Any], reader: dict[str, Any]) -> SchemaEstate:
    return SchemaEstate(
        subjects=(Subject(name="users", kind=kind, level=level),),  # type: ignore[arg-type]
        publications=(SchemaPublication(pacticipant="auth", version="3", subject="users", content_hash="w"),),
        reads=(SchemaRead(consumer="web", consumer_version="1", subject="users", content_hash="r"),),
        writers=frozenset({("users", "auth")}),
        contents={"w": json.dumps(writer), "r": json.dumps(reader)},
    )


def _live(*pairs: tuple[str, str]) -> tuple[LiveVersion, ...]:
    return tuple(LiveVersion(pacticipant=p, version=v, target="prod") for p, v in pairs)


@pytest.mark.parametrize(
    ("kind", "level", "writer", "reader", "status", "path"),
    [
        ("avro", "BACKWARD", USER_V2, USER_V1, "ok", None),
        ("avro", "BACKWARD", USER_V3, USER_V1, "failed", "User.email"),
        ("avro", "BACKWARD_TRANSITIVE", USER_V3, USER_V1, "failed", "User.email"),
        ("avro", "FORWARD", USER_V3, USER_V1, "ok", None),  # the writer's schema reads the reader's data
        ("avro", "FORWARD", USER_V1, USER_V3, "failed", "User.email"),
        ("avro", "FULL", USER_V3, USER_V1, "failed", "User.email"),
        ("avro", "NONE", USER_V3, USER_V1, "ok", None),
        ("jsonschema", "BACKWARD", JSON_V1, JSON_V1, "ok", None),
        ("jsonschema", "BACKWARD", JSON_V3, JSON_V1, "failed", "/properties/email"),
        ("jsonschema", "FORWARD", JSON_V1, JSON_V3, "failed", "/properties/email"),
    ],
)
def test_writer_version_against_a_live_reader_at_the_subjects_level(
    kind: str, level: str, writer: dict[str, Any], reader: dict[str, Any], status: str, path: str | None
) -> None:
    reasons = schema_reasons(_estate(kind, level, writer, reader), _live(("web", "1")), "auth", "3", target="prod")
    assert [r.status for r in reasons] == [status]
    assert (reasons[0].counterpart, reasons[0].counterpart_version) == ("web", "1")
    if status == "ok":
        assert "verified by schema" in reasons[0].message
    else:
        assert path is not None and path in reasons[0].message and "web 1" in reasons[0].message
        assert reasons[0].next_action is not None


def test_reader_version_against_each_live_writer_version() -> None:
    estate = SchemaEstate(
        subjects=(Subject(name="users", kind="avro"),),
        publications=(
            SchemaPublication(pacticipant="auth", version="2", subject="users", content_hash="v2"),
            SchemaPublication(pacticipant="auth", version="3", subject="users", content_hash="v3"),
        ),
        reads=(SchemaRead(consumer="web", consumer_version="1", subject="users", content_hash="v1"),),
        writers=frozenset({("users", "auth")}),
        contents={"v1": json.dumps(USER_V1), "v2": json.dumps(USER_V2), "v3": json.dumps(USER_V3)},
    )
    reasons = schema_reasons(estate, _live(("auth", "2"), ("auth", "3")), "web", "1", target="prod")
    assert [(r.counterpart_version, r.status) for r in reasons] == [("2", "ok"), ("3", "failed")]


def test_missing_and_unverified_writers_make_the_answer_unknown() -> None:
    estate = SchemaEstate(
        subjects=(Subject(name="users", kind="avro"),),
        reads=(SchemaRead(consumer="web", consumer_version="1", subject="users", content_hash="v1"),),
        writers=frozenset({("users", "auth")}),
        contents={"v1": json.dumps(USER_V1)},
    )
    assert [r.status for r in schema_reasons(estate, (), "web", "1", target="prod")] == ["missing"]
    unpublished = schema_reasons(estate, _live(("auth", "9")), "web", "1", target="prod")
    assert [r.status for r in unpublished] == ["unverified"]
    nobody = SchemaEstate(subjects=estate.subjects, reads=estate.reads, contents=estate.contents)
    assert [r.status for r in schema_reasons(nobody, (), "web", "1", target="prod")] == ["missing"]


def test_a_writer_version_without_the_subject_is_unverified_for_live_readers_only() -> None:
    estate = SchemaEstate(
        subjects=(Subject(name="users", kind="avro"),),
        reads=(
            SchemaRead(consumer="web", consumer_version="1", subject="users", content_hash="r"),
            SchemaRead(consumer="web", consumer_version="0", subject="users", content_hash="r"),
        ),
        writers=frozenset({("users", "auth")}),
        contents={"r": json.dumps(USER_V1)},
    )
    reasons = schema_reasons(estate, _live(("web", "1")), "auth", "4", target="prod")
    assert [(r.status, r.counterpart_version) for r in reasons] == [("unverified", "1")]


def test_each_pair_is_checked_once_and_decide_counts_and_ignores_schema_reasons() -> None:
    calls: list[tuple[str, str]] = []

    def fake(subject: Subject, reader: str, writer: str) -> SchemaVerdict:
        calls.append((reader, writer))
        return SchemaVerdict(compatible=False, findings=(SchemaFinding(path="User.email", message="gone"),))

    estate = _estate("avro", "BACKWARD", USER_V3, USER_V1)
    estate = SchemaEstate(
        subjects=estate.subjects,
        publications=estate.publications,
        reads=(*estate.reads, SchemaRead(consumer="web", consumer_version="2", subject="users", content_hash="r")),
        writers=estate.writers,
        contents=estate.contents,
    )
    live = _live(("web", "1"), ("web", "2"))
    extra = schema_reasons(estate, live, "auth", "3", target="prod", check=fake)
    assert len(calls) == 1 and [r.counterpart_version for r in extra] == ["1", "2"]
    pacts = Estate(live=live, versions=frozenset({("auth", "3"), ("web", "1"), ("web", "2")}))
    assert decide(pacts, "auth", "3", target="prod", extra=extra).ok is False
    ignored = decide(pacts, "auth", "3", target="prod", extra=extra, ignore=["web"])
    assert ignored.ok is True and {r.status for r in ignored.reasons} == {"ignored", "no-dependencies"}


def test_check_pair_reads_openapi_from_the_clients_side() -> None:
    def doc(required: list[str]) -> str:
        schema = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": required}
        response = {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
        return json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "auth", "version": "1"},
                "paths": {"/users/{id}": {"get": {"parameters": [], "responses": response}}},
            }
        )

    subject = Subject(name="auth-api", kind="openapi")
    assert check_pair(subject, doc([]), doc(["id"])).compatible
    broken = check_pair(subject, doc(["id"]), doc([]))
    assert not broken.compatible and "/users/{id}" in broken.findings[0].path
