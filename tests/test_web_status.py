"""The crawl status page and its JSON twin list runs and the last nightly report, escaped."""
from __future__ import annotations

import pytest

from archive.home import Home
from archive.store import Store


@pytest.fixture
def client(tmp_path):
    from search_web import create_app

    home = Home(tmp_path / "home").ensure()
    with Store(home.store_path) as store:
        run = store.start_run("laodongthudo", kind="nightly")
        store.finish_run(run, {"new": 4, "failed": 1})
        report = store.start_run("*", kind="report")
        store.finish_run(report, {"sites": [{"site": "laodongthudo", "requests": 9, "new": 4, "updated": 0,
                                             "failed": 1, "flags": ["<script>body</script> found by site selectors 0%"]}],
                                  "flagged": 1}, status="flagged")
    return create_app({"UNIONNEWS_HOME": str(home.root), "TESTING": True}).test_client()


def test_status_page_lists_runs_and_flags_escaped(client):
    response = client.get("/status")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "laodongthudo" in page and "Có trang cần kiểm tra" in page
    assert "<script>body" not in page and "&lt;script&gt;body" in page


def test_api_status_shape(client):
    data = client.get("/api/status").get_json()
    assert [run["site"] for run in data["runs"]] == ["laodongthudo"]
    assert data["last_report"]["stats"]["flagged"] == 1


def test_status_without_a_store_explains_what_to_run(tmp_path):
    from search_web import create_app

    client = create_app({"UNIONNEWS_HOME": str(tmp_path / "empty"), "TESTING": True}).test_client()
    response = client.get("/status")
    assert response.status_code == 503
    assert "unionnews crawl" in response.get_data(as_text=True)


def test_filter_only_download_selects_from_the_store(tmp_path):
    """/export.csv with a site filter and no search words is the whole site, newest first."""
    import csv
    import io

    from search_web import create_app
    from tests.test_store import make_record

    home = Home(tmp_path / "home").ensure()
    with Store(home.store_path) as store:
        store.upsert_article(make_record(url="https://laodongthudo.vn/a-1.html", published_at="2021-01-02",
                                         content_hash="a"))
        store.upsert_article(make_record(url="https://laodongthudo.vn/b-2.html", published_at="2022-03-04",
                                         content_hash="b"))
        store.upsert_article(make_record(url="https://congdoannghean.vn/c-3.html", site="congdoannghean",
                                         content_hash="c"))
    client = create_app({"UNIONNEWS_HOME": str(home.root), "TESTING": True}).test_client()
    response = client.get("/export.csv?site=laodongthudo")
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["url"] for row in rows] == ["https://laodongthudo.vn/b-2.html", "https://laodongthudo.vn/a-1.html"]
    assert client.get("/export.csv").status_code == 400  # neither words nor filters
