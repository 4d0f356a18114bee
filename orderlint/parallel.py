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
        findings.append(Finding.model_construct(**values))
    return Result.model_construct(source=t[0], id=t[1], status=t[2], condition=t[3], findings=findings)


def _work(chunk: list[Unit]) -> list[Union[tuple, str]]:
    out: list[Union[tuple, str]] = []
    for unit in chunk:
        doc = load(unit)
        out.append(doc if isinstance(doc, str) else _pack(_LINTER.lint_document(doc)))
    return out


class WorkerDied(Exception):
    pass


def lint_parallel(linter: Any, units: Iterable[Unit], jobs: int) -> Iterator[Union[Result, str]]:
    """Yield a Result (or an error message) per unit, in input order."""
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
                window.append(pool.submit(_work, chunk))
                if len(window) >= jobs * WINDOW_PER_JOB:
                    yield from _drain(window.popleft().result())
            while window:
                yield from _drain(window.popleft().result())
        except BrokenProcessPool:
            raise WorkerDied("a worker process died; the remaining documents were not checked") from None
        finally:
            for f in window:
                f.cancel()


def _drain(items: list) -> Iterator[Union[Result, str]]:
    for item in items:
        yield item if isinstance(item, str) else _unpack(item)


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
