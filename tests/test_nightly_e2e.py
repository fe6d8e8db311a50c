"""End to end: ``unionnews nightly`` in subprocesses against one replica web.

What a correct incremental crawl may fetch is derived from the replica's own content
(which articles each publish step adds, the listing order and page size), never from the
spider's logic: per site, robots.txt + the feeds + each category's listing pages up to the
first page holding nothing new + the new articles. The replica's request log is the
measurement; the run stats in the store must agree with it.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from unionnews.replica.server import ReplicaServer
from unionnews.replica.truth import expected_records, site_modules
from archive.store import Store

pytestmark = pytest.mark.slow
MODULES = site_modules(None)
DOMAINS = {module.domain: slug for slug, module in MODULES.items()}
VIETNAM_TZ = timezone(timedelta(hours=7))
SLOW_CRAWL = {"UNIONNEWS_CONCURRENT_REQUESTS_PER_DOMAIN": "1", "UNIONNEWS_DOWNLOAD_DELAY": "0.2"}


def nightly(home, server, *arguments, env=None) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "-m", "unionnews", "--home", str(home), "nightly", "--replica-url", server.url, *arguments],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    return completed


def cli(home, *arguments) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, "-m", "unionnews", "--home", str(home), *arguments],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def requests_by_site(log) -> dict[str, list[str]]:
    by_site = defaultdict(list)
    for domain, path, _status in log:
        by_site[DOMAINS[domain.removeprefix("www.")]].append(path)
    return by_site


def article_paths(slug: str, step: int) -> dict[str, object]:
    module = MODULES[slug]
    return {module.article_path(article): article for article in module.content.online(step)}


def allowed_requests(slug: str, before: int, after: int, overlap: int = 1) -> tuple[int, set[str]]:
    """(request bound, article paths that are new) for a nightly at step ``after`` whose
    store holds everything of step ``before``."""
    module = MODULES[slug]
    new = {module.article_path(a) for a in module.content.online(after) if a.publish_step > before}
    listing_pages = 0
    for category in module.content.categories:
        items = module.content.online(after, category.id)
        pages = module.pages_in(category, after)
        for page in range(1, pages + 1):
            shown = items[(page - 1) * module.page_size: page * module.page_size]
            if not any(module.article_path(a) in new for a in shown):
                pages = min(pages, page + overlap - 1)
                break
        listing_pages += pages
    return 1 + len(module.feeds) + listing_pages + len(new), new


def last_runs(home) -> dict[str, dict]:
    """The latest crawl run of every site."""
    with Store(home / "store.sqlite") as store:
        runs = [run for run in store.runs(limit=50) if run["kind"] != "report"]
    latest = {}
    for run in runs:
        latest.setdefault(run["site"], run)
    return latest


def stored_urls(home) -> list[str]:
    with Store(home / "store.sqlite") as store:
        return [row[0] for row in store.conn.execute("SELECT url FROM articles")]


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(port=0) as web:
        yield web


@pytest.fixture(scope="module")
def nightlies(server, tmp_path_factory):
    """Runs 1 (step 0), 2 (step 1), 3 (nothing new), 4 (nothing new, recent articles re-checked)."""
    home = tmp_path_factory.mktemp("nightly-home")
    server.set_step(0)
    results = {}
    for name, step, arguments in (("first", 0, ("--recheck-days", "0")), ("second", 1, ("--recheck-days", "0")),
                                  ("third", 1, ("--recheck-days", "0")), ("recheck", 1, ("--recheck-days", "RECHECK"))):
        server.set_step(step)
        server.reset_log()
        arguments = tuple(str(recheck_days()) if value == "RECHECK" else value for value in arguments)
        completed = nightly(home, server, *arguments)
        results[name] = {"completed": completed, "log": server.request_log, "runs": last_runs(home),
                         "urls": stored_urls(home)}
    return home, results


RECHECK_SINCE = date(2025, 1, 1)


def recheck_days() -> int:
    return (datetime.now(VIETNAM_TZ).date() - RECHECK_SINCE).days


def test_first_nightly_stores_every_article_once(nightlies):
    _home, results = nightlies
    first = results["first"]
    assert first["completed"].returncode == 0, first["completed"].stderr
    assert "FLAGGED" not in first["completed"].stdout + first["completed"].stderr  # no history is no flag
    assert sorted(first["urls"]) == sorted(expected_records(step=0))


def test_second_nightly_fetches_first_listing_pages_and_new_articles_only(nightlies):
    _home, results = nightlies
    second = results["second"]
    assert second["completed"].returncode == 0, second["completed"].stdout + second["completed"].stderr
    assert sorted(second["urls"]) == sorted(expected_records(step=1))
    requested = requests_by_site(second["log"])
    for slug in MODULES:
        bound, new = allowed_requests(slug, before=0, after=1)
        paths = requested[slug]
        fetched_articles = {path for path in paths if path in article_paths(slug, 1)}
        assert fetched_articles == new, slug  # known articles and known 404s are not fetched again
        assert len(paths) <= bound, (slug, paths)
        assert paths.count("/robots.txt") == 1
        stats = second["runs"][slug]["stats"]
        assert stats["downloader/request_count"] == len(paths), slug
        assert stats["new"] == len(new) and not stats.get("updated"), slug


def test_new_articles_are_indexed_and_found(nightlies):
    home, _results = nightlies
    new_article = next(a for a in MODULES["laodongthudo"].content.articles if a.publish_step == 1)
    words = " ".join(re.findall(r"\w+", new_article.title))
    result = json.loads(cli(home, "search", "--json", "--limit", "3", words).stdout)
    assert result["hits"][0]["url"] == MODULES["laodongthudo"].article_url(new_article)


def test_nightly_with_nothing_new_reads_one_listing_page_per_category(nightlies):
    _home, results = nightlies
    third = results["third"]
    assert third["completed"].returncode == 0, third["completed"].stderr
    assert "FLAGGED" not in third["completed"].stdout + third["completed"].stderr
    assert sorted(third["urls"]) == sorted(expected_records(step=1))
    requested = requests_by_site(third["log"])
    for slug, module in MODULES.items():
        # the bound: robots.txt + feeds + page 1 of each category, no article at all
        bound = 1 + len(module.feeds) + len(module.content.categories)
        assert len(requested[slug]) == bound, (slug, requested[slug])
        assert not set(requested[slug]) & set(article_paths(slug, 1))
        assert third["runs"][slug]["stats"]["downloader/request_count"] == bound


def test_recent_articles_are_rechecked_and_left_unchanged(nightlies):
    _home, results = nightlies
    recheck = results["recheck"]
    assert recheck["completed"].returncode == 0, recheck["completed"].stderr
    requested = requests_by_site(recheck["log"])
    for slug, module in MODULES.items():
        on_first_pages = [a for category in module.content.categories
                          for a in module.content.online(1, category.id)[:module.page_size]]
        assert not any(abs((a.published_at.date() - RECHECK_SINCE).days) <= 1 for a in on_first_pages)
        recent = {module.article_path(a) for a in on_first_pages
                  if a.published_at.date() >= RECHECK_SINCE and a.defect != "404"}
        assert recent, slug  # the test means something: each site has recent articles to re-check
        assert {path for path in requested[slug] if path in article_paths(slug, 1)} == recent, slug
        stats = recheck["runs"][slug]["stats"]
        assert stats["rechecked"] == len(recent) and stats["unchanged"] == len(recent), slug
        assert not stats.get("new") and not stats.get("updated"), slug
    assert sorted(recheck["urls"]) == sorted(expected_records(step=1))


def test_status_shows_runs_and_last_report(nightlies):
    home, results = nightlies
    shown = cli(home, "status", "--limit", "5").stdout
    for slug in MODULES:
        assert slug in shown
    assert "Last nightly report" in shown and "FLAGGED" not in shown
    latest = json.loads(cli(home, "status", "--json").stdout)
    assert {run["id"] for run in latest["runs"][:5]} == {run["id"] for run in results["recheck"]["runs"].values()}
    report_sites = {health["site"]: health for health in latest["last_report"]["stats"]["sites"]}
    assert set(report_sites) == set(MODULES)
    assert all(health["flags"] == [] for health in report_sites.values())


def test_redesigned_site_is_flagged_and_the_others_carry_on(server, tmp_path):
    home = tmp_path / "home"
    server.set_step(0)
    first = nightly(home, server, "--no-index", "--recheck-days", "0")
    assert first.returncode == 0, first.stderr
    server.redesign("laodongthudo")
    server.set_step(1)
    try:
        second = nightly(home, server, "--no-index", "--recheck-days", "0")
        status_after_second = cli(home, "status").stdout
        third = nightly(home, server, "--no-index", "--recheck-days", "0")
    finally:
        server.redesign("laodongthudo", on=False)
    assert second.returncode == 1
    flagged = [line for line in second.stderr.splitlines() if line.startswith("FLAGGED")]
    assert len(flagged) == 1 and flagged[0].startswith("FLAGGED laodongthudo: site selectors no longer finding title")
    assert "published_at" in flagged[0] and "body" in flagged[0]
    assert flagged[0] in status_after_second.splitlines() and "flagged" in status_after_second
    stored = set(stored_urls(home))
    for url, record in expected_records(step=1).items():
        if record["site"] != "laodongthudo":
            assert url in stored
    assert third.returncode == 0 and "FLAGGED" not in third.stdout + third.stderr  # nothing new: nothing to judge


def test_killed_nightly_is_finished_by_the_next_one(server, tmp_path):
    """A second nightly is refused while one runs; a SIGKILLed one leaves a stale lock that
    the next one takes over, and that run completes the store without duplicates."""
    home = tmp_path / "home"
    home.mkdir()
    lock_path = home / "nightly.lock"
    store_path = home / "store.sqlite"
    server.set_step(1)
    expected = expected_records(step=1)
    victim = subprocess.Popen(
        [sys.executable, "-m", "unionnews", "--home", str(home), "nightly", "--replica-url", server.url, "--no-index"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **SLOW_CRAWL})
    try:
        stored = wait_for_articles(store_path, victim, at_least=10)
        refused = nightly(home, server, "--no-index")
        assert refused.returncode == 3, refused.stderr
        assert "Error: another nightly run holds" in refused.stderr and f"pid {victim.pid}" in refused.stderr
        stored = wait_for_articles(store_path, victim, at_least=stored + 5)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    before = set(stored_urls(home))
    assert 0 < len(before) < len(expected)  # killed mid-run
    assert f"pid {victim.pid}" in lock_path.read_text()  # the dead holder's lock file is left behind
    server.reset_log()
    again = nightly(home, server, "--recheck-days", "0")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "interrupted nightly" in again.stdout
    with Store(store_path) as store:
        assert store.integrity_check() == "ok"
        urls = [row[0] for row in store.conn.execute("SELECT url FROM articles")]
        assert len(urls) == len(set(urls)) and set(urls) == set(expected)
        statuses = {run["status"] for run in store.runs(limit=30) if run["kind"] == "nightly"}
        assert "running" not in statuses and "interrupted" in statuses
    refetched = {path for domain, path, _status in server.request_log
                 if f"https://{domain}{path}" in before}
    assert not refetched  # what the killed run stored is not fetched again


def wait_for_articles(store_path, process, at_least: int) -> int:
    """Polls the store until it holds ``at_least`` articles; the crawl must still be running."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        try:
            with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True, timeout=5) as conn:
                count = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.OperationalError:
            count = 0  # not created yet
        if count >= at_least:
            return count
        time.sleep(0.05)
    raise AssertionError(f"the store never reached {at_least} articles")
