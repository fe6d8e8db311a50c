"""The replica web: routing, listings, article pages, defects, publish steps, redesign,
and the expected records in ``unionnews.replica.truth`` agreeing with the served pages."""
from __future__ import annotations

import html
import re
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from unionnews.replica import truth
from unionnews.replica.content import DEFAULT_CONTENT_DIR, SLUGS, load_all
from unionnews.replica.server import ReplicaServer
from unionnews.replica.textforms import encode_cp1258, normalize_text

SAMPLE = Path(__file__).parent / "fixtures" / "replica_sample"


def fetch(server: ReplicaServer, domain: str, path: str, host: str | None = None, method: str = "GET"):
    """(status, headers, body bytes) of a request through real HTTP."""
    url = f"{server.url}{path}" if host else f"{server.url}/{domain}{path}"
    request = urllib.request.Request(url, headers={"Host": host} if host else {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def page_text(headers, body: bytes) -> str:
    """Decoded, NFC, tags stripped, entities resolved, whitespace collapsed."""
    charset = headers.get_content_charset() or "utf-8"
    text = re.sub(r"<[^>]+>", " ", body.decode(charset))
    return normalize_text(html.unescape(text))


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(content_dir=SAMPLE) as replica:
        yield replica


@pytest.fixture
def fresh():
    """A server of its own, for tests that change state (step, redesign, 500-once)."""
    with ReplicaServer(content_dir=SAMPLE) as replica:
        yield replica


def article_with(replica: ReplicaServer, slug: str, defect):
    module = replica.sites[slug]
    return module, next(a for a in module.content.articles if a.defect == defect and a.publish_step == 0)


def test_serves_all_five_sites(server):
    assert sorted(server.sites) == sorted(SLUGS)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)


@pytest.mark.parametrize("slug", SLUGS)
def test_listings_paginate_and_link_real_article_urls(server, slug):
    module = server.sites[slug]
    category = max(module.content.categories, key=lambda c: len(module.content.online(0, c.id)))
    pages = module.pages_in(category, 0)
    assert pages >= 3
    seen = []
    for page in range(1, pages + 1):
        status, headers, body = fetch(server, module.domain, module.listing_path(category, page))
        assert status == 200
        text = body.decode("utf-8")
        hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', text)]
        links = {module.base_url + h if h.startswith("/") else h for h in hrefs}
        articles = [u for u in links if re.match(module.article_url_pattern, u)]
        listed = [module.article_url(a) for a in module.content.online(0, category.id)]
        on_page = listed[(page - 1) * module.page_size: page * module.page_size]
        assert set(on_page) <= set(articles)
        seen += on_page
        next_url = module.base_url + module.listing_path(category, page + 1)
        assert (next_url in links) == (page < pages)
    assert len(seen) == len(module.content.online(0, category.id))
    status, _, _ = fetch(server, module.domain, module.listing_path(category, pages + 1))
    assert status == 404


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_shows_title_date_body(server, slug):
    module, article = article_with(server, slug, None)
    status, headers, body = fetch(server, module.domain, module.article_path(article))
    assert status == 200
    assert headers.get_content_charset() == "utf-8"
    text = page_text(headers, body)
    assert normalize_text(article.title) in text
    assert module.date_text(article.published_at) in text or slug == "congdoanquangninh"
    for paragraph in article.body:
        assert normalize_text(paragraph) in text
    raw = body.decode("utf-8")
    assert f'href="{module.article_url(article)}"' in raw or f'value="{module.article_url(article)}"' in raw
    assert "replica:cut" not in raw


def test_wordpress_post_carries_machine_dates_and_feed_respects_step(fresh):
    module, article = article_with(fresh, "congdoanquangninh", None)
    _, _, body = fetch(fresh, module.domain, module.article_path(article))
    raw = body.decode()
    stamp = article.published_at.replace(second=0).isoformat()
    assert f'<meta property="article:published_time" content="{stamp}"' in raw
    assert f'datetime="{stamp}"' in raw and "entry-title" in raw and "No data was found" in raw
    assert 'rel="tag"' in raw and "jet-listing-grid__items" in raw
    newest = module.content.online(1)[0]
    _, headers, feed = fetch(fresh, module.domain, "/feed/")
    assert "rss" in headers.get_content_type() and module.article_url(newest).encode() not in feed
    fresh.set_step(1)
    _, _, feed = fetch(fresh, module.domain, "/feed/")
    assert feed.startswith(b"<?xml") and module.article_url(newest).encode() in feed


def test_laodongthudo_mastercms_markup(server):
    module, article = article_with(server, "laodongthudo", None)
    article = next(a for a in module.content.articles if a.images and a.defect is None)
    _, _, body = fetch(server, module.domain, module.article_path(article))
    raw = body.decode()
    for marker in ('h1 class="detail-title"', 'p class="detail-sapo"', 'span class="format_time"',
                   'id="__MB_MASTERCMS_EL_3" class="__MB_MASTERCMS_EL item-content"',
                   "article-content __MASTERCMS_CONTENT __MB_CONTENT_FOR_PRINTER",
                   'table class="MASTERCMS_TPL_TABLE"', 'img class="__img_mastercms"', 'name="__printURL"',
                   '"@type": "NewsArticle"', "Có thể bạn quan tâm", "Tin khác", "Nên xem"):
        assert marker in raw
    assert re.search(r'alt="[a-z0-9 :,.-]+"', raw)  # the title without diacritics


def test_404_defect_is_linked_but_missing(server):
    for slug in SLUGS:
        module, article = article_with(server, slug, "404")
        category = module.category_of(article)
        listed = "".join(fetch(server, module.domain, module.listing_path(category, p))[2].decode()
                         for p in range(1, module.pages_in(category, 0) + 1))
        assert html.escape(module.article_path(article)) in listed
        assert fetch(server, module.domain, module.article_path(article))[0] == 404
        assert module.article_url(article) in truth.missing_urls(SAMPLE)


def test_500_once_then_200(fresh):
    module, article = article_with(fresh, "tuoitrekiengiang", "500-once")
    assert fetch(fresh, module.domain, module.article_path(article), method="HEAD")[0] == 500
    assert fetch(fresh, module.domain, module.article_path(article))[0] == 500
    status, _, body = fetch(fresh, module.domain, module.article_path(article))
    assert status == 200 and normalize_text(article.title).encode() in body
    assert [s for d, p, s in fresh.request_log if p == module.article_path(article)] == [500, 500, 200]


@pytest.mark.parametrize("slug", SLUGS)
def test_truncated_page_ends_after_third_paragraph(server, slug):
    module, article = article_with(server, slug, "truncated")
    status, headers, body = fetch(server, module.domain, module.article_path(article))
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    text = body.decode("utf-8").rstrip()
    assert text.endswith("</p>") and "</html>" not in text
    assert html.escape(article.body[2], quote=False) in text.rsplit("<p", 1)[1]
    assert html.escape(article.body[3], quote=False) not in text


@pytest.mark.parametrize("slug", SLUGS)
def test_cp1258_page(server, slug):
    module, article = article_with(server, slug, "cp1258")
    status, headers, body = fetch(server, module.domain, module.article_path(article))
    assert status == 200 and headers.get_content_charset() == "windows-1258"
    assert re.search(rb"charset=\"?windows-1258", body)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    decoded = body.decode("cp1258")
    assert decoded != unicodedata.normalize("NFC", decoded)  # tone marks arrive combining
    assert normalize_text(article.title) in unicodedata.normalize("NFC", decoded)


def test_cp1258_encoder_decomposes_only_what_the_code_page_lacks():
    text = "Đẩy mạnh phát triển đoàn viên – “công nhân” Thuỷ"
    encoded = encode_cp1258(text)
    assert unicodedata.normalize("NFC", encoded.decode("cp1258")) == text
    assert "ộ".encode("cp1258", errors="ignore") == b"" and encode_cp1258("ộ") == "ô".encode("cp1258") + b"\xf2"
    assert encode_cp1258("à") == "à".encode("cp1258")  # precomposed where cp1258 has it


@pytest.mark.parametrize("slug", SLUGS)
def test_nfd_page(server, slug):
    module, article = article_with(server, slug, "nfd")
    status, headers, body = fetch(server, module.domain, module.article_path(article))
    decoded = body.decode("utf-8")
    assert status == 200 and headers.get_content_charset() == "utf-8"
    assert unicodedata.is_normalized("NFD", decoded) and not unicodedata.is_normalized("NFC", decoded)
    assert normalize_text(article.title) in unicodedata.normalize("NFC", decoded)


@pytest.mark.parametrize("slug", SLUGS)
def test_step_one_puts_new_articles_on_top(fresh, slug):
    module = fresh.sites[slug]
    new = [a for a in module.content.articles if a.publish_step == 1]
    assert new
    assert fetch(fresh, module.domain, module.article_path(new[0]))[0] == 404
    fresh.set_step(1)
    assert fetch(fresh, module.domain, module.article_path(new[0]))[0] == 200
    category = module.category_of(new[0])
    raw = fetch(fresh, module.domain, module.listing_path(category))[2].decode()
    positions = {a.id: raw.find(html.escape(module.article_path(a))) for a in module.content.online(1, category.id)}
    first_old = min(p for i, p in positions.items() if module.content.article(i).publish_step == 0 and p > 0)
    assert all(0 < positions[a.id] < first_old for a in new if a.category_id == category.id)


REDESIGN_MARKERS = {"laodongthudo": "__MB_MASTERCMS_EL_3", "congdoanquangninh": "entry-content",
                    "congdoankiengiang": "content-detail", "tuoitrekiengiang": "content_news",
                    "congdoannghean": "content-detail"}


@pytest.mark.parametrize("slug", SLUGS)
def test_redesign_renames_article_markup(fresh, slug):
    module, article = article_with(fresh, slug, None)
    marker = REDESIGN_MARKERS[slug]
    assert marker in fetch(fresh, module.domain, module.article_path(article))[2].decode()
    fresh.redesign(slug)
    status, headers, body = fetch(fresh, module.domain, module.article_path(article))
    raw = body.decode()
    assert status == 200 and marker not in raw
    assert module.classes["title"] not in raw and module.classes["date"].split()[0] not in raw
    assert normalize_text(article.body[0]) in page_text(headers, body)
    fresh.redesign(slug, on=False)
    assert marker in fetch(fresh, module.domain, module.article_path(article))[2].decode()


@pytest.mark.parametrize("slug", SLUGS)
def test_robots_and_home(server, slug):
    module = server.sites[slug]
    status, headers, body = fetch(server, module.domain, "/robots.txt")
    assert status == 200 and headers.get_content_type() == "text/plain"
    assert "User-agent: *" in body.decode() and "Disallow: /" in body.decode()
    home = fetch(server, module.domain, "/")[2].decode()
    for category in module.content.categories:
        url = module.listing_url(category)
        assert html.escape(url) in home or html.escape(module.listing_path(category)) in home


def test_host_header_addressing_unknown_paths_and_log(fresh):
    module = fresh.sites["laodongthudo"]
    category = module.content.categories[0]
    assert fetch(fresh, None, module.listing_path(category), host=module.domain)[0] == 200
    assert fetch(fresh, "example.org", "/")[0] == 404
    assert fetch(fresh, module.domain, "/khong-co-trang-nay")[0] == 404
    log = fresh.request_log
    assert log[0] == (module.domain, module.listing_path(category), 200)
    assert log[-1] == (module.domain, "/khong-co-trang-nay", 404)
    fresh.reset_log()
    assert fresh.request_log == []


def test_no_page_mentions_the_replica_address(fresh):
    fresh.set_step(1)
    for module in fresh.sites.values():
        paths = ["/", "/robots.txt"] + [module.article_path(a) for a in module.content.articles]
        paths += [module.listing_path(c, p) for c in module.content.categories for p in (1, 2)]
        for path in paths:
            for _ in range(2):  # the second request gets past 500-once
                status, _, body = fetch(fresh, module.domain, path)
                assert b"127.0.0.1" not in body and b"localhost" not in body
    assert len(fresh.request_log) > 100


PACKAGED = sorted(p.stem for p in DEFAULT_CONTENT_DIR.glob("*.json"))


@pytest.mark.parametrize("content_dir", [SAMPLE, pytest.param(
    DEFAULT_CONTENT_DIR, marks=pytest.mark.skipif(len(PACKAGED) < len(SLUGS), reason="packaged content incomplete"))])
def test_expected_records_match_the_pages(content_dir):
    with ReplicaServer(content_dir=content_dir, step=1) as fresh:
        _check_records_against_pages(fresh, content_dir)


def _check_records_against_pages(fresh, content_dir):
    records = truth.expected_records(content_dir, step=1)
    contents = load_all(content_dir)
    online = sum(1 for c in contents.values() for a in c.articles if a.defect != "404")
    assert len(records) == online and not set(records) & set(truth.missing_urls(content_dir, 1))
    for url, record in records.items():
        module = fresh.sites[record["site"]]
        path = url[len(module.base_url):]
        status, headers, body = fetch(fresh, module.domain, path)
        if status == 500:
            status, headers, body = fetch(fresh, module.domain, path)
        assert status == 200
        text = page_text(headers, body)
        assert "127.0.0.1" not in record["url"] and re.match(module.article_url_pattern, url)
        for paragraph in record["body"].split("\n\n"):
            assert paragraph in text
        for field in ("title", "summary", "category"):
            assert record[field] in text
        for field in ("author", "source"):
            assert record[field] is None or record[field] in text
        for image in record["images"]:
            src = image["url"].removeprefix(module.base_url)
            assert src in body.decode(headers.get_content_charset()) and image["caption"] in text
        assert unicodedata.is_normalized("NFC", record["body"]) and "\u00a0" not in record["body"]


def test_expected_record_details():
    records = truth.expected_records(SAMPLE)
    by_defect = {}
    for content in load_all(SAMPLE).values():
        module = truth.SITE_CLASSES[content.site](content, None)
        for a in content.articles:
            by_defect.setdefault((content.site, a.defect), (module, a))
    module, article = by_defect[("laodongthudo", "truncated")]
    record = records[module.article_url(article)]
    # tags survive the cut: laodongthudo repeats them in <meta name="news_keywords"> in the head
    assert record["body"].count("\n\n") == 2 and record["author"] is None
    assert record["tags"] == [t for t in article.tags]
    module, article = by_defect[("tuoitrekiengiang", None)]
    assert records[module.article_url(article)]["published_at"] == article.published_at.date().isoformat()
    module, article = by_defect[("congdoannghean", None)]
    assert records[module.article_url(article)]["published_at"].endswith("+07:00")
    assert all(r["url"] not in truth.missing_urls(SAMPLE) for r in records.values())
    assert len(truth.expected_records(SAMPLE, step=1)) > len(records)
    assert set(truth.SITE_INFO) == set(SLUGS)
    assert all(info["domain"] and info["start_urls"] for info in truth.SITE_INFO.values())


@pytest.mark.skipif(not PACKAGED, reason="no packaged content yet")
def test_packaged_content_serves_every_article():
    contents = load_all()
    with ReplicaServer(step=1) as replica:
        for slug, content in contents.items():
            module = replica.sites[slug]
            assert len(content.articles) == 18
            assert sum(a.publish_step == 0 for a in content.articles) == 15
            assert sum(module.pages_in(c, 0) for c in content.categories) >= 3
            for article in content.articles:
                status, _, body = replica.respond(f"/{module.domain}{module.article_path(article)}")
                if status == 500:
                    status, _, body = replica.respond(f"/{module.domain}{module.article_path(article)}")
                assert status == (404 if article.defect == "404" else 200), (slug, article.id)
                assert b"127.0.0.1" not in body
    assert truth.expected_records(step=1)
