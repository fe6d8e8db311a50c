"""Snippets mark the syllables the index matched, by the same rule (key or fold)."""
from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import snippets
from indexer.syllables import fold_syllable, syllable_key
from indexer.syntax import parse

TEXT = "Công đoàn cơ sở tổ chức đại hội; CÔNG ĐOÀN Covid-19, cộng đồng và hoà giải. Hòa bình."


def spans_of(query: str, text: str = TEXT) -> list[str]:
    syllables = parse(query).syllables()
    keys = {s.key for s in syllables if s.exact}
    folded = {s.folded for s in syllables if not s.exact}
    return [text[start:end] for start, end in snippets.matching_spans(text, keys, folded)]


def test_an_accented_syllable_marks_only_itself_whatever_the_case():
    assert spans_of("công") == ["Công", "CÔNG"]


def test_an_unaccented_syllable_marks_every_syllable_folding_to_it():
    assert spans_of("cong") == ["Công", "CÔNG", "cộng"]


def test_tone_placement_and_decomposed_text_still_match():
    assert spans_of("hòa") == ["hoà", "Hòa"]
    decomposed = unicodedata.normalize("NFC", unicodedata.normalize("NFD", TEXT))
    assert spans_of("hoà", decomposed) == ["hoà", "Hòa"]


def test_hyphenated_and_numeric_syllables():
    assert spans_of("covid 19") == ["Covid", "19"]


def test_snippet_is_escaped_and_marked():
    article = {"summary": "<b>LĐLĐ</b> tỉnh", "body": "Người lao động nhận thưởng."}
    html = snippets.make_snippet(article, {syllable_key("lđlđ")}, {fold_syllable("thuong")})
    assert "&lt;b&gt;<mark>LĐLĐ</mark>&lt;/b&gt;" in html and "<mark>thưởng</mark>" in html


# Letters of every kind the fast path must fold one for one: Vietnamese, other Latin marks,
# capitals whose lowercase differs, Greek, a stray combining mark, digits and punctuation.
_ALPHABET = "aăâeêioôơuưyđAĂÂĐÔƠƯ" + "áàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữự" + "ÁÀẢÃẠẾỆỐỘỚỢỨỰ" + "İßΣσςéü19" + "\u0301 -.,_"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, max_size=60), query=st.lists(st.text(alphabet=_ALPHABET[:60], min_size=1,
                                                                             max_size=4), max_size=3))
def test_the_fast_path_marks_what_folding_every_syllable_marks(text, query):
    keys = {syllable_key(word) for word in query[::2] if not word.isascii()}
    folded = {fold_syllable(word) for word in query[1::2]} | {word.lower() for word in query if word.isascii()}
    assert snippets.matching_spans(text, keys, folded) == snippets._slow_spans(text, keys, folded)
