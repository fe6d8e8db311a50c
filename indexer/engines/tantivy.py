"""The tantivy engine: ``TantivyEngine``, ``TantivyWriter``, ``TantivySearcher``, implementing
the interface of ``indexer.engines`` like the Whoosh engine (``indexer.engines.whoosh``).

Fields mirror the Whoosh schema: segmented words (``title``, ``text`` = summary + body),
their diacritic-folded twins (``title_f``, ``text_f``), ``site``, ``province``, ``tags``,
``author``, ``url``, the article id (``aid``), ``published_at`` as a fast date field, a
``month`` fast field for the histogram, ``duplicate_of`` / ``is_copy`` for republished
copies, and the display values (``shown``, stored only).

Documents come from the segmentation cached in the store: the cached words are joined by
spaces and indexed with a whitespace tokenizer plus lowercase (``vi_words``), positions on,
so nothing is segmented again and a phrase is consecutive positions, exactly as in Whoosh.
The folded fields get the same words and fold them in tantivy (``vi_folded``: whitespace,
lowercase, ASCII folding), off the GIL in its indexing threads: folding in Python cost ~40% of
the build. Query words go through the same analyzer (``folded_term``), so index and query
always fold alike. ASCII folding equals ``indexer.text.fold`` on Vietnamese; it also maps
’ → ', ² → 2, æ → ae (23 of 48k words of the bench corpus) and keeps Cyrillic/Greek marks,
so an *unaccented* Cyrillic query word finds nothing where Whoosh would match.
Queries are built with tantivy's query objects from the same ``ParsedQuery``; user text never
reaches tantivy's query parser.

Ranking versus Whoosh (the match sets are identical; scores are not):

* Both score BM25 per field, sum the fields and boost titles 3x (``boost_query`` here).
  Whoosh's index has no folded fields: a folded word's frequency there is the sum of its
  exact forms'. Phrases: the folded phrase matches and its words' exact forms add their
  scores, in both. The all-words bonus, the exact-form bonus (one flat OR here, same sum)
  and the summing of OR branches are the same, so "all words first" and "accented above
  folded" hold alike. The IDFs differ (see ``tests/test_tantivy_engine.py``): near-equal
  scores can swap.
* Equal scores: Whoosh returns them in document order (publication order after a rebuild);
  tantivy in segment order, which a multi-threaded build does not keep.
* Counts are exact in both.
* Sorting by date puts undated articles last in both.
"""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import tantivy
from tantivy import FieldType, Occur, Query

from indexer.engines import ALL_WORDS_BONUS, TITLE_BOOST, RawHit, RawResult, parse_published
from indexer.query import AnyOf, Node, ParsedQuery, Phrase, Word

WORDS_TOKENIZER = "vi_words"
FOLDED_TOKENIZER = "vi_folded"
EXACT_FIELDS = ("title", "text")
FOLDED_FIELDS = ("title_f", "text_f")
BOOSTS = {"title": TITLE_BOOST, "title_f": TITLE_BOOST, "text": 1.0, "text_f": 1.0}
# Terms aggregations return at most this many buckets (sites, provinces, months).
MAX_BUCKETS = 10_000
WRITER_HEAP_PER_THREAD = 128_000_000


def make_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("aid", indexed=True, fast=True)
    builder.add_text_field("url", tokenizer_name="raw", index_option="basic")
    for name in EXACT_FIELDS:
        builder.add_text_field(name, tokenizer_name=WORDS_TOKENIZER, index_option="position")
    for name in FOLDED_FIELDS:
        builder.add_text_field(name, tokenizer_name=FOLDED_TOKENIZER, index_option="position")
    for name in ("site", "province", "month"):
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in ("author", "tags"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_date_field("published_at", indexed=True, fast=True)
    builder.add_integer_field("duplicate_of", indexed=True)
    builder.add_boolean_field("is_copy", indexed=True)
    builder.add_bytes_field("shown", stored=True)  # JSON of what a hit displays
    return builder.build()


SCHEMA = make_schema()


def _analyzer(folded: bool) -> tantivy.TextAnalyzer:
    # the text is already segmented (words joined by "_"): only split on spaces
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).filter(tantivy.Filter.lowercase())
    return (builder.filter(tantivy.Filter.ascii_fold()) if folded else builder).build()


_QUERY_FOLDER = _analyzer(folded=True)


def _as_utc(moment: datetime) -> datetime:
    """Local wall time stored as if UTC, so dates compare like the store's strings."""
    return moment.replace(tzinfo=timezone.utc)


def _words(segmentation: dict, field: str) -> str:
    return (segmentation.get(field) or {}).get("w", "")


@lru_cache(maxsize=65536)
def folded_term(word: str) -> str:
    """A query word as the folded fields index it (tantivy's own folding, see above)."""
    tokens = _QUERY_FOLDER.analyze(word)
    return tokens[0] if len(tokens) == 1 else word


def article_document(article: dict, segmentation: dict) -> tantivy.Document:
    """The index document of one article, from its cached segmentation."""
    title = _words(segmentation, "title")
    text = " ".join(part for part in (_words(segmentation, "summary"), _words(segmentation, "body")) if part)
    document = tantivy.Document()
    document.add_integer("aid", int(article["id"]))
    document.add_text("url", article["url"])
    document.add_text("title", title)
    document.add_text("text", text)
    document.add_text("title_f", title)  # folded by the field's analyzer, in tantivy's threads
    document.add_text("text_f", text)
    for name in ("site", "province", "author"):
        if article.get(name):
            document.add_text(name, article[name])
    for tag in article.get("tags") or []:
        document.add_text("tags", tag)
    published = parse_published(article.get("published_at"))
    if published:
        document.add_date("published_at", _as_utc(published))
        document.add_text("month", published.strftime("%Y-%m"))
    document.add_boolean("is_copy", bool(article.get("duplicate_of")))
    if article.get("duplicate_of"):
        document.add_integer("duplicate_of", int(article["duplicate_of"]))
    shown = {"url": article["url"], "title": article.get("title") or "", "site": article.get("site") or "",
             "province": article.get("province") or "", "published_at": article.get("published_at") or ""}
    document.add_bytes("shown", json.dumps(shown, ensure_ascii=False).encode())
    return document


class TantivyWriter:
    """Adds, replaces and deletes documents; nothing is visible before ``commit``."""

    def __init__(self, index: tantivy.Index, bulk: bool = False, processes: int = 2):
        threads = max(1, processes)
        self._writer = index.writer(heap_size=WRITER_HEAP_PER_THREAD * threads, num_threads=threads)
        self._bulk = bulk  # a fresh index: nothing to replace, skip the delete per document

    def upsert(self, article: dict, segmentation: dict) -> None:
        if not self._bulk:
            # a delete only hits documents added before it, so the new version survives
            self._writer.delete_documents_by_term("aid", int(article["id"]))
        self._writer.add_document(article_document(article, segmentation))

    def delete(self, article_id: int) -> None:
        self._writer.delete_documents_by_term("aid", int(article_id))

    def commit(self) -> None:
        self._writer.commit()
        self._close()

    def cancel(self) -> None:
        self._writer.rollback()
        self._close()

    def _close(self) -> None:
        # finish background merges, then drop the writer: that releases tantivy's lock file
        self._writer.wait_merging_threads()
        self._writer = None


# -- queries ------------------------------------------------------------------------------

def _should(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _must(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Must, q) for q in queries])


def _field_query(field: str, terms: list[str]) -> Query:
    if len(terms) == 1:  # tantivy refuses one-word phrases
        query = Query.term_query(SCHEMA, field, terms[0])
    else:
        query = Query.phrase_query(SCHEMA, field, terms)
    boost = BOOSTS[field]
    return Query.boost_query(query, boost) if boost != 1.0 else query


def _translate(node: Node) -> Query:
    """A query node: matches on the folded fields; the exact form, when typed, adds score."""
    if isinstance(node, AnyOf):
        return _should([_translate(option) for option in node.options])
    words = [node] if isinstance(node, Word) else list(node.words)
    folded_terms = [folded_term(w.exact or w.folded) for w in words]
    folded_parts = [_field_query(f, folded_terms) for f in FOLDED_FIELDS]
    if any(w.exact is None for w in words):
        return _should(folded_parts)
    if isinstance(node, Phrase):
        # the folded phrase matches; its words' exact forms add their scores. Checking the
        # exact phrase's positions too doubled a common phrase's cost at 1M articles.
        exact_words = [_field_query(f, [w.exact]) for f in EXACT_FIELDS for w in words]
        return Query.boolean_query([(Occur.Must, _should(folded_parts)), (Occur.Should, _should(exact_words))])
    # "match folded, maybe exact" as one flat disjunction: every document matching the exact
    # form matches the folded one, so matches and summed scores are the same, and tantivy
    # evaluates a flat OR of terms much faster than a nested required/optional pair
    exact = [_field_query(f, [w.exact for w in words]) for f in EXACT_FIELDS]
    return Query.boolean_query([(Occur.Should, q) for q in [*folded_parts, *exact]])


def build_query(parsed: ParsedQuery) -> Query:
    """Same structure as the Whoosh query: all optional words together earn a bonus."""
    branches = []
    for branch in parsed.branches:
        required = [_translate(n) for n in branch.required]
        optional = [_translate(n) for n in branch.optional]
        if optional and len(optional) + len(required) > 1:
            everything = Query.const_score_query(_must(required + optional), ALL_WORDS_BONUS)
            some = _must(required + [_should(optional)]) if required else _should(optional)
            branches.append(_should([everything, some]))
        else:
            branches.append(_must(required + optional))
    return _should(branches)


def build_filter(sites=(), provinces=(), since=None, until=None) -> list[Query]:
    parts = []
    if sites:
        parts.append(_should([Query.term_query(SCHEMA, "site", s) for s in sites]))
    if provinces:
        parts.append(_should([Query.term_query(SCHEMA, "province", p) for p in provinces]))
    if since or until:
        start = _as_utc(datetime.fromisoformat(since)) if since else None
        end = _as_utc(datetime.fromisoformat(until).replace(hour=23, minute=59, second=59)) if until else None
        parts.append(Query.range_query(SCHEMA, "published_at", FieldType.Date, start, end))
    return parts


def full_query(parsed: ParsedQuery, filters: dict) -> Query:
    """The query with filters (score 0: they only restrict) and hidden documents."""
    clauses = [(Occur.Must, build_query(parsed))]
    clauses += [(Occur.Must, Query.const_score_query(part, 0.0)) for part in build_filter(**filters)]
    clauses.append((Occur.MustNot, Query.term_query(SCHEMA, "is_copy", True)))  # shown in their original's hit
    clauses += [(Occur.MustNot, _translate(node)) for node in parsed.excluded]
    return Query.boolean_query(clauses)


# -- searching ----------------------------------------------------------------------------

class TantivySearcher:
    """A point-in-time view of the index (searches run while a writer commits)."""

    def __init__(self, engine: "TantivyEngine"):
        self._engine = engine
        self._stamp = engine.commit_stamp()
        self._index = engine.open_index()
        self._searcher = self._index.searcher()

    def close(self) -> None:
        self._searcher = self._index = None

    def refresh(self) -> "TantivySearcher":
        """This searcher, moved to the latest commit when the index changed (cheap otherwise)."""
        stamp = self._engine.commit_stamp()
        if stamp != self._stamp:
            self._index.reload()
            self._searcher, self._stamp = self._index.searcher(), stamp
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def doc_count(self) -> int:
        return self._searcher.num_docs

    def has_folded_word(self, word: str) -> bool:
        term = folded_term(word)
        return any(self._searcher.doc_freq(f, term) > 0 for f in FOLDED_FIELDS)

    def has_exact_word(self, word: str) -> bool:
        return any(self._searcher.doc_freq(f, word) > 0 for f in EXACT_FIELDS)

    def _run(self, query: Query, sort: str, limit: int, offset: int = 0, count: bool = True):
        if sort == "newest":
            return self._searcher.search(query, limit, count=count, offset=offset,
                                         order_by_field="published_at", order=tantivy.Order.Desc)
        return self._searcher.search(query, limit, count=count, offset=offset)

    def _shown(self, address) -> dict:
        return json.loads(self._searcher.doc(address)["shown"][0])

    def search(self, parsed: ParsedQuery, filters: dict, sort: str, limit: int, offset: int,
               facets: bool = False, histogram: bool = False) -> RawResult:
        query = full_query(parsed, filters)
        result = self._run(query, sort, limit, offset)
        addresses = [address for _, address in result.hits]
        ids = self._searcher.fast_field_values("aid", addresses) if addresses else []
        hits = []
        for (key, address), article_id in zip(result.hits, ids):
            shown = self._shown(address)
            # sorted by date the key is a timestamp, not a relevance score
            score = round(key, 4) if sort != "newest" else 0.0
            hits.append(RawHit(int(article_id), shown["url"], shown["title"], shown["site"],
                               shown["province"], shown["published_at"], score))
        raw = RawResult(result.count, True, hits)
        if facets or histogram:
            names = (("site", "province") if facets else ()) + (("month",) if histogram else ())
            buckets = self._searcher.aggregate(
                query, {name: {"terms": {"field": name, "size": MAX_BUCKETS}} for name in names})
            counts = {name: {b["key"]: b["doc_count"] for b in buckets[name]["buckets"]} for name in names}
            if facets:
                raw.facets = {name: counts[name] for name in ("site", "province")}
            if histogram:
                raw.histogram = dict(sorted(counts["month"].items()))
        return raw

    def all_ids(self, parsed: ParsedQuery, filters: dict, sort: str) -> list[int]:
        result = self._run(full_query(parsed, filters), sort, max(1, self._searcher.num_docs), count=False)
        addresses = [address for _, address in result.hits]
        return [int(v) for v in self._searcher.fast_field_values("aid", addresses)] if addresses else []

    def duplicates_of(self, article_ids: list[int]) -> dict[int, list[str]]:
        """URLs of the indexed copies of each article."""
        copies: dict[int, list[str]] = {}
        for article_id in article_ids:
            # doc_freq bounds the hit list (it may count deleted copies: never too small)
            expected = self._searcher.doc_freq("duplicate_of", int(article_id))
            if not expected:
                continue
            query = Query.term_query(SCHEMA, "duplicate_of", int(article_id))
            for _, address in sorted(self._searcher.search(query, expected, count=False).hits,
                                     key=lambda hit: (hit[1].segment_ord, hit[1].doc)):
                copies.setdefault(article_id, []).append(self._shown(address)["url"])
        return copies


class TantivyEngine:
    """One tantivy index directory."""

    name = "tantivy"

    def __init__(self, path: Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return (self.path / "meta.json").is_file()

    def create(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        tantivy.Index(SCHEMA, path=str(self.path), reuse=False)

    def open_index(self) -> tantivy.Index:
        index = tantivy.Index.open(str(self.path))
        index.register_tokenizer(WORDS_TOKENIZER, _analyzer(folded=False))
        index.register_tokenizer(FOLDED_TOKENIZER, _analyzer(folded=True))
        index.config_reader(reload_policy="Manual")  # refresh() reloads; no watcher thread
        return index

    def commit_stamp(self) -> tuple:
        """Changes with every commit (tantivy replaces meta.json atomically)."""
        stat = (self.path / "meta.json").stat()
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def finish_writes(self, processes: int | None = None) -> int:
        """Nothing to do after commits: tantivy's postings are already fast to read."""
        return 0

    def writer(self, bulk: bool = False, processes: int = 2) -> TantivyWriter:
        """``bulk``: loading a freshly created index (each article added exactly once)."""
        return TantivyWriter(self.open_index(), bulk=bulk, processes=processes)

    def searcher(self) -> TantivySearcher:
        return TantivySearcher(self)

    def identity(self) -> tuple:
        """Changes when the directory is replaced (``--rebuild`` swaps in a new one)."""
        stat = self.path.stat()
        return stat.st_ino, stat.st_dev

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
