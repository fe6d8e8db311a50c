"""Search over hand-written Vietnamese articles: words, folding, phrases, abbreviations,
boolean operators, filters, sorting, snippets and malformed queries."""
from __future__ import annotations

import hashlib
import json

import pytest

from indexer.build import update_index
from indexer.engines import ENGINES, set_configured_engine
from indexer.engines import whoosh_hot_postings as hot_postings
from indexer.search import QueryError, SearchRequest, matching_ids, search

ARTICLES = [
    ("https://laodongthudo.vn/a-1.html", "laodongthudo", "Hà Nội", "2021-08-09T15:51:00+07:00",
     "Từng bước xây dựng Công đoàn cơ sở vững mạnh",
     "LĐLĐ huyện Phúc Thọ đẩy mạnh đào tạo cán bộ công đoàn.",
     "Người lao động ở các doanh nghiệp được chăm lo.\n\nCông đoàn cơ sở vững mạnh là nền tảng."),
    ("https://laodongthudo.vn/a-2.html", "laodongthudo", "Hà Nội", "2020-10-11",
     "Liên đoàn Lao động thành phố trao quà Tết",
     "", "Liên đoàn Lao động thành phố trao 500 suất quà cho công nhân khó khăn."),
    ("https://congdoannghean.vn/a-3.html", "congdoannghean", "Nghệ An", "2021-09-28T12:18:00+07:00",
     "Bảo đảm an toàn, vệ sinh lao động trong mùa mưa bão",
     "", "Các doanh nghiệp kiểm tra an toàn vệ sinh lao động.\n\nCông nhân được tập huấn."),
    ("https://congdoannghean.vn/a-4.html", "congdoannghean", "Nghệ An", "2022-01-05",
     "Đại hội đoàn viên công đoàn <script>alert(1)</script>",
     "", "Đại hội bầu Ban Chấp hành mới. Đoàn viên công đoàn tham gia <script>alert(2)</script> đầy đủ."),
    ("https://tuoitrekiengiang.vn/news.php?id=9241", "tuoitrekiengiang", "Kiên Giang", "2022-09-22T17:45:00+07:00",
     "Người lao động nhận hỗ trợ nhà ở",
     "", "Công nhân lao động ở khu công nghiệp nhận hỗ trợ tiền thuê nhà ở."),
    ("https://laodongthudo.vn/a-6.html", "laodongthudo", "Hà Nội", "2019-03-01",
     "Cổng thông tin mới", "", "Trang cổng thông tin điện tử ra mắt bạn đọc."),
]


def make_record(url, site, province, published_at, title, summary, body):
    return {"url": url, "site": site, "province": province, "published_at": published_at,
            "title": title, "summary": summary, "body": body, "tags": [], "images": [],
            "updated_at": None, "author": None, "source": None, "category": None,
            "fetched_at": "2026-11-24T09:00:00Z",
            "content_hash": hashlib.sha256((title + summary + body).encode()).hexdigest()}


@pytest.fixture(params=ENGINES + ("whoosh-blocks",))
def engine(request, home, monkeypatch):
    """Every search test runs against each engine. Whoosh's small test segments have every
    term in the hot arrays (``indexer.engines.whoosh_hot_postings``); ``whoosh-blocks`` has none there, so
    postings come from Whoosh's own blocks, as rarer terms of large segments do."""
    name = request.param
    if name == "whoosh-blocks":
        monkeypatch.setattr(hot_postings, "ALL_TERMS_MAX_DOCS", 0)
        name = "whoosh"
    set_configured_engine(home, name)
    return name


def index_articles(home, store):
    """The hand-written articles stored and indexed in ``home``."""
    for row in ARTICLES:
        store.upsert_article(make_record(*row))
    update_index(home, progress=False, processes=1)
    return home


@pytest.fixture
def indexed(home, store, engine):
    return index_articles(home, store)


def urls(home, query, **options):
    return [hit.url.rsplit("/", 1)[-1] for hit in search(home, SearchRequest(query=query, **options)).hits]


def test_accented_word_query_matches_whole_words(indexed):
    assert set(urls(indexed, "công đoàn cơ sở")) >= {"a-1.html"}
    assert urls(indexed, "công đoàn cơ sở")[0] == "a-1.html"  # all words rank first


def test_unaccented_query_is_split_into_indexed_words(indexed):
    assert urls(indexed, "cong doan co so")[0] == "a-1.html"
    assert "a-3.html" in urls(indexed, "an toan")


def test_mixed_accented_and_unaccented_query(indexed):
    assert "a-1.html" in urls(indexed, "cong đoàn")


def test_exact_diacritics_rank_above_folded_matches(indexed):
    # "cổng" (gate) and "công" fold to the same letters; the exact form wins
    ranked = urls(indexed, "cổng thông tin")
    assert ranked[0] == "a-6.html"
    folded = urls(indexed, "cong thong tin")
    assert "a-6.html" in folded


def test_folded_words_match_every_diacritic_variant(indexed, store):
    store.upsert_article(make_record("https://laodongthudo.vn/a-7.html", "laodongthudo", "Hà Nội", "2022-03-03",
                                     "Mùa thu", "", "Mùa thu năm nay ít mưa."))
    update_index(indexed, progress=False, processes=1)
    # "mua" folds "mùa" (season: a-3's title, a-7) and "mưa" (rain: a-3, a-7): an unaccented
    # word finds every variant, in phrases too; an accented one ranks its exact form first
    assert set(urls(indexed, "mua")) == {"a-3.html", "a-7.html"}
    assert urls(indexed, '"mua thu"') == ["a-7.html"]
    assert urls(indexed, '"mua bao"') == ["a-3.html"]  # "mưa bão"
    assert urls(indexed, "mùa thu")[0] == "a-7.html"


def test_phrases_need_consecutive_words(indexed):
    assert urls(indexed, '"người lao động"') and set(urls(indexed, '"người lao động"')) == {"a-1.html", "news.php?id=9241"}
    assert urls(indexed, '"lao động người"') == []
    assert "a-1.html" in urls(indexed, '"nguoi lao dong"')


def test_abbreviations_match_both_ways(indexed):
    assert "a-2.html" in urls(indexed, "LĐLĐ")          # spelled out in the article
    assert "a-1.html" in urls(indexed, "Liên đoàn Lao động")  # abbreviated in the article
    assert "a-3.html" in urls(indexed, "ATVSLĐ")
    assert "a-4.html" in urls(indexed, "BCH")
    assert "a-4.html" in urls(indexed, "ĐVCĐ")


def test_exclusion_and_boolean_operators(indexed):
    with_workers = set(urls(indexed, "công nhân"))
    assert "a-2.html" in with_workers
    assert "a-2.html" not in urls(indexed, "công nhân -quà")
    assert "a-2.html" not in urls(indexed, "công nhân NOT quà")
    assert set(urls(indexed, "quà OR mưa")) == {"a-2.html", "a-3.html"}
    assert urls(indexed, "quà AND mưa") == []
    assert urls(indexed, "Tết AND quà") == ["a-2.html"]


def test_filters_and_sorting(indexed):
    assert set(urls(indexed, "công nhân", sites=("congdoannghean",))) == {"a-3.html"}
    assert set(urls(indexed, "công nhân", provinces=("Hà Nội", "Kiên Giang"))) == {"a-2.html", "news.php?id=9241"}
    assert set(urls(indexed, "công nhân", since="2021-01-01", until="2021-12-31")) == {"a-3.html"}
    assert urls(indexed, "công nhân", until="2020-10-11") == ["a-2.html"]  # the until day is included
    assert urls(indexed, "công nhân", sort="newest") == ["news.php?id=9241", "a-3.html", "a-2.html"]


def test_facets_histogram_and_matching_ids(indexed):
    result = search(indexed, SearchRequest(query="công nhân", facets=True, histogram=True))
    assert result.total == 3
    assert result.facets["site"] == {"laodongthudo": 1, "congdoannghean": 1, "tuoitrekiengiang": 1}
    assert result.histogram == {"2020-10": 1, "2021-09": 1, "2022-09": 1}
    ids = matching_ids(indexed, SearchRequest(query="công nhân", sort="newest"))
    assert [search(indexed, SearchRequest(query="công nhân", sort="newest")).hits[i].id for i in range(3)] == ids


def test_paging(indexed):
    everything = urls(indexed, "công nhân", sort="newest")
    assert urls(indexed, "công nhân", sort="newest", limit=1, offset=1) == everything[1:2]


def test_snippets_are_escaped_with_marks(indexed):
    hit = search(indexed, SearchRequest(query="đại hội")).hits[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<mark>Đại hội</mark>" in hit.snippet
    unaccented = search(indexed, SearchRequest(query="dai hoi")).hits[0]
    assert "<mark>Đại hội</mark>" in unaccented.snippet


@pytest.mark.parametrize("query", ['"unbalanced quote', "AND", "OR OR", "-", "((", "x" * 10_000,
                                   "công\x00đoàn\x1b[31m", '"" -""', "+", "NOT"])
def test_malformed_queries_never_crash(indexed, query):
    try:
        result = search(indexed, SearchRequest(query=query))
    except QueryError as error:
        assert str(error)
    else:
        assert result.total >= 0


@pytest.mark.parametrize("options", [{"since": "09/08/2021"}, {"sort": "oldest"}, {"limit": 0},
                                     {"since": "2022-01-01", "until": "2021-01-01"}])
def test_bad_options_are_query_errors(indexed, options):
    with pytest.raises(QueryError):
        search(indexed, SearchRequest(query="công nhân", **options))


def test_search_without_index_is_a_clear_error(home, store):
    with pytest.raises(QueryError, match="unionnews index"):
        search(home, SearchRequest(query="công đoàn"))


def test_cli_json_shape_and_errors(indexed):
    from click.testing import CliRunner

    from unionnews.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(indexed.root), "search", "công nhân", "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    # the documented keys never change; "id" and "missing" were added (extra keys may follow)
    assert set(payload) == {"query", "total", "hits", "missing"} and payload["total"] == 3
    assert set(payload["hits"][0]) == {"url", "title", "site", "province", "published_at", "score", "snippet", "id"}
    table = runner.invoke(cli, ["--home", str(indexed.root), "search", "công nhân", "--site", "laodongthudo"])
    assert "Liên đoàn Lao động thành phố trao quà Tết" in table.output
    bad = runner.invoke(cli, ["--home", str(indexed.root), "search", "công nhân", "--since", "hôm qua"])
    assert bad.exit_code != 0 and "2021-08-09" in str(bad.exception or bad.output)


def test_snippets_follow_a_store_file_replaced_under_a_running_searcher(indexed, tmp_path):
    """Searches keep a read-only store connection per thread; a restored store file at the
    same path is noticed, not read through the old connection."""
    import os
    import sqlite3

    from archive.store import Store

    assert "Phúc Thọ" in search(indexed, SearchRequest(query="Phúc Thọ")).hits[0].snippet
    restored = tmp_path / "restored.sqlite"
    with Store(indexed.store_path) as live, sqlite3.connect(restored) as target:
        live.conn.backup(target)  # the WAL's pages included
    with Store(restored) as copy:
        article = copy.get_article("https://laodongthudo.vn/a-1.html")
        copy.conn.execute("UPDATE articles SET summary = ? WHERE id = ?",
                          ("LĐLĐ huyện Phúc Thọ mở lớp mới.", article["id"]))
        copy.conn.commit()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(indexed.store_path) + suffix):
            os.remove(str(indexed.store_path) + suffix)
    os.replace(restored, indexed.store_path)
    assert "mở lớp mới" in search(indexed, SearchRequest(query="Phúc Thọ")).hits[0].snippet
