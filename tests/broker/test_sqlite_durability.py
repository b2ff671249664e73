"""SQLite's durability: ``broker serve`` waits for the disk on every commit; the command line may not.

In WAL mode ``synchronous=NORMAL`` keeps every commit through a crash of the process but may lose
the last ones when the machine loses power; ``FULL`` syncs the log before each commit returns. A
server acknowledges writes to clients that will not send them again, so it runs with ``full`` by
default (``--sqlite-synchronous``); the embedded broker of the command line keeps ``normal`` (a CI
job that loses its machine runs again) unless ``POLYCONTRACT_BROKER_SQLITE_SYNCHRONOUS`` says otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from polycontract.broker._store.engine import SQLITE_SYNCHRONOUS_ENV, make_engine
from polycontract.errors import BrokerError

pytest.importorskip("uvicorn")

_LEVELS = {0: "off", 1: "normal", 2: "full", 3: "extra"}


def _synchronous(path: Path) -> str:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return _LEVELS[connection.execute(text("PRAGMA synchronous")).scalar_one()]
    finally:
        engine.dispose()


@pytest.mark.parametrize(("setting", "expected"), [(None, "normal"), ("full", "full"), ("EXTRA", "extra")])
def test_the_embedded_broker_uses_the_durability_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: str
) -> None:
    if setting is None:
        monkeypatch.delenv(SQLITE_SYNCHRONOUS_ENV, raising=False)
    else:
        monkeypatch.setenv(SQLITE_SYNCHRONOUS_ENV, setting)
    assert _synchronous(tmp_path / "b.db") == expected


def test_an_unknown_durability_is_refused_rather_than_guessed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SQLITE_SYNCHRONOUS_ENV, "off")
    with pytest.raises(BrokerError, match="POLYCONTRACT_BROKER_SQLITE_SYNCHRONOUS='off' is not one of normal, full"):
        make_engine(f"sqlite:///{tmp_path / 'b.db'}")


def test_serve_documents_full_as_its_default_and_refuses_an_unknown_setting(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve"]
    shown = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60)
    assert "--sqlite-synchronous" in shown.stdout and "[default: full]" in " ".join(shown.stdout.split())
    env = {**os.environ, SQLITE_SYNCHRONOUS_ENV: "off"}
    refused = subprocess.run(
        [*command, "--port", "0"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "'off' is not one of" in refused.stderr
