"""XML pacts written by pact-python 4 get the same verdicts here as in the official ``pact verifier``.

pact-python's XML builder (``pact.xml``) writes rules on attributes (``$.catalog.item['@id']``), on
text (``$.catalog.item.qty.#text``) and a ``type`` rule with ``min`` on a repeated element
(``$.catalog.item``). The pact passes against the very response its mock server answered, in V2
(flat ``$.body…`` rule keys), V3 and V4, and every deliberately broken provider fails, in
polycontract's verifier and in ``pact verifier``.

The reference verifier's classic XML matcher (pact-reference ``rust/pact_matching/src/xml.rs``,
``impl DoMatch<&Element> for MatchingRule``: ``MinType``/``MaxType`` compare
``actual_value.children().len()``) applies such bounds to each repeated element's own children, so a
``max`` smaller than an item's number of children fails even the response the pact was written from;
polycontract counts the elements, as the reference's newer engine does
(``rust/pact_matching/src/engine/bodies/xml.rs``). The pact here has no ``max`` so that both judge it
alike; ``test_xml_rules.py`` covers the bounds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest

from polycontract.verifier import Verifier
from tests.verifier.providers import serve

pytest.importorskip("pact", reason="pact-python (a dev dependency) is not installed")
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

_LOCAL_BIN = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin"
PACT = shutil.which("pact") or shutil.which("pact", path=str(_LOCAL_BIN))
ENV = {**os.environ, "PACT_DO_NOT_TRACK": "true"}
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

#: Changes that break the contract, each on its own: (what is replaced, by what).
BROKEN = {
    "attribute id not an integer": ("id='7'", "id='x7'"),
    "attribute code not matching its regex": ("code='AB-1'", "code='ab'"),
    "root attribute not a number": ("version='2'", "version='two'"),
    "qty text not an integer": ("<qty>5</qty>", "<qty>five</qty>"),
    "price text not a decimal": ("<price>9.5</price>", "<price>cheap</price>"),
    "active text not a boolean": ("<active>true</active>", "<active>yes</active>"),
}


def _write_pact(directory: Path, spec: str) -> str:
    """Write the catalog pact with pact-python; return the body its mock server answered."""
    from pact import Pact, match, xml

    pact = Pact("xml-web", "xml-items").with_specification(spec)
    item = xml.element(
        "item",
        xml.element("name", match.str("widget")),
        xml.element("price", match.decimal(9.5)),
        xml.element("qty", match.int(5)),
        xml.element("active", match.bool(True)),
        attrs={"id": match.int(7), "code": match.regex("AB-1", regex=r"[A-Z]+-\d+")},
    ).each(min=1, examples=2)
    body = xml.body(xml.element("catalog", item, attrs={"version": match.number(2)}))
    (
        pact.upon_receiving("the catalog")
        .with_request("GET", "/catalog")
        .will_respond_with(200)
        .with_body(body, content_type="application/xml")
    )
    with pact.serve() as server:
        answered = httpx.get(f"{server.url}/catalog").text
    pact.write_file(directory, overwrite=True)
    return answered


@pytest.fixture(scope="module", params=["V2", "V3", "V4"])
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A pact directory written by pact-python and the XML body the pact was recorded from."""
    directory = tmp_path_factory.mktemp(f"xml-{request.param}")
    answered = _write_pact(directory, request.param)
    (pact_file,) = directory.glob("*.json")
    document = json.loads(pact_file.read_text())
    rules = document["interactions"][0]["response"]["matchingRules"]
    keys = {k.replace("$.body.", "$.") for k in rules} if request.param == "V2" else set(rules["body"])
    assert {"$.catalog.item", "$.catalog.item['@id']", "$.catalog.item.qty.#text"} <= keys
    return directory, answered


def _xml_app(body: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        data = body.encode()
        start_response("200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(data)))])
        return [data]

    return app


def _ours(directory: Path, url: str) -> bool:
    result = Verifier(provider="xml-items", base_url=url).verify(directory)
    assert len(result) == 1, result.report()
    return result.ok


def _theirs(directory: Path, url: str) -> bool:
    assert PACT is not None
    (pact_file,) = directory.glob("*.json")
    port = url.rsplit(":", 1)[1]
    run = subprocess.run(
        [PACT, "verifier", "-f", str(pact_file), "-n", "127.0.0.1", "-p", port],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=ENV,
    )
    assert run.returncode in (0, 1), run.stdout + run.stderr
    return run.returncode == 0


def test_an_xml_pact_written_by_pact_python_passes_against_the_response_it_was_written_from(
    written: tuple[Path, str],
) -> None:
    directory, answered = written
    with serve(_xml_app(answered)) as url:
        assert _ours(directory, url)
        if PACT is not None:
            assert _theirs(directory, url)


def test_more_repeated_elements_than_the_example_still_pass(written: tuple[Path, str]) -> None:
    directory, answered = written
    start, end = answered.index("<item "), answered.index("</item>") + len("</item>")
    more = answered[:end] + answered[start:end] * 3 + answered[end:]
    with serve(_xml_app(more)) as url:
        assert _ours(directory, url)
        if PACT is not None:
            assert _theirs(directory, url)


@pytest.mark.parametrize("breakage", sorted(BROKEN))
def test_a_provider_breaking_an_xml_rule_fails_in_both_verifiers(written: tuple[Path, str], breakage: str) -> None:
    directory, answered = written
    old, new = BROKEN[breakage]
    assert old in answered
    with serve(_xml_app(answered.replace(old, new))) as url:
        assert not _ours(directory, url)
        if PACT is not None:
            assert not _theirs(directory, url)
