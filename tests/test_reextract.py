"""Applying a fix to stored articles: whole-record comparison in the store, and
``unionnews reextract`` end to end (a changed selector reaches the stored record, its
history and the search index; nothing else changes), and ``nightly`` doing it by itself."""
from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.registry import BUILTIN_SITES_DIR, builtin_sites, reload_registry
from archive.store import Store, changed_fields
from crawler.extract import EXTRACTION_VERSION, extract_article
from crawler.provenance import entry_hash, nfc_deep
from unionnews.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
FETCHED_AT = "2024-05-01T00:00:00Z"


def make_record(**overrides) -> dict:
    record = {
        "url": "https://laodongthudo.vn/a-1.html", "site": "laodongthudo", "province": "Hà Nội",
        "title": "Tiêu đề", "summary": "Sapo.", "published_at": "2021-01-02T08:00:00+07:00",
        "updated_at": None, "author": "Mai Quý", "source": None, "tags": ["công đoàn"],
        "category": "Công đoàn", "images": [{"url": "https://laodongthudo.vn/a.jpg", "caption": "Ảnh"}],
        "body": "Đoạn một.\n\nĐoạn hai.", "fetched_at": FETCHED_AT, "content_hash": "h1",
    }
    record.update(overrides)
    return record


# -- the store compares the whole record -----------------------------------------------------

def test_a_change_in_tags_only_is_an_update_with_history(store):
    first = store.put_article(make_record(), b"<html>1</html>")
    assert first.outcome == "new"
    result = store.put_article(make_record(tags=["công đoàn", "lương"]), b"<html>1</html>")
    assert (result.outcome, result.changed) == ("updated", ("tags",))
    article = store.get_article(first.article_id)
    assert article["version"] == 2 and article["tags"] == ["công đoàn", "lương"]
    history = store.versions(first.article_id)
    assert [(v["version"], v["record"]["tags"]) for v in history] == [(1, ["công đoàn"])]
    assert [op for _, _, op in store.changes_since(0)] == ["upsert", "upsert"]


@pytest.mark.parametrize("change", [
    {"author": "Hà Phương"}, {"published_at": "2021-01-03"}, {"category": None},
    {"images": []}, {"images": [{"url": "https://laodongthudo.vn/a.jpg", "caption": "Ảnh mới"}]},
    {"province": "Hà Nam"}, {"source": "Nguồn: X"}, {"updated_at": "2021-01-04"},
])
def test_every_field_counts(store, change):
    store.put_article(make_record())
    result = store.put_article(make_record(**change))
    assert result.outcome == "updated" and result.changed == tuple(change)


def test_same_record_is_unchanged_whatever_its_fetch_time_or_list_types(store):
    store.put_article(make_record())
    seq = store.last_change_seq()
    again = make_record(fetched_at="2025-01-01T00:00:00Z", tags=("công đoàn",), author="Mai Quý",
                        images=[{"caption": "Ảnh", "url": "https://laodongthudo.vn/a.jpg"}])
    result = store.put_article(again, extraction_version="9", entry_hash="e", field_sources={"title": "site"})
    assert (result.outcome, result.changed) == ("unchanged", ())
    article = store.get_article(result.article_id)
    assert article["version"] == 1 and store.versions(result.article_id) == []
    assert store.last_change_seq() == seq  # nothing for the indexer to do
    # what it was extracted with is recorded all the same
    assert (article["extraction_version"], article["entry_hash"]) == ("9", "e")
    assert article["field_sources"] == {"title": "site"}


def test_empty_and_none_are_the_same():
    stored = {**make_record(summary="", author=None, tags="[]", images="[]")}
    assert changed_fields(stored, make_record(summary=None, author="", tags=[], images=None)) == ()


def test_a_store_of_schema_1_is_migrated(tmp_path):
    path = tmp_path / "store.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)  # as schema 1 left it: no entry_hash / field_sources
    conn.execute("DROP INDEX articles_extracted_with")
    conn.execute("ALTER TABLE articles DROP COLUMN entry_hash")
    conn.execute("ALTER TABLE articles DROP COLUMN field_sources")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with Store(path) as store:
        store.put_article(make_record(), field_sources={"body": "generic"})
        assert store.get_article(1)["field_sources"] == {"body": "generic"}
        assert store.meta_get("schema_version") == "2"


# -- reextract end to end ----------------------------------------------------------------------

def store_fixture_pages(home, slugs) -> dict[str, int]:
    """The sites' fixture pages stored as a crawl stores them; url -> article id."""
    sites = builtin_sites()
    stored = {}
    with Store(home.store_path) as store:
        for slug in slugs:
            for html_path in sorted((FIXTURES / slug).glob("*.html")):
                expected = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
                raw = html_path.read_bytes()
                extraction = extract_article(raw, expected["url"], site=sites[slug], fetched_at=FETCHED_AT,
                                             http_charset=expected.get("_http_charset"))
                result = store.put_article(nfc_deep(extraction.record), raw, encoding=extraction.encoding,
                                           extraction_version=EXTRACTION_VERSION, entry_hash=entry_hash(sites[slug]),
                                           field_sources=extraction.field_sources)
                stored[extraction.record["url"]] = result.article_id
    return stored


def write_entry(home, slug: str, old: str, new: str) -> None:
    """An operator's entry for ``slug`` in the home: the built-in one with one line changed."""
    text = (BUILTIN_SITES_DIR / f"{slug}.toml").read_text(encoding="utf-8")
    assert old in text
    home.sites_dir.mkdir(parents=True, exist_ok=True)
    (home.sites_dir / f"{slug}.toml").write_text(text.replace(old, new), encoding="utf-8")
    reload_registry()


def snapshot(home) -> dict[int, dict]:
    with Store(home.store_path) as store:
        return {article["id"]: article for article in store.iter_articles(order="id")}


def run(home, *arguments):
    result = CliRunner().invoke(cli, ["--home", str(home.root), *arguments], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def stored(home):
    reload_registry()
    ids = store_fixture_pages(home, ["laodongthudo", "congdoannghean", "congdoanquangninh",
                                     "congdoankiengiang", "tuoitrekiengiang"])
    yield ids
    reload_registry()


@pytest.mark.parametrize("processes", ["1", "2"])
def test_reextract_without_a_change_changes_nothing(home, stored, processes):
    before = snapshot(home)
    with Store(home.store_path) as store:
        seq = store.last_change_seq()
    result = run(home, "reextract", "--no-progress", "--processes", processes)
    assert f"Re-extracted {len(stored)} article(s)" in result.output
    assert f"0 changed, {len(stored)} unchanged, 0 failed" in result.output
    after = snapshot(home)
    assert {i: {k: v for k, v in a.items() if k != "last_seen_at"} for i, a in after.items()} == \
        {i: {k: v for k, v in a.items() if k != "last_seen_at"} for i, a in before.items()}
    with Store(home.store_path) as store:
        assert store.last_change_seq() == seq
        assert all(store.versions(article_id) == [] for article_id in stored.values())


def test_changed_selector_reaches_record_history_and_index(home, stored):
    from indexer.build import update_index
    from indexer.search import SearchRequest, search

    update_index(home, progress=False)
    before = snapshot(home)
    with Store(home.store_path) as store:
        seq = store.last_change_seq()
    # the title selector now takes the sapo: every laodongthudo title changes
    write_entry(home, "laodongthudo", 'title = "h1.detail-title"', 'title = "p.detail-sapo"')
    result = run(home, "reextract", "--no-progress", "--processes", "2")
    changed = {i for i, article in before.items() if article["site"] == "laodongthudo"}
    assert len(changed) == 4
    assert f"{len(changed)} changed, {len(stored) - len(changed)} unchanged, 0 failed" in result.output
    assert "title" in result.output and "Run `unionnews index`" in result.output
    after = snapshot(home)
    with Store(home.store_path) as store:
        for article_id in changed:
            old, new = before[article_id], after[article_id]
            assert new["title"] != old["title"] and new["version"] == old["version"] + 1
            assert new["url"] == old["url"] and new["fetched_at"] == old["fetched_at"]
            assert new["entry_hash"] != old["entry_hash"]
            history = store.versions(article_id)
            assert [v["record"]["title"] for v in history] == [old["title"]]
            assert store.get_raw_html(article_id) is not None  # the page itself stays
        # only the changed articles are in the change log, once each
        assert sorted(article_id for _, article_id, _ in store.changes_since(seq)) == sorted(changed)
        for article_id in set(after) - changed:  # other sites: untouched
            assert after[article_id]["version"] == 1 and store.versions(article_id) == []
            assert {k: v for k, v in after[article_id].items() if k != "last_seen_at"} == \
                {k: v for k, v in before[article_id].items() if k != "last_seen_at"}
    # the index holds the old titles until `index`, which touches only the changed articles
    article_id = min(changed)
    query = f'"{after[article_id]["title"]}"'
    hit = next(h for h in search(home, SearchRequest(query=query, limit=50)).hits if h.id == article_id)
    assert hit.title == before[article_id]["title"]
    stats = update_index(home, progress=False)
    assert stats.indexed == len(changed) and not stats.rebuilt
    hit = next(h for h in search(home, SearchRequest(query=query, limit=50)).hits if h.id == article_id)
    assert hit.title == after[article_id]["title"]
    # a second run finds nothing left to change
    assert "0 changed" in run(home, "reextract", "laodongthudo", "--no-progress").output


def test_a_failing_page_is_one_line_and_counted(home, stored):
    broken_id = min(stored.values())
    with Store(home.store_path) as store:
        url = store.get_article(broken_id)["url"]
        before = store.get_article(broken_id)
        with store.transaction() as conn:  # a stored page that yields no article
            conn.execute("UPDATE raw_pages SET html = ? WHERE article_id = ?",
                         (zlib.compress(b"<html><body></body></html>"), broken_id))
    result = CliRunner().invoke(cli, ["--home", str(home.root), "reextract", "--no-progress"])
    assert result.exit_code == 0
    assert f"failed {url}: no title and no body" in result.output
    assert f"{len(stored) - 1} unchanged, 1 failed" in result.output
    with Store(home.store_path) as store:
        assert store.get_article(broken_id) == before  # the stored record stays
        assert any(f["reason"].startswith("reextract: no title") for f in store.failures())


def test_since_and_unknown_site(home, stored):
    result = run(home, "reextract", "--since", "2100-01-01", "--no-progress")
    assert "Re-extracted 0 article(s)" in result.output
    failed = CliRunner().invoke(cli, ["--home", str(home.root), "reextract", "nosuchsite"])
    assert failed.exit_code != 0 and "unknown site 'nosuchsite'" in str(failed.exception or failed.output)


def test_nightly_reextracts_a_site_whose_entry_changed(home, stored, monkeypatch):
    import unionnews.crawling

    monkeypatch.setattr(unionnews.crawling, "run_crawl", lambda home, options: [])
    from unionnews.reextract import stale_sites

    slugs = sorted(builtin_sites())
    assert stale_sites(home, slugs) == {}
    write_entry(home, "laodongthudo", 'title = "h1.detail-title"', 'title = "p.detail-sapo"')
    assert list(stale_sites(home, slugs)) == ["laodongthudo"]
    result = run(home, "nightly", "--no-index")
    assert "re-extracted laodongthudo (registry entry changed): 4 article(s), 4 changed" in result.output
    assert "title 4" in result.output
    assert stale_sites(home, slugs) == {}
    with Store(home.store_path) as store:
        report = store.runs(limit=1, kind="report")[0]["stats"]
        assert report["reextracted"]["laodongthudo"]["fields"]["title"] == 4
    assert "re-extracted laodongthudo" in run(home, "status").output
    # the next nightly has nothing to re-extract
    assert "re-extracted" not in run(home, "nightly", "--no-index").output


def test_nightly_reextracts_after_a_new_extraction_version(home, stored, monkeypatch):
    import unionnews.crawling
    import crawler.extract

    monkeypatch.setattr(unionnews.crawling, "run_crawl", lambda home, options: [])
    monkeypatch.setattr(crawler.extract, "EXTRACTION_VERSION", "999")
    result = run(home, "nightly", "--no-index")
    assert f"extraction version {EXTRACTION_VERSION} → 999" in result.output
    with Store(home.store_path) as store:
        assert {a["extraction_version"] for a in store.iter_articles()} == {"999"}
        assert all(a["version"] == 1 for a in store.iter_articles())  # same records: not re-versioned


def test_an_interrupted_reextract_keeps_what_it_did_and_the_next_finishes(home, stored, monkeypatch):
    from unionnews.reextract import reextract, stale_sites

    write_entry(home, "laodongthudo", 'title = "h1.detail-title"', 'title = "p.detail-sapo"')
    real_put, calls = Store.put_article, []

    def put_then_die(self, *args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt  # as a kill between two articles
        calls.append(1)
        return real_put(self, *args, **kwargs)

    monkeypatch.setattr(Store, "put_article", put_then_die)
    with pytest.raises(KeyboardInterrupt):
        reextract(home, sites=("laodongthudo",), processes=1, progress=True)
    monkeypatch.setattr(Store, "put_article", real_put)
    with Store(home.store_path) as store:
        versions = sorted(a["version"] for a in store.iter_articles(site="laodongthudo"))
        assert versions == [1, 1, 2, 2]  # the two stored before the kill are kept, whole
        assert store.runs(limit=1, kind="reextract")[0]["status"] == "interrupted"
    assert stale_sites(home, ["laodongthudo"])["laodongthudo"]["articles"] == 2
    stats = reextract(home, sites=("laodongthudo",), processes=1, progress=False)
    assert (stats.changed, stats.unchanged) == (2, 2)
    assert stale_sites(home, ["laodongthudo"]) == {}
