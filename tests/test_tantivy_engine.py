"""The tantivy engine (``indexer.engines.tantivy``) on its own: syllables with interleaved
key and fold forms, phrases that stay within one field value, exact and plain syllables in
one phrase, missing terms, the index format, filters, sorts, copies, ranking of known items;
plus engine choice by configuration and ``unionnews index --engine``, built from the stored
segmentation only.

The match set is held to ``tests/reference_search.py`` here on the contract's examples and
in ``tests/test_tantivy_reference.py`` on generated articles and queries; the comparison of
the two engines is the shared contract test's (``tests/test_search_contract.py``).
"""
from __future__ import annotations

import functools
import json

import pytest
import tantivy
from click.testing import CliRunner

from archive.errors import UserError
from indexer import text as text_module
from indexer.build import update_index
from indexer.documents import INDEX_FORMAT, query_words, ranking_words, syllable_fields
from indexer.engines import (ENGINES, Engine, EngineSearcher, EngineWriter, configured_engine, detect_engine,
                             open_engine, set_configured_engine)
from indexer.engines.tantivy import TantivyEngine, article_document, interleaved
from indexer.syllables import syllable_key, syllable_keys
from indexer.syntax import ParsedQuery, Phrase, Syllable, Term, parse
from indexer.text import segment_article
from tests.reference_search import reference_ids
from tests.test_reference_search import ARTICLES as CONTRACT_ARTICLES
from tests.test_search import make_record
from unionnews.cli import cli
from unionnews.replica.truth import expected_records


# -- building and querying an index directly -----------------------------------------------

@functools.lru_cache(maxsize=4096)
def _segmentation(title: str, summary: str, body: str) -> dict:
    return segment_article({"title": title, "summary": summary, "body": body})


def article(article_id: int, title: str = "", summary: str = "", body: str = "", **extra) -> dict:
    """An article record as the writer receives it (store fields that matter to the index)."""
    return {"id": article_id, "url": f"https://laodongthudo.vn/{article_id}.html", "site": "laodongthudo",
            "province": "Hà Nội", "published_at": "2021-01-01", "title": title, "summary": summary,
            "body": body, "tags": [], "author": None, "duplicate_of": None} | extra


def build(path, articles, bulk: bool = True) -> TantivyEngine:
    engine = TantivyEngine(path)
    engine.create()
    write(engine, articles, bulk)
    return engine


def write(engine: TantivyEngine, articles, bulk: bool = False) -> None:
    writer = engine.writer(bulk=bulk, processes=1)
    for record in articles:
        writer.upsert(record, _segmentation(record["title"], record["summary"], record["body"]))
    writer.commit()


def run(searcher, query, sort="relevance", limit=100, offset=0, **filters):
    parsed = parse(query) if isinstance(query, str) else query
    words = query_words(parsed, searcher.has_word) if sort == "relevance" else []
    filters = {"sites": (), "provinces": (), "since": None, "until": None} | filters
    return searcher.search(parsed, words, filters, sort, limit, offset, facets=True, histogram=True)


def ids(searcher, query, **options) -> list[int]:
    return [hit.article_id for hit in run(searcher, query, **options).hits]


@pytest.fixture(scope="module")
def contract_index(tmp_path_factory):
    """The contract's example articles (tests/test_reference_search.py)."""
    engine = build(tmp_path_factory.mktemp("contract") / "index", [article(a["id"], a["title"], a["summary"], a["body"])
                                                                     for a in CONTRACT_ARTICLES])
    with engine.searcher() as searcher:
        yield searcher


def _contract_examples():
    from tests.test_reference_search import test_contract_examples

    return next(mark.args[1] for mark in test_contract_examples.pytestmark if mark.name == "parametrize")


@pytest.mark.parametrize(("query", "expected"), _contract_examples())
def test_contract_examples(contract_index, query, expected):
    result = run(contract_index, query)
    assert {hit.article_id for hit in result.hits} == expected == reference_ids(query, CONTRACT_ARTICLES)
    assert result.total == len(expected) and result.total_exact
    parsed = parse(query)
    everything = contract_index.all_ids(parsed, query_words(parsed, contract_index.has_word),
                                        {"sites": (), "provinces": (), "since": None, "until": None}, "relevance")
    assert sorted(everything) == sorted(expected)


# -- the interleaved forms ------------------------------------------------------------------

def test_each_syllable_is_indexed_as_its_key_then_its_fold():
    assert interleaved(syllable_keys("Hòa LĐLĐ Covid-19 lao")) == "hoà ~hoa lđlđ ~ldld covid ~covid 19 ~19 lao ~lao"


def test_a_phrase_never_runs_from_one_field_value_into_the_next(tmp_path):
    """Summary and body are two values of ``text`` (tantivy leaves a position between them),
    the title its own field: a phrase matches within one of the three only."""
    articles = [article(1, "Tin vắn", "Công nhân đi hiến máu", "Liên đoàn lao động tổ chức"),
                article(2, "Công nhân", "", "Nhân dịp Tết"),
                article(3, "Tin vắn", "Họ là công", "Nhan sắc và tài năng")]
    engine = build(tmp_path / "index", articles)
    with engine.searcher() as searcher:
        for query in ('"máu liên"', '"mau lien"', '"máu lien"', '"mau liên"', '"hiến máu liên"',
                      '"công nhân nhân"', '"cong nhan nhan"', '"công nhan"', '"cong nhan"', '"là công nhan"',
                      '"công nhân"', '"liên đoàn"', '"hien mau"', '"tin van cong"'):
            assert set(ids(searcher, query)) == reference_ids(query, articles), query
        assert ids(searcher, '"máu liên"') == [] and ids(searcher, '"công nhân nhân"') == []
        assert sorted(ids(searcher, '"cong nhan"')) == [1, 2]  # not 3: summary "…công", body "Nhan…"
        assert ids(searcher, '"liên đoàn"') == [1] and ids(searcher, '"hien mau"') == [1]  # within a value


def test_exact_and_plain_syllables_in_one_phrase(tmp_path):
    engine = build(tmp_path / "index", [
        article(1, "Công nhân được thưởng"), article(2, "Hồ sơ được công nhận"), article(3, "Cộng nhân đôi"),
        article(4, "Cong nhan viết không dấu"),
    ])
    with engine.searcher() as searcher:
        assert sorted(ids(searcher, '"công nhan"')) == [1, 2]
        assert sorted(ids(searcher, '"cong nhân"')) == [1, 3]
        assert sorted(ids(searcher, '"cong nhan"')) == [1, 2, 3, 4]
        assert sorted(ids(searcher, '"công nhân"')) == [1]
        assert sorted(ids(searcher, '"cộng nhân đôi"')) == [3]


def test_an_exact_ascii_syllable_never_matches_a_fold(tmp_path):
    """``~`` keeps fold tokens apart from keys: an unmarked syllable's key equals its fold."""
    engine = build(tmp_path / "index", [
        article(1, "Người láo động"), article(2, "Người lao động"), article(3, "Liên đoàn láo động"),
        article(4, "Liên đoàn Lao động tỉnh"), article(5, "Công nhân.", "Ai đó nói công", "Lao xao"),
    ])
    exact_lao = Syllable("lao", "lao", "lao", exact=True)
    with engine.searcher() as searcher:
        assert sorted(ids(searcher, ParsedQuery("lao", [Term("lao", exact_lao)]))) == [2, 4, 5]
        phrase = Phrase((Syllable.typed("người"), exact_lao, Syllable.typed("động")))
        assert ids(searcher, ParsedQuery("x", [Term("x", phrase)])) == [2]
        assert sorted(ids(searcher, "lao")) == [1, 2, 3, 4, 5]
        assert sorted(ids(searcher, "NLĐ")) == [2]          # its expansion, exactly: not "láo"
        assert sorted(ids(searcher, "LĐLĐ")) == [4]
        assert sorted(ids(searcher, "ldld")) == [3, 4]      # plain: the expansion folded
        assert ids(searcher, '"công lao"') == []           # not across the summary and the body


def test_missing_terms_are_named_when_nothing_matches(tmp_path):
    engine = build(tmp_path / "index", [
        article(1, "Công đoàn tỉnh", body="Hiến máu nhân đạo"),
        article(2, "Công đoàn huyện", body="Tặng quà Tết"),
        article(3, "Bản sao", body="Chỉ bản sao có chữ xyzzy", duplicate_of=1),
    ])
    with engine.searcher() as searcher:
        result = run(searcher, 'công đoàn xyzzy "tết hiến" zzz -máu')
        assert result.total == 0 and result.missing == ["xyzzy", '"tết hiến"', "zzz"]
        assert run(searcher, "hiến OR xyzzy").missing == []          # a match: nothing to explain
        assert run(searcher, "hiến tết").missing == []               # each occurs, never together
        assert run(searcher, "công -đoàn").missing == []
        filtered = run(searcher, "hiến máu", sites=("khac",))
        assert filtered.total == 0 and filtered.missing == []        # filters aside
        assert run(searcher, "(xyzzy OR qqq) công").missing == ["(xyzzy OR qqq)"]


def test_index_format_and_an_old_index(tmp_path):
    engine = build(tmp_path / "new", [article(1, "Công đoàn")])
    assert engine.exists() and engine.index_format() == INDEX_FORMAT == 2
    old = tmp_path / "old"
    old.mkdir()
    builder = tantivy.SchemaBuilder()  # format 1: segmented words and their folded twins
    builder.add_integer_field("aid", indexed=True, fast=True)
    for name in ("title", "text", "title_f", "text_f"):
        builder.add_text_field(name, index_option="position")
    tantivy.Index(builder.build(), path=str(old), reuse=False)
    assert TantivyEngine(old).exists() and TantivyEngine(old).index_format() == 1
    assert detect_engine(old) == "tantivy"


# -- documents, filters, sorts, copies ------------------------------------------------------

def test_documents_hold_title_summary_body_and_words_separately():
    record = article(7, "Công đoàn", "Tóm tắt", "Người lao động")
    segmentation = segment_article(record)
    document = article_document(record, segmentation).to_dict()
    fields = syllable_fields(record)
    assert document["title"] == [interleaved(fields["title"][0])] == ["công ~cong " + syllable_key("đoàn") + " ~doan"]
    assert document["text"] == [interleaved(keys) for keys in fields["text"]]
    assert document["words"] == [" ".join(ranking_words(segmentation))] == ["cong_doan lao_dong"]
    assert json.loads(document["shown"][0]) == {"url": record["url"], "title": "Công đoàn", "site": "laodongthudo",
                                               "province": "Hà Nội", "published_at": "2021-01-01"}
    assert "text" not in article_document(article(8, "Tiêu đề"), segment_article(article(8, "Tiêu đề"))).to_dict()


def test_filters_sorts_facets_and_copies(tmp_path):
    engine = build(tmp_path / "index", [
        article(1, "Công nhân A", published_at="2020-03-01T08:00:00+07:00"),
        article(2, "Công nhân B", published_at="2021-05-02", site="congdoannghean", province="Nghệ An"),
        article(3, "Công nhân C", published_at=""),
        article(4, "Công nhân A", published_at="2022-01-01", url="https://khac.vn/a.html", duplicate_of=1),
        article(5, "Công nhân D", published_at="2021-05-20"),
    ])
    with engine.searcher() as searcher:
        result = run(searcher, "cong nhan")
        assert result.total == 4 and 4 not in {hit.article_id for hit in result.hits}  # copies hidden
        assert result.facets == {"site": {"laodongthudo": 3, "congdoannghean": 1},
                                 "province": {"Hà Nội": 3, "Nghệ An": 1}}
        assert result.histogram == {"2020-03": 1, "2021-05": 2}
        assert ids(searcher, "công nhân", sort="newest") == [5, 2, 1, 3]  # undated last
        assert all(hit.score == 0.0 for hit in run(searcher, "công", sort="newest").hits)
        assert ids(searcher, "công nhân", sort="newest", limit=2, offset=1) == [2, 1]
        assert sorted(ids(searcher, "công", sites=("congdoannghean",))) == [2]
        assert sorted(ids(searcher, "công", provinces=("Hà Nội",))) == [1, 3, 5]
        assert sorted(ids(searcher, "công", since="2021-01-01")) == [2, 5]
        assert sorted(ids(searcher, "công", until="2021-05-02")) == [1, 2]  # the whole last day
        assert sorted(ids(searcher, "công", since="2021-05-03", until="2021-05-20")) == [5]
        parsed = parse("công")
        assert searcher.all_ids(parsed, [], {"sites": ("laodongthudo",)}, "newest") == [5, 1, 3]
        assert searcher.duplicates_of([1, 2]) == {1: ["https://khac.vn/a.html"]}
        assert searcher.doc_count() == 5


def test_upsert_replaces_and_delete_removes(tmp_path):
    engine = build(tmp_path / "index", [article(1, "Công đoàn"), article(2, "Hiến máu")])
    write(engine, [article(1, "Người lao động")])
    writer = engine.writer(processes=1)
    writer.delete(2)
    writer.commit()
    with engine.searcher() as searcher:
        assert searcher.doc_count() == 1
        assert ids(searcher, "công") == [] and ids(searcher, "lao") == [1] and ids(searcher, "máu") == []
        assert searcher.has_word("lao_dong") and not searcher.has_word("cong_doan")
        write(engine, [article(3, "Công đoàn mới")])
        assert ids(searcher.refresh(), "công") == [3]


# -- ranking --------------------------------------------------------------------------------

def test_words_and_typed_neighbours_rank_first(tmp_path):
    engine = build(tmp_path / "index", [
        article(1, "Tin mới", body="Nhà máy có công. Nhân dịp này, họ nghỉ."),       # syllables apart
        article(2, "Tin mới", body="Nhà máy có nhân công, họ nghỉ."),                # reversed
        article(3, "Tin mới", body="Nhà máy có công nhân, họ nghỉ."),                # the word
        article(4, "Tin cũ", body="Cổng nhà máy hỏng, họ nghỉ."),
    ])
    with engine.searcher() as searcher:
        assert ids(searcher, "công nhân")[0] == 3
        assert ids(searcher, "cong nhan")[0] == 3
        assert ids(searcher, "nhân công")[0] == 2


@pytest.fixture(scope="module")
def replica_index(tmp_path_factory):
    """The replica's 70 union news articles."""
    records = [dict(record, id=n, duplicate_of=None) for n, record in enumerate(expected_records().values(), 1)]
    engine = build(tmp_path_factory.mktemp("replica") / "index", records)
    with engine.searcher() as searcher:
        yield searcher, records


def _folded(text: str) -> str:
    from indexer.syllables import fold_syllable, iter_syllables

    return " ".join(fold_syllable(s) for s, _, _ in iter_syllables(text))


def _known_items(records):
    from indexer.syllables import iter_syllables

    for record in records:
        yield record, record["title"]
        body = [s for s, _, _ in iter_syllables(record["body"] or "")]
        for size, where in ((4, 0.3), (5, 0.5), (6, 0.8)):
            start = int(len(body) * where)
            if len(body) >= start + size:
                yield record, " ".join(body[start:start + size])


def test_a_copied_title_or_fragment_finds_its_article_first(replica_index):
    searcher, records = replica_index
    by_id = {record["id"]: record for record in records}
    queries = first = 0
    for record, fragment in _known_items(records):
        for query in (fragment, _folded(fragment)):
            top = ids(searcher, query, limit=1)
            # first: the article, or another holding the same syllables in that order
            assert top and reference_ids(f'"{query}"', [by_id[top[0]]]), (query, record["id"], top)
            queries, first = queries + 1, first + (top[0] == record["id"])
    assert queries > 500 and first > 0.85 * queries


# -- engine choice through the home (update_index, the CLI) ----------------------------------

def _fill(store, count=3):
    for n in range(count):
        store.upsert_article(make_record(f"https://laodongthudo.vn/b-{n}.html", "laodongthudo", "Hà Nội",
                                         f"2021-0{n + 1}-01", f"Công đoàn số {n}", "",
                                         "Công nhân được chăm lo."))


def test_cli_converts_a_home_and_back(home, store):
    _fill(store)
    runner = CliRunner()
    first = runner.invoke(cli, ["--home", str(home.root), "index"])
    assert first.exit_code == 0 and "whoosh index" in first.output, first.output
    converted = runner.invoke(cli, ["--home", str(home.root), "index", "--rebuild", "--engine", "tantivy"])
    assert converted.exit_code == 0, converted.output
    assert "Rebuilt tantivy index: 3 indexed" in converted.output
    assert configured_engine(home) == "tantivy" and detect_engine(home.index_dir) == "tantivy"
    assert 'engine = "tantivy"' in home.config_path.read_text()
    found = runner.invoke(cli, ["--home", str(home.root), "search", "cong nhan", "--json"])
    assert found.exit_code == 0 and '"total": 3' in found.output, found.output
    # another engine without --rebuild still rebuilds: there is no index of that kind to update
    back = runner.invoke(cli, ["--home", str(home.root), "index", "--engine", "whoosh"])
    assert back.exit_code == 0 and "Rebuilt whoosh index" in back.output, back.output
    assert detect_engine(home.index_dir) == "whoosh"


def test_config_keeps_other_settings(home):
    home.config_path.write_text('[crawl]\ndelay = 2\n\n[index]\nengine = "whoosh"\n', encoding="utf-8")
    set_configured_engine(home, "tantivy")
    assert home.config() == {"crawl": {"delay": 2}, "index": {"engine": "tantivy"}}


def test_unknown_engine_is_a_clear_error(home, store):
    _fill(store, 1)
    home.config_path.write_text('[index]\nengine = "lucene"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--home", str(home.root), "index"])
    assert isinstance(result.exception, UserError)  # the CLI prints it as one line, exit 2
    assert "unknown search engine 'lucene'" in str(result.exception) and "config.toml" in str(result.exception)
    with pytest.raises(UserError, match="choose one of: whoosh, tantivy"):
        set_configured_engine(home, "solr")


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_implements_the_one_interface(home, store, engine):
    """The interface is declared once (``indexer.engines``); each engine's objects have all of it."""
    set_configured_engine(home, engine)
    _fill(store, 1)
    update_index(home, progress=False, processes=1)
    opened = open_engine(home.index_dir)
    assert isinstance(opened, Engine) and opened.name == engine and opened.index_format() == INDEX_FORMAT
    writer = opened.writer()
    assert isinstance(writer, EngineWriter)
    writer.cancel()
    with opened.searcher() as searcher:
        assert isinstance(searcher, EngineSearcher) and searcher.doc_count() == 1


def test_tantivy_index_is_built_from_stored_segmentation(home, store, monkeypatch):
    set_configured_engine(home, "tantivy")
    _fill(store)
    assert update_index(home, progress=False, processes=1).segmented == 3

    def no_segmenting(text):
        raise AssertionError("the index must reuse the stored segmentation")

    monkeypatch.setattr(text_module, "segment", no_segmenting)
    rebuilt = update_index(home, rebuild=True, progress=False, processes=1)
    assert rebuilt.rebuilt and rebuilt.segmented == 0 and rebuilt.documents == 3
    with open_engine(home.index_dir).searcher() as searcher:
        assert searcher.has_word("cong_doan") and searcher.has_word("cong_nhan")
        assert sorted(ids(searcher, "cong nhan")) == [1, 2, 3]


def test_an_old_format_index_is_rebuilt(home, store, tmp_path):
    set_configured_engine(home, "tantivy")
    _fill(store)
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("aid", indexed=True, fast=True)
    builder.add_text_field("title", index_option="position")
    home.index_dir.mkdir(parents=True, exist_ok=True)
    tantivy.Index(builder.build(), path=str(home.index_dir), reuse=False)
    assert TantivyEngine(home.index_dir).index_format() == 1
    stats = update_index(home, progress=False, processes=1)
    assert stats.rebuilt and stats.rebuilt_format and stats.documents == 3
    assert TantivyEngine(home.index_dir).index_format() == INDEX_FORMAT


def test_a_run_of_only_very_common_syllables_is_not_scored_as_a_phrase(tmp_path, monkeypatch):
    """RUN_PHRASE_MAX_DOCS bounds the cost of ranking, never the match: with the bound at 0
    no run is scored, the set and total stay the same, and the words field still ranks."""
    from indexer.engines import tantivy as tantivy_engine

    engine = build(tmp_path / "index", [
        article(1, "Tin mới", body="Nhà máy có công. Nhân dịp này, họ nghỉ."),
        article(2, "Tin mới", body="Nhà máy có nhân công, họ nghỉ."),
        article(3, "Tin mới", body="Nhà máy có công nhân, họ nghỉ."),
    ])
    with engine.searcher() as searcher:
        before = run(searcher, "nhân công")
        monkeypatch.setattr(tantivy_engine, "RUN_PHRASE_MAX_DOCS", 0)
        after = run(searcher, "nhân công")
        assert after.total == before.total == 3
        assert {hit.article_id for hit in after.hits} == {hit.article_id for hit in before.hits}
        assert ids(searcher, "công nhân")[0] == 3  # the word, from the words field
