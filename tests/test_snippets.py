"""Snippet matching: the one-regex path finds exactly the words the word-by-word fold finds."""
from __future__ import annotations

import random

import pytest

from indexer import snippets
from indexer.text import fold_text

JOINED = ("công_đoàn cơ_sở tổ_chức đại_hội công_đoàn covid-19 pgs.ts cong_doan CÔNG_ĐOÀN "
          "công_đoa\u0300n đoàn q\u0301 한국 người_lao_động ngươi lao_đông k\u212a ≮ đại_hội_công_đoàn")


def word_by_word(joined: str, exact: set[str], folded: set[str]) -> list[int]:
    """The reference: fold every word and test it against the sets."""
    pairs = zip(joined.split(" "), fold_text(joined).split(" "))
    return [index for index, (word, folded_word) in enumerate(pairs) if folded_word in folded or word in exact]


@pytest.mark.parametrize("typed", [["công_đoàn"], ["cong_doan"], ["covid-19"], ["pgs.ts"], ["q"], ["kk"],
                                   ["<"], ["người_lao_động", "lao_đông"], ["đoàn", "cơ_sở"], ["한국"],
                                   ["nothing_here"]])
def test_regex_matching_equals_word_by_word(typed):
    exact = {word for word in typed if word != fold_text(word)}
    folded = {fold_text(word) for word in typed}
    assert snippets._matching_words(JOINED, exact, folded) == word_by_word(JOINED, exact, folded)


def test_matching_on_random_vietnamese_words():
    words = JOINED.split(" ")
    rng = random.Random(7)
    joined = " ".join(rng.choice(words) for _ in range(2000))
    for _ in range(200):
        typed = rng.sample(words, 2)
        exact, folded = {typed[0]}, {fold_text(word) for word in typed}
        assert snippets._matching_words(joined, exact, folded) == word_by_word(joined, exact, folded)


def test_unaccented_query_marks_accented_words():
    spans = snippets._matching_words("ban chấp_hành công_đoàn", set(), {"cong_doan"})
    assert spans == [2]
