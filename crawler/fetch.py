"""Fetching pages of one site outside a crawl, the way the crawler would: ``unionnews sites check``.

:class:`SiteFetcher` is synchronous (urllib: a CLI check, and later ``sites add URL``
discovery) but takes its values from the crawler's own settings, read when it is made
(:func:`crawler.settings.current`, so the ``UNIONNEWS_<NAME>`` environment overrides count
and a replica gets the same relaxed politeness a crawl of it gets):

* ``USER_AGENT`` on every request; robots.txt when ``ROBOTSTXT_OBEY``, parsed by Protego
  (Scrapy's default ``ROBOTSTXT_PARSER``) for ``ROBOTSTXT_USER_AGENT`` or the User-Agent,
  one per host, fetched once; one that cannot be downloaded allows everything, as in Scrapy;
* ``DOWNLOAD_TIMEOUT`` for the whole download; ``DOWNLOAD_MAXSIZE``: a body declared or
  read past it is dropped ("body over size limit", the crawler's reason), and
  ``DOWNLOAD_WARNSIZE`` logs a warning;
* retries of ``RETRY_HTTP_CODES``, transport errors and empty bodies, ``RETRY_TIMES`` at
  most, waiting ``RETRY_BACKOFF_BASE`` doubled each time up to ``RETRY_BACKOFF_MAX``, or the
  server's ``Retry-After`` on a 429/503 (``crawler.middlewares.RetryBackoffMiddleware``);
* redirects followed by hand on the site's own domains only, refused when they loop or
  exceed ``REDIRECT_MAX_TIMES`` (``crawler.guards.RedirectGuardMiddleware``);
* the content sanity rules of the crawl on HTML (``crawler.content.content_problem``);
* at least ``DOWNLOAD_DELAY`` (never under :data:`REAL_SITE_DELAY` for a real site) between
  requests.

A replica web is reached as the crawl reaches it (``crawler.middlewares.ReplicaDownloadHandler``):
:func:`replica_url_for` maps a real URL to the replica's address, :func:`real_location` maps
a redirect back; results always carry the real URL. Not done here, unlike a crawl:
compression (none is asked for), AutoThrottle, concurrency, robots.txt redirects off the site.
No Scrapy is imported.
"""
from __future__ import annotations

import http.client
import logging
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Mapping
from urllib.parse import urljoin, urlsplit

from protego import Protego

from archive.registry import Site
from crawler import settings as crawler_settings
from crawler.content import content_problem, is_html
from crawler.listing import canonical_url

logger = logging.getLogger(__name__)

REDIRECT_CODES = (301, 302, 303, 307, 308)
REAL_SITE_DELAY = 1.0  # seconds between requests to a real site at least: a check must stay polite
CHUNK_SIZE = 64 * 1024
TOO_LARGE = "body over size limit"
NOT_RETRIED = frozenset({TOO_LARGE})


# ---- the replica's addresses (shared with crawler.middlewares.ReplicaDownloadHandler) ---------
def replica_url_for(replica_url: str, url: str) -> str:
    """Where a replica web at ``replica_url`` serves the real ``url``: ``{replica}/{host}{path}?{query}``."""
    parts = urlsplit(url)
    target = f"{replica_url.rstrip('/')}/{parts.hostname}{parts.path or '/'}"
    return f"{target}?{parts.query}" if parts.query else target


def real_location(replica_url: str, url: str, location: str) -> str:
    """A redirect's ``Location`` that the replica sent for the real ``url``, as a real URL.

    Resolved against the address requested (the replica's, as HTTP resolves it); a target
    inside the replica (``{replica}/{host}{path}``) is mapped back to its real URL, any other
    absolute URL (the real address a faithful replica sends) stays as it is.
    """
    replica_url = replica_url.rstrip("/")
    target = urljoin(replica_url_for(replica_url, url), location)
    rest = target[len(replica_url) + 1:] if target.startswith(replica_url + "/") else ""
    if rest and not rest.startswith("/"):
        return f"{urlsplit(url).scheme}://{rest}"
    return target


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


# ---- fetching ----------------------------------------------------------------------------------
@dataclass
class Fetched:
    url: str                      # the real URL (also when served by the replica)
    status: int | None = None     # None: no response (transport error, size limit, refused)
    body: bytes = b""
    charset: str | None = None
    error: str | None = None
    location: str | None = None   # a redirect's target, as a real URL
    content_type: str | None = None
    retry_after: float | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # redirects are followed by hand, so none can leave the site


def describe_error(error: BaseException) -> str:
    """A transport error in the words of the crawler's failure reasons where it has them."""
    reason = getattr(error, "reason", error)
    if isinstance(reason, TimeoutError):  # socket.timeout too
        return "timeout"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "dns lookup failed"
    if isinstance(reason, (ConnectionError, http.client.IncompleteRead)):
        return "connection lost"
    return f"{type(error).__name__}: {reason}"


class SiteFetcher:
    """GETs pages of one site only: directly, or through a replica web at ``replica_url``.

    ``settings`` overrides single crawler settings (by Scrapy name) on top of
    :func:`crawler.settings.current`; ``delay`` replaces the wait between requests.
    """

    def __init__(self, site: Site, replica_url: str | None = None, *, settings: Mapping | None = None,
                 delay: float | None = None):
        self.site = site
        self.replica_url = replica_url.rstrip("/") if replica_url else None
        values = {**crawler_settings.current(replica=bool(replica_url)), **(settings or {})}
        self.settings = values
        self.user_agent = str(values["USER_AGENT"])
        self.robots_agent = str(values.get("ROBOTSTXT_USER_AGENT") or self.user_agent)
        self.obey_robots = bool(values["ROBOTSTXT_OBEY"])
        self.timeout = float(values["DOWNLOAD_TIMEOUT"])
        self.maxsize = int(values["DOWNLOAD_MAXSIZE"])
        self.warnsize = int(values.get("DOWNLOAD_WARNSIZE") or 0)
        self.max_redirects = int(values["REDIRECT_MAX_TIMES"])
        self.retry_times = int(values["RETRY_TIMES"]) if values.get("RETRY_ENABLED", True) else 0
        self.retry_codes = frozenset(int(code) for code in values["RETRY_HTTP_CODES"])
        self.backoff_base = float(values["RETRY_BACKOFF_BASE"])
        self.backoff_max = float(values["RETRY_BACKOFF_MAX"])
        download_delay = float(values.get("DOWNLOAD_DELAY") or 0)
        if delay is None:
            delay = download_delay if replica_url else max(REAL_SITE_DELAY, download_delay)
        self.delay = delay
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.robots: dict[str, Protego | None] = {}
        self.last_request = 0.0

    def __call__(self, url: str) -> Fetched:
        return self._follow(url, obey_robots=self.obey_robots, check_content=True)

    # -- one site, robots.txt, redirects --
    def _follow(self, url: str, *, obey_robots: bool, check_content: bool) -> Fetched:
        chain: list[str] = []
        while True:
            if not self.site.owns_url(url):
                return Fetched(url, error=f"not on {self.site.domain}; not fetched")
            if obey_robots and not self.allowed(url):
                return Fetched(url, error="disallowed by robots.txt")
            fetched = self._fetch(url, check_content=check_content)
            if fetched.status not in REDIRECT_CODES:
                return fetched
            if not fetched.location:
                return Fetched(url, fetched.status, error="redirect without Location")
            chain.append(url)
            if canonical_url(fetched.location) in {canonical_url(seen) for seen in chain}:
                return Fetched(url, error="redirect loop")
            if len(chain) > self.max_redirects:
                return Fetched(url, error="too many redirects")
            url = fetched.location

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of ``url``'s host lets the crawler fetch it (Protego, as Scrapy)."""
        parts = urlsplit(url)
        if parts.netloc not in self.robots:
            robots = self._follow(f"{parts.scheme}://{parts.netloc}/robots.txt", obey_robots=False,
                                  check_content=False)
            # like Scrapy's RobotsTxtMiddleware: any response's body is parsed (a 404 page holds
            # no rules); no response at all allows everything
            self.robots[parts.netloc] = (None if robots.status is None
                                         else Protego.parse(robots.body.decode("utf-8-sig", errors="ignore")))
        parser = self.robots[parts.netloc]
        return parser is None or parser.can_fetch(url, self.robots_agent)

    # -- one URL, with retries --
    def _retryable(self, fetched: Fetched) -> bool:
        if fetched.status is None:
            return fetched.error not in NOT_RETRIED
        return fetched.status in self.retry_codes or (fetched.status == 200 and fetched.error == "empty body")

    def _fetch(self, url: str, *, check_content: bool) -> Fetched:
        for attempt in range(self.retry_times + 1):
            fetched = self._get(url, check_content=check_content)
            if attempt == self.retry_times or not self._retryable(fetched):
                return fetched
            wait = fetched.retry_after if fetched.retry_after is not None else self.backoff_base * 2 ** attempt
            logger.info("retrying %s (%s) in %.1f s", url, fetched.error or fetched.status, min(wait, self.backoff_max))
            time.sleep(min(wait, self.backoff_max))
        raise AssertionError("unreachable")

    def _transport_url(self, url: str) -> str:
        return replica_url_for(self.replica_url, url) if self.replica_url else url

    def _real_url(self, url: str, location: str | None) -> str | None:
        if not location:
            return None
        return real_location(self.replica_url, url, location) if self.replica_url else urljoin(url, location)

    def _get(self, url: str, *, check_content: bool) -> Fetched:
        wait = self.last_request + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.last_request = time.monotonic()
        deadline = self.last_request + self.timeout
        request = urllib.request.Request(self._transport_url(url), headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return self._read(url, response, response.status, deadline, check_content)
        except urllib.error.HTTPError as error:
            with error:
                if 300 <= error.code < 400:
                    return Fetched(url, error.code, location=self._real_url(url, error.headers.get("Location")))
                fetched = self._read(url, error, error.code, deadline, check_content)
                if error.code in (429, 503):
                    fetched.retry_after = parse_retry_after(error.headers.get("Retry-After"))
                fetched.error = fetched.error or f"http {error.code}"
                return fetched
        except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
            return Fetched(url, error=describe_error(error))

    def _read(self, url: str, response, status: int, deadline: float, check_content: bool) -> Fetched:
        """The body, read in chunks and dropped past DOWNLOAD_MAXSIZE or DOWNLOAD_TIMEOUT."""
        headers = response.headers
        declared = (headers.get("Content-Length") or "").strip()
        if self.maxsize and declared.isdigit() and int(declared) > self.maxsize:
            logger.warning("%s: declared size %s over DOWNLOAD_MAXSIZE %d", url, declared, self.maxsize)
            return Fetched(url, error=TOO_LARGE)
        body = bytearray()
        while chunk := response.read(CHUNK_SIZE):
            body += chunk
            if self.maxsize and len(body) > self.maxsize:
                logger.warning("%s: body over DOWNLOAD_MAXSIZE %d; dropped", url, self.maxsize)
                return Fetched(url, error=TOO_LARGE)
            if time.monotonic() > deadline:
                return Fetched(url, error="timeout")
        if self.warnsize and len(body) > self.warnsize:
            logger.warning("%s: body of %d bytes over DOWNLOAD_WARNSIZE %d", url, len(body), self.warnsize)
        content_type = headers.get("Content-Type")
        fetched = Fetched(url, status, bytes(body), headers.get_content_charset(), content_type=content_type)
        kind = (content_type or "text/html").lower().encode("latin-1", "replace")
        if check_content and status == 200 and is_html(kind):
            fetched.error = content_problem(fetched.body, kind)
        return fetched
