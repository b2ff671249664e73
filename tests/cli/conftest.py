"""Fixtures of the command line tests: a users provider served on 127.0.0.1 that handles only user 7."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.verifier.fuzz_providers import UsersById
from tests.verifier.providers import serve


@pytest.fixture
def only_seven() -> Iterator[str]:
    """A users provider that handles only the pact's example (user 7); yields its base URL."""
    with serve(UsersById(known={7})) as url:
        yield url
