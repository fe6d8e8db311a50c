"""The replica's faults, seen from a plain HTTP client: each misbehaves as the table says,
and the real articles stay correct while it does."""
from __future__ import annotations

import gzip
import http.client
import re
import socket
import zlib

import pytest

from unionnews.replica.fault_bodies import gzip_bomb
from unionnews.replica.faults import FAULTS, FOREIGN_HOPS, MAX_FAILURES_PER_URL, fault_params, parse_fault_spec
from unionnews.replica.server import ReplicaServer
from unionnews.replica.truth import site_modules

pytestmark = pytest.mark.slow  # end-to-end: real processes, servers or kills

SLUG = "laodongthudo"


@pytest.fixture
def server():
    with ReplicaServer(port=0) as web:
        yield web


def get(server, url: str, method: str = "GET", timeout: float = 10, read: int | None = None):
    """(status, headers, body) for a real-site URL or a replica path."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    connection.request(method, "/" + url.removeprefix("https://"))
    response = connection.getresponse()
    body = response.read(read) if read else response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def first_listing(server, slug=SLUG):
    module = server.sites[slug]
    return module.listing_url(module.content.categories[0])


def an_article(slug=SLUG):
    module = site_modules(None)[slug]
    return module.article_url(next(a for a in module.content.articles if a.defect is None and a.publish_step == 0))


def test_extra_urls_are_linked_and_real_pages_unchanged(server):
    status, _headers, before = get(server, an_article())
    assert status == 200
    server.set_faults(SLUG, {name: {} for name, fault in FAULTS.items() if fault.scope == "url"})
    urls = server.fault_urls(SLUG)
    assert set(urls) == {name for name, fault in FAULTS.items() if fault.scope == "url"}
    _status, _headers, listing = get(server, first_listing(server))
    for url in urls.values():
        assert url.encode() in listing
    assert get(server, an_article())[::2] == (200, before)


def test_fraction_faults_hit_the_first_get_only_and_heads_never(server):
    server.set_faults(SLUG, {"status_429": {"fraction": 1.0, "retry_after": 7, "extra": False}})
    url = an_article()
    assert get(server, url, method="HEAD")[0] == 429
    status, headers, _body = get(server, url)
    assert (status, headers["retry-after"]) == (429, "7")
    assert get(server, url)[0] == 200


def test_no_page_fails_more_than_the_cap(server):
    server.set_faults(SLUG, {"status_503": {"fraction": 1.0, "times": 5, "extra": False}})
    url = an_article()
    statuses = [get(server, url)[0] for _ in range(MAX_FAILURES_PER_URL + 1)]
    assert statuses == [503] * MAX_FAILURES_PER_URL + [200]


def test_burst_503_answers_length_in_every(server):
    server.set_faults(SLUG, {"burst_503": {"every": 5, "length": 2}})
    module = server.sites[SLUG]
    urls = [module.article_url(a) for a in module.content.articles if a.defect is None and a.publish_step == 0][:10]
    statuses = [get(server, url)[0] for url in urls]
    assert statuses == [200, 200, 200, 503, 503, 200, 200, 200, 503, 503]


def test_reset_sends_no_response(server):
    server.set_faults(SLUG, {"reset": {}})
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(server, server.fault_urls(SLUG)["reset"])
    assert server.request_log[-1][2] == 0


def test_slow_page_outlasts_a_client_timeout(server):
    server.set_faults(SLUG, {"slow": {"seconds": 60}})
    with pytest.raises(socket.timeout):
        get(server, server.fault_urls(SLUG)["slow"], timeout=1)


def test_redirect_faults(server):
    server.set_faults(SLUG, {"redirect_loop": {}, "redirect_chain": {"hops": 3}, "redirect_offsite": {}})
    urls = server.fault_urls(SLUG)
    status, headers, _ = get(server, urls["redirect_loop"])
    assert status == 302 and headers["location"] == urls["redirect_loop"] + "?_hop=1"
    assert get(server, headers["location"])[1]["location"] == urls["redirect_loop"]
    location, hops = urls["redirect_chain"], 0
    while (answer := get(server, location))[0] == 302:
        location, hops = answer[1]["location"], hops + 1
    assert hops == 3 and answer[0] == 200
    location, visited = urls["redirect_offsite"], []
    while (answer := get(server, location))[0] == 302:
        location = answer[1]["location"]
        visited.append(location.split("/")[2])
    assert visited == [*FOREIGN_HOPS, server.sites[SLUG].domain] and answer[0] == 200


def test_session_ids_on_every_link_and_session_urls_serve_the_page(server):
    server.set_faults(SLUG, {"session_ids": {}})
    _status, _headers, body = get(server, first_listing(server))
    hrefs = re.findall(rb'<a\b[^>]*?href="(https://laodongthudo\.vn[^"]*)"', body)
    assert hrefs and all(b"PHPSESSID=" in href for href in hrefs)
    article = an_article()
    plain = get(server, article)
    with_session = get(server, article + "?PHPSESSID=abc123&utm_source=zalo")
    assert with_session[0] == 200
    strip = re.compile(rb"PHPSESSID=[0-9a-f]+")  # every page gets a new session id
    assert strip.sub(b"", with_session[2]) == strip.sub(b"", plain[2])
    server.set_faults(SLUG, {"session_ids": {"style": "java"}})
    assert b";jsessionid=" in get(server, first_listing(server))[2]


def test_pagination_trap_never_ends(server):
    server.set_faults("congdoankiengiang", {"pagination_trap": {}})
    module = server.sites["congdoankiengiang"]
    category = module.content.categories[0]
    status, _headers, body = get(server, module.listing_url(category, 1000))
    assert status == 200 and module.listing_path(category, 1001).replace("&", "&amp;").encode() in body


def test_size_faults(server):
    server.set_faults(SLUG, {"huge": {}, "binary": {}, "empty": {}, "invalid_utf8": {}, "gzip_bomb": {}})
    urls = server.fault_urls(SLUG)
    status, headers, body = get(server, urls["huge"])
    assert status == 200 and headers.get("transfer-encoding") == "chunked" and len(body) >= 20 << 20
    status, headers, body = get(server, urls["gzip_bomb"])
    assert headers["content-encoding"] == "gzip" and int(headers["content-length"]) == len(body) < 5 << 20
    inflated = zlib.decompressobj(31).decompress(body, 1 << 20)
    assert len(inflated) == 1 << 20 and not inflated.strip(b"\x00")
    assert get(server, urls["empty"])[2] == b""
    with pytest.raises(UnicodeDecodeError):
        get(server, urls["invalid_utf8"])[2].decode("utf-8")
    assert get(server, urls["binary"])[1]["content-type"].startswith("text/html")


def test_gzip_bomb_is_valid_multi_member_gzip():
    size, chunks = gzip_bomb(inflated_mb=6, member_mb=4)
    data = b"".join(chunks)
    assert len(data) == size < 16 << 10
    assert gzip.decompress(data) == bytes(6 << 20)


def test_fault_specs_and_parameters():
    assert parse_fault_spec("laodongthudo=status_429:fraction=0.3:retry_after=2,session_ids:style=java") == (
        "laodongthudo", {"status_429": {"extra": True, "fraction": 0.3, "times": 1, "retry_after": 2},
                         "session_ids": {"style": "java", "tracking": True}})
    for bad in ("x=nosuch", "x=huge:fraction=0.5", "x=slow:bogus=1", "no-faults"):
        with pytest.raises(ValueError):
            parse_fault_spec(bad)
    assert fault_params("huge", {"declare_length": "yes"})["declare_length"] is True
