"""The search-engine boundary: Whoosh today, another engine (tantivy) tomorrow.

Everything engine-specific lives here: the schema, turning an article plus its cached
segmentation into a document, writing, and running an engine-neutral ``ParsedQuery``
(``indexer.query``) with filters, sorting, facets and a monthly histogram. The CLI, the web
app and ``indexer.search`` only use ``open_engine`` / ``EngineWriter`` / ``EngineSearcher``.

Design notes (from measurements on 100k articles): a segmented word is a ~1 ms term lookup,
so queries are built from words, never syllable phrases; counting exact hits doubles the
cost of a query, so exact totals are computed only for small result sets; character vectors
are not stored (build speed) and ``optimize()`` is never called.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from indexer.analysis import encode_segmented, folded_analyzer, word_analyzer
from indexer.query import AnyOf, Node, ParsedQuery, Phrase, Word
from indexer.text import field_words

INDEX_NAME = "articles"
TITLE_BOOST = 3.0
# Documents containing every optional word get this constant on top, so they rank first.
ALL_WORDS_BONUS = 1000.0
# Above this estimated size the hit total is an estimate (exact counting doubles the cost).
EXACT_TOTAL_LIMIT = 5000
# Folded text (words typed without diacritics) is searched in these fields; exact in the others.
EXACT_FIELDS = ("title", "text")
FOLDED_FIELDS = ("title_f", "text_f")


def make_schema() -> Schema:
    return Schema(
        aid=ID(stored=True, unique=True, sortable=True),
        url=ID(stored=True, unique=True),
        title=TEXT(analyzer=word_analyzer(), phrase=True, field_boost=TITLE_BOOST),
        text=TEXT(analyzer=word_analyzer(), phrase=True),
        title_f=TEXT(analyzer=folded_analyzer(), phrase=True, field_boost=TITLE_BOOST),
        text_f=TEXT(analyzer=folded_analyzer(), phrase=True),
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


def parse_published(value: str | None) -> datetime | None:
    """Local publication time without offset (filters compare local dates, like the store)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:19] if "T" in value else value[:10])
    except ValueError:
        return None


def article_document(article: dict, segmentation: dict) -> dict:
    """The index document of one article; title and summary+body are pre-segmented."""
    title_words = field_words(segmentation, "title")
    summary = article.get("summary") or ""
    shift = len(summary) + 2  # the snippet text is summary + "\n\n" + body
    text_words = field_words(segmentation, "summary") + [
        (word, start + shift, end + shift) for word, start, end in field_words(segmentation, "body")]

    def encoded(words):
        return encode_segmented(" ".join(w for w, _, _ in words), [o for _, s, e in words for o in (s, e)])

    published = parse_published(article.get("published_at"))
    document = {
        "aid": str(article["id"]),
        "url": article["url"],
        "title": encoded(title_words),
        "text": encoded(text_words),
        "title_f": encoded(title_words),
        "text_f": encoded(text_words),
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


class EngineWriter:
    """Adds, replaces and deletes documents; nothing is visible before ``commit``."""

    def __init__(self, ix, bulk: bool = False):
        # a bulk load into a fresh index skips the unique-key lookups of update_document, and
        # uses one sub-writer per core: 10k articles rebuilt in 54 s instead of 99 s on an idle
        # 2-core machine (each leaves its own segment; merging them bought no query speed).
        self._bulk = bulk
        processes = min(BULK_WRITER_PROCESSES, os.cpu_count() or 1)
        if bulk and processes > 1:
            self._writer = ix.writer(procs=processes, multisegment=True, limitmb=256)
        else:
            self._writer = ix.writer(limitmb=256)

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


@dataclass
class RawHit:
    article_id: int
    url: str
    title: str
    site: str
    province: str
    published_at: str
    score: float


@dataclass
class RawResult:
    total: int
    total_exact: bool
    hits: list[RawHit]
    facets: dict | None = None
    histogram: dict | None = None


def _translate(node: Node, fields: str = "all") -> wq.Query:
    """A query node over the fields; an accented word matches folded, exact adds score."""
    if isinstance(node, AnyOf):
        return wq.Or([_translate(option) for option in node.options])
    if isinstance(node, Word):
        folded = wq.Or([wq.Term(f, node.folded) for f in FOLDED_FIELDS])
        if node.exact is None:
            return folded
        # the exact form is a subset of the folded one: match on folded, score both
        return wq.AndMaybe(folded, wq.Or([wq.Term(f, node.exact) for f in EXACT_FIELDS]))
    folded = wq.Or([wq.Phrase(f, [w.folded for w in node.words]) for f in FOLDED_FIELDS])
    if any(w.exact is None for w in node.words):
        return folded
    return wq.AndMaybe(folded, wq.Or([wq.Phrase(f, [w.exact for w in node.words]) for f in EXACT_FIELDS]))


def build_query(parsed: ParsedQuery) -> wq.Query:
    branches = []
    for branch in parsed.branches:
        required = [_translate(n) for n in branch.required]
        optional = [_translate(n) for n in branch.optional]
        if optional and len(optional) + len(required) > 1:
            matching = wq.Or(optional) if len(optional) > 1 else optional[0]
            everything = wq.ConstantScoreQuery(wq.And(required + optional), ALL_WORDS_BONUS)
            query = wq.Or([everything, wq.And(required + [matching]) if required else matching])
        else:
            parts = required + optional
            query = wq.And(parts) if len(parts) > 1 else parts[0]
        branches.append(query)
    return wq.Or(branches) if len(branches) > 1 else branches[0]


def build_filter(sites=(), provinces=(), since=None, until=None) -> wq.Query | None:
    parts = []
    if sites:
        parts.append(wq.Or([wq.Term("site", s) for s in sites]))
    if provinces:
        parts.append(wq.Or([wq.Term("province", p) for p in provinces]))
    if since or until:
        start = datetime.fromisoformat(since) if since else None
        end = datetime.fromisoformat(until).replace(hour=23, minute=59, second=59) if until else None
        parts.append(wq.DateRange("published_at", start, end))
    if not parts:
        return None
    return wq.And(parts) if len(parts) > 1 else parts[0]


class EngineSearcher:
    """A point-in-time view of the index (searches run while a writer commits)."""

    def __init__(self, ix):
        self._searcher = ix.searcher(weighting=scoring.BM25F())
        self._reader = self._searcher.reader()
        self._docsets: dict[str, set] = {}  # never mutated once cached

    def close(self) -> None:
        self._searcher.close()

    def refresh(self) -> "EngineSearcher":
        """This searcher, moved to the latest commit when the index changed (cheap otherwise)."""
        fresh = self._searcher.refresh()
        if fresh is not self._searcher:
            self._searcher, self._reader, self._docsets = fresh, fresh.reader(), {}
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def doc_count(self) -> int:
        return self._searcher.doc_count()

    def has_folded_word(self, word: str) -> bool:
        return any(self._reader.doc_frequency(f, word) > 0 for f in FOLDED_FIELDS)

    def has_exact_word(self, word: str) -> bool:
        return any(self._reader.doc_frequency(f, word) > 0 for f in EXACT_FIELDS)

    def _docset(self, query: wq.Query, cache: bool) -> set:
        """Document numbers matching ``query`` as a plain set.

        Filters and masks are handed to Whoosh as Python sets: given its own id-sets, the
        collector re-tests their truthiness per document (a full scan each time), and
        ``wq.Require`` trips an assertion under block-quality skipping. Filter sets repeat
        (the web app's facets), so they are cached for this searcher's lifetime.
        """
        key = repr(query)
        if cache and key in self._docsets:
            return self._docsets[key]
        docs = set(self._searcher.docs_for_query(query))  # Whoosh accepts set, not frozenset
        if cache:
            if len(self._docsets) >= 64:
                self._docsets.pop(next(iter(self._docsets)))
            self._docsets[key] = docs
        return docs

    def _prepare(self, parsed: ParsedQuery, filters: dict):
        """Query, allowed docs (or None) and hidden docs (or None)."""
        filter_query = build_filter(**filters)
        allow = self._docset(filter_query, cache=True) if filter_query is not None else None
        hidden = self._docset(wq.Term("is_copy", "1"), cache=True)  # shown in their original's hit
        if parsed.excluded:
            hidden = hidden | self._docset(wq.Or([_translate(node) for node in parsed.excluded]), cache=False)
        if allow is not None and not allow:
            allow = {-1}  # nothing allowed; an empty set would mean "no filter"
        return build_query(parsed), allow, hidden or None

    def search(self, parsed: ParsedQuery, filters: dict, sort: str, limit: int, offset: int,
               facets: bool = False, histogram: bool = False) -> RawResult:
        query, allow, hidden = self._prepare(parsed, filters)
        sortedby = "published_at" if sort == "newest" else None
        groupedby = None
        if facets or histogram:
            groupedby = {}
            if facets:
                groupedby.update(site=sorting.FieldFacet("site"), province=sorting.FieldFacet("province"))
            if histogram:
                groupedby["month"] = sorting.FieldFacet("month")
        results = self._searcher.search(
            query, limit=offset + limit if limit else None, filter=allow, mask=hidden,
            sortedby=sortedby, reverse=sortedby is not None,
            groupedby=groupedby, maptype=sorting.Count if groupedby else None,
        )
        estimate = min(_estimate(query, self._reader), self._searcher.doc_count(),
                       len(allow) if allow is not None else float("inf"))
        total_exact = results.has_exact_length() or estimate <= EXACT_TOTAL_LIMIT
        total = len(results) if total_exact else estimate
        hits = []
        for docnum, score in list(results.items())[offset:offset + limit]:
            stored = self._searcher.stored_fields(docnum)
            hits.append(RawHit(int(stored["aid"]), stored["url"], stored["shown"]["title"], stored["site"],
                               stored["province"], stored["shown"]["published_at"], round(score or 0.0, 4)))
        result = RawResult(total, total_exact, hits)
        if facets:
            result.facets = {name: _counts(results.groups(name)) for name in ("site", "province")}
        if histogram:
            result.histogram = dict(sorted(_counts(results.groups("month")).items()))
        return result

    def all_ids(self, parsed: ParsedQuery, filters: dict, sort: str) -> list[int]:
        query, allow, hidden = self._prepare(parsed, filters)
        sortedby = "published_at" if sort == "newest" else None
        results = self._searcher.search(query, limit=None, sortedby=sortedby, filter=allow, mask=hidden,
                                        reverse=sortedby is not None)
        column = self._reader.column_reader("aid")
        return [int(column[docnum]) for docnum, _ in results.items()]

    def duplicates_of(self, article_ids: list[int]) -> dict[int, list[str]]:
        """URLs of the indexed copies of each article."""
        copies: dict[int, list[str]] = {}
        for article_id in article_ids:
            for docnum in self._searcher.docs_for_query(wq.Term("duplicate_of", str(article_id))):
                copies.setdefault(article_id, []).append(self._searcher.stored_fields(docnum)["url"])
        return copies


def _estimate(query: wq.Query, reader) -> int:
    """Hit-count estimate: Whoosh sums the sizes of OR branches, which counts a document
    once per field and per bonus clause; a union is at least its largest branch."""
    if isinstance(query, (wq.Or, wq.DisjunctionMax)):
        return max((_estimate(q, reader) for q in query.subqueries), default=0)
    if isinstance(query, wq.And):
        return min((_estimate(q, reader) for q in query.subqueries), default=0)
    if isinstance(query, (wq.AndMaybe, wq.AndNot)):
        return _estimate(query.a, reader)
    if isinstance(query, wq.ConstantScoreQuery):
        return _estimate(query.child, reader)
    return query.estimate_size(reader)


def _counts(groups: dict) -> dict:
    return {key: count for key, count in sorted(groups.items(), key=lambda kv: -kv[1]) if key}


class Engine:
    """One Whoosh index directory."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_dir() and whoosh_index.exists_in(str(self.path), INDEX_NAME)

    def create(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        whoosh_index.create_in(str(self.path), make_schema(), indexname=INDEX_NAME)

    def _open(self):
        return whoosh_index.open_dir(str(self.path), indexname=INDEX_NAME)

    def writer(self, bulk: bool = False) -> EngineWriter:
        """``bulk``: loading a freshly created index (each article added exactly once)."""
        return EngineWriter(self._open(), bulk=bulk)

    def searcher(self) -> EngineSearcher:
        return EngineSearcher(self._open())

    def identity(self) -> tuple:
        """Changes when the directory is replaced (``--rebuild`` swaps in a new one)."""
        stat = self.path.stat()
        return stat.st_ino, stat.st_dev

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.glob("*") if p.is_file())


def open_engine(path: Path, name: str | None = None):
    """The engine of an index directory, Whoosh or tantivy (see ``indexer.engines``)."""
    from indexer.engines import open_engine as open_named

    return open_named(path, name)
