"""The Whoosh engine (the default): ``WhooshEngine``, ``WhooshWriter``, ``WhooshSearcher``,
implementing the interface of ``indexer.engines``.

Everything Whoosh-specific lives here and in the ``whoosh_*`` modules beside it: the schema,
turning an article plus its cached segmentation into a document (``indexer.documents``),
writing, and running an engine-neutral ``ParsedQuery`` (``indexer.syntax``) with filters,
sorting, facets and a monthly histogram. The analyzers the schema names stay in
``indexer.analysis``: the schema is pickled into every index under that module path.

Schema (index format 2): ``title`` and ``text`` (summary, a gap, body) hold syllable keys with
positions, the matching unit; only exact keys are indexed, and an unaccented query syllable
matches every key folding to it, found in each segment's vocabulary. ``words`` holds the
article's folded multi-syllable words with frequencies, for ranking only.

Design notes (from measurements on 100k articles): Whoosh's matchers walk postings one at a
time in Python (~5 µs a posting), and a common syllable ("người", "công") is in most
articles, so queries run over its postings with numpy (``indexer.engines.whoosh_vector``,
over ``whoosh_postings`` and ``whoosh_hot_postings``; the only code reading Whoosh's private
structures is ``whoosh_internals``), which also makes totals and facets exact counts;
character vectors are not stored (build speed) and ``optimize()`` is never called.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import scoring
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from indexer.analysis import SyllablePositions, WordFrequency, encode_runs, syllable_analyzer
from indexer.documents import FIELD_GAP, INDEX_FORMAT, ranking_words, syllable_fields
from indexer.engines import TITLE_BOOST, RawHit, RawResult, parse_published
from indexer.engines import whoosh_hot_postings, whoosh_internals
from indexer.engines.whoosh_vector import Match, VectorSearcher
from indexer.syntax import ParsedQuery

INDEX_NAME = "articles"
FIELDS = ("title", "text")
BOOSTS = {"title": TITLE_BOOST}


def make_schema() -> Schema:
    schema = _fields()
    # the syllable and word fields read their precomputed values in one pass (same postings)
    for name in FIELDS:
        field = schema[name]
        field.format = SyllablePositions(field_boost=field.format.field_boost, gap=FIELD_GAP)
    schema["words"].format = WordFrequency(field_boost=1.0)
    return schema


def _fields() -> Schema:
    return Schema(
        aid=ID(stored=True, unique=True, sortable=True),
        url=ID(stored=True, unique=True),
        title=TEXT(analyzer=syllable_analyzer(FIELD_GAP), phrase=True, field_boost=TITLE_BOOST),
        text=TEXT(analyzer=syllable_analyzer(FIELD_GAP), phrase=True),
        words=KEYWORD(scorable=True),
        site=ID(stored=True, sortable=True),
        province=ID(stored=True, sortable=True),
        author=ID(stored=True),
        tags=KEYWORD(stored=True, commas=True, scorable=False),
        published_at=DATETIME(sortable=True),
        month=ID(sortable=True),
        shown=STORED(),  # title and published_at as the store has them, for hit display
        duplicate_of=ID(stored=True),
        is_copy=ID(),
    )


def article_document(article: dict, segmentation: dict) -> dict:
    """The index document of one article: its syllables (from the text) and words (from the
    cached segmentation)."""
    syllables = syllable_fields(article)
    published = parse_published(article.get("published_at"))
    document = {
        "aid": str(article["id"]),
        "url": article["url"],
        "title": encode_runs(syllables["title"]),
        "text": encode_runs(syllables["text"]),
        "words": " ".join(ranking_words(segmentation)),
        "site": article.get("site") or "",
        "province": article.get("province") or "",
        "tags": ",".join(t.replace(",", " ") for t in article.get("tags") or []),
        "shown": {"title": article.get("title") or "", "published_at": article.get("published_at") or ""},
        "is_copy": "1" if article.get("duplicate_of") else "0",
    }
    if article.get("duplicate_of"):
        document["duplicate_of"] = str(article["duplicate_of"])
    if article.get("author"):
        document["author"] = article["author"]
    if published:
        document["published_at"] = published
        document["month"] = published.strftime("%Y-%m")
    return document


BULK_WRITER_PROCESSES = int(os.environ.get("UNIONNEWS_INDEX_PROCESSES", "2"))
PARALLEL_HOT_DOCS = 20_000  # fewer documents to scan: one process beats starting others


class WhooshWriter:
    """Adds, replaces and deletes documents; nothing is visible before ``commit``."""

    def __init__(self, ix, bulk: bool = False):
        # a bulk load into a fresh index skips the unique-key lookups of update_document, and
        # uses one sub-writer per core: 10k articles rebuilt in 54 s instead of 99 s on an idle
        # 2-core machine (each leaves its own segment; merging them bought no query speed).
        # compound=False: Whoosh opens a compound segment file by copying it into memory
        # (BytesIO over the mmap), ~0.6 s and ~1 GB per searcher at 100k articles; plain
        # segment files are read in place.
        self._bulk = bulk
        processes = min(BULK_WRITER_PROCESSES, os.cpu_count() or 1)
        if bulk and processes > 1:
            self._writer = ix.writer(procs=processes, multisegment=True, limitmb=256, compound=False)
        else:
            self._writer = ix.writer(limitmb=256, compound=False)

    def upsert(self, article: dict, segmentation: dict) -> None:
        document = article_document(article, segmentation)
        if self._bulk:
            self._writer.add_document(**document)
        else:
            self._writer.update_document(**document)

    def delete(self, article_id: int) -> None:
        self._writer.delete_by_term("aid", str(article_id))

    def commit(self) -> None:
        self._writer.commit(merge=True)

    def cancel(self) -> None:
        self._writer.cancel()


class WhooshSearcher:
    """A point-in-time view of the index (searches run while a writer commits).

    Whoosh keeps the postings, columns and stored fields; queries are evaluated over them
    with numpy (``indexer.engines.whoosh_vector``), since Whoosh's own matchers cost ~5 µs a
    posting.
    """

    def __init__(self, ix, path: str):
        self._ix, self._path = ix, path
        self._searcher = ix.searcher(weighting=scoring.BM25F())
        self._vectors = VectorSearcher(self._searcher, path, FIELDS, BOOSTS)
        self._copied: set[bytes] | None = None

    def close(self) -> None:
        self._searcher.close()

    def refresh(self) -> "WhooshSearcher":
        """This searcher, moved to the latest commit when the index changed (cheap otherwise)."""
        if not self._searcher.up_to_date():
            # a new searcher, not Whoosh's refresh(): that reuses each segment's reader by
            # segment id, so a segment whose deletions changed kept its old deletion set
            # and a replaced document stayed live (segments' arrays stay cached by id)
            fresh = self._ix.searcher(weighting=scoring.BM25F())
            self._searcher.close()
            self._searcher = fresh
            self._vectors = VectorSearcher(fresh, self._path, FIELDS, BOOSTS)
            self._copied = None
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def doc_count(self) -> int:
        return self._searcher.doc_count()

    def has_word(self, folded_word: str) -> bool:
        return self._searcher.reader().doc_frequency("words", folded_word) > 0

    def _searchable(self) -> np.ndarray:
        """Live documents that are not republished copies (a copy shows in its original's hit)."""
        keep = self._vectors.live.copy()
        keep[self._vectors.term_docs("is_copy", "1")] = False
        return keep

    def _matches(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str) -> Match:
        vectors = self._vectors
        keep = self._searchable()
        allowed = vectors.filter_mask(**filters)
        if allowed is not None:
            keep &= allowed
        return vectors.evaluate(parsed, words, keep, rank=sort != "newest")

    def _missing(self, parsed: ParsedQuery) -> list[str]:
        keep = self._searchable()
        return [term.label for term in parsed.positive_terms
                if not (self._vectors.node(term.node).mask & keep).any()]

    def search(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str, limit: int,
               offset: int, facets: bool = False, histogram: bool = False) -> RawResult:
        match = self._matches(parsed, words, filters, sort)
        ranked = self._vectors.ranked(match, sort, offset + limit)
        hits = []
        for docnum in ranked[offset:offset + limit].tolist():
            stored = self._searcher.stored_fields(docnum)
            hits.append(RawHit(int(stored["aid"]), stored["url"], stored["shown"]["title"], stored["site"],
                               stored["province"], stored["shown"]["published_at"],
                               round(float(match.score[docnum]), 4)))
        result = RawResult(int(match.mask.sum()), True, hits)
        if not result.total:
            result.missing = self._missing(parsed)
        if facets:
            result.facets = {name: self._vectors.counts(name, match.mask) for name in ("site", "province")}
        if histogram:
            result.histogram = dict(sorted(self._vectors.counts("month", match.mask).items()))
        return result

    def all_ids(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str) -> list[int]:
        match = self._matches(parsed, words, filters, sort)
        return self._vectors.article_ids(self._vectors.ranked(match, sort, None))

    def duplicates_of(self, article_ids: list[int]) -> dict[int, list[str]]:
        """URLs of the indexed copies of each article."""
        if self._copied is None:
            # the ids that have copies, read once per searcher: a query per hit cost a
            # matcher per segment, ~6 ms a results page (deleted copies stay listed: harmless)
            self._copied = set(self._searcher.reader().lexicon("duplicate_of"))
        copies: dict[int, list[str]] = {}
        for article_id in article_ids:
            if str(article_id).encode() not in self._copied:
                continue
            for docnum in self._searcher.docs_for_query(wq.Term("duplicate_of", str(article_id))):
                copies.setdefault(article_id, []).append(self._searcher.stored_fields(docnum)["url"])
        return copies


class WhooshEngine:
    """One Whoosh index directory."""

    name = "whoosh"

    def __init__(self, path: Path):
        self.path = Path(path)

    def exists(self) -> bool:
        """A table of contents is present (read from the directory, not unpickled)."""
        try:
            names = os.listdir(self.path)
        except OSError:
            return False
        return whoosh_internals.has_toc(names, INDEX_NAME)

    def create(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        whoosh_index.create_in(str(self.path), make_schema(), indexname=INDEX_NAME)

    def _open(self):
        return whoosh_index.open_dir(str(self.path), indexname=INDEX_NAME)

    def writer(self, bulk: bool = False) -> WhooshWriter:
        """``bulk``: loading a freshly created index (each article added exactly once)."""
        return WhooshWriter(self._open(), bulk=bulk)

    def searcher(self) -> WhooshSearcher:
        return WhooshSearcher(self._open(), str(self.path))

    def finish_writes(self, processes: int | None = None) -> int:
        """After a run's commits: hot postings for segments that have none (see
        ``indexer.engines.whoosh_hot_postings``), one process per core. Returns the segments
        done."""
        missing = _missing_hot_postings(self.path)
        tasks = [(str(self.path), segment_id, field) for segment_id, _, field in missing]
        if not tasks:
            return 0
        count = min(processes or os.cpu_count() or 1, len(tasks))
        done: set = set()
        if count > 1 and sum(docs for _, docs, _ in missing) >= PARALLEL_HOT_DOCS:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            from concurrent.futures.process import BrokenProcessPool

            # spawned, not forked: the caller may hold threads (a crawl's reactor, a progress
            # bar) whose locks a forked child would inherit taken. A worker that dies (out of
            # memory, killed) breaks the pool instead of hanging it: the rest is done here.
            try:
                with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
                    for task, _ in zip(tasks, pool.map(_write_hot_postings, *zip(*tasks))):
                        done.add(task)
            except BrokenProcessPool:
                pass
        for task in tasks:
            if task not in done:
                _write_hot_postings(*task)
        return len({segment_id for _, segment_id, _ in tasks})

    def identity(self) -> tuple:
        """Changes when the directory is replaced (``--rebuild`` swaps in a new one)."""
        stat = self.path.stat()
        return stat.st_ino, stat.st_dev

    def index_format(self) -> int:
        """2 when the schema has the syllable fields' companion ``words``, else 1."""
        return INDEX_FORMAT if "words" in self._open().schema else 1

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.glob("*") if p.is_file())


def _missing_hot_postings(path: Path) -> list[tuple[str, int, str]]:
    """(segment id, its documents, field) still without hot postings."""
    with whoosh_index.open_dir(str(path), indexname=INDEX_NAME).reader() as reader:
        return [(leaf.segment().segment_id(), leaf.doc_count_all(), field)
                for leaf, field in whoosh_hot_postings.missing(path, reader.leaf_readers())]


def _write_hot_postings(path: str, segment_id: str, field: str) -> None:
    with whoosh_index.open_dir(path, indexname=INDEX_NAME).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if leaf.segment().segment_id() == segment_id:
                whoosh_hot_postings.write_segment_field(Path(path), leaf, field)

