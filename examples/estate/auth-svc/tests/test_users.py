"""auth-svc's own unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import auth_svc
import httpx
import pytest


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    auth_svc.set_up_state("user 7 exists", {"id": 7})
    with httpx.Client(transport=httpx.WSGITransport(app=auth_svc.app), base_url="http://auth-svc") as client:
        yield client
    auth_svc.USERS.clear()


def test_a_user_has_both_names_while_name_is_deprecated(client: httpx.Client) -> None:
    user = client.get("/users/7").json()
    assert user["fullName"] == user["name"] == "Ann Lee"
    assert user["displayName"] == "Ann"


def test_an_unknown_user_is_404(client: httpx.Client) -> None:
    assert client.get("/users/8").status_code == 404
