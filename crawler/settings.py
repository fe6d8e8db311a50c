"""Scrapy settings for the unionnews crawler.

Polite defaults for real government and union sites; every setting named in ``ENV_OVERRIDES``
can be overridden from the environment (``UNIONNEWS_<NAME>``), e.g.
``UNIONNEWS_CONCURRENT_REQUESTS_PER_DOMAIN=1``. Scrapy reads the module's names, with the
environment as it was at import; :func:`current` gives the same values with the environment
as it is now (``unionnews crawl`` and ``crawler.fetch.SiteFetcher``, which ``sites check``
uses, read that).
"""
import os

from archive import USER_AGENT as PROJECT_USER_AGENT

BOT_NAME = "unionnews"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = PROJECT_USER_AGENT
ROBOTSTXT_OBEY = True

# Politeness: small provincial servers, crawled at night.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Robustness: flaky servers get retries with exponential backoff; huge pages are cut off.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0      # seconds before the first retry, doubled each time
RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0                 # depth is capped (and reported) by the guards instead

# Guard caps per site and run (crawler/guards.py SiteBudgetMiddleware): traps are cut off
# here; the spider's own max_pages caps each start URL. 0 = no cap.
UNIONNEWS_MAX_BARREN_LISTING_PAGES = 3   # listing pages in a row with no article link new to this run
UNIONNEWS_MAX_LISTING_PAGES = 500
UNIONNEWS_MAX_DEPTH = 100
UNIONNEWS_MAX_REQUESTS_PER_SITE = 20000

# Responses pass through these from the highest number down, requests from the lowest up
# (Scrapy's own: Retry 550, MetaRefresh 580, HttpCompression 590, Redirect 600).
DOWNLOADER_MIDDLEWARES = {
    "crawler.guards.RedirectGuardMiddleware": 610,       # before RedirectMiddleware follows
    "crawler.guards.ContentSanityMiddleware": 585,       # after decompression
    "crawler.middlewares.RetryBackoffMiddleware": 560,   # sees Retry-After before RetryMiddleware copies the request
    "crawler.guards.FetchFailureMiddleware": 540,        # errors RetryMiddleware gave up on
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.guards.BoundedDecompressionMiddleware": 590,
}
# Spider output passes from the highest number down (DepthMiddleware 900 sets meta["depth"] first).
SPIDER_MIDDLEWARES = {
    "crawler.guards.CanonicalRequestMiddleware": 860,
    "crawler.guards.SiteBudgetMiddleware": 840,
}
DOWNLOAD_HANDLERS = {
    "http": "crawler.middlewares.ReplicaDownloadHandler",
    "https": "crawler.middlewares.ReplicaDownloadHandler",
}
ITEM_PIPELINES = {
    "crawler.pipelines.NormalizePipeline": 100,
    "crawler.pipelines.ValidatePipeline": 200,
    "crawler.pipelines.StorePipeline": 300,
}

# Where the crawl writes: the store of $UNIONNEWS_HOME unless set.
UNIONNEWS_STORE_PATH = None
# Base URL of a local replica web (http://127.0.0.1:PORT); empty for the real sites.
UNIONNEWS_REPLICA_URL = ""

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False

ENV_OVERRIDES = {
    "CONCURRENT_REQUESTS": int, "CONCURRENT_REQUESTS_PER_DOMAIN": int, "DOWNLOAD_DELAY": float,
    "AUTOTHROTTLE_ENABLED": lambda v: v.lower() in ("1", "true", "yes"), "AUTOTHROTTLE_MAX_DELAY": float,
    "RETRY_TIMES": int, "DOWNLOAD_TIMEOUT": float, "DOWNLOAD_MAXSIZE": int, "LOG_LEVEL": str,
    "UNIONNEWS_STORE_PATH": str, "UNIONNEWS_REPLICA_URL": str, "USER_AGENT": str,
    "ROBOTSTXT_OBEY": lambda v: v.lower() in ("1", "true", "yes"),
    "RETRY_BACKOFF_BASE": float, "RETRY_BACKOFF_MAX": float, "REDIRECT_MAX_TIMES": int,
    "DOWNLOAD_WARNSIZE": int, "UNIONNEWS_MAX_LISTING_PAGES": int, "UNIONNEWS_MAX_DEPTH": int,
    "UNIONNEWS_MAX_REQUESTS_PER_SITE": int, "UNIONNEWS_MAX_BARREN_LISTING_PAGES": int,
}


def environment_overrides(environ=None) -> dict:
    """The settings that ``environ`` (``os.environ`` by default, read now) overrides, parsed."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, parse in ENV_OVERRIDES.items():
        env_name = name if name.startswith("UNIONNEWS_") else f"UNIONNEWS_{name}"
        if environ.get(env_name):
            values[name] = parse(environ[env_name])
    return values


# A replica on 127.0.0.1 needs no politeness delays; keeps tests and the demo quick.
# A value set in the environment wins (e.g. UNIONNEWS_DOWNLOAD_TIMEOUT=2 for fault tests).
REPLICA_DEFAULTS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_BACKOFF_BASE": 0.2,
    "DOWNLOAD_TIMEOUT": 10,
}
_DEFAULTS = {name: value for name, value in globals().items() if name.isupper()}

# Scrapy reads this module's upper-case names (SCRAPY_SETTINGS_MODULE): the environment at import.
_FROM_ENVIRONMENT = environment_overrides()
globals().update(_FROM_ENVIRONMENT)
REPLICA_OVERRIDES = {name: value for name, value in REPLICA_DEFAULTS.items() if name not in _FROM_ENVIRONMENT}


def current(*, replica: bool = False, environ=None) -> dict:
    """Every setting of this module as a crawl started now sees it: the defaults above, then,
    for a crawl of a replica, ``REPLICA_DEFAULTS``, then the ``UNIONNEWS_<NAME>`` overrides in
    ``environ`` (``os.environ`` by default, read at this call, not at import: an override set
    later, e.g. by a test, counts). ``unionnews crawl`` and ``sites check`` both read it."""
    values = dict(_DEFAULTS)
    if replica:
        values.update(REPLICA_DEFAULTS)
    values.update(environment_overrides(environ))
    return values
