"""``unionnews serve`` and the web app's search cache.

The server is started for real (gunicorn with two workers, and waitress with one) on a port
this test holds, so the next-free-port notice, the printed URL, a search over HTTP and a
clean SIGTERM are all checked. The cache is checked through the app: how many searches a
results page runs, and that a new index commit is seen at once.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from search_web.cache import SearchCache, request_key
from tests.test_web import build_corpus, _record
from unionnews.commands.serve import bind_socket
from archive.store import Store

pytestmark = pytest.mark.slow  # end-to-end: real processes, servers or kills


@pytest.fixture(scope="module")
def served_home(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("serve") / "home")


def test_bind_socket_takes_the_next_free_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        listener = bind_socket("127.0.0.1", port)
        try:
            assert listener.getsockname()[1] > port
        finally:
            listener.close()


@pytest.mark.parametrize("workers", ["2", "1"])
def test_serve_answers_and_stops_cleanly(served_home, workers):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "unionnews", "--home", str(served_home.root), "serve",
             "--port", str(port), "--workers", workers],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            lines = [process.stdout.readline(), process.stdout.readline()]
            assert f"Port {port} is taken" in lines[0], lines
            url = re.search(r"http://127\.0\.0\.1:\d+/", lines[1]).group(0)
            assert url != f"http://127.0.0.1:{port}/"
            for _ in range(3):  # with two workers, more than one process may answer
                with urllib.request.urlopen(url + "api/search?q=cong+doan&limit=2", timeout=30) as answer:
                    assert answer.status == 200
                    assert b'"total"' in answer.read()
            process.send_signal(signal.SIGTERM)  # what a service manager sends
            assert process.wait(timeout=30) == 0
            rest = process.stdout.read()
            assert "Stopped." in rest
            assert "Traceback" not in rest
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_cache_expires_and_evicts():
    now = [0.0]
    cache = SearchCache(seconds=5, entries=2, clock=lambda: now[0])
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return value
        return run

    assert cache.get_or_compute("a", compute(1)) == 1
    assert cache.get_or_compute("a", compute(2)) == 1  # cached
    now[0] = 6.0
    assert cache.get_or_compute("a", compute(3)) == 3  # expired
    cache.get_or_compute("b", compute(4))
    cache.get_or_compute("c", compute(5))  # evicts "a", the least recently used
    assert cache.get_or_compute("a", compute(6)) == 6
    assert calls == [1, 3, 4, 5, 6]


def test_disabled_cache_always_computes():
    cache = SearchCache(seconds=0)
    assert [cache.get_or_compute("a", lambda n=n: n) for n in range(3)] == [0, 1, 2]


def test_request_key_ignores_filter_order():
    from indexer.search import SearchRequest

    one = SearchRequest("cong doan", sites=("b", "a"), provinces=("Hà Nội", "Nghệ An"))
    other = SearchRequest("cong doan", sites=("a", "b", "a"), provinces=("Nghệ An", "Hà Nội"))
    assert request_key(one) == request_key(other)
    assert request_key(one) != request_key(SearchRequest("cong doan", sites=("a",)))


@pytest.fixture
def counted_client(tmp_path, monkeypatch):
    """A test client on a fresh corpus, and the list of searches the index really ran."""
    import indexer.search
    from search_web import create_app

    home = build_corpus(tmp_path / "home")
    ran = []
    real_search = indexer.search.search

    def counting_search(home_arg, request):
        ran.append(request)
        return real_search(home_arg, request)

    monkeypatch.setattr(indexer.search, "search", counting_search)
    app = create_app({"UNIONNEWS_HOME": str(home.root), "TESTING": True})
    return home, app.test_client(), ran


def test_results_page_searches_once_without_filters(counted_client):
    _home, client, ran = counted_client
    assert client.get("/?q=công đoàn").status_code == 200
    assert len(ran) == 1 and ran[0].facets and ran[0].histogram
    assert client.get("/?q=công đoàn").status_code == 200
    assert client.get("/api/search?q=cong+doan").status_code == 200
    assert client.get("/api/search?q=cong+doan").status_code == 200
    assert len(ran) == 2  # the repeats came from the cache


def test_filtered_pages_share_their_count_searches(counted_client):
    _home, client, ran = counted_client
    two_sites = "/?q=công đoàn&site=laodongthudo&site=congdoannghean"
    assert client.get(two_sites).status_code == 200
    # the hits, the site facets without the site filter, one histogram per compared site
    assert len(ran) == 4
    assert client.get(two_sites + "&sort=newest").status_code == 200
    assert len(ran) == 5  # only the hits in the new order: the counts were cached
    assert client.get("/?q=công đoàn&site=congdoannghean&site=laodongthudo").status_code == 200
    assert len(ran) == 5  # the same sites in another order is the same search


def test_a_new_index_commit_is_seen_at_once(counted_client):
    from indexer.build import update_index

    home, client, _ran = counted_client
    before = client.get("/api/search?q=thợ+lặn").get_json()["total"]
    with Store(home.store_path) as store:
        store.upsert_article(_record(90, "laodongthudo", "2023-01-01", "Thợ lặn cứu hộ trên sông Hồng",
                                     "", "Đội thợ lặn của công đoàn."), b"<html></html>")
    update_index(home, progress=False, processes=1)
    after = client.get("/api/search?q=thợ+lặn").get_json()["total"]
    assert after == before + 1
