"""An ``indexer.syntax`` query evaluated over a Whoosh index with numpy arrays, one slot per document.

* an exact syllable matches its key; a plain one every key folding to it (``cong`` → công,
  cống, cộng…), looked up in each segment's vocabulary, so the index holds only the keys;
* a phrase is consecutive positions of its syllables (each exact or folded), within one field
  (the summary and the body are apart by a gap); it scores like Lucene's PhraseQuery (BM25 of
  the phrase frequency with the sum of its syllables' IDFs);
* AND sums its children's scores and intersects their masks, OR unions, NOT complements;
* BM25F as Whoosh computes it (``K1`` 1.2, ``B`` 0.75, Whoosh's IDF and its one-byte field
  lengths), title fields boosted; then, for ranking, the query's words in the ``words`` field
  (``WORDS_WEIGHT``) and each run of syllables typed side by side scored as a phrase
  (``RUN_BOOST``) over the best ``RANKED_CANDIDATES`` matches (phrases of common syllables are
  the expensive class: restricting them to the candidates bounds their cost);
* ties break by document order (the stable key). Totals, facets and the histogram are exact counts.

Why: Whoosh's matchers cost ~5 µs a posting in Python, so a syllable found in 88% of 100k
articles took ~450 ms; decoding its blocks and scoring arrays costs ~1 µs a posting, and its
hot arrays (``whoosh_hot_postings``) cost microseconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from math import log

import numpy as np
from whoosh.util.times import datetime_to_long

from indexer.engines import RANKED_CANDIDATES, RUN_BOOST, WORDS_WEIGHT
from indexer.engines.whoosh_postings import segment_columns
from indexer.syntax import All, Not, Node, ParsedQuery, Phrase, Syllable

K1, B = 1.2, 0.75
WORDS_FIELD = "words"
UNDATED = np.iinfo(np.int64).min  # sorts last under "newest"


@dataclass
class Match:
    """Documents a node matches (``mask``) and their scores (0 outside the mask)."""

    mask: np.ndarray
    score: np.ndarray


class VectorSearcher:
    """Arrays of one Whoosh searcher's point-in-time view of the index."""

    def __init__(self, searcher, index_path: str, fields: tuple[str, ...], boosts: dict[str, float]):
        self._searcher = searcher
        self._fields = fields
        self._reader = searcher.reader()
        self._leaves = self._reader.leaf_readers()
        self._columns = [segment_columns(index_path, leaf) for leaf, _ in self._leaves]
        self._sizes = [leaf.doc_count_all() for leaf, _ in self._leaves]
        self.size = sum(self._sizes)
        self._boosts = boosts
        self._concat: dict[str, object] = {}
        live = np.ones(self.size, dtype=bool)
        for leaf, offset in self._leaves:
            if leaf.has_deletions():
                live[[offset + docnum for docnum in leaf.deleted_docs_set]] = False
        self.live = live

    # -- arrays over all segments ------------------------------------------------------

    def _joined(self, key: str, part):
        if key not in self._concat:
            pieces = [part(columns, leaf) for columns, (leaf, _) in zip(self._columns, self._leaves)]
            self._concat[key] = np.concatenate(pieces) if pieces else np.empty(0)
        return self._concat[key]

    def lengths(self, field: str) -> np.ndarray:
        return self._joined("len:" + field, lambda columns, leaf: columns.lengths(leaf, field))

    def labels(self, field: str) -> tuple[np.ndarray, list[str]]:
        """(global code per document, labels) of a sortable ID column."""
        key = "lab:" + field
        if key not in self._concat:
            per_segment = [columns.labels(leaf, field) for columns, (leaf, _) in zip(self._columns, self._leaves)]
            labels = sorted({label for _, segment_labels in per_segment for label in segment_labels})
            position = {label: code for code, label in enumerate(labels)}
            codes = [np.asarray([position[label] for label in segment_labels], dtype=np.int32)[segment_codes]
                     if segment_labels else segment_codes for segment_codes, segment_labels in per_segment]
            self._concat[key] = (np.concatenate(codes) if codes else np.empty(0, np.int32), labels)
        return self._concat[key]

    def published(self) -> np.ndarray:
        return self._joined("published", lambda columns, leaf: columns.numbers(leaf, "published_at", UNDATED))

    def term_docs(self, field: str, text: str) -> np.ndarray:
        """Global ids of the documents containing a term (deleted ones included)."""
        ids = [offset + columns.term(leaf, field, text).ids
               for columns, (leaf, offset) in zip(self._columns, self._leaves)]
        return np.concatenate(ids) if ids else np.empty(0, np.int64)

    # -- scoring -------------------------------------------------------------------------

    def _postings(self, field: str, text: str, folded: bool, with_values: bool = False) -> list:
        """(offset, postings) per segment; ``folded``: every exact form folding to ``text``."""
        return [(offset, columns.folded_term(leaf, field, text, with_values) if folded
                 else columns.term(leaf, field, text, with_values))
                for columns, (leaf, offset) in zip(self._columns, self._leaves)]

    def _idf(self, per_segment: list) -> float:
        # Whoosh's IDF; document frequency counts deleted documents too, as Whoosh does
        frequency = sum(len(postings.ids) for _, postings in per_segment)
        return log(self._reader.doc_count_all() / (frequency + 1)) + 1

    def _bm25(self, field: str, ids: np.ndarray, freqs: np.ndarray, idf: float) -> np.ndarray:
        average = self._searcher.avg_field_length(field) or 1.0
        lengths = self.lengths(field)[ids]
        norm = K1 * ((1 - B) + B * lengths / average)
        return self._boosts.get(field, 1.0) * idf * (freqs * (K1 + 1)) / (freqs + norm)

    def _empty(self) -> Match:
        return Match(np.zeros(self.size, dtype=bool), np.zeros(self.size))

    def _syllable_postings(self, field: str, syllable: Syllable, with_values: bool = False) -> list:
        if syllable.exact:
            return self._postings(field, syllable.key, folded=False, with_values=with_values)
        return self._postings(field, syllable.folded, folded=True, with_values=with_values)

    def syllable(self, syllable: Syllable) -> Match:
        result = self._empty()
        for field in self._fields:
            per_segment = self._syllable_postings(field, syllable)
            idf = self._idf(per_segment)
            for offset, postings in per_segment:
                if len(postings.ids):
                    ids = postings.ids + offset
                    result.mask[ids] = True
                    result.score[ids] += self._bm25(field, ids, postings.freqs, idf)
        return result

    def phrase(self, syllables: tuple[Syllable, ...], within: np.ndarray | None = None) -> Match:
        """Documents holding the syllables consecutively (among ``within`` when given)."""
        result = self._empty()
        for field in self._fields:
            per_syllable = [self._syllable_postings(field, s, with_values=True) for s in syllables]
            if any(not any(len(p.ids) for _, p in segments) for segments in per_syllable):
                continue
            idf = sum(self._idf(segments) for segments in per_syllable)
            for index, (offset, first) in enumerate(per_syllable[0]):
                restrict = None if within is None else np.nonzero(within[offset:offset + self._sizes[index]])[0]
                docs, frequencies = _phrase_in_segment([segments[index][1] for segments in per_syllable], restrict)
                if len(docs):
                    ids = docs + offset
                    result.mask[ids] = True
                    result.score[ids] += self._bm25(field, ids, frequencies.astype(np.float32), idf)
        return result

    def words(self, words: list[str], within: np.ndarray) -> np.ndarray:
        """The ranking score of the query's folded words in the ``words`` field, on ``within``."""
        score = np.zeros(self.size)
        for word in words:
            per_segment = self._postings(WORDS_FIELD, word, folded=False)
            idf = self._idf(per_segment)
            for offset, postings in per_segment:
                ids = postings.ids + offset
                chosen = within[ids]
                if chosen.any():
                    score[ids[chosen]] += self._bm25(WORDS_FIELD, ids[chosen], postings.freqs[chosen], idf)
        return score

    # -- query tree ----------------------------------------------------------------------

    def node(self, node: Node) -> Match:
        if isinstance(node, Syllable):
            return self.syllable(node)
        if isinstance(node, Phrase):
            return self.phrase(node.syllables)
        if isinstance(node, Not):
            inner = self.node(node.child)
            return Match(~inner.mask, np.zeros(self.size))
        parts = [self.node(child) for child in node.children]
        combine = np.logical_and if isinstance(node, All) else np.logical_or
        mask = reduce(combine, [part.mask for part in parts])
        return Match(mask, sum((part.score for part in parts), np.zeros(self.size)))

    def evaluate(self, parsed: ParsedQuery, words: list[str], keep: np.ndarray, rank: bool = True) -> Match:
        """The query's matching set within ``keep``, scored for ranking when ``rank``."""
        match = self.node(parsed.root)
        match.mask &= keep
        if rank and match.mask.any() and (words or parsed.runs):
            if words:
                match.score += WORDS_WEIGHT * self.words(words, match.mask)
            candidates = match.mask
            if int(match.mask.sum()) > RANKED_CANDIDATES:
                best = np.argpartition(np.where(match.mask, match.score, -np.inf), -RANKED_CANDIDATES)
                candidates = np.zeros(self.size, dtype=bool)
                candidates[best[-RANKED_CANDIDATES:]] = True
            for run in parsed.runs:
                match.score += RUN_BOOST * self.phrase(run, candidates).score
        match.score[~match.mask] = 0.0
        return match

    # -- filters -------------------------------------------------------------------------

    def label_mask(self, field: str, wanted) -> np.ndarray:
        codes, labels = self.labels(field)
        allowed = np.isin(np.asarray(labels, dtype=object), list(wanted)) if labels else np.zeros(0, bool)
        return allowed[codes] if len(labels) else np.zeros(self.size, dtype=bool)

    def date_mask(self, since: str | None, until: str | None) -> np.ndarray:
        published = self.published()
        mask = published != UNDATED
        if since:
            mask &= published >= datetime_to_long(datetime.fromisoformat(since))
        if until:
            end = datetime.fromisoformat(until).replace(hour=23, minute=59, second=59)
            mask &= published <= datetime_to_long(end)
        return mask

    def filter_mask(self, sites=(), provinces=(), since=None, until=None) -> np.ndarray | None:
        masks = []
        if sites:
            masks.append(self.label_mask("site", sites))
        if provinces:
            masks.append(self.label_mask("province", provinces))
        if since or until:
            masks.append(self.date_mask(since, until))
        return reduce(np.logical_and, masks) if masks else None

    # -- results -------------------------------------------------------------------------

    def ranked(self, match: Match, sort: str, count: int | None) -> np.ndarray:
        """Matching doc ids in result order, the first ``count`` (all when None)."""
        ids = np.nonzero(match.mask)[0]
        if not len(ids):
            return ids
        key = match.score[ids] if sort != "newest" else self.published()[ids].astype(np.float64)
        if count is not None and count < len(ids):
            threshold = np.partition(key, len(ids) - count)[len(ids) - count]
            keep = key >= threshold  # everything tied at the boundary, for a stable order
            ids, key = ids[keep], key[keep]
        order = np.lexsort((ids, -key))
        return ids[order][:count] if count is not None else ids[order]

    def counts(self, field: str, mask: np.ndarray) -> dict[str, int]:
        codes, labels = self.labels(field)
        tally = np.bincount(codes[mask], minlength=len(labels))
        ordered = sorted(((labels[c], int(n)) for c, n in enumerate(tally) if n and labels[c]),
                         key=lambda pair: -pair[1])
        return dict(ordered)

    def article_ids(self, docnums: np.ndarray) -> list[int]:
        codes, labels = self.labels("aid")
        as_numbers = np.asarray([int(label) if label else -1 for label in labels], dtype=np.int64)
        return as_numbers[codes[docnums]].tolist()


def _ascending(keys: np.ndarray) -> np.ndarray:
    """``keys`` sorted (a plain syllable's postings merge several keys' and may not be)."""
    # "stable" is timsort here, which merges the already sorted runs of each key's postings
    return keys if len(keys) < 2 or (keys[1:] > keys[:-1]).all() else np.sort(keys, kind="stable")


def _intersect_sorted(kept: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The values of ``kept`` (sorted, unique) that are in ``keys`` (unique): a binary search
    of each in ``keys`` once sorted, cheaper than ``np.intersect1d``'s sort of both."""
    if not len(kept) or not len(keys):
        return kept[:0]
    keys = _ascending(keys)
    found = np.searchsorted(keys, kept)
    found[found == len(keys)] = len(keys) - 1
    return kept[keys[found] == kept]


def _phrase_in_segment(postings: list, restrict: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(local doc ids, phrase frequency) of consecutive syllables (their postings) in a segment,
    among the local ids ``restrict`` when given."""
    candidates = reduce(_intersect_sorted, sorted((_ascending(p.ids) for p in postings), key=len))
    if restrict is not None:
        candidates = _intersect_sorted(candidates, restrict)
    if not len(candidates):
        return candidates, candidates
    # a phrase occurrence is a start position where word i sits at start + i, for every i;
    # (doc, start) pairs are packed into one integer so numpy intersects them directly
    starts = None
    for index, term in enumerate(postings):
        docs, positions = term.positions(candidates)
        keys = (docs << 32) + (positions - index)
        # unique: one syllable per position, so no (doc, position) twice (np.unique would be
        # ~80% of a common phrase's time)
        starts = _ascending(keys) if starts is None else _intersect_sorted(starts, keys)
        if not len(starts):
            return starts, starts
    docs = starts >> 32  # ascending: count each run of one document
    first = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    return docs[first], np.diff(np.append(first, len(docs)))
