"""Snippets: a window of the article text around the best cluster of matches.

Built from the store's text and the cached word offsets, so highlights land on whole words
exactly where the index matched them (``công_đoàn`` highlights "Công đoàn", an unaccented
query highlights the accented text). Output is HTML-escaped, matches wrapped in ``<mark>``.
"""
from __future__ import annotations

from html import escape

from unionnews.store import Store

from indexer.text import field_words, fold_chars, segment_article

WINDOW = 240  # characters of context shown


def _words_with_offsets(store: Store, article: dict) -> tuple[str, list[tuple[str, int, int]]]:
    segmentation = store.get_segmentation(article["id"], article["version"])
    if segmentation is None:  # store changed since indexing: segment this one article now
        segmentation = segment_article(article)
    summary = article.get("summary") or ""
    shift = len(summary) + 2
    text = summary + "\n\n" + (article.get("body") or "")
    words = field_words(segmentation, "summary") + [
        (w, s + shift, e + shift) for w, s, e in field_words(segmentation, "body")]
    return text, words


def _matches(words, exact: set[str], folded: set[str]) -> list[tuple[int, int]]:
    # folding the joined words in one C-level pass is ~10x faster than word by word
    folded_words = fold_chars(" ".join(word for word, _, _ in words)).split(" ")
    return [(start, end) for (word, start, end), folded_word in zip(words, folded_words)
            if folded_word in folded or word in exact]


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


def make_snippet(store: Store, article: dict, exact: set[str], folded: set[str]) -> str:
    text, words = _words_with_offsets(store, article)
    spans = _matches(words, exact, folded)
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
