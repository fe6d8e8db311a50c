"""Runs Scrapy crawls of registered sites from Python (the CLI's ``crawl`` and ``nightly``).

All chosen sites crawl in one Twisted reactor, in parallel, each politely limited per
domain. The crawl writes to the home's store; per-site results are read back from the
store's ``runs`` table, which is what ``unionnews status`` shows too.
"""
from __future__ import annotations

import logging
import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from archive.errors import UserError
from archive.home import Home
from archive.store import Store

logger = logging.getLogger(__name__)


@dataclass
class CrawlOptions:
    slugs: tuple[str, ...] = ()
    replica: bool = False               # start the bundled replica web and crawl it
    replica_url: str | None = None      # crawl an already running replica
    max_pages: int | None = None
    kind: str = "crawl"
    spider_args: dict | None = None     # e.g. {"incremental": True} for nightly runs
    extra_settings: dict | None = None


@contextmanager
def replica_server():
    """The bundled replica web on a free 127.0.0.1 port, for the duration of a crawl."""
    from unionnews.replica.server import ReplicaServer

    with ReplicaServer(port=0) as server:
        yield server.url


def choose_sites(slugs) -> list:
    from archive.registry import get_site, load_registry

    if slugs:
        return [get_site(slug) for slug in slugs]
    sites = [site for site in load_registry().values() if site.enabled]
    if not sites:
        raise UserError("no enabled sites in the registry")
    return sites


def crawler_settings(home: Home, options: CrawlOptions, replica_url: str | None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.settings import Settings

    import crawler.settings as project_settings

    settings = Settings()
    # the project's settings with the environment as it is now, and for a replica its
    # relaxed politeness unless the environment says otherwise (tests slow a crawl down);
    # `sites check` reads the same values (crawler.fetch.SiteFetcher)
    settings.setdict(project_settings.current(replica=bool(replica_url)), priority="project")
    settings.set("UNIONNEWS_STORE_PATH", str(home.store_path), priority="cmdline")
    settings.set("UNIONNEWS_RUN_KIND", options.kind, priority="cmdline")
    settings.set("LOG_ENABLED", False, priority="cmdline")  # our own handlers log to the home
    if replica_url:
        settings.set("UNIONNEWS_REPLICA_URL", replica_url, priority="cmdline")
    for name, value in (options.extra_settings or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(home: Home, options: CrawlOptions) -> list[dict]:
    """Crawl the chosen sites (all enabled ones by default); returns each site's run row."""
    home.ensure()
    os.environ["UNIONNEWS_HOME"] = str(home.root)  # spiders resolve the home's own sites
    sites = choose_sites(options.slugs)
    with ExitStack() as stack:
        replica_url = options.replica_url
        if options.replica and not replica_url:
            replica_url = stack.enter_context(replica_server())
        from scrapy.crawler import CrawlerProcess

        settings = crawler_settings(home, options, replica_url)
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
        process = CrawlerProcess(settings)
        spider_kwargs = dict(options.spider_args or {})
        if options.max_pages:
            spider_kwargs["max_pages"] = options.max_pages
        for site in sites:
            process.crawl(site.slug, **spider_kwargs)
        with Store(home.store_path) as store:
            first_run_id = (store.runs(limit=1) or [{"id": 0}])[0]["id"]
        process.start()
    with Store(home.store_path) as store:
        runs = [run for run in store.runs(limit=len(sites) * 4) if run["id"] > first_run_id]
        link_new_copies(store)
    return sorted(runs, key=lambda run: run["site"])


def link_new_copies(store: Store) -> None:
    """Links republished copies among the articles this crawl stored (new or changed only)."""
    from unionnews.dedup import link_duplicates

    try:
        result = link_duplicates(store, article_ids=[])
    except Exception:  # a dedup problem must not hide the crawl's own result
        logger.exception("linking republished copies failed; run `unionnews dedup` to retry")
        return
    logger.info("dedup: %s", result)
