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
