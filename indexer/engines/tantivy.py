"""The tantivy engine: ``TantivyEngine``, ``TantivyWriter``, ``TantivySearcher``, implementing
the interface of ``indexer.engines`` like the Whoosh engine (``indexer.engines.whoosh``).

Schema (index format 2, ``indexer.documents``): ``title`` and ``text`` hold syllables, with
positions; ``words`` the article's folded multi-syllable words, frequencies only (ranking);
``site``, ``province``, ``tags``, ``author``, ``url``, the article id (``aid``),
``published_at`` as a fast date field, a ``month`` fast field for the histogram,
``duplicate_of`` / ``is_copy`` for republished copies, and the display values (``shown``,
stored only).

**Interleaved forms.** A query syllable typed with marks matches its key, a plain one every
syllable with its fold, and a phrase may mix both ("công nhan"). So each syllable ``i`` of a
run is indexed twice: its key at position ``2i`` and ``"~" + fold`` at ``2i + 1`` (the field
value is ``"k0 ~f0 k1 ~f1 …"``, split on spaces: keys are already lowercase NFC, so no
filter). A phrase becomes one positional query whose ``j``-th syllable is the key at offset
``2j`` when exact, the ``~fold`` at ``2j + 1`` otherwise. The ``~`` keeps the two forms apart:
an unmarked syllable's key equals its fold, and without it an exact ASCII syllable (``lao``
from an abbreviation's expansion) would match the fold of ``láo``. One field per form with
separate positions would need two phrase evaluations joined per document, which tantivy
cannot express; interleaving costs one position per syllable and folds once per distinct key
at build time (``_Forms``).

The summary and the body are two values of ``text``: tantivy leaves one position between
values, which breaks the even spacing of a run, so no phrase crosses from one into the other
(the title is its own field). Document building is Python string joins; tokenising and
inverting run in tantivy's writer threads.

**Queries** are built from the ``ParsedQuery`` tree with tantivy's query objects (user text
never reaches its query parser): each leaf is a term or phrase over ``title`` (boosted
``TITLE_BOOST``) and ``text``; ``All`` → Must, ``Either`` → Should, ``Not`` → MustNot beside
Must(all documents) where nothing else is required (a boolean query of only MustNot
clauses matches nothing in tantivy). Ranking adds, as optional clauses, the query's words in
``words`` (``WORDS_WEIGHT``) and each run of syllables typed side by side as a phrase
(``RUN_BOOST``), so an article holding them as its words, or in that order, comes first:
a copied title or fragment finds its article. Filters are required clauses scoring 0,
copies a MustNot (each shows in its original's hit). Counts are exact; sorted by date,
undated articles come last. Equal scores come back in segment order, which a multi-threaded
build does not keep.
"""
from __future__ import annotations

import json
import math
import shutil
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import tantivy
from tantivy import FieldType, Occur, Query

from indexer.documents import INDEX_FORMAT, TEXT_FIELDS
from indexer.engines import RUN_BOOST, TITLE_BOOST, WORDS_WEIGHT, RawHit, RawResult, parse_published
from indexer.syllables import SYLLABLE_PATTERN, fold_syllable, syllable_key
from indexer.syntax import All, Either, Node, Not, ParsedQuery, Phrase, Syllable
from indexer.text import SEGMENTED_FIELDS, fold

SYLLABLE_TOKENIZER = "vi_syllables"
FOLD_MARK = "~"
BOOSTS = {"title": TITLE_BOOST, "text": 1.0}
# Terms aggregations return at most this many buckets (sites, provinces, months).
MAX_BUCKETS = 10_000
WRITER_HEAP_PER_THREAD = 128_000_000


def make_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("aid", indexed=True, fast=True)
    builder.add_text_field("url", tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=SYLLABLE_TOKENIZER, index_option="position")
    builder.add_text_field("words", tokenizer_name=SYLLABLE_TOKENIZER, index_option="freq")
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


def _analyzer() -> tantivy.TextAnalyzer:
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def _as_utc(moment: datetime) -> datetime:
    """Local wall time stored as if UTC, so dates compare like the store's strings."""
    return moment.replace(tzinfo=timezone.utc)


def interleaved(keys) -> str:
    """``"k0 ~f0 k1 ~f1 …"``: each syllable's key at position 2i, its fold at 2i + 1."""
    return " ".join(f"{key} {FOLD_MARK}{fold_syllable(key)}" for key in keys)


class _Memo(dict):
    """A function's results by argument, emptied when full (numbers and names make the
    vocabulary of a large archive open-ended)."""

    LIMIT = 200_000

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, argument: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[argument] = self.function(argument)
        return value


# a space-separated token (``"(Covid-19),"``) → its syllables' forms; a word → its fold
_TOKEN_FORMS = _Memo(lambda token: interleaved(map(syllable_key, SYLLABLE_PATTERN.findall(token))))
_FOLDED_WORDS = _Memo(fold)


def syllable_value(text: str | None) -> str:
    """``interleaved(indexer.documents.syllable_keys(text))``, without per-syllable Python:
    no syllable spans a space, so the text is split (in C) and each distinct token's forms
    are computed once. Building a document this way is ~5x faster (tests hold the two equal)."""
    return " ".join(filter(None, map(_TOKEN_FORMS.__getitem__, unicodedata.normalize("NFC", text or "").split())))


def words_value(segmentation: dict) -> str:
    """``" ".join(indexer.documents.ranking_words(segmentation))``, each word folded once."""
    return " ".join(map(_FOLDED_WORDS.__getitem__, [word for name in SEGMENTED_FIELDS
                                                     for word in (segmentation.get(name) or {}).get("w", "").split()
                                                     if "_" in word]))


def article_document(article: dict, segmentation: dict) -> tantivy.Document:
    """The index document of one article: its syllables (from the text) and its words (from
    the cached segmentation)."""
    document = tantivy.Document()
    document.add_integer("aid", int(article["id"]))
    document.add_text("url", article["url"])
    # indexer.documents.syllable_fields: the title; the summary and the body as separate
    # values, so that no phrase runs from one into the other
    for name, source in (("title", "title"), ("text", "summary"), ("text", "body")):
        value = syllable_value(article.get(source))
        if value:
            document.add_text(name, value)
    words = words_value(segmentation)
    if words:
        document.add_text("words", words)
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

def _boolean(clauses: list[tuple[Occur, Query]]) -> Query:
    if len(clauses) == 1 and clauses[0][0] != Occur.MustNot:
        return clauses[0][1]
    return Query.boolean_query(clauses)


def _token(syllable: Syllable) -> str:
    return syllable.key if syllable.exact else FOLD_MARK + syllable.folded


def sequence_query(syllables: tuple[Syllable, ...], boost: float = 1.0) -> Query:
    """Consecutive syllables (one: a term) in the title (boosted) or in the text."""
    parts = []
    for name in TEXT_FIELDS:
        if len(syllables) == 1:  # tantivy refuses one-term phrases
            query = Query.term_query(SCHEMA, name, _token(syllables[0]))
        else:
            # the j-th syllable: its key at offset 2j, its fold at 2j + 1
            query = Query.phrase_query(SCHEMA, name, [(2 * j + (not s.exact), _token(s))
                                                       for j, s in enumerate(syllables)])
        weight = BOOSTS[name] * boost
        parts.append((Occur.Should, Query.boost_query(query, weight) if weight != 1.0 else query))
    return _boolean(parts)


def _all_of(children) -> list[tuple[Occur, Query]]:
    """Clauses requiring every child (an excluded one as MustNot); something to exclude from
    when nothing else is required."""
    clauses = [(Occur.MustNot, translate(c.child)) if isinstance(c, Not) else (Occur.Must, translate(c))
               for c in children]
    if all(occur == Occur.MustNot for occur, _ in clauses):
        clauses.append((Occur.Must, Query.all_query()))
    return clauses


def translate(node: Node) -> Query:
    """A query matching exactly the documents the node matches."""
    if isinstance(node, Syllable):
        return sequence_query((node,))
    if isinstance(node, Phrase):
        return sequence_query(node.syllables)
    if isinstance(node, All):
        return _boolean(_all_of(node.children))
    if isinstance(node, Either):
        return _boolean([(Occur.Should, translate(child)) for child in node.children])
    if isinstance(node, Not):
        return _boolean(_all_of((node,)))
    raise TypeError(f"not a query node: {node!r}")


def build_filter(sites=(), provinces=(), since=None, until=None) -> list[Query]:
    parts = []
    if sites:
        parts.append(_boolean([(Occur.Should, Query.term_query(SCHEMA, "site", s)) for s in sites]))
    if provinces:
        parts.append(_boolean([(Occur.Should, Query.term_query(SCHEMA, "province", p)) for p in provinces]))
    if since or until:
        start = _as_utc(datetime.fromisoformat(since)) if since else None
        end = _as_utc(datetime.fromisoformat(until).replace(hour=23, minute=59, second=59)) if until else None
        parts.append(Query.range_query(SCHEMA, "published_at", FieldType.Date, start, end))
    return parts


_NOT_A_COPY = (Occur.MustNot, Query.term_query(SCHEMA, "is_copy", True))  # shown in their original's hit


K1 = 1.2  # tantivy's BM25 term saturation
# A run is scored as a phrase only when its rarest syllable is in at most this many documents.
# tantivy evaluates an optional phrase over every match: two syllables found in most of 1M
# articles ("người động") took ~95 ms against ~21 ms for the match alone, and tantivy offers no
# way to score it over the best matches only (a Must over their ids still evaluated it
# everywhere, and the id set itself cost ~20 ms). Such runs are words of the words field or
# chance neighbours; a copied fragment or title almost always holds a rarer syllable.
RUN_PHRASE_MAX_DOCS = 100_000


def _leaves(node: Node):
    """The syllables that score in the match (excluded ones do not)."""
    if isinstance(node, Syllable):
        yield node
    elif isinstance(node, Phrase):
        yield from node.syllables
    elif isinstance(node, (All, Either)):
        for child in node.children:
            yield from _leaves(child)


def _idf(searcher: tantivy.Searcher, field: str, token: str) -> float:
    found = searcher.doc_freq(field, token)
    total = max(searcher.num_docs, found)
    return math.log(1 + (total - found + 0.5) / (found + 0.5))


def _rarest(run: tuple[Syllable, ...], searcher: tantivy.Searcher) -> int:
    """Documents holding the run's rarest syllable: what evaluating it as a phrase costs."""
    return min(searcher.doc_freq("text", _token(syllable)) for syllable in run)


def _most(parsed: ParsedQuery, words: list[str], searcher: tantivy.Searcher) -> float:
    """An upper bound of what the match's terms and the words can score in one document
    (BM25 tends to idf x (k1 + 1) per term however often it occurs)."""
    most = sum(max(_idf(searcher, name, _token(s)) for name in TEXT_FIELDS) * (1 + TITLE_BOOST)
               for term in parsed.positive_terms for s in _leaves(term.node))
    most += sum(_idf(searcher, "words", word) * WORDS_WEIGHT for word in words)
    return most * (K1 + 1)


def run_query(run: tuple[Syllable, ...], bonus: float) -> Query:
    """A run of typed neighbours found in that order in the title or the text: a constant
    ``bonus`` x the field's boost."""
    return _boolean([(Occur.Should, Query.const_score_query(
        Query.phrase_query(SCHEMA, name, [(2 * j + (not s.exact), _token(s)) for j, s in enumerate(run)]),
        bonus * BOOSTS[name])) for name in TEXT_FIELDS])


def full_query(parsed: ParsedQuery, words: list[str], filters: dict, searcher: tantivy.Searcher | None = None) -> Query:
    """The match (the query's terms ANDed), filters scoring 0, copies left out and, when
    ranking (a searcher given), the query's words (BM25, ``WORDS_WEIGHT``) and runs as
    optional clauses. A run scores ``RUN_BOOST`` x the most everything else can score, so
    the articles holding it come first, in BM25 order: a copied title or fragment finds its
    article (a BM25 phrase ranked below articles repeating its syllables in their titles)."""
    clauses = _all_of(term.node for term in parsed.terms)
    clauses += [(Occur.Must, Query.const_score_query(part, 0.0)) for part in build_filter(**filters)]
    clauses.append(_NOT_A_COPY)
    if searcher is not None:
        clauses += [(Occur.Should, Query.boost_query(Query.term_query(SCHEMA, "words", word), WORDS_WEIGHT))
                    for word in words]
        runs = [run for run in parsed.runs if _rarest(run, searcher) <= RUN_PHRASE_MAX_DOCS]
        if runs:
            bonus = RUN_BOOST * _most(parsed, words, searcher)
            clauses += [(Occur.Should, run_query(run, bonus)) for run in runs]
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

    def has_word(self, folded_word: str) -> bool:
        return self._searcher.doc_freq("words", folded_word) > 0

    def _run(self, query: Query, sort: str, limit: int, offset: int = 0, count: bool = True):
        if sort == "newest":
            return self._searcher.search(query, limit, count=count, offset=offset,
                                         order_by_field="published_at", order=tantivy.Order.Desc)
        return self._searcher.search(query, limit, count=count, offset=offset)

    def _shown(self, address) -> dict:
        return json.loads(self._searcher.doc(address)["shown"][0])

    def _missing(self, parsed: ParsedQuery) -> list[str]:
        """Labels of the positive terms no live non-copy document matches (filters aside)."""
        return [term.label for term in parsed.positive_terms
                if not self._searcher.search(Query.boolean_query([(Occur.Must, translate(term.node)), _NOT_A_COPY]),
                                             1).count]

    def _query(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str) -> Query:
        return full_query(parsed, words, filters, self._searcher if sort != "newest" else None)

    def search(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str, limit: int,
               offset: int, facets: bool = False, histogram: bool = False) -> RawResult:
        query = self._query(parsed, words, filters, sort)
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
        if not raw.total:
            raw.missing = self._missing(parsed)
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

    def all_ids(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str) -> list[int]:
        query = self._query(parsed, words, filters, sort)
        result = self._run(query, sort, max(1, self._searcher.num_docs), count=False)
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
        index.register_tokenizer(SYLLABLE_TOKENIZER, _analyzer())
        index.config_reader(reload_policy="Manual")  # refresh() reloads; no watcher thread
        return index

    def commit_stamp(self) -> tuple:
        """Changes with every commit (tantivy replaces meta.json atomically)."""
        stat = (self.path / "meta.json").stat()
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def index_format(self) -> int:
        """2 when the stored schema has the syllable schema's ``words`` field, else 1 (words
        matched, before syllables)."""
        meta = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        return INDEX_FORMAT if any(field["name"] == "words" for field in meta.get("schema", [])) else 1

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
