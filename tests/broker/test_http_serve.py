"""``polycontract broker serve``: the command starts uvicorn over the database and serves the API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("uvicorn")


def _serve(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _bound_url(process: subprocess.Popen[str], seen: list[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
        if found:
            return found.group(1)
    raise AssertionError("the server did not start:\n" + "".join(seen))


def test_serve_migrates_the_database_and_answers_health_ready_and_the_index(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    process = _serve("--db", f"sqlite:///{db}", "--host", "127.0.0.1", "--port", "0")
    seen: list[str] = []
    try:
        url = _bound_url(process, seen)
        assert db.exists()
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        assert httpx.get(f"{url}/ready").json()["database"] == "ok"
        created = httpx.post(f"{url}/environments", json={"name": "prod", "production": True})
        assert created.status_code == 201
        index = httpx.get(f"{url}/", headers={"Authorization": "Bearer hush-hush"}).json()
        assert index["_links"]["pb:environments"]["href"] == f"{url}/environments"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    lines = [json.loads(line) for line in (*seen, *output.splitlines()) if line.startswith('{"event":"request"')]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("GET", "/health", 200),
        ("GET", "/ready", 200),
        ("POST", "/environments", 201),
        ("GET", "/", 200),
    ]
    assert "hush-hush" not in output


def test_serve_reports_a_database_it_cannot_open_in_one_line(tmp_path: Path) -> None:
    process = _serve("--db", "mysql://nowhere/db", "--port", "0")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert output.strip().startswith("error:") and "Traceback" not in output


@pytest.mark.parametrize("how", ["variable", "option"])
def test_serve_refuses_an_empty_database_setting_rather_than_serving_an_empty_local_broker(
    tmp_path: Path, how: str
) -> None:
    env = {**os.environ, "POLYCONTRACT_BROKER_DB": ""}
    args = ["--db", " "] if how == "option" else []
    command = [sys.executable, "-m", "polycontract.cli", "broker", "serve", *args, "--port", "0"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == done.stderr.strip().splitlines()[0]
    assert "is set but empty" in done.stderr
    assert not (tmp_path / ".polycontract").exists()
