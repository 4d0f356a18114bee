"""Build regimen documents for the per-rule tests, so that each test states only what matters.

    doc = clean_patient(order("azathioprine", 2, "mg/kg", id="aza"))
    doc = drop_tests(doc, "tpmt")
    result = lint(doc)
    [f] = only(result, "ILD406")

``clean_patient()`` with no arguments is a first-line patient regimen that lints with no
finding at all: a male patient with weight and height (BSA exactly 2.0 m²), ``as_of`` fixed,
one mycophenolate mofetil order, and every common baseline test ordered. Each helper returns
a new dict; nothing is mutated in place.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Optional

import orderlint

AS_OF = "2026-03-02"
AS_OF_DATE = dt.date.fromisoformat(AS_OF)

#: 80 kg and 180 cm give a Mosteller BSA of sqrt(180 * 80 / 3600) = 2.0 m².
WEIGHT_KG = 80
HEIGHT_CM = 180
BSA_M2 = 2.0

#: Every test a common regimen needs, ordered in the document. `lft` and `renal` are listed
#: separately (not as `cmp`) so that a test can drop either one.
COMMON_TESTS = ("cbc", "lft", "renal", "urinalysis", "hbv", "tb", "pregnancy", "tpmt", "g6pd", "hrct", "pft")

_MISSING = object()


def order(
    drug: str,
    dose: float,
    unit: str = "mg",
    route: str = "oral",
    frequency: Any = "daily",
    **kw: Any,
) -> dict:
    """One medication order; extra fields (id, status, purpose, duration, doses, strength,
    rxcui, start) go in ``kw``; a None leaves the field out (JSON null is refused by the contract).
    ``duration=(85, "d")`` is shorthand for ``{"value": 85, "unit": "d"}``."""
    o: dict[str, Any] = {"drug": drug, "dose": dose, "unit": unit, "route": route, "frequency": frequency}
    if isinstance(kw.get("duration"), tuple):
        value, u = kw["duration"]
        kw["duration"] = {"value": value, "unit": u}
    if isinstance(kw.get("strength"), tuple):
        value, u = kw["strength"]
        kw["strength"] = {"value": value, "unit": u}
    o.update((k, v) for k, v in kw.items() if v is not None)
    return o


def mmf(dose: float = 1000, frequency: Any = "bid", **kw: Any) -> dict:
    """Mycophenolate mofetil, by default 1000 mg bid (2000 mg/day: inside 1000-3000)."""
    kw.setdefault("id", "mmf")
    return order("mycophenolate mofetil", dose, "mg", "oral", frequency, **kw)


def bactrim(**kw: Any) -> dict:
    """PCP prophylaxis: Bactrim DS 1 tablet (800 mg SMX) three times weekly."""
    kw.setdefault("id", "smx")
    return order("Bactrim DS", 1, "tablet", "oral", "tiw", strength=(800, "mg"), **kw)


def rituximab(dose: float = 1000, **kw: Any) -> dict:
    kw.setdefault("id", "rtx")
    kw.setdefault("doses", 2)
    return order("rituximab", dose, "mg", "iv", "q2w", **kw)


def cyclophosphamide_iv(dose: float = 600, unit: str = "mg/m2", **kw: Any) -> dict:
    """IV cyclophosphamide, by default 600 mg/m² every 4 weeks x 6 (RECITAL)."""
    kw.setdefault("id", "cyc")
    kw.setdefault("doses", 6)
    return order("cyclophosphamide", dose, unit, "iv", "q4w", **kw)


def pulse(dose: float = 1000, **kw: Any) -> dict:
    """IV methylprednisolone pulse, by default 1000 mg daily x 3."""
    kw.setdefault("id", "pulse")
    kw.setdefault("doses", 3)
    return order("methylprednisolone", dose, "mg", "iv", "daily", **kw)


def test_item(name: str, days_ago: Optional[int] = None, *, date: Optional[str] = None, status: Optional[str] = None, result: Optional[str] = None) -> dict:
    """A test: ordered (no date), or resulted ``days_ago`` days before AS_OF (or on ``date``)."""
    if days_ago is not None:
        date = (AS_OF_DATE - dt.timedelta(days=days_ago)).isoformat()
    if status is None:
        status = "resulted" if date is not None else "ordered"
    t: dict[str, Any] = {"test": name, "status": status}
    if date is not None:
        t["date"] = date
    if result is not None:
        t["result"] = result
    return t


test_item.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _merge(base: dict, changes: Optional[dict]) -> dict:
    """Shallow merge; a value of None deletes the key."""
    out = dict(base)
    for k, v in (changes or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def clean_patient(
    *orders: dict,
    patient: Optional[dict] = None,
    indication: Optional[dict] = None,
    tests: Any = _MISSING,
    drop: tuple[str, ...] = (),
    **top: Any,
) -> dict:
    """A first-line patient regimen that lints clean.

    ``orders`` replace the default mycophenolate order; ``patient`` and ``indication`` are
    merged into the defaults (None deletes a field); ``tests`` replaces the test list;
    ``drop`` removes tests by name; any other keyword (history, waivers, as_of, kind, id...)
    sets that top-level field (None deletes it).
    """
    doc: dict[str, Any] = {
        "id": "pt-test",
        "kind": "patient",
        "as_of": AS_OF,
        "indication": _merge({"condition": "ssc-ild", "phase": "first-line"}, indication),
        "patient": _merge(
            {"sex": "male", "age_years": 58, "weight_kg": WEIGHT_KG, "height_cm": HEIGHT_CM}, patient
        ),
        "orders": copy.deepcopy(list(orders)) if orders else [mmf()],
        "tests": [test_item(n) for n in COMMON_TESTS] if tests is _MISSING else copy.deepcopy(list(tests)),
    }
    doc = _merge(doc, top)
    if drop:
        doc = drop_tests(doc, *drop)
    return doc


def order_set(*orders: dict, **kw: Any) -> dict:
    """An order-set (protocol) document built like clean_patient, with no patient object."""
    kw.setdefault("id", "protocol-test")
    doc = clean_patient(*orders, kind="order-set", **kw)
    doc.pop("patient", None)
    return doc


def drop_tests(doc: dict, *names: str) -> dict:
    """Remove every test item whose name is one of ``names`` (case-insensitive)."""
    gone = {n.lower() for n in names}
    out = copy.deepcopy(doc)
    out["tests"] = [t for t in out.get("tests", []) if t["test"].lower() not in gone]
    return out


def with_tests(doc: dict, *items: dict) -> dict:
    """Append test items (see ``test_item``)."""
    out = copy.deepcopy(doc)
    out.setdefault("tests", []).extend(copy.deepcopy(list(items)))
    return out


def resulted(doc: dict, name: str, days_ago: Optional[int] = None, *, date: Optional[str] = None) -> dict:
    """Replace the ordered ``name`` test with one resulted ``days_ago`` days before AS_OF."""
    return with_tests(drop_tests(doc, name), test_item(name, days_ago, date=date))


def with_orders(doc: dict, *orders: dict) -> dict:
    out = copy.deepcopy(doc)
    out["orders"].extend(copy.deepcopy(list(orders)))
    return out


def with_history(doc: dict, drug: str, outcome: str, **kw: Any) -> dict:
    out = copy.deepcopy(doc)
    out.setdefault("history", []).append({"drug": drug, "outcome": outcome, **kw})
    return out


def with_waiver(doc: dict, rule: str, *, reason: Any = "agreed at the ILD MDT, documented", approved_by: Any = "Dr. R. Okafor", **kw: Any) -> dict:
    """Append a waiver; pass reason=None or approved_by=None to leave the field out."""
    w: dict[str, Any] = {"rule": rule, **kw}
    if reason is not None:
        w["reason"] = reason
    if approved_by is not None:
        w["approved_by"] = approved_by
    out = copy.deepcopy(doc)
    out.setdefault("waivers", []).append(w)
    return out


def progression(doc: dict) -> dict:
    """The same regimen in the progression phase (stated explicitly)."""
    out = copy.deepcopy(doc)
    out["indication"]["phase"] = "progression"
    return out


def rp_ild(doc: dict) -> dict:
    """The same regimen for rapidly progressive ILD."""
    out = copy.deepcopy(doc)
    out["indication"]["rapidly_progressive"] = True
    return out


# ---------------------------------------------------------------------------- linting helpers


def lint(doc: dict, config: Optional[dict] = None):
    result = orderlint.lint(doc, as_of=AS_OF, config=config)
    assert result.status == "checked", (result.status, [(f.code, f.message) for f in result.findings])
    return result


def codes(result) -> list[str]:
    """Codes of every finding, sorted (suppressed ones included)."""
    return sorted(f.code for f in result.findings)


def of(result, code: str) -> list:
    """Findings with ``code`` (suppressed ones included)."""
    return [f for f in result.findings if f.code == code]


def only(result, code: str, n: int = 1) -> list:
    """Assert exactly ``n`` findings with ``code`` and return them."""
    found = of(result, code)
    assert len(found) == n, f"expected {n} x {code}, got {len(found)}: " + repr(
        [(f.code, f.order, f.pointer, f.message) for f in result.findings]
    )
    return found


def none_of(result, code: str) -> None:
    found = of(result, code)
    assert not found, f"{code} should not fire: " + repr([(f.order, f.pointer, f.message) for f in found])


def fires(doc: dict, code: str, config: Optional[dict] = None) -> bool:
    return bool(of(lint(doc, config), code))


def in_order(pointer: str, index: int) -> bool:
    """The pointer designates order ``index`` or a value inside it."""
    base = f"/orders/{index}"
    return pointer == base or pointer.startswith(base + "/")


def generated_documents(seed: int, count: int) -> list[dict]:
    """The JSON objects among the first ``count`` documents of the benchmark generator
    (``benchmarks/generate.py``) for ``seed``: clean, flagged, order-set and invalid regimens."""
    import importlib.util
    import json
    import sys
    from pathlib import Path

    module = sys.modules.get("_bench_generate")
    if module is None:
        path = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
        spec = importlib.util.spec_from_file_location("_bench_generate", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["_bench_generate"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    out = []
    for _, _, text in module.Generator(seed).iter_texts(count):
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out
