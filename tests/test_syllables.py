"""indexer.syllables (what the engines index) agrees with the contract's reference."""
from __future__ import annotations

import unicodedata

from hypothesis import given, strategies as st

from indexer.syllables import fold_syllable, iter_syllables, syllable_key, syllable_keys
from tests import reference_search as reference

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
TEXT = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "0123456789 -.,_\u0300\u0301\u00a0'", max_size=40)


@given(TEXT)
def test_syllables_are_the_references(text):
    nfc = unicodedata.normalize("NFC", text)
    assert [s for s, _, _ in iter_syllables(nfc)] == reference.syllables(text)
    for form in (text, unicodedata.normalize("NFD", text)):
        assert syllable_keys(form) == [syllable_key(s) for s in reference.syllables(form)]


@given(TEXT, TEXT)
def test_keys_and_folds_compare_like_the_reference(first, second):
    for a in reference.syllables(first):
        assert fold_syllable(a) == reference.fold(a)
        for b in reference.syllables(second):
            assert (syllable_key(a) == syllable_key(b)) == (reference.key(a) == reference.key(b))


def test_tone_placement_and_case_do_not_matter():
    assert syllable_key("hoà") == syllable_key("hòa") == syllable_key("HOÀ")
    assert syllable_key("thuý") == syllable_key("thúy")
    assert syllable_key("công") != syllable_key("cộng") and fold_syllable("cộng") == "cong"
    assert [s for s, _, _ in iter_syllables("Covid-19, 4.0 và LĐLĐ")] == ["Covid", "19", "4", "0", "và", "LĐLĐ"]
