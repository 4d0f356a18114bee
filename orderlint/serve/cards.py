"""Findings -> CDS Hooks cards (services.md section 1, Cards).

One card per finding, except that the findings about one order form one card (alert fatigue:
one card per problem order, not one per rule). ``OL008`` notes are never cards: they are listed on
their order's card. ``OL000`` gives one critical card. Suggestions only where the fix is mechanical.
Every value is non-empty; optional members are left out.
"""

from __future__ import annotations

import re
import uuid as _uuid
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Union

from orderlint.findings import SEVERITY_RANK, Finding

if TYPE_CHECKING:
    from orderlint.engine import Linter
    from orderlint.vocabulary import Vocabulary

#: A card (a CDS Hooks Card as JSON) and the codes of the rules it shows.
CardAndCodes = tuple[dict[str, Any], list[str]]

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
NON_ADHERENCE = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
INDICATOR = {"error": "critical", "warning": "warning", "info": "info"}
MAX_SUMMARY = 139  # "under 140 characters"

OVERRIDE_REASONS = (
    ("patient-ineligible", "Patient does not meet eligibility for recommended action"),
    ("action-completed", "Recommended action was already completed"),
    ("risk-benefit-ratio", "Recipient assessment of risk/benefit ratio"),
    ("expert-contradicts", "Advice from expert contradicts the recommended action"),
)

#: Short problem phrases for card summaries; other rules use their name.
PHRASES = {
    "ILD101": "not recommended for SSc-ILD", "ILD102": "started with mycophenolate before progression",
    "ILD103": "IV route not the SSc-ILD formulation", "ILD104": "antimetabolite combination",
    "ILD201": "glucocorticoid as first-line ILD treatment", "ILD202": "glucocorticoid dose above limit",
    "ILD203": "long-term glucocorticoid", "ILD204": "pulse outside rapidly progressive ILD",
    "ILD205": "pulse without an immunosuppressant", "ILD206": "pulse course too long",
    "ILD207": "pulse: review renal crisis risk", "ILD301": "no PCP prophylaxis",
    "ILD302": "no PCP prophylaxis with glucocorticoid", "ILD401": "baseline labs missing",
    "ILD402": "boxed-warning screening missing", "ILD403": "infection screening missing",
    "ILD404": "no pregnancy test", "ILD405": "baseline imaging missing", "ILD406": "no TPMT/NUDT15 test",
    "ILD407": "no G6PD test", "ILD408": "screening result positive", "ILD501": "dose above maximum", "ILD502": "dose below usual range",
    "ILD503": "cyclophosphamide course too long", "OL002": "unknown drug", "OL003": "dose cannot be verified",
    "OL004": "duplicate therapy",
}

# ---------------------------------------------------------------- mechanical fixes
PCP_RULES = frozenset({"ILD301", "ILD302"})
SCREENING_RULES = frozenset({"ILD401", "ILD402", "ILD403", "ILD404", "ILD406", "ILD407"})
DELETE_RULES = frozenset({"ILD101", "ILD201"})
PCP_LABEL = "Add sulfamethoxazole-trimethoprim 800/160 mg three times weekly"

#: Codes used in created orders: the `*` codes of fhir.md section 2.4 (lft and renal: one CMP).
#: test -> (list of (LOINC codes of one ServiceRequest), text)
ORDERABLE = {
    "cbc": ((("58410-2",), "Complete blood count with differential"),),
    "cmp": ((("24323-8",), "Comprehensive metabolic panel"),),
    "urinalysis": ((("24356-8",), "Urinalysis"),),
    "hbv": ((("5196-1",), "Hepatitis B surface antigen"), (("16933-4",), "Hepatitis B core antibody")),
    "hcv": ((("13955-0",), "Hepatitis C antibody"),),
    "tb": ((("71773-6",), "Tuberculosis interferon-gamma release assay"),),
    "pregnancy": ((("2106-3",), "Pregnancy test (hCG)"),),
    "g6pd": ((("2357-2",), "G6PD activity"),),
    "tpmt": (((), "Thiopurine genotype"),),  # code.text only (fhir.md 2.4): the format's test name
}
_FIXED_TEST = {"ILD404": ["pregnancy"], "ILD406": ["tpmt"], "ILD407": ["g6pd"]}
_WITHOUT = re.compile(r"without (?:baseline )?(.+?)(?: screening| testing| \(|$)")


def missing_tests(code: str, message: str, vocab: Optional[Vocabulary] = None) -> Optional[list[str]]:
    """The tests a screening finding says are missing, canonical; None when they cannot be read
    (then no suggestion: one that did not clear the card would loop)."""
    if code in _FIXED_TEST:
        return list(_FIXED_TEST[code])
    m = _WITHOUT.search(message)
    if not m:
        return None
    out: list[str] = []
    for part in m.group(1).split(","):
        name = part.strip()
        if not name:
            return None
        hit = vocab.test(name) if vocab is not None else None
        out.extend(t for t in (hit or (name,)) if t not in out)
    return out or None


def _orderable(tests: Iterable[str]) -> Optional[list[tuple[tuple[str, ...], str]]]:
    items: list[tuple[tuple[str, ...], str]] = []
    need = list(dict.fromkeys(tests))
    if "lft" in need or "renal" in need:
        need = [t for t in need if t not in ("lft", "renal")] + ["cmp"]
    for t in need:
        spec = ORDERABLE.get(t)
        if spec is None:
            return None
        for item in spec:
            if item not in items:
                items.append(item)
    return items


def _new_id() -> str:
    return str(_uuid.uuid4())


def pcp_order(patient: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{patient}"},
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": "10831", "display": "sulfamethoxazole-trimethoprim"}],
            "text": "sulfamethoxazole-trimethoprim 800/160 mg tablet",
        },
        "dosageInstruction": [{
            "text": "1 tablet three times weekly",
            "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "wk"}},
            "route": {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral route"}]},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet", "system": "http://unitsofmeasure.org",
                                              "code": "{tbl}"}}],
        }],
    }


def test_order(codes: tuple[str, ...], text: str, patient: str) -> dict[str, Any]:
    code: dict[str, Any] = {"text": text}
    if codes:
        code["coding"] = [{"system": LOINC, "code": c} for c in codes]
    return {"resourceType": "ServiceRequest", "status": "draft", "intent": "order", "code": code,
            "subject": {"reference": f"Patient/{patient}"}}


# ---------------------------------------------------------------- order names
def order_names(data: dict[str, Any], vocab: Optional[Vocabulary]) -> tuple[dict[str, str], set[str]]:
    """MedicationRequest id -> drug name (the ingredient when known), and the ids of draft orders."""
    names: dict[str, str] = {}
    drafts: set[str] = set()
    ctx = data.get("context") or {}

    def walk(v: Any, draft: bool) -> None:
        if isinstance(v, list):
            for x in v:
                walk(x, draft)
        elif isinstance(v, dict):
            if v.get("resourceType") == "Bundle":
                for e in v.get("entry") or ():
                    if isinstance(e, dict):
                        walk(e.get("resource"), draft)
            elif v.get("resourceType") in ("MedicationRequest", "MedicationStatement") and isinstance(v.get("id"), str):
                rid = v["id"]
                if draft:
                    drafts.add(rid)
                if rid not in names:
                    names[rid] = _drug_name(v, vocab)
            if draft and v.get("resourceType") in ORDER_CONTAINERS:
                # The orders a draft holds (a RequestGroup's, a CarePlan's, one inside an order) are
                # drafts of their own (fhir.md 1, as the mapping reads them): named on their cards.
                for c in contained_of(v):
                    if c.get("resourceType") in ("MedicationRequest", "MedicationStatement") and isinstance(c.get("id"), str):
                        names.setdefault(c["id"], _drug_name(c, vocab))

    walk(ctx.get("draftOrders"), True)
    for v in (data.get("prefetch") or {}).values():
        walk(v, False)
    return names, drafts


def _drug_name(r: dict[str, Any], vocab: Optional[Vocabulary]) -> str:
    found: list[Any] = []
    cc = r.get("medicationCodeableConcept")
    if isinstance(cc, dict):
        found.append(cc.get("text"))
        found.extend(c.get("display") for c in cc.get("coding") or () if isinstance(c, dict))
    ref = r.get("medicationReference")
    if isinstance(ref, dict):
        found.append(ref.get("display"))
    texts = [t.strip() for t in found if isinstance(t, str) and t.strip()]
    for t in texts:
        name = _named(t, vocab)
        if name is not None:
            return name
    return _cut(texts[0], _NAME_MAX) if texts else _NO_NAME


_NO_NAME = "Medication order"  # the summary's drug when nothing names it
_NAME_MAX = 60  # a drug name's share of a summary


def _named(text: str, vocab: Optional[Vocabulary]) -> Optional[str]:
    """The ingredient ``text`` names, or None."""
    try:
        d = vocab.resolve(text).drug if vocab is not None else None
    except Exception:  # a vocabulary fault never costs the card
        d = None
    return d.name if d is not None else None


# ---------------------------------------------------------------- cards
class CardBuilder:
    def __init__(self, linter: Linter, docs_url: Optional[str] = None) -> None:
        self.linter = linter
        self.docs_url = docs_url
        self.reasons = [{"system": NON_ADHERENCE, "code": c, "display": d} for c, d in OVERRIDE_REASONS]

    def link(self, code: str) -> Optional[str]:
        """The rule's help link (interfaces.md, Links): the site's docs-url, else its primary source;
        None when that is not an absolute URL (a core rule's "docs/rules.md#ol002"): CDS Hooks
        Source.url is absolute, so a path in the project is left out, as SARIF's helpUri is."""
        uri = self.linter.by_code[code].help_uri(self.docs_url)
        return uri if uri.startswith(("https://", "http://")) else None

    def source(self, code: str) -> dict[str, str]:
        src = {"label": f"orderlint {code}"}
        url = self.link(code)
        if url is not None:
            src["url"] = url
        return src

    def cards(self, findings: list[Finding], data: dict[str, Any], patient: str,
              drugs: Optional[Mapping[str, str]] = None) -> list[CardAndCodes]:
        """-> [(card, rule codes)] for one result's findings. ``drugs``: order id -> the drug the
        mapping read it as (FhirResult.drugs), for an order its resource names no drug in text (a
        Medication reference, a draft without an id)."""
        names, drafts = order_names(data, self.linter.vocab)
        for oid, text in (drugs or {}).items():
            if names.get(oid, _NO_NAME) == _NO_NAME:
                names[oid] = _named(text, self.linter.vocab) or _cut(text, _NAME_MAX)
        notes: dict[Optional[str], list[Finding]] = {}
        groups: dict[Union[str, tuple[str, int]], list[Finding]] = {}
        crashed: list[Finding] = []
        for i, f in enumerate(findings):
            order = _base_id(f.order)
            if f.code == "OL008":
                notes.setdefault(order, []).append(f)
            elif f.code == "OL000":
                crashed.append(f)
            else:
                groups.setdefault(order if order is not None else ("finding", i), []).append(f)
        out: list[CardAndCodes] = []
        if crashed:
            out.append(self._crash_card(crashed))
        for key, fs in groups.items():
            order = key if isinstance(key, str) else None
            extra = notes.get(order, []) + (notes.get(None, []) if order is not None else [])
            out.append(self._card(fs, order, names, drafts, extra, patient, data))
        out.sort(key=lambda c: -SEVERITY_RANK.get(_sev_of(c[0]["indicator"]), 0))
        return out

    def _crash_card(self, fs: list[Finding]) -> CardAndCodes:
        detail = ["orderlint could not check these orders; review them without it.", ""]
        detail += [f"- **OL000** {_md(f.message)}" for f in fs]
        return ({
            "uuid": _new_id(),
            "summary": "orderlint could not check these orders; review them without it",
            "detail": "\n".join(detail),
            "indicator": "critical",
            "source": self.source("OL000"),
            "overrideReasons": self.reasons,
        }, ["OL000"])

    def unchecked_card(self, notes: list[Finding]) -> CardAndCodes:
        """The one card of a request whose orders raised none but were checked without data the
        checks need (a prefetch key of the default required set that was neither provided nor
        fetched): said, never an empty answer that reads as 'nothing found'."""
        detail = ["orderlint checked these orders without some of the patient's data; a finding that needs it "
                  "may be missing. Review them with it.", "", "**Data orderlint could not read**", ""]
        detail += [f"- {m}" for m in dict.fromkeys(_md(n.message) for n in notes)]
        return ({
            "uuid": _new_id(),
            "summary": "Orders not checked against all of the patient's data",
            "detail": "\n".join(detail),
            "indicator": "info",
            "source": self.source("OL008"),
            "overrideReasons": self.reasons,
        }, ["OL008"])

    def _card(self, fs: list[Finding], order: Optional[str], names: dict[str, str], drafts: set[str],
              notes: list[Finding], patient: str, data: Optional[dict[str, Any]] = None) -> CardAndCodes:
        fs = sorted(fs, key=lambda f: (-SEVERITY_RANK[f.severity], f.code))
        top = fs[0]
        codes = list(dict.fromkeys(f.code for f in fs))
        drug = names.get(order) if order is not None else None
        if order is not None:
            head = f"{_cap(drug or order)}: {PHRASES.get(top.code, top.name.replace('-', ' '))}"
        else:
            head = _cap(top.message)
        if len(fs) > 1:
            head += f" (+{len(fs) - 1} more issue{'s' if len(fs) > 2 else ''})"
        card: dict[str, Any] = {
            "uuid": _new_id(),
            "summary": _cut(head),
            "detail": self._detail(fs, notes),
            "indicator": INDICATOR[top.severity],
            "source": self.source(top.code),
        }
        sugg = self._suggestions(fs, order, drafts, patient, data)
        if sugg:
            card["suggestions"] = sugg
            card["selectionBehavior"] = "at-most-one"
        card["overrideReasons"] = self.reasons
        return card, codes

    def _detail(self, fs: list[Finding], notes: list[Finding]) -> str:
        parts = []
        for f in fs:
            rule = self.linter.by_code.get(f.code)
            lines = [f"**{f.code} {f.name}** ({f.severity})", "", _md(f.message)]
            if f.fix:
                lines += ["", f"Fix: {_md(f.fix)}"]
            if rule is not None:
                lines += ["", f"Source: {_md(rule.source.text())}"]
            url = self.link(f.code)
            if url is not None:
                lines += ["", f"[{f.code} rule documentation]({url})"]
            parts.append("\n".join(lines))
        if notes:
            seen = list(dict.fromkeys(_md(n.message) for n in notes))
            parts.append("\n".join(["**Data orderlint could not read**", ""] + [f"- {m}" for m in seen]))
        return "\n\n---\n\n".join(parts)

    def _suggestions(self, fs: list[Finding], order: Optional[str], drafts: set[str], patient: str,
                     data: Optional[dict[str, Any]] = None) -> list[dict[str, Any]]:
        creates: list[dict[str, Any]] = []
        create_fixes: list[Finding] = []
        labels: list[str] = []
        if any(f.code in PCP_RULES for f in fs):
            creates.append({"type": "create", "description": PCP_LABEL, "resource": pcp_order(patient)})
            create_fixes += [f for f in fs if f.code in PCP_RULES]
            labels.append(PCP_LABEL)
        tests: list[str] = []
        readable = True
        for f in fs:
            if f.code in SCREENING_RULES:
                t = missing_tests(f.code, f.message, self.linter.vocab)
                if t is None or _orderable(t) is None:
                    readable = False
                    break
                tests += [x for x in t if x not in tests]
        if tests and readable:
            items = _orderable(tests) or []
            for codes, text in items:
                creates.append({"type": "create", "description": f"Order {text}", "resource": test_order(codes, text, patient)})
            create_fixes += [f for f in fs if f.code in SCREENING_RULES]
            labels.append("Order " + ", ".join(text for _, text in items))
        out: list[tuple[dict[str, Any], list[Finding]]] = []  # (suggestion, the findings it fixes)
        if creates:
            out.append(({"uuid": _new_id(), "label": _cut("; ".join(labels), 139), "actions": creates}, create_fixes))
        if order is not None and data is not None and any(f.code in DELETE_RULES for f in fs):
            actions = removal(data, order, [f.pointer for f in fs if f.code in DELETE_RULES])
            if actions:
                out.append(({"uuid": _new_id(), "label": "Remove this draft order", "actions": actions},
                            fs))  # removing the order clears every finding about it
        if not out:
            return []
        best = max(range(len(out)), key=lambda i: (max(SEVERITY_RANK[f.severity] for f in out[i][1]), len(out[i][1]), -i))
        out[best][0]["isRecommended"] = True
        return [s for s, _ in out]


#: Draft resources whose contained medication orders are draft orders (as the mapping reads them).
ORDER_CONTAINERS = frozenset({"RequestGroup", "RequestOrchestration", "CarePlan", "MedicationRequest", "MedicationStatement"})
MEDICATION_ORDERS = ("MedicationRequest", "MedicationStatement")
_DRAFT_POINTER = re.compile(r"^/context/draftOrders/entry/(\d+)/resource((?:/contained/\d+)*)(?=/|$)")
_GROUPS = frozenset({"RequestGroup", "RequestOrchestration", "CarePlan"})
#: Where an order may be named in a draft that holds or groups it: dropped with it.
_LOCAL_REFS = {"RequestGroup": ("action",), "RequestOrchestration": ("action",), "CarePlan": ("activity",),
               "MedicationRequest": ("basedOn", "priorPrescription"), "MedicationStatement": ("basedOn", "partOf")}


def contained_of(r: dict[str, Any]) -> list[dict[str, Any]]:
    v = r.get("contained")
    return [c for c in (v if isinstance(v, list) else [v]) if isinstance(c, dict)]


def locate_draft(data: dict[str, Any], order: str, pointer: Optional[str]) -> Optional[tuple[int, tuple[int, ...]]]:
    """(entry index, contained indices) of the draft MedicationRequest (or MedicationStatement) ``order``
    that a finding's FHIR ``pointer`` lies in: a top-level draft order ``(n, ())``, or one its
    container holds ``(n, (k,))``; None when the pointer is in no draft order of that id."""
    m = _DRAFT_POINTER.match(pointer or "")
    if not m:
        return None
    bundle = (data.get("context") or {}).get("draftOrders")
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    n = int(m.group(1))
    if not isinstance(entries, list) or n >= len(entries) or not isinstance(entries[n], dict):
        return None
    path = [int(k) for k in m.group(2).split("/contained/")[1:]]
    chain: list[Any] = [entries[n].get("resource")]
    for k in path:
        v = chain[-1].get("contained") if isinstance(chain[-1], dict) else None
        chain.append(v[k] if isinstance(v, list) and k < len(v) else None)
    for depth in range(len(chain) - 1, -1, -1):  # the innermost order of that id (not a contained Medication)
        r = chain[depth]
        if isinstance(r, dict) and r.get("resourceType") in MEDICATION_ORDERS and r.get("id") == order:
            return n, tuple(path[:depth])
    return None


def removal(data: dict[str, Any], order: str, pointers: list[str]) -> Optional[list[dict[str, Any]]]:
    """The actions that remove the draft order ``order`` the findings at ``pointers`` are about
    (services.md: "Remove this draft order"), or None when it cannot be said exactly.

    A top-level draft: `delete` of `<type>/<id>`, and an `update` of each draft group whose actions
    or activities name it, without them (else the changed draft orders sent back hold a group naming
    an order that is not in the request: not valid). An order a draft holds (contained in a
    RequestGroup, CarePlan or another order) has no id of its own outside its container (FHIR R4
    References: contained resources), so a delete of `MedicationRequest/<id>` could remove another
    resource of that id; it is removed through its container: `update` of the container without it
    (and without the references that name it). A group left holding nothing is deleted. Findings
    that lie in two different orders of one id, an order held deeper than one level, or an update
    that would echo an empty value: no suggestion."""
    places = {x for x in (locate_draft(data, order, p) for p in pointers) if x is not None}
    if not places:  # findings placed elsewhere (the regimen): the one draft order of that id, if one
        places = {(n, path) for n, path, rid in _draft_orders_of(data) if rid == order}
    if len(places) != 1:
        return None
    ((n, path),) = places
    entries = data["context"]["draftOrders"]["entry"]
    top = entries[n]["resource"]
    rt, rid = top.get("resourceType"), top.get("id")
    if not isinstance(rid, str) or not rid.strip() or not isinstance(rt, str) or len(path) > 1:
        return None
    if path:
        cid = top["contained"][path[0]].get("id")
        local = f"#{cid}" if isinstance(cid, str) else None
        one = _without(top, lambda ref: ref == local, path[0])
        return [one] if one else None
    name = f"{rt}/{rid}"
    full = entries[n].get("fullUrl")

    def named(ref: str) -> bool:
        ref = ref.split("/_history/", 1)[0]
        return ref == name or ref == full or ref.endswith("/" + name)

    actions: list[dict[str, Any]] = [{"type": "delete", "description": "Remove this draft order", "resourceId": name}]
    for m, e in enumerate(entries):
        g = e.get("resource") if isinstance(e, dict) else None
        if m == n or not isinstance(g, dict) or g.get("resourceType") not in _GROUPS:
            continue
        one = _without(g, named)
        if one is False:
            return None
        if one:
            actions.append(one)
    return actions


def _without(r: dict[str, Any], named: Any, drop: Optional[int] = None) -> Any:
    """The action that takes out of the draft ``r`` its contained resource at index ``drop`` and the
    actions, activities or references that ``named`` (reference string -> bool) picks: an `update`
    of ``r`` without them, a `delete` of a group left holding nothing; None when nothing is taken
    out; False when the update would echo an empty value (none may be empty in a response)."""
    import copy

    rt, rid = r.get("resourceType"), r.get("id")
    if not isinstance(rid, str) or not rid.strip():
        return False
    kept = copy.deepcopy(r)
    changed = drop is not None
    gone = kept["contained"].pop(drop) if drop is not None else None
    for key in _LOCAL_REFS.get(str(rt), ()):
        if key in kept:
            v = _without_ref(kept[key], named, key)
            if v != (kept[key] if isinstance(kept[key], list) else [kept[key]]):
                changed = True
                if v:
                    kept[key] = v
                else:
                    del kept[key]
    if gone is not None:
        # What only the removed order named (its Medication) goes with it: FHIR R4 dom-3, a
        # contained resource SHALL be referenced from elsewhere in the resource.
        import json

        said = json.dumps(gone)
        for c in list(kept["contained"]):
            cid = c.get("id") if isinstance(c, dict) else None
            if isinstance(cid, str) and f'"#{cid}"' in said and f'"#{cid}"' not in json.dumps(kept):
                kept["contained"].remove(c)
        if not kept["contained"]:
            del kept["contained"]
    if not changed:
        return None
    if rt in _GROUPS and not any(k in kept for k in ("contained", "action", "activity")):
        return {"type": "delete", "description": f"Remove this draft order (its {rt} holds no other)",
                "resourceId": f"{rt}/{rid}"}
    if _has_empty(kept):
        return False
    return {"type": "update", "description": f"Remove this draft order from {rt} {rid}", "resource": kept}


def _draft_orders_of(data: dict[str, Any]) -> list[tuple[int, tuple[int, ...], Any]]:
    """(entry index, contained indices, id) of each draft medication order, top-level or held one level in."""
    bundle = (data.get("context") or {}).get("draftOrders")
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    out: list[tuple[int, tuple[int, ...], Any]] = []
    for n, e in enumerate(entries if isinstance(entries, list) else ()):
        r = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(r, dict):
            continue
        if r.get("resourceType") in MEDICATION_ORDERS:
            out.append((n, (), r.get("id")))
        if r.get("resourceType") in ORDER_CONTAINERS and isinstance(r.get("contained"), list):
            for k, c in enumerate(r["contained"]):
                if isinstance(c, dict) and c.get("resourceType") in MEDICATION_ORDERS:
                    out.append((n, (k,), c.get("id")))
    return out


#: Where an action or an activity names an order.
_REF_FIELDS = ("resource", "reference", "plannedActivityReference")


def group_refs(r: dict[str, Any]) -> list[str]:
    """The references a draft order set (RequestGroup, RequestOrchestration, CarePlan) makes to the
    orders it groups: its actions', at any depth, or its activities' (the places _without_ref drops)."""
    if r.get("resourceType") not in _GROUPS:
        return []
    key = _LOCAL_REFS[r["resourceType"]][0]
    out: list[str] = []
    todo = list(_items(r.get(key)))
    while todo:
        it = todo.pop()
        if not isinstance(it, dict):
            continue
        for f in _REF_FIELDS:
            ref = it.get(f)
            if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
                out.append(ref["reference"].strip())
        if key == "action" and "action" in it:
            todo.extend(_items(it["action"]))
    return out


def _items(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _without_ref(v: Any, named: Any, key: str) -> list[Any]:
    """``v`` (an array of actions, activities or References) without the items whose reference
    ``named`` picks."""
    def picked(ref: Any) -> bool:
        return isinstance(ref, dict) and isinstance(ref.get("reference"), str) and bool(named(ref["reference"].strip()))

    out = []
    for it in (v if isinstance(v, list) else [v]):
        if not isinstance(it, dict):
            out.append(it)
            continue
        if key in ("action", "activity"):
            if any(picked(it.get(f)) for f in _REF_FIELDS):
                continue
            if key == "action" and "action" in it:
                sub = _without_ref(it["action"], named, key)
                if sub != (it["action"] if isinstance(it["action"], list) else [it["action"]]):
                    it = dict(it)
                    if sub:
                        it["action"] = sub
                    else:
                        del it["action"]
                        if not any(k in it for k in ("resource", "definitionCanonical", "definitionUri")):
                            continue  # a heading of nothing left
        elif picked(it):
            continue
        out.append(it)
    return out


def _has_empty(v: Any) -> bool:
    if v is None or v == "" or v == [] or v == {}:
        return True
    if isinstance(v, dict):
        return any(_has_empty(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_empty(x) for x in v)
    return False


def _base_id(order: Optional[str]) -> Optional[str]:
    if order is None:
        return None
    s = str(order)
    return s.split("#", 1)[0] if "#" in s else s


def _sev_of(indicator: str) -> str:
    return {"critical": "error", "warning": "warning", "info": "info"}[indicator]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _cut(text: str, limit: int = MAX_SUMMARY) -> str:
    """One line under ``limit`` + 1 characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


def _md(text: str) -> str:
    # Values from the request appear in messages: keep them from becoming markup or links.
    # (">" only matters at the start of a line, where it would open a quotation.)
    out = re.sub(r"([\\`*_\[\]<])", r"\\\1", " ".join(str(text).split()))
    return "\\" + out if out.startswith(">") else out
