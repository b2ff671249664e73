"""A V3 pact with binary and multipart bodies written by polycontract is verified by ``pact verifier`` alike.

The consumer side declares the bodies as bytes in a V3 pact; its mock server takes and answers the
bytes; the file holds them as base64 under their binary ``Content-Type`` (how the Pact reference
writes and reads V3 bodies: pact-reference ``rust/pact_models/src/request.rs`` ``Request::to_json``,
``rust/pact_models/src/json_utils.rs`` ``body_from_json``). The reference verifier then sends the
provider the bytes, not their base64 text: the correct provider passes, a broken one fails, in both
``pact verifier`` and polycontract's verifier.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from polycontract import Pact
from polycontract.codec import dumps_pact
from polycontract.verifier import Verifier
from tests.broker.pact_cli import PACT_BIN
from tests.broker.test_pact_served_as_published import ANSWER, PICTURE, UPLOAD, BlobProvider, _form

pytestmark = pytest.mark.skipif(not Path(PACT_BIN).exists(), reason=f"the Pact CLI is not installed ({PACT_BIN})")

OCTETS = {"Content-Type": "application/octet-stream"}
FORM_TYPE = {"Content-Type": "multipart/form-data; boundary=XyZ"}


@pytest.fixture
def v3_file(tmp_path: Path) -> Path:
    """img-web's V3 pact for img-api, declared with polycontract and exercised against its mock server."""
    pact = Pact(consumer="img-web", provider="img-api", spec="V3")
    pact.upon_receiving("upload bytes").with_request("POST", "/blobs", headers=OCTETS, body=UPLOAD).will_respond_with(
        200, headers=OCTETS, body=ANSWER
    )
    pact.upon_receiving("upload a picture").with_request(
        "POST", "/forms", headers=FORM_TYPE, body=_form()
    ).will_respond_with(201)
    with pact.serve() as server:
        answer = httpx.post(server.url + "/blobs", content=UPLOAD, headers=OCTETS)
        assert answer.content == ANSWER  # the mock answers the bytes themselves
        assert httpx.post(server.url + "/forms", content=_form(), headers=FORM_TYPE).status_code == 201
    path = tmp_path / "img-web-img-api.json"
    path.write_text(dumps_pact(pact.to_model(), spec="V3"))
    return path


@pytest.fixture
def provider() -> Iterator[BlobProvider]:
    served = BlobProvider()
    try:
        yield served
    finally:
        served.stop()


def test_polycontract_writes_v3_binary_bodies_as_base64_under_their_content_type(v3_file: Path) -> None:
    document = json.loads(v3_file.read_text())
    assert document["metadata"]["pactSpecification"] == {"version": "3.0.0"}
    blobs = next(i for i in document["interactions"] if i["description"] == "upload bytes")
    assert blobs["request"]["body"] == "AAEC/w=="
    assert blobs["response"]["body"] == "ECD+"


def test_the_pact_verifier_passes_a_correct_binary_provider_on_a_polycontract_v3_pact_and_fails_a_broken_one(
    v3_file: Path, provider: BlobProvider
) -> None:
    env = {**os.environ, "PACT_DO_NOT_TRACK": "true", "NO_COLOR": "1"}
    port = provider.url.rsplit(":", 1)[1]
    command = [PACT_BIN, "verifier", "-f", str(v3_file), "-h", "127.0.0.1", "-p", port]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert UPLOAD in provider.received and any(PICTURE in body for body in provider.received)

    provider.broken = True
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode != 0, done.stdout + done.stderr


def test_polycontract_verifies_its_v3_binary_pact_sending_the_bytes(v3_file: Path, provider: BlobProvider) -> None:
    result = Verifier(provider="img-api", base_url=provider.url).verify(v3_file)
    assert result.outcome == "verified", result.report()
    assert UPLOAD in provider.received and b"AAEC/w==" not in provider.received

    provider.broken = True
    result = Verifier(provider="img-api", base_url=provider.url).verify(v3_file)
    assert {r.description for r in result if not r.ok} == {"upload bytes", "upload a picture"}
