"""End to end: crawl the whole replica web over HTTP into a fresh store, twice.

The replica's ``truth`` module derives, from the same content the replica renders, the
record a correct crawler must store for every article; this test holds the crawl to it.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from unionnews.replica.server import ReplicaServer
from unionnews.replica.truth import expected_records, missing_urls, site_modules
from archive.store import Store

pytestmark = pytest.mark.slow
COMPARED_FIELDS = ("site", "province", "title", "summary", "published_at", "updated_at", "author", "source",
                   "tags", "category", "images", "body")
VOLATILE_COLUMNS = ("last_seen_at",)


def defect_urls(defect: str) -> list[str]:
    """Real URLs of the step-0 articles the replica serves with ``defect``."""
    return [module.article_url(article) for module in site_modules(None).values()
            for article in module.content.articles if article.online(0) and article.defect == defect]


def run_cli(home, *arguments) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, "-m", "unionnews", "--home", str(home), *arguments],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr
    return completed


def snapshot(store_path) -> dict:
    with Store(store_path) as store:
        return {article["url"]: {key: value for key, value in article.items() if key not in VOLATILE_COLUMNS}
                for article in store.iter_articles()}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-home")
    with ReplicaServer(port=0) as server:
        first = run_cli(home, "crawl", "--replica-url", server.url)
        first_log = list(server.request_log)
        after_first = snapshot(home / "store.sqlite")
        server.reset_log()
        second = run_cli(home, "crawl", "--replica-url", server.url)
        after_second = snapshot(home / "store.sqlite")
    with Store(home / "store.sqlite") as store:
        runs = store.runs(limit=50)
        failures = store.failures()
    return {"home": home, "first": first, "second": second, "log": first_log, "after_first": after_first,
            "after_second": after_second, "runs": runs, "failures": failures}


def test_every_article_is_stored_once_with_the_right_fields(crawl):
    truth = expected_records()
    stored = crawl["after_first"]
    assert set(stored) == set(truth), (
        f"missing: {sorted(set(truth) - set(stored))}\nunexpected: {sorted(set(stored) - set(truth))}")
    wrong = {}
    for url, expected in truth.items():
        diffs = {name: (stored[url][name], expected[name]) for name in COMPARED_FIELDS
                 if stored[url][name] != expected[name]}
        if diffs:
            wrong[url] = diffs
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=1)[:6000]


def test_stored_urls_are_the_real_sites(crawl):
    for url, article in crawl["after_first"].items():
        assert url.startswith("https://") and "127.0.0.1" not in json.dumps(article, ensure_ascii=False)


def test_missing_pages_are_recorded_failures_not_articles(crawl):
    failed = {failure["url"]: failure["reason"] for failure in crawl["failures"]}
    assert missing_urls()
    for url in missing_urls():
        assert url not in crawl["after_first"]
        assert failed.get(url) == "http 404", f"{url}: {failed.get(url)}"


def test_server_error_is_retried_and_stored(crawl):
    urls = defect_urls("500-once")
    assert urls
    for url in urls:
        assert url in crawl["after_first"]
    statuses = [status for _domain, _path, status in crawl["log"]]
    assert statuses.count(500) == len(urls)


def test_encoding_defects_arrive_as_nfc(crawl):
    import unicodedata

    truth = expected_records()
    for defect in ("cp1258", "nfd"):
        assert defect_urls(defect)
        for url in defect_urls(defect):
            article = crawl["after_first"][url]
            for name in ("title", "summary", "body"):
                assert unicodedata.is_normalized("NFC", article[name])
                assert article[name] == truth[url][name]


def test_robots_txt_is_fetched_and_obeyed(crawl):
    paths = [(domain, path) for domain, path, _status in crawl["log"]]
    domains = {domain for domain, _path in paths}
    for domain in domains:
        assert (domain, "/robots.txt") in paths


def test_second_crawl_stores_nothing_new_and_changes_nothing(crawl):
    assert crawl["after_second"] == crawl["after_first"]
    second_runs = crawl["runs"][: len({run["site"] for run in crawl["runs"]})]
    for run in second_runs:
        assert run["stats"].get("new", 0) == 0 and run["stats"].get("updated", 0) == 0, run
    assert "total" in crawl["second"].stdout


def test_republished_copies_are_linked_to_their_original(crawl):
    modules = site_modules(None)
    expected_links = {}
    for module in modules.values():
        for article in module.content.articles:
            if article.online(0) and article.republished_of:
                original_slug, original_id = article.republished_of.split(":")
                original_module = modules[original_slug]
                original = original_module.content.article(original_id)
                expected_links[module.article_url(article)] = original_module.article_url(original)
    assert expected_links, "the replica has a republished pair"
    with Store(crawl["home"] / "store.sqlite") as store:
        linked = {}
        for article in store.iter_articles():
            if article["duplicate_of"]:
                linked[article["url"]] = store.get_article(article["duplicate_of"])["url"]
    assert linked == expected_links
