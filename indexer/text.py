"""Vietnamese text processing shared by indexing and querying.

Pipeline for a field of an article (always NFC input):

1. ``underthesea.text_normalize`` unifies tone placement ("hoà" → "hòa") and spacing;
2. ``underthesea.word_tokenize`` groups syllables into words ("công đoàn" → ``công_đoàn``);
3. every word is aligned back onto the *original* NFC text so that it carries character
   offsets into the text the user sees (snippets and highlights need them);
4. a diacritic-folded twin of each word (``công_đoàn`` → ``cong_doan``) serves unaccented queries.

Segmentation is the expensive step (~35k syllables/s per core), so its result is cached in the
store per article version (``Store.set_segmentations``) and never recomputed on a re-index.
There is deliberately no stop list: "an", "to", "ở" and one-letter syllables are real words.
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata

SEGMENTATION_VERSION = 1
# Article fields that are segmented and indexed, in the order they are stored.
SEGMENTED_FIELDS = ("title", "summary", "body")

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_HAS_WORD_CHAR = re.compile(r"\w")


def _build_fold_table() -> dict[int, str]:
    """One output character per input character, so folded text keeps every offset.

    Covers Latin (with Vietnamese) letters; other characters pass through unchanged.
    """
    table: dict[int, str] = {}
    for codepoint in range(0x20, 0x2000):
        char = chr(codepoint)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        base = base.replace("đ", "d").replace("Đ", "D").lower()
        folded = base[:1] if base else char  # a lone combining mark keeps its slot
        if folded != char:
            table[codepoint] = folded
    return table


_FOLD_TABLE = _build_fold_table()


def nfc(text: str) -> str:
    """NFC text without control or zero-width characters (they break matching silently)."""
    return _CONTROL_CHARS.sub(" ", unicodedata.normalize("NFC", text or ""))


def fold_chars(text: str) -> str:
    """Lowercase and strip diacritics character by character (same length as ``text``)."""
    return text.translate(_FOLD_TABLE)


_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(term: str) -> str:
    """The unaccented form of a word: ``công_đoàn`` → ``cong_doan``, ``LĐLĐ`` → ``ldld``."""
    fast = term.translate(_FOLD_TABLE)  # precomposed (NFC) letters: one C-level pass
    if not _COMBINING.search(fast) and fast.isascii():
        return fast
    decomposed = unicodedata.normalize("NFD", term)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def fold_text(text: str) -> str:
    """``fold`` over a whole text at once (C-level passes; no per-character table lookups)."""
    stripped = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def has_diacritics(text: str) -> bool:
    """True when folding changes more than case: the user typed Vietnamese marks."""
    return fold(text) != text.lower()


_warmed_up = False
_warm_up_lock = threading.Lock()


def warm_up() -> None:
    """Load underthesea's model (once).

    underthesea's first ``word_tokenize`` call is not thread-safe; call this in the main
    thread before any thread (tqdm's monitor, a web server pool) or worker process starts.
    ``indexer.search`` does so when imported from the main thread; the lock covers a web
    server that imports it elsewhere.
    """
    global _warmed_up
    if _warmed_up:
        return
    with _warm_up_lock:
        if not _warmed_up:
            from underthesea import word_tokenize

            word_tokenize("Công đoàn")
            _warmed_up = True


@functools.lru_cache(maxsize=200_000)
def _normalize_token(token: str) -> str:
    from underthesea.pipeline.text_normalize import token_normalize

    return token_normalize(token)


def normalize_tones(text: str) -> str:
    """underthesea's ``text_normalize`` (old-style tone placement "hoà" → "hòa"), with each
    token's normalisation cached: the vocabulary repeats, and this was a fifth of the
    segmentation time."""
    from underthesea.pipeline.word_tokenize.regex_tokenize import tokenize

    return " ".join(_normalize_token(token) for token in tokenize(text))


def _word_tokenize(text: str) -> list[str]:
    """``word_tokenize(normalize_tones(text))``, without its repeated work.

    That call tokenises twice and normalises every token twice, uncached: a quarter of the
    time outside underthesea's CRF. Here the text is tokenised once, tokens are normalised
    through the cache and handed to the CRF tagger itself. Identical output (checked on the
    5,306 titles and bodies of a 2,653-article news corpus); any other underthesea layout
    falls back to the plain call.
    """
    from underthesea.pipeline import word_tokenize as module
    from underthesea.pipeline.word_tokenize.regex_tokenize import tokenize

    model = getattr(module, "word_tokenize_model", None)
    if model is None or not hasattr(model, "predict"):
        return module.word_tokenize(normalize_tones(text))
    tokens = [_normalize_token(token) for token in tokenize(text, use_token_normalize=False)]
    words: list[str] = []
    for tag, token in zip(model.predict([[token] for token in tokens]), tokens):
        if tag == "I-W" and words:
            words[-1] = f"{words[-1]} {token}"
        else:
            words.append(token)
    return words


def segment(text: str) -> list[tuple[str, int, int]]:
    """Words of an NFC text as ``(word, start, end)``; offsets index into ``text`` itself.

    ``word`` is lowercase, tone-normalised, syllables joined by ``_``. Punctuation-only
    tokens are dropped (so a phrase may run across a comma, as readers expect).
    """
    if not text or not text.strip():
        return []
    warm_up()
    try:
        tokens = _word_tokenize(text)
    except Exception:  # underthesea chokes on rare inputs; whitespace split is a safe fallback
        tokens = text.split()
    folded_text = fold_chars(text)
    words: list[tuple[str, int, int]] = []
    cursor = 0
    for token in tokens:
        if not _HAS_WORD_CHAR.search(token):
            continue
        syllables = token.split()
        start = end = None
        position = cursor
        for syllable in syllables:
            found = folded_text.find(fold_chars(syllable), position)
            if found < 0:
                break
            if start is None:
                start = found
            position = end = found + len(syllable)
        else:
            # every syllable found: the word is aligned onto the original text
            words.append(("_".join(syllables).lower(), start, end))
            cursor = end
    return words


def segment_article(article: dict) -> dict:
    """The cached segmentation of one article: per field, words and flat offsets.

    Shape: ``{"v": 1, "title": {"w": "liên_đoàn lao_động", "o": [0, 9, 10, 18]}, ...}``:
    compact JSON, and exactly what the index analyzer consumes.
    """
    data: dict = {"v": SEGMENTATION_VERSION}
    for field in SEGMENTED_FIELDS:
        words = segment(nfc(article.get(field) or ""))
        data[field] = {
            "w": " ".join(word for word, _, _ in words),
            "o": [offset for _, start, end in words for offset in (start, end)],
        }
    return data


def field_words(segmentation: dict, field: str) -> list[tuple[str, int, int]]:
    """Decode one field of a cached segmentation back into ``(word, start, end)``."""
    entry = segmentation.get(field) or {}
    words = entry.get("w", "").split()
    offsets = entry.get("o", [])
    return [(word, offsets[2 * i], offsets[2 * i + 1]) for i, word in enumerate(words)]


def _segment_one(article: dict) -> tuple[int, int, dict]:
    return article["id"], article["version"], segment_article(article)


def segment_many(articles: list[dict], pool=None) -> list[tuple[int, int, dict]]:
    """Segment a batch, in worker processes when a pool is given (CPU-bound work)."""
    if pool is None or len(articles) < 8:
        return [_segment_one(article) for article in articles]
    slim = [{key: article.get(key) for key in ("id", "version", *SEGMENTED_FIELDS)} for article in articles]
    return pool.map(_segment_one, slim, chunksize=4)


def segment_many_async(articles: list[dict], pool):
    """``segment_many`` started in the pool; ``.get()`` on the result returns the rows, so the
    caller can index the previous batch meanwhile."""
    slim = [{key: article.get(key) for key in ("id", "version", *SEGMENTED_FIELDS)} for article in articles]
    return pool.map_async(_segment_one, slim, chunksize=4)


def make_pool(processes: int | None = None):
    """A process pool for bulk segmentation, started after warming up the main thread."""
    import multiprocessing
    import os

    warm_up()
    count = processes or min(2, os.cpu_count() or 1)
    if count < 2:
        return None
    context = multiprocessing.get_context("fork")
    return context.Pool(count, initializer=warm_up)
