"""Lint FHIR input: map it (mapping.py), lint each regimen, report in the original document.

Every finding's pointer, line and column are translated back to the FHIR document through the
mapping's ``origin`` (longest matching prefix), its ``order`` is the id of the MedicationRequest (or
MedicationStatement) it is about, and each lossy conversion is an ``OL008`` finding (info) at its
source element. Nothing raises: input that is not JSON or not FHIR is ``OL001``; a fault of the
mapping itself is ``OL000``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator, Optional

from orderlint.findings import MISSPELT_FIX, Finding, Result, Status, misspelt_checked_drug
from orderlint.reader import Document, ParseError, decode_bytes, iter_jsonl_lines, jsonl_document, parse_json

if TYPE_CHECKING:
    from orderlint.engine import Linter
    from orderlint.fhir.mapping import Mapped, Variant

VERIFIED = ("V", "V2")
_ORDER_POINTER = re.compile(r"^/orders/[0-9]+$")


#: Notes of data the checks went without: drugs in resources orderlint does not read, and resources
#: about another patient than the request's (its Conditions so dropped left the patient
#: not-applicable, and the answer was no card at all).
_UNREAD_KINDS = frozenset({"unsupported-resource", "other-patient"})


@dataclass(slots=True)
class FhirResult(Result):
    """A Result of FHIR input: adds the patient id the regimen is for (fhir.md section 1).
    ``order_types``: the resource type of each finding's ``order`` that is not a MedicationRequest
    (a MedicationStatement), for the reference a DetectedIssue implicates; not in ``to_dict``."""

    patient: Optional[str] = None
    order_types: Optional[dict[str, str]] = None
    #: The OL008 notes of data not read (_UNREAD_KINDS), kept whether or not OL008 is reported:
    #: the CDS Hooks service says them on a card of their own when nothing else is (a site
    #: ignoring OL008 got no card, which read as nothing found).
    unread: tuple[str, ...] = ()
    #: The drug each order (by its FHIR id, as findings name it) was read as: the name of a drug
    #: given by a Medication reference or contained Medication, for a card's summary.
    drugs: Optional[dict[str, str]] = None

    def to_dict(self) -> dict:
        d = Result.to_dict(self)
        d["patient"] = self.patient
        return d


class FileFinding(Finding):
    """A finding located in one file of a Bulk Data folder: adds ``file`` (the file of its line)."""

    __slots__ = ("file",)

    def __init__(self, *args: Any, file: Optional[str] = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.file = file

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["file"] = self.file
        return d

    def __getstate__(self) -> tuple:
        return (Finding.__getstate__(self), self.file)

    def __setstate__(self, state: tuple) -> None:
        Finding.__setstate__(self, state[0])
        self.file = state[1]


def lint_fhir(value_or_text: Any, *, linter: "Linter", source: str = "<fhir>", strict: bool = False) -> list[Result]:
    """Lint one FHIR document: JSON text (str or bytes), an already-parsed value, or a Document.

    Returns one result per patient (one for a CDS Hooks request or a bare resource). ``strict``
    validates every resource with fhir.resources R4B first (`--fhir-strict`): each error is OL001."""
    if isinstance(value_or_text, Document):
        doc = value_or_text
    elif isinstance(value_or_text, (bytes, bytearray)):
        text, err = decode_bytes(bytes(value_or_text))
        doc = parse_json(text, source) if text is not None else Document(source=source, error=_perr(err))
    elif isinstance(value_or_text, str):
        doc = parse_json(value_or_text, source)
    else:
        doc = Document(source=source, data=value_or_text, text=None)
    return lint_fhir_document(doc, linter, strict=strict)


def lint_fhir_ndjson(stream: BinaryIO, *, linter: "Linter", source: str, strict: bool = False) -> Iterator[Result]:
    """FHIR NDJSON: each line is a document (a resource or a Bundle), its source ``path:LINE``."""
    for src, lineno, raw in iter_jsonl_lines(stream, source):
        yield from lint_fhir_document(jsonl_document(src, lineno, raw), linter, strict=strict)


def lint_fhir_document(doc: Document, linter: "Linter", *, strict: bool = False) -> list[Result]:
    """The results of one read Document as FHIR: one per patient (OL001 when it is not JSON or not
    FHIR, or with ``strict`` when fhir.resources R4B rejects it; OL000 when the mapping faults)."""
    if doc.error is not None:
        e = doc.error
        f = linter._finding("OL001", e.message, e.pointer, None, None, (e.line, e.column))
        return [FhirResult(doc.source, None, "invalid", None, [f])]
    try:
        if strict:
            from orderlint.fhir.strict import strict_problems

            problems = strict_problems(doc.data)
            if problems:
                fs = [linter._finding("OL001", msg, ptr, None, doc) for msg, ptr in problems]
                return [FhirResult(doc.source, None, "invalid", None, fs)]
        from orderlint.fhir.mapping import DEFAULT_NAMESPACE, map_fhir

        asked, bad = _as_of_ext(doc.data, linter)
        if bad is not None:
            # Fail closed: a replay asked for a date that cannot be read would be checked at today's.
            f = linter._finding("OL001", f"extension orderlint-as-of is {bad}, not a date YYYY-MM-DD", "/extension/orderlint-as-of", None, doc)
            return [FhirResult(doc.source, None, "invalid", None, [f])]
        as_of = asked or getattr(linter, "_as_of", None) or _dt.date.today()
        ns = getattr(linter.settings, "fhir_namespace", None) or DEFAULT_NAMESPACE
        mapped = map_fhir(doc.data, source=doc.source, vocab=linter.vocab, as_of=as_of, namespace=ns,
                          lookback=getattr(linter, "_lookback", None), pulse_min=_pulse_min(linter))
        out: list[Result] = []
        for m in mapped:
            if m.data is not None and asked is not None:
                m.data["as_of"] = as_of.isoformat()
                for v in m.variants:  # the other readings are judged on the same date (a replay's)
                    v.data["as_of"] = as_of.isoformat()
            out.append(lint_mapped(m, linter, doc))
        return out
    except Exception as e:  # fail closed: a mapping fault is a finding, never a traceback or a pass
        from orderlint.engine import _describe_exc

        f = linter._finding("OL000", f"orderlint could not map FHIR document {doc.source!r}: {_describe_exc(e)}",
                            "", None, doc)
        return [FhirResult(doc.source, None, "checked", None, [f])]


def lint_mapped(m: "Mapped", linter: "Linter", doc: Document) -> FhirResult:
    """Lint one Mapped regimen; findings are located in ``doc`` (the original FHIR document)."""
    if m.errors:
        fs = [linter._finding("OL001", msg, ptr, m.order_of(ptr), doc) for msg, ptr in m.errors]
        return FhirResult(doc.source, None, "invalid", None, fs, patient=m.patient, order_types=m.order_types or None)
    findings: list[Finding] = []
    status: Status = "not-applicable"
    condition: Optional[str] = None
    as_of = None
    if m.status != "not-applicable":
        r = linter.lint_data(m.data, doc.source)
        status, condition, as_of = r.status, r.condition, r.as_of
        # Not checked (not applicable, invalid): its findings (OL007, OL001) as they are.
        raw: list[tuple[Finding, Optional[dict[str, str]], bool]] = [(f, None, False) for f in r.findings]
        if r.status == "checked" and m.data is not None:
            raw = [(f, o, False) for f, o in _readings(linter, doc, r, m.variants)]
            for hold, codes in _held_readings(m, linter):
                # An order of doubtful standing (an unknown status, a proposal, as needed, a period that
                # ended) is judged both ways: as given (fail closed for a risk: a mycophenolate of unknown
                # status beside azathioprine) and, by each rule it does not trigger, as not given (fail
                # closed for a protection: PCP prophylaxis, an RP-ILD pulse's partner). Every finding of
                # either reading is reported.
                held = _held(m.data, hold)
                rh = linter.lint_data(held, doc.source)
                if rh.status != "checked":
                    continue
                variants = [v._replace(data=_held(v.data, hold)) for v in m.variants if not v.codes.isdisjoint(codes)]
                found = [(f, o) for f, o in _readings(linter, doc, rh, variants) if f.code in codes]
                if found:
                    _not_counted(m, linter, hold, {f.code for f, _ in found})
                    raw += [(f, o, True) for f, o in found]
        placed: dict[tuple, Optional[str]] = {}
        for f, overlay, unheld in raw:
            native = f.pointer
            if f.code == "OL003" and _ORDER_POINTER.match(native):
                native += "/~dosage"  # a missing dose, unit, route or frequency: at its dosage instruction
            ptr = m.fhir_pointer(native, overlay)
            msg = f.message if r.status != "invalid" else f"the regimen mapped from FHIR is invalid: {f.message}"
            severity, fix, suppressed = f.severity, f.fix, f.suppressed
            if f.code == "OL002" and m.coded_names and not misspelt_checked_drug(f):
                named = _coded_checked_drug(m, linter, native)
                if named is not None:
                    severity, msg, fix, suppressed = "error", msg + named, MISSPELT_FIX, None
            order = m.order_ids.get(f.order, f.order) if f.order is not None else m.order_of(ptr)
            key = (f.code, order, ptr)
            if key in placed and (unheld or placed[key] != f.order):
                # The same finding of another step of one MedicationRequest, or of the reading without
                # the doubtful orders, at the same place: said once.
                continue
            placed.setdefault(key, f.order)
            findings.append(Finding(f.code, f.name, severity, msg, order, ptr, None, None, f.source, fix,
                                    suppressed, locate=doc.locate))
        if r.status == "checked" and "OL002" in linter.enabled:
            findings.extend(_product_conflicts(m, linter, doc))
    if "OL008" in linter.enabled:
        for kind, message, ptr in m.notes:
            findings.append(linter._finding("OL008", f"{kind}: {message}", ptr, m.order_of(ptr), doc))
    if len(findings) > 1 and doc.data is not None:
        from orderlint.engine import document_order

        findings.sort(key=lambda f: (document_order(doc.data, f.pointer), f.code))
    unread = tuple(f"{kind}: {message}" for kind, message, _ in m.notes if kind in _UNREAD_KINDS)
    drugs: dict[str, str] = {}
    for o in (m.data or {}).get("orders") or ():
        if isinstance(o, dict) and isinstance(o.get("id"), str) and isinstance(o.get("drug"), str):
            drugs.setdefault(m.order_ids.get(o["id"]) or o["id"], o["drug"])
    return FhirResult(doc.source, m.id, status, condition, findings, as_of, patient=m.patient,
                      order_types=m.order_types or None, unread=unread, drugs=drugs or None)


def _readings(linter: "Linter", doc: Document, r: Any,
              variants: list["Variant"]) -> list[tuple[Finding, Optional[dict[str, str]]]]:
    """The findings of one reading of the mapped regimen (``r``: its result), each with the
    origin overlay of the reading it came from. Rules judged on another reading (taper steps, dose
    ranges; fhir.md 2.1) take their findings from it, in place of the main reading's."""
    moved: frozenset[str] = frozenset()
    out: list[tuple[Finding, Optional[dict[str, str]]]] = []
    for v in variants:
        if v.lazy and not any(f.code in v.codes for f in r.findings):
            # Taper steps dated one after the other (none before as_of) are given together no more
            # than in the main reading, where every step starts on as_of: its sums are never larger,
            # so with no finding there (most tapers) there is none here.
            continue
        moved |= v.codes
        out += [(f, v.origin) for f in linter.lint_data(v.data, doc.source).findings if f.code in v.codes]
    out[:0] = [(f, None) for f in r.findings if f.code not in moved]
    return out


def _held_readings(m: "Mapped", linter: "Linter") -> list[tuple[tuple[int, ...], frozenset[str]]]:
    """(orders to hold, rule codes) for each reading without doubtful orders: the orders of known
    drugs, new or active, that Mapped.doubtful names, each held for the rules it does not trigger
    (the drug a rule is about stays as given: a proposed cyclophosphamide still needs its PCP
    prophylaxis, a doubtful co-trimoxazole is none). Rules holding the same orders share a reading."""
    if not m.doubtful or m.data is None:
        return []
    orders = m.data.get("orders") or []
    doubtful = {}
    for i in sorted(m.doubtful):
        if i < len(orders) and orders[i].get("status") in ("new", "active") and isinstance(orders[i].get("drug"), str):
            d = linter.vocab.drug(orders[i]["drug"])
            if d is not None:
                doubtful[i] = d.tags
    if not doubtful:
        return []
    groups: dict[tuple[int, ...], set[str]] = {}
    triggers = linter._triggers
    for rule in linter.rules:
        if rule.code not in linter.enabled:
            continue
        trig = triggers.get(rule.code)
        hold = tuple(i for i, tags in doubtful.items() if trig is None or tags.isdisjoint(trig))
        if hold:
            groups.setdefault(hold, set()).add(rule.code)
    return [(hold, frozenset(codes)) for hold, codes in groups.items()]


def _held(data: dict, hold: tuple[int, ...]) -> dict:
    """``data`` with the orders ``hold`` on hold (read by no rule)."""
    out = [dict(o) for o in data["orders"]]
    for i in hold:
        if i < len(out) and out[i].get("status") in ("new", "active"):
            out[i]["status"] = "on-hold"
    return {**data, "orders": out}


def _not_counted(m: "Mapped", linter: "Linter", hold: tuple[int, ...], found: set[str]) -> None:
    """Say, for each held order of a drug that a rule with a finding in the reading without them
    names, that it was not counted as that drug (OL008 not-counted)."""
    from orderlint.fhir.mapping import Note

    options = linter.options
    tags: set[str] = set()
    for rule in linter.rules:
        if rule.code in found:
            tags |= rule.checked_tags(options.get(rule.code))
    orders = m.data["orders"] if m.data is not None else []
    for i in hold:
        d = linter.vocab.drug(orders[i]["drug"])
        named = sorted(d.tags & tags) if d is not None else []
        if not named:
            continue
        ptr = m.origin.get(f"/orders/{i}", "")
        note = Note("not-counted", f"{orders[i]['drug']!r} (order {m.order_of(ptr) or i}) is not counted as "
                    f"{', '.join(named)}: {m.doubtful[i]}", ptr)
        if note not in m.notes:
            m.notes.append(note)


_DRUG_POINTER = re.compile(r"^/orders/(\d+)/drug$")


def _coded_checked_drug(m: "Mapped", linter: "Linter", pointer: str) -> Optional[str]:
    """What OL002 at an order's unknown name adds when a coding of the order (a display of any
    system, a known RxNorm code, U included) names a checked drug by the order's route: the order
    is then unchecked for a drug a rule checks, an error (rules.md OL002; fhir.md 2.1: the coding
    does not resolve the drug). None when none does. 'chemo per protocol' with an NDC coding
    displayed 'Cytoxan 1 g' was a warning and the cyclophosphamide went unchecked."""
    hit = _DRUG_POINTER.match(pointer)
    named = m.coded_names.get(int(hit.group(1))) if hit else None
    if not named or m.data is None:
        return None
    from orderlint.normalize import _route

    vocab, checked = linter.vocab, linter.checked_drugs
    order = m.data["orders"][int(hit.group(1))] if hit else {}
    route = _route(order["route"]) if isinstance(order.get("route"), str) else None
    for name, how, _ptr in named:
        d = vocab.drugs.get(name)
        if d is not None and checked and vocab.is_checked_by(d, checked, route):
            return (f"; its coding {how} names {name}, a checked drug, which the coding does not make the "
                    "order's drug (fhir.md 2.1): name the drug in the text or give its verified RxNorm code")
    return None


def _product_conflicts(m: "Mapped", linter: "Linter", doc: Document) -> list[Finding]:
    """A product RxNorm code (V/V2) of another ingredient than the order's name is OL002 (fhir.md
    2.1): product codes resolve to their ingredient first, so one of the named drug never is."""
    from orderlint.fhir.mapping import rxnorm_tag

    out: list[Finding] = []
    if m.data is None:
        return out
    vocab = linter.vocab
    checked = linter.checked_drugs
    for idx, code, ptr in m.products:
        order = m.data["orders"][idx]
        c = vocab.code(code)
        if c is None or rxnorm_tag(code, c.tag) not in VERIFIED:
            continue
        drug = vocab.resolve(order["drug"]).drug
        if drug is None:
            continue
        other = vocab.rxcui_conflict(code, drug)
        if other is None:
            continue
        other_drug = vocab.drugs.get(other)
        is_error = bool(checked) and (not drug.tags.isdisjoint(checked) or (other_drug is not None and not other_drug.tags.isdisjoint(checked)))
        out.append(linter._finding(
            "OL002",
            f"RxNorm code {code} of {order['drug']!r} is a product of {other} ({c.source.split(' ; ')[0]}), not of {drug.name}",
            ptr, m.order_ids.get(order["id"], order["id"]), doc,
            # The error tier stays an error whatever a site's OL002 severity (as Linter reads names).
            severity="error" if is_error else None, fix=MISSPELT_FIX if is_error else None,
        ))
    return out


def _as_of_ext(data: Any, linter: "Linter") -> tuple[Optional[_dt.date], Optional[str]]:
    """A CDS Hooks request's `extension: {"orderlint-as-of": "YYYY-MM-DD"}`, honoured only with the
    setting `allow-as-of` (for tests and replays; fhir.md section 1): (the date, None), or (None,
    how a value that is no calendar date reads in a message), or (None, None) when there is none to
    honour."""
    if not getattr(linter.settings, "allow_as_of", False) or not isinstance(data, dict):
        return None, None
    ext = data.get("extension")
    if not isinstance(ext, dict) or "orderlint-as-of" not in ext:
        return None, None
    v = ext["orderlint-as-of"]
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v.strip()), None
        except ValueError:
            return None, repr(v)
    return None, f"a JSON {type(v).__name__.replace('dict', 'object').replace('NoneType', 'null')}"


def _as_of(data: Any, linter: "Linter") -> _dt.date:
    return _as_of_ext(data, linter)[0] or getattr(linter, "_as_of", None) or _dt.date.today()


def _pulse_min(linter: "Linter") -> Optional[float]:
    """The site's pulse threshold, for the mapping's tapers (map_fhir ``pulse_min``), or None when no
    installed pack declares one."""
    from orderlint.fhir.mapping import PULSE_SETTING

    settings = getattr(linter, "_frozen_settings", None)
    return settings.get(PULSE_SETTING) if settings is not None else None


def _perr(message: Optional[str]) -> ParseError:
    return ParseError(message or "cannot decode")
