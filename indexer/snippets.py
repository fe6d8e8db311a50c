"""Snippets: a window of the article text around the best cluster of matches.

Built from the store's text and the cached word offsets (``Store.snippet_sources``), so
highlights land on whole words exactly where the index matched them (``công_đoàn``
highlights "Công đoàn", an unaccented query highlights the accented text). Output is HTML-escaped, matches wrapped in ``<mark>``.
"""
from __future__ import annotations

import functools
import re
from html import escape

from indexer.text import fold_text, segment_article

WINDOW = 240  # characters of context shown


# A mark left standalone after NFC: fold_text drops it, so a pattern must skip it too.
_MARKS = "[\u0300-\u036f]*"


@functools.cache
def _folds_to() -> dict[str, str]:
    """ASCII letter → every character that ``fold_text`` turns into it (built once per process, ~25 ms)."""
    sources: dict[str, list[str]] = {}
    for codepoint in range(0x10000):
        char = chr(codepoint)
        if 0xD800 <= codepoint < 0xE000:
            continue
        folded = fold_text(char)
        if len(folded) == 1 and folded.isascii() and folded != char:
            sources.setdefault(folded, []).append(char)
    return {letter: "".join(chars) for letter, chars in sources.items()}


@functools.lru_cache(maxsize=1024)
def _match_pattern(exact: frozenset[str], folded: frozenset[str]) -> re.Pattern | None:
    """One regex over the joined words for all query words, or None when a folded word is
    not ASCII (Hangul, say, folds to more characters than it has: the word-by-word path)."""
    if not all(word.isascii() for word in folded):
        return None
    folds_to = _folds_to()

    def folded_word(word: str) -> str:
        return _MARKS + "".join(
            (f"[{re.escape(char + folds_to[char])}]" if char in folds_to else re.escape(char)) + _MARKS
            for char in word)

    options = sorted({re.escape(word) for word in exact} | {folded_word(word) for word in folded})
    # words are separated by single spaces in the joined form
    return re.compile(r"(?<![^ ])(?:" + "|".join(options) + r")(?![^ ])")


def _matching_words(joined: str, exact: set[str], folded: set[str]) -> list[int]:
    """Indexes of the words of ``joined`` that the query matches (exact or folded)."""
    if not exact and not folded:
        return []
    pattern = _match_pattern(frozenset(exact), frozenset(folded))
    if pattern is None:
        words = joined.split(" ")
        return [index for index, (word, folded_word) in enumerate(zip(words, fold_text(joined).split(" ")))
                if folded_word in folded or word in exact]
    # a regex pass in C instead of folding and testing thousands of words in Python;
    # a match's word index is the count of spaces before it, counted incrementally
    indexes, index, counted_to = [], 0, 0
    for match in pattern.finditer(joined):
        index += joined.count(" ", counted_to, match.start())
        counted_to = match.start()
        indexes.append(index)
    return indexes


def _text_and_spans(article: dict, segmentation: dict | None, exact: set[str], folded: set[str]):
    """The snippet text (summary + body) and the character spans of the matching words."""
    if segmentation is None:  # store changed since indexing: segment this one article now
        segmentation = segment_article(article)
    summary = article.get("summary") or ""
    text = summary + "\n\n" + (article.get("body") or "")
    spans = []
    for field, shift in (("summary", 0), ("body", len(summary) + 2)):
        entry = segmentation.get(field) or {}
        joined, offsets = entry.get("w", ""), entry.get("o", [])
        if joined:
            spans += [(offsets[2 * i] + shift, offsets[2 * i + 1] + shift)
                      for i in _matching_words(joined, exact, folded)]
    return text, spans


def highlight(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` escaped, with the spans inside it marked."""
    end = len(text) if end is None else end
    pieces, cursor = [], start
    for span_start, span_end in spans:
        if span_start < cursor or span_end > end:
            continue
        pieces.append(escape(text[cursor:span_start]))
        pieces.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(escape(text[cursor:end]))
    return "".join(pieces)


def _best_window(spans: list[tuple[int, int]]) -> int:
    """Start of the WINDOW-long stretch holding the most matches (two pointers)."""
    best_start, best_count, j = spans[0][0], 0, 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][0] < start + WINDOW:
            j += 1
        if j - i > best_count:
            best_start, best_count = start, j - i
    return best_start


def make_snippet(article: dict, segmentation: dict | None, exact: set[str], folded: set[str]) -> str:
    """``article``: its summary and body (and title, to segment it when ``segmentation`` is
    None: the cached one is missing or older than the article)."""
    text, spans = _text_and_spans(article, segmentation, exact, folded)
    if not spans:  # matched in the title only: show the lead
        lead = text.strip()
        return escape(lead[:WINDOW]) + ("…" if len(lead) > WINDOW else "")
    anchor = _best_window(spans)
    start = max(0, anchor - WINDOW // 4)
    # start on a word boundary so the snippet doesn't open mid-syllable
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = min(len(text), start + WINDOW)
    while end < len(text) and not text[end].isspace():
        end += 1
    snippet = highlight(text, spans, start, end).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")
