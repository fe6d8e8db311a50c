"""Both engines return exactly the contract's set (tests/reference_search.py), counted exactly.

Generated archives (accents, decomposed text, tone-placement variants, hyphenated and
numeric tokens, abbreviations and their expansions, republished copies) are indexed once per
engine and seed; hypothesis then generates queries of every kind, and each engine's total and
full set of ids must equal the reference's. Then every example of the contract, through the
one search function, and the shapes researchers count on (ids, totals with paging, the terms
that made a total 0).
"""
from __future__ import annotations

import hashlib
import random
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archive.home import Home
from archive.store import Store
from indexer.build import update_index
from indexer.engines import ENGINES, set_configured_engine
from indexer.engines import whoosh_hot_postings as hot_postings
from indexer.search import QueryError, SearchRequest, matching_ids, search
from tests import reference_search as reference

VOCABULARY = ["công", "Công", "CÔNG", "cộng", "cống", "cong", "nhân", "nhận", "Nhân", "đoàn", "Đoàn", "doan",
              "hoà", "hòa", "Hoà", "thuý", "thúy", "lao", "láo", "động", "đồng", "người", "Người", "hiến", "máu",
              "tết", "thưởng", "lương", "lượng", "tối", "thiểu", "Covid-19", "covid", "19", "4.0", "LĐLĐ", "NLĐ",
              "KCN", "khu", "nghiệp", "tỉnh", "Liên", "liên", "quốc", "tế", "máy", "bay", "Daniel", "cơ", "sở",
              "CĐCS", "viên", "chức", "ngày", "1/7", "x"]
PHRASES = ["Liên đoàn Lao động", "người lao động", "Công đoàn cơ sở", "khu công nghiệp", "công nhân",
           "máy bay quốc tế Daniel"]
PUNCTUATION = [",", ".", ";", " -", ":"]
SITES = ("laodongthudo", "congdoannghean")


def generated_articles(seed: int, count: int = 48) -> list[dict]:
    rng = random.Random(seed)

    def text(low: int, high: int) -> str:
        tokens = []
        for _ in range(rng.randint(low, high)):
            tokens.append(rng.choice(PHRASES) if rng.random() < 0.15 else rng.choice(VOCABULARY))
            if rng.random() < 0.15:
                tokens[-1] += rng.choice(PUNCTUATION)
        joined = " ".join(tokens)
        return unicodedata.normalize("NFD", joined) if rng.random() < 0.2 else joined

    articles = []
    for number in range(1, count + 1):
        body = "\n\n".join(text(3, 14) for _ in range(rng.randint(1, 3)))
        articles.append({"number": number, "title": text(2, 7), "summary": text(0, 6) if rng.random() < 0.6 else "",
                         "body": body, "site": rng.choice(SITES),
                         "copy_of": rng.randint(1, number - 1) if number > 4 and rng.random() < 0.1 else None})
    return articles


def build_home(root, engine: str, articles: list[dict]) -> tuple[Home, dict[int, dict]]:
    home = Home(root).ensure()
    set_configured_engine(home, engine)
    by_id = {}
    with Store(home.store_path) as store:
        for article in articles:
            record = {"url": f"https://{article['site']}.vn/{article['number']}.html", "site": article["site"],
                      "province": "Hà Nội", "title": article["title"] or "x", "summary": article["summary"],
                      "body": article["body"] or "x", "published_at": f"2021-0{1 + article['number'] % 9}-01",
                      "tags": [], "images": [], "fetched_at": "2026-12-01T00:00:00Z",
                      "content_hash": hashlib.sha256(repr(article).encode()).hexdigest()}
            store.upsert_article(record)
            stored = store.get_article(record["url"])
            by_id[stored["id"]] = {**stored, "copy_of": article["copy_of"]}
        for article_id, article in by_id.items():
            if article["copy_of"]:
                original = store.get_article(f"https://{by_id[article['copy_of']]['site']}.vn/{article['copy_of']}.html")
                store.set_duplicate_of(article_id, original["id"])
                article["duplicate_of"] = original["id"]
    update_index(home, progress=False, processes=1)
    return home, by_id


@pytest.fixture(scope="module", params=[(engine, seed) for engine in (*ENGINES, "whoosh-blocks") for seed in (3, 11)],
                ids=lambda param: f"{param[0]}-seed{param[1]}")
def archive(request, tmp_path_factory):
    """``whoosh-blocks``: no hot arrays, every posting read from Whoosh's own blocks (the path
    of a large segment's rarer terms)."""
    engine, seed = request.param
    saved = hot_postings.ALL_TERMS_MAX_DOCS
    if engine == "whoosh-blocks":
        hot_postings.ALL_TERMS_MAX_DOCS = 0
    try:
        home, by_id = build_home(tmp_path_factory.mktemp(f"{engine}{seed}") / "home", engine.split("-")[0],
                                 generated_articles(seed))
    finally:
        hot_postings.ALL_TERMS_MAX_DOCS = saved
    originals = [article for article in by_id.values() if not article.get("duplicate_of")]
    return home, originals


TOKENS = st.one_of(
    st.sampled_from(VOCABULARY + ["lien", "nguoi", "nhan", "tet", "luong", "hoa", "thuy", "ldld", "nld"]),
    st.sampled_from(VOCABULARY).map(lambda word: "-" + word),
    st.lists(st.sampled_from(VOCABULARY), min_size=2, max_size=4).map(lambda words: '"' + " ".join(words) + '"'),
    st.sampled_from(PHRASES).map(lambda phrase: f'"{phrase}"'),
    st.sampled_from(PHRASES),
    st.sampled_from(["OR", "OR", "NOT", "(", ")", "-("]),
)
QUERIES = st.lists(TOKENS, min_size=1, max_size=6).map(" ".join)


def engine_ids(home, query, **filters):
    request = SearchRequest(query=query, limit=1000, **filters)
    result = search(home, request)
    ids = set(matching_ids(home, request))
    assert result.total == len(ids) == len({hit.id for hit in result.hits})
    return ids


@given(query=QUERIES, filtered=st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_engine_returns_exactly_the_reference_set(archive, query, filtered):
    home, originals = archive
    filters = {"sites": (SITES[0],)} if filtered else {}
    wanted = [a for a in originals if not filtered or a["site"] == SITES[0]]
    expected = reference.reference_ids(query, wanted)
    if expected is None:
        with pytest.raises(QueryError):
            search(home, SearchRequest(query=query))
        return
    assert engine_ids(home, query, **filters) == expected, query


def test_total_is_exact_and_offset_pages_to_the_end(archive):
    home, originals = archive
    query = "cong"
    expected = reference.reference_ids(query, originals)
    seen, offset = [], 0
    while True:
        result = search(home, SearchRequest(query=query, limit=7, offset=offset))
        assert result.total == len(expected)
        if not result.hits:
            break
        seen += [hit.id for hit in result.hits]
        offset += 7
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_a_term_no_article_holds_makes_the_total_zero_and_is_named(archive):
    home, _ = archive
    result = search(home, SearchRequest(query="công xyzzy"))
    assert result.total == 0 and result.missing == ["xyzzy"]
    payload = result.to_json()
    assert payload["missing"] == ["xyzzy"] and payload["total"] == 0


def test_hits_carry_the_article_id(archive):
    home, _ = archive
    payload = search(home, SearchRequest(query="công", limit=3)).to_json()
    assert payload["hits"] and all(isinstance(hit["id"], int) for hit in payload["hits"])


@pytest.mark.parametrize("query", ["máy bay quốc tế Daniel", "may bay quoc te daniel", '"bay quốc tế Daniel"',
                                   "bay quoc te Daniel"])
def test_a_copied_fragment_finds_its_article_first(tmp_path, query):
    articles = [{"number": n, "title": f"Tin {n} công đoàn", "summary": "", "site": SITES[0], "copy_of": None,
                 "body": "Máy bay quốc tế Daniel hạ cánh. Công nhân lao động." if n == 5 else
                 "Quốc tế lao động; máy móc công nghiệp. Daniel bay về nước. " * (1 + n % 3)} for n in range(1, 12)]
    home, by_id = build_home(tmp_path / "home", "whoosh", articles)
    hits = search(home, SearchRequest(query=query)).hits
    assert hits and hits[0].url.endswith("/5.html")


def test_the_web_page_names_a_missing_term_and_keeps_the_form_on_a_bad_query(archive):
    from search_web import create_app

    home, _ = archive
    client = create_app({"UNIONNEWS_HOME": str(home.root), "TESTING": True, "SEARCH_CACHE_SECONDS": 0}).test_client()
    page = client.get("/", query_string={"q": "công xyzzy"}).get_data(as_text=True)
    assert "Không có bài nào chứa “xyzzy”" in page
    response = client.get("/", query_string={"q": "OR OR", "site": SITES[0], "since": "01/01/2021"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'name="q"' in page and "không có chữ nào" in page
    assert f'name="site" value="{SITES[0]}"' in page and "the query" not in page
    assert "Cách tìm kiếm" in client.get("/help").get_data(as_text=True)
    payload = client.get("/api/search", query_string={"q": "công xyzzy"}).get_json()
    assert payload["total"] == 0 and payload["missing"] == ["xyzzy"]
