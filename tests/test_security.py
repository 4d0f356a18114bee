"""The security notes in the README, each backed by a test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import orderlint
from conftest import EXAMPLES, run_cli


def test_no_network_connections(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("orderlint tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for fmt in ("text", "json", "sarif", "junit", "github"):
        r = run_cli("check", str(EXAMPLES), "--format", fmt, "--exit-zero")
        assert r.exit_code == 0
    assert orderlint.lint(EXAMPLES / "protocols" / "cyc-induction.yaml").findings
    assert attempts == []


def _snapshot(*folders: Path) -> set:
    return {p for f in folders for p in f.rglob("*")}


def test_patient_data_is_written_nowhere_but_the_requested_report(tmp_path):
    work, home, tmp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    for d in (work, home, tmp):
        d.mkdir()
    doc = work / "patient.json"
    doc.write_text((EXAMPLES / "regimens" / "ILD404-fires.yaml").read_text().replace("x-note", "x-secret"))
    before = _snapshot(work, home, tmp)
    env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp), XDG_CACHE_HOME=str(home / ".cache"),
               PYTHONDONTWRITEBYTECODE="1", ORDERLINT_NO_CONFIG="1")
    code = "import sys; from orderlint.cli import main; sys.argv[0] = 'orderlint'; main()"
    r = subprocess.run([sys.executable, "-c", code, "check", "patient.json", "--format", "json", "--output", "report.json"],
                       cwd=work, env=env, capture_output=True, timeout=120)
    assert r.returncode == 1 and r.stdout == b""
    assert _snapshot(work, home, tmp) - before == {work / "report.json"}


def test_document_content_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    payloads = [
        f"id: !!python/object/apply:os.system ['touch {marker}']\n",
        f"id: !!python/object/new:subprocess.call [['touch', '{marker}']]\n",
        textwrap.dedent(f"""\
            id: a
            kind: order-set
            indication: {{condition: ssc-ild}}
            orders: [{{drug: "__import__('os').system('touch {marker}')", dose: 1, unit: mg, route: oral, frequency: daily}}]
            """),
    ]
    for text in payloads:
        result = orderlint.lint(text)
        assert result.status in ("invalid", "checked")
    assert not marker.exists()
