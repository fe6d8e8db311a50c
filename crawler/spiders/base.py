"""The registry-driven spider: listing pages → article pages → extracted article items.

Each site's spider is this class with ``site_slug`` set (see ``crawler.spiders.sites``);
the site's TOML entry says where listings start, which links are articles, how to page,
and which selectors extract each field. Listing pages and feeds are read by
``crawler.listing`` (``read_listing``, ``feed_links``), the reader ``unionnews sites check``
uses too.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import scrapy
from scrapy.exceptions import (CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError,
                               IgnoreRequest, ResponseDataLossError)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.extract import EXTRACTION_VERSION, extract_article
from crawler.items import ArticleItem, FailureItem
from crawler.listing import Listing, feed_links, read_listing
from archive.registry import Site, get_site

# Reasons recorded in the store's failures table, by exception type (first match wins).
FAILURE_REASONS = (
    (HttpError, lambda failure: f"http {failure.value.response.status}"),
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), lambda failure: "timeout"),
    ((CannotResolveHostError, DNSLookupError), lambda failure: "dns lookup failed"),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), lambda failure: "connection refused"),
    (ResponseDataLossError, lambda failure: "connection lost mid-response"),
    (IgnoreRequest, lambda failure: f"ignored: {failure.value}"),
)
HTML_CONTENT_TYPES = (b"text/html", b"application/xhtml+xml")
VIETNAM_TZ = timezone(timedelta(hours=7))


def failure_reason(failure) -> str:
    for exception_types, describe in FAILURE_REASONS:
        if failure.check(*(exception_types if isinstance(exception_types, tuple) else (exception_types,))):
            return describe(failure)
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


class SiteSpider(scrapy.Spider):
    """Crawls one registered site.

    Spider arguments: ``max_pages`` caps listing pages per start URL; ``incremental``
    makes it skip article URLs already in the store and stop paging once ``overlap``
    consecutive listing pages hold nothing new (newest-first listings), while articles
    published in the last ``recheck_days`` days are re-fetched with conditional requests
    so corrections are picked up. URLs that answered 404/410 in an earlier run are gone,
    not new: they neither keep pagination going nor get fetched again (a full ``crawl``
    retries them). A site whose previous run did not walk its listings to the end (killed,
    stopped, listing pages failed) gets a full walk: the store is the frontier, so nothing
    is lost or fetched twice.
    """

    site_slug: str = ""

    def __init__(self, *args, max_pages: int | str | None = None, incremental: bool | str = False,
                 overlap: int | str = 1, recheck_days: int | str = 3, **kwargs):
        super().__init__(*args, **kwargs)
        self.site: Site = get_site(self.site_slug)
        self.max_pages = int(max_pages) if max_pages else self.site.max_pages
        self.allowed_domains = list(self.site.domains)
        self.incremental = _truthy(incremental)
        self.overlap = max(1, int(overlap))
        self.recheck_days = int(recheck_days)
        self.known_urls: set[str] = set()
        self.dead_urls: set[str] = set()
        self.full_walk = True
        self.recheck_after: str | None = None
        self.scheduled_articles: set[str] = set()

    def prepare_incremental(self) -> None:
        """Loads what the store already holds (the store pipeline opens it before start)."""
        store = getattr(self, "store", None)
        if not self.incremental or store is None:
            return
        self.full_walk = not store.previous_run_finished(self.site.slug)
        if self.full_walk:
            self.logger.info("%s: previous run did not finish; walking all listings", self.site.slug)
            self.crawler.stats.set_value("unionnews/full_walk", 1)
        self.known_urls = store.known_urls(self.site.slug)
        self.dead_urls = store.dead_urls(self.site.slug)
        if self.recheck_days > 0:
            cutoff = datetime.now(VIETNAM_TZ) - timedelta(days=self.recheck_days)
            self.recheck_after = cutoff.date().isoformat()

    async def start(self):
        self.prepare_incremental()
        for url in self.site.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error)
        for url in self.site.start_urls:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                 cb_kwargs={"page_number": 1, "pages_without_new": 0})

    def parse_listing(self, response, page_number: int = 1, pages_without_new: int = 0):
        self.crawler.stats.inc_value("unionnews/listing_pages")
        listing = self.read_listing(response)
        self.count_cleaned(listing)
        links = listing.links
        self.crawler.stats.inc_value("unionnews/listing_links", len(links))
        new_links = [url for url in links if url not in self.known_urls and url not in self.dead_urls]
        for url in links:
            request = self.article_request(url)
            if request is not None:
                yield request
        pages_without_new = 0 if new_links else pages_without_new + 1
        if self.incremental and not self.full_walk and pages_without_new >= self.overlap:
            self.logger.info("%s: listing page %d holds nothing new; stopping", self.site.slug, page_number)
            return
        next_page = listing.next_url
        if next_page and page_number < self.max_pages:
            yield scrapy.Request(next_page, callback=self.parse_listing, errback=self.on_error,
                                 cb_kwargs={"page_number": page_number + 1, "pages_without_new": pages_without_new})

    def parse_feed(self, response):
        """RSS/Atom items as article links (WordPress ``/feed/``): the cheapest way to see what is new."""
        self.crawler.stats.inc_value("unionnews/feed_pages")
        listing = feed_links(self.site, response, response.url)
        self.count_cleaned(listing)
        for url in listing.links:
            request = self.article_request(url)
            if request is not None:
                yield request

    def article_request(self, url: str) -> scrapy.Request | None:
        """A request for an article, or None when the store has it and it is not recent."""
        if url in self.scheduled_articles:
            return None
        self.scheduled_articles.add(url)
        if self.incremental and url in self.dead_urls:
            self.crawler.stats.inc_value("unionnews/skipped_dead")
            return None
        if url not in self.known_urls or not self.incremental:
            return scrapy.Request(url, callback=self.parse_article, errback=self.on_error)
        validators = self.store.get_fetch_validators(url) or {}
        published_at = validators.get("published_at") or ""
        if not self.recheck_after or published_at[:10] < self.recheck_after:
            self.crawler.stats.inc_value("unionnews/skipped_known")
            return None
        headers = {}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        self.crawler.stats.inc_value("unionnews/rechecked")
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, headers=headers,
                              meta={"handle_httpstatus_list": [304]}, dont_filter=True)

    def read_listing(self, response) -> Listing:
        """The listing page as ``crawler.listing.read_listing`` reads it (so does ``sites check``):
        article links joined, canonicalised (no session ids, tracking parameters or fragment:
        the same page must not look new under a fresh ``PHPSESSID``, a crawler trap, nor fail
        the site's article pattern), filtered and de-duplicated; the next page. The stored raw
        HTML keeps the links as served."""
        return read_listing(self.site, response, response.url)

    def count_cleaned(self, listing: Listing) -> None:
        if listing.cleaned:
            self.crawler.stats.inc_value("unionnews/guard/links_cleaned", listing.cleaned)

    def article_links(self, response) -> list[str]:
        return self.read_listing(response).links

    def next_page_url(self, response) -> str | None:
        return self.read_listing(response).next_url

    def parse_article(self, response):
        if response.status == 304:
            self.crawler.stats.inc_value("unionnews/not_modified")
            return
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
        for field_name, origin in extraction.field_sources.items():
            # "site" / "generic"; how a generic body was found is counted on its own
            prefix, _, method = origin.partition(":")
            self.crawler.stats.inc_value(f"unionnews/source/{field_name}/{prefix}")
            if method:
                self.crawler.stats.inc_value(f"unionnews/method/{field_name}/{method}")
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
        callback = failure.request.callback
        if callback == self.parse_listing:
            # a listing page not seen: the next incremental run walks all listings again
            self.crawler.stats.inc_value("unionnews/listing_failed")
            yield FailureItem(url=failure.request.url, reason=f"listing {reason}")
        elif callback == self.parse_feed:
            self.crawler.stats.inc_value("unionnews/feed_failed")
            yield FailureItem(url=failure.request.url, reason=f"feed {reason}")
        else:
            yield FailureItem(url=failure.request.url, reason=reason)
