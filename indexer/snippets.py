"""Snippets: a window of the article text around the best cluster of matches.

Built from the store's text and the cached word offsets, so highlights land on whole words
exactly where the index matched them (``công_đoàn`` highlights "Công đoàn", an unaccented
query highlights the accented text). Output is HTML-escaped, matches wrapped in ``<mark>``.
"""
from __future__ import annotations

from html import escape

from unionnews.store import Store

from indexer.text import fold_text, segment_article

WINDOW = 240  # characters of context shown


def _text_and_spans(store: Store, article: dict, exact: set[str], folded: set[str]):
    """The snippet text (summary + body) and the character spans of the matching words."""
    segmentation = store.get_segmentation(article["id"], article["version"])
    if segmentation is None:  # store changed since indexing: segment this one article now
        segmentation = segment_article(article)
    summary = article.get("summary") or ""
    text = summary + "\n\n" + (article.get("body") or "")
    spans = []
    for field, shift in (("summary", 0), ("body", len(summary) + 2)):
        entry = segmentation.get(field) or {}
        joined, offsets = entry.get("w", ""), entry.get("o", [])
        if not joined:
            continue
        # fold the joined words in one C-level pass, then test each word against the sets;
        # offsets are looked up only for the matches (articles run to thousands of words)
        folded_words = fold_text(joined).split(" ")
        for index, (word, folded_word) in enumerate(zip(joined.split(" "), folded_words)):
            if folded_word in folded or word in exact:
                spans.append((offsets[2 * index] + shift, offsets[2 * index + 1] + shift))
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


def make_snippet(store: Store, article: dict, exact: set[str], folded: set[str]) -> str:
    text, spans = _text_and_spans(store, article, exact, folded)
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
