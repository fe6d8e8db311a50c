"""The tantivy engine next to Whoosh: same matches and top results on the replica corpus,
engine choice by configuration and ``unionnews index --engine``, built from the stored
segmentation only.

Where ranking legitimately differs: Whoosh's BM25F uses ``idf = log(N / (df + 1)) + 1``,
tantivy's BM25 ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``. On a small corpus a word in
most articles ("công đoàn") weighs ~1.1 in Whoosh and ~0.15 in tantivy, so in a query mixing
common and rare words tantivy leans harder on the rare one, and near-equal scores swap.
Ties come back in document order (Whoosh) or segment order (tantivy). So the comparison
requires identical match sets, each engine's best hit in the other's top 5 and most of the
top 5 shared, not identical order. Sorted by newest, undated articles come last in tantivy
and first in Whoosh (whose missing sort key is the maximum).
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from indexer import text as text_module
from indexer.build import update_index
from indexer.engines import (ENGINES, Engine, EngineSearcher, EngineWriter, configured_engine, detect_engine,
                             open_engine, set_configured_engine)
from indexer.query import Branch, ParsedQuery, Phrase, Word
from indexer.search import SearchRequest, matching_ids, search
from tests.test_search import make_record
from unionnews.cli import cli
from archive.errors import UserError
from archive.home import Home
from unionnews.replica.truth import expected_records
from archive.store import Store

QUERIES = ["công đoàn", "cong doan", "người lao động", '"người lao động"', "đoàn viên", "LĐLĐ",
           "Tết", "an toàn lao động", "công nhân -Tết", "hỗ trợ OR khen thưởng", "đại hội", "cổng",
           "bảo hiểm xã hội", "chăm lo", "dai hoi cong doan", "nhà ở", "ký kết thỏa ước"]


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory):
    """query → engine → (top 5 ids, every matching id, total), over the replica's articles."""
    home = Home(tmp_path_factory.mktemp("replica-home")).ensure()
    with Store(home.store_path) as store:
        for record in expected_records().values():
            store.upsert_article(record)
    results: dict[str, dict] = {query: {} for query in QUERIES}
    for engine in ("whoosh", "tantivy"):
        set_configured_engine(home, engine)
        update_index(home, rebuild=True, progress=False, processes=1)  # segmentation cached after the first
        assert detect_engine(home.index_dir) == engine
        for query in QUERIES:
            result = search(home, SearchRequest(query=query, limit=5))
            everything = matching_ids(home, SearchRequest(query=query))
            results[query][engine] = ([hit.id for hit in result.hits], everything, result.total)
    return results


@pytest.mark.parametrize("query", QUERIES)
def test_engines_match_the_same_articles(both_engines, query):
    whoosh_top, whoosh_all, _ = both_engines[query]["whoosh"]
    tantivy_top, tantivy_all, tantivy_total = both_engines[query]["tantivy"]
    assert whoosh_all, f"{query!r} should match something in the replica corpus"
    assert set(tantivy_all) == set(whoosh_all)
    assert len(tantivy_all) == len(set(tantivy_all)) == tantivy_total  # tantivy counts exactly


@pytest.mark.parametrize("query", QUERIES)
def test_engines_agree_on_top_results(both_engines, query):
    whoosh_top, _, _ = both_engines[query]["whoosh"]
    tantivy_top, _, _ = both_engines[query]["tantivy"]
    assert whoosh_top[0] in tantivy_top and tantivy_top[0] in whoosh_top
    assert len(set(whoosh_top) & set(tantivy_top)) >= min(3, len(whoosh_top))


def test_clear_winners_rank_first_in_both(both_engines):
    # queries whose best article stands out (title match, all words): same first hit
    for query in ("người lao động", "đại hội", "bảo hiểm xã hội", "chăm lo", "dai hoi cong doan",
                  "cổng"):
        assert both_engines[query]["whoosh"][0][0] == both_engines[query]["tantivy"][0][0], query


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


def test_searches_use_the_existing_index_until_it_is_rebuilt(home, store):
    _fill(store)
    update_index(home, progress=False, processes=1)
    set_configured_engine(home, "tantivy")  # configured, not built yet
    assert detect_engine(home.index_dir) == "whoosh"
    assert search(home, SearchRequest(query="công nhân")).total == 3
    assert update_index(home, progress=False, processes=1).rebuilt
    assert detect_engine(home.index_dir) == "tantivy"
    assert search(home, SearchRequest(query="công nhân")).total == 3


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
    assert isinstance(opened, Engine) and opened.name == engine
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


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_undated_articles_sort_last_and_miss_date_filters(home, store, engine):
    set_configured_engine(home, engine)
    _fill(store)
    undated = make_record("https://laodongthudo.vn/khong-ngay.html", "laodongthudo", "Hà Nội", "",
                          "Công đoàn không ngày", "", "Công nhân không rõ ngày đăng.")
    store.upsert_article(undated)
    update_index(home, progress=False, processes=1)
    hits = search(home, SearchRequest(query="công nhân", sort="newest")).hits
    names = [hit.url.rsplit("/", 1)[-1] for hit in hits]
    assert names == ["b-2.html", "b-1.html", "b-0.html", "khong-ngay.html"]
    assert search(home, SearchRequest(query="công nhân", since="2000-01-01")).total == 3


def test_one_word_phrases_and_exact_forms(home, store):
    """Abbreviation expansions can be one-word phrases; tantivy's PhraseQuery refuses those."""
    set_configured_engine(home, "tantivy")
    _fill(store)
    update_index(home, progress=False, processes=1)
    with open_engine(home.index_dir).searcher() as searcher:
        assert searcher.has_exact_word("công_đoàn") and not searcher.has_exact_word("cong_doan")
        assert searcher.has_folded_word("cong_doan")
        one_word = ParsedQuery("x", [Branch(optional=[Phrase((Word("cong_doan", "công_đoàn"),))])], [])
        assert searcher.search(one_word, {}, "relevance", 10, 0).total == 3
        folded_only = ParsedQuery("x", [Branch(optional=[Word("cong_nhan")])], [])
        assert searcher.all_ids(folded_only, {"sites": ("laodongthudo",)}, "newest") == [3, 2, 1]
        assert searcher.all_ids(folded_only, {"sites": ("khac",)}, "newest") == []


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_exact_form_and_title_outrank_folded_and_body(home, store, engine):
    """Twins that differ in one word's diacritics (or where it appears) tie on everything else."""
    set_configured_engine(home, engine)
    pages = {"gate": ("Tin mới", "Họ nói về cổng và nhà."),
             "union": ("Tin mới", "Họ nói về công và nhà."),
             "title": ("Bảo hiểm mới", "Tin được sửa xong hôm nay."),
             "body": ("Tin được sửa", "Bảo hiểm mới xong hôm nay.")}
    for name, (title, body) in pages.items():
        store.upsert_article(make_record(f"https://laodongthudo.vn/{name}.html", "laodongthudo", "Hà Nội",
                                         "2021-01-01", title, "", body))
    update_index(home, progress=False, processes=1)

    def ranked(query):
        return [hit.url.rsplit("/", 1)[-1] for hit in search(home, SearchRequest(query=query)).hits]

    assert ranked("cổng") == ["gate.html", "union.html"]
    assert ranked("công") == ["union.html", "gate.html"]
    assert set(ranked("cong")) == {"gate.html", "union.html"}
    assert ranked("bảo hiểm") == ["title.html", "body.html"]
