"""Downloader pieces: the replica transport and retries with exponential backoff."""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response


class ReplicaDownloadHandler(HTTP11DownloadHandler):
    """Sends requests for registry domains to the local replica when one is configured.

    Only the transport changes: the request and the returned response keep the real site
    URL, so link extraction, robots.txt, dupe filtering and the stored URLs are exactly
    what a crawl of the real site would see. Without ``UNIONNEWS_REPLICA_URL`` this is the
    stock HTTP/1.1 handler.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.replica_url = (crawler.settings.get("UNIONNEWS_REPLICA_URL") or "").rstrip("/")

    async def download_request(self, request: Request) -> Response:
        if not self.replica_url:
            return await super().download_request(request)
        parts = urlsplit(request.url)
        target = f"{self.replica_url}/{parts.hostname}{parts.path or '/'}"
        if parts.query:
            target += f"?{parts.query}"
        response = await super().download_request(request.replace(url=target))
        return response.replace(url=request.url, request=request)


class RetryBackoffMiddleware:
    """Waits before each retry, doubling the wait, so a struggling server gets room.

    Scrapy's RetryMiddleware re-schedules at once; this runs on the retried request (it
    carries ``retry_times``) and honours a ``Retry-After`` the server sent with it.
    """

    def __init__(self, base: float, cap: float):
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getfloat("RETRY_BACKOFF_BASE", 2.0), settings.getfloat("RETRY_BACKOFF_MAX", 60.0))

    async def process_request(self, request: Request):
        retries = request.meta.get("retry_times", 0)
        if retries:
            delay = request.meta.get("retry_after") or self.base * (2 ** (retries - 1))
            await asyncio.sleep(min(delay, self.cap))
        return None

    def process_response(self, request: Request, response: Response):
        retry_after = response.headers.get(b"Retry-After")
        if retry_after and response.status in (429, 503):
            try:
                # stored on the request so the retried copy (which copies meta) waits that long
                request.meta["retry_after"] = min(float(retry_after.decode()), self.cap)
            except ValueError:
                pass
        return response
