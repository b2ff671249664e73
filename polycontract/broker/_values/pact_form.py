"""The text a broker keeps and serves for a pact: the specification version it was published in.

A pact published as V3 is served as V3, so that every Pact tool reads it as its author wrote it
(a V3 binary body, say, is base64 text under a binary ``Content-Type``, and a tool that reads the
V4 form of the same pact must meet the same bytes). Contents are shared by their normalised hash, so
the first publication of a content decides its form; a later publication of the same content in
another version is served that form, which reads back to the same contract (checked here: the form
is kept only when reading it back gives the same content hash, else the pact is kept as V4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from polycontract.errors import PolycontractError

if TYPE_CHECKING:
    from polycontract.model import PactDocument

__all__ = ["published_text"]


def published_text(pact: PactDocument, digest: str | None = None) -> str:
    """``pact`` as JSON text of its own spec version (V1 and V1.1 as V2), or V4 when that would change it.

    ``digest`` is the pact's `polycontract.codec.content_hash` when the caller has it already.
    """
    from polycontract.codec import content_hash, dumps_pact, load_pact

    spec = "V2" if pact.spec in ("V1", "V1.1") else pact.spec
    if spec != "V4":
        try:
            text = dumps_pact(pact, spec=spec)
            if content_hash(load_pact(text)) == (digest or content_hash(pact)):
                return text
        except PolycontractError:  # not writable in that version: V4 holds everything
            pass
    return dumps_pact(pact)
