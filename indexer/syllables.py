"""Syllables: the unit of matching (README, "Searching Vietnamese").

Vietnamese writes one syllable per space-separated token, so a syllable is what a researcher
can copy out of an article and expect to find. Here a syllable is a maximal run of letters and
digits after NFC: ``Covid-19`` holds ``covid`` and ``19``, ``4.0`` holds ``4`` and ``0``,
``LĐLĐ`` is one syllable. Two forms of each are indexed and compared:

* the **key** (:func:`syllable_key`): lowercase, with the tone mark (sắc, huyền, hỏi, ngã,
  nặng — the five marks that sit on a vowel) moved to the end of the syllable, so that the two
  spellings of the same syllable in use compare equal: ``hoà`` (new-style placement) and
  ``hòa`` (old-style) both become ``hoà``; ``thuý`` and ``thúy`` both ``thuý``. The letter
  marks (â ă ê ô ơ ư đ) stay where they are: they make other letters, not other spellings.
* the **folded** form (:func:`fold_syllable`): no marks at all, ``đ`` → ``d``.

A syllable typed with any mark matches only syllables with the same key; one typed in plain
ASCII matches every syllable that folds to it.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterator

# Letters and digits (not "_", which \w includes). After NFC Vietnamese marks sit inside their
# letters; a mark NFC cannot compose (rare letters, stray NFD input) stays in its syllable.
SYLLABLE_PATTERN = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")
# The five Vietnamese tone marks as combining characters (NFD): huyền, sắc, ngã, hỏi, nặng.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Old Vietnamese fonts and some keyboards type the tone with its own spacing or Greek-accent
# code points; NFC maps U+0340/U+0341 (and U+0343) onto the ordinary marks already.


@functools.lru_cache(maxsize=300_000)
def syllable_key(syllable: str) -> str:
    """The matching key of one syllable: lowercase NFC, tone mark (if any) at the end."""
    lowered = syllable.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    tones = [char for char in decomposed if char in TONE_MARKS]
    if not tones:
        return unicodedata.normalize("NFC", lowered)
    letters = "".join(char for char in decomposed if char not in TONE_MARKS)
    # one tone per syllable; a doubled mark (a typing slip) keeps the last one typed
    return unicodedata.normalize("NFC", letters + tones[-1])


@functools.lru_cache(maxsize=300_000)
def fold_syllable(syllable: str) -> str:
    """The unaccented form: ``Đoàn`` → ``doan``, ``LĐLĐ`` → ``ldld``."""
    lowered = syllable.lower()
    if lowered.isascii():
        return lowered
    stripped = "".join(char for char in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(char))
    return stripped.replace("đ", "d")


def is_plain(syllable: str) -> bool:
    """True when the syllable was typed without any mark (it then matches every fold)."""
    return syllable.isascii()


def iter_syllables(text: str) -> Iterator[tuple[str, int, int]]:
    """``(syllable as written, start, end)`` over NFC ``text``; offsets index that text."""
    for match in SYLLABLE_PATTERN.finditer(text):
        yield match.group(), match.start(), match.end()


def syllable_keys(text: str) -> list[str]:
    """The keys of every syllable of ``text`` (normalised to NFC first), in order."""
    return [syllable_key(syllable) for syllable, _, _ in iter_syllables(unicodedata.normalize("NFC", text or ""))]
