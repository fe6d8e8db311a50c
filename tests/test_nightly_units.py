"""The nightly's parts in isolation: health flags, conditional re-checks, the run frontier."""
from __future__ import annotations

from datetime import datetime

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.spiders.base import VIETNAM_TZ
from crawler.spiders.sites import LaodongthudoSpider
from unionnews.monitor import SiteHealth, binomial_tail, flag
from archive.store import Store

ARTICLE_URL = "https://laodongthudo.vn/mot-bai-bao-123.html"


def health(articles: int, *, title: int | None = None, author: int = 0, selectors: int | None = None,
           links: int = 10, status: str = "finished", failures: dict | None = None) -> SiteHealth:
    title = articles if title is None else title
    selectors = articles if selectors is None else selectors
    return SiteHealth(
        site="laodongthudo", run_id=1, status=status, listing_links=links, articles=articles,
        failures_by_reason=failures or {},
        field_counts={"title": title, "published_at": articles, "body": articles, "author": author},
        selector_counts={"title": selectors, "published_at": selectors, "body": selectors},
    )


def test_first_run_is_not_flagged_unless_it_finds_nothing():
    assert flag(health(14, author=9), []).flags == []
    assert flag(health(0, links=0), []).flags == ["listings yield no article links"]


def test_nothing_new_is_not_flagged():
    assert flag(health(0), [health(14, author=9)]).flags == []


def test_small_samples_do_not_raise_false_flags():
    history = [health(14, author=9)]               # authors on 64% of articles
    assert flag(health(3, author=1), history).flags == []
    assert flag(health(3, author=0), history).flags == []   # 5% likely at the usual rate


def test_selectors_finding_nothing_is_flagged_even_on_three_articles():
    flags = flag(health(3, selectors=0, author=3), [health(14, author=13)]).flags
    assert flags == ["site selectors no longer finding title (0 of 3, usually 100%), "
                     "published_at (0 of 3, usually 100%), body (0 of 3, usually 100%)"]


def test_a_field_gone_from_many_articles_is_flagged():
    flags = flag(health(20, author=0), [health(40, author=36)]).flags
    assert flags == ["fields missing: author (0 of 20, usually 90%)"]


def test_broken_runs_and_failed_extraction_are_flagged():
    assert flag(health(5, status="shutdown"), [health(14)]).flags == ["run ended as 'shutdown'"]
    flags = flag(health(1, failures={"no title and no body": 3}), [health(14)]).flags
    assert flags == ["3 of 4 article pages gave no title/body"]


def test_binomial_tail():
    assert binomial_tail(0, 3, 0.5) == pytest.approx(0.125)
    assert binomial_tail(3, 3, 0.9) == pytest.approx(1.0)


def record(url=ARTICLE_URL, published_at="2025-06-19T16:45:00+07:00") -> dict:
    return {"url": url, "site": "laodongthudo", "title": "Tiêu đề", "body": "Nội dung.",
            "published_at": published_at, "content_hash": "abc", "fetched_at": "2025-06-20T00:00:00Z"}


@pytest.fixture
def spider(tmp_path):
    crawler = get_crawler(LaodongthudoSpider)
    spider = LaodongthudoSpider.from_crawler(crawler, incremental="1", recheck_days="3")
    store = Store(tmp_path / "store.sqlite")
    spider.store = store
    yield spider
    store.close()


def test_recent_known_article_is_rechecked_with_its_validators(spider):
    recent = datetime.now(VIETNAM_TZ).replace(microsecond=0).isoformat()
    spider.store.upsert_article(record(published_at=recent), b"<html></html>", etag='"v1"',
                                last_modified="Mon, 01 Jun 2026 00:00:00 GMT")
    spider.store.upsert_article(record(url=ARTICLE_URL.replace("123", "124")), b"<html></html>")
    spider.store.start_run("laodongthudo", kind="nightly")
    spider.prepare_incremental()
    request = spider.article_request(ARTICLE_URL)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 01 Jun 2026 00:00:00 GMT"
    assert spider.article_request(ARTICLE_URL.replace("123", "124")) is None   # old: not re-checked
    assert spider.article_request("https://laodongthudo.vn/bai-moi-125.html").headers.get(b"If-None-Match") is None
    not_modified = HtmlResponse(ARTICLE_URL, status=304, body=b"", request=Request(ARTICLE_URL))
    assert list(spider.parse_article(not_modified)) == []
    assert spider.crawler.stats.get_value("unionnews/not_modified") == 1


def test_dead_urls_are_neither_new_nor_fetched(spider):
    spider.store.record_failure(ARTICLE_URL, "http 404", site="laodongthudo")
    spider.store.record_failure(ARTICLE_URL.replace("123", "126"), "http 500", site="laodongthudo")
    spider.store.start_run("laodongthudo", kind="nightly")
    spider.prepare_incremental()
    assert spider.dead_urls == {ARTICLE_URL}
    assert spider.article_request(ARTICLE_URL) is None
    assert spider.article_request(ARTICLE_URL.replace("123", "126")) is not None   # may answer next time


@pytest.mark.parametrize("status, stats, finished", [
    ("finished", {}, True),
    ("finished", {"listing_failed": 2}, False),   # listing pages unseen
    ("shutdown", {}, False),                        # stopped by a signal
    (None, {}, False),                              # killed: still 'running'
])
def test_previous_run_finished_means_the_listings_were_walked(tmp_path, status, stats, finished):
    with Store(tmp_path / "store.sqlite") as store:
        previous = store.start_run("laodongthudo", kind="nightly")
        if status:
            store.finish_run(previous, stats, status=status)
        store.start_run("laodongthudo", kind="nightly")
        assert store.previous_run_finished("laodongthudo") is finished


def test_interrupted_runs_are_marked_and_walked_again(tmp_path):
    with Store(tmp_path / "store.sqlite") as store:
        store.start_run("laodongthudo", kind="nightly")
        store.start_run("congdoannghean", kind="crawl")       # not serialised by the nightly lock
        assert store.mark_interrupted_runs("nightly") == 1
        assert [run["status"] for run in store.runs()] == ["running", "interrupted"]
        store.start_run("laodongthudo", kind="nightly")
        assert store.previous_run_finished("laodongthudo") is False
