"""Vietnamese text processing: normalisation, segmentation with offsets, folding."""
from __future__ import annotations

import unicodedata

from indexer.analysis import encode_segmented, folded_analyzer, word_analyzer
from indexer.text import field_words, fold, fold_chars, has_diacritics, nfc, segment, segment_article


def test_fold_strips_marks_and_d_bar():
    assert fold("công_đoàn") == "cong_doan"
    assert fold("LĐLĐ") == "ldld"
    assert fold("Người") == "nguoi"
    assert fold_chars("Đoàn viên") == "doan vien"
    assert len(fold_chars("Công đoàn cơ sở")) == len("Công đoàn cơ sở")


def test_has_diacritics():
    assert has_diacritics("công đoàn")
    assert not has_diacritics("Cong Doan")
    assert not has_diacritics("an")


def test_nfc_and_control_characters():
    decomposed = unicodedata.normalize("NFD", "người lao động")
    assert nfc(decomposed) == "người lao động"
    assert nfc("a\x00b\u200bc") == "a b c"


def test_segment_groups_words_and_keeps_offsets_into_original():
    text = "Liên đoàn Lao động (LĐLĐ) huyện Phúc Thọ chăm lo cho người lao động."
    words = segment(text)
    terms = [w for w, _, _ in words]
    assert "liên_đoàn" in terms and "lao_động" in terms and "lđlđ" in terms
    assert "(" not in terms and "." not in terms
    for word, start, end in words:
        assert fold(text[start:end].lower().replace(" ", "_")) == fold(word)


def test_segment_normalises_old_tone_placement_but_offsets_stay_on_source():
    text = "Thuỷ  hoà   bình"  # old-style tone marks, irregular spacing
    words = segment(text)
    assert [w for w, _, _ in words][0] == "thủy"
    assert text[words[0][1]:words[0][2]] == "Thuỷ"
    assert any(w in ("hòa_bình", "hòa") for w, _, _ in words)


def test_no_stop_words_are_dropped():
    terms = [w for w, _, _ in segment("Ở đó an toàn, tôi đi to và a")]
    assert "ở" in terms and "to" in terms and "a" in terms


def test_segment_article_round_trips():
    article = {"title": "Công đoàn cơ sở", "summary": "", "body": "Người lao động ở Hà Nội."}
    data = segment_article(article)
    assert data["summary"] == {"w": "", "o": []}
    body = field_words(data, "body")
    assert ("hà_nội", 17, 23) in body


def test_analyzers_give_positions_and_character_offsets():
    text = "Đoàn viên công đoàn ở Hà Nội"
    data = segment_article({"title": "", "summary": "", "body": text})
    value = encode_segmented(data["body"]["w"], data["body"]["o"])
    tokens = [(t.text, t.pos, t.startchar, t.endchar)
              for t in word_analyzer()(value, positions=True, chars=True)]
    assert tokens[0] == ("đoàn_viên", 0, 0, 9)
    assert [t[1] for t in tokens] == list(range(len(tokens)))
    folded = [t.text for t in folded_analyzer()(value, positions=True, chars=True)]
    assert folded[:2] == ["doan_vien", "cong_doan"]
    # plain text (not pre-segmented) is segmented on the fly, with the same result
    assert [t.text for t in word_analyzer()(text)] == [t[0] for t in tokens]


def test_fast_tokenisation_equals_underthesea_word_tokenize():
    """``segment`` tokenises once and tags with underthesea's CRF directly: same words."""
    from underthesea import word_tokenize

    from indexer.text import _word_tokenize, normalize_tones

    texts = ["Liên đoàn Lao động thành phố Hà Nội trao 500 suất quà Tết cho công nhân.",
             "Người lao động ở khu công nghiệp Bắc Thăng Long được hỗ trợ tiền thuê nhà (2021).",
             "Hoà bình, thuỷ lợi và ATVSLĐ: CĐCS tổ chức tập huấn ngày 09/08/2021!"]
    for text in texts:
        assert _word_tokenize(text) == word_tokenize(normalize_tones(text))
