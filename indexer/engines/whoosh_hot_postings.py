"""Frequent terms' postings kept as plain numpy arrays beside each Whoosh segment.

Decoding a Whoosh posting block (zlib, then pickle, then one pickle per posting for the
positions) costs ~1 µs a posting, so a word found in 88% of 100k articles costs ~90 ms a
field before any scoring. Frequent terms are few but hold most postings, so after each
commit the indexer writes, for every term found in at least ``hot_threshold`` documents of a
segment, its ids, frequencies and positions as ``.npy`` arrays that searches memory-map:
reading them costs microseconds.

Files are named after their segment (``articles_<id>.hot_<field>.*``), so Whoosh deletes
them with the segment when a merge retires it. The term table (``.json``) is written last,
after the arrays, each through a temporary name and a rename: a killed writer leaves either
nothing or a complete set, and a segment without one is simply read from Whoosh's blocks
(and gets its arrays at the next ``unionnews index``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from indexer.text import fold

HOT_FRACTION = 0.01  # a term is "hot" in a segment when in >= 1% of its documents...
HOT_MIN_DOCS = 256  # ...and in at least this many (rarer terms decode in < 1 ms)
# A small segment (each commit of an incremental run leaves one of 500 articles, and Whoosh
# lets a dozen or more pile up before merging them) has every term hot: a query looks up
# each of its words and their variants in every segment, and Whoosh's lexicon and blocks
# cost ~0.1 ms a lookup. Its table is then complete: a term not in it is not in the segment.
ALL_TERMS_MAX_DOCS = 5_000
FIELDS = ("title", "text", "words")  # words: ranking only, frequencies without positions


def hot_threshold(segment_docs: int) -> int:
    if segment_docs <= ALL_TERMS_MAX_DOCS:
        return 1
    return max(HOT_MIN_DOCS, int(segment_docs * HOT_FRACTION))


def _paths(index_dir: Path, segment_id: str, field: str) -> dict[str, Path]:
    stem = f"{segment_id}.hot_{field}"
    return {name: index_dir / f"{stem}.{name}" for name in ("ids.npy", "freqs.npy", "pos.npy", "json")}


class HotTerms:
    """The memory-mapped hot postings of one field of one segment."""

    def __init__(self, paths: dict[str, Path]):
        table = json.loads(paths["json"].read_text(encoding="utf-8"))
        self._terms = table["terms"]  # term -> [first posting, end posting, first position]
        # folded word -> the segment's words folding to it (all words, not only hot ones):
        # reading the vocabulary from Whoosh's lexicon took ~150 ms a segment
        self.variants: dict[str, list[str]] | None = table.get("variants")
        self.complete: bool = bool(table.get("complete"))  # every term of the segment is here
        self._ids = np.load(paths["ids.npy"], mmap_mode="r")
        self._freqs = np.load(paths["freqs.npy"], mmap_mode="r")
        self._positions = np.load(paths["pos.npy"], mmap_mode="r")

    def __contains__(self, term: str) -> bool:
        return term in self._terms

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        first, end, _ = self._terms[term]
        return np.asarray(self._ids[first:end], dtype=np.int64), np.asarray(self._freqs[first:end], np.float32)

    def positions(self, term: str, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(doc id per position, position) for the postings of ``wanted`` docs."""
        first, end, position_start = self._terms[term]
        ids = np.asarray(self._ids[first:end], dtype=np.int64)
        counts = np.asarray(self._freqs[first:end], dtype=np.int64)
        starts = position_start + np.concatenate(([0], np.cumsum(counts)[:-1]))
        rows = member_rows(ids, wanted)
        lengths = counts[rows]
        total = int(lengths.sum())
        if not total:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        # positions of the chosen postings, gathered without a Python loop
        shifts = np.repeat(starts[rows] - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        gathered = np.asarray(self._positions[shifts + np.arange(total)], dtype=np.int64)
        return np.repeat(ids[rows], lengths), gathered


def member_rows(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Indexes into ``ids`` (ascending, unique) of the values in ``wanted`` (ascending,
    unique): a binary search of each id, cheaper than ``np.isin``'s sort of both."""
    if not len(ids) or not len(wanted):
        return np.empty(0, np.int64)
    found = np.searchsorted(wanted, ids)
    found[found == len(wanted)] = len(wanted) - 1
    return np.flatnonzero(wanted[found] == ids)


def load(index_dir: Path, segment_id: str, field: str) -> HotTerms | None:
    paths = _paths(index_dir, segment_id, field)
    if not paths["json"].exists():
        return None
    try:
        return HotTerms(paths)
    except (OSError, ValueError, KeyError):
        return None  # unreadable: the segment's blocks still answer


def write_segment_field(index_dir: Path, leaf, field: str) -> int:
    """Writes one field's hot postings for one segment; returns the number of hot terms."""
    from indexer.engines.whoosh_postings import read_term

    segment_id = leaf.segment().segment_id()
    threshold = hot_threshold(leaf.doc_count_all())
    terms, ids, freqs, positions = {}, [], [], []
    variants: dict[str, list[str]] = {}
    posting_count = position_count = 0
    complete = True
    positional = field in leaf.schema and leaf.schema[field].format.supports("positions")
    if field in leaf.schema and leaf.schema[field].scorable:
        for term_bytes, info in leaf.iter_field(field):
            term = term_bytes.decode("utf-8")
            variants.setdefault(fold(term), []).append(term)
            if info.doc_frequency() < threshold:
                continue
            postings = read_term(leaf, field, term, with_values=positional, known=True)
            if not positional:
                term_positions = np.empty(0, np.int64)  # a field without positions: ids and freqs only
            else:
                docs, term_positions = postings.positions(postings.ids)
            if positional and len(term_positions) != int(postings.freqs.sum()):
                complete = False
                continue  # positions unlike frequencies (no positions stored): leave it to Whoosh
            terms[term] = [posting_count, posting_count + len(postings.ids), position_count]
            ids.append(postings.ids.astype(np.uint32))
            freqs.append(postings.freqs.astype(np.uint32))
            positions.append(term_positions.astype(np.uint32))
            posting_count += len(postings.ids)
            position_count += len(term_positions)
    paths = _paths(index_dir, segment_id, field)
    arrays = {"ids.npy": ids, "freqs.npy": freqs, "pos.npy": positions}
    for name, parts in arrays.items():
        temporary = paths[name].with_name(paths[name].name + ".tmp")
        with open(temporary, "wb") as handle:
            np.save(handle, np.concatenate(parts) if parts else np.empty(0, np.uint32))
        os.replace(temporary, paths[name])
    temporary = paths["json"].with_name(paths["json"].name + ".tmp")
    temporary.write_text(json.dumps({"threshold": threshold, "complete": complete and threshold <= 1,
                                     "terms": terms, "variants": variants},
                                    ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, paths["json"])
    return len(terms)


def _needs_writing(table: Path, segment_docs: int) -> bool:
    """No table yet, or a small segment's table from before they kept every term (or an
    unreadable one: small tables are cheap to write again)."""
    if not table.exists():
        return True
    if segment_docs > ALL_TERMS_MAX_DOCS:
        return False
    try:
        return json.loads(table.read_text(encoding="utf-8")).get("threshold") != hot_threshold(segment_docs)
    except (OSError, ValueError, AttributeError):
        return True


def missing(index_dir: Path, leaves) -> list[tuple[object, str]]:
    """(segment reader, field) pairs whose hot postings are not written yet."""
    return [(leaf, field) for leaf, _ in leaves for field in FIELDS
            if _needs_writing(_paths(index_dir, leaf.segment().segment_id(), field)["json"], leaf.doc_count_all())]
