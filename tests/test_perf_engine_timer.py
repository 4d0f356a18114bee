"""The per-document time limit without an interval timer per document (issue 15).

A watchdog thread sends SIGALRM to the main thread when the checks of one document pass their
deadline; the main thread only writes the deadline. These tests hold it to what the timer did:
a check that never returns, or that blocks in a system call, is OL000 after the limit; nothing
else is ever interrupted; it keeps working in a forked child.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Source, rule
from regimen_factory import clean_patient, mmf

ROOT = Path(__file__).resolve().parents[1]


def _pack(check):
    class Plugin:
        @hookimpl
        def orderlint_rules(self):
            return [rule(code="XTR001", name="extra-check", severity="warning", summary="An extra check.",
                         source=Source("test", "test"), rationale="A plugin's check.", conditions=["ssc-ild"])(check)]

    return Plugin()


def _spin(seconds: float) -> None:
    """Busy for up to ``seconds``: long past any limit here, yet a broken watchdog fails the test
    rather than hanging it."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _linter(check, seconds: float) -> Linter:
    settings = Settings()
    settings.check_timeout = seconds
    return Linter(settings, plugins=[_pack(check)])


def _timeouts(result) -> list:
    return [f for f in result.findings if f.code == "OL000"]


def test_no_interval_timer_is_set_per_document(monkeypatch) -> None:
    def refuse(*a: object) -> object:
        raise AssertionError("setitimer called on the per-document path")

    linter = Linter()
    monkeypatch.setattr(signal, "setitimer", refuse)
    for _ in range(3):
        result = linter.lint_data(clean_patient(mmf(2000)))
        assert result.status == "checked" and [f.code for f in result.findings] == ["ILD501"]


@pytest.mark.slow
def test_a_check_blocked_in_a_system_call_is_ol000_after_the_time_limit() -> None:
    def check(reg, opts):
        time.sleep(30)
        return iter(())

    Linter().lint_data(clean_patient(mmf()))  # a document under the default limit of 5 s first
    linter = _linter(check, 0.3)
    for _ in range(2):  # the shorter limit holds, and again for the next document
        t = time.monotonic()
        result = linter.lint_data(clean_patient(mmf(2000)))
        assert time.monotonic() - t < 3
        [f] = _timeouts(result)
        assert "XTR001" in f.message and "0.3 s" in f.message
        assert [f.code for f in result.findings if f.code != "OL000"] == ["ILD501"]


@pytest.mark.slow
def test_documents_within_the_limit_are_never_interrupted() -> None:
    calls = []

    def check(reg, opts):
        calls.append(1)
        if len(calls) == 1:
            _spin(20)  # the first document does not finish in time
        if len(calls) % 50 == 0:
            time.sleep(0.1)  # half the limit: still within it
        yield Hit("seen", "/orders/0", 0)

    linter = _linter(check, 0.2)
    assert len(_timeouts(linter.lint_data(clean_patient(mmf())))) == 1
    started = time.monotonic()
    for i in range(400):
        result = linter.lint_data(clean_patient(mmf()))
        assert not _timeouts(result), i
        assert [f.code for f in result.findings] == ["XTR001"]
    # long enough that the watchdog woke up many times meanwhile
    assert time.monotonic() - started > 0.4
    # and the next document that hangs is still stopped
    calls.clear()
    assert len(_timeouts(linter.lint_data(clean_patient(mmf())))) == 1


def test_a_foreign_alarm_during_the_checks_does_not_stop_them() -> None:
    # Another timer's SIGALRM reaching the engine's handler: only a passed deadline stops checks.
    def check(reg, opts):
        signal.raise_signal(signal.SIGALRM)
        yield Hit("after the signal", "/orders/0", 0)

    result = _linter(check, 5).lint_data(clean_patient(mmf()))
    assert not _timeouts(result)
    assert [f.message for f in result.findings] == ["after the signal"]


def test_the_embedding_programs_own_alarm_still_reaches_its_handler() -> None:
    # The engine's handler replaced the program's for good: its own alarm-based timeout never fired
    # again after one lint() call.
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        result = _linter(lambda reg, opts: iter(()), 5).lint_data(clean_patient(mmf()))
        assert result.status == "checked"
        signal.raise_signal(signal.SIGALRM)
        assert fired == [signal.SIGALRM]
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_a_program_handler_that_calls_the_one_it_replaced_is_called_once() -> None:
    # lint(), then the program's handler chaining to the one it found (the engine's), then lint()
    # again: the two called each other until RecursionError.
    calls: list[int] = []
    linter = _linter(lambda reg, opts: iter(()), 5)
    outer = signal.getsignal(signal.SIGALRM)
    try:
        linter.lint_data(clean_patient(mmf()))
        found = signal.getsignal(signal.SIGALRM)

        def chaining(signum, frame):
            calls.append(signum)
            if callable(found):
                found(signum, frame)

        signal.signal(signal.SIGALRM, chaining)
        linter.lint_data(clean_patient(mmf()))
        signal.raise_signal(signal.SIGALRM)
        assert calls == [signal.SIGALRM]
    finally:
        signal.signal(signal.SIGALRM, outer)


@pytest.mark.slow
def test_the_time_limit_works_in_a_forked_child() -> None:
    code = (
        "import os, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_perf_engine_timer import _linter, _spin, _timeouts\n"
        "from regimen_factory import clean_patient, mmf\n"
        "def check(reg, opts):\n"
        "    if os.environ.get('HANG'):\n"
        "        _spin(20)\n"
        "    return iter(())\n"
        "linter = _linter(check, 0.3)\n"
        "assert not _timeouts(linter.lint_data(clean_patient(mmf())))  # the parent's watchdog runs\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.environ['HANG'] = '1'\n"
        "    ok = len(_timeouts(linter.lint_data(clean_patient(mmf())))) == 1\n"
        "    os._exit(0 if ok else 3)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "assert os.waitstatus_to_exitcode(status) == 0, status\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60, cwd=ROOT)


def test_without_a_watchdog_thread_the_interval_timer_keeps_the_limit(monkeypatch) -> None:
    # Fail closed: should no thread start (resources exhausted), the limit still holds.
    import orderlint.engine as engine

    watchdog = engine._Watchdog()
    monkeypatch.setattr(engine, "_WATCHDOG", watchdog)
    monkeypatch.setattr(watchdog, "_start", lambda: False)

    def check(reg, opts):
        if reg.doc.id == "hangs":
            _spin(20)
        return iter(())

    linter = _linter(check, 0.3)
    assert not _timeouts(linter.lint_data(clean_patient(mmf())))
    [f] = _timeouts(linter.lint_data({**clean_patient(mmf()), "id": "hangs"}))
    assert "XTR001" in f.message and "time limit" in f.message
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
