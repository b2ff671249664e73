"""Fixtures for the verifier tests: a users provider over a real socket on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.verifier.providers import UsersApp, serve


@pytest.fixture
def users_app() -> UsersApp:
    return UsersApp()


@pytest.fixture
def users_url(users_app: UsersApp) -> Iterator[str]:
    with serve(users_app) as url:
        yield url
