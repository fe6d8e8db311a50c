"""Item pipelines: normalise text, validate, and write to the article store.

Validation failures are not articles: they are recorded in the store's ``failures`` table
with the URL and reason, so an operator sees what was lost and why.
"""
from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem, FailureItem
from crawler.provenance import REQUIRED_FIELDS, entry_hash, missing_required, nfc_deep
from archive.home import Home
from archive.store import Store

__all__ = ["REQUIRED_FIELDS", "NormalizePipeline", "ValidatePipeline", "StorePipeline", "failure_kind"]


def failure_kind(reason: str) -> str:
    """A failure reason without its variable detail, for stats keys: ``ignored: redirect loop``
    -> ``redirect loop``, ``listing http 404`` stays, ``DownloadFailedError: [...]`` ->
    ``DownloadFailedError``."""
    listing = reason.startswith("listing ")
    kind = reason.removeprefix("listing ").removeprefix("ignored: ")
    kind = kind.split(":")[0].split(" (")[0][:60]
    return f"listing {kind}" if listing else kind


class NormalizePipeline:
    """Every string of a record in NFC with NBSP folded, whatever the extractor did."""

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            item["record"] = nfc_deep(item["record"])
        return item


class ValidatePipeline:
    """An article without a title or a body becomes a failure with its reason."""

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            record = item["record"]
            reason = missing_required(record)
            if reason:
                return FailureItem(url=record.get("url"), reason=reason,
                                   detail="; ".join(item.get("problems") or []))
        return item


class StorePipeline:
    """Writes articles and failures to the store and records the crawl run with its counts."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store: Store | None = None
        self.run_id: int | None = None
        self.entry_hash: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        path = self.crawler.settings.get("UNIONNEWS_STORE_PATH") or Home.resolve().ensure().store_path
        self.store = Store(path)
        self.run_id = self.store.start_run(spider.name, kind=self.crawler.settings.get("UNIONNEWS_RUN_KIND", "crawl"))
        spider.store = self.store  # spiders consult known URLs for incremental crawls
        # what the articles are extracted with, so `nightly` sees when the entry changes
        self.entry_hash = entry_hash(getattr(spider, "site", None))

    def close_spider(self, spider=None):
        if self.store is None:
            return
        stats = self.crawler.stats.get_stats()
        summary = {key.removeprefix("unionnews/"): value for key, value in stats.items()
                   if key.startswith("unionnews/")}
        for key in ("downloader/request_count", "downloader/response_count", "item_scraped_count",
                    "retry/count", "finish_reason", "elapsed_time_seconds"):
            if key in stats:
                summary[key] = stats[key]
        # Retried faults (429, 503, resets, timeouts) leave no failure row: their counts are the record.
        summary.update({key: value for key, value in stats.items()
                        if key.startswith(("downloader/response_status_count/", "downloader/exception_type_count/",
                                           "retry/reason_count/", "retry/max_reached", "offsite/"))})
        reason = stats.get("finish_reason", "finished")
        self.store.finish_run(self.run_id, summary, status="finished" if reason == "finished" else str(reason))
        self.store.close()

    def process_item(self, item):
        stats = self.crawler.stats
        if isinstance(item, FailureItem):
            self.store.record_failure(item["url"], item["reason"], site=self.crawler.spider.name,
                                      run_id=self.run_id, detail=item.get("detail"))
            stats.inc_value("unionnews/failed")
            stats.inc_value(f"unionnews/failed/{failure_kind(item['reason'])}")
            raise DropItem(f"{item['reason']}: {item['url']}")
        result = self.store.put_article(
            item["record"], item.get("raw_html"), http_status=item.get("http_status"),
            encoding=item.get("encoding"), etag=item.get("etag"), last_modified=item.get("last_modified"),
            extraction_version=item.get("extraction_version"), entry_hash=self.entry_hash,
            field_sources=item.get("field_sources"),
        )
        stats.inc_value(f"unionnews/{result.outcome}")
        if result.outcome == "updated":  # which fields a re-crawl changed
            for field_name in result.changed:
                stats.inc_value(f"unionnews/changed/{field_name}")
        record = item["record"]
        for field_name in ("title", "published_at", "body", "author"):
            if record.get(field_name):
                stats.inc_value(f"unionnews/field/{field_name}")
        stats.inc_value("unionnews/articles")
        return item
