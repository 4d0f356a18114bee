"""result_reading: how a screening test's stated result reads (ILD408). Fail closed: a positive
never reads negative, and a text no word decides stays not negative."""

import pytest

from orderlint.normalize import result_reading


@pytest.mark.parametrize("text", [
    "none detected", "HBsAg: none detected",                          # 'none' negates as 'not' does
    "HBsAg negative. Anti-HBc negative. Anti-HBs 150",                # a full stop ends a clause
    "HBsAg negative.", "negative,",                                   # an empty clause reads nothing
    "hbsag negative anti-hbc negative anti-hbs positive",             # read per assay, anti-HBs skipped
    "anti-HBs positive (vaccinated), HBsAg negative, anti-HBc negative",
    "HBsAg negative, hep B surface antibody positive (immune)",
    "Negative (nil 0.05, TB-nil 0.01, mitogen >10)",                  # an IGRA's tube values
    "negative (mitogen control positive)",
    "Negative for HBsAg and anti-HBc", "HBsAg and anti-HBc negative", "not detected",
])
def test_negative_wordings_read_negative(text):
    assert result_reading(text) == "negative"


@pytest.mark.parametrize("text", [
    "none", "HBsAg negative, anti-HBc 2.3 S/CO",
    "anti-HBc 2.3 S/CO, HBsAg negative",        # a clause of no reading decides wherever it stands (read negative)
    "anti-HBc 2.3 S/CO. HBsAg negative", "<5 mIU/mL", "", "1.5e+3",
    "HBsAg and anti-HBc",
])
def test_texts_no_word_decides_are_not_negative(text):
    assert result_reading(text) in ("unknown", "indeterminate")


@pytest.mark.parametrize("text", [
    "HBsAg positive anti-HBs positive, anti-HBc negative",  # the anti-HBs clause hid HBsAg (read negative)
    "hbsag positive (anti-hbs negative)",
    "positive (mitogen control positive)",                  # the control clause hid the result
    "Positive (nil 0.05, TB-nil 2.1, mitogen >10)",
    "Negative (nil 0.05, TB antigen positive)",
    "not negative. HBsAg", "detected.", "none negative", "reactive", "HBsAg negative. anti-HBc reactive",
])
def test_positive_wordings_stay_positive(text):
    assert result_reading(text) == "positive"


@pytest.mark.parametrize("text", ["anti-HBs positive", "hep B surface antibody positive (immune)", "HBsAb 150 mIU/mL",
                                  "positive control reactive"])
def test_a_result_of_only_what_says_nothing_is_silent(text):
    # below negative (another assay decides), and not negative alone (ILD408 _NOT_NEGATIVE)
    assert result_reading(text) == "silent"


def test_activity_none_detected_is_the_deficiency():
    assert result_reading("TPMT activity: none detected", True) == "positive"
