"""FHIR R4 JSON -> regimen documents (fhir.md sections 1-3), leniently, with no extra package.

``map_fhir`` is pure: it reads an already-parsed JSON value and returns one :class:`Mapped` per
patient. Nothing that is missing or cannot be mapped invalidates the document: it is left out of
the regimen and recorded as a note (``OL008`` later), and every value keeps the JSON Pointer of its
FHIR source element in ``origin`` so that findings can be reported in the original document.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Optional, Sequence, TypeGuard

from orderlint.fhir.r4 import ORDER_CARRIERS, OTHER_VERSION_TYPES, R4_TYPES
from orderlint.fhir.valuesets import Entry, canonical_system
from orderlint.fhir.valuesets import load as _valuesets
from orderlint.reader import escape_token

if TYPE_CHECKING:
    from orderlint.vocabulary import Drug, Vocabulary

DEFAULT_NAMESPACE = "https://orderlint.dev/fhir"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


#: Order types of earlier FHIR versions: inside a Bundle they are skipped with a note.
OLD_REQUEST_TYPES = frozenset({"MedicationOrder", "MedicationPrescription", "ProcedureRequest", "DiagnosticOrder",
                               "ReferralRequest", "DeviceUseRequest", "Order"})

_MR_STATUS = {"draft": "new", "active": "active", "on-hold": "on-hold", "stopped": "stopped"}
# Request intents that authorize nothing yet (R4 RequestIntent): a suggestion (proposal) or an
# intention (plan). Not dropped (a risk is judged as if given), but never counted as done or given
# for a protection or a screening.
_NOT_YET_ORDERED = frozenset({"proposal", "plan"})
_US_CORE_BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
#: The R4 MedicationRequest intent codes (medicationrequest-intent).
_MR_INTENTS = frozenset({"proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
                         "instance-order", "option"})
#: The R4 ServiceRequest intent codes (request-intent).
_SR_INTENTS = _MR_INTENTS | {"directive"}
_MS_STATUS = {"active": "active", "on-hold": "on-hold", "unknown": "active"}
_OBS_DONE = frozenset({"final", "amended", "corrected"})
_OUTCOMES = frozenset({"progression", "intolerance", "response", "stable", "unknown"})
#: Words that name SSc or ILD in a reason whose code the value set does not know (fhir.md 2.1, Purpose,
#: read with section 3: an unmappable value never vanishes).
_SSC_ILD_WORDS = re.compile(r"\b(?:SSc|ILD|CREST|NSIP|UIP|SSc-ILD)\b|interstiti|scl[eé]roderm|skleroderm|escleroderm"
                            r"|systemic\s+sclerosis|(?:pulmonary|lung)\s+fibros|fibrosing|alveolitis|lung\s+involvement",
                            re.IGNORECASE)
#: A Condition's words, read when none of its codes places it (a code the value set does not list,
#: or text only): SSc; ILD; and lung disease or involvement, which with SSc words in one text is
#: SSc-ILD (SNOMED 196133001 'lung disease with systemic sclerosis'; not pulmonary hypertension).
_SSC_WORDS = re.compile(r"\b(?:SSc|CREST)\b|scl[eé]roderm|skleroderm|escleroderm|systemic\s+sclerosis", re.IGNORECASE)
_ILD_WORDS = re.compile(r"\b(?:ILD|NSIP|UIP)\b|interstiti|(?:pulmonary|lung)\s+fibros|fibrosing|alveolitis", re.IGNORECASE)
_LUNG_WORDS = re.compile(r"\b(?:lung\s+disease|lung\s+involvement|pulmonary\s+involvement)\b", re.IGNORECASE)
#: ICD-10 (WHO and -CM) categories of SSc (M34) and ILD (J84; J99, lung involvement of a systemic
#: disease, given with M34.81): a code of one of them the value set does not list is still read as ILD.
_ICD10_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"})
_ICD10_SSC_ILD = frozenset({"M34", "J84", "J99"})
#: The ICD-10 categories a Condition's code places by when the value set does not list the code:
#: M34 systemic sclerosis, J84 other interstitial pulmonary diseases (J99 needs its M34: not alone).
_ICD10_CONDITION_CATEGORIES = {"M34": "ssc", "J84": "ild"}
_TPMT = re.compile(r"\b(?:TPMT|NUDT15)\b|thiopurine\s+(?:S-)?methyl\s*transferase", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_WEIGHT = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237}
_HEIGHT = {"cm": 1.0, "[in_i]": 2.54, "m": 100.0}
_DURATION_UNITS = {"d": "d", "wk": "wk", "mo": "mo", "day": "d", "days": "d", "week": "wk", "weeks": "wk",
                   "month": "mo", "months": "mo"}
#: Largest integer the regimen format takes (a double holds it exactly), and the most
#: administrations per period read as a frequency (beyond it the value is not a dosing frequency).
_MAX_INT = 2**53 - 1
_MAX_FREQUENCY = 10_000
#: Resources whose patient is named by `subject` (else `patient`).
_PATIENT_FIELDS = ("subject", "patient")


class Note(NamedTuple):
    """One lossy conversion: the OL008 note key, a message, and the FHIR pointer of its element."""

    kind: str
    message: str
    pointer: str


#: Rules judged on another reading of the regimen than the one the other rules see (fhir.md 2.1):
#: through the largest step of each taper, with the taper's whole course (Tapers); with one active
#: step per MedicationRequest, so that steps are never duplicates of each other; with the steps of
#: each taper dated one after the other, so that the rules that sum what is given at the same time
#: (Regimen.given_together) do not add up successive steps; and with the low bound of a dose range (Dose).
TAPER_CODES = frozenset({"ILD202", "ILD302", "ILD203", "ILD503"})
#: The pack setting of the daily prednisone-equivalent (mg) at or above which an order is a pulse,
#: which the daily-dose rules of TAPER_CODES never count (map_fhir's ``pulse_min``).
PULSE_SETTING = "pulse-min-daily-pe-mg"
DUPLICATE_CODES = frozenset({"OL004"})
SUCCESSIVE_CODES = frozenset({"ILD501", "ILD206"})
LOW_BOUND_CODES = frozenset({"ILD502"})


class Variant(NamedTuple):
    """Another reading of a mapped regimen for the rules in ``codes``: its regimen ``data``, and
    ``origin`` entries that differ from the main reading's (native pointer -> FHIR pointer)."""

    codes: frozenset[str]
    data: dict
    origin: dict[str, str]
    #: Judged only when the main reading has a finding of ``codes``: a reading that can only find
    #: less than the main one (taper steps dated apart from as_of on, where no order starts later),
    #: skipped for most documents.
    lazy: bool = False


class Mapped:
    """One patient's regimen mapped from FHIR, with where each value came from.

    ``data`` is a regimen dict (None when the input is not FHIR or cannot be read: then ``errors``
    holds (message, pointer) of each OL001, ``error`` the first); ``status`` is ``"not-applicable"`` when there is no medication
    order to check (with the note ``no-orders``); ``origin`` maps native pointer prefixes
    (``/orders/0``, ``/orders/0/dose``, ``/patient/weight_kg``, ``/tests/2``, ``""``) to the FHIR
    JSON Pointer of the source element; ``orders`` maps the FHIR pointer of each
    MedicationRequest (or MedicationStatement) to its id, for a finding's ``order``;
    ``order_ids`` maps native order ids to those ids; ``order_types`` names the resource type of
    each of those ids that is not a MedicationRequest (a DetectedIssue implicates
    ``MedicationStatement/<id>`` then); ``products`` lists (order index, RxNorm
    product code, FHIR pointer) for codes left out of ``rxcui``; ``variants`` lists the other
    readings some rules are judged on (tapers, dose ranges), each replacing the main reading's
    findings of its codes.
    """

    __slots__ = ("data", "notes", "origin", "patient", "status", "errors", "orders", "order_ids", "order_types",
                 "products", "id", "variants", "doubtful", "coded_names")

    def __init__(self) -> None:
        self.data: Optional[dict] = None
        #: Orders read in a way that is fail-closed for a risk but not sure for a protection (an unknown
        #: status read as active, as needed with a schedule, a course whose end is past or unreadable):
        #: native order index -> why. A rule that looks for a protecting drug is judged without them.
        self.doubtful: dict[int, str] = {}
        self.notes: list[Note] = []
        self.origin: dict[str, str] = {}
        self.patient: Optional[str] = None
        self.status: Optional[str] = None
        self.errors: list[tuple[str, str]] = []
        self.orders: dict[str, str] = {}
        self.order_ids: dict[str, str] = {}
        self.order_types: dict[str, str] = {}
        self.products: list[tuple[int, str, str]] = []
        #: order index -> (drug, how it is named, FHIR pointer) of the drugs its codings name (a
        #: display of any system; an RxNorm code the vocabulary knows, U included) when the order's
        #: name is no known drug: none resolves the drug (fhir.md 2.1), but OL002 is then an error
        #: when one is a checked drug (fhir/lint.py).
        self.coded_names: dict[int, list[tuple[str, str, str]]] = {}
        self.id: Optional[str] = None
        self.variants: list[Variant] = []

    @property
    def error(self) -> Optional[tuple[str, str]]:
        """The first OL001 (message, pointer), else None."""
        return self.errors[0] if self.errors else None

    @error.setter
    def error(self, value: Optional[tuple[str, str]]) -> None:
        self.errors = [] if value is None else [value]

    def fhir_pointer(self, native: str, overlay: Optional[dict[str, str]] = None) -> str:
        """The FHIR pointer of a native pointer: through the longest prefix ``origin`` (or first
        ``overlay``, a variant's own origins) knows."""
        p = native
        while True:
            hit = overlay.get(p) if overlay else None
            if hit is None:
                hit = self.origin.get(p)
            if hit is not None:
                return hit
            if not p:
                return ""
            p = p[: p.rfind("/")]

    def order_of(self, fhir_pointer: str) -> Optional[str]:
        """The MedicationRequest id a FHIR pointer lies in (longest prefix), else None."""
        p = fhir_pointer
        while True:
            hit = self.orders.get(p)
            if hit is not None:
                return hit
            if not p:
                return None
            p = p[: p.rfind("/")]

    def __repr__(self) -> str:
        return f"Mapped(id={self.id!r}, patient={self.patient!r}, status={self.status!r}, notes={len(self.notes)})"


class _Res(NamedTuple):
    r: dict
    ptr: str
    draft: bool
    full_url: Optional[str]


def _p(base: str, *tokens: Any) -> str:
    """``base`` extended by JSON Pointer tokens (escaped only when they hold `~` or `/`)."""
    for t in tokens:
        t = t if isinstance(t, str) else str(t)
        if "~" in t or "/" in t:
            t = escape_token(t)
        base = f"{base}/{t}"
    return base


def _today() -> _dt.date:
    return _dt.date.today()


# --------------------------------------------------------------------------- entry point
def map_fhir(
    data: Any,
    *,
    source: str = "<fhir>",
    vocab: Any = None,
    as_of: Optional[_dt.date] = None,
    namespace: str = DEFAULT_NAMESPACE,
    lookback: Optional[Any] = None,
    pulse_min: Optional[float] = None,
) -> list[Mapped]:
    """Map a parsed CDS Hooks request, Bundle or bare R4 resource to one Mapped per patient.

    ``vocab`` (the linter's vocabulary) tells ingredient from product RxNorm codes, names a drug
    given only by code, picks the ILD therapies for `history` and reads test names from text;
    without it those fall back to what the data alone says. ``lookback`` (the linter's look-back
    windows, test -> days, None: any age) dates the ServiceRequests that stand for ordered tests;
    without it the default windows apply. ``pulse_min`` (the linter's PULSE_SETTING): a taper
    step at or above it is a pulse, never the step the daily-dose rules read; without it the
    default threshold applies. Never raises on any JSON value.
    """
    try:
        return _Mapper(source, vocab, as_of or _today(), namespace, lookback, pulse_min).run(data)
    except RecursionError:
        m = Mapped()
        m.error = ("FHIR input is nested too deeply", "")
        return [m]


class _Mapper:
    def __init__(self, source: str, vocab: Any, as_of: _dt.date, namespace: str, lookback: Optional[Any] = None,
                 pulse_min: Optional[float] = None) -> None:
        # Without the linter's threshold, the default one (rules.md Terms, Pulse): with none, a pulse
        # step was the taper's largest and held the daily dose after it.
        from orderlint.core_rules import DEFAULT_PULSE_MIN_PE

        self.pulse_min = (pulse_min if isinstance(pulse_min, (int, float)) and not isinstance(pulse_min, bool)
                          else DEFAULT_PULSE_MIN_PE)
        if lookback is None:
            from orderlint.config import DEFAULT_LOOKBACK

            lookback = DEFAULT_LOOKBACK
        self.lookback = lookback
        self.source = source
        self.vocab = vocab
        self.as_of = as_of
        self.ns = namespace.rstrip("/") + "/StructureDefinition/"
        self.vs = _valuesets()
        self.notes: list[Note] = []  # document-level notes (shape repairs while collecting)
        self.errors: list[tuple[str, str]] = []  # input that cannot be read (OL001): (message, pointer)
        self._test_vocab: Optional["Vocabulary"] = None
        self._reason_codes: list = []  # per patient: condition kinds of order reasonCodes
        self.cds = False  # reading a CDS Hooks request (its draft orders are the orders being signed)
        #: The container (resource, pointer) of each order read from a `contained` (by the order's
        #: pointer): its `#id` references name the container's contained resources (FHIR R4 References).
        self._hosts: dict[str, tuple[dict, str]] = {}

    # ----------------------------------------------------------------- input shapes
    def run(self, data: Any) -> list[Mapped]:
        if not isinstance(data, dict):
            return [_error(f"not FHIR: a FHIR document is a JSON object, not {_kind(data)}", "")]
        rt = data.get("resourceType")
        if rt is None and ("hook" in data or "context" in data):
            return self._cds(data)
        if not isinstance(rt, str):
            return [_error("not FHIR: no `resourceType` (nor `hook`/`context` of a CDS Hooks request)", "")]
        native = sorted(k for k in data if k in _REGIMEN_ONLY_FIELDS and k != "kind")  # (ActivityDefinition has a kind)
        if native:
            # Fail closed: a regimen document given a `resourceType` (PlanDefinition, a FHIR order set)
            # was read as that resource, with no orders (OL008 no-orders, info): its orders went unchecked.
            return [_error(f"the document has a `resourceType`, as a FHIR resource has, and "
                           f"{', '.join(f'`{k}`' for k in native)}, as a regimen document has: it is neither (no FHIR R4 "
                           "resource has these fields), so its orders cannot be read (a local field of a regimen "
                           "document is named `x-...`)", "/resourceType")]
        if rt not in R4_TYPES:
            return [_error(f"resourceType {rt!r} is not a FHIR R4 resource"
                           + (" (an order type of an earlier FHIR version)" if rt in OLD_REQUEST_TYPES else ""),
                           "/resourceType")]
        if rt == "Bundle":
            # As a prefetch value is: a search result that says it is one page of several (a next
            # link, a total above its matches), or holds a failed request, is not all of the data.
            # Read as complete, a paged search without the page holding the PCP prophylaxis passed.
            why = _incomplete_bundle(data)
            if why is not None:
                return [_error(f"the Bundle {why}: the patient's data is incomplete, so the orders were not checked", "")]
            for said in _outcome_warnings(data):  # as for a prefetch value: a warning is said, not dropped
                self.notes.append(Note("missing-value", f"the Bundle reports {said}: its data is read as complete", ""))
            res = list(self._bundle(data, "", False))
            fallback = data.get("id") if isinstance(data.get("id"), str) else None
        elif rt == "Parameters":
            # An operation's answer ($everything-like 'return'): the resources its parameters hold
            # are the data. Read as a resource of its own, a cyclophosphamide order inside was
            # OL008 no-orders (info) and the run passed.
            res = list(self._parameters(data, "", False))
            fallback = data.get("id") if isinstance(data.get("id"), str) else None
        else:
            failed = _outcome_error(data) if rt == "OperationOutcome" else None
            if failed is not None:
                # What a server or an export says went wrong, given in place of the data: read as a
                # resource of no patient, it was OL008 no-orders (info) and the run passed.
                return [_error(f"the input is an OperationOutcome reporting an error{failed}: the patient's data is missing, "
                               "so no orders were checked", "")]
            res = [_Res(data, "", False, None)]
            fallback = data.get("id") if isinstance(data.get("id"), str) else None
        return self._group(res, None, fallback)

    def _bundle(self, b: dict, ptr: str, draft: bool) -> Iterable[_Res]:
        # Fail closed: an entry that cannot be read might have been an order, so it is OL001, never
        # skipped. An object where the array belongs, or null, is repaired as fhir.md 2.1 says.
        v = b.get("entry")
        if "entry" in b and not isinstance(v, (list, dict, type(None))):
            self.errors.append((f"Bundle `entry` is {_kind(v)}, not an array of entries", _p(ptr, "entry")))
            return
        entries = self._array(b, "entry", ptr)
        clash = _deletion_clash(b.get("type"), [e for _, e in entries])
        if clash is not None:
            # Read alike, an order deleted in the Bundle (or an older version of one) counted as current:
            # a deleted co-trimoxazole cleared ILD301.
            self.errors.append((clash, ptr))
            return
        for i, e in entries:
            eptr = _p(ptr, "entry", i) if i is not None else _p(ptr, "entry")
            if not isinstance(e, dict):
                self.errors.append((f"Bundle entry is {_kind(e)}, not an object", eptr))
                continue
            r = e.get("resource")
            if r is None:
                if e.get("request") is None and e.get("response") is None:  # FHIR R4 bdl-5
                    self.errors.append(("Bundle entry has no `resource` (nor the `request` or `response` that lets "
                                        "an entry have none)", eptr))
                continue
            if not isinstance(r, dict):
                self.errors.append((f"Bundle entry `resource` is {_kind(r)}, not a resource object", _p(eptr, "resource")))
                continue
            if not isinstance(r.get("resourceType"), str):
                if "resourceType" in r:
                    self.errors.append((f"`resourceType` is {_kind(r['resourceType'])}, not a resource type name",
                                        _p(eptr, "resource", "resourceType")))
                else:
                    self.errors.append(("Bundle entry resource has no `resourceType`", _p(eptr, "resource")))
                continue
            url = e.get("fullUrl") if isinstance(e.get("fullUrl"), str) else None
            if r.get("resourceType") == "Bundle":
                yield from self._bundle(r, _p(eptr, "resource"), draft)
            elif r.get("resourceType") == "Parameters":
                yield from self._parameters(r, _p(eptr, "resource"), draft)
            else:
                yield _Res(r, _p(eptr, "resource"), draft, url)

    def _parameters(self, p: dict, ptr: str, draft: bool) -> Iterable[_Res]:
        """The resources a Parameters resource holds (parameter[].resource, and in its parts), each
        read as a Bundle entry is (a Bundle or Parameters among them is read for its own)."""
        for key in ("parameter", "part"):
            v = p.get(key)
            if key in p and not isinstance(v, (list, dict, type(None))):
                # Fail closed, as for a Bundle's `entry`: what cannot be read might have been an order.
                self.errors.append((f"Parameters `{key}` is {_kind(v)}, not an array of parameters", _p(ptr, key)))
                continue
            for i, item in self._array(p, key, ptr):
                iptr = _p(ptr, key, i) if i is not None else _p(ptr, key)
                if not isinstance(item, dict):
                    self.errors.append((f"Parameters `{key}` item is {_kind(item)}, not an object", iptr))
                    continue
                r = item.get("resource")
                if r is not None and not isinstance(r, dict):
                    self.errors.append((f"parameter `resource` is {_kind(r)}, not a resource object", _p(iptr, "resource")))
                elif isinstance(r, dict):
                    rptr = _p(iptr, "resource")
                    rt = r.get("resourceType")
                    if rt == "Bundle":
                        yield from self._bundle(r, rptr, draft)
                    elif rt == "Parameters":
                        yield from self._parameters(r, rptr, draft)
                    elif isinstance(rt, str):
                        yield _Res(r, rptr, draft, None)
                    else:
                        self.errors.append(("Parameters resource has no `resourceType`", rptr))
                if "part" in item:
                    yield from self._parameters(item, iptr, draft)

    def _array(self, obj: dict, key: str, ptr: str) -> list[tuple[Optional[int], Any]]:
        """The items of an array member with their indices; an object where an array belongs is
        one item and null is absent (fhir.md 2.1; both `OL008 shape-repaired`)."""
        v = obj.get(key)
        if isinstance(v, list):
            return list(enumerate(v))
        if key in obj and (v is None or isinstance(v, dict)):
            what = "null where an array belongs: read as absent" if v is None else "an object where an array belongs: read as one item"
            self.notes.append(Note("shape-repaired", f"`{key}` is {what}", _p(ptr, key)))
            return [] if v is None else [(None, v)]
        return []

    def _items(self, value: Any, ptr: str, draft: bool) -> Iterable[_Res]:
        """Resources in a CDS Hooks context or prefetch value: a Bundle, a resource or a list.

        Draft orders that cannot be read (a string, a number, an object without `resourceType`)
        are OL001: the orders being signed would otherwise go unchecked."""
        if isinstance(value, dict):
            if value.get("resourceType") == "Bundle":
                yield from self._bundle(value, ptr, draft)
            elif isinstance(value.get("resourceType"), str):
                yield _Res(value, ptr, draft, None)
            elif isinstance(value.get("resource"), dict):  # an entry-like wrapper {"resource": {...}}
                yield from self._items(value["resource"], _p(ptr, "resource"), draft)
            elif draft:
                self.errors.append(("draft orders: an object without `resourceType` where a FHIR resource or Bundle "
                                    "belongs: the orders cannot be read", ptr))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from self._items(v, _p(ptr, i), draft)
        elif draft:
            self.errors.append((f"draft orders: {_kind(value)} where a FHIR resource or Bundle belongs: the orders "
                                "cannot be read", ptr))

    def _cds(self, data: dict) -> list[Mapped]:
        self.cds = True
        native = sorted(k for k in data if k in _REGIMEN_ONLY_FIELDS)
        if native:
            # Fail closed: a regimen document with a `context` (or `hook`) field of its own was read as
            # a CDS Hooks request without orders (OL008 no-orders, info) and its orders went unchecked.
            return [_error(f"the document has a `{'hook' if 'hook' in data else 'context'}` field, as a CDS Hooks request "
                           f"has, and {', '.join(f'`{k}`' for k in native)}, as a regimen document has: it is neither "
                           "(a regimen document has no such field, a CDS Hooks request no orders at its top level), so "
                           "its orders cannot be read (a local field of a regimen document is named `x-...`)", "")]
        bad_context = "context" in data and not isinstance(data["context"], dict)
        if bad_context:
            # Fail closed: the orders being signed are in the context.
            self.errors.append((f"the CDS Hooks request's `context` is {_kind(data['context'])}, not an object: its "
                                "orders cannot be read", "/context"))
        ctx: dict = data["context"] if isinstance(data.get("context"), dict) else {}
        res: list[_Res] = []
        keys = [k for k in ORDER_CARRIERS if ctx.get(k) is not None]
        hook = data.get("hook")
        carrier = _ORDER_HOOKS.get(hook) if isinstance(hook, str) else None
        if carrier is not None and not keys and not bad_context:
            # Fail closed: an order hook's request without the orders it is about (CDS Hooks makes
            # them required) checked nothing, as "no orders" (info).
            self.errors.append((f"the {hook} request has no context.{carrier}: the orders being "
                                f"{'prescribed' if carrier == 'medications' else 'signed or selected'} cannot be read",
                                "/context" if "context" in data else ""))
        if keys:
            res.extend(self._draft_orders(list(self._items(ctx[keys[0]], _p("/context", keys[0]), True))))
            if not res:
                # Fail closed: an empty draftOrders beside context.medications (or orders) that holds
                # resources would check nothing; which carrier holds the orders being signed is unknown.
                for k in keys[1:]:
                    if any(True for _ in self._items(ctx[k], _p("/context", k), False)):
                        self.errors.append((f"context.{keys[0]} holds no resources while context.{k} does: which "
                                            "holds the orders being signed is not known", _p("/context", keys[0])))
                        break
            else:
                # Fail closed: every carrier that holds orders is read as drafts (a cyclophosphamide in
                # context.medications beside an ondansetron in draftOrders went unchecked). A resource
                # in two carriers is one order (_one_copy_each: OL001 when the copies differ).
                for k in keys[1:]:
                    res.extend(self._draft_orders(list(self._items(ctx[k], _p("/context", k), True))))
        # fhir.md 1: a resource in both draft orders and prefetch is read once, as the draft. Two
        # prefetch copies of one resource are left to _one_copy_each (OL001 when they differ).
        drafts = {_key(x.r) for x in res if _key(x.r) is not None and "/contained/" not in x.ptr}
        pre = data.get("prefetch")
        if isinstance(pre, dict):
            for k, v in pre.items():
                incomplete = _incomplete_prefetch(v)
                if incomplete is not None:
                    # Fail closed: data the EHR could not give (a failed or paged query) is not "none".
                    self.errors.append((f"prefetch `{k}` {incomplete}: the patient's data is incomplete, so the "
                                        "orders were not checked", _p("/prefetch", k)))
                    continue
                for said in _outcome_warnings(v):
                    self.notes.append(Note("missing-value", f"prefetch `{k}` reports {said}: its data is read as complete",
                                           _p("/prefetch", k)))
                res.extend(x for x in self._items(v, _p("/prefetch", k), False) if _key(x.r) not in drafts)
        clash = None if self.errors else _request_deletion_clash(ctx, pre)  # invalid already: once is enough
        if clash is not None:
            # Each Bundle alone is read; a DELETE among the draft orders of a resource prefetch holds (the
            # co-trimoxazole being discontinued) counted it as current, and cleared ILD301.
            self.errors.append((clash, "/context"))
        pid = ctx.get("patientId")
        patient = _ref_id(pid) if isinstance(pid, str) and pid.strip() else None
        fallback = data.get("hookInstance") if isinstance(data.get("hookInstance"), str) else None
        return self._group(res, patient, fallback, cds=True)

    def _draft_orders(self, res: list[_Res]) -> list[_Res]:
        """The draft orders of a CDS Hooks request as orderlint reads them. The orders being signed
        must never go unchecked (fail closed): the MedicationRequests a RequestGroup or CarePlan holds
        (contained, named by its actions or activities) are read as draft orders, and a draft of a
        medication type orderlint does not read as an order (DSTU2 MedicationOrder, a
        MedicationAdministration or MedicationDispense, a group's medication activity given inline or
        by a reference that is not in the request, a request coded as a drug in RxNorm) is OL001. Other
        drafts (a ServiceRequest, a NutritionOrder) are kept as they are."""
        out: list[_Res] = []
        known = {f"{k[0]}/{k[1]}" for k in (_key(x.r) for x in res) if k is not None}
        known |= {x.full_url for x in res if x.full_url}
        for x in res:
            rt = x.r.get("resourceType")
            if rt in _ORDER_GROUPS:
                out.extend(self._group_orders(x, known))
            elif _unread_medication(x.r):
                self.errors.append((f"draft order {rt} {_id_text(x.r)}is not a medication order orderlint reads (an R4 "
                                    "MedicationRequest): the order being signed cannot be checked", _p(x.ptr, "resourceType")))
            elif rt == "ServiceRequest" and (drug := self._drug_named(x.r.get("code"))) is not None:
                # An infusion ordered as a service and named in words ('rituximab infusion'): read as
                # a test orderlint does not know, the drug went unchecked (OL008 no-orders, no card).
                self.errors.append((f"draft order ServiceRequest {_id_text(x.r)}names the drug {drug} but is not a "
                                    "medication order orderlint reads (an R4 MedicationRequest): the order being "
                                    "signed cannot be checked", _p(x.ptr, "code")))
            else:
                out.append(x)
        return out

    def _drug_named(self, cc: Any) -> Optional[str]:
        """The drug a draft ServiceRequest's code names in words (its text or a display), when it is
        coded in no system orderlint reads as tests (LOINC, whose codes are tests) and is no test
        name; else None. A code written as a bare string (not FHIR, read leniently) is its text."""
        if isinstance(cc, str):
            cc = {"text": cc}
        if not isinstance(cc, dict) or self.vocab is None:
            return None
        cod = cc.get("coding")
        codings = [c for c in (cod if isinstance(cod, list) else [cod]) if isinstance(c, dict)]
        if any(c.get("system") == "http://loinc.org" for c in codings):
            return None
        for words in [cc.get("text"), *(c.get("display") for c in codings)]:
            if isinstance(words, str) and words.strip() and len(words) < 200 and not self._known_test(words):
                res = self.vocab.resolve(words)
                if res.drug is not None or res.ambiguous:
                    return res.drug.name if res.drug is not None else " or ".join(res.ambiguous)
        return None

    def _items_of(self, obj: dict, key: str, ptr: str) -> list[tuple[str, Any]]:
        """(pointer, item) of an array member, before any patient is read (shape repairs are
        document notes)."""
        return [(_p(ptr, key, i) if i is not None else _p(ptr, key), v) for i, v in self._array(obj, key, ptr)]

    def _group_orders(self, x: _Res, known: set[str]) -> list[_Res]:
        """The orders a draft RequestGroup (R5 RequestOrchestration) or CarePlan holds: its contained
        resources as drafts (a contained one without a subject takes the group's), after checking
        that every order its actions or activities name can be read. Fail closed: an action or
        activity that may order a drug orderlint cannot see (defined only by a canonical
        ActivityDefinition or PlanDefinition, given inline without a kind orderlint knows to be no
        drug, naming a resource that is not in the request and not known to be no drug) is OL001:
        read as nothing, the order being signed went unchecked (OL008 no-orders)."""
        r, ptr = x.r, x.ptr
        rt = r.get("resourceType")
        label = f"draft {rt} {_id_text(r)}"
        contained: list[tuple[dict, str]] = []
        for cptr, c in self._items_of(r, "contained", ptr):
            if isinstance(c, dict):
                contained.append((c, cptr))
            else:
                self.errors.append((f"{label}contains {_kind(c)}, not a resource: the order cannot be read", cptr))
        ids = {c["id"] for c, _ in contained if isinstance(c.get("id"), str)}
        refs: list[tuple[Any, str]] = []
        choices: list[str] = []  # actions whose sub-actions are alternatives (selectionBehavior)

        def actions(obj: dict, optr: str) -> None:
            for aptr, a in self._items_of(obj, "action", optr):
                if not isinstance(a, dict):
                    continue
                refs.append((a.get("resource"), _p(aptr, "resource")))
                if a.get("selectionBehavior") in _CHOICES:
                    choices.append(aptr)
                if a.get("resource") is None and a.get("action") in (None, [], {}):
                    for key in ("definitionCanonical", "definitionUri"):
                        if a.get(key) is not None:
                            # R5 RequestOrchestration (and a lenient R4 RequestGroup): an action defined
                            # by an ActivityDefinition or PlanDefinition but not made into a resource
                            # (nor into sub-actions, which are read as such).
                            self.errors.append((f"{label}has an action given only by its definition ({key} "
                                                f"{_show(a[key])}), not as a resource: what it orders cannot be read, "
                                                "so the order being signed cannot be checked", _p(aptr, key)))
                            break
                actions(a, aptr)

        actions(r, ptr)
        for aptr, a in self._items_of(r, "activity", ptr):
            if not isinstance(a, dict):
                continue
            refs.append((a.get("reference"), _p(aptr, "reference")))
            refs.append((a.get("plannedActivityReference"), _p(aptr, "plannedActivityReference")))  # R5
            d = a.get("detail")
            if not isinstance(d, dict):
                continue
            kind = d.get("kind")
            if kind in ("MedicationRequest", "MedicationOrder") or "productCodeableConcept" in d or "productReference" in d:
                self.errors.append((f"{label}has a medication activity given inline (activity.detail), not as a "
                                    "MedicationRequest: the order being signed cannot be checked", _p(aptr, "detail")))
            elif kind not in _NOT_DRUG_ORDERS:
                said = "no kind" if kind is None else f"the kind {_show(kind)}"
                self.errors.append((f"{label}has an activity given inline (activity.detail) with {said}: whether it "
                                    "orders a drug cannot be read, so the order being signed cannot be checked",
                                    _p(aptr, "detail", "kind") if "kind" in d else _p(aptr, "detail")))
        for ref, rptr in refs:
            if not isinstance(ref, dict) or ref.get("reference") is None:
                continue
            target = ref["reference"]
            if not isinstance(target, str) or not target.strip():
                self.errors.append((f"{label}names an order it does not say: the order cannot be read", rptr))
                continue
            target = target.strip()
            if target.startswith("#"):
                if target[1:] not in ids:
                    self.errors.append((f"{label}names {target}, which it does not contain: the order cannot be read", rptr))
                continue
            if target in known or any(target.endswith("/" + k) for k in known if "/" in k and not k.startswith("urn:")):
                continue  # another draft order of the request, read as such
            kind = target.split("/_history")[0].rstrip("/").split("/")[-2] if target.count("/") >= 1 and not target.startswith("urn:") else None
            if kind not in _NOT_DRUG_ORDERS:
                # Fail closed: a medication order, a group of orders, a definition (ActivityDefinition,
                # PlanDefinition) or anything else that may order a drug, not in the request.
                self.errors.append((f"{label}names the order {target!r}, which is not in the request: the order being "
                                    "signed cannot be checked", rptr))
        out = []
        subject = r.get("subject")
        intent = r.get("intent")
        for c, cptr in contained:
            crt = c.get("resourceType")
            if crt in _ORDER_GROUPS:
                out.extend(self._group_orders(_Res(c, cptr, True, None), known))
                continue
            if _unread_medication(c):
                self.errors.append((f"{label}holds a {crt} {_id_text(c)}, not a medication order orderlint reads (an R4 "
                                    "MedicationRequest): the order being signed cannot be checked", _p(cptr, "resourceType")))
                continue
            if "subject" not in c and "patient" not in c and isinstance(subject, dict):
                c = {**c, "subject": subject}
            c = _component(c, intent, bool(choices))
            self._hosts[cptr] = (r, ptr)
            out.append(_Res(c, cptr, True, None))
        return out

    def _with_contained(self, res: list[_Res]) -> list[_Res]:
        """The resources, each medication order (MedicationRequest, MedicationStatement) followed by
        the medication orders it contains (`contained`, e.g. one it is `basedOn`), read as orders of
        their own with the container's patient and, for a draft, as drafts: a contained resource is
        part of its container (FHIR R4 References, contained resources), so an order inside an order
        being signed is signed with it; read as nothing, it went unchecked. A draft that contains a
        medication type orderlint does not read as an order, or a group of orders, is OL001. So are
        the medication orders of a RequestGroup, RequestOrchestration or CarePlan outside the draft
        orders (a Bundle's, a prefetch's; _draft_orders reads a draft group's and checks its actions),
        with the group's intent for an option (``_component``)."""
        if not any(x.r.get("resourceType") in _CONTAINERS and "contained" in x.r for x in res):
            return res
        out: list[_Res] = []

        def add(x: _Res, depth: int) -> None:
            out.append(x)
            r = x.r
            if r.get("resourceType") not in _CONTAINERS or "contained" not in r or depth > 8:
                return
            group = r.get("resourceType") in _ORDER_GROUPS
            choices = group and _has_choices(r)
            subject = r.get("subject") if "subject" in r else r.get("patient")
            for cptr, c in _contained_items(r, x.ptr):  # (the reading of the order notes a shape repair of `contained`)
                if not isinstance(c, dict):
                    continue
                crt = c.get("resourceType")
                if crt in MEDICATION_TYPES:
                    if "subject" not in c and "patient" not in c and isinstance(subject, dict):
                        c = {**c, "subject": subject}
                    if group:
                        c = _component(c, r.get("intent"), choices)
                    self._hosts[cptr] = (r, x.ptr)
                    add(_Res(c, cptr, x.draft, None), depth + 1)
                elif x.draft and (crt in _ORDER_GROUPS or _unread_medication(c)):
                    self.errors.append((f"draft {r.get('resourceType')} {_id_text(r)}contains a {crt} {_id_text(c)}, "
                                        "not a medication order orderlint reads (an R4 MedicationRequest): the order "
                                        "being signed cannot be checked", _p(cptr, "resourceType")))

        for x in res:
            add(x, 0)
        return out

    def _one_copy_each(self, res: list[_Res]) -> list[_Res]:
        """The resources with each (type, id) once: a copy identical to an earlier one is read once;
        two different copies (two versions, a stopped and an active one) are OL001, since which is
        current is not known and either could change the checks."""
        first: dict[tuple, _Res] = {}
        out: list[_Res] = []
        for x in res:
            k = _key(x.r)
            if k is None:
                out.append(x)
                continue
            seen = first.get(k)
            if seen is None:
                first[k] = x
                out.append(x)
            elif seen.r != x.r:
                self.errors.append((f"{k[0]}/{k[1]} is in the input twice with different content (also at {seen.ptr}): "
                                    "which copy is current is not known", x.ptr))
        # One fullUrl, two different resources (FHIR R4 bdl-7; or two Bundles of one request using the
        # same urn:uuid): a reference to it named whichever came last, and a draft's medication or
        # subject was silently another one (an MMF order read as folic acid).
        by_url: dict[str, _Res] = {}
        for x in out:
            url = x.full_url
            if not url:
                continue
            seen = by_url.setdefault(url, x)
            if seen is not x and seen.r != x.r:
                self.errors.append((f"fullUrl {url!r:.120} names two different resources (also at {seen.ptr}): a "
                                    "reference to it cannot be resolved", x.ptr))
        return out

    # ----------------------------------------------------------------- grouping by patient
    def _group(self, res: list[_Res], patient: Optional[str], fallback: Optional[str], cds: bool = False) -> list[Mapped]:
        res = self._one_copy_each(self._with_contained(res))
        url_ids: dict[str, str] = {}
        for x in res:
            if x.r.get("resourceType") == "Patient" and isinstance(x.r.get("id"), str):
                if x.full_url:
                    url_ids[x.full_url] = x.r["id"]
        meds: dict[str, _Res] = {}
        for x in res:
            if x.r.get("resourceType") == "Medication":
                rid = x.r.get("id")
                if isinstance(rid, str):
                    meds[f"Medication/{rid}"] = x
                if x.full_url:
                    meds[x.full_url] = x
        for x in res:
            rt = x.r.get("resourceType")
            if rt not in R4_TYPES and rt not in OLD_REQUEST_TYPES and rt not in OTHER_VERSION_TYPES:
                self.errors.append((_unknown_type(rt), _p(x.ptr, "resourceType")))
            elif rt in READ_TYPES:
                mod = _modifier_extension(x.r, x.ptr)
                if mod is not None:
                    # FHIR R4 (Extensibility): a modifier extension the reader does not know SHALL NOT be
                    # ignored; it may mean "not", "only if" or "planned", so the resource cannot be read.
                    what, where = mod
                    self.errors.append((f"{rt} {_id_text(x.r)}carries a modifierExtension ({what}) that changes its "
                                        "meaning in a way orderlint does not know: it cannot be read", where))
                elif x.r.get("implicitRules") not in (None, ""):
                    # A modifier element too (R4 Resource.implicitRules): rules the reader does not know
                    # may change what the resource means, so it is not read as if they were absent.
                    rules = x.r.get("implicitRules")
                    self.errors.append((f"{rt} {_id_text(x.r)}names implicitRules ({rules!r:.80}) that may change its "
                                        "meaning in a way orderlint does not know: it cannot be read",
                                        _p(x.ptr, "implicitRules")))
        if self.errors:  # input that cannot be read is invalid as a whole, as with --fhir-strict
            m = Mapped()
            m.errors = self.errors
            return [m]
        order: list[Optional[str]] = []
        groups: dict[Optional[str], list[_Res]] = {}
        orphans: list[_Res] = []
        unplaced: list[tuple[str, str]] = []
        unplaced_ids: dict[str, str] = {}  # FHIR pointer -> MedicationRequest or MedicationStatement id, for the finding's `order`
        unplaced_types: dict[str, str] = {}  # such an id -> its resource type, when not a MedicationRequest
        notes = self.notes
        self.notes = []
        patient_ids = {x.r["id"] for x in res if x.r.get("resourceType") == "Patient" and isinstance(x.r.get("id"), str)}
        misnamed: list[tuple[_Res, str]] = []  # resources whose subject is no reference to a Patient, with why
        for x in res:
            rt = x.r.get("resourceType")
            if rt == "Medication":
                continue
            if rt not in R4_TYPES:
                if rt in OLD_REQUEST_TYPES or x.draft:
                    notes.append(Note("unsupported-resource", f"{rt} is not a FHIR R4 resource type: skipped", _p(x.ptr, "resourceType")))
                continue
            if not x.draft and (rt in _UNREAD_MEDICATION_TYPES or rt == "ServiceRequest" and (
                    _unread_medication(x.r) or self._drug_named(x.r.get("code")) is not None)):
                # A drug given or ordered in a resource orderlint does not read as one (a dispense, an
                # administration, an infusion ordered as a service): said, not left out unseen.
                notes.append(Note("unsupported-resource", f"{rt} {_id_text(x.r)}gives or orders a drug, which orderlint "
                                  "reads only from a MedicationRequest or MedicationStatement: not checked", x.ptr))
            elif not x.draft and rt in _ORDER_GROUPS and _inline_medication_activity(x.r):
                # A care plan's drug given inline (activity.detail), not as a MedicationRequest: an active
                # CarePlan of cyclophosphamide, outside the draft orders, was OL008 no-orders and nothing else.
                notes.append(Note("unsupported-resource", f"{rt} {_id_text(x.r)}has a medication activity given inline "
                                  "(activity.detail), which orderlint does not read as an order: not checked", x.ptr))
            pid = x.r.get("id") if rt == "Patient" and isinstance(x.r.get("id"), str) else self._subject(x, url_ids)
            if pid is None:
                named = _named_subject(x.r) if (patient is not None or not cds) and not x.draft and rt in READ_TYPES else None
                if named is not None:
                    # Fail closed: a subject given, but as no reference to a patient (an identifier, a
                    # Group, a display, a string): read as naming none, a prefetch atovaquone about whoever
                    # that is counted as the request's patient's PCP prophylaxis; in a Bundle or a Bulk
                    # Data export, a co-trimoxazole or a pregnancy test of Group/ward-7 was the only
                    # patient's. (Among several patients it is one no patient takes, below.)
                    misnamed.append((x, f"{rt} {_id_text(x.r)}names its patient as {named}, which is no reference to a "
                                        "Patient: whose data it is cannot be told, so the orders were not checked against it"))
                    continue
                orphans.append(x)
                continue
            if cds and patient is not None and pid != patient:
                if x.draft and rt in MEDICATION_TYPES:
                    # Fail closed: the order being signed would go unchecked, so it is OL001, not a note
                    # (a draft given as a MedicationStatement is an order being signed too).
                    unplaced.append((f"draft {rt} {_id_text(x.r)}is about Patient/{pid}, not the request's "
                                     f"Patient/{patient}: it was not checked", x.ptr))
                    if isinstance(x.r.get("id"), str):
                        unplaced_ids[x.ptr] = x.r["id"]
                        if rt != "MedicationRequest":
                            unplaced_types[x.r["id"]] = rt
                    continue
                lost = self._unresolved_urn(x, url_ids, patient_ids) if rt in READ_TYPES else None
                if lost is not None:
                    # Fail closed: a `urn:uuid` that no entry's fullUrl is names no patient that can be
                    # told apart from the request's; read as another patient's, an active azathioprine
                    # beside a draft mycophenolate was an info note and the combination passed.
                    unplaced.append((f"{rt} {_id_text(x.r)}names its patient as {lost!r:.80}, which is no entry's "
                                     "fullUrl: whose data it is cannot be told, so the orders were not checked against it",
                                     x.ptr))
                    continue
                notes.append(Note("other-patient", f"{rt} is about Patient/{pid}, not the request's Patient/{patient}: not used",
                                  x.ptr))
                continue
            if pid not in groups:
                groups[pid] = []
                order.append(pid)
            groups[pid].append(x)
        if cds and patient is None and len(order) > 1:
            # Fail closed: a request that names no patient (no context.patientId) while its resources
            # are about several cannot be placed: whichever patient its orders are for, the others'
            # data would be set aside as notes and that patient's own could be left out.
            named = ", ".join(f"Patient/{p}" for p in order[:5]) + (", ..." if len(order) > 5 else "")
            m = Mapped()
            m.errors = [(f"the CDS Hooks request names no patient (context.patientId) and its resources are about "
                         f"{len(order)} patients ({named}): it was not checked", "/context")]
            return [m]
        if cds:
            key = patient if patient is not None else (order[0] if len(order) == 1 else None)
            if key not in groups:
                groups[key] = []
                order.insert(0, key)
            for other in [k for k in order if k != key]:  # only when the request names no patient
                for x in groups.pop(other):
                    xrt = x.r.get("resourceType")
                    if x.draft and xrt in MEDICATION_TYPES:
                        unplaced.append((f"draft {xrt} {_id_text(x.r)}is about Patient/{other}, not the "
                                         f"request's patient: it was not checked", x.ptr))
                        if isinstance(x.r.get("id"), str):
                            unplaced_ids[x.ptr] = x.r["id"]
                            if xrt != "MedicationRequest":
                                unplaced_types[x.r["id"]] = str(xrt)
                        continue
                    notes.append(Note("other-patient", f"{x.r.get('resourceType')} is about Patient/{other}: not used", x.ptr))
            order = [key]
        if misnamed:
            # Beside one patient the input names, it is not that patient's (unplaced, OL001); when no
            # resource names a patient (a bare order whose subject is a display), there is no other
            # patient it could be about, and it is read as such; among several, as naming none.
            if cds or len(order) == 1:
                unplaced.extend((why, x.ptr) for x, why in misnamed)
            else:
                orphans.extend(x for x, _why in misnamed)
                orphans.sort(key=lambda x: _doc_order(x.ptr))
        if orphans:
            if len(order) <= 1:
                if not order:
                    order.append(None)
                    groups[None] = []
                groups[order[0]].extend(orphans)
                groups[order[0]].sort(key=lambda x: _doc_order(x.ptr))
            else:
                for x in orphans:
                    if x.r.get("resourceType") in MEDICATION_TYPES:
                        # Fail closed: an order (or a drug the patient takes) that no patient takes is
                        # never checked, so it is not a note (info) but OL001, in a result of its own.
                        unplaced.append((_unplaced(x.r, "input"), x.ptr))
                        if isinstance(x.r.get("id"), str):
                            unplaced_ids[x.ptr] = x.r["id"]
                            if x.r["resourceType"] != "MedicationRequest":
                                unplaced_types[x.r["id"]] = x.r["resourceType"]
                    else:
                        notes.append(Note("unresolved-reference",
                                          f"{x.r.get('resourceType')} names no patient, and the input holds several: not used",
                                          x.ptr))
        if not order:
            order.append(None)
            groups[None] = []
        out = []
        for n, pid in enumerate(order):
            m = self._patient(pid, groups[pid], meds, fallback)
            if n == 0:
                m.notes[:0] = notes  # document-level notes go with the first regimen
            out.append(m)
        if unplaced:
            m = Mapped()
            m.errors = unplaced
            m.orders = unplaced_ids
            m.order_types = unplaced_types
            out.insert(0, m)
        return out

    @staticmethod
    def _unresolved_urn(x: _Res, url_ids: dict[str, str], patient_ids: set[str]) -> Optional[str]:
        """The resource's `urn:uuid` patient reference when it names neither an entry's fullUrl nor a
        Patient's id (read as such by _subject), else None."""
        for f in _PATIENT_FIELDS:
            ref = x.r.get(f)
            if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
                s = ref["reference"].strip()
                if s.startswith("urn:uuid:") and s not in url_ids and s[len("urn:uuid:"):] not in patient_ids:
                    return s
                return None
        return None

    def _subject(self, x: _Res, url_ids: dict[str, str]) -> Optional[str]:
        for f in _PATIENT_FIELDS:
            ref = x.r.get(f)
            if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
                s = ref["reference"].strip()
                if s.startswith("urn:uuid:"):
                    return url_ids.get(s, s[len("urn:uuid:"):])
                if s in url_ids:
                    return url_ids[s]
                if "Patient/" in s:
                    return _ref_id(s)
        return None

    # ----------------------------------------------------------------- one patient
    def _patient(self, pid: Optional[str], res: list[_Res], meds: dict[str, _Res], fallback: Optional[str]) -> Mapped:
        m = Mapped()
        m.patient = pid
        self.m = m
        self.meds = meds
        self.orders: list[dict] = []
        self.history: list[dict] = []
        self.tests: list[dict] = []
        self.patient: dict = {}
        self.measures: dict[str, tuple[str, Optional[float], tuple[int, str]]] = {}
        self._ties: dict[str, tuple[str, str]] = {}  # measure -> (note kind, why its latest value is not used) (_measure)
        self._measured: dict[str, str] = {}  # weight, height, bsa -> the last day one was measured (_measure)
        self._given: dict[str, tuple[Any, str]] = {}  # demographic field -> (value, pointer) of the first Patient giving it
        self.conditions = [x for x in res if x.r.get("resourceType") == "Condition"]
        self._reason_codes = []
        self._repaired_codings: set[str] = set()  # pointers of a coding object already said (OL008)
        self._coded: dict[str, list[tuple[str, str, str]]] = {}  # order pointer -> Mapped.coded_names' items
        self._low: dict[int, tuple[Any, Any, str, str]] = {}  # order index -> low bound (dose, unit, dose ptr, unit ptr)
        # (MR pointer, [(order index, step key)], {step key: the split dose it is part of (_split_doses)})
        self._tapers: list[tuple[str, list[tuple[int, Any]], dict[Any, Any]]] = []
        first_order_id = None
        for x in res:
            rt = x.r.get("resourceType")
            if rt == "MedicationRequest":
                if first_order_id is None and isinstance(x.r.get("id"), str):
                    first_order_id = x.r["id"]
                self._request(x)
            elif rt == "MedicationStatement":
                self._statement(x)
            elif rt == "Patient":
                self._demographics(x)
            elif rt == "Observation":
                self._observation(x)
            elif rt in ("DiagnosticReport", "Procedure", "ImagingStudy", "ServiceRequest"):
                self._test_resource(x)
        bsa = self.measures.get("bsa_m2")
        if bsa is not None and "bsa" in self._measured and any(
                day > self._measured["bsa"] for k, day in self._measured.items() if k != "bsa"):
            # A BSA older than a weight or height of the patient (usable or not) is not the patient's
            # now: a BSA of 2019 (2.2 m2) beside this month's 50 kg made an IV cyclophosphamide overdose
            # pass ILD501. Computed from the weight and height, or missing (OL003).
            del self.measures["bsa_m2"]
            self.note("missing-value", "the body surface area Observation is older than the latest weight or height: "
                      "not used (the BSA is computed from them where they can be)", bsa[0])
        for name, (ptr, value, _date) in self.measures.items():
            if value is None:  # two values at its latest instant (_measure): not used
                self.note(*self._ties[name], ptr)
                continue
            self.patient[name] = value
            m.origin[f"/patient/{name}"] = ptr
        indication = self._indication()
        m.id = f"Patient/{pid}" if pid is not None else (fallback or first_order_id or self.source)
        data: dict = {"id": m.id, "kind": "patient", "indication": indication, "patient": self.patient}
        if self.orders:
            data["orders"] = self.orders
        else:
            m.status = "not-applicable"
            m.notes.append(Note("no-orders", "no medication order to check", m.origin.get("", "")))
        if self.history:
            data["history"] = self.history
        if self.tests:
            data["tests"] = self.tests
        m.data = data
        if self.orders:
            self._variants(m, data)
        return m

    def note(self, kind: str, message: str, pointer: str) -> None:
        self.m.notes.append(Note(kind, message, pointer))

    def array(self, obj: dict, key: str, ptr: str) -> list[tuple[str, Any]]:
        """(pointer, item) of an array member, with the shape repairs noted on this regimen."""
        saved = self.notes
        self.notes = []
        items = self._array(obj, key, ptr)
        self.m.notes.extend(self.notes)
        self.notes = saved
        return [(_p(ptr, key, i) if i is not None else _p(ptr, key), v) for i, v in items]

    # ----------------------------------------------------------------- Patient and measurements
    def _demographics(self, x: _Res) -> None:
        r, ptr = x.r, x.ptr
        self.m.origin["/patient"] = ptr
        g = r.get("gender")
        # Any gender given takes part in the agreement: one that cannot be read ('Female', 5) beside
        # another Patient's 'male' left 'male' standing, and the pregnancy test (ILD404) was skipped.
        if g is not None and self._agrees("sex", g, _p(ptr, "gender")) and g in ("male", "female", "other", "unknown"):
            self.patient["sex"] = g
            self.m.origin["/patient/sex"] = _p(ptr, "gender")
        if g == "male":
            # R4 gender is administrative. A recorded birth sex of female (US Core) beside it keeps a
            # pregnancy possible: read as male alone, the teratogen's pregnancy test (ILD404) was skipped.
            exts = r.get("extension")
            for i, ext in enumerate(exts if isinstance(exts, list) else ()):
                if not isinstance(ext, dict):
                    continue  # a malformed entry names nothing (it crashed the mapping: OL000)
                code = ext.get("valueCode")
                if ext.get("url") == _US_CORE_BIRTHSEX and isinstance(code, str) and code.strip().upper() == "F":
                    self.patient["reproductive_potential"] = True
                    where = _p(ptr, "extension", i)
                    self.m.origin["/patient/reproductive_potential"] = where
                    self.note("conflicting-extension", "gender male, but us-core-birthsex F: reproductive potential "
                              "is taken as possible (fail closed)", where)
                    break
        b = r.get("birthDate")
        mt = _DATE.match(b.strip()) if isinstance(b, str) else None
        born: Optional[_dt.date] = None
        if mt:
            try:
                born = _dt.date(int(mt.group(1)), int(mt.group(2) or 1), int(mt.group(3) or 1))
            except ValueError:
                pass
        # (As the gender: a birth date that cannot be read, or lies ahead, beside another is a disagreement.)
        if b is not None and self._agrees("age_years", born if born is not None else b, _p(ptr, "birthDate")):
            if mt and born is not None and born <= self.as_of:
                age = self.as_of.year - born.year - ((self.as_of.month, self.as_of.day) < (born.month, born.day))
                self.patient["age_years"] = age
                self.m.origin["/patient/age_years"] = _p(ptr, "birthDate")
                if mt.group(3) is None:
                    self.note("partial-birth-date", f"birthDate {b!r} is partial: read as {born.isoformat()}", _p(ptr, "birthDate"))
            else:
                # fhir.md section 3: any other gap is OL008 missing-value (it was dropped unsaid).
                why = "is after the evaluation date" if born is not None else "is not a date"
                self.note("missing-value", f"birthDate {str(b)[:40]!r} {why}: age not read", _p(ptr, "birthDate"))

    def _agrees(self, field: str, value: Any, ptr: str) -> bool:
        """Whether a Patient's ``value`` of a demographic field may be used: False once two Patient
        resources of this patient disagree on it (an id-less Patient 'male' after Patient/p1
        'female' replaced her sex, and the pregnancy test of ILD404 was skipped). Then the field is
        not used (the format's default: a sex not given keeps a pregnancy possible), and it is said."""
        first = self._given.setdefault(field, (value, ptr))
        if first[1] == "":  # they disagreed already: a third that agrees with one of them decides nothing
            return False
        if first[0] == value:
            return True
        shown = {"sex": "gender", "age_years": "birthDate"}[field]
        self.note("missing-value", f"Patient resources of this patient disagree on {shown} ({first[0]!s} at {first[1]}, "
                  f"{value!s} here): neither is used", ptr)
        self._given[field] = (first[0], "")  # said once
        self.patient.pop(field, None)
        self.m.origin.pop(f"/patient/{field}", None)
        return False

    def _observation(self, x: _Res) -> None:
        r, ptr = x.r, x.ptr
        for _cptr, coding in self._codings(r.get("code"), _p(ptr, "code")):
            e = self.vs.get("measurements", coding.get("system"), coding.get("code"))
            if e is not None:
                if _str(r.get("status")) in _OBS_DONE:
                    self._measure(e, r, ptr)
                return
        self._test_resource(x)

    def _measure(self, e: Any, r: dict, ptr: str) -> None:
        day0 = _date(_when(r))
        if day0 is not None and day0 <= self.as_of.isoformat() and day0 > self._measured.get(e.maps_to, ""):
            # The last day a weight, height or BSA was measured, whether its value can be used or not
            # (compared by day: a BSA charted at the visit without a time is that visit's).
            self._measured[e.maps_to] = day0
        name = {"weight": "weight_kg", "height": "height_cm", "bsa": "bsa_m2"}[e.maps_to]
        q = r.get("valueQuantity")
        qptr = _p(ptr, "valueQuantity")
        if not isinstance(q, dict) or not _number(q.get("value")):
            self._unread(name, r, ptr, f"{e.display} Observation has no numeric valueQuantity", "missing-value")
            return
        code = _str(q.get("code"))
        factors = {"weight": _WEIGHT, "height": _HEIGHT, "bsa": {"m2": 1.0}}[e.maps_to]
        if code not in factors:
            self._unread(name, r, _p(qptr, "code") if "code" in q else qptr,
                         f"{e.display} in {code or q.get('unit')!r}, not a UCUM code this mapping converts ({', '.join(factors)})",
                         "non-ucum-unit")
            return
        if e.tag == "U":
            self.note("unverified-code", f"{e.display} read from LOINC {e.code}, an unverified code (U)", _p(ptr, "code"))
        value = round(float(q["value"]) * factors[code], 4)
        if not (math.isfinite(value) and value > 0):
            # fhir.md 2.6 "nothing lost, nothing silent": an unmappable value is a gap, never written wrong.
            self._unread(name, r, _p(qptr, "value"), f"{e.display} {q['value']!r} {code} is not a positive finite number",
                         "missing-value")
            return
        when = _when(r)
        day = _date(when)
        if day is None:
            # Undated, it may be of any age, and it was taken over none (a 200 kg weight with no
            # date made the BSA that passed a cyclophosphamide overdose). Screening results so
            # dated are not counted either (fhir.md 2.4).
            self.note("undated-result", f"{e.display} Observation has no readable effective date or issued time: not used", ptr)
            return
        if day > self.as_of.isoformat():
            # Measured after the evaluation date: not known then (a replay would take a later weight).
            self.note("missing-value", f"{e.display} of {day} is after the evaluation date {self.as_of.isoformat()}: not used", ptr)
            return
        at = _instant(when)
        prev = self.measures.get(name)
        if q.get("comparator") is not None:
            # A bound (< 120 kg), not a measurement: read as the value, it made the mg/kg and mg/m2 that
            # passed (comparator is a modifier element; doses already honour it).
            self._latest_unread(name, _p(qptr, "comparator"), at,
                                f"{e.display} is given as {q.get('comparator')!r} {q['value']!r}, a bound and not a measurement")
            return
        if prev is None or at > prev[2]:  # the latest effective[x] wins, compared as instants (time zones)
            self.measures[name] = (_p(qptr, "value"), value, at)
        elif at == prev[2] and prev[1] is not None and value != prev[1]:
            # Two values at the same latest instant: which is right cannot be told, and the later in
            # the input won (60 kg then 150 kg passed an azathioprine dose that 60 kg makes too high).
            # Said once the latest is known (a later measurement settles it).
            self.measures[name] = (_p(qptr, "value"), None, at)
            self._ties[name] = ("missing-value", f"{e.display} is given two values at {day} ({prev[1]:g} and {value:g}): "
                                "neither is used")

    def _unread(self, name: str, r: dict, ptr: str, said: str, kind: str) -> None:
        """A weight, height or BSA Observation whose value cannot be read: not used, and, when it is
        dated and may be the latest, neither is an earlier one (_latest_unread); else said alone."""
        when = _when(r)
        day = _date(when)
        if day is not None and day <= self.as_of.isoformat():
            self._latest_unread(name, ptr, _instant(when), said, kind)
        else:
            self.note(kind, f"{said}: not used", ptr)

    def _latest_unread(self, name: str, ptr: str, at: Any, said: str, kind: Optional[str] = None) -> None:
        """A measurement at instant ``at`` whose value cannot be used: as the latest, it hides the
        earlier ones too (last year's weight is not today's; a weight of this week in 'lb', not
        read, left the 95 kg of 2024 to pass an azathioprine overdose); older than the latest, it
        is superseded as any older measurement is (said as ``kind`` when given)."""
        prev = self.measures.get(name)
        if prev is None or at >= prev[2]:
            self.measures[name] = (ptr, None, at)
            # Said as its kind when it has one (non-ucum-unit: as an older one is said), else missing-value.
            self._ties[name] = (kind or "missing-value",
                                said + (": neither it nor an earlier one is used" if prev is not None else ": not used"))
        elif kind is not None:
            self.note(kind, f"{said}: not used", ptr)

    # ----------------------------------------------------------------- tests
    def _codings(self, cc: Any, ptr: str) -> list[tuple[str, dict]]:
        if not isinstance(cc, dict):
            return []
        cod = cc.get("coding")
        if isinstance(cod, dict):
            # fhir.md 2.1: an object where an array belongs is one item, said once (OL008).
            at = _p(ptr, "coding")
            if at not in self._repaired_codings:
                self._repaired_codings.add(at)
                self.note("shape-repaired", "coding is an object, not an array: read as one coding", at)
            return [(at, _canonical_coding(cod))]
        if not isinstance(cod, list):
            return []
        # A system written by another of its names (an OID, https) is read as the system (a copy:
        # the input is not changed): RxNorm by its OID was no RxNorm code.
        return [(_p(ptr, "coding", i), _canonical_coding(c)) for i, c in enumerate(cod) if isinstance(c, dict)]

    def _test_codes(self, cc: Any, ptr: str, quiet: bool = False) -> tuple[list[str], str, list[Note]]:
        """Test names a code gives, the pointer of the deciding coding, and notes."""
        names: list[str] = []
        at = ptr
        notes: list[Note] = []
        for cptr, c in self._codings(cc, ptr):
            e = self.vs.get("tests", c.get("system"), c.get("code"))
            if e is not None and e.maps_to not in names:
                names.append(e.maps_to)
                at = cptr
                if e.tag == "U":
                    notes.append(Note("unverified-code", f"test {e.maps_to} read from {e.code}, an unverified code (U)", cptr))
        if names:
            return names, at, notes
        # fhir.md 2.4, tpmt: no verified code; any TPMT/NUDT15 code counts, as a U code.
        cc_text = _str(cc.get("text")) if isinstance(cc, dict) else None
        for cptr, c in self._codings(cc, ptr):
            code, shown = _str(c.get("code")), _str(c.get("display")) or cc_text
            if code and code.strip() and shown and _TPMT.search(shown):
                notes.append(Note("unverified-code", f"test tpmt read from {c.get('system')}|{code} ({shown!r}): any TPMT/NUDT15 "
                                  "code counts, none is verified (U)", _p(cptr, "code")))
                return ["tpmt"], cptr, notes
        texts = []
        if isinstance(cc, dict) and isinstance(cc.get("text"), str):
            texts.append((_p(ptr, "text"), cc["text"]))
        texts += [(_p(cptr, "display"), c["display"]) for cptr, c in self._codings(cc, ptr) if isinstance(c.get("display"), str)]
        for tptr, text in texts:
            hit = self._known_test(text)
            if hit:
                notes.append(Note("matched-by-text", f"test {hit!r} matched by its text {text!r}, not by a code", tptr))
                return [hit], tptr, notes
        return [], ptr, notes

    def _known_test(self, text: str) -> Optional[str]:
        v = self.vocab
        if v is None:
            if self._test_vocab is None:
                from orderlint.vocabulary import Vocabulary

                self._test_vocab = Vocabulary()
            v = self._test_vocab
        t = text.strip()
        return t if t and len(t) < 200 and v.test(t) else None

    def _test_resource(self, x: _Res) -> None:
        r, ptr = x.r, x.ptr
        rt = r.get("resourceType")
        st = r.get("status")
        if rt == "ServiceRequest":
            if st not in ("draft", "active"):
                return
            intent = r.get("intent")
            said = intent.strip().lower() if isinstance(intent, str) else None
            if r.get("doNotPerform") is True or said == "option" or said in _NOT_YET_ORDERED:
                # A test asked not to be done, only offered, or only proposed or planned is not ordered
                # (as fhir.md 2.1 drops such a MedicationRequest): it never stands for a screening (a
                # proposed HBV serology passed ILD402 before rituximab), in whatever case the intent is
                # written ('Proposal' counted as ordered).
                why = "doNotPerform: true" if r.get("doNotPerform") is True else f"intent {intent}"
                self.note("dropped-order", f"ServiceRequest {_id_text(r)}has {why}: not counted as an ordered test", ptr)
                return
            if said not in _SR_INTENTS:
                # intent is required (1..1): a request that says none, or no R4 intent, is not known to
                # order anything, so it never stands for a screening (it had counted as ordered).
                said_intent = "has no intent" if intent is None else f"has intent {intent!r:.60}, not an R4 request intent"
                self.note("unknown-status", f"ServiceRequest {_id_text(r)}{said_intent}: not counted as an ordered "
                          "test (fail closed)", _p(ptr, "intent") if "intent" in r else ptr)
                return
            status = "ordered"
        elif rt == "Procedure":
            if st != "completed":
                return
            status = "resulted"
        elif rt == "ImagingStudy":
            if st != "available":
                return
            status = "resulted"
        else:
            if _str(st) not in _OBS_DONE:
                return
            status = "resulted"
        if rt == "ImagingStudy":
            names: list[str] = []
            notes: list[Note] = []
            at = ptr
            for pptr, cc in self.array(r, "procedureCode", ptr):
                names, at, notes = self._test_codes(cc, pptr)
                if names:
                    break
        else:
            names, at, notes = self._test_codes(r.get("code"), _p(ptr, "code"))
        if not names:
            return
        if rt == "ServiceRequest" and not x.draft and (self.cds or st != "draft"):
            names = self._current_orders(r, ptr, names)
            if not names:
                self.m.notes.extend(notes)
                return
        item: dict = {"status": status}
        if rt == "Observation" and r.get("dataAbsentReason") not in (None, {}, []):
            # A final Observation that says why it holds no value (error, not performed, ...) is no
            # result: counting it would stand for a screening that gave none.
            self.m.notes.extend(notes)
            absent = _concept_text(r["dataAbsentReason"])
            self.note("missing-value", f"Observation of {', '.join(names)} has no value (dataAbsentReason"
                      f"{': ' + absent if absent else ''}): not counted as a result", _p(ptr, "dataAbsentReason"))
            return
        if status == "resulted":
            date = _date(_when(r))
            if date is None:
                self.m.notes.extend(notes)
                self.note("undated-result", f"{rt} of {', '.join(names)} has no date: not counted", ptr)
                return
            item["date"] = date
            result = self._result(r, ptr, names)
            if result is not None:
                item["result"] = result
        self.m.notes.extend(notes)
        for n in names:
            idx = len(self.tests)
            self.tests.append({"test": n, **item})
            self.m.origin[f"/tests/{idx}"] = ptr
            self.m.origin[f"/tests/{idx}/test"] = at

    def _current_orders(self, r: dict, ptr: str, names: list[str]) -> list[str]:
        """The tests a ServiceRequest that is not a draft order of this signing still stands for: an
        order authored (or due: occurrence[x]) longer ago than a test's look-back window before as_of
        is not part of this document (regimen-format.md: `ordered` = part of this document, or
        pending), so it no longer counts as that test ordered (a pregnancy test ordered in 2023 and
        never done passed ILD404); `OL008 dropped-order`. An order with no date is kept, and so is a
        draft ServiceRequest of a Bundle (a test ordered with the prescription, not signed yet); in a
        CDS Hooks request only its draft orders are part of this signing, a prefetch draft is not."""
        dates = [d for d in (_date(r.get("authoredOn")), _date(r.get("occurrenceDateTime")),
                             _date(_dig(r, "occurrencePeriod", "start")), _date(_dig(r, "occurrencePeriod", "end")))
                 if d is not None]
        if not dates:
            return names
        latest = max(dates)
        age = (self.as_of - _dt.date.fromisoformat(latest)).days
        # ... and one due only far ahead (its occurrence) is no baseline test of a drug started now, as
        # regimen-format.md reads an ordered test dated so (normalize._stale_order).
        from orderlint.normalize import _FARTHEST_AHEAD

        occurs = [d for d in (_date(r.get("occurrenceDateTime")), _date(_dig(r, "occurrencePeriod", "start")))
                  if d is not None]
        due = min(occurs) if occurs else latest
        ahead = (_dt.date.fromisoformat(due) - self.as_of).days if occurs else 0
        keep = []
        for n in names:
            window = self._window(n)
            if ahead > (window if window is not None else _FARTHEST_AHEAD):
                self.note("dropped-order", f"ServiceRequest {_id_text(r)}for {n} is dated {due}, {ahead} days after "
                          f"{self.as_of.isoformat()}: not counted as an ordered test", ptr)
            elif window is None or age <= window:
                keep.append(n)
            else:
                self.note("dropped-order", f"ServiceRequest {_id_text(r)}for {n} dates from {latest}, {age} days before "
                          f"{self.as_of.isoformat()}, beyond its {window}-day look-back window: not counted as an "
                          "ordered test", _p(ptr, "authoredOn") if _date(r.get("authoredOn")) == latest else ptr)
        return keep

    def _window(self, name: str) -> Optional[int]:
        """The look-back window of a test name in days (the shortest of the tests it stands for; None:
        any age)."""
        v = self.vocab
        if v is None:
            if self._test_vocab is None:
                from orderlint.vocabulary import Vocabulary

                self._test_vocab = Vocabulary()
            v = self._test_vocab
        windows = []
        for canonical in (v.test(name) or (name,)):
            w = self.lookback.get(canonical, self.lookback.get("default", 90))
            if w is not None:
                windows.append(w)
        return min(windows) if windows else None

    def _result(self, r: dict, ptr: str, names: Sequence[str] = ()) -> Optional[str]:
        """Every reading the resource states, as one text whose clauses (';') are each read, the worst
        deciding: the mapped interpretation and value codes (fhir.md 2.4), else their displays or codes
        as written, the interpretation's and value's text, valueString, valueBoolean, conclusion; a
        number (valueQuantity with its comparator, valueInteger) only when nothing else is stated, but
        a skin test's induration (a unit of length; no unit on a tuberculosis test or a code named as a
        skin test; or in a component) before the first of them, in its clause (an interpretation N
        hid 'Mantoux 8 mm'). Taking the first one
        found dropped the rest: an interpretation N hid the valueString 'Reactive', and a display
        'Positive', an interpretation DET or IND, or an hCG of 1520 m[IU]/mL left no result at all.
        The test's own code follows in brackets ('positive [16933-4]'), so that results of two assays
        mapped to one test (anti-HBc, HBsAg: hbv) stay two assays (Regimen.test_results)."""
        parts = self._readings(r, ptr)
        parts.append(_nonblank(r.get("conclusion")))
        # A DiagnosticReport's coded conclusion (fhir.md 2.4 and 3: a value never vanishes): unread, a
        # positive hCG or HBsAg given only there was a result-less test, set aside beside an earlier
        # negative. Its codes are results (SNOMED) or interpretations (v3 N, POS).
        for ccptr, cc in self.array(r, "conclusionCode", ptr):
            for _cptr, c in self._codings(cc, ccptr):
                e = (self.vs.get("results", c.get("system"), c.get("code"))
                     or self.vs.get("interpretations", c.get("system"), c.get("code")))
                parts.append(e.maps_to if e is not None else _coding_words(c))
            parts.append(_text_of(cc))
        said: list[str] = list(dict.fromkeys(p for p in parts if p))
        stated = _stated_number(r.get("valueQuantity"), r.get("valueInteger"))
        if said:
            # A skin test's induration beside its reading, in its clause ('8 mm negative'): the reading
            # reads it only below the lowest cut-off (normalize._indurated). Dropped, an interpretation N
            # made 'Mantoux 8 mm' negative. Other numbers are read by the reading beside them.
            from orderlint.normalize import SKIN_TEST_WORDS

            skin = "tb" in names or SKIN_TEST_WORDS.search(_words_of(r.get("code"))) is not None
            components = r.get("component")
            indurations = [mm for mm in [_induration(stated, skin)] + [
                _induration(_stated_number(c.get("valueQuantity"), c.get("valueInteger")), False)
                for c in (components if isinstance(components, list) else ()) if isinstance(c, dict)]
                if mm is not None]
            if indurations:
                said[0] = " ".join(indurations) + " " + said[0]
        elif stated is not None:
            said.append(stated[0] + (f" {stated[1]}" if stated[1] else ""))
        elif r.get("result") in (None, [], {}):  # a report with results: they are read as Observations
            unread = [k for k in _UNREAD_VALUES if r.get(k) not in (None, {}, [], "")]
            if unread:
                # The result is only in a value orderlint does not read (a ratio, a range, an attached
                # report): never negative, and said.
                said.append("uninterpretable")
                self.note("missing-value", f"{r.get('resourceType') or 'result'} {_id_text(r)}gives its result only in "
                          f"{', '.join(unread)}, which is not read: read as indeterminate", _p(ptr, unread[0]))
        code = _assay_key(r.get("code"))
        if not said:
            return None
        return "; ".join(said) + (f" [{code}]" if code else "")

    def _readings(self, r: dict, ptr: str) -> list[Optional[str]]:
        """The words and codes of a result (no number): its interpretation and valueCodeableConcept
        (mapped codes, else their words), their text, valueString and valueBoolean."""
        parts: list[Optional[str]] = []
        for iptr, cc in self.array(r, "interpretation", ptr):
            for _cptr, c in self._codings(cc, iptr):
                e = self.vs.get("interpretations", c.get("system"), c.get("code"))
                parts.append(e.maps_to if e is not None else _coding_words(c))
            parts.append(_text_of(cc))
        vcc = r.get("valueCodeableConcept")
        for _cptr, c in self._codings(vcc, _p(ptr, "valueCodeableConcept")):
            e = self.vs.get("results", c.get("system"), c.get("code"))
            parts.append(e.maps_to if e is not None else _coding_words(c))
        parts.append(_text_of(vcc))
        parts.append(_nonblank(r.get("valueString")))
        if type(r.get("valueBoolean")) is bool:
            parts.append("positive" if r["valueBoolean"] else "negative")
        return parts

    # ----------------------------------------------------------------- indication
    def _condition_kinds(self, cc: Any, ptr: str, by_category: bool = False) -> list[tuple[str, Any, str]]:
        out = []
        for cptr, c in self._codings(cc, ptr):
            code = c.get("code")
            system = c.get("system")
            if isinstance(code, str) and system == ICD10CM:
                # ICD-10-CM codes are one code whatever their case ('m34.81' was no SSc: OL007).
                code = code.strip().upper()
                if "." not in code and len(code) > 3:
                    code = code[:3] + "." + code[3:]
            e = self.vs.get("conditions", system, code)
            if (e is None and by_category and isinstance(code, str) and isinstance(system, str)
                    and system in _ICD10_SYSTEMS):  # canonical already (_codings)
                # A code of the ICD-10 categories of SSc (M34) and of other interstitial pulmonary
                # diseases (J84) that the value set does not list (J84.170, ICD-10 WHO M34.9): read
                # by its category, as an order's reason is, with an unverified-code note; it was no
                # condition, and the patient not-applicable (no card at order time).
                cat = code.strip().upper()[:3]
                kind = _ICD10_CONDITION_CATEGORIES.get(cat)
                if kind is not None:
                    e = Entry(system, code.strip(), kind, f"ICD-10 category {cat}, read by its category",
                              "U", "ICD-10 category")
            if e is not None:
                out.append((e.maps_to, e, cptr))
        return out

    def _condition_words(self, cc: Any, ptr: str) -> list[tuple[str, Any, str]]:
        """A Condition none of whose codes places it, read by its text, else by its codings'
        displays (as an order's reason is, fhir.md 2.1 Purpose): the first that names SSc or ILD.
        Unread, an SSc-ILD patient whose condition was coded otherwise (SNOMED 'lung disease with
        systemic sclerosis', a local code, text only) was not-applicable: at order time, no card."""
        said = [(_text_of(cc), _p(ptr, "text"))] + [(_nonblank(c.get("display")), _p(cptr, "display"))
                                                     for cptr, c in self._codings(cc, ptr)]
        for text, tptr in said:
            if text is None:
                continue
            ssc = _SSC_WORDS.search(text) is not None
            ild = _ILD_WORDS.search(text) is not None or (ssc and _LUNG_WORDS.search(text) is not None)
            kind = "ssc-ild" if ssc and ild else "ssc" if ssc else "ild" if ild else None
            if kind is not None:
                return [(kind, Entry("", "", kind, text[:80], _BY_TEXT, "text"), tptr)]
        return []

    def _counts(self, r: dict) -> bool:
        """Whether a Condition counts (fhir.md 2.3): not when a status says it is over or was wrong,
        unless another coding of that status says otherwise (a local 'inactive' beside HL7 'active':
        which is current is not known, and the Condition not counted left its patient unchecked)."""
        for key, bad, good in _CONDITION_STATUSES:
            said = {_str(c.get("code")) for _ptr, c in self._codings(r.get(key), "")}
            if not said.isdisjoint(bad) and said.isdisjoint(good):
                return False
        return True

    def _indication(self) -> dict:
        found: dict[str, list] = {"ssc": [], "ild": [], "ssc-ild": []}
        placing: list[_Res] = []
        for x in self.conditions:
            if not self._counts(x.r):
                continue
            kinds = self._condition_kinds(x.r.get("code"), _p(x.ptr, "code"), by_category=True)
            if not kinds:
                kinds = self._condition_words(x.r.get("code"), _p(x.ptr, "code"))
            for kind, e, cptr in kinds:
                found[kind].append((e, cptr))
            if kinds:
                placing.append(x)
        for o in self._reason_codes:
            for kind, e, cptr in o:
                found[kind].append((e, cptr))
        placed = bool(found["ssc-ild"]) or (bool(found["ssc"]) and bool(found["ild"]))
        if not placed:
            names = []
            for x in self.conditions:
                if self._counts(x.r):
                    cc = x.r.get("code")
                    t = cc.get("text") if isinstance(cc, dict) else None
                    if not isinstance(t, str):
                        t = next((c.get("display") for _p2, c in self._codings(cc, "") if isinstance(c.get("display"), str)), None)
                    if isinstance(t, str) and t.strip():
                        names.append(t.strip())
            if self.conditions:
                self.m.origin[""] = self.m.origin["/indication"] = self.conditions[0].ptr
            return {"condition": "; ".join(names[:3]) if names else "no SSc-ILD condition in the FHIR input"}
        if placing:
            self.m.origin[""] = self.m.origin["/indication"] = placing[0].ptr
        for e, cptr in found["ssc-ild"] + found["ssc"] + found["ild"]:
            if e.tag == _BY_TEXT:
                self.note("matched-by-text", f"condition read as {e.maps_to} by its text {e.display!r}, not by a code", cptr)
        for kind in ("ssc-ild", "ssc", "ild"):
            if found[kind] and all(e.tag == "U" for e, _ in found[kind]) and (kind != "ssc-ild" or not (found["ssc"] and found["ild"])):
                if kind == "ssc-ild" or not found["ssc-ild"]:
                    e, cptr = found[kind][0]
                    self.note("unverified-code", f"the indication relies on {e.system} {e.code} ({e.display}), an unverified code (U)",
                              _p(cptr, "code"))
        ind: dict = {"condition": "ssc-ild"}
        for ext_name, key, ok in (("ild-phase", "phase", lambda v: v in ("first-line", "progression")),
                                  ("rapidly-progressive", "rapidly_progressive", lambda v: isinstance(v, bool))):
            values = []
            for x in placing:
                for eptr, ext in self.array(x.r, "extension", x.ptr):
                    if isinstance(ext, dict) and ext.get("url") == self.ns + ext_name:
                        v = ext.get("valueCode", ext.get("valueBoolean"))
                        if ok(v):
                            values.append((v, eptr))
                        else:
                            self.note("conflicting-extension", f"{ext_name} has an invalid value {v!r}: ignored", eptr)
            if len({v for v, _ in values}) > 1:
                self.note("conflicting-extension", f"{ext_name} is given conflicting values "
                          f"({', '.join(sorted(repr(v) for v, _ in values))}): ignored", values[0][1])
            elif values:
                ind[key] = values[0][0]
                self.m.origin[f"/indication/{key}"] = values[0][1]
        return ind

    # ----------------------------------------------------------------- medications
    def _medication(self, r: dict, ptr: str) -> tuple[Optional[str], str, list[tuple[str, str]], Optional[dict], Optional[str]]:
        """(name, its pointer, RxNorm codes with pointers, strength, strength pointer)."""
        cc, ccptr, strength, sptr = None, ptr, None, None
        ingredients: list[str] = []  # the names of a referenced Medication's active ingredients
        items: list[tuple[Any, str]] = []  # their itemCodeableConcepts, with pointers
        from_code = False  # cc is the Medication's code
        if isinstance(r.get("medicationCodeableConcept"), dict) and isinstance(r.get("medicationReference"), dict):
            # medication[x] is one value in R4: given both ways, which drug is ordered is not known.
            self.m.errors.append((f"{r.get('resourceType')} {_id_text(r)}gives both medicationCodeableConcept and "
                                  "medicationReference (FHIR allows one): the drug ordered is not known",
                                  _p(ptr, "medicationReference")))
        if isinstance(r.get("medicationCodeableConcept"), dict):
            cc, ccptr = r["medicationCodeableConcept"], _p(ptr, "medicationCodeableConcept")
        elif isinstance(r.get("medicationReference"), dict):
            mref = r["medicationReference"]
            rptr = _p(ptr, "medicationReference")
            med = self._resolve_med(r, ptr, mref.get("reference"))
            if med is None:
                # fhir.md 2.1: an unresolved reference is OL002, even with a display: a display is
                # free text, not the coded Medication the order names.
                shown = mref.get("reference") if isinstance(mref.get("reference"), str) else None
                disp = mref.get("display") if isinstance(mref.get("display"), str) and mref["display"].strip() else None
                self.note("unresolved-reference", (f"medicationReference {shown!r} is not in the input" if shown
                                                   else "medicationReference names no resource")
                          + (f" (display {disp!r} not used)" if disp else ""), rptr)
                return None, rptr, [], None, None
            mr, mptr = med
            if isinstance(mr.get("code"), dict) and (mr["code"].get("coding") or mr["code"].get("text")):
                cc, ccptr = mr["code"], _p(mptr, "code")
                from_code = True
            for iptr, ing in self.array(mr, "ingredient", mptr):
                if not isinstance(ing, dict):
                    continue
                if ing.get("isActive") is False:
                    # An excipient (isActive false) names no drug and gives no strength: a tablet's 20 mg of
                    # povidone read as the strength made CellCept 4 tablets bid 160 mg a day.
                    continue
                ingredients.append(self._ingredient_name(ing))
                items.append((ing.get("itemCodeableConcept"), _p(iptr, "itemCodeableConcept")))
                if cc is None and isinstance(ing.get("itemCodeableConcept"), dict):
                    cc, ccptr = ing["itemCodeableConcept"], _p(iptr, "itemCodeableConcept")
                if strength is None:
                    strength = _strength(ing.get("strength"))
                    sptr = _p(iptr, "strength")
                    if strength is None and isinstance(ing.get("strength"), dict):
                        # Said, never dropped without a word (fhir.md 3): the order's dose then needs a
                        # strength it does not have (OL003).
                        self.note("missing-value", f"Medication {_id_text(mr)}ingredient strength is not in mg per "
                                  "tablet or per mL: not read", sptr)
        if cc is None:
            return None, ptr, [], strength, sptr
        name, nptr, codes = self._name_of(cc, ccptr)
        if from_code and name is None:
            # A code that names nothing readable (an NDC coding alone, no text or display): fhir.md 2.1
            # reads the ingredients then. Read as no drug, the cyclophosphamide its ingredient names was
            # an unknown drug, a warning, and went unchecked.
            for item, iptr in items:
                if isinstance(item, dict):
                    cc, ccptr = item, iptr
                    name, nptr, codes = self._name_of(cc, ccptr)
                    from_code = False
                    break
        if from_code and items and name is not None and self.vocab is not None:
            res = self.vocab.resolve(name)
            if res.drug is None and not res.ambiguous:
                # fhir.md 2.1, RxNorm codings first: a code whose text names no known drug ('CYC per
                # protocol') and no verified code of its own gives way to its active ingredients'
                # verified codes when they all name one drug. Read as a combination of the text and
                # the ingredient, cyclophosphamide was an unknown drug, a warning, and went unchecked.
                coded = [self._coded_drug(self._rxnorm_codes(item, iptr)) for item, iptr in items]
                if all(c is not None for c in coded) and len({c[0].name for c in coded if c is not None}) == 1:
                    first = coded[0]
                    assert first is not None
                    name, nptr = first[0].name, first[1]
        # fhir.md 2.1: codings that do not resolve the drug may still name a checked one (OL002 error).
        if name is not None and self.vocab is not None:
            res = self.vocab.resolve(name)
            if res.drug is None and not res.ambiguous:
                named = self._named_by_codings([(cc, ccptr), *items])
                if named:
                    self._coded[ptr] = named
            elif res.drug is not None:
                # A coding (a display in any system, another RxNorm code) that names another drug than
                # the name read: which one is given cannot be told. Read as the name alone, a SNOMED
                # coding of cyclophosphamide under the text 'mycophenolate mofetil' went unchecked
                # (no ILD301, no dose check); as both, the vocabulary refuses the name (OL002 error).
                # The first verified RxNorm code is read already: one of another drug is the
                # contradiction the order's rxcui or product code reports (OL002 at that code). A U
                # code never outweighs the name (fhir.md 2.1).
                first = self._coded_drug(codes)
                handled = first[1] if first is not None else None
                others = [(d, how, where) for d, how, where in self._named_by_codings([(cc, ccptr)])
                          if where != handled and not how.endswith("(tag U)") and not _same_drug(self.vocab, res.drug, d)]
                if others:
                    said = "; ".join(f"{how} names {d}" for d, how, _w in others)
                    self.note("matched-by-text", f"the medication reads as {res.drug.name} ({name!r}), but {said}: "
                              "read as all of them, which cannot be checked", others[0][2])
                    name = " / ".join(dict.fromkeys([name, *(d for d, _h, _w in others)]))
        if ingredients:
            combined = self._combination(name, ingredients)
            if combined is not None:
                # A product of several active ingredients, or a code its ingredient contradicts: read
                # as one of them, the other went unchecked. The names together read as a combination,
                # which the vocabulary refuses (OL002), as it does a combination typed as text.
                return combined, nptr, [], strength, sptr
        return name, nptr, codes, strength, sptr

    def _named_by_codings(self, ccs: list[tuple[Any, str]]) -> list[tuple[str, str, str]]:
        """(drug, how it is named, pointer) of each known drug that a coding's display (any system)
        or an RxNorm code the vocabulary knows (any tag, U included) names, in coding order."""
        assert self.vocab is not None
        out: list[tuple[str, str, str]] = []
        for cc, ccptr in ccs:
            for cptr, c in self._codings(cc, ccptr):
                code = c.get("code")
                if c.get("system") == RXNORM and isinstance(code, str) and code.strip():
                    known = self.vocab.code(code.strip())
                    d = self.vocab.drugs.get(known.ingredient) if known is not None else None
                    if d is not None:
                        out.append((d.name, f"RxNorm {code.strip()} (tag {rxnorm_tag(code.strip(), known.tag)})",
                                    _p(cptr, "code")))
                disp = c.get("display")
                if isinstance(disp, str) and disp.strip():
                    d = self.vocab.resolve(disp.strip()).drug
                    if d is None:
                        # A terminology's own wording around the name ('Product containing
                        # cyclophosphamide (medicinal product)', SNOMED CT's): the one drug it holds.
                        held = {self.vocab.drug(k) for k in self.vocab.contained_names(disp.strip())}
                        held.discard(None)
                        d = held.pop() if len(held) == 1 else None
                    if d is not None:
                        out.append((d.name, f"display {disp.strip()!r}", _p(cptr, "display")))
        return out

    def _ingredient_name(self, ing: dict) -> str:
        """A Medication ingredient's name for _combination: its item's text or display, the drug
        its RxNorm code names, else a stand-in that names no drug (an ingredient not known is never
        taken to be the product's drug)."""
        item = ing.get("itemCodeableConcept")
        if isinstance(item, dict):
            name, _ptr, _codes = self._name_of(item, "", quiet=True)
            if name:
                return name
        ref = ing.get("itemReference")
        shown = ref.get("display") if isinstance(ref, dict) else None
        return shown.strip() if isinstance(shown, str) and shown.strip() else "an ingredient not named"

    def _combination(self, name: Optional[str], ingredients: list[str]) -> Optional[str]:
        """The product's name and its ingredients joined as a combination ('A / B') when they are
        not all one drug; None when they are (the usual product: its code and its one ingredient)."""
        if self.vocab is None:
            return None if len({i.strip().lower() for i in ingredients}) <= 1 else " / ".join(ingredients)
        drugs = {self.vocab.drug(n) for n in ([name] if name else []) + ingredients}
        if len(drugs) == 1 and None not in drugs:
            return None
        parts = ([name] if name else []) + [i for i in ingredients if i != name]
        return " / ".join(dict.fromkeys(parts))

    def _rxnorm_codes(self, cc: Any, ccptr: str) -> list[tuple[str, str]]:
        """The RxNorm codes of a CodeableConcept, each with its pointer, in coding order."""
        return [(c["code"].strip(), _p(cptr, "code")) for cptr, c in self._codings(cc, ccptr)
                if c.get("system") == RXNORM and isinstance(c.get("code"), str) and c["code"].strip()]

    def _coded_drug(self, codes: list[tuple[str, str]]) -> Optional[tuple[Drug, str]]:
        """The drug the first verified (V or V2, fhir.md section 5) RxNorm code of ``codes`` names,
        ingredient or product code, with its pointer; None when no code is one."""
        if self.vocab is None:
            return None
        for code, cptr in codes:
            c = self.vocab.code(code)
            if c is not None and rxnorm_tag(code, c.tag) in ("V", "V2"):
                d = self.vocab.drugs.get(c.ingredient)
                if d is not None:
                    return d, cptr
        return None

    def _name_of(self, cc: dict, ccptr: str, quiet: bool = False) -> tuple[Optional[str], str, list[tuple[str, str]]]:
        """(name, its pointer, RxNorm codes with pointers) of a medication CodeableConcept in
        fhir.md 2.1's order: a verified RxNorm code (ingredient, or product to its ingredient)
        first; else its text, else a display (RxNorm first); else the drug a U code names.

        With a verified code, a text or display that reads as the same drug stays the name (its
        printed strength and stated route count); one that names the class ('mycophenolate') is
        read as the code's form; one that names no known drug gives way to the code's ingredient
        ('cyclophosphamide per protocol' with 3002 was an unknown drug, a warning, and went
        unchecked); one that names another drug stays, and the code then contradicts it (OL002)."""
        codes = self._rxnorm_codes(cc, ccptr)
        named: Optional[tuple[str, str]] = None
        text = cc.get("text")
        if isinstance(text, str) and text.strip():
            named = text.strip(), _p(ccptr, "text")
        else:
            displays = [(c.get("system") == RXNORM, cptr, c["display"]) for cptr, c in self._codings(cc, ccptr)
                        if isinstance(c.get("display"), str) and c["display"].strip()]
            displays.sort(key=lambda d: not d[0])
            if displays:
                named = displays[0][2].strip(), _p(displays[0][1], "display")
        coded = self._coded_drug(codes) if codes else None
        if coded is not None and self.vocab is not None:
            d, cptr = coded
            if named is None:
                return d.name, cptr, codes
            res = self.vocab.resolve(named[0])
            if res.drug is None and not res.ambiguous:
                return d.name, cptr, codes
            if res.drug is not None and res.drug.name != d.name and res.drug.name in d.classes:
                # The bracket reads as the code's form and agrees with the text's class (Vocabulary._agree).
                return f"{named[0]} [{d.name}]", named[1], codes
            return named[0], named[1], codes
        if named is not None:
            return named[0], named[1], codes
        if self.vocab is not None:
            for code, cptr in codes:
                d = self.vocab.drug_by_rxcui(code)
                if d is not None:
                    c = self.vocab.code(code)
                    if c is not None and rxnorm_tag(code, c.tag) == "U" and not quiet:
                        self.note("unverified-code", f"the drug is named only by RxNorm {code} ({d.name}), an unverified code (U)", cptr)
                    return d.name, cptr, codes
        return None, ccptr, codes

    def _resolve_med(self, r: dict, ptr: str, ref: Any) -> Optional[tuple[dict, str]]:
        if not isinstance(ref, str) or not ref.strip():
            return None
        ref = ref.strip()
        if ref.startswith("#"):
            named = [(cptr, c) for cptr, c in self.array(r, "contained", ptr) if isinstance(c, dict) and c.get("id") == ref[1:]]
            if len(named) > 1 and any(c != named[0][1] for _, c in named[1:]):
                # Which one the order names cannot be told: the first was read, and a hydroxychloroquine
                # before a cyclophosphamide of the same id passed the order unchecked.
                self.m.errors.append((f"the contained resources at {named[0][0]} and {named[1][0]} share the id "
                                      f"{ref[1:]!r} with different content, so the reference {ref!r} names no one "
                                      "resource", _p(ptr, "medicationReference", "reference")))
                return None
            for cptr, c in named:
                if c.get("resourceType") == "Medication":
                    return c, cptr
            host = self._hosts.get(ptr)
            if host is not None:  # an order contained in a group or another order: its container's Medication
                return self._resolve_med(host[0], host[1], ref)
            return None
        x = self.meds.get(ref)
        if x is None and "Medication/" in ref:
            x = self.meds.get("Medication/" + ref.rsplit("Medication/", 1)[1].split("/_history")[0])
        return (x.r, x.ptr) if x is not None else None

    def _is_ild_therapy(self, name: str) -> bool:
        if self.vocab is None:
            return True
        try:
            d = self.vocab.resolve(name).drug
        except Exception:  # a vocabulary fault must not stop the mapping: keep the item
            return True
        from orderlint.normalize import is_ild_therapy  # one definition for history and the phase

        return d is not None and is_ild_therapy(d)

    def _request(self, x: _Res) -> None:
        r, ptr = x.r, x.ptr
        rid = r.get("id") if isinstance(r.get("id"), str) and r["id"].strip() else None
        label = f"MedicationRequest/{rid}" if rid else "MedicationRequest"
        st = r.get("status")
        if r.get("doNotPerform") is True:
            self.note("dropped-order", f"{label} has doNotPerform true: not an order to give", _p(ptr, "doNotPerform"))
            return
        option = r.get("intent") == "option"
        if option and not x.draft:
            self.note("dropped-order", f"{label} has intent option: not an order", _p(ptr, "intent"))
            return
        if st in ("cancelled", "entered-in-error"):
            self.note("dropped-order", f"{label} has status {st}: dropped", _p(ptr, "status"))
            return
        name, nptr, codes, strength, sptr = self._medication(r, ptr)
        fulfilled = self._fulfilled_by(r, ptr, name)
        if fulfilled is not None:
            self.note("dropped-order", f"{label} is the request {fulfilled} for the same drug: read as that "
                      "order, not as another", ptr)
            return
        if (st == "completed" or st == "stopped") and not x.draft:
            intent = r.get("intent")
            if isinstance(intent, str) and intent.strip().lower() in _NOT_YET_ORDERED:
                # A proposal or plan that ended was never given: its ild-outcome is no progression on a
                # therapy (read as one, it switched the first-line rules off).
                if name is not None and self._is_ild_therapy(name):
                    self.note("not-counted", f"{label} has intent {intent.strip().lower()}: not read as therapy given "
                              "(history)", _p(ptr, "intent"))
            else:
                self._history(r, ptr, name, "dispenseRequest")
            if st == "completed":
                self._gaps_only(r, ptr, f"{label} (completed: history only)")
                return
        status = _MR_STATUS.get(st) if isinstance(st, str) else None
        unknown = status is None
        held = ""  # why a draft checked as being signed gives no protection now (on hold, stopped)
        where = _p(ptr, "status") if "status" in r else ptr
        said = f"status {st!r} is not an R4 MedicationRequest status of an order" if st is not None else "has no status"
        if x.draft:
            # A CDS Hooks request's draft orders are the orders being signed now, whatever status the
            # EHR gave them: read as active, the rules of new orders (screening, first-line choice)
            # never saw them (a draft CellCept sent as `active`, `unknown` or with no status passed
            # ILD404). Only a status that drops the order (handled above) says otherwise; a draft sent as
            # stopped or completed is still the order being signed (it was checked as no order at all).
            if st in ("stopped", "completed"):
                self.note("unknown-status", f"draft {label} has status {st}: read as new, an order being signed "
                          "(fail closed)", where)
                held = f"its status is {st}"
            elif unknown:
                self.note("unknown-status", f"draft {label} {said}: read as new, an order being signed "
                          "(fail closed)", where)
            elif st == "on-hold":
                self.note("unknown-status", f"draft {label} has status on-hold: read as new, an order being signed "
                          "(fail closed)", where)
                held = "it is on hold"
            if option:
                # A draft order is what the clinician is about to sign: sent as an option, dropped, it was
                # never checked (OL008 no-orders). Judged as new for every risk; like a proposal, never
                # counted as a protection or a screening done.
                self.note("unknown-status", f"draft {label} has intent option: read as new, an order being signed "
                          "(fail closed)", _p(ptr, "intent"))
            status = "new"
        elif status is None:
            # Fail closed: an order whose status is not known is judged both as a new order and as an
            # active one (a new order is also active for every other rule); read as active only, the
            # rules of new orders never saw it.
            status = "new"
            self.note("unknown-status", f"{label} {said}: read as new (fail closed: checked as a new order, "
                      "which is also active)", where)
        dosages = self.array(r, "dosageInstruction", ptr)
        first = len(self.orders)
        self._orders(r, ptr, rid, label, status, name, nptr, codes, strength, sptr, dosages)
        if held:
            self._doubt(range(first, len(self.orders)), held)
        elif unknown:
            self._doubt(range(first, len(self.orders)), "its status is not known")
        intent = r.get("intent")
        if isinstance(intent, str) and intent not in _MR_INTENTS and intent.strip().lower() in _MR_INTENTS:
            intent = intent.strip().lower()  # 'Proposal', 'PLAN': what it spells, never more credit than the code
            option = option or intent == "option"
        if isinstance(intent, str) and (intent in _NOT_YET_ORDERED or option):
            # A proposal or a plan is not an authorization to give the drug: judged as given for a
            # risk (fail closed), it is no protection (a proposed co-trimoxazole passed ILD301).
            self._doubt(range(first, len(self.orders)), f"its intent is {intent}, not an order")
        elif not (isinstance(intent, str) and intent in _MR_INTENTS):
            # R4 requires one of the RequestIntent codes: none, or another ('Order', 'bogus'), says
            # nothing of what was authorized. Judged as an order for every risk, never a protection.
            said_intent = "has no intent" if intent is None else f"intent {intent!r:.60} is not an R4 MedicationRequest intent"
            if x.draft:
                # A CDS Hooks draft order is the order being signed, whatever intent the EHR sent:
                # counted as what it is (an atovaquone being signed asked for co-trimoxazole).
                self.note("unknown-status", f"draft {label} {said_intent}: read as an order being signed",
                          _p(ptr, "intent") if "intent" in r else ptr)
            else:
                self.note("unknown-status", f"{label} {said_intent}: read as an order for every risk, and as no "
                          "protection (fail closed)", _p(ptr, "intent") if "intent" in r else ptr)
                self._doubt(range(first, len(self.orders)), "its intent is not known")

    def _fulfilled_by(self, r: dict, ptr: str, name: Optional[str]) -> Optional[str]:
        """How the order that contains this one names it, when that order is `basedOn` it (fulfils
        it) or names it as its `priorPrescription` (replaces it) and orders the same drug: then the
        two are one therapy, and read as two their doses were added up (OL004, ILD501). None
        otherwise: a contained order of another drug, or one its container does not name so, is an
        order of its own (never dropped)."""
        host = self._hosts.get(ptr)
        rid = r.get("id")
        if host is None or name is None or not isinstance(rid, str):
            return None
        h, hptr = host
        if h.get("resourceType") not in MEDICATION_TYPES:
            return None
        said = None
        for key in ("basedOn", "priorPrescription"):
            v = h.get(key)
            for ref in v if isinstance(v, list) else [v]:
                if isinstance(ref, dict) and isinstance(ref.get("reference"), str) and ref["reference"].strip() == f"#{rid}":
                    said = key
        if said is None:
            return None
        same = self._same_drug(name)
        if not any(same(o.get("drug")) for i, o in enumerate(self.orders) if self.m.origin.get(f"/orders/{i}") == hptr):
            return None
        hid = h.get("id")
        return f"{h.get('resourceType')}{'/' + hid if isinstance(hid, str) else ''} {'is based on' if said == 'basedOn' else 'replaces'}"

    def _same_drug(self, name: str) -> Any:
        """A test of whether another order's drug name is the drug ``name`` names."""
        drug = None
        if self.vocab is not None:
            try:
                drug = self.vocab.resolve(name).drug
            except Exception:  # a vocabulary fault must not stop the mapping: compare the names
                drug = None

        def same(other: Any) -> bool:
            if not isinstance(other, str):
                return False
            if drug is not None:
                try:
                    d = self.vocab.resolve(other).drug
                    return d is not None and d.name == drug.name
                except Exception:
                    return False
            return other.strip().lower() == name.strip().lower()
        return same

    def _gaps_only(self, r: dict, ptr: str, label: str) -> None:
        """A request read as history only: its dosage gaps are still reported (fhir.md section 6:
        non-UCUM units and text-only sigs appear whether or not anything is checked)."""
        saved = dict(self.m.origin)
        dosages = self.array(r, "dosageInstruction", ptr)
        if not dosages:
            self.note("text-only-sig", f"{label} has no dosage instruction: no structured dose", ptr)
        for dptr, di in dosages:
            if isinstance(di, dict):
                self._dosage({}, "/~history", di, dptr, label)
        self.m.origin = saved

    def _statement(self, x: _Res) -> None:
        r, ptr = x.r, x.ptr
        st = r.get("status")
        rid = r.get("id") if isinstance(r.get("id"), str) and r["id"].strip() else None
        label = f"MedicationStatement/{rid}" if rid else "MedicationStatement"
        name, nptr, codes, strength, sptr = self._medication(r, ptr)
        if st in ("completed", "stopped") and not x.draft:
            self._history(r, ptr, name, "effective")
            return
        if x.draft and st not in ("not-taken", "entered-in-error"):
            # A CDS Hooks draft order given as a MedicationStatement is still an order being signed
            # (as a draft MedicationRequest is, whatever its status): read as new, not as a drug taken.
            self.note("unknown-status", f"draft {label} ({'status ' + repr(st) if st is not None else 'no status'}) is "
                      "read as new, an order being signed (fail closed)", _p(ptr, "status") if "status" in r else ptr)
            first = len(self.orders)
            self._orders(r, ptr, rid, label, "new", name, nptr, codes, strength, sptr, self.array(r, "dosage", ptr))
            if st not in ("active", "intended"):
                self._doubt(range(first, len(self.orders)), "its status is not known")
            return
        if st in ("not-taken", "intended", "entered-in-error"):
            return  # fhir.md 2.3: not a drug the patient takes
        status = _MS_STATUS.get(st) if isinstance(st, str) else None
        unknown = status is None or st == "unknown"
        if status is None:
            # Fail closed, as for a MedicationRequest (fhir.md 2.1): a drug the patient may be taking
            # is checked as taken, never dropped.
            status = "active"
            self.note("unknown-status", f"{label} status {st!r} is not an R4 MedicationStatement status: read as active "
                      "(fail closed)" if st is not None else f"{label} has no status: read as active (fail closed)",
                      _p(ptr, "status") if "status" in r else ptr)
        first = len(self.orders)
        self._orders(r, ptr, rid, label, status, name, nptr, codes, strength, sptr, self.array(r, "dosage", ptr))
        if unknown:
            self._doubt(range(first, len(self.orders)), "its status is not known")
        period = r.get("effectivePeriod")
        given = period.get("end") if isinstance(period, dict) else None
        end = _date(given, end=True) if isinstance(given, str) else None
        if end is not None and end < self.as_of.isoformat():
            # Taken, by its own period, until a day before as_of: no protection now (co-trimoxazole
            # 'active' with a period that ended 20 months ago cleared ILD301), as a dosage's ended
            # boundsPeriod is none. As a risk it still counts (fail closed).
            self._doubt(range(first, len(self.orders)), f"its effective period ended on {end}")
        elif (period is not None and not isinstance(period, dict)) or (given is not None and end is None):
            # An end that cannot be read may be long past: as a dosage's unread boundsPeriod end.
            self._doubt(range(first, len(self.orders)), "the end of its effective period cannot be read")

    def _history(self, r: dict, ptr: str, name: Optional[str], dates: str) -> None:
        if name is None or not self._is_ild_therapy(name):
            return
        item: dict = {"drug": name}
        if dates == "effective":
            period = r.get("effectivePeriod")
            start, stop = (period.get("start"), period.get("end")) if isinstance(period, dict) else (r.get("effectiveDateTime"), None)
        else:
            dr = r.get("dispenseRequest")
            vp = dr.get("validityPeriod") if isinstance(dr, dict) else None
            start, stop = (vp.get("start"), vp.get("end")) if isinstance(vp, dict) else (None, None)
        for key, v in (("start", start), ("stop", stop)):
            # A partial end is the end of its period ('2025-11': the 30th), as FHIR reads a Period.
            d = _date(v, end=key == "stop") if isinstance(v, str) else None
            if d is not None:
                item[key] = d
        if "start" in item and "stop" in item and item["stop"] < item["start"] and _instant(stop) >= _instant(start):
            # The end is later as an instant, earlier only as the dates written in two time zones:
            # the period ends the day it starts (a stop before the start is OL001).
            item["stop"] = item["start"]
        backwards = "start" in item and "stop" in item and item["stop"] < item["start"]
        if backwards:
            # Truly before its start: the period cannot be placed. Not read as a progression (so
            # the first-line rules still apply), said, and the orders are still checked (a native
            # document's is OL001: its author can fix it; an EHR's history cannot be).
            self.note("missing-value", f"{r.get('resourceType')} period ends ({item['stop']}) before it starts "
                      f"({item['start']}): its outcome is not read", ptr)
            del item["stop"]
        outcomes: dict[str, str] = {}  # value -> the pointer of its first extension
        for eptr, ext in self.array(r, "extension", ptr):
            if isinstance(ext, dict) and ext.get("url") == self.ns + "ild-outcome":
                if _str(ext.get("valueCode")) in _OUTCOMES:
                    outcomes.setdefault(ext["valueCode"], eptr)
                else:
                    self.note("conflicting-extension", f"ild-outcome has an invalid value {ext.get('valueCode')!r}: read as unknown", eptr)
        outcome = "unknown"
        if len(outcomes) > 1:
            # fhir.md: conflicting values are ignored. The last one won: "response" after "progression"
            # dropped the progression, and with it the phase (ILD102 passed).
            self.note("conflicting-extension", f"ild-outcome is given conflicting values "
                      f"({', '.join(sorted(repr(v) for v in outcomes))}): read as unknown", next(iter(outcomes.values())))
        elif outcomes:
            outcome = next(iter(outcomes))
        item["outcome"] = "unknown" if backwards else outcome
        idx = len(self.history)
        self.history.append(item)
        self.m.origin[f"/history/{idx}"] = ptr

    def _orders(self, r: dict, ptr: str, rid: Optional[str], label: str, status: str, name: Optional[str], nptr: str,
                codes: list, strength: Optional[dict], sptr: Optional[str], dosages: list) -> None:
        m = self.m
        if name is None:
            name = f"unidentified medication ({label})"
            if not any(n.kind == "unresolved-reference" and n.pointer.startswith(ptr) for n in m.notes):
                self.note("unresolved-reference", f"{label} names no medication that can be read", nptr)
        # An order with no id is named by its place, in words no FHIR id can spell (a space and
        # parentheses): "order-1" could be another draft's real id, and a card's delete action
        # then removed that other, safe order.
        base_id = rid or f"(no id {len(self.orders) + 1})"
        m.orders[ptr] = rid or base_id
        if r.get("resourceType") != "MedicationRequest":
            m.order_types[rid or base_id] = str(r.get("resourceType"))
        purpose, reasons = self._purpose(r, ptr)
        self._reason_codes.extend(reasons)  # order reasonCodes count for the indication too (fhir.md 2.3)
        steps = dosages if dosages else [(None, None)]
        made = []
        for n, (dptr, di) in enumerate(steps, 1):
            oid = base_id if len(steps) == 1 else f"{base_id}#{n}"
            oid = self._unique(oid)
            idx = len(self.orders)
            pre = f"/orders/{idx}"
            o: dict = {"id": oid, "drug": name}
            if ptr in self._coded:
                m.coded_names[idx] = self._coded[ptr]
            m.origin[pre] = ptr
            m.origin[pre + "/drug"] = nptr
            m.order_ids[oid] = rid or base_id
            for code, cptr in codes:
                if self._is_ingredient_code(code) and "rxcui" not in o:
                    o["rxcui"] = code
                    m.origin[pre + "/rxcui"] = cptr
                else:
                    m.products.append((idx, code, cptr))
            if strength is not None:
                o["strength"] = strength
                m.origin[pre + "/strength"] = sptr or ptr
            where = dptr or ptr
            if isinstance(di, dict):
                self._dosage(o, pre, di, dptr, label)
            else:
                if di is not None:
                    self.note("shape-repaired", f"{label} dosage is not an object: ignored", where)
                self.note("text-only-sig", f"{label} has no dosage instruction: no structured dose", ptr)
            if isinstance(o.get("strength"), dict) and o["strength"].get(_PER_ML):
                o["strength"] = {k: v for k, v in o["strength"].items() if k != _PER_ML}
                if o.get("unit") != "mL":
                    # mg per mL is no strength of a tablet or of a dose in mg.
                    del o["strength"]
                    m.origin.pop(pre + "/strength", None)
            for f in ("dose", "unit", "route", "frequency"):
                m.origin.setdefault(f"{pre}/{f}", where)
            m.origin[f"{pre}/~dosage"] = where  # where a missing dose, unit, route or frequency belongs
            o["status"] = status
            m.origin[pre + "/status"] = _p(ptr, "status") if "status" in r else ptr
            if purpose != "ild":
                o["purpose"] = purpose
            self.orders.append(o)
            made.append((idx, o, di))
        if len(made) > 1:
            self._taper(ptr, label, made)

    def _unique(self, oid: str) -> str:
        used = {o["id"] for o in self.orders}
        if oid not in used:
            return oid
        n = 2
        while f"{oid}~{n}" in used:
            n += 1
        return f"{oid}~{n}"

    def _is_ingredient_code(self, code: str) -> bool:
        """An RxNorm ingredient code (the vocabulary's `rxcui` of its ingredient); product codes
        (SCD/SBD) and codes the vocabulary does not know are not put in `rxcui` (fhir.md 2.1)."""
        if self.vocab is None:
            return False
        c = self.vocab.code(code)
        if c is None or rxnorm_tag(code, c.tag) not in ("V", "V2"):
            return False
        d = self.vocab.drugs.get(c.ingredient)
        return d is not None and d.rxcui == code

    def _purpose(self, r: dict, ptr: str) -> tuple[str, list]:
        """`ild` or `other` (fhir.md 2.1, Purpose), with the condition kinds the reasons' codes give.

        A reason coded in the value set (SSc, ILD) is ILD. A reason whose codes the value set does not
        know (a local code, SNOMED 196133001, ICD-10 M34.8) never silently exempts the order from
        the ILD rules: an ICD-10 code of category M34, J84 or J99 is ILD; else it is read by its words
        (text, displays): ILD when they name SSc or ILD, or when there are none and the code is no
        ICD-10 code (fail closed); another condition (`other`) only when they name something else
        ('myositis overlap flare') or it is an ICD-10 code of another category (M06.9). One reason
        read as ILD makes the order ILD. Each such reading is an `OL008 missing-value` naming the code."""
        kinds: list = []
        unmapped: list[tuple[str, str, str, str]] = []  # (reading, why, code, pointer)

        def read(cc: Any, cptr: str) -> None:
            codings = self._codings(cc, cptr)
            found = self._condition_kinds(cc, cptr)
            kinds.extend(found)
            if not codings or found:
                return
            words = [_text_of(cc)] + [_nonblank(c.get("display")) for _p2, c in codings]
            said = "; ".join(dict.fromkeys(w for w in words if w)) or None
            code = ", ".join(f"{_str(c.get('system')) or '(no system)'}|{_str(c.get('code')) or '(no code)'}"
                             for _p2, c in codings)
            cats = {c["code"].strip().upper()[:3] for _p2, c in codings
                    if _str(c.get("system")) in _ICD10_SYSTEMS and isinstance(c.get("code"), str)}
            if not cats.isdisjoint(_ICD10_SSC_ILD):
                reading, why = "ild", f"its ICD-10 category {sorted(cats & _ICD10_SSC_ILD)[0]} is SSc or ILD"
            elif said is not None and _SSC_ILD_WORDS.search(said):
                reading, why = "ild", f"its text {said[:80]!r} names SSc or ILD"
            elif said is not None:
                reading, why = "other", f"its text {said[:80]!r} names no SSc or ILD"
            elif cats:
                reading, why = "other", f"its ICD-10 category {sorted(cats)[0]} is not SSc or ILD"
            else:
                reading, why = "ild", "it gives no text to read (fail closed)"
            unmapped.append((reading, why, code, cptr))

        for rptr, cc in self.array(r, "reasonCode", ptr):
            read(cc, rptr)
        for rptr, ref in self.array(r, "reasonReference", ptr):
            if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
                continue
            target = ref["reference"].strip()
            if target.startswith("#"):
                # A Condition contained in the order (or in the resource that contains the order):
                # the order's reason, as a reasonCode is (FHIR R4 References, contained resources).
                # Unread, an SSc-ILD order whose condition was given only so was not-applicable.
                for c, cptr in self._contained_named(r, ptr, target[1:], "Condition"):
                    read(c.get("code"), _p(cptr, "code"))
                continue
            for x in self.conditions:
                rid = x.r.get("id")
                if isinstance(rid, str) and (target == f"Condition/{rid}" or target.endswith(f"/Condition/{rid}")
                                             or (x.full_url and target == x.full_url)):
                    read(x.r.get("code"), _p(x.ptr, "code"))
        if kinds:
            return "ild", [kinds]
        if not unmapped:
            return "ild", []  # no reason, or text only: none -> ild
        purpose = "ild" if any(u[0] == "ild" for u in unmapped) else "other"
        for reading, why, code, cptr in unmapped:
            if reading == purpose:
                read_as = "read as ILD treatment (purpose ild)" if purpose == "ild" else "read as another condition (purpose other)"
            else:
                read_as = "but another reason is read as ILD (purpose ild)"
            self.note("missing-value", f"reason {code} is not in the SSc/ILD value set; {why}: {read_as}", cptr)
        return purpose, []

    def _contained_named(self, r: dict, ptr: str, rid: str, rtype: str) -> list[tuple[dict, str]]:
        """The resources of type ``rtype`` and id ``rid`` contained in ``r`` or, for an order read
        from a container, in its container: what a local reference ``#rid`` in ``r`` names."""
        out = []
        host = self._hosts.get(ptr)
        for owner, optr in ((r, ptr),) + ((host,) if host is not None else ()):
            # (its shape repair, if any, is noted where the order is read)
            for cptr, c in _contained_items(owner, optr):
                if isinstance(c, dict) and c.get("resourceType") == rtype and c.get("id") == rid:
                    out.append((c, cptr))
        return out

    def _taper(self, ptr: str, label: str, made: list[tuple[int, dict, Any]]) -> None:
        """Several dosage instructions of one MedicationRequest (fhir.md 2.1, Tapers): each is an
        order with its own bounds, checked as such by every rule. Entries sharing a `sequence` are
        concurrent: their doses are summed into the first of them when unit, route and frequency
        agree (the others held: they are given at the same time, not duplicates); entries that
        cannot be summed so are checked apart (`OL008 missing-value`). Other entries are successive
        steps: ILD202/ILD302 take the largest step and the course rules its whole course, and no
        step is OL004 with another; those rules are judged on the variants ``_variants`` builds."""
        groups: dict[Any, list[int]] = {}
        keys = []
        for n, (idx, _o, di) in enumerate(made, 1):
            seq = di.get("sequence") if isinstance(di, dict) else None
            if isinstance(seq, str) and re.fullmatch(r"\s*[+-]?\d{1,9}\s*", seq):
                # An integer written as a string ("1"): read as that integer. Read as a step of its own,
                # two concurrent doses of one sequence were never summed.
                self.note("shape-repaired", f"{label} dosage {n}: `sequence` {seq!r} is a string: read as {int(seq)}",
                          _p(self.m.origin.get(f"/orders/{idx}/~dosage", ptr), "sequence"))
                seq = int(seq)
            if seq is not None and not (_number(seq) and float(seq).is_integer()):
                self.note("missing-value", f"{label} dosage {n}: `sequence` {seq!r} is not an integer: read as a step of its own",
                          _p(self.m.origin.get(f"/orders/{idx}/~dosage", ptr), "sequence"))
                seq = None
            key = int(seq) if seq is not None else ("step", n)
            groups.setdefault(key, []).append(idx)
            keys.append((idx, key))
        for key, members in groups.items():
            if len(members) > 1:
                self._concurrent(ptr, label, key, members)
        self._tapers.append((ptr, keys, _split_doses(made, keys)))

    def _concurrent(self, ptr: str, label: str, key: Any, members: list[int]) -> None:
        orders = [self.orders[i] for i in members]
        first = orders[0]
        same = all(o.get(k) == first.get(k) for o in orders for k in ("unit", "route", "frequency"))
        if not same or not all(_number(o.get("dose")) for o in orders):
            self.note("missing-value", f"{label}: dosage instructions of sequence {key} are given together but differ in "
                      "dose, unit, route or frequency: checked apart, not summed into one dose", _p(ptr, "dosageInstruction"))
            return
        if any((o.get("duration"), o.get("doses")) != (first.get("duration"), first.get("doses")) for o in orders):
            # Courses that differ: the sum runs for the longest of them, open-ended if one is (as a
            # taper's course is read). It kept the first entry's, and an open-ended prednisone beside
            # a 7-day one passed ILD203 as 7 days.
            lengths = [_course_days(o) for o in orders]
            longest = orders[lengths.index(max(x for x in lengths if x is not None))] if None not in lengths else None
            for k in ("duration", "doses"):
                first.pop(k, None)
                if longest is not None and k in longest:
                    first[k] = longest[k]
            self.note("missing-value", f"{label}: dosage instructions of sequence {key} are given together with different "
                      "courses: their sum is checked over the longest" + ("" if longest is not None else " (open-ended)"),
                      _p(ptr, "dosageInstruction"))
        lows = [self._low.get(i) for i in members]
        first["dose"] = sum(o["dose"] for o in orders)
        if any(lo is not None for lo in lows):  # a dose range among them: the low bounds add up too
            parts = [lo[0] if lo is not None else o["dose"] for lo, o in zip(lows, orders)]
            if all(_number(v) for v in parts) and all(lo is None or lo[1] == first.get("unit") for lo in lows):
                at = next(lo for lo in lows if lo is not None)
                self._low[members[0]] = (sum(parts), first.get("unit"), at[2], at[3])
            else:
                self._low.pop(members[0], None)
        for o in orders[1:]:
            if o["status"] in ("new", "active"):
                o["status"] = "on-hold"
                o["x-taper-step"] = f"summed into {first['id']}, given at the same time"

    def _doubt(self, where: Any, why: str) -> None:
        """Record orders (indices, or '/orders/N' pointers) as doubtful protections (Mapped.doubtful)."""
        for w in where:
            if isinstance(w, str):
                if not w.startswith("/orders/"):
                    continue  # a history item's dosage
                w = int(w.split("/")[2])
            self.m.doubtful.setdefault(w, why)

    def _variants(self, m: Mapped, data: dict) -> None:
        """The readings some rules are judged on instead of the main one (see TAPER_CODES)."""
        import copy

        def variant() -> tuple[dict, list[dict]]:
            orders = copy.deepcopy(self.orders)
            return {**data, "orders": orders}, orders

        steps = [(ptr, keys, split) for ptr, keys, split in self._tapers if len({k for _i, k in keys}) > 1]
        if steps:
            vdata, orders = variant()
            origin: dict[str, str] = {}
            for ptr, keys, split in steps:
                self._judge_taper(orders, ptr, keys, origin, split)
            m.variants.append(Variant(TAPER_CODES, vdata, origin))
            vdata, orders = variant()
            vdata["as_of"] = self.as_of.isoformat()  # the date its steps are dated from
            earlier = False
            for _ptr, keys, split in steps:
                earlier |= self._date_steps(orders, keys, split)
            # Lazy only when its sums cannot exceed the main reading's: no step dated before as_of,
            # and no order starting after as_of that a step dated later could meet.
            later = any(isinstance(o.get("start"), str) and o["start"] > self.as_of.isoformat() for o in self.orders)
            m.variants.append(Variant(SUCCESSIVE_CODES, vdata, {}, lazy=not (earlier or later)))
        if self._tapers:
            vdata, orders = variant()
            for _ptr, keys, _split in self._tapers:
                live = [i for i, _k in keys if orders[i]["status"] in ("new", "active")]
                for i in live[1:]:
                    orders[i]["status"] = "on-hold"
            m.variants.append(Variant(DUPLICATE_CODES, vdata, {}))
        if self._low:
            vdata, orders = variant()
            origin = {}
            for i, (dose, unit, dptr, uptr) in self._low.items():
                o = orders[i]
                o["dose"] = dose
                origin[f"/orders/{i}/dose"] = dptr
                if unit is not None:
                    o["unit"] = unit
                    origin[f"/orders/{i}/unit"] = uptr
            m.variants.append(Variant(LOW_BOUND_CODES, vdata, origin))

    def _date_steps(self, orders: list[dict], keys: list[tuple[int, Any]], split: Optional[dict[Any, Any]] = None) -> bool:
        """One taper as the rules that sum concurrent orders read it (SUCCESSIVE_CODES): each step
        starts when the one before it ends (its own `boundsPeriod` start, if given, instead), the
        first on as_of; entries of one `sequence` start together. Every step is judged as written
        (none held), so a step over a limit alone, or steps within one 4-week window together,
        still fire. Fail closed: a start is rounded down to the day (steps may overlap by less
        than a day, never leave a gap), and a step after one whose course is not known (open-ended,
        unreadable) starts on as_of, given with every step before it. An entry of a split dose
        (``split``, _split_doses) starts with the first of its steps dated. True when a step is dated
        before as_of (after a step with a past start): the main reading, where it starts on as_of,
        then does not hold every sum this one does (Variant.lazy)."""
        earlier = False
        groups: dict[Any, list[int]] = {}
        for i, k in keys:
            groups.setdefault(k, []).append(i)
        order = list(groups)
        if all(isinstance(k, int) for k in order):
            order.sort()  # `sequence` gives the order of the steps
        day: Optional[float] = 0.0  # days from as_of at which the next step starts; None: not known
        split = split or {}
        begins: dict[Any, Optional[float]] = {}
        owns = {k: [_dt.date.fromisoformat(orders[i]["start"]) for i in groups[k] if isinstance(orders[i].get("start"), str)]
                for k in order}
        # The days (from as_of) on which a step starts by its own boundsPeriod: a step with a start and
        # no end ends when the next of them begins (fhir.md 2.1: successive steps). Left open-ended, an
        # MMF titration of start-only steps (500, 1000, 1500 mg twice daily) was summed as 6000 mg/day.
        dated = sorted({(min(v) - self.as_of).days for v in owns.values() if v})
        for k in order:
            members = [orders[i] for i in groups[k]]
            own = owns[k]
            c = split.get(k)
            with_ = c is not None and c in begins
            begin = begins[c] if with_ else float((min(own) - self.as_of).days) if own else day
            if c is not None and not with_:
                begins[c] = begin
            for o in members:
                if "start" not in o and begin is not None:
                    o["start"] = (self.as_of + _dt.timedelta(days=math.floor(begin))).isoformat()
                    earlier |= begin < 0
            lengths = [_step_days(o) for o in members]
            if begin is not None and None in lengths and not with_:
                later = [d for d in dated if d > begin]
                if later:
                    for o, n in zip(members, lengths):
                        days = later[0] - (_dt.date.fromisoformat(o["start"]) - self.as_of).days
                        if n is None and "duration" not in o and days > 0:
                            o["duration"] = {"value": days, "unit": "d"}
                    lengths = [_step_days(o) for o in members]
            known = [x for x in lengths if x is not None]
            end = None if begin is None or len(known) != len(lengths) else begin + max(known)
            # given with an earlier step: the next step starts after both (never before that)
            day = (None if end is None or day is None else max(day, end)) if with_ else end
        return earlier

    def _judge_taper(self, orders: list[dict], ptr: str, keys: list[tuple[int, Any]], origin: dict[str, str],
                     split: Optional[dict[Any, Any]] = None) -> None:
        """One taper as ILD202/ILD302 and the course rules read it: its largest step (by daily
        amount) active with the course of the whole taper (the sum of its steps' bounds, the
        longest of concurrent entries; open-ended if any step is), its other steps held."""
        groups: dict[Any, list[int]] = {}
        for i, k in keys:
            groups.setdefault(k, []).append(i)

        def size(k: Any) -> Optional[tuple[str, float]]:
            """(basis, daily amount) of a step's active entries, each converted to mg (or mg/kg, mg/m2);
            None when one cannot be, or when they are in different bases."""
            basis: Optional[str] = None
            total = 0.0
            for i in groups[k]:
                o = orders[i]
                if o["status"] not in ("new", "active"):
                    continue
                amount = _amount_of(o)
                if amount is None or (basis is not None and amount[0] != basis):
                    return None
                basis = amount[0]
                total += amount[1] * (_per_day(o.get("frequency")) or 1)
            return (basis or "mg", total)

        sizes: dict[Any, float] = {}
        bases = set()
        for k in groups:
            amount = size(k)
            if amount is None:
                # Steps whose amounts cannot be compared (a unit not converted, g beside mg/kg): every
                # step is judged as written, none held, rather than the largest guessed.
                return
            bases.add(amount[0])
            sizes[k] = amount[1]
        if len(bases) > 1:
            return
        # Steps ILD202/ILD302 never count (one that may be a pulse, one by a route that is not
        # systemic) are never the taper's largest step, and are judged as written: taken as the
        # largest, a 3-day methylprednisolone pulse held the 60 mg a day that followed it, and the
        # taper passed every daily-dose rule.
        never = {k for k in groups if self._not_a_daily_step(orders, groups[k], sizes[k], bases)}
        # And a step whose every entry is at a frequency not read: sized as once a day it may pass for
        # the largest and hold the steps whose daily dose is known (OL003 says why it is not read). It
        # is judged as written, unless no step's daily dose is known: then the steps are read as before.
        unread = {k for k in groups if k not in never and all(
            isinstance(orders[i].get("frequency"), (str, dict)) and _per_day(orders[i]["frequency"]) is None
            for i in groups[k] if orders[i]["status"] in ("new", "active"))}
        rest = {k: v for k, v in groups.items() if k not in never and k not in unread} or {
            k: v for k, v in groups.items() if k not in never}
        if not rest:
            return
        apart = set(groups) - set(rest)
        best = max(rest, key=sizes.__getitem__)
        kept = self._given_with_largest(orders, rest, sizes, best, split or {}) | apart
        days: Optional[float] = 0.0
        for members in groups.values():
            lengths = [_course_days(orders[i]) for i in members]
            known = [x for x in lengths if x is not None]
            d = max(known) if len(known) == len(lengths) else None  # concurrent entries: the longest
            days = None if d is None or days is None else days + d
        for k, members in groups.items():
            if k in apart:
                continue  # judged as written: its own course
            for i in members:
                o = orders[i]
                if o["status"] not in ("new", "active"):
                    continue
                if k not in kept:
                    o["status"] = "on-hold"
                    o["x-taper-step"] = "held: the taper is judged through its largest step"
                    continue
                o.pop("doses", None)
                o.pop("duration", None)
                if days is not None:
                    o["duration"] = {"value": round(days, 4), "unit": "d"}
                origin[f"/orders/{i}/duration"] = origin[f"/orders/{i}/doses"] = _p(ptr, "dosageInstruction")

    def _not_a_daily_step(self, orders: list[dict], members: list[int], size: float, bases: set[str]) -> bool:
        """Whether a taper step is one the daily-dose rules do not count: by a route that is not
        systemic, or a glucocorticoid pulse (a daily prednisone-equivalent at or above the site's
        pulse threshold, ``pulse_min``)."""
        from orderlint.normalize import SYSTEMIC_ROUTES, _route

        live = [orders[i] for i in members if orders[i]["status"] in ("new", "active")]
        if not live:
            return False
        for o in live:
            route = o.get("route")
            if isinstance(route, str) and _route(route) is not None and _route(route) not in SYSTEMIC_ROUTES:
                return True
        drug = self.vocab.drug(live[0]["drug"]) if self.vocab is not None and isinstance(live[0].get("drug"), str) else None
        factor = drug.pe_factor if drug is not None else None
        return factor is not None and bases == {"mg"} and round(size * factor, 2) >= self.pulse_min

    def _given_with_largest(self, orders: list[dict], groups: dict[Any, list[int]], sizes: dict[Any, float], best: Any,
                            split: Optional[dict[Any, Any]] = None) -> set[Any]:
        """The steps a taper is judged through by ILD202/ILD302 and the course rules: its largest step,
        or, when a step before the last has no known course (open-ended, unreadable), the steps given
        at the same time whose daily amounts add up to most. fhir.md 2.1 reads entries that share no
        `sequence` as successive steps, but an open-ended step is never followed by another: as in the
        dating of the steps for ILD501/ILD206 (_date_steps), a step after one whose course is not known
        starts on as_of, given with the steps before it. Two open-ended entries of prednisone 10 mg
        (08:00 and 20:00) were judged as a 10 mg step, not 20 mg a day. Likewise steps whose own
        `boundsPeriod` dates overlap (whatever their `sequence`), and the entries of a split dose
        (``split``, _split_doses: the same bounds at other times of the day), are given together: MMF
        2000 mg at 08:00 and at 20:00, each for 90 days, was judged as a 2000 mg step."""
        split = split or {}
        seq = list(groups)
        if all(isinstance(k, int) for k in seq):
            seq.sort()  # `sequence` gives the order of the steps
        length = {k: [_step_days(orders[i]) for i in groups[k]] for k in seq}
        dated = any(isinstance(orders[i].get("start"), str) for k in seq for i in groups[k])
        if not split and not dated and all(None not in length[k] for k in seq[:-1]):
            return {best}  # successive steps: each ends before the next begins
        spans: list[tuple[float, float, Any]] = []  # (first day, day after, step), as _date_steps dates them
        begins: dict[Any, Optional[float]] = {}
        day: Optional[float] = 0.0
        for k in seq:
            own = [_dt.date.fromisoformat(orders[i]["start"]) for i in groups[k] if isinstance(orders[i].get("start"), str)]
            c = split.get(k)
            with_ = c is not None and c in begins
            begin = begins[c] if with_ else float((min(own) - self.as_of).days) if own else day
            if c is not None and not with_:
                begins[c] = begin
            first = begin if begin is not None else 0.0  # no start: as_of
            known = [x for x in length[k] if x is not None]
            spans.append((first, first + max(known) if len(known) == len(length[k]) else math.inf, k))
            end = None if begin is None or len(known) != len(length[k]) else begin + max(known)
            day = (None if end is None or day is None else max(day, end)) if with_ else end
        # A step whose course is not known but that has its own start ends when a later step that has
        # its own start begins (a taper written with start dates only: 10 mg from 12-01, 7.5 mg from
        # 12-08); the steps were summed (22.5 mg, ILD202 on a correct taper). Undated steps after an
        # open-ended one stay given with it.
        dated_starts = [(n, b) for n, (b, _e, k) in enumerate(spans)
                        if any(isinstance(orders[i].get("start"), str) for i in groups[k])]
        for n, (b, e, k) in enumerate(spans):
            if e == math.inf and any(m == n for m, _ in dated_starts):
                later = [b2 for m, b2 in dated_starts if m > n and b2 > b]
                if later:
                    spans[n] = (b, min(later), k)
        kept, most = {best}, sizes[best]
        for first, _end, _k in spans:
            together = {k for b, e, k in spans if b <= first < e}
            total = sum(sizes[k] for k in together)
            if total > most:
                kept, most = together, total
        return kept

    # ----------------------------------------------------------------- dosage
    def _dosage(self, o: dict, pre: str, di: dict, dptr: str, label: str) -> None:
        q: Optional[dict] = None
        qptr = dptr
        # A range: its bounds, each (Quantity, pointer), and the pointer its note names.
        bounds: Optional[dict[str, tuple[Any, str]]] = None
        range_ptr = dptr
        given = self._doses_given(di, dptr)
        if not given:
            for key in ("doseQuantity", "doseRange"):
                if isinstance(di.get(key), dict):
                    given = [(key, di[key], _p(dptr, key))]
                    self.note("shape-repaired", f"{label}: STU3 `Dosage.{key}` read as `doseAndRate[0].{key}`", given[0][2])
                    break
        if len(given) > 1:
            # Several doses of one type (two ordered doses; a dose and a range): which is meant is not
            # known, so they are read as one range, as a doseRange is: the highest for the maximum and
            # sum checks, the lowest for ILD502. Read as the first, 4 mg hid a 16 mg dose.
            bounds, range_ptr = self._doses_as_range(given, dptr, label), _p(dptr, "doseAndRate")
        elif given:
            key, value, vptr = given[0]
            if key == "doseRange":
                bounds, range_ptr = {b: (value[b], _p(vptr, b)) for b in ("high", "low") if isinstance(value.get(b), dict)}, vptr
                if len(bounds) == 2:
                    # Not FHIR (rng-2: low at most high), or bounds in two units: read as two doses
                    # are, lowest and highest in one unit, else no dose (OL003), never the high
                    # bound as written (a range 2000-1000 mg read 1000 mg as its largest dose).
                    lo_v, hi_v = bounds["low"][0].get("value"), bounds["high"][0].get("value")
                    unit = [(b[0].get("system"), b[0].get("code"), b[0].get("unit")) for b in bounds.values()]
                    if unit[0] != unit[1] or (_number(lo_v) and _number(hi_v) and lo_v > hi_v):
                        bounds = self._doses_as_range([("doseQuantity", value["low"], _p(vptr, "low")),
                                                        ("doseQuantity", value["high"], _p(vptr, "high"))], dptr, label)
            elif value.get("comparator") is not None:
                # Quantity.comparator is a modifier: "< 16 mg" bounds the dose from above, ">= 10 mg"
                # from below; read as a range with that one bound, never as exactly that dose.
                comp = value["comparator"]
                plain = {k: v for k, v in value.items() if k != "comparator"}
                side = "high" if comp in ("<", "<=") else "low" if comp in (">", ">=") else None
                bounds, range_ptr = ({side: (plain, vptr)} if side else {}), vptr
                self.note("dose-range", f"{label}: dose {comp} {value.get('value')}: "
                          + (f"read as the {side} bound of a range" if side else "not a dose value"), _p(vptr, "comparator"))
            else:
                q, qptr = value, vptr
        low_q: Optional[dict] = None
        low_ptr = ""
        no_high = False
        if bounds is not None:
            high, low = bounds.get("high"), bounds.get("low")
            lo = low[0].get("value") if low is not None else None
            hi = high[0].get("value") if high is not None else None
            if low is not None and _number(lo):
                low_q, low_ptr = low
            if high is not None and _number(hi):
                q, qptr = high
                use = (f"the low bound {lo} for ILD502 (dose below range)" if low_q is not None
                       else "and for ILD502 (no low bound)")
                self.note("dose-range", f"{label}: dose range {lo}-{hi}: the high bound {hi} for maximum and sum checks, {use}", range_ptr)
            elif low_q is not None:
                # Fail closed: with no high bound the largest dose is unknown, so the checks of a
                # maximum or a sum have no dose (OL003 where one is needed), never the low bound.
                q, qptr, no_high = low_q, low_ptr, True
                self.note("dose-range", f"{label}: dose range {lo}-{hi} has no high bound: no dose for maximum and sum "
                          f"checks; the low bound {lo} for ILD502 (dose below range)", range_ptr)
            else:
                some = high or low
                if some is not None:
                    q, qptr = some
                self.note("dose-range", f"{label}: dose range {lo}-{hi} has no numeric bound", range_ptr)
        if q is None:
            text = di.get("text") if isinstance(di.get("text"), str) else None
            self.note("text-only-sig", f"{label}: no structured dose" + (f" (sig text: {text!r})" if text else ""),
                      _p(dptr, "text") if text else dptr)
        else:
            self._quantity(o, pre, q, qptr, label)
            if no_high:
                o.pop("dose", None)
                self.m.origin.pop(pre + "/dose", None)
            if low_q is not None and pre.startswith("/orders/"):
                self._low_bound(o, pre, low_q, low_ptr, label)
        self._route(o, pre, di, dptr, label)
        self._timing(o, pre, di, dptr, label)

    def _doses_given(self, di: dict, dptr: str) -> list[tuple[str, dict, str]]:
        """(key, value, pointer) of each doseQuantity or doseRange in ``doseAndRate`` of the type
        that comes first (type `ordered` first, fhir.md 2.1)."""
        entries = []
        for p, d in self.array(di, "doseAndRate", dptr):
            if isinstance(d, dict):
                is_ordered = any(c.get("code") == "ordered" for _cp, c in self._codings(d.get("type"), ""))
                for key in ("doseQuantity", "doseRange"):
                    # Both in one entry (dose[x] is one of them in FHIR): read together, as a range,
                    # never the first alone (a doseQuantity hid the range's high bound).
                    if isinstance(d.get(key), dict):
                        entries.append((not is_ordered, key, d[key], _p(p, key)))
        if not entries:
            return []
        first = min(e[0] for e in entries)
        return [(key, value, vptr) for rank, key, value, vptr in entries if rank == first]

    def _doses_as_range(self, given: list[tuple[str, dict, str]], dptr: str, label: str) -> dict[str, tuple[Any, str]]:
        """The bounds of several doses read as one range: the lowest and the highest value when
        every one is a number in one unit; no bound when they cannot be compared."""
        values: list[tuple[float, dict, str]] = []
        units: set[str] = set()
        for key, value, vptr in given:
            parts = [(value[b], _p(vptr, b)) for b in ("low", "high") if isinstance(value.get(b), dict)] if key == "doseRange" else [(value, vptr)]
            for qv, qp in parts:
                if not _number(qv.get("value")) or qv.get("comparator") is not None:
                    self.note("dose-range", f"{label}: {len(given)} doses are given and one is not a plain number: "
                              "no dose", _p(dptr, "doseAndRate"))
                    return {}
                units.add(repr((qv.get("system"), qv.get("code"), qv.get("unit"))))  # any JSON value (a list is no key)
                values.append((float(qv["value"]), qv, qp))
        if len(units) > 1:
            self.note("dose-range", f"{label}: {len(given)} doses are given in different units: no dose", _p(dptr, "doseAndRate"))
            return {}
        lowest = min(values, key=lambda v: v[0])
        highest = max(values, key=lambda v: v[0])
        self.note("dose-range", f"{label}: {len(given)} doses are given: read as a range", _p(dptr, "doseAndRate"))
        return {"low": (lowest[1], lowest[2]), "high": (highest[1], highest[2])}

    def _low_bound(self, o: dict, pre: str, low: dict, lptr: str, label: str) -> None:
        """The low bound of a dose range, read like a dose (unit included) for the ILD502 variant;
        what its reading notes is already said of the dose."""
        m = self.m
        notes, origin = len(m.notes), dict(m.origin)
        scratch: dict = {}
        self._quantity(scratch, "/~low", low, lptr, label)
        del m.notes[notes:]
        m.origin = origin
        if "dose" in scratch:
            self._low[int(pre.split("/")[2])] = (scratch["dose"], scratch.get("unit"), _p(lptr, "value"),
                                                 _p(lptr, "code") if "code" in low else lptr)

    def _quantity(self, o: dict, pre: str, q: dict, qptr: str, label: str) -> None:
        m = self.m
        v = q.get("value")
        if _number(v) and v > 0:
            o["dose"] = v
            m.origin[pre + "/dose"] = _p(qptr, "value")
        else:
            self.note("missing-value", f"{label}: dose value {v!r} is not a positive number", _p(qptr, "value") if "value" in q else qptr)
        code = q.get("code")
        system = q.get("system") if isinstance(q.get("system"), str) else None
        e = self.vs.get("units", system, code)
        other_system = False
        if e is None and isinstance(code, str):
            e = self.vs.get("units", None, code)  # a UCUM code given with a wrong or no system
            other_system = e is not None  # the given system did not know it (system is set: else the same look-up)
        uptr = _p(qptr, "code") if "code" in q else (_p(qptr, "unit") if "unit" in q else qptr)
        m.origin[pre + "/unit"] = uptr
        if e is not None:
            o["unit"] = e.maps_to
            if other_system:
                # fhir.md 2.1: the unit is the UCUM code; one of another system (or none) is read as
                # that UCUM code, and said (it was read so silently).
                self.note("non-ucum-unit", f"{label}: dose unit code {code!r} has system {system!r}, not UCUM: read as "
                          f"the UCUM code ({e.maps_to})", _p(qptr, "system"))
            elif e.code in ("TAB", "mcg"):
                self.note("non-ucum-unit", f"{label}: dose unit {e.code!r} is not UCUM: read as {e.maps_to}", uptr)
            elif e.tag == "U":
                self.note("unverified-code", f"{label}: dose unit {e.code!r} read as {e.maps_to} from an unverified entry (U)", uptr)
            return
        unit_text = q.get("unit") if isinstance(q.get("unit"), str) else None
        if isinstance(code, str) and code.strip():
            o["unit"] = code.strip()
            self.note("non-ucum-unit", f"{label}: dose unit code {code!r} is not a unit this mapping knows", uptr)
        elif unit_text and unit_text.strip():
            o["unit"] = f"{unit_text.strip()} (unit text, no UCUM code)"
            self.note("non-ucum-unit", f"{label}: dose unit {unit_text!r} is text only, with no UCUM code", uptr)
        else:
            self.note("non-ucum-unit", f"{label}: dose has no unit", uptr)

    def _route(self, o: dict, pre: str, di: dict, dptr: str, label: str) -> None:
        rc = di.get("route")
        if not isinstance(rc, dict):
            return
        rptr = _p(dptr, "route")
        unknown = []
        read: list[tuple[str, Any]] = []  # (pointer, value set entry) of every coding read
        for cptr, c in self._codings(rc, rptr):
            e = self.vs.get("routes", c.get("system") if isinstance(c.get("system"), str) else None, c.get("code"))
            if e is not None:
                read.append((cptr, e))
            elif c.get("code") is not None:
                unknown.append(f"{c.get('system')}|{c.get('code')}")
        if read:
            routes = sorted({e.maps_to for _, e in read})
            if len(routes) > 1:
                # Codings that name different routes (topical and PO): the first one won, and an oral
                # tacrolimus read as topical was checked by no rule. Neither is taken: a route missing is
                # read as systemic for every decision (regimen-format.md), and OL003 says it is missing.
                self.note("missing-value", f"{label}: route codings disagree ({', '.join(routes)}): route missing", rptr)
                return
            cptr, e = read[0]
            o["route"] = e.maps_to
            self.m.origin[pre + "/route"] = _p(cptr, "code")
            if e.tag == "U":
                self.note("unverified-code", f"{label}: route {e.code} ({e.display}) read as {e.maps_to} from an unverified code (U)", _p(cptr, "code"))
            return
        text, tptr = None, rptr
        if isinstance(rc.get("text"), str) and rc["text"].strip():
            text, tptr = rc["text"].strip(), _p(rptr, "text")
        else:
            for cptr, c in self._codings(rc, rptr):
                if isinstance(c.get("display"), str) and c["display"].strip():
                    text, tptr = c["display"].strip(), _p(cptr, "display")
                    break
        if text is None:
            if unknown:
                self.note("missing-value", f"{label}: route code {', '.join(unknown)} is not in the value set: route missing", rptr)
            return
        from orderlint.normalize import ROUTES

        key = re.sub(r"\s*\(qualifier value\)\s*$", "", text.lower()).strip()
        key = re.sub(r"\s+(route|use)$", "", key).strip()
        canon = ROUTES.get(key)
        o["route"] = canon or text
        self.m.origin[pre + "/route"] = tptr
        self.note("route-from-text", f"{label}: route read from its text {text!r}" + (f" as {canon}" if canon else ", which is not a known route"), tptr)

    def _timing(self, o: dict, pre: str, di: dict, dptr: str, label: str) -> None:
        m = self.m
        t = di.get("timing")
        tptr = _p(dptr, "timing")
        if not isinstance(t, dict):
            if di.get("asNeededBoolean") is True or isinstance(di.get("asNeededCodeableConcept"), dict):
                o["frequency"] = "as needed (no timing)"
                m.origin[pre + "/frequency"] = _p(dptr, "asNeededBoolean" if "asNeededBoolean" in di else "asNeededCodeableConcept")
            return
        if di.get("asNeededBoolean") is True or isinstance(di.get("asNeededCodeableConcept"), dict):
            # Read at its schedule (the most it may be given: fail closed for a risk), but given only
            # as needed it protects nothing (a prophylaxis).
            self._doubt([pre], "it is given as needed")
        rep = t.get("repeat") if isinstance(t.get("repeat"), dict) else None
        rptr = _p(tptr, "repeat")
        if rep is not None:
            self._course(o, pre, rep, rptr)
            freq = self._repeat(rep, rptr)
            coded = self._timing_code(t, tptr)
            # A repeat that states no frequency (once per period) under a code that says more (BID):
            # the code, the more often it may be given (fail closed). A stated frequency wins
            # (fhir.md 2.1: timing.repeat wins over timing.code).
            more_often = coded is not None and (_per_day(_code_freq(coded[0])) or 0) > (_per_day(freq) or math.inf)
            says_more = more_often and "frequency" not in rep and "frequencyMax" not in rep
            if freq is not None and not says_more:
                o["frequency"] = freq
                m.origin[pre + "/frequency"] = rptr
                if more_often and coded is not None:  # (coded is not None when more_often: for the type checker)
                    # fhir.md 2.1: the repeat wins; a code that says more often (QID beside once a day)
                    # is said, never dropped without a word.
                    self.note("timing-code", f"{label}: timing.code {coded[0].code} says more often than timing.repeat; "
                              "read as timing.repeat (it wins), so the dose may be higher than checked", coded[1])
                if isinstance(freq, dict):
                    f_, fmax_, period_ = rep.get("frequency"), rep.get("frequencyMax"), rep.get("period")
                    n_ = max(v for v in (f_, fmax_, 1) if _number(v))
                    self._on_listed_days(o, pre, n_, period_ if _number(period_) else 1, rep.get("periodUnit"), rep, rptr, label)
                return
        else:
            coded = self._timing_code(t, tptr)
        if coded is not None:
            e, cptr = coded
            o["frequency"] = _code_freq(e)
            f: Any = _CODE_AS_REPEAT.get(o["frequency"]) if isinstance(o["frequency"], str) else o["frequency"]
            if rep is not None and isinstance(f, dict):
                # The code's frequency, raised to the times of day and days of week the repeat names
                # (QD with two times of day, WK on Monday and Thursday).
                n, p, unit = _with_listed(f["frequency"], f["period"], f["period_unit"], rep)
                if (n, p, unit) != (f["frequency"], f["period"], f["period_unit"]):
                    o["frequency"] = {"frequency": n, "period": p, "period_unit": unit}
                    self._on_listed_days(o, pre, f["frequency"], f["period"], f["period_unit"], rep, rptr, label)
            m.origin[pre + "/frequency"] = _p(cptr, "code")
            self.note("timing-code", f"{label}: frequency read from timing.code {e.code} as "
                      f"{e.maps_to if isinstance(e.maps_to, str) else _show_freq(e.maps_to)}", _p(cptr, "code"))
            if e.tag == "U":
                self.note("unverified-code", f"{label}: timing code {e.code} is an unverified code (U)", _p(cptr, "code"))
            return
        code = t.get("code")
        if isinstance(code, dict) and isinstance(code.get("text"), str) and code["text"].strip():
            o["frequency"] = code["text"].strip()
            m.origin[pre + "/frequency"] = _p(tptr, "code", "text")
            self.note("timing-code", f"{label}: frequency read from timing.code text {code['text']!r}", _p(tptr, "code", "text"))

    def _on_listed_days(self, o: dict, pre: str, n: Any, p: Any, unit: Any, rep: dict, rptr: str, label: str) -> None:
        """Says how several administrations a day on some days of the week only (dayOfWeek) are read.

        The format has no days of the week. Read as so many a week, the fullest day was lost (MMF
        2000 mg twice a day on Mondays, Wednesdays and Fridays read 1714 mg a day on average, not the
        4000 mg given on each of those days): _with_listed reads them on every day instead, so a
        maximum per day sees the fullest day and a sum over a week reads high, never low."""
        k = _per_listed_day(n, p, unit, rep)
        if k > 1:
            self.note("timing-code", f"{label}: {k} administrations a day on {_listed(rep)[1]} days of the week (dayOfWeek) "
                      f"read as {k} a day on every day, so that a maximum per day sees the fullest day (sums over a "
                      "week or 4 weeks read high, and a minimum per day is not judged on the days between)",
                      _p(rptr, "dayOfWeek"))

    def _timing_code(self, t: dict, tptr: str) -> Optional[tuple[Any, str]]:
        """(value-set entry, pointer) of the first timing.code coding the value set knows, else None."""
        for cptr, c in self._codings(t.get("code"), _p(tptr, "code")):
            e = self.vs.get("timing_codes", c.get("system") if isinstance(c.get("system"), str) else None, c.get("code"))
            if e is not None:
                return e, cptr
        return None

    def _repeat(self, rep: dict, rptr: str) -> Any:
        f, fmax, period, unit = rep.get("frequency"), rep.get("frequencyMax"), rep.get("period"), rep.get("periodUnit")
        if not (_number(f) or _number(fmax) or _number(period)):
            times, _days = _listed(rep)
            if times and "dayOfWeek" not in rep:
                # Only times of day (08:00 and 20:00): given each day at each of them.
                return {"frequency": times, "period": 1, "period_unit": "d"}
            if rep.get("count") == 1 and rep.get("countMax") in (None, 1) and type(rep["count"]) is int:
                return "once"  # a single administration (count 1), with no schedule to repeat
            return None
        for name, v in (("frequency", f), ("frequencyMax", fmax), ("period", period)):
            if v is not None and not _number(v):
                # Given but not a number ("2", "0.5", an object): unknown, never read as once or as a
                # period of 1 (MMF 2000 mg once per "0.5" d read as 2000 mg a day; OL003 where it matters).
                return f"{name} {v!r} per {period} {unit}"
        n = f if _number(f) else 1
        if _number(fmax) and fmax > n:
            n = fmax  # fail closed: the most often it may be given
        p = period if _number(period) else 1
        n, p, unit = _with_listed(n, p, unit, rep)
        if not (isinstance(n, (int, float)) and 1 <= n <= _MAX_FREQUENCY and float(n).is_integer() and 0 < p <= _MAX_FREQUENCY):
            return f"frequency {n} per {p} {unit}"  # not a dosing frequency: OL003 where it matters
        n = int(n)
        if unit in ("d", "wk", "mo"):
            return {"frequency": n, "period": p, "period_unit": unit}
        if unit == "h":
            per_day = n * 24
            if float(per_day / p).is_integer():
                return {"frequency": int(per_day / p), "period": 1, "period_unit": "d"}
            return {"frequency": per_day, "period": p, "period_unit": "d"}
        if unit == "a":
            return {"frequency": n, "period": p * 12, "period_unit": "mo"}
        return f"{n} per {p} {unit}"  # seconds, minutes or no unit: not a dosing frequency (OL003)

    def _course(self, o: dict, pre: str, rep: dict, rptr: str) -> None:
        m = self.m
        bd = rep.get("boundsDuration")
        if isinstance(bd, dict) and _number(bd.get("value")) and bd["value"] > 0:
            u = bd.get("code") if isinstance(bd.get("code"), str) else bd.get("unit")
            unit = _DURATION_UNITS.get(u) if isinstance(u, str) else None
            if unit:
                o["duration"] = {"value": bd["value"], "unit": unit}
                m.origin[pre + "/duration"] = _p(rptr, "boundsDuration")
            else:
                self.note("missing-value", f"boundsDuration unit {u!r} is not d, wk or mo: course length not read", _p(rptr, "boundsDuration"))
        bp = rep.get("boundsPeriod")
        if isinstance(bp, dict):
            start = _date(bp.get("start")) if isinstance(bp.get("start"), str) else None
            end = _date(bp.get("end")) if isinstance(bp.get("end"), str) else None
            if start:
                o["start"] = start
                m.origin[pre + "/start"] = _p(rptr, "boundsPeriod", "start")
            if end is not None and end < self.as_of.isoformat():
                self._doubt([pre], f"its period ended on {end}")
            elif end is not None and start is not None and end < start:
                self._doubt([pre], f"its period ends on {end}, before it starts")
            elif end is None and bp.get("end") is not None:
                self._doubt([pre], "the end of its period cannot be read")
            if start and end and "duration" not in o:
                days = (_dt.date.fromisoformat(end) - _dt.date.fromisoformat(start)).days
                if days > 0:
                    o["duration"] = {"value": days, "unit": "d"}
                    m.origin[pre + "/duration"] = _p(rptr, "boundsPeriod")
        count = rep.get("count")
        cmax = rep.get("countMax")
        best = None
        for v, key in ((count, "count"), (cmax, "countMax")):
            if _number(v) and float(v).is_integer() and 1 <= v <= _MAX_INT and (best is None or v > best[0]):
                best = (int(v), key)
        if best is not None:
            o["doses"] = best[0]
            m.origin[pre + "/doses"] = _p(rptr, best[1])


# --------------------------------------------------------------------------- helpers
_TAG_RANK = {"U": 0, "V2": 1, "V": 2}


def rxnorm_tag(code: str, vocab_tag: str) -> str:
    """The tag of an RxNorm code for FHIR input: the lower of the vocabulary's and fhir.md section 5's."""
    e = _valuesets().get("rxnorm", RXNORM, code)
    if e is None or _TAG_RANK.get(e.tag, 0) >= _TAG_RANK.get(vocab_tag, 0):
        return vocab_tag
    return e.tag


def _error(message: str, pointer: str) -> Mapped:
    m = Mapped()
    m.error = (message, pointer)
    return m


def _unknown_type(rt: Any) -> str:
    """The OL001 message of a resourceType that is no FHIR resource type (a near R4 name suggested)."""
    if not isinstance(rt, str):
        return f"`resourceType` is {_kind(rt)}, not a resource type name"
    near = next((t for t in sorted(R4_TYPES) if t.lower() == rt.strip().lower()), None)
    return f"resourceType {rt!r} is not a FHIR resource type" + (f" (did you mean {near!r}?)" if near else "")


#: Resources that become orders (or history) of the patient they name: one that names no patient in
#: input holding several changes some patient's checks unseen, so it is OL001, never a note.
MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement")
#: The resource types the mapping reads (section 2); a modifier extension on one of them is OL001.
READ_TYPES = frozenset(("Patient", "MedicationRequest", "MedicationStatement", "Medication", "Observation", "Condition",
                        "ServiceRequest", "Procedure", "DiagnosticReport", "ImagingStudy"))


def _modifier_extension(v: Any, ptr: str) -> Optional[tuple[str, str]]:
    """The first non-empty ``modifierExtension`` anywhere in ``v`` (resource, contained resource or
    element): its url (or "no url") and its pointer; None when there is none."""
    if isinstance(v, dict):
        for k, sub in v.items():
            if k == "modifierExtension" and sub not in (None, [], {}):
                first = sub[0] if isinstance(sub, list) else sub
                url = first.get("url") if isinstance(first, dict) else None
                return (url if isinstance(url, str) else "no url", _p(ptr, k, 0) if isinstance(sub, list) else _p(ptr, k))
            if isinstance(sub, (dict, list)):
                hit = _modifier_extension(sub, _p(ptr, k))
                if hit is not None:
                    return hit
    elif isinstance(v, list):
        for i, sub in enumerate(v):
            if isinstance(sub, (dict, list)):
                hit = _modifier_extension(sub, _p(ptr, i))
                if hit is not None:
                    return hit
    return None


#: The frequencies timing codes map to by name, as a repeat (n per p unit).
_CODE_AS_REPEAT: dict[str, dict[str, Any]] = {"daily": {"frequency": 1, "period": 1, "period_unit": "d"},
                   "bid": {"frequency": 2, "period": 1, "period_unit": "d"},
                   "tid": {"frequency": 3, "period": 1, "period_unit": "d"},
                   "qid": {"frequency": 4, "period": 1, "period_unit": "d"},
                   "qod": {"frequency": 1, "period": 2, "period_unit": "d"},
                   "weekly": {"frequency": 1, "period": 1, "period_unit": "wk"},
                   "monthly": {"frequency": 1, "period": 1, "period_unit": "mo"}}


def _code_freq(e: Any) -> Any:
    """The frequency a timing-code entry maps to, as the order holds it."""
    return e.maps_to if isinstance(e.maps_to, str) else dict(e.maps_to)


def _amount_of(o: dict) -> Optional[tuple[str, float]]:
    """(basis, amount per administration) of a mapped order: its dose in mg (or mg/kg, mg/m2), a
    count of pieces by its strength in mg; None when the unit does not convert."""
    from orderlint.normalize import read_unit

    dose, unit = o.get("dose"), o.get("unit")
    if not _number(dose) or not isinstance(unit, str):
        return None
    mass, piece = read_unit(unit)
    if mass is not None:
        return mass[0], dose * mass[1]
    strength = o.get("strength")
    if piece is not None and isinstance(strength, dict) and _number(strength.get("value")) and strength.get("unit") == "mg":
        return "mg", dose * strength["value"]
    return None


#: The tag of a condition read by its words (_condition_words), not by a code.
_BY_TEXT = "text"
#: (Condition status element, codes that make a Condition not count, codes that say it does):
#: the HL7 condition-clinical and condition-ver-status codes.
_CONDITION_STATUSES = (
    ("clinicalStatus", frozenset({"inactive", "remission", "resolved"}), frozenset({"active", "recurrence", "relapse"})),
    ("verificationStatus", frozenset({"refuted", "entered-in-error"}),
     frozenset({"unconfirmed", "provisional", "differential", "confirmed"})),
)
#: Top-level fields of a regimen document (regimen-format.md) that no CDS Hooks request has (nor any
#: FHIR R4 resource, `kind` aside): beside `hook`, `context` or `resourceType`, the document is not
#: known to be either.
_REGIMEN_ONLY_FIELDS = frozenset({"orderlint", "kind", "as_of", "indication", "orders", "history", "tests", "waivers"})
#: Draft resources that hold orders (fhir.md section 1 reads MedicationRequests): their contained ones are read.
_ORDER_GROUPS = frozenset({"RequestGroup", "RequestOrchestration", "CarePlan"})


def _contained_items(r: dict, ptr: str) -> list[tuple[str, Any]]:
    """(pointer, item) of each resource ``r`` contains: `contained` is an array, or one object as
    some senders write it (an object is read as the one item, at ``ptr/contained``)."""
    v = r.get("contained")
    if v is None:
        return []
    if isinstance(v, list):
        return [(_p(ptr, "contained", i), c) for i, c in enumerate(v)]
    return [(_p(ptr, "contained"), v)]


#: Resources whose contained medication orders are read as orders (``_Mapper._with_contained``).
_CONTAINERS = _ORDER_GROUPS | {"MedicationRequest", "MedicationStatement"}
#: RequestGroup action selectionBehavior codes that make its sub-actions alternatives.
_CHOICES = frozenset({"any", "exactly-one", "at-most-one", "one-or-more"})
#: Request types that order no drug: a draft group's inline activity of such a kind, or its reference
#: to such a resource that is not in the request, hides no medication order. Any other kind or type
#: (none, a medication order, a group, an ActivityDefinition or PlanDefinition) may.
_NOT_DRUG_ORDERS = frozenset({"Appointment", "CommunicationRequest", "DeviceRequest", "NutritionOrder", "ServiceRequest",
                              "VisionPrescription", "Task"})
#: Medication types that are not read as a medication order (MedicationRequest) or a drug taken
#: (MedicationStatement): as a draft order, the order being signed would go unchecked.
_UNREAD_MEDICATION_TYPES = frozenset({"MedicationOrder", "MedicationPrescription", "MedicationAdministration",
                                      "MedicationDispense", "MedicationUsage"})


def _component(c: dict, intent: Any, choices: bool) -> dict:
    """A request a group (RequestGroup, RequestOrchestration, CarePlan) holds, as the group orders it.
    R4 RequestIntent option: "a component or option for a RequestGroup"; what the group does with its
    components is the group's intent (an order orders them all), unless its actions make them
    alternatives (``choices``): those stay options (judged as given for a risk, never counted as a
    protection)."""
    if c.get("intent") == "option" and isinstance(intent, str) and intent not in ("option", "proposal", "plan") and not choices:
        return {**c, "intent": intent}
    return c


def _has_choices(r: dict) -> bool:
    """Whether an action of the group, at any depth, makes its sub-actions alternatives."""
    stack = [r]
    while stack:
        obj = stack.pop()
        acts = obj.get("action")
        for a in acts if isinstance(acts, list) else [acts]:
            if isinstance(a, dict):
                if a.get("selectionBehavior") in _CHOICES:
                    return True
                stack.append(a)
    return False


def _inline_medication_activity(r: dict) -> bool:
    """A CarePlan (or R4 RequestGroup-like group) activity that orders a drug inline (activity.detail
    of a medication kind, or with a product), which the mapping does not read as an order."""
    acts = r.get("activity")
    for a in acts if isinstance(acts, list) else [acts]:
        d = a.get("detail") if isinstance(a, dict) else None
        if isinstance(d, dict) and (d.get("kind") in ("MedicationRequest", "MedicationOrder")
                                    or "productCodeableConcept" in d or "productReference" in d):
            return True
    return False


def _unread_medication(r: dict) -> bool:
    """A resource that orders or gives a drug but that the mapping does not read as an order."""
    rt = r.get("resourceType")
    if rt in ("MedicationRequest", "MedicationStatement", "Medication"):
        return False
    if rt in _UNREAD_MEDICATION_TYPES:
        return True
    # A name that is no resource type at all (a misspelt MedicationRequest) is left to its own OL001.
    known = rt in R4_TYPES or rt in OLD_REQUEST_TYPES or rt in OTHER_VERSION_TYPES
    if known and any(k in r for k in ("medicationCodeableConcept", "medicationReference")):
        return True
    # A request for a service coded as a drug (RxNorm names drugs only: an infusion ordered as a
    # ServiceRequest), which the mapping would read as a test it does not know, or not at all.
    code = r.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return known and any(isinstance(c, dict) and c.get("system") == RXNORM
                         for c in (codings if isinstance(codings, list) else [codings]))


#: CDS Hooks hooks whose context must carry the orders they are about, and the key that does.
_ORDER_HOOKS = {"order-sign": "draftOrders", "order-select": "draftOrders", "medication-prescribe": "medications"}


def _incomplete_prefetch(v: Any) -> Optional[str]:
    """Why a CDS Hooks prefetch value does not hold all of the data asked for, else None
    (null is "not provided", fhir.md section 1): an OperationOutcome reporting an error, a search
    result with a next page or fewer entries than its total, or a value that is not FHIR."""
    if v is None:
        return None
    if isinstance(v, list):
        for item in v:
            why = _incomplete_prefetch(item)
            if why is not None:
                return why
        return None
    if not isinstance(v, dict):
        return f"is {_kind(v)}, not a FHIR resource or Bundle"
    rt = v.get("resourceType")
    if not isinstance(rt, str):
        return "is an object without `resourceType`, not a FHIR resource or Bundle"
    if rt == "OperationOutcome":
        # In place of the data asked for (CDS Hooks: a prefetch the client could not make): whatever
        # its severity, the data is not there. Read as complete, a timeout 'warning' in place of the
        # Conditions made the patient not applicable: no card.
        from orderlint.fhir.outcome import as_list, issue_text

        said = _outcome_error(v)
        if said is None:
            text = next((t for t in map(issue_text, as_list(v.get("issue"))) if t), None)
            said = f" ({text[:120]})" if text else ""
        return "is an OperationOutcome in place of the data asked for" + said
    if rt == "Bundle":
        return _incomplete_bundle(v)
    return None


def _incomplete_bundle(b: dict) -> Optional[str]:
    """_incomplete_prefetch of a Bundle, and of the Bundles it holds (a collection holding the
    searchsets, a batch-response): the reading reads them all, so each must be complete."""
    from orderlint.fhir.outcome import as_list, is_next_link

    # An object where an array belongs is one item (fhir.md 2.1), here as when the data is read.
    entries: list = as_list(b.get("entry"))
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            continue
        r = e.get("resource")
        if isinstance(r, dict) and r.get("resourceType") == "OperationOutcome":
            # A search reports its own failure (a truncated or partly failed search) as an entry
            # with search.mode outcome: an error there is as incomplete as a whole-value one.
            said = _outcome_error(r)
            if said is not None:
                return f"holds an OperationOutcome (entry {i}) reporting an error" + said
        elif isinstance(r, dict) and r.get("resourceType") == "Bundle":
            why = _incomplete_bundle(r)
            if why is not None:
                return f"holds a Bundle (entry {i}) that {why}"
        response = e.get("response")
        if response is not None and not isinstance(response, dict):
            # A response that cannot be read says nothing of whether its request returned data.
            return f"holds a response (entry {i}) that is {_kind(response)}, not an object: whether that request returned data is not known"
        if isinstance(response, dict):
            # A batch-response entry: a request that failed returned no data, whatever else it holds.
            status = response.get("status")
            if not isinstance(status, str) or not status.strip().startswith("2"):
                shown = f"status {status.strip()[:40]!r}" if isinstance(status, str) else "no status"
                return f"holds a response (entry {i}) with {shown}: that request returned no data"
            outcome = response.get("outcome")
            said = _outcome_error(outcome) if isinstance(outcome, dict) else None
            if said is not None:
                return f"holds a response (entry {i}) whose outcome reports an error" + said
    if any(is_next_link(ln) for ln in as_list(b.get("link"))):
        return "is one page of a search result (it links to a next page)"
    matched = len([e for e in entries if isinstance(e, dict) and (not isinstance(e.get("search"), dict)
                                                                  or e["search"].get("mode", "match") == "match")])
    total = b.get("total")
    if total is None:
        return None
    if isinstance(total, str) and total.strip().isdigit():
        total = int(total)  # a count given as a string is still the count the search found
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return f"gives its `total` as {_kind(total)}, not a count: whether it holds all its search found is not known"
    if total > matched:
        return f"holds {matched} of the {total} resources its search found"
    return None


def _outcome_error(oo: dict) -> Optional[str]:
    """' (what it says)' (or '') when an OperationOutcome reports an error (orderlint.fhir.outcome),
    else None."""
    from orderlint.fhir.outcome import error_issues, issue_text

    bad = error_issues(oo)
    if bad is None:
        return None
    if not bad:
        return " (it states no issue)"
    said = next((t for t in map(issue_text, bad) if t), None)
    return f" ({said[:120]})" if said else ""


def _outcome_warnings(v: Any) -> list[str]:
    """The diagnostics (or codes) of the warning and information issues of the OperationOutcomes in a
    prefetch value (the value itself, or a search Bundle's entries)."""
    out: list[str] = []
    items = [v] if isinstance(v, dict) else v if isinstance(v, list) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        oos = [item] if item.get("resourceType") == "OperationOutcome" else [
            e["resource"] for e in (item["entry"] if item.get("resourceType") == "Bundle" and isinstance(item.get("entry"), list) else [])
            if isinstance(e, dict) and isinstance(e.get("resource"), dict) and e["resource"].get("resourceType") == "OperationOutcome"]
        for oo in oos:
            for i in oo["issue"] if isinstance(oo.get("issue"), list) else []:
                if isinstance(i, dict):
                    said = i.get("diagnostics") if isinstance(i.get("diagnostics"), str) else i.get("code")
                    out.append(f"{i.get('severity')}: {said[:120] if isinstance(said, str) else 'no diagnostics'}")
    return out


def _unplaced(r: dict, where: str) -> str:
    """The OL001 message of a MedicationRequest or MedicationStatement that names no patient in input
    holding several."""
    rid = r.get("id")
    rtype = r.get("resourceType") if r.get("resourceType") in MEDICATION_TYPES else "MedicationRequest"
    name = f"{rtype} {rid!r}" if isinstance(rid, str) else f"{rtype} (no id)"
    subject = r.get("subject")
    if subject is None:
        why = "it has no subject"
    elif isinstance(subject, dict) and isinstance(subject.get("reference"), str):
        why = f"its subject {subject['reference']!r} is not a reference to a Patient"
    elif isinstance(subject, dict) and "identifier" in subject:
        why = "its subject is an identifier only"
    elif isinstance(subject, dict) and "display" in subject:
        why = "its subject is a display only"
    else:
        why = "its subject names no Patient"
    return f"{name} names no patient that can be placed ({why}; the {where} holds several patients): it was not checked"


def _dig(v: Any, *keys: str) -> Any:
    for k in keys:
        v = v.get(k) if isinstance(v, dict) else None
    return v


def _text_of(cc: Any) -> Optional[str]:
    return _nonblank(cc.get("text")) if isinstance(cc, dict) else None


def _nonblank(v: Any) -> Optional[str]:
    return v.strip() if isinstance(v, str) and v.strip() else None


def _coding_words(c: dict) -> Optional[str]:
    """A coding as its words: its display, else its code (read as free text: an unknown code reads
    as no negative)."""
    for key in ("display", "code"):
        v = c.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def _stated_number(q: Any, integer: Any) -> Optional[tuple[str, Optional[str]]]:
    """(the number with its comparator, its unit or None) of a valueQuantity or valueInteger."""
    if isinstance(q, dict) and _number(q.get("value")):
        unit = next((u.strip() for u in (q.get("unit"), q.get("code")) if isinstance(u, str) and u.strip()), None)
        comparator = q.get("comparator") if q.get("comparator") in ("<", "<=", ">=", ">") else ""
        return f"{comparator}{q['value']:g}", unit
    if type(integer) is int:
        return str(integer), None
    return None


_MM_UNITS = frozenset({"mm", "millimeter", "millimeters", "millimetre", "millimetres", "[mm]"})
_CM_UNITS = frozenset({"cm", "centimeter", "centimeters", "centimetre", "centimetres"})


def _induration(stated: Optional[tuple[str, Optional[str]]], unitless_is_mm: bool) -> Optional[str]:
    """A stated number as an induration in mm ('12 mm', '<10 mm'), when it is one: a unit of length
    ('mm', 'millimetres', 'MM', 'mm induration', 'cm' times 10), or no unit where the test is a
    skin test (``unitless_is_mm``); else None."""
    if stated is None:
        return None
    number, unit = stated
    u = unit.lower() if unit is not None else None
    if u is None:
        return f"{number} mm" if unitless_is_mm else None
    if u in _MM_UNITS or u.startswith("mm "):
        return f"{number} mm"
    if u in _CM_UNITS:
        bound = number.rstrip("0123456789.")
        return f"{bound}{float(number[len(bound):]) * 10:g} mm"
    return None


def _canonical_coding(c: dict) -> dict:
    """A coding with its system as the value sets name it (a copy when that differs)."""
    system = c.get("system")
    if not isinstance(system, str):
        return c
    canonical = canonical_system(system)
    return c if canonical == system else {**c, "system": canonical}


def _words_of(cc: Any) -> str:
    """A CodeableConcept's text and displays, as one text ('' when it has none)."""
    if not isinstance(cc, dict):
        return ""
    cod = cc.get("coding")
    words = [cc.get("text"), *(c.get("display") for c in (cod if isinstance(cod, list) else [cod]) if isinstance(c, dict))]
    return " ".join(w for w in words if isinstance(w, str))


#: Value elements of an Observation or DiagnosticReport whose result orderlint does not read.
#: (A report's presentedForm is a rendering, most often beside Observations of its own that are read:
#: read as indeterminate, it made every such report's negative a false ILD408.)
_UNREAD_VALUES = ("valueRatio", "valueRange", "valueSampledData", "valueAttachment")


def _assay_key(cc: Any) -> Optional[str]:
    """The assay a result is of, for telling two assays of one test apart (Regimen.test_results):
    its LOINC code, else its first code, else its text. By the first code alone, two labs' local
    code '1' before the LOINC codes of anti-HBc and HBsAg made them one assay, and a later negative
    HBsAg hid a positive anti-HBc."""
    if not isinstance(cc, dict):
        return None
    cod = cc.get("coding")
    for c in (cod if isinstance(cod, list) else [cod]):
        if (isinstance(c, dict) and isinstance(c.get("system"), str) and canonical_system(c["system"]) in _LOINC_SYSTEMS
                and isinstance(c.get("code"), str) and c["code"].strip()):
            return c["code"].strip()
    return _concept_text(cc)


_LOINC_SYSTEMS = ("http://loinc.org", "urn:oid:2.16.840.1.113883.6.1")


def _concept_text(cc: Any) -> Optional[str]:
    """A CodeableConcept in a few words for a message: its first coding's code, else its text."""
    if not isinstance(cc, dict):
        return None
    cod = cc.get("coding")
    for c in cod if isinstance(cod, list) else [cod]:
        if isinstance(c, dict) and isinstance(c.get("code"), str) and c["code"].strip():
            return c["code"].strip()
    t = cc.get("text")
    return t.strip()[:80] if isinstance(t, str) and t.strip() else None


def _kind(v: Any) -> str:
    return {list: "an array", dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}.get(type(v), "a number")


_ENTRY_URL = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?/?$")


def _entry_identity(e: Any) -> Optional[tuple[str, str]]:
    """(resource type, id) a Bundle entry is about: its resource's, else its request url's or fullUrl's."""
    if not isinstance(e, dict):
        return None
    r = e.get("resource")
    if isinstance(r, dict):
        k = _key(r)
        if k is not None:
            return k
    req = e.get("request")
    for url in ((req.get("url") if isinstance(req, dict) else None), e.get("fullUrl")):
        if isinstance(url, str) and "?" not in url:
            mt = _ENTRY_URL.search(url.strip())
            if mt:
                return mt.group(1), mt.group(2)
    return None


def _deletion_clash(btype: Any, entries: list[Any], what: str = "the Bundle") -> Optional[str]:
    """Why a Bundle cannot be read as the patient's current record, or None: a DELETE entry for a
    resource the Bundle also holds (its own resource too; a conditional DELETE, for any resource of
    its type), a DELETE or a request that names nothing orderlint can read, or a history Bundle that
    holds a deletion or several versions of one resource."""
    held: dict[tuple[str, str], int] = {}
    deletes: list[tuple[Optional[tuple[str, str]], str]] = []
    for e in entries:
        if not isinstance(e, dict):
            continue
        req = e.get("request")
        method = req.get("method") if isinstance(req, dict) else None
        if (req is not None and not isinstance(req, dict)) or (method is not None and not isinstance(method, str)):
            return (f"a Bundle entry's request is {_kind(req if not isinstance(req, dict) else method)} where an object with "
                    "a method belongs: whether it deletes a resource cannot be told")
        ident = _entry_identity(e)
        if isinstance(e.get("resource"), dict) and ident is not None:
            held[ident] = held.get(ident, 0) + 1
        if isinstance(method, str) and method.strip().upper() == "DELETE" and isinstance(req, dict):
            url = req.get("url")
            deletes.append((ident, url if isinstance(url, str) else ""))
    names = {(t.lower(), i) for t, i in held}
    for ident, url in deletes:
        if ident is not None:
            if (ident[0].lower(), ident[1]) in names:
                return f"{what} deletes {ident[0]}/{ident[1]} and also holds it, so which is current cannot be told"
            continue
        rtype = url.split("?", 1)[0].strip().rstrip("/").rsplit("/", 1)[-1]
        if rtype not in R4_TYPES:
            # A DELETE with no url, or one no resource can be read from ('medicationrequest/x', an
            # escaped id): which resource it deletes, perhaps one the Bundle holds, cannot be told.
            return f"{what} deletes a resource it names as {url.strip()[:80]!r}: which one cannot be told"
        if any(t == rtype for t, _ in held):
            return f"{what} deletes {rtype} resources by a search it does not resolve, and also holds {rtype} resources"
    if isinstance(btype, str) and btype.strip().lower() == "history":
        if deletes:
            return "the history Bundle records a deletion: it lists versions over time, not the current record"
        again = next((k for k, n in held.items() if n > 1), None)
        if again is not None:
            return (f"the history Bundle holds several versions of {again[0]}/{again[1]}: it lists versions over time, "
                    "not the current record")
    return None


def _request_deletion_clash(ctx: dict, prefetch: Any) -> Optional[str]:
    """A DELETE in one part of a CDS Hooks request (the draft orders, a prefetch Bundle) of a
    resource another part holds, or None (each Bundle alone is judged by _deletion_clash)."""
    parts: list[list[Any]] = []
    for v in [*(ctx.get(k) for k in ORDER_CARRIERS),
              *(prefetch.values() if isinstance(prefetch, dict) else ())]:
        if isinstance(v, dict) and v.get("resourceType") == "Bundle":
            parts.append(v["entry"] if isinstance(v.get("entry"), list) else [])
        elif isinstance(v, dict):
            parts.append([{"resource": v}])
        elif isinstance(v, list):
            parts.append([{"resource": x} for x in v])
    # With no DELETE anywhere (no history type here) _deletion_clash finds nothing.
    return _deletion_clash(None, [e for p in parts for e in p], "the CDS Hooks request") if len(parts) > 1 else None


def _key(r: dict) -> Optional[tuple]:
    rid, rt = r.get("id"), r.get("resourceType")
    return (rt, rid) if isinstance(rid, str) and isinstance(rt, str) else None


def _ref_id(ref: str) -> str:
    s = ref.strip()
    if "Patient/" in s:
        s = s.rsplit("Patient/", 1)[1]
    return s.split("/_history")[0].strip("/")


def _doc_order(ptr: str) -> list:
    return [int(t) if t.isdigit() else t for t in ptr.split("/")[1:]]


def _str(v: Any) -> Optional[str]:
    """A value of the data used as a key: a string, else None (a list or object is no code)."""
    return v if isinstance(v, str) else None


def _number(v: Any) -> TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and v not in (float("inf"), float("-inf"))


def _date(v: Any, end: bool = False) -> Optional[str]:
    """A FHIR date or dateTime as YYYY-MM-DD, else None. A partial date is its first day, or with
    ``end`` (the end of a Period) its last: '2025-11' ends on the 30th, '2024' on 31 December."""
    if not isinstance(v, str):
        return None
    mt = _DATE.match(v.strip())
    if not mt:
        return None
    try:
        year = int(mt.group(1))
        month = int(mt.group(2) or (12 if end else 1))
        if mt.group(3) is not None:
            day = int(mt.group(3))
        elif end:
            import calendar

            day = calendar.monthrange(year, month)[1]
        else:
            day = 1
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


_DATETIME = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$")


def _instant(v: Any) -> tuple[int, str]:
    """A FHIR date, dateTime or instant as a key that orders them in time: (0, "") when it cannot
    be read (before any that can), else (1, the UTC instant in ISO form; a date or a time without
    an offset read as UTC)."""
    mt = _DATETIME.match(v.strip()) if isinstance(v, str) else None
    if mt is None:
        return (0, "")
    y, mo, d, hh, mm, ss, tz = mt.groups()
    try:
        t = _dt.datetime(int(y), int(mo or 1), int(d or 1), int(hh or 0), int(mm or 0), int(ss or 0),
                         tzinfo=_dt.timezone.utc)
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            t -= sign * _dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    except (ValueError, OverflowError):
        return (0, "")
    return (1, t.isoformat())


def _when(r: dict) -> Optional[str]:
    for key in ("effectiveDateTime", "effectiveInstant", "performedDateTime", "started", "issued", "occurrenceDateTime"):
        if isinstance(r.get(key), str):
            return r[key]
    timing = r.get("effectiveTiming")
    if isinstance(timing, dict) and isinstance(timing.get("event"), list):
        # effective[x] as a Timing: its latest event (a measurement dated so was read as undated).
        events = [e for e in timing["event"] if isinstance(e, str) and _instant(e)[0]]
        if events:
            return max(events, key=_instant)
    for key in ("effectivePeriod", "performedPeriod"):
        p = r.get(key)
        if isinstance(p, dict):
            v = p.get("end") if isinstance(p.get("end"), str) else p.get("start")
            if isinstance(v, str):
                return v
    return None


def _strength(s: Any) -> Optional[dict]:
    """Medication.ingredient.strength in mg per {tbl} or TAB (fhir.md 2.1) -> {value, unit mg}."""
    if not isinstance(s, dict):
        return None
    num, den = s.get("numerator"), s.get("denominator")
    if not isinstance(num, dict) or not _number(num.get("value")) or num.get("code") not in ("mg", "g"):
        return None
    den_v = 1
    per_ml = False
    if isinstance(den, dict):
        code = den.get("code")
        if code is None and den.get("unit") is not None:
            # No code, a unit in words: what it says, never 'per tablet' by default (5 mg per 5 'mL'
            # read as 5 mg a tablet made 4 tablets of prednisone 20 mg a day, not 4 mg).
            unit = den["unit"].strip().lower() if isinstance(den["unit"], str) else None
            code = "mL" if unit in ("ml", "millilitre", "milliliter") else "{tbl}" if unit in _TABLET_WORDS else ""
        per_ml = code == "mL"
        if code not in ("{tbl}", "TAB", "{tablet}", None) and not per_ml:
            return None
        if _number(den.get("value")):
            den_v = den["value"]
    if den_v <= 0 or num["value"] <= 0:
        return None
    value = num["value"] * (1000 if num.get("code") == "g" else 1) / den_v
    # A strength per mL (an oral suspension, 200 mg/mL) serves only a dose in mL (_orders).
    return {"value": value, "unit": "mg", _PER_ML: True} if per_ml else {"value": value, "unit": "mg"}


#: A strength's denominator unit, in words, that is one tablet.
_TABLET_WORDS = frozenset({"tablet", "tablets", "tab", "tabs", "tbl", "{tbl}", "{tablet}"})

#: Marks a strength read per mL until the order's dose unit is known (never left in a mapped order).
_PER_ML = "x-per-ml"


def _with_listed(n: float, p: float, unit: Any, rep: dict) -> tuple[float, float, Any]:
    """A frequency (n per p unit) raised to the administrations that timing.repeat's timeOfDay or
    when and dayOfWeek name; as given when it names none."""
    times, days = _listed(rep)
    if not (times or days):
        return n, p, unit
    # A day or a week in other units (24 h, 7 d) is read as 1 d and 1 wk: twice a day at 08:00 and
    # 20:00 every 24 h was read once a day.
    if 0 < days < 7:
        k = _per_listed_day(n, p, unit, rep)
        if k > 1:
            # Several on the fullest day it names (twice a day, 6 a week or 26 a month on Mondays,
            # Wednesdays and Fridays): read on every day as _on_listed_days says; as so many a week,
            # MMF 2000 mg twice a day on three days read 1714 mg a day, not the 4000 given.
            return k, 1, "d"
    if (unit, p) == ("h", 24):
        unit, p = "d", 1
    elif (unit, p) in (("d", 7), ("h", 168)):
        unit, p = "wk", 1
    if unit == "d" and p == 1:
        # Each time of day (or event of the day) is an administration: never fewer than they name.
        n = max(n, times)
        if 0 < days < 7:
            # Only on the days of the week it names (FHIR dayOfWeek): once a day on Mondays is weekly.
            n, unit = n * days, "wk"
    elif unit == "wk" and p == 1:
        # Each day of the week it names, each time of day on each: 1 per week on all seven days was
        # read as weekly, a seventh of the dose.
        n = max(n, max(days, 1) * max(times, 1))
    else:
        n = max(n, times)
    return n, p, unit


def _named_subject(r: dict) -> Optional[str]:
    """How a resource names its patient (`subject`, `patient`) when it gives one that _subject
    reads as none, briefly; None when it gives none."""
    for f in _PATIENT_FIELDS:
        v = r.get(f)
        if v is not None:
            return f"`{f}` {v!r:.80}"
    return None


def _same_drug(vocab: Any, drug: Drug, other: str) -> bool:
    """Whether the drug named ``other`` is ``drug`` or its class name ('mycophenolate' beside
    mycophenolate mofetil), or ``drug``'s name is one of its classes."""
    if other == drug.name or other in drug.classes:
        return True
    d = vocab.drugs.get(other)
    return d is not None and drug.name in d.classes


def _per_listed_day(n: Any, p: Any, unit: Any, rep: dict) -> int:
    """The administrations on the fullest of the days of the week a timing names (dayOfWeek) at a
    frequency of ``n`` per ``p`` ``unit``, else 1 (every day alike, or at most one a day).

    A period of a day or less repeats within each day it names (every 12 h on Mondays: twice on
    each); a longer one shares its administrations among those days, the fullest taking the most
    (6 a week, 12 in two weeks or 26 a month on Mondays, Wednesdays and Fridays: two; 4 a week: two
    on one of them)."""
    times, days = _listed(rep)
    if not 0 < days < 7 or not _number(n) or not _number(p) or p <= 0:
        return 1
    span = _DAYS_PER.get(unit)
    if span is None:
        return 1
    span *= p
    if span <= 1 + 1e-9:
        per_day = n / span  # within each day it names
    else:
        per_day = n / (span / 7) / days  # so many a week, over the days it names
    k = max(math.ceil(per_day - 1e-9), times)
    return int(k) if 1 < k <= _MAX_FREQUENCY else 1


#: Days in one unit of a timing period (a month as 30.4375 days, a year as 365.25).
_DAYS_PER = {"h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.4375, "a": 365.25}
#: The day codes of timing.repeat.dayOfWeek (R4 days-of-week).
_WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})


def _listed(rep: dict) -> tuple[int, int]:
    """(times of day, days of the week) a timing.repeat names: timeOfDay or when, whichever names
    more, and distinct dayOfWeek codes."""
    times = max(len(v) for v in (rep.get("timeOfDay"), rep.get("when"), ()) if isinstance(v, (list, tuple)))
    days = rep.get("dayOfWeek")
    # Distinct day codes it names, read case-insensitively; an entry that is no day ('xyz', null)
    # names none (counted, it spread the week's doses over a day that does not exist).
    named = {d.strip().lower() for d in days if isinstance(d, str)} & _WEEKDAYS if isinstance(days, list) else set()
    return times, len(named)


_GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
#: GTSAbbreviation codes that name a time of day (every morning, afternoon, bedtime).
_TIME_OF_DAY_CODES = frozenset({"AM", "PM", "BED"})


def _split_doses(made: list[tuple[int, dict, Any]], keys: list[tuple[int, Any]]) -> dict[Any, Any]:
    """The entries of one MedicationRequest that are one day's doses, not taper steps (fhir.md 2.1,
    Tapers): {step key: one key naming its split dose}, for every step of one. Two entries of other steps are so
    when their bounds (boundsDuration, boundsPeriod, boundsRange, count, countMax) are the same, with
    no `boundsPeriod` start (dated entries are judged by their dates), and their times of day
    (timing.repeat.timeOfDay, when) are given and differ: a taper's steps are not told apart by the
    time of day. MMF 2000 mg at 08:00 and 2000 mg at 20:00, each for 90 days, read as two steps one
    after the other, was never 4000 mg a day. Entries that share a sequence are concurrent already, and
    entries with a sequence are steps as it orders them (a titration at 08:00 and 20:00 per step was
    summed across its steps)."""
    import json

    by_bounds: dict[str, list[tuple[Any, str]]] = {}  # bounds -> [(step key, times)]
    for (_idx, _o, di), (_i, key) in zip(made, keys):
        rep = _dig(di, "timing", "repeat")
        if rep is None:
            rep = {}
        if not isinstance(rep, dict) or _dig(rep, "boundsPeriod", "start") is not None:
            continue
        if isinstance(di, dict) and di.get("sequence") is not None:
            continue  # a stated sequence orders the steps (fhir.md 2.1): an MMF titration is no split dose
        times = {k: rep[k] for k in ("timeOfDay", "when") if rep.get(k) not in (None, [], "")}
        # A timing code that names a time of day (AM, PM, BED) says it as `when` does: prednisone 10 mg
        # AM and 10 mg PM was two steps, never 20 mg a day.
        codings = _dig(di, "timing", "code", "coding")
        said = sorted({c["code"] for c in (codings if isinstance(codings, list) else ())
                       if isinstance(c, dict) and c.get("system") == _GTS and isinstance(c.get("code"), str)
                       and c["code"] in _TIME_OF_DAY_CODES})
        if said:
            times["code"] = said
        if times:
            # The bounds as read (course days: 90 d, 90.0 days, 13 wk = 91 d, 3 mo or a count of 90
            # daily doses alike), not as spelled: two spellings of one course were two steps.
            days = _course_days(_o)
            bounds = json.dumps([None if days is None else round(float(days), 6), _dig(rep, "boundsPeriod", "end"),
                                 rep.get("boundsRange")], sort_keys=True, default=str)
            by_bounds.setdefault(bounds, []).append((key, json.dumps(times, sort_keys=True, default=str)))
    parent: dict[Any, Any] = {}

    def root(k: Any) -> Any:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    for entries in by_bounds.values():
        if len({t for _k, t in entries}) > 1 and len({k for k, _t in entries}) > 1:  # other times of day, other steps
            first = root(entries[0][0])
            for k, _t in entries:
                parent[root(k)] = first
                parent.setdefault(k, first)
    return {k: root(k) for k in parent}


def _per_day(freq: Any) -> Optional[float]:
    if isinstance(freq, dict):
        days = {"d": 1, "wk": 7, "mo": 30}.get(_str(freq.get("period_unit")) or "")
        if days and _number(freq.get("period")) and freq["period"] > 0:
            return freq["frequency"] / (freq["period"] * days)
        return None
    if isinstance(freq, str):
        # As normalization reads it ('every 6 hours', 'q4h', 'Q.I.D.'): by the table alone, such a step
        # counted once a day and a taper's largest step was taken for a smaller one.
        from orderlint.normalize import parse_frequency

        return parse_frequency(freq)[0]
    return None


def _step_days(o: dict) -> Optional[float]:
    """A step's course length as normalization reads it: a single administration ('once') is one day."""
    days = _course_days(o)
    if days is None and "duration" not in o and o.get("doses") in (None, 1):
        from orderlint.normalize import parse_frequency

        freq = o.get("frequency")
        if isinstance(freq, str) and parse_frequency(freq)[1]:
            return 1.0
    return days


def _course_days(o: dict) -> Optional[float]:
    d = o.get("duration")
    if isinstance(d, dict):
        return d["value"] * {"d": 1, "wk": 7, "mo": 30}[d["unit"]]
    doses = o.get("doses")
    per = _per_day(o.get("frequency"))
    if doses and per:
        return doses / per
    return None


def _show_freq(f: dict) -> str:
    return f"{f['frequency']} per {f['period']} {f['period_unit']}"


def _show(v: Any) -> str:
    """A value from the input for a message: quoted, and cut short."""
    t = repr(v) if isinstance(v, str) else _kind(v)
    return t if len(t) <= 80 else t[:77] + "..."


def _id_text(r: dict) -> str:
    """`'<id>' ` of a resource for a message, or nothing when it has no string id."""
    rid = r.get("id")
    return f"{rid!r} " if isinstance(rid, str) else ""
