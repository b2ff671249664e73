"""Main branch auto-detection, as the Pact Broker does it (``auto_detect_main_branch``).

When a version is recorded with a branch and its pacticipant has no main branch yet, the first
branch named like a main branch (by default ``develop``, ``main`` or ``master``, the Pact Broker's
``main_branch_candidates``) becomes the pacticipant's main branch. An explicit main branch is never
changed. The candidates travel with the broker's write connections as an execution option, so
every path that records a version (create-version, publish, verification results, schemas)
applies the same rule inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from polycontract.broker._store.tables import pacticipants

__all__ = ["DEFAULT_MAIN_BRANCH_CANDIDATES", "MAIN_BRANCH_CANDIDATES", "candidates_option", "maybe_set_main_branch"]

#: Branch names that become a pacticipant's main branch when it has none (Pact Broker's default).
DEFAULT_MAIN_BRANCH_CANDIDATES: tuple[str, ...] = ("develop", "main", "master")

#: Execution option carrying the candidate names (an empty tuple turns auto-detection off).
MAIN_BRANCH_CANDIDATES = "polycontract_main_branch_candidates"


def candidates_option(auto_detect: bool | Sequence[str]) -> tuple[str, ...]:
    """The candidate names for ``auto_detect``: True → the defaults, False → none, a sequence → those names."""
    if auto_detect is True:
        return DEFAULT_MAIN_BRANCH_CANDIDATES
    if auto_detect is False:
        return ()
    if isinstance(auto_detect, str):
        return (auto_detect,)
    return tuple(auto_detect)


def maybe_set_main_branch(conn: Connection, pacticipant_id: int, branch: str | None) -> None:
    """Make ``branch`` the main branch of ``pacticipant_id`` if it has none and ``branch`` is a candidate.

    The update is conditional (``WHERE main_branch IS NULL``), so concurrent writers cannot
    overwrite a main branch another transaction has just set.
    """
    if branch is None:
        return
    candidates = conn.get_execution_options().get(MAIN_BRANCH_CANDIDATES, ())
    if branch not in candidates:
        return
    conn.execute(
        pacticipants.update()
        .where(pacticipants.c.id == pacticipant_id, pacticipants.c.main_branch.is_(None))
        .values(main_branch=branch)
    )
