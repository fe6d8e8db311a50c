"""The crawler's guards in isolation: URL canonicalisation, content sanity, Retry-After
parsing, middleware order, and the per-site caps that cut traps off."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.guards import SiteBudgetMiddleware, canonical_url, content_problem
from crawler.items import FailureItem
from crawler.middlewares import parse_retry_after
from crawler.pipelines import failure_kind


@pytest.mark.parametrize("url, canonical", [
    ("https://a.vn/news.php?id=5&PHPSESSID=abc#top", "https://a.vn/news.php?id=5"),
    ("https://a.vn/news.php;jsessionid=ABC?id=5", "https://a.vn/news.php?id=5"),
    ("https://A.vn/x/?utm_source=zalo&page=2&fbclid=1&zarsrc=30", "https://a.vn/x/?page=2"),
    ("https://a.vn/list.php?page=2&cat=3", "https://a.vn/list.php?page=2&cat=3"),  # order kept
    ("https://a.vn/t/a%20b.html?q=c%C3%B4ng", "https://a.vn/t/a%20b.html?q=c%C3%B4ng"),  # encoding kept
])
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_content_problems():
    page = '<html><head><meta charset="utf-8"></head><body><p>Công đoàn cơ sở Việt Nam</p></body></html>'
    assert content_problem(page.encode()) is None
    assert content_problem(b" \n ") == "empty body"
    assert content_problem(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 4) == "binary content"
    broken = page.encode().replace("ô".encode(), b"\xc3")
    assert content_problem(broken) == "invalid utf-8"
    # A legacy single-byte page, declared or not, is the extractor's business, not a failure.
    assert content_problem(page.replace("utf-8", "windows-1258").encode("cp1258", "replace")) is None
    assert content_problem("<p>Công đoàn cơ sở</p>".encode("cp1258", "replace")) is None


def test_retry_after_parsing():
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(b"3") == 3.0
    assert parse_retry_after(b"Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after(b"Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after(b"soon") is None and parse_retry_after(None) is None


def test_backoff_sees_responses_before_retry_copies_the_request():
    from crawler import settings

    middlewares = settings.DOWNLOADER_MIDDLEWARES
    # responses run from the highest number down; RetryMiddleware is 550, redirects 600,
    # decompression 590
    assert middlewares["crawler.middlewares.RetryBackoffMiddleware"] > 550
    assert middlewares["crawler.guards.RedirectGuardMiddleware"] > 600
    assert 550 < middlewares["crawler.guards.ContentSanityMiddleware"] < 590
    assert middlewares["crawler.guards.FetchFailureMiddleware"] < 550


def test_failure_kinds_for_stats():
    assert failure_kind("ignored: redirect loop") == "redirect loop"
    assert failure_kind("listing http 404") == "listing http 404"
    assert failure_kind("DownloadFailedError: [<twisted...>]") == "DownloadFailedError"


class ListingSpider(scrapy.Spider):
    name = "listing"

    def parse_listing(self, response):
        pass

    def parse_article(self, response):
        pass

    def article_links(self, response):
        return response.css("a.article::attr(href)").getall()


def listing_response(url, article_links, meta=None):
    body = "".join(f'<a class="article" href="{link}">x</a>' for link in article_links).encode()
    spider_request = Request(url, callback=ListingSpider.parse_listing, meta=meta or {})
    return HtmlResponse(url, body=body, request=spider_request)


def budget(**settings):
    crawler = get_crawler(ListingSpider, settings)
    crawler.spider = ListingSpider()
    return SiteBudgetMiddleware(crawler), crawler.stats


def test_barren_listing_pages_end_a_trap():
    middleware, stats = budget(UNIONNEWS_MAX_BARREN_LISTING_PAGES=2)
    links = ["https://a.vn/1.html", "https://a.vn/2.html"]
    outcomes, meta = [], {}
    for page in range(1, 6):
        response = listing_response(f"https://a.vn/list?page={page}", links, meta)
        following = Request(f"https://a.vn/list?page={page + 1}", callback=ListingSpider().parse_listing)
        result = middleware.get_processed_request(following, response)
        outcomes.append(type(result).__name__)
        if not isinstance(result, Request):
            break
        meta = dict(result.meta)
    # page 1 is new, pages 2 and 3 repeat it: the page after page 3 is not followed
    assert outcomes == ["Request", "Request", "FailureItem"]
    assert stats.get_value("unionnews/guard/capped/barren listing") == 1


def test_caps_on_listing_pages_depth_and_requests():
    middleware, stats = budget(UNIONNEWS_MAX_LISTING_PAGES=2, UNIONNEWS_MAX_DEPTH=3,
                               UNIONNEWS_MAX_REQUESTS_PER_SITE=4, UNIONNEWS_MAX_BARREN_LISTING_PAGES=0)
    spider = ListingSpider()
    listing = [Request(f"https://a.vn/l{n}", callback=spider.parse_listing) for n in range(3)]
    results = [middleware.get_processed_request(request, None) for request in listing]
    assert [type(r).__name__ for r in results] == ["Request", "Request", "FailureItem"]
    assert results[2]["reason"] == "listing page cap reached"
    deep = Request("https://a.vn/deep.html", callback=spider.parse_article, meta={"depth": 4})
    assert isinstance(middleware.get_processed_request(deep, None), FailureItem)
    articles = [Request(f"https://a.vn/{n}.html", callback=spider.parse_article) for n in range(4)]
    results = [middleware.get_processed_request(request, None) for request in articles]
    assert [type(r).__name__ for r in results] == ["Request", "Request", "FailureItem", "NoneType"]
    assert stats.get_value("unionnews/guard/capped/request") == 2
