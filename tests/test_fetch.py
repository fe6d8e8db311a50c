"""``crawler.fetch.SiteFetcher`` (what ``unionnews sites check`` fetches with) honours the
crawler's settings: their environment overrides, robots.txt as Protego reads it, the size cap,
retries, content sanity, and the replica addresses the crawl's download handler uses."""
from __future__ import annotations

import threading
import time
import urllib.robotparser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from archive import USER_AGENT
from archive.registry import site_from_dict
from crawler import settings as crawler_settings
from crawler.fetch import TOO_LARGE, SiteFetcher, real_location, replica_url_for

ROBOTS = b"""User-agent: *
Disallow: /tin-tuc/
Allow: /tin-tuc/bai-
Disallow: /*.pdf$
"""
PAGE = '<html><head><meta charset="utf-8"></head><body><p>Công đoàn cơ sở</p></body></html>'.encode()
SITE = site_from_dict({"slug": "example", "name": "n", "province": "p", "domain": "example.vn",
                       "start_urls": ["https://example.vn/"]})


class _Handler(BaseHTTPRequestHandler):
    """A replica-style server for example.vn (``/{host}{path}``) that logs what it was sent."""

    log: list[tuple[str, str]] = []
    ROUTES = {
        "/example.vn/robots.txt": (200, {"Content-Type": "text/plain"}, ROBOTS),
        "/example.vn/page": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE),
        "/example.vn/big": (200, {"Content-Type": "text/html"}, PAGE * 100),
        "/example.vn/binary": (200, {"Content-Type": "text/html"}, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8),
        "/example.vn/empty": (200, {"Content-Type": "text/html"}, b""),
        "/example.vn/busy": (503, {"Retry-After": "0"}, b"busy"),
    }

    def do_GET(self):
        self.log.append((self.path, self.headers.get("User-Agent")))
        if self.path == "/example.vn/slow":
            time.sleep(1.5)
        status, headers, body = self.ROUTES.get(self.path, (200, {"Content-Type": "text/html"}, PAGE))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if self.path != "/example.vn/big-unannounced":  # no length: read until the connection closes
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(PAGE * 100 if self.path == "/example.vn/big-unannounced" else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.log = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def requests_for(path: str) -> list[str]:
    return [agent for requested, agent in _Handler.log if requested == f"/example.vn{path}"]


def test_fetcher_obeys_environment_overrides_of_user_agent_timeout_and_retries(server, monkeypatch):
    monkeypatch.setenv("UNIONNEWS_USER_AGENT", "unionnews-test/9.9 (+https://example.org/bot)")
    monkeypatch.setenv("UNIONNEWS_DOWNLOAD_TIMEOUT", "0.4")
    monkeypatch.setenv("UNIONNEWS_RETRY_TIMES", "1")
    fetch = SiteFetcher(SITE, server)
    assert (fetch.user_agent, fetch.timeout, fetch.retry_times) == ("unionnews-test/9.9 (+https://example.org/bot)",
                                                                    0.4, 1)
    assert fetch("https://example.vn/page").ok
    started = time.monotonic()
    slow = fetch("https://example.vn/slow")
    assert (slow.status, slow.error) == (None, "timeout")
    assert time.monotonic() - started < 1.4          # two tries of 0.4 s, not one of 1.5 s
    assert len(requests_for("/slow")) == 2           # RETRY_TIMES=1: one retry
    # robots.txt too is fetched with the overridden agent, and nothing with the default
    assert {agent for _path, agent in _Handler.log} == {"unionnews-test/9.9 (+https://example.org/bot)"}
    monkeypatch.delenv("UNIONNEWS_USER_AGENT")
    assert SiteFetcher(SITE, server).user_agent == USER_AGENT == crawler_settings.current()["USER_AGENT"]


def test_fetcher_refuses_a_body_over_the_size_cap(server, monkeypatch):
    monkeypatch.setenv("UNIONNEWS_DOWNLOAD_MAXSIZE", str(len(PAGE) * 10))
    fetch = SiteFetcher(SITE, server)
    assert fetch.maxsize == len(PAGE) * 10
    assert fetch("https://example.vn/page").ok
    for path in ("/big", "/big-unannounced"):   # declared too large / found too large while reading
        fetched = fetch(f"https://example.vn{path}")
        assert (fetched.status, fetched.error, fetched.body) == (None, TOO_LARGE, b"")
        assert len(requests_for(path)) == 1      # not retried, as the crawler does not retry it
    assert SiteFetcher(SITE, server, settings={"DOWNLOAD_MAXSIZE": 0})("https://example.vn/big").ok


def test_fetcher_reads_robots_txt_as_protego_does(server):
    from protego import Protego
    from scrapy.robotstxt import ProtegoRobotParser
    from scrapy.settings import default_settings

    # the crawler's parser is Scrapy's default, Protego
    assert "ROBOTSTXT_PARSER" not in crawler_settings.current()
    assert default_settings.ROBOTSTXT_PARSER == "scrapy.robotstxt.ProtegoRobotParser"
    fetch = SiteFetcher(SITE, server)
    crawler_parser = ProtegoRobotParser(ROBOTS, None)
    stdlib = urllib.robotparser.RobotFileParser()
    stdlib.parse(ROBOTS.decode().splitlines())
    cases = {"/tin-tuc/bai-1.html": True,        # longest match wins (Allow); the stdlib takes the first
             "/files/bao-cao.pdf": False,         # wildcards and $; the stdlib reads them literally
             "/tin-tuc/khac.html": False, "/": True}
    for path, allowed in cases.items():
        url = f"https://example.vn{path}"
        assert fetch.allowed(url) is allowed == crawler_parser.allowed(url, USER_AGENT)
        assert Protego.parse(ROBOTS.decode()).can_fetch(url, USER_AGENT) is allowed
        fetched = fetch(url)
        assert (fetched.error == "disallowed by robots.txt") is not allowed
    assert stdlib.can_fetch(USER_AGENT, "https://example.vn/tin-tuc/bai-1.html") is False
    assert stdlib.can_fetch(USER_AGENT, "https://example.vn/files/bao-cao.pdf") is True
    assert len(requests_for("/robots.txt")) == 1
    assert not requests_for("/tin-tuc/khac.html") and not requests_for("/files/bao-cao.pdf")
    # ROBOTSTXT_OBEY=0 (UNIONNEWS_ROBOTSTXT_OBEY) fetches what robots.txt disallows
    assert SiteFetcher(SITE, server, settings={"ROBOTSTXT_OBEY": False})("https://example.vn/tin-tuc/khac.html").ok


def test_fetcher_applies_the_crawls_content_sanity_and_retries(server):
    fetch = SiteFetcher(SITE, server, settings={"RETRY_TIMES": 2, "RETRY_BACKOFF_BASE": 0.01})
    binary = fetch("https://example.vn/binary")
    assert (binary.status, binary.error, binary.ok) == (200, "binary content", False)
    assert len(requests_for("/binary")) == 1
    assert fetch("https://example.vn/empty").error == "empty body"
    assert len(requests_for("/empty")) == 3       # retried first, like ContentSanityMiddleware
    busy = fetch("https://example.vn/busy")
    assert (busy.status, busy.error) == (503, "http 503")
    assert len(requests_for("/busy")) == 3        # RETRY_HTTP_CODES, honouring Retry-After: 0


def test_the_replica_addresses_are_the_crawls():
    from crawler import middlewares

    assert middlewares.replica_url_for is replica_url_for and middlewares.real_location is real_location
    replica = "http://127.0.0.1:8123/"
    assert replica_url_for(replica, "https://Example.vn/tin-tuc/a.html?id=3") == \
        "http://127.0.0.1:8123/example.vn/tin-tuc/a.html?id=3"
    assert replica_url_for(replica, "https://example.vn") == "http://127.0.0.1:8123/example.vn/"
    real = "https://example.vn/old"
    assert real_location(replica, real, "/example.vn/new") == "https://example.vn/new"
    assert real_location(replica, real, "http://127.0.0.1:8123/example.vn/new?x=1") == "https://example.vn/new?x=1"
    assert real_location(replica, real, "https://elsewhere.vn/x") == "https://elsewhere.vn/x"


def test_settings_are_read_from_the_environment_when_asked(monkeypatch):
    monkeypatch.setenv("UNIONNEWS_REDIRECT_MAX_TIMES", "2")
    monkeypatch.setenv("UNIONNEWS_DOWNLOAD_DELAY", "0.25")
    values = crawler_settings.current(replica=True)
    assert values["REDIRECT_MAX_TIMES"] == 2 and values["DOWNLOAD_DELAY"] == 0.25   # the environment wins
    assert values["RETRY_BACKOFF_BASE"] == crawler_settings.REPLICA_DEFAULTS["RETRY_BACKOFF_BASE"]
    monkeypatch.delenv("UNIONNEWS_DOWNLOAD_TIMEOUT", raising=False)
    assert crawler_settings.current()["DOWNLOAD_TIMEOUT"] == 30
    fetch = SiteFetcher(SITE, "http://127.0.0.1:9")
    assert (fetch.max_redirects, fetch.delay) == (2, 0.25)
    assert SiteFetcher(SITE).delay == 1.0          # a real site: never under a second
