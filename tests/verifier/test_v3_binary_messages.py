"""V3 message contents under a binary ``contentType`` are base64 text, read and written as the Pact reference does.

In a V3 pact the Pact reference writes binary message contents as the base64 of the bytes and names the
type in ``metaData.contentType``, and decodes them before comparing them with what the provider makes
(the compatibility suite's ``features/V3/message_provider.feature``, "Message with binary body (positive
case)"; the same rule as for V3 HTTP bodies: pact_models ``body_from_json`` in ``json_utils.rs``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner
from compat_servers import StubProvider

from polycontract import Pact
from polycontract.cli import cli
from polycontract.codec import load_pact
from polycontract.files import write_pact

BYTES = bytes([0, 1, 2, 255, 254])


def _reference_pact(tmp_path: Path) -> Path:
    """A V3 message pact in the shape the Pact reference writes a binary message."""
    doc = {
        "consumer": {"name": "c"},
        "provider": {"name": "p"},
        "messages": [
            {
                "description": "a thumbnail",
                "contents": base64.b64encode(BYTES).decode("ascii"),
                "metaData": {"contentType": "application/octet-stream"},
            }
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    path = tmp_path / "c-p.json"
    path.write_text(json.dumps(doc))
    return path


def _verify(pact: Path, made: bytes) -> tuple[int, str]:
    provider = StubProvider(responses={})
    provider.messages["a thumbnail"] = (made, "application/octet-stream", {})
    provider.start()
    try:
        url = provider.url + "/_pact/messages"
        result = CliRunner().invoke(cli, ["verify", str(pact), "--provider", "p", "--message-url", url])
    finally:
        provider.stop()
    return result.exit_code, result.stdout


def test_a_v3_binary_message_is_verified_against_the_bytes_its_base64_stands_for(tmp_path: Path) -> None:
    code, out = _verify(_reference_pact(tmp_path), BYTES)
    assert code == 0, out


def test_a_v3_binary_message_fails_a_provider_that_makes_other_bytes_naming_the_contents(tmp_path: Path) -> None:
    code, out = _verify(_reference_pact(tmp_path), b"\x00\x01")
    assert code == 1, out
    assert "1) $.contents" in out[out.index("Failures:") :], out


def test_a_v3_binary_message_declared_with_the_dsl_is_written_as_base64_with_its_content_type(
    tmp_path: Path,
) -> None:
    pact = Pact(consumer="c", provider="p", spec="V3").expects_to_receive("a thumbnail")
    pact.with_content(BYTES, metadata={"contentType": "image/png"})
    written = write_pact(pact.to_model(), tmp_path)
    [message] = json.loads(written.path.read_text())["messages"]
    assert message["contents"] == base64.b64encode(BYTES).decode("ascii")
    assert message["metaData"] == {"contentType": "image/png"}
    assert load_pact(written.path).interactions[0].message.contents.content == BYTES  # type: ignore[attr-defined]
