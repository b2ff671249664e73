"""V3 binary bodies as the Pact reference implementation reads and writes them.

Before V4 a pact has no place to say a body is encoded: the reference writes bytes that are not
UTF-8 text as base64 (pact-reference ``rust/pact_models/src/request.rs``, ``Request::to_json``) and,
reading a string body under a ``Content-Type`` that is not text, decodes it as base64, keeping the
string when it is not base64 (``rust/pact_models/src/json_utils.rs``, ``body_from_json``). What
counts as text is ``ContentType::is_text`` (``rust/pact_models/src/content_types.rs``): ``text/*``,
XML, JSON and ``application/x-www-form-urlencoded``. pact-python 4 writes such pacts (see
``tests/broker/test_pact_served_as_published.py`` for one it writes, served by the broker).
"""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from polycontract.codec import dump_pact, load_pact, parse_request
from polycontract.codec._bodies import is_binary_media_type
from polycontract.errors import UsageError
from polycontract.matching import compare_request, compare_response
from polycontract.model import Body, HttpInteraction, PactDocument, Request, Response

UPLOAD = b"\x00\x01\x02\xff"
FORM = b'--XyZ\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\xff'
FORM += b"\r\n--XyZ--\r\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def reference_v3_pact() -> dict[str, Any]:
    """A V3 pact in the form pact-python 4 writes: binary and multipart bodies as base64 text."""
    return {
        "consumer": {"name": "img-web"},
        "provider": {"name": "img-api"},
        "interactions": [
            {
                "description": "upload bytes",
                "request": {
                    "method": "POST",
                    "path": "/blobs",
                    "headers": {"Content-Type": "application/octet-stream"},
                    "body": "AAEC/w==",
                },
                "response": {"status": 200, "headers": {"Content-Type": "image/png"}, "body": "ECD+"},
            },
            {
                "description": "upload a form",
                "request": {
                    "method": "POST",
                    "path": "/forms",
                    "headers": {"Content-Type": "multipart/form-data; boundary=XyZ"},
                    "body": _b64(FORM),
                    "matchingRules": {
                        "body": {
                            "$.file": {"combine": "AND", "matchers": [{"match": "contentType", "value": "image/png"}]}
                        }
                    },
                },
                "response": {"status": 201},
            },
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def test_a_v3_string_body_under_a_binary_content_type_is_read_as_the_bytes_it_encodes() -> None:
    pact = load_pact(reference_v3_pact())
    blobs, form = pact.interactions
    assert isinstance(blobs, HttpInteraction) and isinstance(form, HttpInteraction)
    assert blobs.request.body == Body(content=UPLOAD)
    assert blobs.response.body == Body(content=b"\x10\x20\xfe")
    assert form.request.body == Body(content=FORM)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/html; charset=utf-8",
        "application/json",
        "application/hal+json",
        "application/xml",
        "application/atom+xml",
        "text/xml",
        "application/x-www-form-urlencoded",
        "not a media type",
    ],
)
def test_a_v3_string_body_under_a_text_content_type_stays_text(content_type: str) -> None:
    request = parse_request(
        {"method": "POST", "path": "/", "headers": {"Content-Type": content_type}, "body": "AAEC"}, spec="V3"
    )
    assert request.body == Body(content="AAEC")


def test_a_v3_string_body_without_a_content_type_stays_text() -> None:
    # the reference detects the type of an undeclared body from its text: always a text type
    request = parse_request({"method": "POST", "path": "/", "body": "AAEC/w=="}, spec="V3")
    assert request.body == Body(content="AAEC/w==")


def test_a_v3_string_under_a_binary_content_type_that_is_not_base64_is_kept_as_text() -> None:
    request = parse_request(
        {"method": "POST", "path": "/", "headers": {"Content-Type": "application/pdf"}, "body": "%PDF-1.4 text"},
        spec="V3",
    )
    assert request.body == Body(content="%PDF-1.4 text")


def test_a_v4_string_body_under_a_binary_content_type_is_not_decoded() -> None:
    # V4 says what it encoded (``encoded: "base64"``); an unencoded string is the string
    doc = {
        "method": "POST",
        "path": "/",
        "headers": {"Content-Type": ["application/octet-stream"]},
        "body": {"contentType": "application/octet-stream", "encoded": False, "content": "AAEC"},
    }
    assert parse_request(doc, spec="V4").body.content == "AAEC"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        ("application/octet-stream", True),
        ("image/png", True),
        ("multipart/form-data; boundary=x", True),
        ("application/pdf", True),
        ("image/svg+xml", True),  # XML only under application/ or text/ (ContentType::is_xml)
        ("application/problem+json", False),
        ("application/json-patch+json", False),
        ("application/graphql", False),
        ("text/csv", False),
        ("", False),
        (None, False),
    ],
)
def test_binary_media_types_are_those_the_reference_does_not_read_as_text(
    content_type: str | None, binary: bool
) -> None:
    assert is_binary_media_type(content_type) is binary


def test_binary_bodies_are_written_back_to_v3_as_the_reference_wrote_them() -> None:
    original = reference_v3_pact()
    written = dump_pact(load_pact(copy.deepcopy(original)), spec="V3")
    assert written["interactions"] == original["interactions"]


def test_a_binary_body_read_from_v4_is_written_to_v3_as_base64_and_reads_back_the_same() -> None:
    v4 = dump_pact(load_pact(reference_v3_pact()))
    assert v4["interactions"][0]["request"]["body"] == {
        "contentType": "application/octet-stream",
        "encoded": "base64",
        "content": "AAEC/w==",
    }
    again = load_pact(dump_pact(load_pact(v4), spec="V3"))
    assert again.interactions == load_pact(reference_v3_pact()).interactions


def _binary_pact(headers: dict[str, tuple[str, ...]], body: Body) -> PactDocument:
    interaction = HttpInteraction(
        description="upload", request=Request(method="POST", path="/", headers=headers, body=body), response=Response()
    )
    return PactDocument(consumer="img-web", provider="img-api", interactions=(interaction,))


def test_v3_refuses_a_binary_body_without_a_content_type_header() -> None:
    # written without one, the reference would read the base64 text as text
    pact = _binary_pact({}, Body(content=UPLOAD, content_type="application/octet-stream"))
    with pytest.raises(UsageError, match="binary Content-Type header"):
        dump_pact(pact, spec="V3")


def test_v3_refuses_a_binary_body_under_a_text_content_type() -> None:
    pact = _binary_pact({"Content-Type": ("text/plain",)}, Body(content=b"caf\xe9"))
    with pytest.raises(UsageError, match="'text/plain' needs V4"):
        dump_pact(pact, spec="V3")


def test_v2_refuses_a_binary_body() -> None:
    pact = _binary_pact({"Content-Type": ("application/octet-stream",)}, Body(content=UPLOAD))
    with pytest.raises(UsageError, match="a binary body needs V3"):
        dump_pact(pact, spec="V2")
    assert dump_pact(pact, spec="V3")["interactions"][0]["request"]["body"] == "AAEC/w=="


def test_a_v3_expectation_matches_the_bytes_on_the_wire_not_their_base64_text() -> None:
    expected = reference_v3_pact()["interactions"][0]
    headers = {"Content-Type": ("application/octet-stream",)}
    sent = Request(method="POST", path="/blobs", headers=headers, body=Body(content=UPLOAD))
    assert compare_request(expected["request"], sent, spec="V3") == []
    as_text = Request(method="POST", path="/blobs", headers=headers, body=Body(content=b"AAEC/w=="))
    assert compare_request(expected["request"], as_text, spec="V3") != []
    answered = Response(status=200, headers={"Content-Type": ("image/png",)}, body=Body(content=b"\x10\x20\xfe"))
    assert compare_response(expected["response"], answered, spec="V3") == []
