"""Latency of `orderlint serve` order-sign over HTTP (services.md section 1, Latency).

Starts the service the way `orderlint serve` does (``orderlint.serve.run`` on uvicorn, loopback, in
a subprocess), then sends N order-sign requests with full prefetch, one at a time on one keep-alive
connection, for a 1-order and a 10-order request, and prints p50 and p99 in milliseconds. Target:
p99 under 50 ms for 10 orders. Nothing asserts: a FAIL is a measurement; the script exits 0.

    python benchmarks/serve_latency.py            # N = 300 per size, after 30 warm-up requests
    python benchmarks/serve_latency.py -n 100 --json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_P99_MS = 50.0
AS_OF = "2026-03-02"
TESTS = ["58410-2", "24323-8", "24356-8", "5196-1", "16933-4", "13955-0", "71773-6", "2106-3", "2357-2",
         "24627-2", "19868-9"]  # fhir.md 2.4 codes: every baseline test on file
DRUGS = [  # (text, dose, UCUM code, SNOMED route, frequency, period, periodUnit)
    ("cyclophosphamide", 600, "mg/m2", "47625008", 1, 4, "wk"),
    ("mycophenolate mofetil", 1000, "mg", "26643006", 2, 1, "d"),
    ("prednisone", 10, "mg", "26643006", 1, 1, "d"),
    ("rituximab", 1000, "mg", "47625008", 1, 2, "wk"),
    ("azathioprine", 100, "mg", "26643006", 1, 1, "d"),
    ("nintedanib", 150, "mg", "26643006", 2, 1, "d"),
    ("methylprednisolone", 8, "mg", "26643006", 1, 1, "d"),
    ("tocilizumab", 162, "mg", "34206005", 1, 1, "wk"),
    ("atovaquone", 1500, "mg", "26643006", 1, 1, "d"),
    ("methotrexate", 15, "mg", "26643006", 1, 1, "wk"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _med(i: int, spec: tuple) -> dict:
    text, dose, unit, route, freq, period, pu = spec
    return {"resourceType": "MedicationRequest", "id": f"m{i}", "status": "draft", "intent": "order",
            "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": text},
            "dosageInstruction": [{"timing": {"repeat": {"frequency": freq, "period": period, "periodUnit": pu}},
                                   "route": {"coding": [{"system": "http://snomed.info/sct", "code": route}]},
                                   "doseAndRate": [{"doseQuantity": {"value": dose, "system": "http://unitsofmeasure.org",
                                                                     "code": unit}}]}]}


def _bundle(resources: list) -> dict:
    b: dict = {"resourceType": "Bundle", "type": "searchset"}
    if resources:
        b["entry"] = [{"resource": r} for r in resources]
    return b


def make_request(n_orders: int) -> bytes:
    obs = [{"resourceType": "Observation", "id": f"o{i}", "status": "final", "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": c}]}, "effectiveDateTime": "2026-02-20"}
           for i, c in enumerate(TESTS)]
    obs.append({"resourceType": "Observation", "id": "w", "status": "final", "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                "valueQuantity": {"value": 70, "system": "http://unitsofmeasure.org", "code": "kg"},
                "effectiveDateTime": "2026-02-20"})
    cond = [{"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"},
             "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
             "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]}}
            for cid, code in (("ssc", "89155008"), ("ild", "233703007"))]
    req = {
        "hookInstance": "bench", "hook": "order-sign", "fhirServer": "https://ehr.example.org/fhir",
        "extension": {"orderlint-as-of": AS_OF},
        "context": {"userId": "Practitioner/1", "patientId": "p1",
                    "draftOrders": _bundle([_med(i, DRUGS[i % len(DRUGS)]) for i in range(n_orders)])},
        "prefetch": {"patient": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1970-01-01"},
                     "activeMeds": _bundle([]), "observations": _bundle(obs), "conditions": _bundle(cond),
                     "medicationStatements": _bundle([])},
    }
    return json.dumps(req).encode()


def _pct(xs: list, q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * len(xs) + 0.5)) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300, help="requests per size (1-5000; default 300)")
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    args = ap.parse_args()
    n = max(1, min(args.n, 5000))
    import httpx

    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="orderlint-serve-bench-")
    code = ("import logging; from orderlint.serve import run; "
            f"run('127.0.0.1', {port}, settings={{'feedback-db': {os.path.join(tmp, 'fb.sqlite3')!r}, "
            "'allow-as-of': True}, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10, headers={"content-type": "application/json"}) as c:
            for orders in (1, 10):
                body = make_request(orders)
                for _ in range(args.warmup):
                    c.post("/cds-services/orderlint-order-sign", content=body)
                times = []
                cards = 0
                for _ in range(n):
                    t0 = time.perf_counter()
                    r = c.post("/cds-services/orderlint-order-sign", content=body)
                    times.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        print(f"unexpected status {r.status_code}: {r.text[:200]}", file=sys.stderr)
                        return 1
                    cards = len(r.json()["cards"])
                rows.append({"orders": orders, "n": n, "cards": cards, "p50_ms": round(statistics.median(times), 2),
                             "p99_ms": round(_pct(times, 0.99), 2), "max_ms": round(max(times), 2)})
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"{'request':<22}{'n':>6}{'cards':>7}{'p50 ms':>9}{'p99 ms':>9}  target p99 < {TARGET_P99_MS:g} ms (10 orders)")
    for r in rows:
        verdict = ("PASS" if r["p99_ms"] < TARGET_P99_MS else "FAIL") if r["orders"] == 10 else ""
        print(f"order-sign {r['orders']:>2} order{'s' if r['orders'] > 1 else ' '}     {r['n']:>6}{r['cards']:>7}"
              f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}  {verdict}")
    if args.json:
        print(json.dumps({"target_p99_ms": TARGET_P99_MS, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
