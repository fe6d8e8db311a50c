"""What both engines index of one article: syllable keys to match, words to rank.

* **Syllables** (:mod:`indexer.syllables`) are the unit of matching, with positions: the
  ``title`` field holds the title's keys, the ``text`` field the summary's and then the body's,
  with a gap between them so that no phrase runs from the summary into the body (a phrase is
  consecutive syllables within one field). They are read off the article's NFC text itself.
* **Words** (underthesea's segmentation, cached in the store per article version, folded) only rank:
  an article where ``công nhân`` is the word *công_nhân* outranks one where the two syllables
  merely meet ("…công. Nhân dịp…"). Their field keeps frequencies, not positions.
"""
from __future__ import annotations

from indexer.syllables import iter_syllables, syllable_key
from indexer.text import field_words, fold, nfc

INDEX_FORMAT = 2          # 2: syllable fields match, words rank (1: words matched)
FIELD_GAP = 8             # positions skipped between the summary and the body
TEXT_FIELDS = ("title", "text")


def syllable_keys(text: str | None) -> list[str]:
    """The keys of the syllables of a stored (NFC) text, in order."""
    return [syllable_key(syllable) for syllable, _, _ in iter_syllables(nfc(text or ""))]


def syllable_fields(article: dict) -> dict[str, list[list[str]]]:
    """``{"title": [keys], "text": [summary keys, body keys]}``: each inner list is one run of
    consecutive positions; engines leave a gap (``FIELD_GAP``) between runs."""
    return {"title": [syllable_keys(article.get("title"))],
            "text": [syllable_keys(article.get("summary")), syllable_keys(article.get("body"))]}


def ranking_words(segmentation: dict) -> list[str]:
    """The article's words of more than one syllable, folded (``cong_doan``): single syllables
    add nothing to what the syllable fields score, and the diacritics were already decided by
    the match, so the words need one form only."""
    return [fold(word) for field in ("title", "summary", "body") for word, _, _ in field_words(segmentation, field)
            if "_" in word]


MAX_WORD_SYLLABLES = 5  # longest word tried by the longest-match of an unaccented run


def query_words(parsed, has_word) -> list[str]:
    """The folded words (``cong_nhan``) of the query's runs of syllables typed side by side.

    A run typed with marks is segmented by underthesea like an article; an unaccented one
    (underthesea needs the marks) by longest match against the index's words (``has_word``).
    Only the ranking uses them: a run whose syllables form the article's words scores more.
    """
    from indexer.text import segment

    words: list[str] = []
    for run in parsed.runs:
        if any(syllable.exact for syllable in run):
            found = [fold(word) for word, _, _ in segment(" ".join(syllable.text for syllable in run))]
        else:
            found, folded, i = [], [syllable.folded for syllable in run], 0
            while i < len(folded):
                for j in range(min(len(folded), i + MAX_WORD_SYLLABLES), i + 1, -1):
                    candidate = "_".join(folded[i:j])
                    if has_word(candidate):
                        found.append(candidate)
                        i = j
                        break
                else:
                    i += 1
        words.extend(word for word in found if "_" in word and word not in words)
    return words
