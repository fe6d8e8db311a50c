"""Whoosh analyzers for Vietnamese words (pickled into the index schema: keep importable).

The indexer hands each text field over *pre-segmented* (see ``encode_segmented``) so the
cached underthesea output is reused and nothing is segmented twice. Given plain NFC text
instead (a tool re-analysing stored text), the tokenizer segments it itself. Either way
tokens carry positions (phrase queries) and character offsets into the original NFC text
(highlights).
"""
from __future__ import annotations

from whoosh.analysis import Composable, Filter, Token, Tokenizer

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


def word_analyzer() -> Composable:
    """Analyzer of the exact-diacritic fields."""
    return VietnameseWordTokenizer()


def folded_analyzer() -> Composable:
    """Analyzer of the folded fields of indexes built before folding moved to query time:
    their pickled schema names it, so it must stay importable."""
    return VietnameseWordTokenizer() | DiacriticFoldFilter()
