"""The prepared validator's 'unsure' signal must not keep documents alive: memory stays flat
however many documents it declines (a shared exception object once grew a traceback per raise)."""
import gc
import tracemalloc

from orderlint import prepared


def _declined(i: int) -> dict:
    # A document the prepared validator leaves to pydantic (a dose given as text), with some bulk.
    return {"id": f"d{i}", "kind": "patient", "indication": {"condition": "ssc-ild"},
            "orders": [{"id": "o", "drug": "x" * 200, "dose": "15"}], "x-pad": ["y" * 100] * 20}


def test_declining_documents_keeps_nothing_alive():
    assert prepared.prepare(_declined(0)) is None
    gc.collect()
    tracemalloc.start()
    try:
        for i in range(200):
            prepared.prepare(_declined(i))
        gc.collect()
        small = tracemalloc.get_traced_memory()[0]
        for i in range(200, 2200):
            prepared.prepare(_declined(i))
        gc.collect()
        large = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert large - small < 64 * 1024, (small, large)
    assert prepared._UNSURE.__traceback__ is None
