"""Text normalisation shared by every extractor.

Vietnamese pages arrive in NFC, NFD (decomposed tone marks) or windows-1258 (which
decodes to base letter + combining mark), and are sprinkled with NBSP, zero-width
characters and irregular whitespace. Everything leaving the extraction layer goes
through :func:`normalize_text` so that equal text compares (and hashes) equal.
Curly quotes, dashes, ellipses and the source's own typos are kept as they are.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

# Removed outright: they are invisible and only break word matching.
ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH_CHARS}]")

# Folded to a plain space: NBSP and the other Unicode space separators, plus
# line/paragraph separators. `\s` already covers ASCII whitespace.
UNICODE_SPACES = "\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE_RUN_RE = re.compile(f"[\\s{UNICODE_SPACES}]+")

# A body stores paragraphs separated by one blank line.
PARAGRAPH_SEPARATOR = "\n\n"
_PARAGRAPH_SPLIT_RE = re.compile(r"\n[ \t\u00a0]*\n")


def normalize_text(s: str | None) -> str:
    """Return `s` in NFC with zero-width characters removed and whitespace collapsed."""
    if not s:
        return ""
    s = unicodedata.normalize("NFC", s)
    s = _ZERO_WIDTH_RE.sub("", s)
    s = _SPACE_RUN_RE.sub(" ", s)
    return s.strip()


def normalize_paragraphs(paragraphs: Iterable[str | None]) -> str:
    """Normalise each paragraph, drop the empty ones, join them with a blank line."""
    cleaned = (normalize_text(p) for p in paragraphs)
    return PARAGRAPH_SEPARATOR.join(p for p in cleaned if p)


def split_paragraphs(body: str | None) -> list[str]:
    """Split a stored body (or any multi-line text) back into normalised paragraphs."""
    if not body:
        return []
    parts = _PARAGRAPH_SPLIT_RE.split(body)
    return [p for p in (normalize_text(x) for x in parts) if p]


def normalize_body(body: str | None) -> str:
    """Normalise a body while keeping its paragraph breaks."""
    return normalize_paragraphs(split_paragraphs(body))

