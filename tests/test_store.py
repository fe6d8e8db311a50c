"""The article store: idempotent upserts, version history, runs, failures, change log."""
from __future__ import annotations

import sqlite3

import pytest

from archive.store import Store, StoreError


def make_record(**overrides) -> dict:
    record = {
        "url": "https://laodongthudo.vn/tung-buoc-xay-dung-cong-doan-co-so-vung-manh-23038.html",
        "site": "laodongthudo",
        "province": "Hà Nội",
        "title": "Từng bước xây dựng Công đoàn cơ sở vững mạnh",
        "summary": "Liên đoàn Lao động huyện Phúc Thọ đẩy mạnh đào tạo cán bộ.",
        "published_at": "2020-10-11T15:15:00+07:00",
        "updated_at": None,
        "author": "Mai Quý",
        "source": None,
        "tags": ["công đoàn cơ sở"],
        "category": "Công đoàn",
        "images": [{"url": "https://laodongthudo.vn/a.jpg", "caption": "Tập huấn"}],
        "body": "Đoạn một.\n\nĐoạn hai.",
        "fetched_at": "2026-11-24T09:00:00Z",
        "content_hash": "h1",
    }
    record.update(overrides)
    return record


def test_upsert_is_idempotent_and_keeps_history(store):
    assert store.upsert_article(make_record(), b"<html>v1</html>") == "new"
    first = store.get_article(make_record()["url"])
    assert store.upsert_article(make_record(), b"<html>v1</html>") == "unchanged"
    again = store.get_article(first["id"])
    assert again["version"] == 1 and again["first_seen_at"] == first["first_seen_at"]
    assert store.count_articles() == 1

    changed = make_record(body="Đoạn một đã sửa.\n\nĐoạn hai.", content_hash="h2")
    assert store.upsert_article(changed, b"<html>v2</html>") == "updated"
    updated = store.get_article(first["id"])
    assert updated["version"] == 2
    assert updated["first_seen_at"] == first["first_seen_at"]
    assert updated["tags"] == ["công đoàn cơ sở"]
    history = store.versions(first["id"])
    assert [v["version"] for v in history] == [1]
    assert history[0]["record"]["body"] == "Đoạn một.\n\nĐoạn hai."
    assert store.get_raw_html(first["id"]) == b"<html>v2</html>"
    # two upserts that changed something, none for the unchanged one
    assert [op for _, _, op in store.changes_since(0)] == ["upsert", "upsert"]


def test_record_without_title_or_body_is_refused(store):
    with pytest.raises(StoreError):
        store.upsert_article(make_record(title=""))
    with pytest.raises(StoreError):
        store.upsert_article(make_record(body=None))
    assert store.count_articles() == 0


def test_filters_and_stable_order(store):
    store.upsert_article(make_record(url="https://a.vn/2", published_at="2021-01-02", content_hash="a"))
    store.upsert_article(make_record(url="https://a.vn/1", published_at="2021-01-02T23:59:00+07:00",
                                     content_hash="b"))
    store.upsert_article(make_record(url="https://b.vn/3", site="other", published_at="2019-05-01",
                                     content_hash="c"))
    urls = [a["url"] for a in store.iter_articles()]
    assert urls == ["https://b.vn/3", "https://a.vn/2", "https://a.vn/1"]
    assert store.count_articles(site="laodongthudo") == 2
    assert store.count_articles(since="2021-01-02", until="2021-01-02") == 2
    assert store.count_articles(until="2020-12-31") == 1


def test_runs_failures_and_segmentation(store):
    run_id = store.start_run("laodongthudo")
    store.record_failure("https://laodongthudo.vn/x.html", "http 404", site="laodongthudo", run_id=run_id)
    store.finish_run(run_id, {"new": 3})
    assert store.runs()[0]["stats"] == {"new": 3}
    assert store.failures(run_id)[0]["reason"] == "http 404"
    store.upsert_article(make_record())
    article = store.get_article(make_record()["url"])
    store.set_segmentation(article["id"], 1, {"body": "công_đoàn"})
    assert store.get_segmentation(article["id"], 1) == {"body": "công_đoàn"}
    assert store.get_segmentation(article["id"], 2) is None
    sources = store.snippet_sources([article["id"], 999_999])
    assert list(sources) == [article["id"]]  # an id the store lacks is left out
    text, segmentation = sources[article["id"]]
    assert text["body"] == article["body"] and segmentation == {"body": "công_đoàn"}
    store.set_segmentation(article["id"], 2, {"body": "cũ"})  # made for another version
    assert store.snippet_sources([article["id"]])[article["id"]][1] is None


def test_store_is_wal_and_intact(store):
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert store.integrity_check() == "ok"
