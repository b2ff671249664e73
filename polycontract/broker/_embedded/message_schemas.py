"""Message pacts against published schemas in can-i-deploy: the storage side of `polycontract.message_schemas`.

`load_message_facts` reads, inside the can-i-deploy transaction, the example messages that name a
schema subject (in the pacts of the version being deployed and of the live consumer versions of
it) and the published schemas of those subjects; `message_reasons` judges them outside it. A
broker with no schema subject at all pays one trivial query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from polycontract.broker._embedded.schemas import check_kind
from polycontract.broker._store.lookups import find_version
from polycontract.broker._store.reads import one_of
from polycontract.broker._store.tables import (
    pact_contents,
    pacticipants,
    schema_contents,
    schema_publications,
    schema_subjects,
)
from polycontract.broker._store.tables import versions as versions_t
from polycontract.matrix import Estate, LiveVersion, Reason
from polycontract.message_schemas import SCHEMA_SUBJECT, MessageExample, ProducerSchema, message_schema_reasons

__all__ = ["MessageFacts", "load_message_facts", "message_reasons"]


@dataclass(frozen=True, kw_only=True)
class MessageFacts:
    """Example messages naming a schema subject, and the published schemas they are checked against."""

    examples: tuple[MessageExample, ...] = ()
    schemas: tuple[ProducerSchema, ...] = ()


def load_message_facts(
    conn: Connection, pacticipant: str, version: str, estate: Estate, live: Sequence[tuple[int, LiveVersion]]
) -> MessageFacts:
    """The message facts of one can-i-deploy question (its pacts are those in ``estate``)."""
    if not estate.publications or conn.execute(select(schema_subjects.c.id).limit(1)).first() is None:
        return MessageFacts()
    marker = f'%"{SCHEMA_SUBJECT}"%'
    hashes = {p.content_hash for p in estate.publications}
    found = conn.execute(
        select(pact_contents.c.content_hash, pact_contents.c.content).where(
            one_of(conn, pact_contents.c.content_hash, hashes), pact_contents.c.content.like(marker)
        )
    ).all()
    if not found:
        return MessageFacts()
    from polycontract.codec import load_pact
    from polycontract.message_schemas import message_examples

    pacts = {row.content_hash: load_pact(row.content, name=f"pact content {row.content_hash[:8]}") for row in found}
    examples = tuple(
        example
        for publication in estate.publications
        if publication.content_hash in pacts
        for example in message_examples(pacts[publication.content_hash], publication.consumer_version)
    )
    subjects = {e.subject for e in examples}
    if not subjects:
        return MessageFacts()
    own = find_version(conn, pacticipant, version)
    version_ids = {vid for vid, _ in live} | ({own[1]} if own is not None else set())
    rows = conn.execute(
        select(
            pacticipants.c.name,
            versions_t.c.number,
            schema_subjects.c.name.label("subject"),
            schema_contents.c.kind,
            schema_contents.c.content,
        )
        .select_from(schema_publications)
        .join(schema_subjects, schema_subjects.c.id == schema_publications.c.subject_id)
        .join(schema_contents, schema_contents.c.content_hash == schema_publications.c.content_hash)
        .join(versions_t, versions_t.c.id == schema_publications.c.version_id)
        .join(pacticipants, pacticipants.c.id == versions_t.c.pacticipant_id)
        .where(one_of(conn, schema_subjects.c.name, subjects), one_of(conn, versions_t.c.id, version_ids))
    ).all()
    schemas = tuple(
        ProducerSchema(
            pacticipant=r.name, version=r.number, subject=r.subject, kind=check_kind(r.kind), schema=r.content
        )
        for r in rows
    )
    return MessageFacts(examples=examples, schemas=schemas)


def message_reasons(
    facts: MessageFacts, live: Sequence[tuple[int, LiveVersion]], pacticipant: str, version: str, target: str
) -> tuple[Reason, ...]:
    """The message-schema reasons of one can-i-deploy question (none when no example names a subject)."""
    if not facts.examples:
        return ()
    return message_schema_reasons(
        facts.examples, facts.schemas, [lv for _, lv in live], pacticipant, version, target=target
    )
