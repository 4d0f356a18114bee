"""How a screening test's stated result is read (normalize.result_reading, ILD408).

Two tables: results that must never read negative (each was, or could be, a regimen passing with
a positive, indeterminate or unread screening result) and results a lab or clinician writes for a
negative screen, which must read negative (each non-negative reading is an error on a correct
regimen). The first table is the one that matters most: a fix for the second may not move any of it.
"""

import pytest

from orderlint.normalize import result_reading

NOT_NEGATIVE = {
    # The worst clause decides, whatever the order of the clauses.
    "anti-HBc 4.1 S/CO, HBsAg negative": "unknown",
    "HBsAg negative, anti-HBc 4.1 S/CO": "unknown",
    "HBsAg negative. Anti-HBc 4.1 S/CO": "unknown",
    "QFT: Negative. TB1 0.40 TB2 0.52": "unknown",
    "Negative. (TB1 0.9)": "unknown",
    "HBsAg 0.8, anti-HBc 2.1, negative": "unknown",  # the reading reads only the clause before it
    # anti-HBs is set aside only up to the next assay named.
    "HBsAg negative, anti-HBs positive anti-HBc positive": "positive",
    "anti-HBs 12 anti-HBc positive": "positive",
    "HBsAb positive (immune) HBcAb positive": "positive",
    "HBsAb positive total anti-core positive": "positive",
    "HBsAg- HBsAb+ HBcAb+": "positive",
    "Anti-HBs(+) Anti-HBc(+)": "positive",
    "anti-HBs positive / anti-HBc positive": "positive",
    "Hep B surface Ab positive, Hep B core Ab positive": "positive",
    "Anti-HBs 200 mIU/mL, anti-HBc total: reactive": "positive",
    "HBsAg negative. HBsAb positive. HBcAb positive.": "positive",
    "Anti-HBs positive; HBV DNA detected": "positive",
    "hep B surface antibody positive (immune)": "unknown",  # anti-HBs alone screens nothing
    # Controls: set aside only when said to be as expected.
    "Negative; control invalid": "indeterminate",
    "Negative; controls invalid": "indeterminate",
    "Negative (controls invalid)": "indeterminate",
    "Negative, controls failed": "indeterminate",
    "Negative; controls not valid": "indeterminate",
    "Negative; mitogen controls low": "indeterminate",
    "Negative, nil control high": "indeterminate",
    "Negative; positive controls nonreactive": "positive",
    "Non-reactive; controls borderline": "indeterminate",
    "negative. mitogen response low": "indeterminate",
    "Negative. TB antigen positive with valid controls": "positive",
    "Positive control OK, TB antigen positive": "positive",
    "TB antigen positive (positive control valid)": "positive",
    "negative controls OK. Sample positive": "positive",
    "Quantiferon: Positive control valid": "positive",  # its positive may be the patient's
    "Negative. Positive control reactive. TB antigen response 0.9 IU/mL": "unknown",
    # Signs and words.
    "Negative (TB Ag +)": "positive",
    "Negative (TB1 +, TB2 -)": "positive",
    "HBsAg none detected anti-HBc detected": "positive",
    "No anti-HBc. HBsAg detected": "positive",
    "neg. for HBsAg. anti-HBc pos.": "positive",
    "HBsAg negative, anti-HBc pending": "unknown",
    "HBsAg negative, anti-HBc grey zone": "indeterminate",
    "Pregnant": "positive",
    "Negative?": "indeterminate",
    "hCG 1520 mIU/mL": "unknown",
    "1e+5": "unknown",
}

NEGATIVE = [
    "Negative;",
    "negative,",
    "none detected",
    "HBsAg none detected, anti-HBc none detected",
    "HBsAg negative. Anti-HBc negative. Anti-HBs 150",
    "HBsAg NEG. Anti-HBc NEG. Anti-HBs POS.",
    "HBsAg neg / anti-HBc neg / anti-HBs pos (vaccinated)",
    "HBsAg negative, anti-HBs 120 mIU/mL (immune, vaccinated), anti-HBc negative",
    "HBsAg: Negative; HBsAb: Reactive (immune); HBcAb: Negative",
    "anti-HBs positive (vaccinated), HBsAg negative, anti-HBc negative",
    "Neg. for HBsAg and anti-HBc",
    "Negative. Mitogen control valid.",
    "Negative; positive control (mitogen) reactive",
    "QFT negative. positive control positive.",
    "QuantiFERON negative, positive control reactive",
    "Positive controls valid. Patient negative",
    "QuantiFERON-TB Gold Plus: Negative. Tested 11/20.",
    "Result: Negative. Comment: Nil value within limits.",
    "IGRA negative; CXR clear",
    "T-SPOT.TB: negative",
    "Mantoux 0 mm, negative",
    "PPD 0 mm induration (negative)",
    "hCG qualitative, urine: Negative",
    "Not pregnant. hCG neg.",
    "Not pregnant",
    "b-hCG: <5.0 mIU/mL - Not pregnant",
    "Urine pregnancy test NEG.",
    "negative [5196-1]",
    "HBsAg: Non-Reactive (0.2 S/CO); Anti-HBc Total: Non-Reactive",  # a value just after its reading
    "HBsAg 0.31 S/CO negative; anti-HBc 0.08 S/CO negative",
]


@pytest.mark.parametrize("text,reading", sorted(NOT_NEGATIVE.items()))
def test_results_that_must_not_read_negative(text, reading):
    assert result_reading(text) == reading


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative_screens_read_negative(text):
    assert result_reading(text) == "negative"


@pytest.mark.parametrize("text,reading", [
    ("TPMT normal", "negative"),
    ("G6PD deficient", "positive"),
    ("TPMT activity low; genotype *1/*1", "positive"),
    ("G6PD: not deficient.", "negative"),
    ("G6PD normal. Tested 11/20.", "negative"),
    ("TPMT *1/*3 intermediate", "indeterminate"),
    # A genotype with an allele other than *1 is the finding whatever word stands beside it (CPIC 2018):
    # 'normal (*1/*3A)' read normal.
    ("TPMT: normal (*1/*3A)", "indeterminate"), ("TPMT *3A/*3C normal", "positive"), ("NUDT15 *1/*3", "indeterminate"),
    ("TPMT: normal (*1/*1)", "negative"),
])
def test_enzyme_activity_readings(text, reading):
    assert result_reading(text, True) == reading


def test_a_sign_after_a_number_is_no_reading():
    # 'TB1 0.40 -' is a number and a dash, not a negative sign after the assay's name ('HBsAg -').
    assert result_reading("TB1 0.40- TB2 0.52") == "unknown"
    assert result_reading("HBsAg-") == "negative"


# Wordings as EHRs, lab systems and notes write them, each of which read negative: line breaks,
# columns and other separators; reference ranges printed beside the value; a dash between words;
# quality-control failures and doubt; lab abbreviations and misspellings; anti-HBs spans running
# past another assay; 'No' for a number; a failed control; enzyme genotypes read by substring.
NEVER_NEGATIVE = [
    # Third review: a form's 'No' or 'None' answer before the next line's result, QuantiFERON's own
    # indeterminate values, a value before the reading with another test named between, bracketed
    # references holding a clause end, cut-offs written after the patient's own reading, doubt.
    ("Comment: None\nHBsAg: Reactive", False),
    ("Specimen comments: None\nQuantiFERON: Positive", False),
    ("Clinical details: none\nIGRA: POSITIVE", False),
    ("TB contact: No\nIGRA: Positive", False),
    ("History of TB: No\nQuantiFERON: Positive", False),
    ("Fever: No\nNight sweats: No\nQuantiFERON: Positive", False),
    ("Jaundice: No\nHBsAg: Reactive", False),
    ("LMP: none\nhCG positive", False),
    ("Prior treatment: None\nMantoux: Positive", False),
    ("Prior BCG: No   QFT: Positive", False),
    ("Contact with TB: No\tQuantiFERON: Positive", False),
    ("Vaccinated: No\nHBcAb: Positive", False),
    ("Not vaccinated HBsAg positive", False),
    ("TB contact: No QuantiFERON: Positive", False),
    ("QFT negative (Mitogen-Nil <0.5 IU/mL)", False),
    ("QFT negative (mitogen <0.5)", False),
    ("Negative (weak mitogen response)", False),
    ("Negative (reduced mitogen response)", False),
    ("Negative (elevated nil)", False),
    ("Negative (raised nil)", False),
    ("Anti-HBc 4.1 S/CO HBsAg negative", False),
    ("QFT Negative (Negative: <0.35; TB1-Nil 0.9 IU/mL)", False),
    ("Negative (normal: <1.0, measured 4.1)", False),
    ("Mantoux negative (positive if >5 mm; measured 12 mm)", False),
    ("Negative (Ref: Negative. Note: anti-HBc reactive)", False),
    ("Negative (ref range <0.35; TB1-Nil 0.9 IU/mL)", False),
    ("HBsAg: Negative (Ref: Negative\nAnti-HBc: Reactive (Ref: Negative)", False),
    ("HBsAg negative anti-HBc reactive >1.0 S/CO", False),
    ("HBsAg nonreactive anti-HBc reactive >1.00", False),
    ("QFT TB1 negative TB2 positive >0.35", False),
    ("HBsAg negative anti-HBc positive 2024-03-01", False),
    ("HBsAg negative and Mantoux positive 15-18 mm", False),
    ("Hepatitis B core antibody   Negative   Ref: Negative\nConfirmatory test   Reactive", False),
    ("Anti-HBc: Negative Ref: Negative\nSupplemental assay: Reactive", False),
    ("Anti-HBc  Negative  Ref: Negative\nRepeat: Reactive", False),
    ("IGRA: Negative Ref: Negative TST: Positive", False),
    ("IGRA  Negative  Ref: Negative  TST  Positive", False),
    ("Negative with no valid controls", False),
    ("Negative - no adequate controls", False),
    ("Negative - not reliable (on steroids)", False),
    ("Negative (not conclusive)", False),
    ("Negative (non-diagnostic)", False),
    ("Negative - interpret with caution (patient on steroids)", False),
    ("Negative (anergic)", False),
    ("Negative (immunosuppressed - may be falsely negative)", False),
    ("Negative (inadequate sample)", False),
    ("Negative - sample inadequate", False),
    ("Negative (result to be confirmed)", False),
    ("Negative (sample processed late)", False),
    ("Negative (tubes not shaken)", False),
    ("Negative (wrong tube)", False),
    ("HBsAg negative anti-HBc +ive", False),
    ("HBsAg: Nonreactive Anti-HBc: Reac", False),
    ("HBsAg negative anti-HBc positiv", False),
    ("Urine hCG: weak line, negative", False),
    ("Anti-HBc: see lab, negative", False),
    # A reference range that runs on, anti-HBs spans past other tests, numbers after the reading,
    # wordings of no result, controls, doubt, line wraps, dashes as blanks, enzyme values.
    ("HBsAg: Negative (Ref: Negative) Anti-HBc: Reactive (Ref: Negative)", False),
    ("HBsAg Negative [Ref: Negative] Anti-HBc Reactive", False),
    ("HBsAg neg, anti-HBc neg, anti-HBs 45, QFT positive", False),
    ("HBsAg negative, anti-HBc negative, anti-HBs positive, IGRA indeterminate", False),
    ("HBsAg neg / anti-HBs pos / T-SPOT positive", False),
    ("HBsAg  Negative    Anti-HBs  150    IGRA  Positive", False),
    ("Anti-HBs 250 mIU/mL, QuantiFERON positive, HBsAg negative", False),
    ("Quantitative hCG 12 mIU/mL (Non-pregnant: <5)", False),
    ("hCG 12 IU/L (non-pregnant women <5 IU/L)", False),
    ("Negative (TB1 0.9)", False),
    ("QuantiFERON negative (TB1-Nil 0.9 IU/mL)", False),
    ("HBsAg negative anti-HBc 4.1 S/CO", False),
    ("Mantoux <10 mm, negative", False),
    ("QFT TB1-Nil .90 IU/mL, negative", False),
    ("TB1-Nil .9\nNegative", False),
    ("Mantoux 10-12 mm, negative", False),
    ("HBsAg neg (anti-HBc not checked)", False),
    ("HBsAg negative (anti-HBc outstanding)", False),
    ("HBsAg negative anti-HBc sent", False),
    ("HBsAg neg (anti-HBc TBC)", False),
    ("HBsAg neg (anti-HBc requested)", False),
    ("HBsAg negative anti-HBc not received", False),
    ("HBsAg negative anti-HBc not available", False),
    ("HBsAg negative anti-HBc declined", False),
    ("HBsAg negative (anti-HBc due)", False),
    ("HBsAg negative (core Ab not sent)", False),
    ("HBsAg: Negative Anti-HBc: Positive Controls: Valid", False),
    ("TB1 negative TB2 positive controls valid", False),
    ("HBsAg negative anti-HBc positive control OK", False),
    ("QFT negative; nil (negative) control positive", False),
    ("Negative (nil) control positive", False),
    ("QFT negative; neg. control positive", False),
    ("Negative; negative-control positive", False),
    ("HBsAg negative; reference lab anti-HBc reactive", False),
    ("HBsAg negative. Reference lab result: anti-HBc reactive", False),
    ("hCG 12 mIU/mL [Negative: <5]", False),
    ("TB1-Nil 0.9 IU/mL (Negative if <0.35)", False),
    ("TB1-Nil 0.9 IU/mL (Negative: TB Ag-Nil <0.35)", False),
    ("Anti-HBc 4.1 S/CO (Negative result <1.0)", False),
    ("Anti-HBc 4.1 S/CO Negative <1.0", False),
    ("hCG 28 mIU/mL negative <5", False),
    ("Negative (test failed)", False),
    ("Negative - QC failed", False),
    ("Negative (QC failure)", False),
    ("QFT negative - specimen lipaemic", False),
    ("Negative - specimen received >16 h after collection", False),
    ("Negative (sample leaked)", False),
    ("Negative (cannot be interpreted)", False),
    ("Negative (not valid)", False),
    ("Negative (uncertain)", False),
    ("Negative (unreliable - on steroids)", False),
    ("Negative (questionable)", False),
    ("QFT negative (border-line)", False),
    ("Urine hCG negative (faint line)", False),
    ("Probably negative", False),
    ("QFT negative (nil 9.2 IU/mL)", False),
    ("QFT negative (mitogen 0.3 IU/mL)", False),
    ("Mitogen-Nil <0.5 IU/mL, negative", False),
    ("Result is not\nnegative", False),
    ("QuantiFERON is not\nnegative", False),
    ("QuantiFERON converted (previously negative)", False),
    ("HBsAg negative, anti-HBc \u2014", False),
    ("HBsAg negative, anti-HBc --", False),
    ("HBsAg neg anti-HBc RR", False),
    ("HBsAg neg anti-HBc seropositive", False),
    ("Negative: No", False),
    ("HBsAg negative. Immune.", False),
    ("G6PD 0.0 U/g Hb, normal", True),
    ("TPMT activity <2.0 U/mL\nNormal", True),
    ("HBsAg: Negative\nAnti-HBc: Pending", False),
    ("HBsAg negative\nanti-HBc 4.1 S/CO", False),
    ("HBsAg neg. Anti-HBc pending.", False),
    ("HBsAg: neg. Anti-HBc: not done.", False),
    ("HBsAg neg. Anti-HBc 4.1 S/CO", False),
    ("Urine hCG neg. Serum hCG to follow", False),
    ("Negative.Anti-HBc pending", False),
    ("HBsAg neg / anti-HBc pending", False),
    ("HBsAg negative anti-HBc not done", False),
    ("HEP B CORE AB TOTAL   See Below   Nonreactive", False),
    ("HCG, URINE, QUALITATIVE   Cancelled   Negative", False),
    ("Anti-HBc: Pending  Ref Range: Negative", False),
    ("Hep B core Ab total: 4.10 S/CO  Ref range: Non Reactive", False),
    ("QuantiFERON-TB Gold Plus\nNil 0.05 IU/mL\nTB1-Nil 0.82 IU/mL\nTB2-Nil 0.91 IU/mL\nMitogen-Nil >10 IU/mL\n"
     "Reference: Negative", False),
    ("Anti-HBc 4.1 S/CO (normal < 1.0)", False),
    ("Quantitative hCG 12 mIU/mL (Negative: <5 mIU/mL)", False),
    ("Test not performed - specimen haemolysed", False),
    ("Cancelled - QNS", False),
    ("QuantiFERON - see comment", False),
    ("Anti-HBc - pending", False),
    ("TB Ag - Nil: 0.95 IU/mL", False),
    ("hCG 1520 mIU/mL - see note", False),
    ("Negative (high nil)", False),
    ("QFT-Plus neg (low mitogen)", False),
    ("Negative with low mitogen response", False),
    ("Negative (indeterminant - low mitogen)", False),
    ("Negative (grey zone)", False),
    ("QFT negative - possible false negative (on prednisone)", False),
    ("HBsAg negative (resolved infection)", False),
    ("HBsAg: negative anti-HBc: equiv", False),
    ("HBsAg: negative anti-HBc: indet.", False),
    ("HBsAg neg anti-HBc DET", False),
    ("HBsAg neg. anti-HBc react.", False),
    ("HBsAg negative anti-HBc postive", False),
    ("HBsAg neg anti-HBc 1+", False),
    ("HBs-Ab: pos, HBs-Ag: pos, HBc-Ab: neg", False),
    ("HBsAb 150\nHBs Ag: reactive\nHBcAb: neg", False),
    ("Anti-HBc negative, anti-HBs positive, HBs antigen reactive", False),
    ("HBsAg negative, anti-HBs positive, anticore positive", False),
    ("HBsAg negative, anti-HBs positive, HBeAg positive", False),
    ("Specimen No 4521 positive", False),
    ("Lab no 12345: reactive", False),
    ("Negative control positive", False),
    ("QFT negative; nil control positive", False),
    ("Urine hCG negative but serum hCG 28 mIU/mL", False),
    ("Mantoux 12 mm, negative", False),
    # An induration of 5 mm or more, positive before immunosuppression: a lab's 'negative' may use
    # the cut-off of 10 or 15 mm of a patient at lower risk.
    ("Mantoux 12 mm negative", False),
    ("TST 8 mm negative", False),
    ("PPD 6mm negative", False),
    ("Mantoux 5 mm negative", False),
    ("Mantoux <10 mm negative", False),
    ("Mantoux >2 mm negative", False),
    ("Mantoux \u22645 mm negative", False),
    ("8 mm negative [39263-9]", False),
    ("Mantoux:8mm negative", False),
    ("TST:8mm neg", False),
    ("PPD:12mm -ve", False),
    ("Induration:8mm negative", False),
    ("TST-8mm-negative", False),
    ("Mantoux 8-10mm negative", False),
    ("Mantoux 5 mm, negative", False),
    ("Mantoux negative (10x12mm)", False),  # two diameters
    ("TST: Negative (10x12mm induration)", False),
    ("TST negative (12 millimetres)", False),
    ("PPD negative (1.2 cm)", False),
    # a number with no unit where the clause names a skin test is its induration
    ("TST result (mm): 12 Negative", False),
    ("Mantoux 12 negative", False),
    ("PPD reading: 8 - negative", False),
    ("Mantoux 12, negative", False),
    ("Not-non-reactive", False),
    # 'not non-reactive' is reactive.
    ("Not non-reactive", False),
    ("HBsAg: not non-reactive", False),
    ("Not non reactive", False),
    # A negation after a label word is still a negation.
    ("Specimen no activity detected", True),
    ("Sample no activity present", True),
    ("Patient no longer negative", False),
    ("Sample no longer negative", False),
    ("HBsAg negative\uff0canti-HBc \uff30\uff2f\uff33\uff29\uff34\uff29\uff36\uff25", False),  # full-width
    ("TPMT genotype: *1/*16 - intermediate metabolizer", True),
    ("TPMT *1/*1 with low activity", True),
    ("TPMT activity 9.5 U/mL (normal 24-44)", True),
    ("G6PD - pending", True),
]


@pytest.mark.parametrize("text,activity", NEVER_NEGATIVE)
def test_lab_wordings_of_no_negative_result_never_read_negative(text, activity):
    assert result_reading(text, activity) != "negative"


@pytest.mark.parametrize("text,activity", [
    ("G6PD Deficiency: Not Detected", True),
    ("G6PD deficiency screen: negative", True),
    ("Positive and negative controls valid. Patient negative", False),
    ("Negative. Pos control OK", False),
    ("HBsAg: Non-React", False),
    ("HBsAg \u2212, anti-HBc \u2212", False),  # the minus sign
    ("antibody to hepatitis B surface antigen: reactive, HBsAg: nonreactive, anti-HBc: nonreactive", False),
    ("Mantoux: 0 mm, negative", False),
    ("G6PD normal", True),
    ("HBV DNA undetectable", False),
    ("HBsAg not detectable", False),
    ("No hepatitis B surface antigen detected", False),
    ("HBsAg: Not  Detected", False),
    ("Anti-HBc:\nNot\nReactive", False),
    ("Negative for M. tuberculosis infection", False),
    ("IGRA negative in March 2024", False),
    ("QFT negative on 12 March 2024", False),
    ("G6PD: normal activity (9.8 U/g Hb)", True),
    ("HBsAg -ive", False),
    ("Mantoux induration 0 mm negative", False),
    ("Mantoux: 0mm, negative", False),
    # Below 5 mm a skin test is negative at every cut-off.
    ("Mantoux negative (4 mm)", False),
    ("Mantoux 3 mm negative", False),
    ("Mantoux 2mm negative", False),
    ("Mantoux <5 mm negative", False),
    ("Mantoux 3 mm, negative", False),
    ("4 mm normal [39263-9]", False),
    ("Mantoux 3mm induration negative", False),
    ("Mantoux 3 mm induration - negative", False),
    ("Induration 0mm (erythema 10mm) negative", False),  # redness is no induration
    ("Mantoux less than 5 mm negative", False),
    ("Mantoux 4x3mm, negative", False),
    ("Mantoux 3, negative", False),
    ("TST 2023 negative", False),  # a year
    ("QFT 0.2 IU/mL negative", False),
    ("Specimen: no HBsAg detected", False),
    ("Sample no hCG detected", False),
    ("Patient no HBsAg detected", False),
    ("Report no abnormality detected", False),
    ("Specimen no deficiency", True),
    ("HBsAg not detected, anti-HBc non-reactive", False),
    ("HBsAg - no - not detected", False),
    ("No none detected", False),
])
def test_lab_wordings_of_a_negative_result_read_negative(text, activity):
    assert result_reading(text, activity) == "negative"


def test_a_long_result_of_numbers_reads_in_one_pass():
    # Each measurement was checked against the words between it and the reading by a scan of its own:
    # quadratic in the numbers of a clause. Counted, not timed: the same reading at any length.
    for n in (10, 1000, 20000):
        assert result_reading("(normal" + " 1" * n) == "negative"  # values just after their reading
        assert result_reading("HBsAg negative anti-HBc" + " 4.1" * n) == "unknown"
        assert result_reading("anti-HBc" + " 4.1" * n + " S/CO HBsAg negative") == "unknown"


@pytest.mark.parametrize("text,activity,expected", [
    ("all negative except core Ab", False, "unknown"),
    ("neg except anti-HBc", False, "unknown"),
    ("negative apart from anti-HBc", False, "unknown"),
    ("negative other than core antibody", False, "unknown"),
    ("negative (except anti-HBc)", False, "unknown"),
    ("negative save for anti-HBc", False, "unknown"),
    ("negative excluding anti-HBc", False, "unknown"),
    ("negative except TB2 tube", False, "unknown"),
    ("negative except anti-HBc positive", False, "positive"),
    ("negative except anti-HBs positive", False, "negative"),  # immunity, set aside
    ("normal except exon 3 variant", True, "positive"),  # a variant named is a variant found
    ("negative w/ exception of anti-HBc", False, "unknown"),
    ("negative exception: anti-HBc", False, "unknown"),
    ("negative with one exception", False, "unknown"),
    ("negative (1 exception)", False, "unknown"),
    ("negative excepted anti-HBc", False, "unknown"),
    ("negative aside anti-HBc", False, "unknown"),
    ("negative not counting anti-HBc", False, "unknown"),
    ("negative xcept anti-HBc", False, "unknown"),
    ("negative except for anti-HBc positive", False, "positive"),
    # Hepatitis B immunity (anti-HBs) is set aside here as everywhere: a vaccinated patient is negative.
    ("negative except for HBsAb", False, "negative"),
    ("negative except for anti-HBs", False, "negative"),
    ("negative except sAb", False, "negative"),
    ("negative except immune", False, "negative"),
    ("negative apart from vaccine immunity", False, "negative"),
    ("negative other than immunity", False, "negative"),
    # Hepatitis B named without immunity is the positive test excepted, never set aside.
    ("negative except hep B", False, "unknown"),
    ("negative except HBV", False, "unknown"),
    ("negative except HBs", False, "unknown"),
    ("negative except for hepatitis B antibody", False, "unknown"),
    ("negative other than hepatitis B", False, "unknown"),
    ("negative except the B", False, "unknown"),
    # No exception said.
    ("negative without exception", False, "negative"),
    ("negative outside of anti-HBc", False, "unknown"),
    ("QuantiFERON negative outside of TB1 tube", False, "unknown"),
    # Immunity set aside before the exception is read: the name left beside it is its name.
    ("negative except hepatitis B surface antibody", False, "negative"),
    ("negative except HBV vaccine immunity", False, "negative"),
    ("negative except hep B (vaccinated)", False, "negative"),
    ("negative except immune to HBV", False, "negative"),
])
def test_a_negative_with_an_exception_reads_by_the_exception(text, activity, expected):
    # 'All negative except core Ab' read negative: a positive anti-HBc passed ILD408 before rituximab.
    from orderlint.normalize import result_reading

    assert result_reading(text, activity) == expected


@pytest.mark.parametrize("text, expected", [
    # A genotype report's 'detected' and 'present' are of the variant, not of the enzyme's activity:
    # 'TPMT variant detected' read as activity detected, normal, and azathioprine passed ILD408.
    ("variant detected", "positive"), ("mutation detected", "positive"), ("heterozygous variant detected", "positive"),
    ("pathogenic variant detected", "positive"), ("NUDT15 c.415C>T detected", "positive"),
    ("risk allele present", "positive"), ("G6PD A- variant detected", "positive"),
    ("Mediterranean variant present", "positive"),
    ("no variants detected", "negative"), ("variant not detected", "negative"),
    ("no pathogenic variant identified", "negative"), ("negative for known variants", "negative"),
    ("TPMT *1/*1, no variant detected", "negative"),
    ("activity detected", "negative"), ("normal activity", "negative"), ("deficient", "positive"),
    # A variant allele carried is found whatever else the clause says; the normal one absent is not normal.
    ("Homozygous: normal allele not detected", "positive"), ("Wild-type allele absent: homozygous c.719A>G", "positive"),
    ("Accession no 4521 homozygous variant", "positive"), ("no wild-type: homozygous variant", "positive"),
    ("heterozygous variant detected and no other variants", "positive"), ("carrier", "positive"),
    # The normal genotype said with a zygosity is normal.
    ("TPMT *1/*1 homozygous wild type", "negative"), ("homozygous normal", "negative"),
    # The common wordings of none found.
    ("No TPMT variants detected", "negative"), ("negative for the variant", "negative"),
    ("no c.719A>G variant detected", "negative"), ("risk allele not detected", "negative"),
    ("variant alleles not detected", "negative"), ("no deleterious variants detected", "negative"),
    ("Accession no 4521 variant detected", "positive"),
    # 'None found' only as the whole clause: anything more is a variant found.
    ("No NUDT15 variant detected and TPMT c.719A>G detected", "positive"),
    ("Negative for NUDT15 variants and TPMT c.719A>G detected", "positive"),
    ("NUDT15 c.415C>T variant - wild-type allele not detected", "positive"),
    ("G6PD c.202G>A: normal allele not detected", "positive"), ("G6PD A- variant: reference allele not detected", "positive"),
    ("Specimen no 24-1187 variant detected", "positive"), ("Lab no 2024/113 TPMT variant detected", "positive"),
    ("No of variants detected: 1", "positive"), ("no doubt pathogenic variant present", "positive"),
    ("c.719A>G variant detected and no other variants", "positive"),
])
def test_a_variant_named_in_an_enzyme_result_is_a_variant_found(text, expected):
    from orderlint.normalize import result_reading

    assert result_reading(text, True) == expected


@pytest.mark.parametrize("text, none_given", [
    # Dates, counts and references are no values: 'cancelled 2026-02-20' was a CBC done (ILD401 passed).
    ("cancelled 2026-02-20", True), ("cancelled 15.01.2026", True), ("not done 15/01", True), ("QNS x2", True),
    ("see comment #2", True), ("not done (2nd attempt)", True), ("cancelled at 10:30", True),
    # What is said of an earlier test is not this one's result.
    ("not done - previous result normal", True), ("pending, prior normal", True),
    # ... to the end of the text, whatever it lists (a 'not done' read as a result is the unsafe way;
    # a reading after 'last' is then set aside too, the safe way: the test counts as not done).
    ("Not done - prior results: WBC 5.4; Hb 13.2; Plt 250", True),
    ("Not done (previous result: HBsAg negative; anti-HBc negative)", True),
    ("Cancelled at last minute; HBsAg reactive", True),
    ("not done - previous WBC 5.4", True), ("cancelled, prior WBC 5.4 x10^9/L", True),
    ("Not done, previous result: HBsAg negative, anti-HBc negative", True),
    ("not collected", True), ("specimen lost", True), ("patient no-show", True), ("discontinued", True),
    ("entered in error", True), ("voided", True),
    # A value beside the words is a result.
    ("cancelled, WBC 5.2", False), ("hemolyzed, K 5.9", False), ("normal", False), ("WBC 5.2", False),
])
def test_a_result_saying_no_test_was_done_is_none_whatever_dates_it_carries(text, none_given):
    from orderlint.normalize import _no_result_given

    assert _no_result_given(text, False) is none_given
