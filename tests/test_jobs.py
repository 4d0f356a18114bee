"""`--jobs N` gives exactly the output of `--jobs 1`, in input order (no timing assertions)."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import EXAMPLES, run_orderlint


@pytest.fixture(scope="module")
def mixed_inputs(tmp_path_factory):
    """Folders of example documents plus a JSON Lines stream longer than one chunk."""
    root = tmp_path_factory.mktemp("jobs")
    shutil.copytree(EXAMPLES / "regimens", root / "regimens")
    shutil.copytree(EXAMPLES / "invalid", root / "invalid")
    docs = [json.loads(p.read_text()) for p in sorted((EXAMPLES / "regimens").glob("*.json"))]
    lines = []
    for i in range(700):  # > 2 chunks of 256, with a bad line now and then
        lines.append("{broken" if i % 97 == 13 else json.dumps(docs[i % len(docs)]))
    (root / "stream.jsonl").write_text("\n".join(lines) + "\n")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "json", "text", "sarif"])
def test_jobs_2_equals_jobs_1(mixed_inputs, fmt):
    one = run_orderlint("check", str(mixed_inputs), "--format", fmt, "--jobs", "1", timeout=300)
    two = run_orderlint("check", str(mixed_inputs), "--format", fmt, "--jobs", "2", timeout=300)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert len(one.stdout) > 1000


@pytest.mark.slow
def test_jobs_keeps_input_order_for_stdin_streams(mixed_inputs):
    data = (mixed_inputs / "stream.jsonl").read_bytes()
    r = run_orderlint("check", "-", "--jsonl", "--format", "jsonl", "--jobs", "auto", input=data, timeout=300)
    sources = [json.loads(l)["source"] for l in r.stdout.decode().splitlines()]
    assert sources == [f"<stdin>:{i}" for i in range(1, 701)]


@pytest.mark.slow
def test_jobs_reports_unreadable_inputs_like_jobs_1(tmp_path):
    (tmp_path / "ok.json").write_text((EXAMPLES / "regimens" / "ILD301-clean.json").read_text())
    r = run_orderlint("check", str(tmp_path / "ok.json"), str(tmp_path / "missing.json"), "--jobs", "2")
    assert r.returncode == 2 and r.stderr.decode().count("orderlint: error: cannot read") == 1


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_bad_jobs_value_is_a_usage_error(value):
    r = run_orderlint("check", str(EXAMPLES / "regimens" / "ILD301-clean.json"), "--jobs", value)
    assert r.returncode == 2 and "--jobs must be" in r.stderr.decode()


def _in_worker_only(monkeypatch, action):
    """Make lint_document do ``action`` in a --jobs worker process (never in the parent)."""
    import os

    from orderlint.engine import Linter

    parent = os.getpid()
    original = Linter.lint_document

    def lint_document(self, doc):
        if os.getpid() != parent:
            action()
        return original(self, doc)

    monkeypatch.setattr(Linter, "lint_document", lint_document)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_a_worker_that_dies_is_a_tool_error_not_a_hang(mixed_inputs, monkeypatch, fmt):
    import os

    from conftest import run_cli

    _in_worker_only(monkeypatch, lambda: os._exit(3))  # no exception handler can see this
    r = run_cli("check", str(mixed_inputs / "stream.jsonl"), "--format", fmt, "--jobs", "2")
    assert r.exit_code == 2
    assert "a worker process died; the remaining documents were not checked" in r.stderr


def test_a_crash_inside_a_worker_is_one_line_and_exit_2(mixed_inputs, monkeypatch):
    from conftest import run_cli

    def boom():
        raise RuntimeError("simulated bug")

    _in_worker_only(monkeypatch, boom)
    r = run_cli("check", str(mixed_inputs / "stream.jsonl"), "--format", "jsonl", "--jobs", "2")
    assert r.exit_code == 2 and "RuntimeError: simulated bug" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_workers_end_when_the_parent_is_killed(tmp_path):
    # A parent ended by SIGKILL (an OOM killer, a CI timeout) runs no clean-up: the workers, blocked on
    # their queue, must still go with it and never linger.
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    doc = json.loads(sorted((EXAMPLES / "regimens").glob("*.json"))[0].read_text())
    (tmp_path / "big.jsonl").write_text((json.dumps(doc) + "\n") * 200_000)
    exe = str(Path(sys.executable).with_name("orderlint"))
    proc = subprocess.Popen([exe, "check", str(tmp_path / "big.jsonl"), "--format", "jsonl", "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    children: list[int] = []
    while time.monotonic() < deadline and len(children) < 2:
        try:
            children = [int(c) for c in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        except OSError:
            break
        time.sleep(0.05)
    assert len(children) >= 2, "the workers did not start"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def alive(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
        except OSError:
            return False

    deadline = time.monotonic() + 10
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    lingering = [c for c in children if alive(c)]
    for c in lingering:  # leave no process behind, even when the test fails
        os.kill(c, signal.SIGKILL)
    assert not lingering, "a worker outlived its killed parent"
