"""`--jobs N`: lint in worker processes, results in input order, memory bounded.

Workers are forked after the rule packs are loaded, so each inherits the same Linter (and
the same settings). The parent keeps a bounded window of chunks in flight, so a stream of any
length is never read ahead without limit. A worker that dies is a tool error (exit 2), never a
silently missing result.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from typing import Any, Iterable, Iterator, Optional, Union

from orderlint.findings import Finding, Result, Suppression
from orderlint.inputs import Unit, load

CHUNK = 256
WINDOW_PER_JOB = 4

_LINTER: Any = None  # set in the parent before forking; inherited by the workers


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
    )


_FIELDS = ("code", "name", "severity", "message", "order", "pointer", "line", "column", "source", "fix")


def _unpack(t: tuple) -> Result:
    findings = []
    for ft in t[4]:
        values = dict(zip(_FIELDS, ft))
        s = ft[10]
        values["suppressed"] = None if s is None else Suppression(reason=s[0], approved_by=s[1], waiver=s[2])
        findings.append(Finding(**values))
    return Result(source=t[0], id=t[1], status=t[2], condition=t[3], findings=findings)


def _work(chunk: list[Unit]) -> list[Union[tuple, str]]:
    out: list[Union[tuple, str]] = []
    for unit in chunk:
        doc = load(unit)
        out.append(doc if isinstance(doc, str) else _pack(_LINTER.lint_document(doc)))
    return out


def _render(chunk: list[Unit], fmt: str, statistics: bool) -> tuple:
    """Lint and render a chunk in the worker: (text, summary, formatter state, error messages)."""
    import io

    from orderlint.findings import Summary
    from orderlint.formatters import get_formatter

    buf = io.StringIO()
    formatter = get_formatter(fmt, buf, _LINTER, statistics=statistics)
    formatter.start()
    summary = Summary()
    errors: list[str] = []
    for unit in chunk:
        doc = load(unit)
        if isinstance(doc, str):
            errors.append(doc)
            continue
        result = _LINTER.lint_document(doc)
        summary.add(result)
        formatter.result(result)
    return buf.getvalue(), summary, formatter.state(), errors


class WorkerDied(Exception):
    pass


def _run(linter: Any, units: Iterable[Unit], jobs: int, task: Any, *args: Any) -> Iterator[Any]:
    """Submit chunks of units to forked workers; yield each chunk's answer in input order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _LINTER
    _LINTER = linter
    ctx = multiprocessing.get_context("fork")
    window: deque = deque()
    chunks = iter(lambda it=iter(units): list(itertools.islice(it, CHUNK)), [])
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        try:
            for chunk in chunks:
                window.append(pool.submit(task, chunk, *args))
                if len(window) >= jobs * WINDOW_PER_JOB:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        except BrokenProcessPool:
            raise WorkerDied("a worker process died; the remaining documents were not checked") from None
        finally:
            for f in window:
                f.cancel()


def lint_parallel(linter: Any, units: Iterable[Unit], jobs: int) -> Iterator[Union[Result, str]]:
    """Yield a Result (or an error message) per unit, in input order."""
    for items in _run(linter, units, jobs, _work):
        for item in items:
            yield item if isinstance(item, str) else _unpack(item)


def render_parallel(linter: Any, units: Iterable[Unit], jobs: int, fmt: str, statistics: bool) -> Iterator[tuple]:
    """For line-oriented formats: yield (text, summary, formatter state, errors) per chunk, in order."""
    yield from _run(linter, units, jobs, _render, fmt, statistics)


def resolve_jobs(value: Optional[str]) -> int:
    if value is None or value == "":
        return 1
    if value == "auto":
        return cpu_count()
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        from orderlint.config import ConfigError

        raise ConfigError(f"--jobs must be a whole number of processes (1 or more) or 'auto', not {value!r}")
    return n
