"""The one search function used by the CLI, the web app and export.

``search(home, request)`` parses the query (``indexer.syntax``: the contract of README,
"Searching Vietnamese"), runs it through the engine of the home (``indexer.engines``) and
builds snippets from the store's text: HTML-escaped, matches in ``<mark>``. The total is the
exact size of the matching set, which is also what ``matching_ids`` returns (downloads,
``export --query``), so every count a researcher reads is of the same set. Republished copies
(``duplicate_of`` set) are not counted: each shows in its original's hit.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date

from archive.home import Home
from archive.store import Store

from indexer.documents import INDEX_FORMAT, query_words
from indexer.engines import open_engine
from indexer.snippets import make_snippet
from indexer.syntax import ParsedQuery, QueryError, parse
from indexer.text import warm_up

__all__ = ["SearchRequest", "SearchResult", "Hit", "QueryError", "search", "matching_ids"]

SORTS = ("relevance", "newest")
MAX_LIMIT = 1000

if threading.current_thread() is threading.main_thread():
    warm_up()  # accented runs are segmented with underthesea (ranking), whose first call must be here


@dataclass(frozen=True)
class SearchRequest:
    query: str
    sites: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0
    facets: bool = False
    histogram: bool = False


@dataclass
class Hit:
    id: int
    url: str
    title: str
    site: str
    province: str
    published_at: str
    score: float
    snippet: str
    duplicates: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    total: int
    took_ms: float
    hits: list[Hit]
    facets: dict | None = None
    histogram: dict | None = None
    total_exact: bool = True
    missing: list[str] = field(default_factory=list)  # terms no article holds (total 0)

    def to_json(self) -> dict:
        """The ``unionnews search --json`` / ``GET /api/search`` shape."""
        keys = ("url", "title", "site", "province", "published_at", "score", "snippet")
        payload = {
            "query": self.query,
            "total": self.total,
            "hits": [{key: getattr(hit, key) for key in keys} | {"id": hit.id, "duplicates": hit.duplicates}
                     for hit in self.hits],
            "total_exact": self.total_exact,
            "took_ms": self.took_ms,
            "missing": self.missing,
        }
        if self.facets is not None:
            payload["facets"] = self.facets
        if self.histogram is not None:
            payload["histogram"] = self.histogram
        return payload


def _check_date(name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise QueryError(f"--{name} must be a date like 2021-08-09, not {value!r}") from None


def _validate(request: SearchRequest) -> dict:
    if request.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {request.sort!r}")
    if not isinstance(request.limit, int) or not 0 < request.limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
    if not isinstance(request.offset, int) or request.offset < 0:
        raise QueryError("offset must be 0 or more")
    since, until = _check_date("since", request.since), _check_date("until", request.until)
    if since and until and since > until:
        raise QueryError(f"--since {since} is after --until {until}")
    return {"sites": tuple(request.sites or ()), "provinces": tuple(request.provinces or ()),
            "since": since, "until": until}


# Opening an index costs milliseconds per query; each thread keeps its searchers and
# refreshes them (a no-op unless a writer committed). Whoosh searchers are not shared
# between threads.
_local = threading.local()
_STORES_PER_THREAD = 4


def _open(home: Home):
    engine = open_engine(home.index_dir)
    if not engine.exists():
        raise QueryError("there is no search index yet; run `unionnews index` first")
    cache = _local.__dict__.setdefault("searchers", {})
    key = str(home.index_dir)
    identity = engine.identity()
    cached = cache.get(key)
    if cached and cached[0] == identity:
        return cached[1].refresh()
    if cached:
        cached[1].close()
    if engine.index_format() != INDEX_FORMAT:
        raise QueryError("the search index was built by an older version of unionnews: run "
                         "`unionnews index --rebuild` (the stored word segmentation is reused)",
                         "Chỉ mục tìm kiếm được tạo bởi phiên bản cũ: hãy chạy `unionnews index --rebuild`.")
    searcher = engine.searcher()
    cache[key] = (identity, searcher)
    return searcher


def _store(home: Home) -> Store:
    """This thread's read-only store connection, reopened if the file was replaced.

    Opening and closing one per search cost ~5% of a search's CPU under load. A connection
    outside a transaction reads the latest committed state on every query (WAL)."""
    cache = _local.__dict__.setdefault("stores", {})
    key = str(home.store_path)
    try:
        stat = os.stat(home.store_path)
    except OSError:
        raise QueryError(f"no article store at {home.store_path}; run `unionnews crawl` first") from None
    # a file replaced at the same path may reuse the inode number, never the change time
    identity = (stat.st_dev, stat.st_ino, stat.st_ctime_ns)
    cached = cache.pop(key, None)
    if cached and cached[0] == identity:
        cache[key] = cached  # most recently used last
        return cached[1]
    if cached:
        cached[1].close()
    while len(cache) >= _STORES_PER_THREAD:
        cache.pop(next(iter(cache)))[1].close()
    store = Store(home.store_path, readonly=True)
    cache[key] = (identity, store)
    return store


def _words(searcher, parsed: ParsedQuery, request: SearchRequest) -> list[str]:
    """The query's words for ranking by relevance (``indexer.documents.query_words``)."""
    return query_words(parsed, searcher.has_word) if request.sort == "relevance" else []


def search(home: Home, request: SearchRequest) -> SearchResult:
    started = time.perf_counter()
    filters = _validate(request)
    parsed = parse(request.query)  # a malformed query is reported before a missing index
    searcher = _open(home)
    raw = searcher.search(parsed, _words(searcher, parsed, request), filters, request.sort, request.limit,
                          request.offset, facets=request.facets, histogram=request.histogram)
    copies = searcher.duplicates_of([hit.article_id for hit in raw.hits])
    hits = []
    syllables = parsed.syllables()
    keys = {syllable.key for syllable in syllables if syllable.exact}
    folded = {syllable.folded for syllable in syllables if not syllable.exact}
    sources = _store(home).snippet_sources([raw_hit.article_id for raw_hit in raw.hits])
    for raw_hit in raw.hits:
        article, _ = sources.get(raw_hit.article_id, (None, None))
        snippet = make_snippet(article, keys, folded) if article else ""
        hits.append(Hit(raw_hit.article_id, raw_hit.url, raw_hit.title, raw_hit.site, raw_hit.province,
                        raw_hit.published_at, raw_hit.score, snippet, copies.get(raw_hit.article_id, [])))
    took = round((time.perf_counter() - started) * 1000, 1)
    return SearchResult(parsed.text, raw.total, took, hits, raw.facets, raw.histogram, raw.total_exact,
                        list(raw.missing))


def matching_ids(home: Home, request: SearchRequest) -> list[int]:
    """Every matching article id (no paging), in the request's order."""
    filters = _validate(request)
    parsed = parse(request.query)
    searcher = _open(home)
    return searcher.all_ids(parsed, _words(searcher, parsed, request), filters, request.sort)


def hit_dict(hit: Hit) -> dict:
    return asdict(hit)
