"""Scrapy settings for the unionnews crawler.

Polite defaults for real government and union sites; every setting named in ``ENV_OVERRIDES``
can be overridden from the environment (``UNIONNEWS_<NAME>``), e.g.
``UNIONNEWS_CONCURRENT_REQUESTS_PER_DOMAIN=1``.
"""
import os

from unionnews import USER_AGENT as PROJECT_USER_AGENT

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
DEPTH_LIMIT = 0

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RetryBackoffMiddleware": 540,
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
}
for _name, _parse in ENV_OVERRIDES.items():
    _env_name = _name if _name.startswith("UNIONNEWS_") else f"UNIONNEWS_{_name}"
    if os.environ.get(_env_name):
        globals()[_name] = _parse(os.environ[_env_name])

# A replica on 127.0.0.1 needs no politeness delays; keeps tests and the demo quick.
REPLICA_OVERRIDES = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_BACKOFF_BASE": 0.2,
    "DOWNLOAD_TIMEOUT": 10,
}
