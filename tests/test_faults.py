"""End to end: crawl the replica web with every fault switched on and hold the crawl to it.

One crawl (a subprocess, as ``unionnews crawl`` runs) of all five sites, each with its own
faults. The crawl must finish, store exactly the articles the replica serves correctly,
each once and with the right fields, cut the traps off, stay within a memory bound while
the 20 MB page and the gzip bomb are served, and report every fault with its reason.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from crawler.guards import canonical_url
from unionnews.replica.faults import FOREIGN_HOPS
from unionnews.replica.server import ReplicaServer
from unionnews.replica.truth import expected_records, site_modules
from archive.store import Store

pytestmark = pytest.mark.slow

COMPARED_FIELDS = ("site", "province", "title", "summary", "published_at", "updated_at", "author", "source",
                   "tags", "category", "images", "body", "content_hash")
RETRY_AFTER = 2
BARREN_LIMIT = 2
PEAK_RSS_LIMIT_MB = 400
CRAWL_TIMEOUT = 300
# Extra URLs (always faulty) and fractions of real pages (faulty on the first GET only).
FAULTS = {
    "laodongthudo": {"session_ids": {"style": "php"}, "status_429": {"fraction": 0.3, "retry_after": RETRY_AFTER}},
    "congdoankiengiang": {"pagination_trap": {}, "huge": {}, "status_503": {"fraction": 0.2}},
    "congdoannghean": {"gzip_bomb": {}, "binary": {}, "empty": {"fraction": 0.3}, "invalid_utf8": {}},
    "tuoitrekiengiang": {"session_ids": {"style": "java"}, "reset": {"fraction": 0.3}, "slow": {"fraction": 0.15}},
    "congdoanquangninh": {"burst_503": {}, "redirect_loop": {}, "redirect_chain": {}, "redirect_offsite": {}},
}
# The failure each fault's extra URL must leave in the store.
EXTRA_URL_REASONS = {
    "slow": "timeout",
    "reset": "ignored: connection lost",
    "status_429": "http 429",
    "status_503": "http 503",
    "empty": "ignored: empty body",
    "redirect_loop": "ignored: redirect loop",
    "redirect_chain": "ignored: too many redirects",
    "redirect_offsite": "ignored: offsite redirect",
    "huge": "ignored: body over size limit",
    "binary": "ignored: binary content",
    "gzip_bomb": "ignored: decompressed body over size limit",
    "invalid_utf8": "ignored: invalid utf-8",
}
# The run stat (of the faulty site) that shows a fault the crawl recovered from.
RECOVERED_STATS = {
    "session_ids": "unionnews/guard/links_cleaned",
    "status_429": "unionnews/retry_after_honoured",
    "status_503": "retry/reason_count/503 Service Unavailable",
    "burst_503": "retry/reason_count/503 Service Unavailable",
    "empty": "retry/reason_count/empty body",
    "reset": "retry/reason_count/scrapy.exceptions.DownloadFailedError",
    "slow": "retry/reason_count/scrapy.exceptions.DownloadTimeoutError",
    "pagination_trap": "unionnews/guard/capped/barren listing",
}


def run_crawl(home, url: str) -> tuple[int, str, str, float]:
    """(exit status, stdout, stderr, peak RSS in MB) of ``unionnews crawl`` in a subprocess."""
    env = dict(os.environ, UNIONNEWS_DOWNLOAD_TIMEOUT="3", UNIONNEWS_MAX_BARREN_LISTING_PAGES=str(BARREN_LIMIT))
    out, err, peak = home / "crawl.out", home / "crawl.err", home / "crawl.peak"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-c", _REPORT_PEAK, str(peak), "--home", str(home), "crawl",
                                    "--replica-url", url], stdout=stdout, stderr=stderr, env=env)
        killer = threading.Timer(CRAWL_TIMEOUT, process.kill)
        killer.start()
        try:
            process.wait()
        finally:
            killer.cancel()
    return process.returncode, out.read_text(), err.read_text(), int(peak.read_text()) / 1024


# Runs the CLI and writes its own peak RSS (VmHWM, kB) on exit. getrusage/wait4's maxrss is
# no good here: Linux carries the forking parent's peak over exec, so the figure would be
# pytest's own size at that moment (~400 MB late in a full run), not the crawl's.
_REPORT_PEAK = """
import atexit, re, sys
target = sys.argv.pop(1)
def report():
    with open("/proc/self/status") as status, open(target, "w") as out:
        out.write(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
atexit.register(report)
from unionnews.cli import main
sys.argv[0] = "unionnews"
main()
"""


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    home = tmp_path_factory.mktemp("faults-home")
    with ReplicaServer(port=0) as server:
        for slug, faults in FAULTS.items():
            server.set_faults(slug, faults)
        fault_urls = {slug: server.fault_urls(slug) for slug in FAULTS}
        status, stdout, stderr, peak_mb = run_crawl(home, server.url)
        request_log, fault_log = server.request_log, server.fault_log
    with Store(home / "store.sqlite") as store:
        articles = {article["url"]: article for article in store.iter_articles()}
        failures = store.failures()
        runs = {run["site"]: run for run in store.runs(limit=20)}
    return {"status": status, "stdout": stdout, "stderr": stderr, "peak_mb": peak_mb, "articles": articles,
            "failures": failures, "runs": runs, "log": request_log, "fault_log": fault_log, "fault_urls": fault_urls}


def test_the_crawl_finishes_cleanly(crawl):
    assert crawl["status"] == 0, crawl["stderr"][-3000:]
    assert "Traceback" not in crawl["stderr"]
    assert {run["status"] for run in crawl["runs"].values()} == {"finished"}


def test_every_fault_fired(crawl):
    fired = {(slug, name) for _time, slug, name, _key, _status in crawl["fault_log"]}
    for slug, faults in FAULTS.items():
        for name in faults:
            if name not in ("session_ids", "pagination_trap"):  # these change pages, not responses
                assert (slug, name) in fired, (slug, name)


def test_no_article_is_lost_or_stored_twice(crawl):
    truth, stored = expected_records(), crawl["articles"]
    assert set(stored) == set(truth), (
        f"missing: {sorted(set(truth) - set(stored))}\nunexpected: {sorted(set(stored) - set(truth))}")
    wrong = {url: [name for name in COMPARED_FIELDS if stored[url][name] != expected[name]]
             for url, expected in truth.items()}
    assert not any(wrong.values()), json.dumps({u: f for u, f in wrong.items() if f}, indent=1)
    assert len({canonical_url(url) for url in stored}) == len(stored)


def test_every_fault_url_is_a_failure_with_its_reason(crawl):
    recorded = {}
    for failure in crawl["failures"]:
        # a redirect fault fails on the hop where the guard stopped it (…?_hop=N)
        recorded[failure["url"].split("?_hop=")[0].split("&_hop=")[0]] = failure["reason"]
    for slug, urls in crawl["fault_urls"].items():
        for name, url in urls.items():
            assert recorded.get(url) == EXTRA_URL_REASONS[name], (slug, name, url, recorded.get(url))


def test_recovered_faults_show_in_the_run_stats(crawl):
    for slug, faults in FAULTS.items():
        stats = crawl["runs"][slug]["stats"]
        for name in faults:
            if name in RECOVERED_STATS:
                key = RECOVERED_STATS[name].removeprefix("unionnews/")
                assert stats.get(key, 0) > 0, (slug, name, key, stats)


def test_retry_after_is_honoured(crawl):
    # The extra 429 URL answers 429 every time: each retry must wait out Retry-After.
    times = [at for at, slug, name, key, status in crawl["fault_log"]
             if slug == "laodongthudo" and name == "status_429" and key.endswith("-990002.html")]
    assert len(times) == 4  # the first GET and RETRY_TIMES (3) retries
    assert all(later - earlier >= RETRY_AFTER - 0.01 for earlier, later in zip(times, times[1:])), times


def test_pagination_trap_is_cut_off(crawl):
    module = site_modules(None)["congdoankiengiang"]
    real = {module.listing_path(category, page)
            for category in module.content.categories for page in range(1, module.pages_in(category, 0) + 1)}
    listings = [path for domain, path, _status in crawl["log"]
                if domain == module.domain and path.startswith("/trang/TinTuc/") and path.count("/") == 3]
    beyond = {path for path in listings if path not in real}  # a set: faulty pages are fetched again
    assert beyond, "the trap was never entered"
    assert len(beyond) <= BARREN_LIMIT * len(module.content.categories), beyond
    assert any(failure["reason"] == "barren listing cap reached" for failure in crawl["failures"])


def test_session_ids_never_reach_a_request(crawl):
    for slug in ("laodongthudo", "tuoitrekiengiang"):
        domain = site_modules(None)[slug].domain
        paths = [path for requested_domain, path, _status in crawl["log"] if requested_domain == domain]
        assert paths
        assert not [path for path in paths if "sessid" in path.lower() or "utm_" in path]


def test_offsite_redirects_are_not_followed(crawl):
    assert not [path for domain, path, _status in crawl["log"]
                if domain == "" and path.lstrip("/").startswith(FOREIGN_HOPS)]


def test_memory_stays_bounded(crawl):
    assert crawl["peak_mb"] < PEAK_RSS_LIMIT_MB, crawl["peak_mb"]
