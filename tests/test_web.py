"""The search web app through Flask's test client: every route, validation, escaping, API shape.

``build_corpus`` (also used by tests/test_browser.py) fills a home with fifteen Vietnamese
articles from four sites, a republished pair, and one hostile article, then builds the index.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from archive.home import Home
from archive.store import Store

SITES = {
    "laodongthudo": ("Báo Lao động Thủ đô", "Hà Nội", "laodongthudo.vn"),
    "congdoannghean": ("Công đoàn Nghệ An", "Nghệ An", "congdoannghean.vn"),
    "congdoanquangninh": ("Công đoàn Quảng Ninh", "Quảng Ninh", "congdoanquangninh.org.vn"),
    "congdoankiengiang": ("Công đoàn Kiên Giang", "Kiên Giang", "congdoankiengiang.vn"),
}
HOSTILE_TITLE = '<script>alert("xss")</script> Cảnh báo lừa đảo người lao động'

# (site, published_at, title, summary, body)
ARTICLES = [
    ("laodongthudo", "2021-01-12T08:30:00+07:00", "Từng bước xây dựng công đoàn cơ sở vững mạnh",
     "Liên đoàn Lao động huyện Phúc Thọ đẩy mạnh đào tạo cán bộ công đoàn cơ sở.",
     "Năm 2020, công đoàn cơ sở trên địa bàn huyện đã tập huấn cho hơn 300 cán bộ.\n\n"
     "Các hoạt động chăm lo cho người lao động được duy trì đều đặn."),
    ("laodongthudo", "2021-03-05T10:00:00+07:00", "Hà Nội: chăm lo Tết cho công nhân khó khăn",
     "Công đoàn Thủ đô trao 5.000 suất quà Tết cho đoàn viên.",
     "Chương trình Tết sum vầy năm nay hướng tới công nhân các khu công nghiệp.\n\n"
     "Mỗi suất quà trị giá 1 triệu đồng."),
    ("laodongthudo", "2021-06-20T14:15:00+07:00", "Đảm bảo an toàn lao động trong mùa nắng nóng",
     "Các doanh nghiệp được đề nghị bố trí giờ làm việc hợp lý.",
     "An toàn lao động là ưu tiên trong những ngày nắng nóng kéo dài.\n\nCông đoàn kiểm tra các công trường."),
    ("laodongthudo", "2022-02-14", "Đại hội Công đoàn quận Ba Đình nhiệm kỳ mới",
     "", "Đại hội đã bầu ban chấp hành công đoàn quận gồm 25 đồng chí.\n\nNhiệm kỳ 2022 – 2027."),
    ("congdoannghean", "2021-03-18T09:00:00+07:00", "Nghệ An: công đoàn đồng hành cùng người lao động",
     "LĐLĐ tỉnh Nghệ An tổ chức đối thoại với công nhân.",
     "Hơn 200 công nhân đã tham gia buổi đối thoại về tiền lương và nhà ở.\n\nCông đoàn ghi nhận các kiến nghị."),
    ("congdoannghean", "2021-09-02T07:45:00+07:00", "Hỗ trợ đoàn viên bị ảnh hưởng bởi dịch bệnh",
     "Công đoàn Nghệ An hỗ trợ hơn 2 tỷ đồng.", "Các đoàn viên khó khăn được nhận tiền hỗ trợ trực tiếp."),
    ("congdoannghean", "2022-05-01T08:00:00+07:00", "Tháng Công nhân 2022: nhiều hoạt động ý nghĩa",
     "", "Tháng Công nhân năm 2022 có chủ đề chăm lo cho đoàn viên công đoàn.\n\nNhiều mái ấm công đoàn được trao."),
    ("congdoanquangninh", "2021-04-10T16:00:00+07:00", "Quảng Ninh: thợ mỏ thi tay nghề giỏi",
     "Công đoàn Than tổ chức hội thi.", "Hội thi thợ mỏ giỏi thu hút 150 công nhân tham gia."),
    ("congdoanquangninh", "2021-11-22T10:30:00+07:00", "An toàn vệ sinh lao động trong ngành than",
     "Tuần lễ quốc gia về an toàn vệ sinh lao động.",
     "Công đoàn ngành than phát động phong trào an toàn lao động.\n\nKhông để xảy ra tai nạn nghiêm trọng."),
    ("congdoanquangninh", "2022-08-08T09:10:00+07:00", "Công đoàn cơ sở doanh nghiệp ngoài nhà nước",
     "", "Phát triển công đoàn cơ sở ở doanh nghiệp ngoài nhà nước là nhiệm vụ trọng tâm."),
    ("congdoankiengiang", "2021-07-07T15:00:00+07:00", "Kiên Giang: mái ấm công đoàn cho đoàn viên nghèo",
     "", "Công đoàn tỉnh bàn giao 10 mái ấm công đoàn cho đoàn viên có hoàn cảnh khó khăn."),
    ("congdoankiengiang", "2022-01-25T11:00:00+07:00", "Chợ Tết Công đoàn năm 2022",
     "Hàng nghìn công nhân mua hàng giảm giá.", "Chợ Tết công đoàn giúp người lao động đón Tết đầm ấm."),
    ("congdoankiengiang", "2022-10-10T08:20:00+07:00", HOSTILE_TITLE,
     "Thủ đoạn mới nhắm vào người lao động.",
     'Kẻ gian gửi <img src=x onerror="alert(1)"> tin nhắn giả danh công đoàn.\n\nNgười lao động cần cảnh giác.'),
]
# A republished copy: same story on another site, linked with Store.set_duplicate_of.
REPUBLISHED = ("congdoannghean", "2021-01-13T09:00:00+07:00", ARTICLES[0][2], ARTICLES[0][3], ARTICLES[0][4])


def _record(index: int, site: str, published: str, title: str, summary: str, body: str) -> dict:
    domain = SITES[site][2]
    return {
        "url": f"https://{domain}/tin-{index:02d}.html", "site": site, "province": SITES[site][1],
        "title": title, "summary": summary, "published_at": published, "updated_at": None,
        "author": "Phóng viên" if index % 2 else None, "source": "Nguồn: LĐLĐ" if index == 3 else None,
        "tags": ["công đoàn"] if index % 3 == 0 else [], "category": "Công đoàn", "images": [], "body": body,
        "fetched_at": "2026-11-24T02:00:00Z",
        "content_hash": hashlib.sha256(f"{title}\n{summary}\n{body}".encode()).hexdigest(),
    }


def write_site_entries(home: Home) -> None:
    """Registry entries in the home, so the UI can show each site's name and province."""
    home.sites_dir.mkdir(parents=True, exist_ok=True)
    for slug, (name, province, domain) in SITES.items():
        (home.sites_dir / f"{slug}.toml").write_text(
            f'slug = "{slug}"\nname = "{name}"\nprovince = "{province}"\ndomain = "{domain}"\n'
            f'start_urls = ["https://{domain}/"]\n', encoding="utf-8")


def build_corpus(root: Path) -> Home:
    """A home with the sample articles, indexed; returns it."""
    from indexer.build import update_index

    home = Home(root).ensure()
    write_site_entries(home)
    with Store(home.store_path) as store:
        for index, row in enumerate(ARTICLES):
            store.upsert_article(_record(index, *row), b"<html></html>")
        store.upsert_article(_record(99, *REPUBLISHED))
        original = store.get_article(f"https://{SITES['laodongthudo'][2]}/tin-00.html")
        copy = store.get_article(f"https://{SITES['congdoannghean'][2]}/tin-99.html")
        store.set_duplicate_of(copy["id"], original["id"])
    update_index(home, progress=False, processes=1)
    return home


@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory) -> Home:
    return build_corpus(tmp_path_factory.mktemp("web") / "home")


@pytest.fixture
def app(corpus_home):
    from search_web import create_app

    return create_app({"UNIONNEWS_HOME": str(corpus_home.root), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def article_id(home: Home, index: int, site: str) -> int:
    with Store(home.store_path, readonly=True) as store:
        return store.get_article(f"https://{SITES[site][2]}/tin-{index:02d}.html")["id"]


# -- pages ---------------------------------------------------------------------------------

def test_landing_page_shows_the_archive(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Báo Lao động Thủ đô" in page and "Công đoàn Kiên Giang" in page
    assert ">14<" in page  # 13 articles + 1 republished copy
    assert "12/01/2021" in page  # oldest article, day-first


def test_unaccented_query_finds_and_highlights(client):
    response = client.get("/?q=cong+doan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="cong doan"' in page
    assert "<mark>" in page
    assert "Tìm thấy" in page and " ms" in page
    assert "/article/" in page
    assert "Mức độ quan tâm theo thời gian" in page and "<svg" in page and 'class="bar"' in page


def test_site_filter_province_filter_and_dates(client, corpus_home):
    page = client.get("/?q=cong+doan&site=congdoannghean&since=01/01/2021&until=31/12/2021").get_data(as_text=True)
    assert "Nghệ An" in page
    assert "Quảng Ninh: thợ mỏ" not in page  # other sites filtered out
    assert "Tháng Công nhân 2022" not in page  # outside the dates
    assert 'value="01/01/2021"' in page and 'value="31/12/2021"' in page
    # disjunctive facets: the other sites keep their counts while one is ticked
    assert 'value="laodongthudo"' in page
    page = client.get("/?q=cong+doan&province=Qu%E1%BA%A3ng+Ninh").get_data(as_text=True)
    assert "Công đoàn Quảng Ninh" in page and "Chợ Tết Công đoàn" not in page


def test_several_sites_give_one_line_per_site(client):
    page = client.get("/?q=cong+doan&site=laodongthudo&site=congdoannghean").get_data(as_text=True)
    assert page.count("<polyline class=\"line series-") == 4  # two lines, in the wide and the phone chart
    assert 'class="legend"' in page


def test_sort_newest_and_pagination(client):
    page = client.get("/?q=cong+doan&sort=newest").get_data(as_text=True)
    dates = [chunk.split(">")[1][:10] for chunk in page.split("<time datetime=")[1:]]
    as_iso = [f"{d[6:10]}-{d[3:5]}-{d[0:2]}" for d in dates]
    assert as_iso == sorted(as_iso, reverse=True) and len(as_iso) > 3
    response = client.get("/api/search?q=cong+doan&limit=2")
    total = response.get_json()["total"]
    assert total > 2
    from search_web.views import pagination
    from search_web.params import SearchParams

    with client.application.test_request_context():
        pages = pagination(SearchParams(query="x", limit=2, offset=2), total)
    assert [p.get("number") for p in pages if not p.get("gap")][:3] == [1, 2, 3]
    second = client.get("/?q=cong+doan&page=2").status_code
    assert second == 200


def test_empty_result_gives_help(client):
    page = client.get("/?q=kh%E1%BB%A7ng+long+xyzzy").get_data(as_text=True)
    assert "Không có bài nào khớp" in page
    assert "Gõ không dấu" in page and "có dấu" in page


def test_bad_page_parameters_are_400_with_form(client):
    response = client.get("/?q=cong+doan&since=32/13/2021")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "DD/MM/YYYY" in page and 'value="cong doan"' in page
    assert client.get("/?q=" + "a" * 501).status_code == 400
    assert client.get("/?q=a&page=0").status_code == 400
    assert client.get("/?q=a&sort=random").status_code == 400


def test_article_page_metadata_copies_related(client, corpus_home):
    original = article_id(corpus_home, 0, "laodongthudo")
    copy = article_id(corpus_home, 99, "congdoannghean")
    page = client.get(f"/article/{original}").get_data(as_text=True)
    assert "<p>Năm 2020, công đoàn cơ sở" in page and "<p>Các hoạt động chăm lo" in page
    for text in ("Báo Lao động Thủ đô", "Hà Nội", "12/01/2021 08:30", "Phúc Thọ", "24/11/2026 09:00",
                 "https://laodongthudo.vn/tin-00.html", "Cũng đăng tại", "Bài liên quan", "Công đoàn"):
        assert text in page, text
    assert f'href="/article/{copy}"' in page
    copy_page = client.get(f"/article/{copy}").get_data(as_text=True)
    assert f'href="/article/{original}"' in copy_page and "bài gốc" in copy_page
    assert client.get("/article/999999").status_code == 404
    assert client.get("/article/abc").status_code == 404


# -- escaping and headers ------------------------------------------------------------------

def test_hostile_title_body_and_query_come_back_inert(client, corpus_home):
    hostile = article_id(corpus_home, 12, "congdoankiengiang")
    page = client.get(f"/article/{hostile}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    results = client.get("/?q=l%E1%BB%ABa+%C4%91%E1%BA%A3o").get_data(as_text=True)
    assert "<script>alert" not in results and "&lt;script&gt;" in results
    query_page = client.get("/?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in query_page and "&lt;script&gt;alert(1)" in query_page


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    assert "style=" not in response.get_data(as_text=True)  # inline styles would break the CSP


def test_static_files_are_served(client):
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


# -- JSON API ------------------------------------------------------------------------------

def test_api_search_has_the_cli_shape(client, corpus_home):
    from indexer.search import SearchRequest, search

    payload = client.get("/api/search?q=cong+doan&limit=3").get_json()
    expected = search(corpus_home, SearchRequest(query="cong doan", limit=3)).to_json()
    assert set(payload) >= {"query", "total", "hits"}
    assert set(payload) == set(expected)
    assert payload["total"] == expected["total"]
    assert [hit["url"] for hit in payload["hits"]] == [hit["url"] for hit in expected["hits"]]
    for hit in payload["hits"]:
        assert set(hit) >= {"url", "title", "site", "province", "published_at", "score", "snippet"}
    assert len(payload["hits"]) == 3


def test_api_search_filters_and_repeated_sites(client):
    payload = client.get("/api/search?q=cong+doan&site=congdoannghean&site=congdoankiengiang"
                         "&since=2021-01-01&until=2022-12-31&sort=newest&limit=100").get_json()
    assert payload["hits"] and {hit["site"] for hit in payload["hits"]} <= {"congdoannghean", "congdoankiengiang"}
    dates = [hit["published_at"][:10] for hit in payload["hits"]]
    assert dates == sorted(dates, reverse=True)
    offset = client.get("/api/search?q=cong+doan&limit=1&offset=1").get_json()
    first_two = client.get("/api/search?q=cong+doan&limit=2").get_json()
    assert offset["hits"][0]["url"] == first_two["hits"][1]["url"]


@pytest.mark.parametrize("query", [
    "q=cong&limit=1000", "q=cong&limit=0", "q=cong&limit=abc", "q=cong&offset=-1", "q=cong&offset=99999999",
    "q=cong&since=2021-13-01", "q=cong&until=yesterday", "q=cong&since=2022-01-01&until=2021-01-01",
    "q=cong&sort=best", "q=a&q=b", "q=cong&limit=1&limit=2", "q=", "q=" + "x" * 501, "q=cong&site=Bad%20Slug",
])
def test_api_bad_parameters_are_json_400(client, query):
    response = client.get("/api/search?" + query)
    assert response.status_code == 400, query
    assert set(response.get_json()) == {"error"} and response.get_json()["error"]


def test_api_article_and_404(client, corpus_home):
    identifier = article_id(corpus_home, 1, "laodongthudo")
    article = client.get(f"/api/articles/{identifier}").get_json()
    assert article["id"] == identifier and article["title"].startswith("Hà Nội: chăm lo Tết")
    assert article["province"] == "Hà Nội" and "body" in article
    missing = client.get("/api/articles/424242")
    assert missing.status_code == 404 and "error" in missing.get_json()
    assert client.get("/api/nothing").get_json() == {"error": "not found"}


def test_api_sites_lists_registry_and_counts(client):
    payload = client.get("/api/sites").get_json()
    by_slug = {site["slug"]: site for site in payload["sites"]}
    assert by_slug["congdoannghean"]["articles"] == 4 and by_slug["congdoannghean"]["name"] == "Công đoàn Nghệ An"
    assert by_slug["laodongthudo"]["province"] == "Hà Nội"
    assert payload["total_articles"] == 14


# -- downloads -----------------------------------------------------------------------------

def test_export_csv_has_export_columns_and_all_matches(client):
    from archive.dataset.schema import DEFAULT_FIELDS

    response = client.get("/export.csv?q=cong+doan&site=laodongthudo")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == DEFAULT_FIELDS
    total = client.get("/api/search?q=cong+doan&site=laodongthudo").get_json()["total"]
    assert len(rows) == total and {row["site"] for row in rows} == {"laodongthudo"}
    excel = client.get("/export.csv?q=cong+doan&excel=1").get_data()
    assert excel.startswith(b"\xef\xbb\xbf")


def test_export_jsonl_and_duplicate_url(client):
    response = client.get("/export.jsonl?q=Ph%C3%BAc+Th%E1%BB%8D")
    assert response.status_code == 200
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    by_url = {record["url"]: record for record in records}
    original = by_url["https://laodongthudo.vn/tin-00.html"]
    assert original["duplicate_of"] is None and original["title"] == ARTICLES[0][2]
    # the index folds a republished copy into its original's hit; the copy is named there
    hit = client.get("/api/search?q=Ph%C3%BAc+Th%E1%BB%8D").get_json()["hits"][0]
    assert hit["duplicates"] == ["https://congdoannghean.vn/tin-99.html"]
    assert len(records) == client.get("/api/search?q=Ph%C3%BAc+Th%E1%BB%8D").get_json()["total"]


def test_export_refuses_bad_or_empty_selection(client):
    assert client.get("/export.csv").status_code == 400
    assert client.get("/export.jsonl?q=cong&since=bad").get_json()["error"]


def test_attention_csv(client):
    response = client.get("/attention.csv?q=cong+doan")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["month", "articles"]
    months = [row[0] for row in rows[1:]]
    assert months == sorted(months) and "2021-02" in months  # a month without articles is kept, as 0
    assert sum(int(row[1]) for row in rows[1:]) == client.get("/api/search?q=cong+doan").get_json()["total"]
    split = list(csv.reader(io.StringIO(client.get(
        "/attention.csv?q=cong+doan&site=laodongthudo&site=congdoannghean").get_data(as_text=True))))
    assert split[0] == ["month", "laodongthudo", "congdoannghean"]


# -- a home without data -------------------------------------------------------------------

def test_missing_store_and_index_explain_what_to_run(tmp_path):
    from search_web import create_app

    empty = create_app({"UNIONNEWS_HOME": str(tmp_path / "empty")}).test_client()
    response = empty.get("/?q=cong")
    assert response.status_code == 503 and "unionnews crawl" in response.get_data(as_text=True)
    assert "unionnews crawl" in empty.get("/api/search?q=cong").get_json()["error"]
    assert empty.get("/api/sites").status_code == 200

    home = Home(tmp_path / "no-index").ensure()
    with Store(home.store_path) as store:
        store.upsert_article(_record(1, *ARTICLES[1]))
    no_index = create_app({"UNIONNEWS_HOME": str(home.root)}).test_client()
    page = no_index.get("/")
    assert page.status_code == 503 and "unionnews index" in page.get_data(as_text=True)
    assert no_index.get(f"/article/{1}").status_code == 200  # articles are readable without the index


def test_app_reads_home_from_environment(home):
    from search_web import create_app

    assert create_app().config["UNIONNEWS_HOME"] == str(home.root.resolve())
