"""``match.content_type(mime, example)`` as a whole binary body, from the consumer test to both verifiers.

The consumer declares ``body=match.content_type("image/png", png)``; the mock provider answers the
example, the pact holds it as a binary body with the one rule ``$: contentType``, and a provider
answering any other PNG passes, one answering a JPEG fails, with polycontract's verifier and with
``pact verifier`` alike (the reference applies that rule to a whole binary body: pact-reference
rust/pact_matching/src/binary_utils.rs, ``match_octet_stream``).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from polycontract import Pact, match
from polycontract.codec import dumps_pact
from polycontract.verifier import Verifier
from tests.verifier.providers import StartResponse, serve

_LOCAL_BIN = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))
ENV = {**os.environ, "PACT_DO_NOT_TRACK": "true"}

JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + b"\x08" * 64 + b"\xff\xd9"


def png(rgb: tuple[int, int, int]) -> bytes:
    """A 1x1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


class LogoApp:
    def __init__(self, body: bytes, content_type: str) -> None:
        self.body, self.content_type = body, content_type

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))])
        return [self.body]


@pytest.fixture(scope="module")
def logo_pact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    example = png((255, 0, 0))
    pact = Pact(consumer="web", provider="images")
    pact.upon_receiving("the logo").with_request("GET", "/logo").will_respond_with(
        200, body=match.content_type("image/png", example)
    )
    with pact.serve() as server:
        answer = httpx.get(f"{server.url}/logo")
    assert answer.content == example
    assert answer.headers["content-type"] == "image/png"
    pact_file = tmp_path_factory.mktemp("pacts") / "web-images.json"
    pact_file.write_text(dumps_pact(pact.to_model()), encoding="utf-8")
    return pact_file


def test_a_whole_body_content_type_matcher_is_written_as_a_binary_body_with_one_rule(logo_pact: Path) -> None:
    import json

    response = json.loads(logo_pact.read_text())["interactions"][0]["response"]
    assert response["body"]["contentType"] == "image/png"
    assert response["body"]["encoded"] == "base64"
    assert response["matchingRules"] == {
        "body": {"$": {"matchers": [{"match": "contentType", "value": "image/png"}], "combine": "AND"}}
    }


def _pact_cli_passes(pact_file: Path, url: str) -> bool:
    assert PACT is not None
    result = subprocess.run(
        [PACT, "verifier", "-f", str(pact_file), "-h", "127.0.0.1", "-p", str(urlsplit(url).port), "--no-colour"],
        capture_output=True, text=True, timeout=60, check=False, env=ENV,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode == 0


@pytest.mark.parametrize(
    ("body", "content_type", "passes"),
    [(png((0, 0, 255)), "image/png", True), (JPEG, "image/jpeg", False), (JPEG, "image/png", False)],
    ids=["another png", "a jpeg", "a jpeg labelled png"],
)
def test_a_provider_passes_with_any_body_of_that_type_and_fails_with_another(
    logo_pact: Path, body: bytes, content_type: str, passes: bool
) -> None:
    with serve(LogoApp(body, content_type)) as url:
        ours = Verifier(provider="images", base_url=url).verify(logo_pact)
        verdicts = {"polycontract": ours.exit_code == 0}
        if PACT is not None:
            verdicts["pact verifier"] = _pact_cli_passes(logo_pact, url)
    assert ours.exit_code in (0, 1), ours.report()
    assert set(verdicts.values()) == {passes}, verdicts
