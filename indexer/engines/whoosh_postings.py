"""Whoosh's postings and columns as numpy arrays, for the vectorised query path.

Whoosh's own matchers walk postings one document at a time in Python: ~5 µs a posting once
BM25 needs each document's field length. A common word at 100k articles has ~90k postings
per field, hence half a second a query. Here a term's posting blocks are decoded whole
(ids, frequencies, and positions only for the documents a phrase needs) and columns
(field lengths, site, province, month, publication time) are read once per segment, so
``indexer.engines.whoosh_vector`` can score and filter whole arrays at once, the way Lucene's
BooleanScorer scores windows of documents into arrays.

Whoosh's block layout and column bytes are read by ``indexer.engines.whoosh_internals`` (the
only module touching Whoosh's private structures); any posting list it does not recognise is
read through the public matcher API.
Segments never change once written (deletions are kept apart), so per-segment arrays are
cached for the life of the process, keyed by segment id.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from itertools import chain
from pathlib import Path

import numpy as np

from indexer.engines import whoosh_hot_postings, whoosh_internals
from indexer.text import fold

_CACHE_LIMIT = 256  # segments' column arrays kept per process


class TermPostings:
    """One term's postings in one segment: sorted local ids, frequencies, raw values."""

    __slots__ = ("ids", "freqs", "_values")

    def __init__(self, ids: np.ndarray, freqs: np.ndarray, values: list | None):
        self.ids, self.freqs, self._values = ids, freqs, values

    def positions(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(local doc id per position, position) for the postings of ``wanted`` docs."""
        if self._values is None or not len(wanted):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        if wanted is self.ids:  # all of them (writing hot postings)
            rows = np.arange(len(self.ids))
        else:
            rows = whoosh_hot_postings.member_rows(self.ids, wanted)
        # one pickle per posting is unavoidable; everything else is done for all at once
        # (numpy calls per posting cost more than the unpickling)
        deltas = whoosh_internals.position_deltas(map(self._values.__getitem__, rows.tolist()))
        lengths = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
        total = int(lengths.sum())
        if not total:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        running = np.cumsum(np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=total))
        first = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        before = np.concatenate(([0], running))[first]  # running sum before each posting
        return np.repeat(self.ids[rows], lengths), running - np.repeat(before, lengths)


EMPTY = TermPostings(np.empty(0, np.int64), np.empty(0, np.float32), [])


class MergedPostings(TermPostings):
    """Several terms' postings as one (the exact forms of a folded word): per document the
    frequencies add up, and positions come from every term."""

    __slots__ = ("_parts",)

    def __init__(self, parts: list[TermPostings]):
        # each part's ids are sorted: a stable (timsort) argsort merges the runs, ~10x quicker
        # than np.unique's quicksort on a common syllable's forms
        all_ids = np.concatenate([p.ids for p in parts])
        order = np.argsort(all_ids, kind="stable")
        sorted_ids = all_ids[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
        ids = sorted_ids[starts]
        freqs = np.add.reduceat(np.concatenate([p.freqs for p in parts])[order], starts).astype(np.float32) \
            if len(starts) else np.empty(0, np.float32)
        super().__init__(ids, freqs, None)
        self._parts = parts

    def positions(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pieces = [part.positions(wanted) for part in self._parts]
        return np.concatenate([d for d, _ in pieces]), np.concatenate([p for _, p in pieces])


class HotTermPostings(TermPostings):
    """A frequent term's postings, memory-mapped from its segment's hot arrays."""

    __slots__ = ("_hot", "_term")

    def __init__(self, hot: whoosh_hot_postings.HotTerms, term: str):
        ids, freqs = hot.postings(term)
        super().__init__(ids, freqs, None)
        self._hot, self._term = hot, term

    def positions(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._hot.positions(self._term, wanted)


def read_term(leaf, field: str, text: str, with_values: bool = False, known: bool = False) -> TermPostings:
    """All postings of ``text`` in ``field`` of one segment (deleted documents included).

    Frequencies are occurrence counts: Whoosh stores them multiplied by the field's boost,
    which is applied to the score instead (as tantivy does). ``known``: the caller took the
    term from the segment's lexicon, so the lookup is skipped."""
    try:
        if not known and (field, text) not in leaf:
            return EMPTY
        posting_format = leaf.schema[field].format
        raw = whoosh_internals.term_matcher(leaf, field, text, posting_format)
    except KeyError:
        return EMPTY
    postings = _read_blocks(raw, with_values)
    boost = getattr(posting_format, "field_boost", 1.0) or 1.0
    if boost != 1.0 and len(postings.ids):
        postings.freqs = np.round(postings.freqs / boost)
    return postings


def _read_blocks(raw, with_values: bool) -> TermPostings:
    blocks = whoosh_internals.read_blocks(raw, with_values)
    if blocks is None:
        return _read_generic(raw, with_values)
    ids, freqs, values = blocks
    if not ids:
        return EMPTY
    return TermPostings(np.concatenate(ids), np.concatenate(freqs), values)


def _read_generic(matcher, with_values: bool) -> TermPostings:
    ids, freqs, values = [], [], [] if with_values else None
    while matcher.is_active():
        ids.append(matcher.id())
        freqs.append(matcher.weight())
        if with_values:
            values.append(matcher.value())
        matcher.next()
    return TermPostings(np.asarray(ids, np.int64), np.asarray(freqs, np.float32), values)


# -- per-segment columns ------------------------------------------------------------------

class SegmentColumns:
    """Arrays of one immutable segment: field lengths and the columns search reads."""

    def __init__(self, index_dir: Path, leaf):
        self._index_dir = index_dir
        self._segment_id = leaf.segment().segment_id()
        self.size = leaf.doc_count_all()
        self._arrays: dict[str, object] = {}
        self._hot: dict[str, whoosh_hot_postings.HotTerms] = {}
        self._lock = threading.Lock()

    def look_for_hot_postings(self) -> None:
        """Picks up hot arrays written since (the indexer writes them after committing)."""
        for field in whoosh_hot_postings.FIELDS:
            if field not in self._hot:
                table = whoosh_hot_postings.load(self._index_dir, self._segment_id, field)
                if table is not None:
                    with self._lock:
                        self._hot[field] = table

    # Readers are per thread (Whoosh's seek-then-read is not thread-safe): every method
    # reads through the ``leaf`` of the caller's own searcher.

    def term(self, leaf, field: str, text: str, with_values: bool = False) -> TermPostings:
        hot = self._hot.get(field)
        if hot is not None:
            if text in hot:
                return HotTermPostings(hot, text)
            if hot.complete:
                return EMPTY
        return read_term(leaf, field, text, with_values)

    def _cached(self, key: str, build):
        with self._lock:
            if key not in self._arrays:
                self._arrays[key] = build()
            return self._arrays[key]

    def folded_variants(self, leaf, field: str) -> dict[str, list[str]]:
        """Folded word → the segment's words that fold to it (``cong_doan`` → ``công_đoàn``…)."""
        hot = self._hot.get(field)
        if hot is not None and hot.variants is not None:
            return hot.variants

        def build():
            variants: dict[str, list[str]] = {}
            if field in leaf.schema:
                for term in leaf.lexicon(field):
                    word = term.decode("utf-8")
                    variants.setdefault(fold(word), []).append(word)
            return variants
        return self._cached("fold:" + field, build)

    def folded_term(self, leaf, field: str, folded: str, with_values: bool = False) -> TermPostings:
        words = self.folded_variants(leaf, field).get(folded, ())
        parts = [self.term(leaf, field, word, with_values) for word in words]
        parts = [part for part in parts if len(part.ids)]
        if not parts:
            return EMPTY
        return parts[0] if len(parts) == 1 else MergedPostings(parts)

    def lengths(self, leaf, field: str) -> np.ndarray:
        return self._cached("len:" + field, lambda: whoosh_internals.field_lengths(leaf, field, self.size))

    def labels(self, leaf, field: str) -> tuple[np.ndarray, list[str]]:
        """(code per document, label per code) of a sortable ID column; "" when missing."""
        def build():
            values = list(leaf.column_reader(field)) if leaf.has_column(field) else []
            values += [""] * (self.size - len(values))
            labels, codes = np.unique(np.asarray(values, dtype=object), return_inverse=True)
            return codes.astype(np.int32), [str(label) for label in labels]
        return self._cached("lab:" + field, build)

    def numbers(self, leaf, field: str, missing: int) -> np.ndarray:
        """A numeric column (dates as Whoosh ticks) with ``missing`` for absent values."""
        def build():
            if not leaf.has_column(field):
                return np.full(self.size, missing, dtype=np.int64)
            reader = leaf.column_reader(field, translate=False)
            return whoosh_internals.numeric_column(reader, self.size, missing)
        return self._cached("num:" + field, build)


_segments: OrderedDict[tuple, SegmentColumns] = OrderedDict()
_segments_lock = threading.Lock()


def segment_columns(index_dir: str, leaf) -> SegmentColumns:
    """The process-wide arrays of a segment (segments are immutable once written)."""
    key = (index_dir, leaf.segment().segment_id(), leaf.doc_count_all())
    with _segments_lock:
        columns = _segments.get(key)
        if columns is None:
            columns = _segments[key] = SegmentColumns(Path(index_dir), leaf)
        _segments.move_to_end(key)
        while len(_segments) > _CACHE_LIMIT:
            _segments.popitem(last=False)
    columns.look_for_hot_postings()
    return columns
