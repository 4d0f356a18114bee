"""`--jobs N`: lint in worker processes, results in input order, memory bounded.

Workers are forked after the rule packs are loaded, so each inherits the same Linter (and
the same settings). The parent keeps a bounded window of chunks in flight, so a stream of any
length is never read ahead without limit. A worker that dies is a tool error (exit 2), never a
silently missing result. Workers ignore Ctrl-C; the parent handles it, kills and reaps them.
"""

from __future__ import annotations

import itertools
import os
import sys
from typing import TYPE_CHECKING, Any, Generator, Iterable, Iterator, Optional, Union

from orderlint.findings import Finding, Result, Suppression
from orderlint.inputs import Unit, lint_unit

if TYPE_CHECKING:
    from orderlint.engine import Linter

CHUNK = 256
CHUNK_BYTES = 1 << 20
WINDOW_PER_JOB = 4

_LINTER: Optional["Linter"] = None  # set in the parent before forking; inherited by the workers


def _linter() -> "Linter":
    assert _LINTER is not None, "workers are forked after _run sets the linter"
    return _LINTER


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _pack(r: Result) -> tuple:
    return (
        r.source, r.id, r.status, r.condition,
        [
            (f.code, f.name, f.severity, f.message, f.order, f.pointer, f.line, f.column, f.source, f.fix,
             None if f.suppressed is None else (f.suppressed.reason, f.suppressed.approved_by, f.suppressed.waiver))
            for f in r.findings
        ],
        r.as_of,
    )


_FIELDS = ("code", "name", "severity", "message", "order", "pointer", "line", "column", "source", "fix")


def _unpack(t: tuple) -> Result:
    findings = []
    for ft in t[4]:
        values = dict(zip(_FIELDS, ft))
        s = ft[10]
        values["suppressed"] = None if s is None else Suppression(reason=s[0], approved_by=s[1], waiver=s[2])
        findings.append(Finding(**values))
    return Result(source=t[0], id=t[1], status=t[2], condition=t[3], findings=findings, as_of=t[5])


def _work(chunk: list[Unit], mode: tuple) -> list[Any]:
    """Lint a chunk in the worker: per result a packed tuple (a plain Result), the object itself
    (a FHIR result, which carries more fields; pickled), or an error message."""
    out: list[Any] = []
    linter = _linter()
    for unit in chunk:
        for r in lint_unit(linter, unit, *mode):
            out.append(_pack(r) if type(r) is Result else r)
    return out


def _render(chunk: list[Unit], fmt: str, statistics: bool, mode: tuple, color: bool = False) -> tuple:
    """Lint and render a chunk in the worker: (text, summary, formatter state, error messages)."""
    linter = _linter()
    return _render_results(linter, (r for unit in chunk for r in lint_unit(linter, unit, *mode)), fmt, statistics, color)


def _render_results(linter: "Linter", results: Iterable[Any], fmt: str, statistics: bool, color: bool = False) -> tuple:
    """Render results (a str for an input that could not be read) with a formatter of their own:
    (text, summary, formatter state, error messages)."""
    import io

    from orderlint.findings import Summary
    from orderlint.formatters import get_formatter

    buf = io.StringIO()
    formatter = get_formatter(fmt, buf, linter, statistics=statistics, **({"color": True} if color else {}))
    formatter.start()
    summary = Summary()
    errors: list[str] = []
    for result in results:
        if isinstance(result, str):
            # Said in the report where it stands among the results, as with --jobs 1 (the parent
            # writes it to standard error and sets the exit code).
            errors.append(result)
            formatter.unreadable(result)
            continue
        summary.add(result)
        formatter.result(result)
    return buf.getvalue(), summary, formatter.state(), errors


def _is_bulk(unit: Unit) -> bool:
    return unit[0] == "bulk"


class WorkerDied(Exception):
    pass


# Upper bound of --jobs: more processes than this only add memory and start-up time.
def max_jobs() -> int:
    return min((os.cpu_count() or 1) * 4, 64)


_POLL = 0.5  # seconds between checks that every worker is still alive while waiting for a result


def _die_with_parent(parent: int) -> None:
    """A worker blocked on its queue never sees its parent die (it holds the queue's pipe itself):
    ask Linux to kill it when the parent goes, however the parent ended (even SIGKILL)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 9)  # SIGKILL
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(2)


def _worker(tasks: Any, results: Any, task: Any, args: tuple, parent: int) -> None:
    """A worker process: lint chunks until told to stop. Ctrl-C is the parent's to handle: the
    worker ignores SIGINT (the parent ends it), so a terminal's Ctrl-C, which reaches the whole
    process group, never prints a worker traceback or leaves a worker behind."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent(parent)
    # A plugin that prints must not write into the report: the worker's standard output is
    # standard error (results travel back through the queue, never through stdout).
    try:
        os.dup2(2, 1)
    except OSError:
        pass
    sys.stdout = sys.stderr
    while True:
        item = tasks.get()
        if item is None:
            return
        index, chunk = item
        try:
            answer: Any = task(chunk, *args)
        except BaseException as e:  # noqa: BLE001 - reported by the parent as a tool error
            answer = _Failed(f"{type(e).__name__}: {e}")
        results.put((index, answer))


def _chunks(units: Iterable[Unit]) -> Iterator[list[Unit]]:
    """CHUNK units a chunk, or fewer when their text passes CHUNK_BYTES: counted in lines alone,
    the chunks in flight held 4 x jobs x 256 lines of up to 8 MiB each (426 MB for 1 MB lines)."""
    chunk: list[Unit] = []
    size = 0
    for unit in units:
        chunk.append(unit)
        raw = unit[-1]
        if isinstance(raw, (bytes, bytearray)):
            size += len(raw)
        if len(chunk) >= CHUNK or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


class _Failed:
    def __init__(self, message: str) -> None:
        self.message = message


def _run(linter: "Linter", units: Iterable[Unit], jobs: int, task: Any, *args: Any) -> Generator[Any, None, None]:
    """Submit chunks of units to forked workers; yield each chunk's answer in input order.

    At most ``jobs * WINDOW_PER_JOB`` chunks are in flight, so memory stays bounded. However the
    generator ends (exhausted, an error, Ctrl-C, closed early), every worker is killed and
    reaped before it returns: nothing is left running and nothing waits forever.
    """
    import multiprocessing
    import queue
    import signal

    global _LINTER
    _LINTER = linter
    ctx = multiprocessing.get_context("fork")
    tasks = ctx.Queue()
    results = ctx.Queue()
    procs: list = []
    try:
        # SIGINT is blocked while forking so that a worker never starts with Python's handler;
        # a Ctrl-C that arrives meanwhile is delivered to the parent right after.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(jobs):
                p = ctx.Process(target=_worker, args=(tasks, results, task, args, os.getpid()), daemon=True)
                p.start()
                procs.append(p)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        chunks = _chunks(units)
        limit = jobs * WINDOW_PER_JOB
        sent = done = 0
        waiting: dict = {}
        exhausted = False
        while True:
            while not exhausted and sent - done < limit:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                _put(tasks, (sent, chunk))
                sent += 1
            if done == sent:
                break
            while done not in waiting:
                try:
                    index, answer = results.get(timeout=_POLL)
                except queue.Empty:
                    if any(p.exitcode is not None for p in procs):
                        raise WorkerDied("a worker process died; the remaining documents were not checked") from None
                    continue
                waiting[index] = answer
            answer = waiting.pop(done)
            done += 1
            if isinstance(answer, _Failed):
                raise WorkerDied(f"internal error in a worker process: {answer.message}")
            yield answer
        for _ in procs:
            _put(tasks, None)
        for p in procs:
            p.join(timeout=5)
    finally:
        for p in procs:
            if p.exitcode is None:
                p.kill()
        for p in procs:
            p.join()
        for q in (tasks, results):
            q.cancel_join_thread()  # never wait on a feeder thread whose reader is gone
            q.close()


def _put(q: Any, item: Any) -> None:
    """Queue.put with Ctrl-C held back until it returns: a KeyboardInterrupt raised inside it, with
    the queue's lock taken, left the lock held, and closing the queue then waited on it forever (a
    Ctrl-C in the first second of a --jobs run hung, rarely)."""
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        q.put(item)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def lint_parallel(linter: "Linter", units: Iterable[Unit], jobs: int, mode: tuple = ("auto", False)) -> Generator[Union[Result, str], None, None]:
    """Yield each Result (or an error message) in input order. ``mode``: (input format, FHIR strict).

    A Bulk Data export is linted here, in the parent, patient by patient: sent to a worker as one
    unit, its results were held there until the whole export was done (152 MB at 32,000 patients
    where --jobs 1 stays at 48 MB)."""
    for local, group in itertools.groupby(units, key=_is_bulk):
        if local:
            for unit in group:
                yield from lint_unit(linter, unit, *mode)
            continue
        for items in _run(linter, group, jobs, _work, mode):
            for item in items:
                yield _unpack(item) if type(item) is tuple else item


def render_parallel(linter: "Linter", units: Iterable[Unit], jobs: int, fmt: str, statistics: bool,
                    mode: tuple = ("auto", False), color: bool = False) -> Generator[tuple, None, None]:
    """For line-oriented formats: yield (text, summary, formatter state, errors) per chunk, in order;
    a Bulk Data export rendered here, CHUNK results at a time (as lint_parallel says)."""
    for local, group in itertools.groupby(units, key=_is_bulk):
        if local:
            for unit in group:
                results = lint_unit(linter, unit, *mode)
                while piece := list(itertools.islice(results, CHUNK)):
                    yield _render_results(linter, piece, fmt, statistics, color)
            continue
        yield from _run(linter, group, jobs, _render, fmt, statistics, mode, color)


def resolve_jobs(value: Optional[str]) -> int:
    if value is None or value == "":
        return 1
    if value == "auto":
        return min(cpu_count(), max_jobs())
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        from orderlint.config import ConfigError

        raise ConfigError(f"--jobs must be a whole number of processes (1 or more) or 'auto', not {value!r}")
    if n > max_jobs():
        from orderlint.config import ConfigError

        raise ConfigError(f"--jobs must be at most {max_jobs()} on this machine (4 per core, at most 64), not {n}")
    return n
