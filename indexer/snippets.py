"""Snippets: a window of the article text around the best cluster of matches.

Built from the store's text (``Store.snippet_sources``): the query's syllables are found in the
summary and body with the same rule the index matched them by (``indexer.syllables``: a
syllable typed with marks by its key, an unaccented one by its fold), so an unaccented query
highlights the accented text and "hoà" highlights "hòa". Output is HTML-escaped, matches
wrapped in ``<mark>``.
"""
from __future__ import annotations

import re
from html import escape

from indexer.syllables import SYLLABLE_PATTERN, fold_syllable, iter_syllables, syllable_key

WINDOW = 240  # characters of context shown
# A whole syllable (indexer.syllables.SYLLABLE_PATTERN): not preceded or followed by a letter or
# digit. Combining marks left after NFC would break the one-character-per-character fold below.
_BEFORE, _AFTER = r"(?<![^\W_])", r"(?![^\W_])"
_COMBINING = re.compile(r"[\u0300-\u036f]")


class _CharFold(dict):
    """``str.translate`` table folding one character to one character (``Ệ`` → ``e``), so the
    folded text keeps the original's offsets; a character whose fold is not one character
    stays itself (its syllables are then checked the slow way, see ``matching_spans``)."""

    def __missing__(self, code: int) -> str:
        folded = fold_syllable(chr(code))
        self[code] = folded if len(folded) == 1 else chr(code)
        return self[code]


_FOLD_TABLE = _CharFold()


def _slow_spans(text: str, keys: set[str], folded: set[str]) -> list[tuple[int, int]]:
    return [(start, end) for syllable, start, end in iter_syllables(text)
            if (folded and fold_syllable(syllable) in folded) or (keys and syllable_key(syllable) in keys)]


def matching_spans(text: str, keys: set[str], folded: set[str]) -> list[tuple[int, int]]:
    """Character spans of the syllables of ``text`` that match: by key, or by fold.

    Why not fold every syllable: a 3,500-character body took ~0.8 ms in Python, ~16 ms for a
    page of hits. One regex over the text folded character by character finds the candidates
    (every syllable whose fold is that of a query syllable); only those are checked.
    """
    if not keys and not folded:
        return []
    if _COMBINING.search(text):
        return _slow_spans(text, keys, folded)
    targets = {target for target in set(folded) | {fold_syllable(key) for key in keys}
               if SYLLABLE_PATTERN.fullmatch(target)}  # only a whole syllable can match one
    if not targets:
        return []
    pattern = re.compile(_BEFORE + "(?:" + "|".join(map(re.escape, sorted(targets, key=len, reverse=True)))
                         + ")" + _AFTER)
    spans = []
    for match in pattern.finditer(text.translate(_FOLD_TABLE)):
        syllable = text[match.start():match.end()]
        if fold_syllable(syllable) in folded or syllable_key(syllable) in keys:
            spans.append((match.start(), match.end()))
    return spans


def _joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Neighbouring matches apart by a space only become one mark: "<mark>Đại hội</mark>"."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and text[joined[-1][1]:start] == " ":
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _text_and_spans(article: dict, keys: set[str], folded: set[str]):
    """The snippet text (summary + body) and the character spans of the matching syllables."""
    text = (article.get("summary") or "") + "\n\n" + (article.get("body") or "")
    return text, _joined(text, matching_spans(text, keys, folded))


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


def make_snippet(article: dict, keys: set[str], folded: set[str]) -> str:
    """``article``: its summary and body; ``keys`` / ``folded``: the query's exact syllable
    keys and its unaccented syllables."""
    text, spans = _text_and_spans(article, keys, folded)
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
