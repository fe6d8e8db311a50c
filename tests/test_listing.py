"""One listing reader: the spider and ``unionnews sites check`` read a listing page alike.

Both go through ``crawler.listing.read_listing``; these tests hand the same page to the
spider (a Scrapy response) and to the check (the fetched bytes) and compare what they found.
"""
from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from archive.registry import get_site
from crawler.fetch import Fetched
from crawler.listing import canonical_url, feed_links, read_listing
from crawler.spiders.sites import _spider_class
from unionnews.onboarding import build_entry, check_site, write_site

LISTING_URL = "https://congdoan.example.vn/tin-tuc/"
ARTICLE = "https://congdoan.example.vn/tin-tuc/{}.html"
LISTING_PAGE = """<html><head><meta charset="utf-8"><title>Tin tức</title></head><body>
<div class="list">
  <a class="story" href="/tin-tuc/dai-hoi-cong-doan-101.html?PHPSESSID=4f2a9c&amp;utm_source=x">Đại hội</a>
  <a class="story" href="https://congdoan.example.vn/tin-tuc/tet-sum-vay-102.html#binh-luan">Tết sum vầy</a>
  <a class="story" href=" an-toan-lao-dong-103.html ">An toàn lao động</a>
  <a class="story" href="/tin-tuc/dai-hoi-cong-doan-101.html">Đại hội (again)</a>
  <a class="story" href="https://baodientu.example.vn/tin-tuc/khac-104.html">elsewhere</a>
  <a class="story" href="https://CongDoan.example.vn/tin-tuc/nha-o-xa-hoi-105.html?fbclid=zz&amp;id=7">Nhà ở</a>
</div>
<a href="/lien-he">Liên hệ</a>
<a class="next" href="/tin-tuc/?trang=2&amp;utm_medium=share#top">Trang sau</a>
</body></html>"""
ARTICLES = [ARTICLE.format("dai-hoi-cong-doan-101"), ARTICLE.format("tet-sum-vay-102"),
            ARTICLE.format("an-toan-lao-dong-103"), ARTICLE.format("nha-o-xa-hoi-105") + "?id=7"]
NEXT_PAGE = "https://congdoan.example.vn/tin-tuc/?trang=2"

# entry options, then the article links expected and how many links read were cleaned
ENTRIES = {
    # the site's own selector and article pattern: the session id + utm_source link (its
    # duplicate is plain), the fbclid link with an upper-case host, the next page
    "selectors": ({"article_links": "div.list a.story::attr(href)", "next_page": "a.next::attr(href)",
                   "article_pattern": r"^https://congdoan\.example\.vn/tin-tuc/[a-z0-9-]+-\d+\.html(\?id=\d+)?$"},
                  ARTICLES, 3),
    # the defaults: every link on the site's domain is an article, the next page's link too
    # (read twice, so cleaned twice)
    "defaults": ({"next_page": "a.next::attr(href)"},
                 [*ARTICLES, "https://congdoan.example.vn/lien-he", NEXT_PAGE], 4),
}


def register(home, kind: str):
    entry = build_entry(slug=f"listing_{kind}", name="Công đoàn thử", province="Hà Nội",
                        domain="congdoan.example.vn", listing_urls=[LISTING_URL], **ENTRIES[kind][0])
    write_site(home.sites_dir, entry, force=True)
    return get_site(entry["slug"], home.sites_dir)


def spider_for(site):
    spider_class = _spider_class(site.slug)
    return spider_class.from_crawler(get_crawler(spider_class))


def spider_reads(site, body: bytes, url: str = LISTING_URL):
    """(article links, next page, links cleaned) as the spider's parse_listing yields them."""
    spider = spider_for(site)
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                            request=Request(url, callback=spider.parse_listing))
    requests = list(spider.parse_listing(response))
    articles = [request.url for request in requests if request.callback == spider.parse_article]
    following = [request.url for request in requests if request.callback == spider.parse_listing]
    assert spider.article_links(response) == articles and spider.next_page_url(response) == (following or [None])[0]
    return articles, (following or [None])[0], spider.crawler.stats.get_value("unionnews/guard/links_cleaned", 0)


def check_reads(site, body: bytes, url: str = LISTING_URL):
    """(article links, next page) as ``sites check`` reads the same page."""
    def fetch(requested):
        return Fetched(requested, 200, body, "utf-8", content_type="text/html; charset=utf-8")

    report = check_site(site, fetch, pages=1, articles=1)
    [page] = report.listings
    assert page.url == url
    return page.links, page.next_url


@pytest.mark.parametrize("kind", ENTRIES)
def test_spider_and_check_read_a_listing_alike(home, kind):
    site = register(home, kind)
    _options, expected_links, expected_cleaned = ENTRIES[kind]
    body = LISTING_PAGE.encode()
    spider_links, spider_next, spider_cleaned = spider_reads(site, body)
    check_links, check_next = check_reads(site, body)
    assert spider_links == check_links == expected_links
    assert spider_next == check_next == NEXT_PAGE
    direct = read_listing(site, LISTING_PAGE, LISTING_URL)
    assert (direct.links, direct.next_url, direct.cleaned) == (expected_links, NEXT_PAGE, expected_cleaned)
    assert spider_cleaned == expected_cleaned


def test_a_legacy_encoded_listing_is_decoded_as_scrapy_decodes_it(home):
    site = register(home, "defaults")
    page = LISTING_PAGE.replace('charset="utf-8"', 'charset="windows-1258"').replace(
        "an-toan-lao-dong-103", "an-toàn-lao-đông-103")
    body = page.encode("cp1258", "replace")
    response = HtmlResponse(LISTING_URL, body=body, request=Request(LISTING_URL))
    from_bytes = read_listing(site, body, LISTING_URL)
    assert from_bytes.links == read_listing(site, response, LISTING_URL).links
    assert ARTICLE.format("an-toàn-lao-đông-103") in from_bytes.links


def test_feed_links_are_read_as_the_spider_reads_them(home):
    site = register(home, "defaults")
    feed = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<item><link>https://congdoan.example.vn/tin-tuc/dai-hoi-101.html?utm_source=rss</link></item>
<item><link> /tin-tuc/tet-102.html </link></item>
<item><link>https://baodientu.example.vn/tin-tuc/khac-104.html</link></item>
<item><link>https://congdoan.example.vn/tin-tuc/dai-hoi-101.html</link></item>
</channel></rss>"""
    expected = [ARTICLE.format("dai-hoi-101"), ARTICLE.format("tet-102")]
    listing = feed_links(site, feed, "https://congdoan.example.vn/feed/")
    assert (listing.links, listing.next_url, listing.cleaned) == (expected, None, 1)
    spider = spider_for(site)
    response = XmlResponse("https://congdoan.example.vn/feed/", body=feed,
                           request=Request("https://congdoan.example.vn/feed/", callback=spider.parse_feed))
    assert [request.url for request in spider.parse_feed(response)] == expected
    assert spider.crawler.stats.get_value("unionnews/guard/links_cleaned") == 1


def test_the_guards_canonicalise_with_the_listing_readers_rules():
    from crawler import guards

    assert guards.canonical_url is canonical_url
