"""Write FHIR R4 twins of native examples (examples/regimens/<CODE>-fires|clean.*) as fhir.md maps them.

Each native example becomes `<stem>.bundle.json` (a `collection` Bundle) and `<stem>.cds-hooks.json`
(an `order-sign` request: new orders in `context.draftOrders`, everything on file in `prefetch`).
Run by hand (`python examples/fhir/make_examples.py STEM...`); the JSON files are committed, and
expected.toml is written by hand after each file's findings are checked against the native `x-expect`.
Codes come only from the shipped value sets (orderlint/fhir/valuesets.json): an RxNorm coding is added
only where that list has a V/V2 code for the ingredient named; other drugs go by name (`text`).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
NATIVE = HERE.parent / "regimens"
VALUESETS = json.loads((HERE.parents[1] / "orderlint" / "fhir" / "valuesets.json").read_text(encoding="utf-8"))

NS = "https://orderlint.dev/fhir/StructureDefinition/"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

RX = {x["maps_to"]: x["code"] for x in VALUESETS["rxnorm"] if x["tag"] in ("V", "V2") and x["display"] == x["maps_to"]}
ROUTES = {"oral": ("26643006", "Oral route"), "iv": ("47625008", "Intravenous route"),
          "sc": ("34206005", "Subcutaneous route"), "im": ("78421000", "Intramuscular route"),
          "inhaled": ("447694001", "Respiratory tract route"), "topical": ("6064005", "Topical route")}
UNITS = {"mg": "mg", "g": "g", "mg/kg": "mg/kg", "mg/m2": "mg/m2", "tablet": "{tbl}"}
FREQ = {"daily": (1, 1, "d"), "bid": (2, 1, "d"), "tid": (3, 1, "d"), "qid": (4, 1, "d"), "qod": (1, 2, "d"),
        "weekly": (1, 1, "wk"), "tiw": (3, 1, "wk"), "q2w": (1, 2, "wk"), "q4w": (1, 4, "wk"),
        "monthly": (1, 1, "mo")}
# The first V2 LOINC code of each screening test in fhir.md 2.4 (a `*` code where there is one).
TESTS = {"cbc": ("58410-2", "CBC panel"), "cmp": ("24323-8", "Comprehensive metabolic panel"),
         "lft": ("1920-8", "AST"), "renal": ("24362-6", "Renal function panel"),
         "urinalysis": ("24356-8", "Urinalysis complete panel"), "hbv": ("5196-1", "Hepatitis B surface Ag"),
         "hcv": ("13955-0", "Hepatitis C virus Ab"), "tb": ("71773-6", "Tuberculosis interferon gamma release assay"),
         "pregnancy": ("2106-3", "Choriogonadotropin (pregnancy test)"), "g6pd": ("2357-2", "G6PD"),
         "hrct": ("24627-2", "CT Chest"), "pft": ("19868-9", "FVC")}
ALIASES = {"hepatic panel": "lft", "hbsag": "hbv", "hepatitis b serology": "hbv", "beta-hcg": "pregnancy",
           "pulmonary function tests": "pft", "quantiferon": "tb"}
RESULTS = {"negative": "NEG", "positive": "POS", "normal": "N", "abnormal": "A"}
STATUS = {"new": "draft", "active": "active", "on-hold": "on-hold", "stopped": "stopped"}
DAYS = {"d": 1, "wk": 7, "mo": 30}


def codeable(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def medication(name):
    concept = {"text": name}
    if name.lower() in RX:
        concept["coding"] = [{"system": RXNORM, "code": RX[name.lower()], "display": name.lower()}]
    return concept


def quantity(value, code):
    return {"value": value, "unit": code, "system": UCUM, "code": code}


def request(o, pid, as_of):
    dosage = {"text": f"{o['drug']} {o['dose']} {o['unit']}"}
    rep = {}
    if o.get("frequency"):
        f, p, u = FREQ[o["frequency"]]
        rep.update(frequency=f, period=p, periodUnit=u)
    dur = o.get("duration")
    if o.get("start"):
        bp = {"start": o["start"]}
        if dur:
            end = dt.date.fromisoformat(o["start"]) + dt.timedelta(days=dur["value"] * DAYS[dur["unit"]])
            bp["end"] = end.isoformat()
        rep["boundsPeriod"] = bp
    elif dur:
        rep["boundsDuration"] = quantity(dur["value"], dur["unit"])
    if o.get("doses"):
        rep["count"] = o["doses"]
    dosage["timing"] = {"repeat": rep}
    code, disp = ROUTES[o["route"]]
    dosage["route"] = {"coding": [{"system": SNOMED, "code": code, "display": disp}]}
    dosage["doseAndRate"] = [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/dose-rate-type",
                                                   "code": "ordered"}]},
                              "doseQuantity": quantity(o["dose"], UNITS[o["unit"]])}]
    mr = {"resourceType": "MedicationRequest", "id": o["id"], "status": STATUS[o.get("status", "new")],
          "intent": "order"}
    if o.get("strength"):
        s = o["strength"]
        mr["contained"] = [{"resourceType": "Medication", "id": "med", "code": medication(o["drug"]),
                            "ingredient": [{"itemCodeableConcept": medication(o["drug"]),
                                            "strength": {"numerator": quantity(s["value"], s["unit"]),
                                                         "denominator": quantity(1, "{tbl}")}}]}]
        mr["medicationReference"] = {"reference": "#med"}
    else:
        mr["medicationCodeableConcept"] = medication(o["drug"])
    if o.get("purpose") == "other":
        # fhir.md 2.1: a coded reason that is not SSc or ILD makes the purpose `other`.
        mr["reasonCode"] = [{"coding": [{"system": "https://example.org/fhir/CodeSystem/local-reasons",
                                         "code": "inflammatory-arthritis"}], "text": "inflammatory arthritis"}]
    mr.update(subject={"reference": f"Patient/{pid}"}, authoredOn=o.get("start", as_of), dosageInstruction=[dosage])
    return mr


def convert(doc, pid):
    as_of = doc["as_of"]
    ind = doc["indication"]
    p = doc["patient"]
    birth = dt.date.fromisoformat(as_of).year - p["age_years"]
    patient = {"resourceType": "Patient", "id": pid, "gender": p["sex"], "birthDate": f"{birth}-01-15"}
    active = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}
    confirmed = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                             "code": "confirmed"}]}
    ssc = {"resourceType": "Condition", "id": "ssc", "subject": {"reference": f"Patient/{pid}"},
           "clinicalStatus": active, "verificationStatus": confirmed,
           "code": codeable(SNOMED, "89155008", "Systemic sclerosis")}
    ext = []
    if "phase" in ind:
        ext.append({"url": NS + "ild-phase", "valueCode": ind["phase"]})
    if "rapidly_progressive" in ind:
        ext.append({"url": NS + "rapidly-progressive", "valueBoolean": ind["rapidly_progressive"]})
    if ext:
        ssc["extension"] = ext
    ild = {"resourceType": "Condition", "id": "ild", "subject": {"reference": f"Patient/{pid}"},
           "clinicalStatus": active, "verificationStatus": confirmed,
           "code": codeable(SNOMED, "233703007", "Interstitial lung disease")}
    conditions = [ssc, ild]
    obs = []
    for rid, loinc, disp, value, unit in (("wt", "29463-7", "Body weight", p.get("weight_kg"), "kg"),
                                           ("ht", "8302-2", "Body height", p.get("height_cm"), "cm")):
        if value is not None:
            obs.append({"resourceType": "Observation", "id": rid, "status": "final",
                        "subject": {"reference": f"Patient/{pid}"}, "code": codeable(LOINC, loinc, disp),
                        "effectiveDateTime": "2026-02-20", "valueQuantity": quantity(value, unit)})
    drafts = []
    taken: dict[str, int] = {}  # a test named twice (two results) gets ids of its own: name, name-2, ...
    for t in doc.get("tests", []):
        name = ALIASES.get(t["test"].lower(), t["test"].lower())
        taken[name] = taken.get(name, 0) + 1
        rid = name if taken[name] == 1 else f"{name}-{taken[name]}"
        # fhir.md 2.4: TPMT has no V/V2 code, so it goes by name (`code.text`) only.
        concept = {"text": "TPMT"} if name == "tpmt" else codeable(LOINC, *TESTS[name])
        if t["status"] == "ordered":
            drafts.append({"resourceType": "ServiceRequest", "id": f"{rid}-order", "status": "draft", "intent": "order",
                           "subject": {"reference": f"Patient/{pid}"}, "code": concept, "authoredOn": as_of})
            continue
        kind = "DiagnosticReport" if name == "hrct" else "Observation"
        r = {"resourceType": kind, "id": rid, "status": "final", "subject": {"reference": f"Patient/{pid}"},
             "code": concept, "effectiveDateTime": t["date"]}
        if t.get("result") in RESULTS and kind == "Observation":
            r["interpretation"] = [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                "code": RESULTS[t["result"]]}]}]
        obs.append(r)
    meds = []
    for n, h in enumerate(doc.get("history", []), 1):
        period = {"start": h["start"]}
        if h.get("end"):
            period["end"] = h["end"]
        meds.append({"resourceType": "MedicationStatement", "id": f"history-{n}", "status": "completed",
                     "medicationCodeableConcept": medication(h["drug"]), "subject": {"reference": f"Patient/{pid}"},
                     "effectivePeriod": period,
                     "extension": [{"url": NS + "ild-outcome", "valueCode": h.get("outcome", "unknown")}]})
    for o in doc["orders"]:
        mr = request(o, pid, as_of)
        (drafts if mr["status"] == "draft" else meds).append(mr)
    return patient, conditions, obs, meds, drafts


def entries(stem, resources, start=0):
    return [{"fullUrl": f"urn:uuid:{stem.lower()}-{start + i}", "resource": r} for i, r in enumerate(resources)]


def write(stem):
    (src,) = [p for p in NATIVE.glob(f"{stem}.*") if p.suffix in (".json", ".yaml")]
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    doc = json.loads(json.dumps(doc, default=str))  # YAML dates back to ISO strings
    pid = "ssc-" + stem.lower()
    patient, conditions, obs, meds, drafts = convert(doc, pid)
    order = [patient, *conditions, *obs, *meds, *drafts]
    bundle = {"resourceType": "Bundle", "id": stem.lower(), "type": "collection", "entry": entries(stem, order)}
    (HERE / f"{stem}.bundle.json").write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")

    def searchset(rs, start):
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries(stem, rs, start)} if rs else None

    n = 1
    prefetch = {"patient": patient}
    for key, rs in (("conditions", conditions), ("observations", obs), ("medications", meds)):
        prefetch[key] = searchset(rs, n)
        n += len(rs)
    hook = {"hookInstance": f"{stem.lower()}-0001", "hook": "order-sign", "fhirServer": "https://ehr.example.org/fhir",
            "context": {"userId": "Practitioner/rheum-1", "patientId": pid,
                        "draftOrders": searchset(drafts, n)},
            "prefetch": prefetch}
    (HERE / f"{stem}.cds-hooks.json").write_text(json.dumps(hook, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for stem in sys.argv[1:]:
        write(stem)
