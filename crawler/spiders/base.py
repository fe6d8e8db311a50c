"""The registry-driven spider: listing pages → article pages → extracted article items.

Each site's spider is this class with ``site_slug`` set (see ``crawler.spiders.sites``);
the site's TOML entry says where listings start, which links are articles, how to page,
and which selectors extract each field.
"""
from __future__ import annotations

from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.extract import EXTRACTION_VERSION, extract_article
from crawler.items import ArticleItem, FailureItem
from crawler.registry import Site, get_site

# Reasons recorded in the store's failures table, by exception type (first match wins).
FAILURE_REASONS = (
    (HttpError, lambda failure: f"http {failure.value.response.status}"),
    ((TimeoutError, TCPTimedOutError), lambda failure: "timeout"),
    (DNSLookupError, lambda failure: "dns lookup failed"),
    (ConnectionRefusedError, lambda failure: "connection refused"),
    (IgnoreRequest, lambda failure: f"ignored: {failure.value}"),
)
HTML_CONTENT_TYPES = (b"text/html", b"application/xhtml+xml")


def failure_reason(failure) -> str:
    for exception_types, describe in FAILURE_REASONS:
        if failure.check(*(exception_types if isinstance(exception_types, tuple) else (exception_types,))):
            return describe(failure)
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]


class SiteSpider(scrapy.Spider):
    """Crawls one registered site; ``max_pages`` caps listing pages per start URL."""

    site_slug: str = ""

    def __init__(self, *args, max_pages: int | str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site: Site = get_site(self.site_slug)
        self.max_pages = int(max_pages) if max_pages else self.site.max_pages
        self.allowed_domains = list(self.site.domains)

    async def start(self):
        for url in self.site.start_urls:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                 cb_kwargs={"page_number": 1})

    def parse_listing(self, response, page_number: int = 1):
        self.crawler.stats.inc_value("unionnews/listing_pages")
        for url in self.article_links(response):
            yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error)
        next_page = self.next_page_url(response)
        if next_page and page_number < self.max_pages:
            yield scrapy.Request(next_page, callback=self.parse_listing, errback=self.on_error,
                                 cb_kwargs={"page_number": page_number + 1})

    def article_links(self, response) -> list[str]:
        selector = self.site.listing.get("article_links") or "a::attr(href)"
        links = []
        for href in response.css(selector).getall():
            url = urljoin(response.url, href.strip()).split("#")[0]
            if self.site.is_article_url(url) and url not in links:
                links.append(url)
        return links

    def next_page_url(self, response) -> str | None:
        selector = self.site.listing.get("next_page")
        href = response.css(selector).get() if selector else None
        return urljoin(response.url, href.strip()) if href else None

    def parse_article(self, response):
        content_type = response.headers.get(b"Content-Type", b"text/html").lower()
        if not any(kind in content_type for kind in HTML_CONTENT_TYPES):
            yield FailureItem(url=response.url, reason="not html", detail=content_type.decode("latin-1"))
            return
        http_charset = None
        if b"charset=" in content_type:
            http_charset = content_type.split(b"charset=")[-1].split(b";")[0].strip().decode("ascii", "replace")
        try:
            extraction = extract_article(response.body, response.url, site=self.site, http_charset=http_charset)
        except Exception as error:  # one broken page must never stop the crawl
            self.logger.exception("extraction failed for %s", response.url)
            yield FailureItem(url=response.url, reason="extraction error", detail=repr(error)[:300])
            return
        yield ArticleItem(
            record=extraction.record,
            raw_html=response.body,
            http_status=response.status,
            encoding=extraction.encoding,
            etag=(response.headers.get(b"ETag") or b"").decode("latin-1") or None,
            last_modified=(response.headers.get(b"Last-Modified") or b"").decode("latin-1") or None,
            extraction_version=EXTRACTION_VERSION,
            field_sources=extraction.field_sources,
            problems=extraction.problems,
        )

    def on_error(self, failure):
        reason = failure_reason(failure)
        self.logger.warning("failed %s: %s", failure.request.url, reason)
        if failure.request.callback == self.parse_article or failure.request.callback is None:
            yield FailureItem(url=failure.request.url, reason=reason)
        else:
            self.crawler.stats.inc_value(f"unionnews/listing_failed")
            yield FailureItem(url=failure.request.url, reason=f"listing {reason}")
