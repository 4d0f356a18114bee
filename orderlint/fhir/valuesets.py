"""The terminology the FHIR mapping relies on, shipped as data (``valuesets.json``, fhir.md section 5).

Each entry carries its system, code, what it maps to, a display, the public source it was read in
and a verification tag (V, V2, U). Loaded once, on first use.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Optional

PATH = Path(__file__).with_name("valuesets.json")
KINDS = ("units", "routes", "timing_codes", "measurements", "tests", "results", "interpretations", "conditions", "rxnorm")


#: Other names of the code systems the value sets use, as FHIR's NamingSystem registry gives them
#: (https://hl7.org/fhir/R4/namingsystem-terminologies.html: their OIDs), and https for http.
_SYSTEM_ALIASES = {
    "urn:oid:2.16.840.1.113883.6.96": "http://snomed.info/sct",
    "https://snomed.info/sct": "http://snomed.info/sct",
    "urn:oid:2.16.840.1.113883.6.88": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "https://www.nlm.nih.gov/research/umls/rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "urn:oid:2.16.840.1.113883.6.1": "http://loinc.org",
    "https://loinc.org": "http://loinc.org",
    "urn:oid:2.16.840.1.113883.6.8": "http://unitsofmeasure.org",
    "https://unitsofmeasure.org": "http://unitsofmeasure.org",
    # ICD-10-CM by its OID (as C-CDA and many EHR exports write it): read as an unknown system, an
    # SSc-ILD patient coded M34.81 was not placed, and the service answered {"cards": []}.
    "urn:oid:2.16.840.1.113883.6.90": "http://hl7.org/fhir/sid/icd-10-cm",
    "https://hl7.org/fhir/sid/icd-10-cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "urn:oid:2.16.840.1.113883.6.12": "http://www.ama-assn.org/go/cpt",
    "https://www.ama-assn.org/go/cpt": "http://www.ama-assn.org/go/cpt",
}
#: A SNOMED CT edition or version written into the system ('http://snomed.info/sct/900000000000207008/
#: version/20230131'; FHIR puts it in Coding.version): the codes are SNOMED CT's.
_SNOMED_EDITION = re.compile(r"https?://snomed\.info/sct/\d+(?:/version/\d+)?")


def canonical_system(system: str) -> str:
    """A coding's system as the value sets name it: trimmed, no trailing '/', an alias read as its system."""
    s = system.strip().rstrip("/")
    if s in _SYSTEM_ALIASES:
        return _SYSTEM_ALIASES[s]
    if s.startswith(("http://snomed.info/sct/", "https://snomed.info/sct/")) and _SNOMED_EDITION.fullmatch(s):
        return "http://snomed.info/sct"
    return s


class Entry(NamedTuple):
    system: str
    code: str
    maps_to: Any
    display: str
    tag: str
    source: str


class ValueSets:
    def __init__(self, raw: dict) -> None:
        self.raw = raw
        # kind -> (system, code) -> Entry; kind -> code -> [Entry] for codings that omit the system
        self._by: dict[str, dict[tuple[str, str], Entry]] = {}
        self._by_code: dict[str, dict[str, list[Entry]]] = {}
        for kind in KINDS:
            table: dict = {}
            loose: dict = {}
            for item in raw.get(kind, ()):
                entry = Entry(item["system"], item["code"], item["maps_to"], item["display"], item["tag"], item["source"])
                table[(entry.system, entry.code)] = entry
                loose.setdefault(entry.code, []).append(entry)
            self._by[kind] = table
            self._by_code[kind] = loose

    def get(self, kind: str, system: Optional[str], code: Any) -> Optional[Entry]:
        if not isinstance(code, str):
            return None
        code = code.strip()
        if isinstance(system, str) and system:
            return self._by[kind].get((canonical_system(system), code))
        # A coding without a system: only a code that one system alone uses is taken.
        hits = self._by_code[kind].get(code, ())
        return hits[0] if len(hits) == 1 else None

    def entries(self, kind: str) -> list[Entry]:
        return list(self._by[kind].values())

    def unverified(self) -> list[tuple[str, Entry]]:
        """(kind, entry) of every U-tagged code, for ``orderlint explain value-sets`` and the docs."""
        return [(k, e) for k in KINDS for e in self._by[k].values() if e.tag == "U"]


@lru_cache(maxsize=1)
def load() -> ValueSets:
    return ValueSets(json.loads(PATH.read_text(encoding="utf-8")))


#: U codes that are a rule rather than a list (fhir.md 2.4, tpmt: no code is verified, any TPMT or
#: NUDT15 code counts): (kind, what is matched, what it maps to, source).
UNVERIFIED_RULES = (("tests", "any code whose display names TPMT, NUDT15 or thiopurine methyltransferase", "tpmt",
                     "orderlint spec fhir.md section 2.4 (project contract table)"),)


def render_unverified() -> str:
    """Plain-text list of the unverified (U) codes: what `orderlint explain value-sets` prints."""
    lines = ["FHIR value sets: codes tagged U (unverified; a result that relies on one adds OL008 unverified-code)"]
    for kind, e in load().unverified():
        lines.append(f"  {kind:<14} {e.system} {e.code} -> {e.maps_to if isinstance(e.maps_to, str) else json.dumps(e.maps_to)}"
                     f"  ({e.display}; source: {e.source})")
    for kind, what, maps_to, source in UNVERIFIED_RULES:
        lines.append(f"  {kind:<14} {what} -> {maps_to}  (source: {source})")
    return "\n".join(lines)
