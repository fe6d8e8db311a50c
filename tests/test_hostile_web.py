"""Hostile input to the search web app: arbitrary parameters, and hostile stored articles.

Two kinds of attacker are modelled. A *visitor* controls the query string: hypothesis throws
arbitrary Unicode (control characters, invalid UTF-8 percent-escapes, RTL text, combining
marks), query operators, huge and negative numbers, bad dates and repeated parameters at
every route; the app must never answer 500 and never reflect a probe marker unescaped into
HTML. A *site* controls what the crawler stored: an XSS corpus placed in every text field of
articles (title, summary, body, author, source, tags, category, province, site, url) must
render inert on every page (results with snippets and highlights, facets, article pages),
stay plain data in JSON and CSV, and a stored ``javascript:`` URL must never become a link.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_web import write_site_entries
from archive.home import Home
from archive.store import Store

# -- the hostile corpus --------------------------------------------------------------------

XSS_PAYLOADS = [
    '<script>alert("xss1")</script>',
    '<img src=x onerror=alert(1)>',
    '"><svg onload=alert(2)>',
    "'><iframe src=javascript:alert(3)></iframe>",
    '</title><script>alert(4)</script>',
    '</textarea><body onload=alert(5)>',
    '<a href="javascript:alert(6)">bấm vào đây</a>',
    '<math><mtext></p><style><img src=x onerror=alert(7)></style>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(8)">',
    '{{7*7}} {% print(1) %} ${7*7} #{7*7}',
    '&lt;script&gt;alert(9)&lt;/script&gt;',  # already escaped once: must be escaped again
    '<x-probe>',
]
# URLs a hostile page could have given as its canonical URL: none may become an href.
HOSTILE_URLS = [
    "javascript:alert(10)",
    "JaVaScRiPt:alert(11)",
    " javascript:alert(12)",
    "java\tscript:alert(13)",
    "data:text/html,<script>alert(14)</script>",
    "vbscript:msgbox(15)",
]
# Words every hostile article shares, so searches return them with snippets and highlights.
MARKER_WORDS = "cảnh báo lừa đảo script alert onerror"
HOSTILE_SITE = "x-site\"><img src=x onerror=alert(16)>"


def _record(url: str, *, site: str = "congdoankiengiang", province: str = "Kiên Giang", title: str,
            summary: str, body: str, author=None, source=None, tags=(), category=None) -> dict:
    return {
        "url": url, "site": site, "province": province, "title": title, "summary": summary,
        "published_at": "2022-10-10T08:20:00+07:00", "updated_at": None, "author": author,
        "source": source, "tags": list(tags), "category": category, "images": [], "body": body,
        "fetched_at": "2026-11-24T02:00:00Z",
        "content_hash": hashlib.sha256(f"{title}\n{summary}\n{body}".encode()).hexdigest(),
    }


def hostile_records() -> list[dict]:
    """One article per payload with the payload in every text field, plus hostile URLs/sites."""
    records = []
    for number, payload in enumerate(XSS_PAYLOADS):
        records.append(_record(
            f"https://congdoankiengiang.vn/canh-bao-{number}.html",
            title=f"{payload} Cảnh báo lừa đảo số {number}",
            summary=f"Tóm tắt {payload} {MARKER_WORDS}",
            body=f"Kẻ gian gửi {payload} tin nhắn {MARKER_WORDS}.\n\n{payload}\n\nNgười lao động cần cảnh giác.",
            author=f"Tác giả {payload}", source=f"Nguồn: {payload}", tags=[payload, "công đoàn"],
            category=f"Chuyên mục {payload}", province=f"Kiên Giang {payload}" if number % 3 == 0 else "Kiên Giang"))
    for number, url in enumerate(HOSTILE_URLS):
        records.append(_record(url, title=f"Bài có đường dẫn độc hại {number} cảnh báo lừa đảo",
                               summary=MARKER_WORDS, body=f"Nội dung {MARKER_WORDS} {number}."))
    records.append(_record("https://example.org/trang-la.html", site=HOSTILE_SITE, province=XSS_PAYLOADS[2],
                           title="Trang lạ cảnh báo lừa đảo", summary=MARKER_WORDS, body=f"{MARKER_WORDS}."))
    return records


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory) -> Home:
    from indexer.build import update_index

    home = Home(tmp_path_factory.mktemp("hostile") / "home").ensure()
    write_site_entries(home)
    with Store(home.store_path) as store:
        for record in hostile_records():
            store.upsert_article(record, b"<html></html>")
        # one republished copy, so "also published at" and duplicates lists show up too
        copy = store.get_article(HOSTILE_URLS[0])
        original = store.get_article("https://congdoankiengiang.vn/canh-bao-0.html")
        store.set_duplicate_of(copy["id"], original["id"])
    update_index(home, progress=False, processes=1)
    return home


@pytest.fixture(scope="module")
def client(hostile_home):
    from search_web import create_app

    return create_app({"UNIONNEWS_HOME": str(hostile_home.root), "TESTING": True}).test_client()


def all_ids(home: Home) -> list[int]:
    with Store(home.store_path, readonly=True) as store:
        return [row[0] for row in store.conn.execute("SELECT id FROM articles ORDER BY id")]


# -- what "inert" means for an HTML page ---------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "img", "style", "textarea", "math", "base", "x-probe", "frame"}


class ActiveContentFinder(HTMLParser):
    """Collects everything in a page that could run code or navigate somewhere unexpected."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.bodies = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self.bodies += 1
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append(f"inline or foreign script {attributes}")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("meta http-equiv")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event attribute {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                # browsers ignore ASCII whitespace and controls inside a scheme
                scheme = "".join(ch for ch in value if ord(ch) > 32).lower().partition(":")[0]
                if scheme in ("javascript", "vbscript", "data") and ":" in value:
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def assert_inert_html(page: str, *, reflected: tuple[str, ...] = ()) -> None:
    finder = ActiveContentFinder()
    finder.feed(page)
    finder.close()
    assert finder.problems == [], finder.problems[:5]
    assert finder.bodies == 1, "a second <body> opened"
    for raw in (*XSS_PAYLOADS[:-3], "<x-probe>", '"><script>', *reflected):
        assert raw not in page, f"unescaped {raw!r} in the page"


# -- visitors: arbitrary parameters ----------------------------------------------------------

PROBES = ["<x-probe>", '"><script>alert(1)</script>', "'\"><x-probe a=1>", "</title><x-probe>",
          "javascript:alert(1)", "{{7*7}}"]
OPERATORS = ['"', "-", "AND", "OR", "NOT", "*", "?", "~", "^", "(", ")", ":", "+", "\\", "/", "[", "]",
             "{", "}", "title:", "*:*", "a~2", "x^3", '"công đoàn"~2', "(((", ")))", "NOT NOT", "OR OR"]
NUMBERS = ["-1", "0", "1", "100", "101", "10000", "10001", "99999999999999999999999999", "-99999999999999999999",
           "1e9", "0x10", "1.5", " 7 ", "٣", "NaN", "inf", "", "+5", "1_000"]
DATES = ["2021-02-30", "31/02/2021", "0000-00-00", "00/00/0000", "9999-12-31", "1/1/0", "2021-13-01",
         "32/13/2021", "2021-1-1", "01/01/10000", "2021-08-09T00:00", "09/08/2021", "2021-08-09", "yesterday"]
WORDS = ["công đoàn", "cong doan", "lao động", "cảnh báo", "script", "alert", "onerror", "Việt Nam"]
# RTL override, Arabic, Hebrew, combining marks (decomposed Vietnamese and a pile of them), zero-width, BOM
ODD_TEXT = ["\u202egnp.exe", "مرحبا", "שלום", "co\u0302ng \u0111oa\u0300n", "a" + "\u0301" * 40,
            "\u200b\u200d\ufeff", "\x00", "\x1b[31m", "\r\n", "\u2028", "\U0001F600", "ﷺ" * 20]

printable_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
value = st.one_of(
    printable_text,
    st.sampled_from(PROBES + OPERATORS + NUMBERS + DATES + WORDS + ODD_TEXT),
    st.lists(st.sampled_from(WORDS + OPERATORS + PROBES + ODD_TEXT), min_size=1, max_size=8).map(" ".join),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
)
PARAMETER_NAMES = ["q", "site", "province", "since", "until", "sort", "limit", "offset", "page", "excel"]
name = st.one_of(st.sampled_from(PARAMETER_NAMES), st.sampled_from(PROBES), printable_text)


def encoded_pair(pair: tuple[str, str]) -> str:
    return quote(pair[0], safe="") + "=" + quote(pair[1], safe="")


# A query string: pairs of any of the names (repeats allowed), sometimes with raw bytes that are
# not UTF-8 (lone surrogates as CESU-8 ``%ED%A0%80``, overlong forms, stray continuation bytes).
raw_bytes = st.sampled_from(["%ED%A0%80", "%C0%AF", "%80", "%FF%FE", "%", "%zz", "%00", "&&", "==", ";"])
query_string = st.builds(
    lambda pairs, extra: "&".join([*(encoded_pair(pair) for pair in pairs), *extra]),
    st.lists(st.tuples(name, value), max_size=8),
    st.lists(st.builds(lambda n, b: f"{n}={b}", st.sampled_from(PARAMETER_NAMES), raw_bytes), max_size=2),
)
ROUTES = ["/", "/api/search", "/export.csv", "/export.jsonl", "/attention.csv", "/api/sites"]
HYPOTHESIS = settings(max_examples=120, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def check_response(response, path: str) -> None:
    assert response.status_code != 500, f"500 for {path}"
    assert response.status_code in (200, 400, 404, 405), f"{response.status_code} for {path}"
    body = response.get_data(as_text=True)
    content_type = response.headers.get("Content-Type", "")
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    route = path.partition("?")[0]
    if route.startswith("/api/"):
        assert content_type.startswith("application/json"), content_type
        json.loads(body)
    elif route.endswith((".csv", ".jsonl")):
        # data routes never answer HTML, whatever they were given (errors are JSON)
        assert not content_type.startswith("text/html"), content_type
        if response.status_code == 200:
            assert "attachment" in response.headers.get("Content-Disposition", "")
    else:
        assert content_type.startswith("text/html"), content_type
        assert_inert_html(body)


@HYPOTHESIS
@given(route=st.sampled_from(ROUTES), query=query_string)
def test_any_query_string_is_answered_without_500_or_reflection(client, route, query):
    path = f"{route}?{query}"
    check_response(client.get(path), path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(["/api/articles/", "/article/"]),
       article=st.one_of(st.integers(min_value=0, max_value=10 ** 40).map(str),
                         st.sampled_from(["-1", "1.5", "0x1", "%3Cx-probe%3E", "1%00", "%ED%A0%80", "١", "",
                                          "1/..", "..%2F..%2Fstore.sqlite"])))
def test_any_article_id_is_answered_without_500(client, prefix, article):
    path = prefix + article
    check_response(client.get(path), path)


def test_huge_article_ids_are_not_found(client):
    # SQLite integers are 64-bit: a larger id cannot exist, and must not overflow into a 500
    for path in ("/article/99999999999999999999", "/api/articles/9223372036854775808"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("probe", PROBES)
@pytest.mark.parametrize("parameter", ["q", "since", "until", "site", "province", "sort", "limit", "page"])
def test_probe_in_each_parameter_of_the_page_is_escaped(client, parameter, probe):
    other = [] if parameter == "q" else [("q", "cảnh báo")]
    path = "/?" + "&".join(encoded_pair(pair) for pair in [*other, (parameter, probe)])
    response = client.get(path)
    check_response(response, path)


def test_repeated_single_parameters_are_refused_not_merged(client):
    for parameter in ("q", "since", "sort", "limit", "offset", "page"):
        response = client.get(f"/api/search?q=a&{parameter}=1&{parameter}=2")
        assert response.status_code == 400, parameter
        assert "more than once" in response.get_json()["error"]


def test_only_get_is_served(client):
    for route in ROUTES:
        response = client.post(route, data={"q": "<x-probe>"})
        assert response.status_code == 405
        check_response(response, route)


# -- sites: hostile stored articles -------------------------------------------------------

SEARCHES = ["cảnh báo lừa đảo", "script", "alert", "onerror", "lừa đảo", "\"cảnh báo\"", "canh bao",
            "svg", "iframe", "javascript", "title", "7*7"]


@pytest.mark.parametrize("query", SEARCHES)
def test_result_pages_with_hostile_articles_are_inert(client, query):
    for extra in ("", "&sort=newest", "&site=congdoankiengiang", "&page=2"):
        response = client.get(f"/?q={quote(query)}{extra}")
        assert response.status_code in (200, 400)
        page = response.get_data(as_text=True)
        assert_inert_html(page)
    assert "<mark>" in client.get(f"/?q={quote('cảnh báo lừa đảo')}").get_data(as_text=True)


def test_results_page_shows_the_payloads_as_text(client):
    """Inert, but not silently dropped: the researcher sees the text the site published."""
    page = client.get("/?q=" + quote("cảnh báo lừa đảo")).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;xss1&#34;)&lt;/script&gt;" in page or \
        "&lt;script&gt;alert(&quot;xss1&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_every_article_page_is_inert(client, hostile_home):
    for article_id in all_ids(hostile_home):
        response = client.get(f"/article/{article_id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert_inert_html(page)


def test_template_syntax_in_articles_is_shown_not_evaluated(client, hostile_home):
    with Store(hostile_home.store_path, readonly=True) as store:
        article = store.get_article("https://congdoankiengiang.vn/canh-bao-9.html")
    page = client.get(f"/article/{article['id']}").get_data(as_text=True)
    assert "{{7*7}} {% print(1) %} ${7*7} #{7*7}" in page
    # a pre-escaped entity stays visible as the text the site printed
    assert "&amp;lt;script&amp;gt;" in client.get(
        "/article/{}".format(_id(hostile_home, "https://congdoankiengiang.vn/canh-bao-10.html"))).get_data(as_text=True)


def _id(home: Home, url: str) -> int:
    with Store(home.store_path, readonly=True) as store:
        return store.get_article(url)["id"]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_original_url_is_never_a_link(client, hostile_home, url):
    article_id = _id(hostile_home, url)
    page = client.get(f"/article/{article_id}").get_data(as_text=True)
    assert_inert_html(page)
    assert "Đọc bài gốc" not in page  # the "read the original" button is left out
    results = client.get("/?q=" + quote(f"đường dẫn độc hại {HOSTILE_URLS.index(url)}")).get_data(as_text=True)
    assert_inert_html(results)


def test_api_returns_payloads_as_data(client, hostile_home):
    records = {record["url"]: record for record in hostile_records()}
    for article_id in all_ids(hostile_home):
        response = client.get(f"/api/articles/{article_id}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        article = response.get_json()
        expected = records[article["url"]]
        for key in ("title", "summary", "body", "author", "source", "tags", "category", "site", "province"):
            assert article[key] == expected[key], key
    found = client.get("/api/search?q=" + quote("cảnh báo lừa đảo") + "&limit=100").get_json()
    assert found["total"] >= len(XSS_PAYLOADS)
    for hit in found["hits"]:
        # snippets are HTML (escaped text, <mark> only): no other tag survives
        assert_inert_html(f"<body>{hit['snippet']}</body>")
        stripped = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
        assert "<" not in stripped
    sites = client.get("/api/sites").get_json()
    assert HOSTILE_SITE in {site["slug"] for site in sites["sites"]}


def test_csv_downloads_hold_payloads_as_plain_cells(client):
    for path in ("/export.csv?q=" + quote("cảnh báo lừa đảo"), "/export.csv?q=" + quote("lừa đảo") + "&site=congdoankiengiang&excel=1"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        assert response.headers["Content-Disposition"].startswith("attachment")
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        titles = {row["title"] for row in rows}
        for number, payload in enumerate(XSS_PAYLOADS):
            assert f"{payload} Cảnh báo lừa đảo số {number}" in titles
    attention = client.get("/attention.csv?q=" + quote("cảnh báo") + "&site=congdoankiengiang")
    assert attention.status_code == 200 and attention.headers["Content-Type"].startswith("text/csv")
    jsonl = client.get("/export.jsonl?q=" + quote("cảnh báo lừa đảo"))
    assert jsonl.status_code == 200
    exported = {json.loads(line)["url"] for line in jsonl.get_data(as_text=True).splitlines()}
    assert exported >= set(HOSTILE_URLS[1:])  # [0] is a republished copy, folded into its original


def test_download_file_name_carries_no_injected_header_text(client):
    response = client.get("/export.csv?q=" + quote('a"; filename=evil.html\r\nX-Evil: 1'))
    disposition = response.headers.get("Content-Disposition", "")
    assert "X-Evil" not in response.headers and "evil.html" not in disposition
    assert disposition.count('"') in (0, 2)


def test_security_headers_on_every_kind_of_answer(client):
    for path in ("/", "/?q=a&since=bad", "/article/1", "/article/999999", "/api/search?q=a", "/api/sites",
                 "/export.csv?q=a", "/nonexistent"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert "default-src 'self'" in response.headers["Content-Security-Policy"], path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY", path
