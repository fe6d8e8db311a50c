"""Whoosh analyzers (pickled into the index schema: keep every class importable).

Index format 2 matches on syllables: ``syllable_analyzer`` reads the keys that
``indexer.documents`` computed, with a gap between runs (summary, then body) so that no phrase
spans them. The word analyzers below are those of format-1 indexes, still importable so that
an old index opens (and says that it needs ``unionnews index --rebuild``).

The indexer hands each text field over *pre-segmented* (see ``encode_segmented``) so the
cached underthesea output is reused and nothing is segmented twice. Given plain NFC text
instead (a tool re-analysing stored text), the tokenizer segments it itself. Either way
tokens carry positions (phrase queries) and character offsets into the original NFC text
(highlights).
"""
from __future__ import annotations

from collections import Counter

from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from indexer.text import fold, nfc, segment

# Marks a value as "words + offsets" rather than text; control characters never occur in
# stored NFC text (``text.nfc`` strips them), so there is no ambiguity.
SEGMENTED_MARK = "\x1eSEG\x1e"


def encode_segmented(words: str, offsets: list[int]) -> str:
    """The field value for pre-segmented words: ``words`` space-separated, flat offsets."""
    return f"{SEGMENTED_MARK}{words}\x1e{','.join(map(str, offsets))}"


def decode_segmented(value: str) -> list[tuple[str, int, int]]:
    words_part, _, offsets_part = value[len(SEGMENTED_MARK):].partition("\x1e")
    words = words_part.split()
    offsets = [int(x) for x in offsets_part.split(",")] if offsets_part else []
    return [(word, offsets[2 * i], offsets[2 * i + 1]) for i, word in enumerate(words)]


class VietnameseWordTokenizer(Tokenizer):
    """Yields one token per segmented word (``công_đoàn``), lowercase, with offsets."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        if value.startswith(SEGMENTED_MARK):
            words = decode_segmented(value)
        else:
            words = segment(nfc(value))
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, (word, start, end) in enumerate(words):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class DiacriticFoldFilter(Filter):
    """``công_đoàn`` → ``cong_doan``: the twin field that unaccented queries search."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


# Separates runs of consecutive positions in a syllable field's value (summary | body); keys
# are letters, digits and marks only. (Not a control character: str.split() eats \x1c-\x1f.)
RUN_BREAK = "|"


def encode_runs(runs: list[list[str]]) -> str:
    """A syllable field's value: each run's keys space-separated, runs apart by RUN_BREAK."""
    return f" {RUN_BREAK} ".join(" ".join(keys) for keys in runs)


class SyllableKeyTokenizer(Tokenizer):
    """One token per syllable key, positions counted per key, ``gap`` positions skipped at a
    run break (keys carry no offsets: snippets find their syllables in the stored text)."""

    def __init__(self, gap: int = 8):
        self.gap = gap

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.gap == self.gap

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for key in value.split():
            if key == RUN_BREAK:
                position += self.gap
                continue
            token.text = key
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = key
            if positions:
                token.pos = position
            if chars:
                token.startchar = token.endchar = start_char
            position += 1
            yield token


class SyllablePositions(Positions):
    """Whoosh's ``Positions`` format reading an ``encode_runs`` value in one pass: the keys are
    computed already, so building a Token per syllable (Whoosh's analyzer path) was a third of
    the indexing time. Postings are identical (the analyzer is kept for any other caller)."""

    def __init__(self, field_boost: float = 1.0, gap: int = 8, **options):
        super().__init__(field_boost=field_boost, **options)
        self.gap = gap

    def word_values(self, value, analyzer, **kwargs):
        positions: dict[str, list[int]] = {}
        position = 0
        for key in value.split():
            if key == RUN_BREAK:
                position += self.gap
                continue
            found = positions.get(key)
            if found is None:
                positions[key] = [position]
            else:
                found.append(position)
            position += 1
        boost = self.field_boost
        for key, found in positions.items():
            yield key, len(found), len(found) * boost, self.encode(found)


class WordFrequency(Frequency):
    """Whoosh's ``Frequency`` format over space-separated words, counted in one pass."""

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        for word, count in Counter(value.split()).items():
            yield word, count, count * boost, pack_uint(count)


def syllable_analyzer(gap: int = 8) -> Composable:
    """Analyzer of the syllable fields (``title``, ``text``) of format-2 indexes."""
    return SyllableKeyTokenizer(gap)


def word_analyzer() -> Composable:
    """Analyzer of the exact-diacritic fields."""
    return VietnameseWordTokenizer()


def folded_analyzer() -> Composable:
    """Analyzer of the folded fields of indexes built before folding moved to query time:
    their pickled schema names it, so it must stay importable."""
    return VietnameseWordTokenizer() | DiacriticFoldFilter()
