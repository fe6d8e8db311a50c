"""Guards that keep a crawl bounded and honest when servers misbehave.

Downloader middlewares (see ``DOWNLOADER_MIDDLEWARES`` in settings for their order):

* :class:`RedirectGuardMiddleware` refuses redirects that leave the site, loop, or run too long.
* :class:`ContentSanityMiddleware` refuses HTML responses that are empty (after retries),
  binary, or broken UTF-8 (``crawler.content.content_problem``, which ``sites check``
  applies too), before any extraction runs on them.
* :class:`FetchFailureMiddleware` turns download errors that retries could not fix into
  failures with a short reason.
* :class:`BoundedDecompressionMiddleware` is Scrapy's HttpCompressionMiddleware (which
  stops inflating at DOWNLOAD_MAXSIZE, so a gzip bomb costs at most that much memory)
  with a short reason when it does.

Links found in pages are canonicalised by the listing reader the spider uses
(``crawler.listing.canonical_url``: no session ids or tracking parameters), so stored raw
HTML stays as served. Spider middlewares:
:class:`CanonicalRequestMiddleware` canonicalises every other request URL
before the dupe filter sees it; :class:`SiteBudgetMiddleware` stops paging through
listings that show nothing new (pagination/calendar traps) and caps listing pages, depth
and requests per site and run.

Every refusal raises :class:`GuardRejected` (an ``IgnoreRequest``): the spider's errback
records the URL in the store's ``failures`` table as ``ignored: <reason>``; every guard
also counts what it did in ``unionnews/guard/...`` run stats.
"""
from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, DownloadTimeoutError, IgnoreRequest, ResponseDataLossError)
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.url import url_is_from_any_domain
from twisted.internet.error import ConnectionDone, ConnectionLost, ConnectionRefusedError, DNSLookupError, TimeoutError

from crawler.content import content_problem, is_html
from crawler.items import FailureItem
from crawler.listing import canonical_url

logger = logging.getLogger(__name__)

REDIRECT_CODES = (301, 302, 303, 307, 308)


class GuardRejected(IgnoreRequest):
    """A response or request a guard refused; the message is the failure reason."""


# ---- content -------------------------------------------------------------------------
class ContentSanityMiddleware:
    """Refuses 200 HTML responses that are empty (retried first: often a transient glitch),
    binary, or broken UTF-8, so no extraction or mojibake article comes of them."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        content_type = response.headers.get(b"Content-Type", b"text/html").lower()
        if response.status != 200 or request.method == "HEAD" or not is_html(content_type):
            return response
        problem = content_problem(response.body, content_type)
        if problem is None:
            return response
        if problem == "empty body":
            retry = get_retry_request(request, spider=self.crawler.spider, reason=problem)
            if retry is not None:
                return retry
        self.crawler.stats.inc_value(f"unionnews/guard/rejected/{problem}")
        raise GuardRejected(problem)


class RedirectGuardMiddleware:
    """Runs before RedirectMiddleware: refuses redirects to other domains (the spider's
    ``allowed_domains``), back to a URL already in the chain (which the dupe filter would
    otherwise drop without a trace), or beyond ``REDIRECT_MAX_TIMES``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES", 5)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        location = response.headers.get(b"Location")
        if (response.status not in REDIRECT_CODES or not location or request.meta.get("dont_redirect")
                or urlsplit(request.url).path == "/robots.txt"):
            return response
        target = canonical_url(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        allowed = getattr(self.crawler.spider, "allowed_domains", None)
        if allowed and not url_is_from_any_domain(target, allowed):
            problem = "offsite redirect"
        elif target in {canonical_url(url) for url in chain}:
            problem = "redirect loop"
        elif len(chain) > self.max_times:
            problem = "too many redirects"
        else:
            return response
        logger.info("%s: %s -> %s", problem, request.url, target)
        self.crawler.stats.inc_value(f"unionnews/guard/rejected/{problem}")
        raise GuardRejected(problem)


# ---- download errors -----------------------------------------------------------------
# Scrapy >= 2.13 wraps Twisted's errors in its own types; the spider's FAILURE_REASONS names
# Twisted's. Handing those back keeps its reasons ("timeout", "connection refused", …).
TWISTED_EQUIVALENTS = (
    (DownloadTimeoutError, TimeoutError),
    (DownloadConnectionRefusedError, ConnectionRefusedError),
    (CannotResolveHostError, DNSLookupError),
)
LOST_CONNECTION = (DownloadFailedError, ResponseDataLossError, ConnectionLost, ConnectionDone)


class FetchFailureMiddleware:
    """After RetryMiddleware gave up (it sits below it), gives download errors a short reason."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_exception(self, request, exception):
        for scrapy_type, twisted_type in TWISTED_EQUIVALENTS:
            if isinstance(exception, scrapy_type):
                raise twisted_type(str(exception)) from exception
        if isinstance(exception, LOST_CONNECTION):
            problem = "connection lost"
        elif isinstance(exception, DownloadCancelledError):
            # the handler cancels a body over DOWNLOAD_MAXSIZE (declared or while reading it)
            problem = "body over size limit"
        else:
            return None
        self.stats.inc_value(f"unionnews/guard/rejected/{problem}")
        raise GuardRejected(problem) from exception


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """HttpCompressionMiddleware, whose refusal of a body that inflates past DOWNLOAD_MAXSIZE
    (a gzip bomb) becomes the short reason "decompressed body over size limit"."""

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as error:
            if "DOWNLOAD_MAXSIZE" not in str(error):
                raise
            problem = "decompressed body over size limit"
            self.stats.inc_value(f"unionnews/guard/rejected/{problem}")
            raise GuardRejected(problem) from error


# ---- spider output -------------------------------------------------------------------
class CanonicalRequestMiddleware(BaseSpiderMiddleware):
    """Every request the spider makes, canonicalised before the scheduler's dupe filter."""

    def get_processed_request(self, request, response):
        clean = canonical_url(request.url)
        if clean == request.url:
            return request
        self.crawler.stats.inc_value("unionnews/guard/urls_cleaned")
        return request.replace(url=clean)


class SiteBudgetMiddleware(BaseSpiderMiddleware):
    """Bounds one site's crawl (each spider crawls one site, so one instance counts one site).

    * Trap cut-off: a listing page whose article links were all seen earlier in this run
      (a pagination or calendar trap repeating itself) is "barren"; after
      ``UNIONNEWS_MAX_BARREN_LISTING_PAGES`` barren pages in a row its next page is not
      followed. Real listings keep showing new articles; an incremental walk still sees
      its known articles' links as new to this run, so it is never cut.
    * Caps per run: listing pages (``UNIONNEWS_MAX_LISTING_PAGES``), link depth
      (``UNIONNEWS_MAX_DEPTH``) and requests (``UNIONNEWS_MAX_REQUESTS_PER_SITE``).

    A cut request is counted in ``unionnews/guard/capped/<cap>``; the first cut of each
    kind also becomes a failure ("<cap> cap reached") so the run report names the URL.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.caps = {"barren listing": settings.getint("UNIONNEWS_MAX_BARREN_LISTING_PAGES", 0),
                     "depth": settings.getint("UNIONNEWS_MAX_DEPTH", 0),
                     "listing page": settings.getint("UNIONNEWS_MAX_LISTING_PAGES", 0),
                     "request": settings.getint("UNIONNEWS_MAX_REQUESTS_PER_SITE", 0)}
        self.counts = {"listing page": 0, "request": 0}
        self.seen_links: set[str] = set()
        self.reported: set[str] = set()

    def _barren_streak(self, response) -> int:
        """Consecutive barren listing pages ending with ``response`` (computed once per page)."""
        if "unionnews_barren" not in response.meta:
            links = self.crawler.spider.article_links(response)
            new = [url for url in links if url not in self.seen_links]
            self.seen_links.update(links)
            previous = response.meta.get("unionnews_barren_before", 0)
            response.meta["unionnews_barren"] = 0 if new else previous + 1
        return response.meta["unionnews_barren"]

    def get_processed_request(self, request, response):
        listing = _is_listing(request)
        streak = 0
        if listing and response is not None and _is_listing(response.request) and self.caps["barren listing"]:
            streak = self._barren_streak(response)
            request.meta["unionnews_barren_before"] = streak
        if listing and self.caps["barren listing"] and streak >= self.caps["barren listing"]:
            cap = "barren listing"
        elif self.caps["depth"] and request.meta.get("depth", 0) > self.caps["depth"]:
            cap = "depth"
        elif listing and self.caps["listing page"] and self.counts["listing page"] >= self.caps["listing page"]:
            cap = "listing page"
        elif self.caps["request"] and self.counts["request"] >= self.caps["request"]:
            cap = "request"
        else:
            self.counts["request"] += 1
            self.counts["listing page"] += listing
            return request
        self.crawler.stats.inc_value(f"unionnews/guard/capped/{cap}")
        if cap in self.reported:
            return None
        self.reported.add(cap)
        logger.warning("%s cap (%d) reached at %s; not following it", cap, self.caps[cap], request.url)
        # An item in place of the request: the pipeline stores it as a failure.
        return FailureItem(url=request.url, reason=f"{cap} cap reached", detail=f"cap {self.caps[cap]}")


def _is_listing(request) -> bool:
    return request is not None and getattr(request.callback, "__name__", "") == "parse_listing"
