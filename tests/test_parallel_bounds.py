"""--jobs: the chunks in flight are bounded by their text as well as their count (interfaces.md:
constant memory), so that lines of a megabyte are not read ahead 1,024 at a time."""

from __future__ import annotations

from orderlint.parallel import CHUNK, CHUNK_BYTES, _chunks


def test_chunks_are_cut_by_count_and_by_bytes():
    small = [("line", "s", i, b"{}") for i in range(CHUNK * 2 + 3)]
    assert [len(c) for c in _chunks(small)] == [CHUNK, CHUNK, 3]
    big = [("line", "s", i, b"x" * (CHUNK_BYTES // 2 + 1)) for i in range(5)]
    assert [len(c) for c in _chunks(big)] == [2, 2, 1]
    files = [("file", f"f{i}.json") for i in range(3)]  # a path is no text to count
    assert [len(c) for c in _chunks(files)] == [3]
    assert list(_chunks([])) == []


def test_a_bulk_export_is_linted_in_the_parent_and_the_rest_in_workers(monkeypatch, tmp_path):
    # Sent to a worker as one unit, an export's results were held there until it ended (memory grew
    # with the export under --jobs 2); linted in the parent, they stream as with --jobs 1.
    import shutil

    from conftest import EXAMPLES
    from orderlint import parallel
    from orderlint.engine import Linter

    sent: list = []

    def run(linter, units, jobs, task, *args):
        for unit in units:
            sent.append(unit)
            yield task([unit], *args)

    monkeypatch.setattr(parallel, "_run", run)
    monkeypatch.setattr(parallel, "_LINTER", Linter())
    shutil.copytree(EXAMPLES / "fhir" / "bulk", tmp_path / "export")
    units = [("file", str(EXAMPLES / "regimens" / "ILD301-fires.json")), ("bulk", str(tmp_path / "export")),
             ("file", str(EXAMPLES / "regimens" / "ILD301-clean.json"))]
    results = list(parallel.lint_parallel(parallel._LINTER, iter(units), 2))
    assert [u[0] for u in sent] == ["file", "file"]
    assert [r.source for r in results][0].endswith("ILD301-fires.json") and len(results) > 3
    assert results[-1].source.endswith("ILD301-clean.json")
    sent.clear()
    pieces = list(parallel.render_parallel(parallel._LINTER, iter(units), 2, "jsonl", False))
    assert [u[0] for u in sent] == ["file", "file"]
    assert sum(p[1].documents for p in pieces) == len(results)
