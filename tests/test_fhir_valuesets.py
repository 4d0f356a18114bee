"""The FHIR value sets shipped as data (fhir.md section 5): each code has a source and a tag, the
V tags cite a file where the code can be read, and the unverified codes are listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from orderlint.fhir.valuesets import KINDS, PATH, UNVERIFIED_RULES, load, render_unverified

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "fhir-corpus"


def test_every_entry_has_system_code_source_and_tag():
    raw = json.loads(PATH.read_text(encoding="utf-8"))
    for kind in KINDS:
        assert raw[kind], kind
        for e in raw[kind]:
            assert e["system"].startswith(("http://", "https://")) and e["code"] and e["source"], e
            assert e["tag"] in ("V", "V2", "U"), e


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the external FHIR corpus is not on this machine")
def test_v_tags_from_r4_examples_are_read_in_the_cited_file():
    cited = 0
    for kind in KINDS:
        for e in load().entries(kind):
            m = re.search(r"example (\S+\.json) \(fhir-corpus/fhir-r4-spec", e.source)
            if not m:
                continue  # cited in the R4 spec build outside the corpus (read when tagged; see its source)
            text = (CORPUS / "fhir-r4-spec" / m.group(1)).read_text(encoding="utf-8")
            assert f'"code": "{e.code}"' in text and e.system in text, (kind, e.code, m.group(1))
            cited += 1
    assert cited >= 15


def test_tags_follow_fhir_md():
    vs = load()
    assert vs.get("measurements", "http://loinc.org", "8277-6").tag == "V2"
    assert vs.get("measurements", "http://loinc.org", "3140-1").tag == "U"
    assert vs.get("conditions", "http://hl7.org/fhir/sid/icd-10-cm", "J84.10").tag == "U"
    assert vs.get("conditions", "http://snomed.info/sct", "233703007").tag == "V2"
    assert vs.get("tests", "http://loinc.org", "71775-1").tag == "U"
    assert vs.get("rxnorm", "http://www.nlm.nih.gov/research/umls/rxnorm", "1592254").tag == "U"
    assert vs.get("rxnorm", "http://www.nlm.nih.gov/research/umls/rxnorm", "200060").maps_to == "mycophenolate mofetil"


def test_render_unverified_lists_every_u_code_and_only_those():
    text = render_unverified()
    u = load().unverified()
    assert u and len(text.splitlines()) == len(u) + 1 + len(UNVERIFIED_RULES)
    assert "TPMT, NUDT15" in text  # fhir.md 2.4: any TPMT/NUDT15 code is U
    for kind, e in u:
        assert f" {e.code} " in text
    assert " 29463-7 " not in text


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
#: fhir.md section 5, RxNorm row U. clinical-facts.md section 6 (and the pack's vocabulary) tag
#: 1592254, 612865, 191831 and 3264 V2; fhir.md says the lower tag applies where the two differ.
U_RXNORM = {"1592254": "pirfenidone", "612865": "tocilizumab", "191831": "infliximab", "214555": "etanercept",
            "3264": "dexamethasone", "5492": "hydrocortisone"}


@pytest.fixture(scope="module")
def pack_vocab():
    import datetime as dt

    from orderlint.config import Settings
    from orderlint.engine import Linter

    return Linter(Settings(as_of=dt.date(2026, 3, 2))).vocab


@pytest.mark.parametrize("code,drug", sorted(U_RXNORM.items()))
def test_u_rxnorm_codes_stay_u_whatever_the_vocabulary_says(code, drug, pack_vocab):
    from orderlint.fhir.mapping import rxnorm_tag

    e = load().get("rxnorm", RXNORM, code)
    assert e is not None and e.tag == "U" and e.maps_to == drug
    assert rxnorm_tag(code, "V2") == rxnorm_tag(code, "V") == "U"  # the lower tag applies
    c = pack_vocab.code(code)
    assert c is not None and c.ingredient == drug
    assert rxnorm_tag(code, c.tag) == "U"  # the pack vocabulary's tag (V2 for four of them) does not raise it
    assert f" {code} " in render_unverified()  # listed by `orderlint explain value-sets`
