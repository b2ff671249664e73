"""Schema checks of message pacts: each consumer's example message against the producer's schema.

A message interaction (an asynchronous message, or the replies of a synchronous one) may name the
schema subject its contents follow: the V4 interaction comment ``schemaSubject`` (written by the
consumer DSL's ``with_content(..., schema_subject="orders-value")``). Comments do not change what the
provider verifier replays, so naming a subject costs the provider nothing.

For one pacticipant version and one target, `message_schema_reasons` checks:

- as a **producer**, every example message that a consumer version live in the target expects of
  it against this version's published schema of the named subject (no schema published:
  ``unverified``, with the ``publish-schema`` to run);
- as a **consumer**, this version's example messages against the schema of the subject published
  by every live version of the producer (a live producer version without that schema adds nothing:
  its pact verification is what counts for that pair).

Avro examples are validated with fastavro (plus a check for fields the schema does not have, which
a writer of that schema never sends); JSON Schema examples with jsonschema. Each finding names the
interaction and the field. Everything here is pure: storage feeds it `MessageExample` and
`ProducerSchema` values.

>>> from polycontract.matrix import LiveVersion
>>> example = MessageExample(consumer="web", consumer_version="1", provider="orders",
...     description="an order", subject="order", contents={"id": "x"})
>>> schema = ProducerSchema(pacticipant="orders", version="2", subject="order", kind="jsonschema",
...     schema='{"type": "object", "properties": {"id": {"type": "integer"}}}')
>>> live = (LiveVersion(pacticipant="web", version="1", target="prod"),)
>>> [r.status for r in message_schema_reasons([example], [schema], live, "orders", "2", target="prod")]
['failed']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from polycontract.matrix import LiveVersion, Reason
from polycontract.model import AsynchronousMessage, Body, Interaction, MessageContents, PactDocument, SynchronousMessage
from polycontract.schema_matrix import SchemaFinding, SchemaKind

__all__ = [
    "SCHEMA_SUBJECT",
    "MessageExample",
    "ProducerSchema",
    "check_example",
    "message_examples",
    "message_schema_reasons",
    "schema_subject",
]

#: The V4 interaction comment naming the schema subject of a message's contents.
SCHEMA_SUBJECT = "schemaSubject"
_SHOWN = 3  # findings named in one reason line


@dataclass(frozen=True, kw_only=True)
class MessageExample:
    """The example contents of message ``description`` that ``consumer`` expects ``provider`` to send.

    ``contents`` is the decoded JSON value; ``binary`` marks contents that are not JSON (bytes),
    which cannot be checked against a schema here.
    """

    consumer: str
    consumer_version: str
    provider: str
    description: str
    subject: str
    contents: Any = None
    binary: bool = False


@dataclass(frozen=True, kw_only=True)
class ProducerSchema:
    """The ``subject`` schema (JSON text of ``kind``) that ``pacticipant`` ``version`` published."""

    pacticipant: str
    version: str
    subject: str
    kind: SchemaKind
    schema: str


def schema_subject(interaction: Interaction) -> str | None:
    """The schema subject a message interaction names in its comments, if any."""
    if isinstance(interaction, AsynchronousMessage | SynchronousMessage):
        found = interaction.comments.get(SCHEMA_SUBJECT)
        if isinstance(found, str) and found.strip():
            return found
    return None


def message_examples(pact: PactDocument, consumer_version: str) -> tuple[MessageExample, ...]:
    """Every example message of ``pact`` that names a schema subject (replies of synchronous messages too)."""
    out: list[MessageExample] = []
    for interaction in pact.interactions:
        subject = schema_subject(interaction)
        if subject is None:
            continue
        if isinstance(interaction, AsynchronousMessage):
            messages: tuple[MessageContents, ...] = (interaction.message,)
        else:
            assert isinstance(interaction, SynchronousMessage)
            messages = interaction.response
        for message in messages:
            body = message.contents
            value = body.content if isinstance(body, Body) else body
            binary = isinstance(value, bytes | bytearray)
            out.append(
                MessageExample(
                    consumer=pact.consumer,
                    consumer_version=consumer_version,
                    provider=pact.provider,
                    description=interaction.description,
                    subject=subject,
                    contents=None if binary else value,
                    binary=binary,
                )
            )
    return tuple(out)


def check_example(kind: SchemaKind, schema: str, contents: Any) -> tuple[SchemaFinding, ...]:
    """Where ``contents`` does not fit ``schema`` (JSON text of an Avro schema or a JSON Schema)."""
    if kind == "avro":
        return _check_avro(schema, contents)
    if kind == "jsonschema":
        return _check_jsonschema(schema, contents)
    return (SchemaFinding(path="$", message=f"a schema of kind {kind!r} cannot describe a message"),)


@lru_cache(maxsize=64)
def _avro_schema(text: str) -> Any:
    from fastavro import parse_schema

    return parse_schema(json.loads(text))


def _check_avro(schema: str, contents: Any) -> tuple[SchemaFinding, ...]:
    from fastavro.validation import ValidationError, validate

    parsed = _avro_schema(schema)
    findings = list(_unknown_fields(parsed, contents, ""))
    try:
        validate(contents, parsed, raise_errors=True)
    except ValidationError as exc:
        for error in exc.errors:
            field = getattr(error, "field", None) or "$"
            datum = getattr(error, "datum", None)
            expected = _avro_type(getattr(error, "schema", None))
            problem = "missing or null" if datum is None else f"got {json.dumps(datum, default=repr)}"
            findings.append(SchemaFinding(path=str(field), message=f"{problem}, the schema says {expected}"))
    return tuple(findings)


def _avro_type(schema: Any) -> str:
    if isinstance(schema, dict):
        return str(schema.get("name") or schema.get("type"))
    if isinstance(schema, list):
        return " | ".join(_avro_type(s) for s in schema)
    return str(schema)


def _unknown_fields(schema: Any, datum: Any, where: str) -> Iterator[SchemaFinding]:
    """Fields of example records that the Avro schema does not have (a writer of it never sends them)."""
    if isinstance(schema, list):
        records = [s for s in schema if isinstance(s, dict) and s.get("type") == "record"]
        if len(records) == 1 and isinstance(datum, dict):
            yield from _unknown_fields(records[0], datum, where)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind == "record" and isinstance(datum, dict):
        name = str(schema.get("name", "record"))
        fields = {f["name"]: f["type"] for f in schema.get("fields", [])}
        for key, value in datum.items():
            path = f"{name}.{key}"
            if key not in fields:
                yield SchemaFinding(path=path, message=f"not a field of {name}; a writer of this schema never sends it")
            else:
                yield from _unknown_fields(fields[key], value, path)
    elif kind == "array" and isinstance(datum, list):
        for item in datum:
            yield from _unknown_fields(schema.get("items"), item, where)
    elif kind == "map" and isinstance(datum, dict):
        for item in datum.values():
            yield from _unknown_fields(schema.get("values"), item, where)


def _check_jsonschema(schema: str, contents: Any) -> tuple[SchemaFinding, ...]:
    from jsonschema.validators import validator_for

    document = json.loads(schema)
    validator = validator_for(document)(document)
    findings = []
    for error in sorted(validator.iter_errors(contents), key=lambda e: [str(p) for p in e.absolute_path]):
        pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
        findings.append(SchemaFinding(path=pointer or "/", message=error.message))
    return tuple(findings)


def message_schema_reasons(
    examples: Iterable[MessageExample],
    schemas: Iterable[ProducerSchema],
    live: Sequence[LiveVersion],
    pacticipant: str,
    version: str,
    *,
    target: str,
) -> tuple[Reason, ...]:
    """One reason per (consumer version, producer version, subject) pair of ``pacticipant`` ``version``.

    Only pairs whose counterpart version is live in ``target`` (given as ``live``) are checked.
    """
    how = _live(live)
    published = {(s.pacticipant, s.version, s.subject): s for s in schemas}
    groups: dict[tuple[str, str, str, str, str], list[MessageExample]] = {}
    for example in examples:
        if example.provider == pacticipant and example.consumer != pacticipant:
            if (example.consumer, example.consumer_version) in how:  # as producer: live consumer versions
                key = (example.consumer, example.consumer_version, pacticipant, version, example.subject)
                groups.setdefault(key, []).append(example)
        elif example.consumer == pacticipant and example.consumer_version == version:
            for producer, producer_version in sorted(how):  # as consumer: live producer versions
                if producer == example.provider and (producer, producer_version, example.subject) in published:
                    key = (pacticipant, version, producer, producer_version, example.subject)
                    groups.setdefault(key, []).append(example)
    reasons = []
    for key in sorted(groups):
        consumer, consumer_version, producer, producer_version, subject = key
        as_producer = producer == pacticipant
        reader = f"{consumer} {consumer_version}{how.get((consumer, consumer_version), '')}"
        writer = f"{producer} {producer_version}{how.get((producer, producer_version), '')}"
        counterpart = (consumer, consumer_version) if as_producer else (producer, producer_version)
        common: dict[str, Any] = {"counterpart": counterpart[0], "counterpart_version": counterpart[1]}
        schema = published.get((producer, producer_version, subject))
        if schema is None:
            named = ", ".join(sorted({repr(e.description) for e in groups[key]}))
            reasons.append(
                Reason(
                    status="unverified",
                    message=f"{writer} has published no {subject} schema, which the message {named} of {reader} names",
                    next_action=f"publish-schema --subject {subject} for {producer} {producer_version}",
                    **common,
                )
            )
            continue
        reasons.append(_judge(groups[key], schema, reader, writer, common))
    return tuple(reasons)


def _judge(
    examples: Sequence[MessageExample], schema: ProducerSchema, reader: str, writer: str, common: dict[str, Any]
) -> Reason:
    """One reason for the examples of one consumer version against one producer schema."""
    subject = schema.subject
    problems: list[str] = []
    paths: list[str] = []
    binary = [e.description for e in examples if e.binary]
    consumer = f"{examples[0].consumer} {examples[0].consumer_version}"
    for example in examples:
        if example.binary:
            continue
        for finding in check_example(schema.kind, schema.schema, example.contents):
            problems.append(f"message {example.description!r}: {finding}")
            paths.append(finding.path)
    if problems:
        shown = "; ".join(problems[:_SHOWN])
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        return Reason(
            status="failed",
            message=f"The {subject} schema of {writer} rejects the example messages of {reader} ({schema.kind}): "
            f"{shown}{more}",
            next_action=(
                f"make the {subject} schema of {schema.pacticipant} {schema.version} accept the example messages"
                f" of {consumer} (at {', '.join(dict.fromkeys(paths[:_SHOWN]))}), or change what {consumer} expects"
            ),
            **common,
        )
    if binary:
        return Reason(
            status="unverified",
            message=f"The example messages {', '.join(map(repr, binary))} of {reader} are not JSON, so the"
            f" {subject} schema of {writer} cannot check them",
            next_action="give the message contents as JSON (the example value), or check them in the provider tests",
            **common,
        )
    count = len(examples)
    return Reason(
        status="ok",
        message=f"The {subject} schema of {writer} accepts the {count} example message{'s' * (count != 1)} of"
        f" {reader} (verified by schema: {schema.kind})",
        **common,
    )


def _live(live: Sequence[LiveVersion]) -> dict[tuple[str, str], str]:
    """(pacticipant, version) -> how it is live, e.g. `` (deployed to prod, instance eu)``."""
    found: dict[tuple[str, str], set[str]] = {}
    for lv in live:
        found.setdefault((lv.pacticipant, lv.version), set()).add(lv.describe())
    return {key: f" ({', '.join(sorted(how))})" for key, how in found.items()}
