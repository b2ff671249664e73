"""Publications joined to their consumer version, consumer and provider: the FROM clause pact reads share.

A query selects from `PUBLISHED` and names columns through `CONSUMER`, `CONSUMER_VERSION` and
`PROVIDER` (the same alias objects, so the joins and the conditions agree).
"""

from __future__ import annotations

from polycontract.broker._store.tables import pacticipants, publications, versions

__all__ = ["CONSUMER", "CONSUMER_VERSION", "PROVIDER", "PUBLISHED"]

CONSUMER = pacticipants.alias("consumer")
PROVIDER = pacticipants.alias("provider")
CONSUMER_VERSION = versions.alias("cv")

#: ``publications`` joined to the consumer version (`CONSUMER_VERSION`), its `CONSUMER` and the `PROVIDER`.
PUBLISHED = (
    publications.join(CONSUMER_VERSION, CONSUMER_VERSION.c.id == publications.c.consumer_version_id)
    .join(CONSUMER, CONSUMER.c.id == CONSUMER_VERSION.c.pacticipant_id)
    .join(PROVIDER, PROVIDER.c.id == publications.c.provider_id)
)
