"""Garbage collection is paused while a pact is read, and comes back however the read ends."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from polycontract.codec import load_pact
from polycontract.errors import PactFormatError

PACT = {
    "consumer": {"name": "shop"},
    "provider": {"name": "items"},
    "interactions": [{"description": "ping", "request": {"path": "/ping"}, "response": {"status": 204}}],
}


class _Watching(Mapping[str, Any]):
    """A pact document that notes whether collection was on each time it is read, and can wait to be released."""

    def __init__(self, doc: Mapping[str, Any], release: threading.Event | None = None) -> None:
        self.doc, self.release = doc, release
        self.seen: list[bool] = []
        self.reading = threading.Event()

    def __getitem__(self, key: str) -> Any:
        self.seen.append(gc.isenabled())
        self.reading.set()
        if self.release is not None:
            assert self.release.wait(10)
        return self.doc[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.doc)

    def __len__(self) -> int:
        return len(self.doc)


@pytest.fixture(autouse=True)
def _collection_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_collection_is_off_during_a_read_and_on_after_it() -> None:
    doc = _Watching(PACT)

    load_pact(doc)

    assert doc.seen and not any(doc.seen)
    assert gc.isenabled()


def test_collection_is_on_again_after_a_malformed_pact(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"consumer": ')

    with pytest.raises(PactFormatError):
        load_pact(broken)
    assert gc.isenabled()

    with pytest.raises(PactFormatError, match="missing provider name"):
        load_pact(json.dumps({"consumer": {"name": "shop"}, "interactions": []}))
    assert gc.isenabled()


def test_a_process_that_runs_without_collection_keeps_it_off() -> None:
    gc.disable()

    load_pact(json.dumps(PACT))

    assert not gc.isenabled()


def test_overlapping_reads_in_two_threads_keep_collection_off_until_the_last_one_ends() -> None:
    release = threading.Event()
    slow = _Watching(PACT, release)
    reader = threading.Thread(target=load_pact, args=(slow,))
    reader.start()
    try:
        assert slow.reading.wait(10)
        quick = _Watching(PACT)
        load_pact(quick)  # begins and ends inside the slow read

        assert not any(quick.seen)
        assert not gc.isenabled()  # the slow read is still going
    finally:
        release.set()
        reader.join(10)
    assert not any(slow.seen)
    assert gc.isenabled()
