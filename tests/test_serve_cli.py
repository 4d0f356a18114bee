"""`orderlint serve` and `orderlint feedback report` as a user runs them: a real process on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")
pytest.importorskip("jwt")

ORDERLINT = [str(Path(sys.executable).with_name("orderlint"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_discovery_and_stops_on_sigint(tmp_path):
    port = _free_port()
    db = tmp_path / "fb.sqlite3"
    (tmp_path / ".orderlint.toml").write_text(f'[serve]\nfeedback-db = "{db}"\n')
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*ORDERLINT, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
        assert r.status_code == 200
        ids = {s["id"] for s in r.json()["services"]}
        assert ids == {"orderlint-order-select", "orderlint-order-sign"}
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert b"Traceback" not in err
    # The feedback report of the configured database: it exists now and holds no outcomes yet.
    rep = subprocess.run([*ORDERLINT, "feedback", "report", "--format", "json"], cwd=tmp_path, capture_output=True)
    assert rep.returncode == 0, rep.stderr
    json.loads(rep.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, words",
    [
        (["serve", "--host", "0.0.0.0"], "authentication is off"),
        (["feedback", "report", "--db", "missing.sqlite3"], "does not exist"),
        (["feedback", "report", "--db", "fb.sqlite3", "--since", "yesterday"], "yesterday"),
    ],
)
def test_service_commands_fail_closed_with_one_line(tmp_path, args, words):
    from orderlint.serve.feedback import FeedbackStore

    FeedbackStore(str(tmp_path / "fb.sqlite3"))  # an existing, empty feedback database
    res = subprocess.run([*ORDERLINT, *args], cwd=tmp_path, capture_output=True, timeout=60)
    assert res.returncode == 2
    lines = res.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in lines[0]
