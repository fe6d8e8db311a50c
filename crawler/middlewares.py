"""Downloader pieces: the replica transport and retries with exponential backoff.

The replica's address mapping and ``Retry-After`` parsing live in :mod:`crawler.fetch`
(no Scrapy), which ``unionnews sites check`` fetches with, so both reach a replica and back
off alike.
"""
from __future__ import annotations

import asyncio

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response

from crawler.fetch import parse_retry_after, real_location, replica_url_for

__all__ = ["ReplicaDownloadHandler", "RetryBackoffMiddleware", "parse_retry_after"]


class ReplicaDownloadHandler(HTTP11DownloadHandler):
    """Sends requests for registry domains to the local replica when one is configured.

    Only the transport changes: the request and the returned response keep the real site
    URL, so link extraction, robots.txt, dupe filtering and the stored URLs are exactly
    what a crawl of the real site would see; a redirect into the replica's own addresses is
    mapped back to the real URL (:func:`crawler.fetch.real_location`, as ``sites check``
    does). Without ``UNIONNEWS_REPLICA_URL`` this is the stock HTTP/1.1 handler.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.replica_url = (crawler.settings.get("UNIONNEWS_REPLICA_URL") or "").rstrip("/")

    async def download_request(self, request: Request) -> Response:
        if not self.replica_url:
            return await super().download_request(request)
        response = await super().download_request(request.replace(url=replica_url_for(self.replica_url, request.url)))
        response = response.replace(url=request.url, request=request)
        location = response.headers.get(b"Location")
        if location and 300 <= response.status < 400:
            response.headers[b"Location"] = real_location(self.replica_url, request.url,
                                                          location.decode("latin-1")).encode("latin-1")
        return response


class RetryBackoffMiddleware:
    """Waits before each retry, doubling the wait, so a struggling server gets room.

    Scrapy's RetryMiddleware re-schedules at once; this waits in ``process_request`` of
    the retried copy (it carries ``retry_times``), honouring a ``Retry-After`` (seconds
    or an HTTP date) the server sent with the 429/503, capped at ``RETRY_BACKOFF_MAX``.

    It must sit *above* RetryMiddleware (550) in DOWNLOADER_MIDDLEWARES: responses pass
    through middlewares from the highest number down, and RetryMiddleware copies the
    request's meta into the retry, so ``retry_after`` has to be set before it runs.
    """

    def __init__(self, base: float, cap: float, stats=None):
        self.base = base
        self.cap = cap
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getfloat("RETRY_BACKOFF_BASE", 2.0), settings.getfloat("RETRY_BACKOFF_MAX", 60.0),
                   crawler.stats)

    async def process_request(self, request: Request):
        retries = request.meta.get("retry_times", 0)
        if retries:
            delay = request.meta.get("retry_after")
            if delay is not None and self.stats is not None:
                self.stats.inc_value("unionnews/retry_after_honoured")
            if delay is None:
                delay = self.base * (2 ** (retries - 1))
            await asyncio.sleep(min(delay, self.cap))
        return None

    def process_response(self, request: Request, response: Response):
        # Only the latest answer counts: a 503 without Retry-After after a 429 with one backs off normally.
        request.meta.pop("retry_after", None)
        if response.status in (429, 503):
            delay = parse_retry_after(response.headers.get(b"Retry-After"))
            if delay is not None:
                request.meta["retry_after"] = min(delay, self.cap)
        return response

    def process_exception(self, request: Request, exception):
        request.meta.pop("retry_after", None)
        return None
