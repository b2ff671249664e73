"""The `Broker`'s answers about what works with what: the matrix, and can-i-deploy with its schema and message
reasons.

A collaborator of `Broker`: it reads through the broker's `Store`. The usual question (a version going to an
environment) is answered from the store's in-memory `EstateIndex` when it has one at the data's current revision,
else is one statement read outside a transaction where the database allows (`Store.single_read`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from polycontract.broker._embedded.message_schemas import load_message_facts, message_reasons
from polycontract.broker._embedded.schema_contracts import can_i_deploy_facts, can_i_deploy_reasons
from polycontract.broker._store import reads as _reads
from polycontract.broker._store.estate_query import environment_question
from polycontract.broker._values.checks import checked_fuzz_policy, deploy_target
from polycontract.matrix import Decision, FuzzPolicy, Ignore, Row, decide, rows

if TYPE_CHECKING:
    from polycontract.broker._store.session import Store

__all__ = ["Decisions"]


class Decisions:
    """`Broker.matrix` and `Broker.can_i_deploy`."""

    def __init__(self, store: Store) -> None:
        self._store = store

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
        """Rows of every integration of ``pacticipant``; ``environment`` narrows counterparts to what is live there.

        ``include_fuzz`` adds the fuzz verifications' rows (``Row.kind == "fuzz"``) beside the example rows.
        """
        with self._store.transaction(write=False) as conn:
            live = None if environment is None else _reads.live_in_environment(conn, environment)
            pubs, results = _reads.load_matrix(
                conn, pacticipant, version=version, branch=branch, live=live, limit=limit, fuzz=include_fuzz
            )
        return rows(pubs, results)

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
        """Can ``pacticipant`` ``version`` go to ``to_environment``, merge (``to_main_branch``) or meet ``to_tag``?

        ``fuzz`` (``ignore``, ``count`` or ``require``) is what fuzz verifications do (see
        `polycontract.matrix.decide`); a question that counts them is read from SQL (the in-memory index holds
        example results only).
        """
        target = deploy_target(to_environment, to_main_branch, to_tag)
        checked_fuzz_policy(fuzz)
        ignores = tuple(Ignore(pacticipant=i) if isinstance(i, str) else i for i in ignore)
        if (
            to_environment is not None and fuzz == "ignore"
        ):  # the usual question: from memory, else one statement (`_store.estate_query`)
            index = self._store.estate_index
            snapshot = index.fresh() if index is not None and not ignores else None
            if snapshot is not None:
                question = snapshot.question(pacticipant, version, to_environment)
            else:
                with self._store.single_read() as conn:
                    known = _reads.known_ignores(conn, ignores)
                    question = environment_question(conn, pacticipant, version, to_environment, frozenset(known))
            if question is not None:
                return decide(question.estate, pacticipant, version, target=to_environment, ignore=ignores)
        with self._store.transaction(write=False) as conn:
            if to_environment is not None:
                live = _reads.live_in_environment(conn, to_environment)
            elif to_tag is not None:
                live = [(vid, lv) for vid, lv in _reads.latest_with_tag(conn, to_tag) if lv.pacticipant != pacticipant]
            else:
                live = [(vid, lv) for vid, lv in _reads.live_on_main_branches(conn) if lv.pacticipant != pacticipant]
            estate = _reads.load_estate(conn, pacticipant, version, live, ignores, fuzz=fuzz != "ignore")
            schemas = can_i_deploy_facts(conn, pacticipant, version, live)
            messages = load_message_facts(conn, pacticipant, version, estate, live)
        extra = can_i_deploy_reasons(schemas, live, pacticipant, version, target)
        extra += message_reasons(messages, live, pacticipant, version, target)
        return decide(estate, pacticipant, version, target=target, ignore=ignores, extra=extra, fuzz=fuzz)
