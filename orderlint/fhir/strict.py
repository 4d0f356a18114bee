"""`--fhir-strict`: validate each resource with the `fhir.resources` R4B models first (fhir.md:
never the default R5 models, which reject R4 MedicationRequests). Each error is an OL001 problem
(message, JSON Pointer); nothing is repaired. Needs the extra `orderlint[fhir]`.
"""

from __future__ import annotations

from typing import Any, Iterator

from orderlint.fhir.r4 import ORDER_CARRIERS
from orderlint.reader import escape_token


class StrictUnavailable(RuntimeError):
    """fhir.resources is not installed: `--fhir-strict` needs the extra `orderlint[fhir]`."""


def _resources(data: Any) -> Iterator[tuple[str, dict]]:
    """(pointer, resource) of what a strict run validates: the document itself when it is a
    resource (a Bundle validates its entries), else each resource of a CDS Hooks request."""
    if not isinstance(data, dict):
        return
    if isinstance(data.get("resourceType"), str):
        yield "", data
        return
    ctx = data.get("context")
    if isinstance(ctx, dict):
        for key in ORDER_CARRIERS:
            yield from _values(ctx.get(key), f"/context/{key}")
    pre = data.get("prefetch")
    if isinstance(pre, dict):
        for k, v in pre.items():
            yield from _values(v, f"/prefetch/{escape_token(k)}")


def _values(v: Any, ptr: str) -> Iterator[tuple[str, dict]]:
    if isinstance(v, dict) and isinstance(v.get("resourceType"), str):
        yield ptr, v
    elif isinstance(v, dict) and isinstance(v.get("resource"), dict):
        yield from _values(v["resource"], ptr + "/resource")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _values(x, f"{ptr}/{i}")


def strict_problems(data: Any) -> list[tuple[str, str]]:
    """OL001 problems (message, pointer) of every resource that R4B refuses."""
    try:
        from fhir.resources.R4B import get_fhir_model_class
        from pydantic import ValidationError
    except ImportError as e:
        raise StrictUnavailable("--fhir-strict needs fhir.resources: pip install 'orderlint[fhir]'") from e
    problems: list[tuple[str, str]] = []
    for ptr, r in _resources(data):
        rt = r["resourceType"]
        try:
            cls = get_fhir_model_class(rt)
        except (ValueError, KeyError, AttributeError):
            problems.append((f"R4B: {rt!r} is not a FHIR R4B resource type", ptr + "/resourceType"))
            continue
        try:
            cls.model_validate(r)
        except ValidationError as e:
            for err in e.errors(include_url=False, include_context=False, include_input=False):
                loc = "".join("/" + escape_token(str(x)) for x in err.get("loc", ()) if not str(x).startswith("function-"))
                problems.append((f"R4B {rt}: {err.get('msg', 'invalid')} ({err.get('type', 'error')})", ptr + loc))
        except Exception as e:  # the models raise plain errors for some shapes (KeyError on old types)
            problems.append((f"R4B {rt}: {type(e).__name__}: {e}", ptr))
    return problems


def available() -> bool:
    """Whether `--fhir-strict` can run here (the CLI refuses the option with exit 2 otherwise)."""
    import importlib.util

    try:
        return importlib.util.find_spec("fhir.resources") is not None
    except (ImportError, ValueError):
        return False
