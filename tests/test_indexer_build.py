"""Incremental indexing: only changes are applied, deletions propagate, segmentation is
cached, an interrupted run recovers, and one writer at a time."""
from __future__ import annotations

import pytest

from indexer import build
from indexer.build import CURSOR_KEY, IndexLocked, update_index, writer_lock
from indexer.engines import ENGINES, set_configured_engine
from indexer.search import SearchRequest, search
from indexer.engines.tantivy import TantivyWriter
from indexer.engines.whoosh import WhooshWriter
from tests.test_search import make_record


@pytest.fixture(autouse=True, params=ENGINES)
def engine(request, home):
    """Every indexing test runs against each engine."""
    set_configured_engine(home, request.param)
    return request.param


def record(n: int, body: str = "Công nhân lao động được chăm lo.") -> dict:
    return make_record(f"https://laodongthudo.vn/bai-{n}.html", "laodongthudo", "Hà Nội",
                       f"2021-0{1 + n % 9}-1{n % 10}", f"Bài số {n} về công đoàn", "", body)


def total(home, query="công nhân") -> int:
    return search(home, SearchRequest(query=query, limit=50)).total


def test_incremental_run_applies_only_changes(home, store):
    for n in range(5):
        store.upsert_article(record(n))
    first = update_index(home, progress=False, processes=1)
    assert first.rebuilt and first.indexed == 5 and first.segmented == 5 and first.documents == 5

    nothing = update_index(home, progress=False, processes=1)
    assert (nothing.indexed, nothing.deleted, nothing.segmented, nothing.rebuilt) == (0, 0, 0, False)

    store.upsert_article(record(5))                                            # new
    store.upsert_article(record(1, body="Đoàn viên nhận quà Tết."))           # changed
    store.upsert_article(record(2))                                            # unchanged
    store.delete_article(record(3)["url"])                                     # removed
    step = update_index(home, progress=False, processes=1)
    assert (step.indexed, step.deleted, step.segmented) == (2, 1, 2)
    assert step.documents == 5
    assert total(home) == 4  # 0, 2, 4, 5: article 1 no longer mentions workers
    assert total(home, "quà Tết") == 1
    assert int(store.meta_get(CURSOR_KEY)) == store.last_change_seq()


def test_rebuild_reuses_cached_segmentation(home, store):
    for n in range(4):
        store.upsert_article(record(n))
    update_index(home, progress=False, processes=1)
    rebuilt = update_index(home, rebuild=True, progress=False, processes=1)
    assert rebuilt.rebuilt and rebuilt.indexed == 4 and rebuilt.segmented == 0
    assert total(home) == 4
    assert not (home.index_dir.parent / "index.new").exists()


def test_interrupted_run_recovers_without_loss_or_duplicates(home, store, monkeypatch, engine):
    for n in range(3):
        store.upsert_article(record(n))
    update_index(home, progress=False, processes=1)
    for n in range(3, 9):
        store.upsert_article(record(n))

    writer_class = {"whoosh": WhooshWriter, "tantivy": TantivyWriter}[engine]
    real_upsert = writer_class.upsert
    calls = {"n": 0}

    def failing_upsert(self, article, segmentation):
        calls["n"] += 1
        if calls["n"] == 4:  # dies in the middle of the second chunk
            raise RuntimeError("killed")
        real_upsert(self, article, segmentation)

    monkeypatch.setattr(writer_class, "upsert", failing_upsert)
    with pytest.raises(RuntimeError):
        update_index(home, progress=False, processes=1, chunk=2)
    cursor = int(store.meta_get(CURSOR_KEY))
    assert 0 < cursor < store.last_change_seq()  # the first chunk was committed
    assert total(home) == 5

    monkeypatch.setattr(writer_class, "upsert", real_upsert)
    again = update_index(home, progress=False, processes=1, chunk=2)
    assert again.documents == 9 and total(home) == 9
    urls = [hit.url for hit in search(home, SearchRequest(query="công nhân", limit=50)).hits]
    assert len(urls) == len(set(urls)) == 9


def test_killed_rebuild_keeps_the_old_index_searchable(home, store, monkeypatch):
    for n in range(3):
        store.upsert_article(record(n))
    update_index(home, progress=False, processes=1)
    monkeypatch.setattr(build, "_swap", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        update_index(home, rebuild=True, progress=False, processes=1)
    assert total(home) == 3  # searches still use the previous index
    monkeypatch.undo()
    assert update_index(home, rebuild=True, progress=False, processes=1).documents == 3


def test_duplicates_are_indexed_and_collapsed(home, store):
    store.upsert_article(record(0))
    store.upsert_article(make_record("https://baokiengiang.vn/trong-tinh/copy-1.html", "baokiengiang",
                                     "Kiên Giang", "2021-01-11", "Bài số 0 về công đoàn", "",
                                     "Công nhân lao động được chăm lo."))
    original = store.get_article(record(0)["url"])["id"]
    copy = store.get_article("https://baokiengiang.vn/trong-tinh/copy-1.html")["id"]
    store.set_duplicate_of(copy, original)
    update_index(home, progress=False, processes=1)
    result = search(home, SearchRequest(query="công nhân"))
    assert result.total == 1
    assert result.hits[0].duplicates == ["https://baokiengiang.vn/trong-tinh/copy-1.html"]


def test_a_copy_linked_after_a_search_shows_in_the_next(home, store):
    """The next search hides the copy and lists it under its original: a searcher that
    moves to a new commit sees the segment's new deletions and the new set of copied ids."""
    store.upsert_article(record(0))
    store.upsert_article(make_record("https://baokiengiang.vn/trong-tinh/copy-2.html", "baokiengiang",
                                     "Kiên Giang", "2021-01-11", "Bài số 0 về công đoàn", "",
                                     "Công nhân lao động được chăm lo."))
    update_index(home, progress=False, processes=1)
    assert all(not hit.duplicates for hit in search(home, SearchRequest(query="công nhân")).hits)
    original = store.get_article(record(0)["url"])["id"]
    store.set_duplicate_of(store.get_article("https://baokiengiang.vn/trong-tinh/copy-2.html")["id"], original)
    update_index(home, progress=False, processes=1)
    hits = search(home, SearchRequest(query="công nhân")).hits
    assert [hit.duplicates for hit in hits] == [["https://baokiengiang.vn/trong-tinh/copy-2.html"]]


def test_one_writer_at_a_time(home, store):
    store.upsert_article(record(0))
    with writer_lock(home):
        with pytest.raises(IndexLocked, match="another process"):
            update_index(home, progress=False, processes=1)


def test_segmentation_in_worker_processes_matches_inline(home, store):
    for n in range(20):
        store.upsert_article(record(n, body=f"Người lao động số {n} ở Hà Nội được hỗ trợ."))
    stats = update_index(home, progress=False, processes=2)
    assert stats.segmented == 20
    assert total(home, "người lao động") == 20
    assert total(home, '"ha noi"') == 20


def test_cli_index_command(home, store):
    from click.testing import CliRunner

    from unionnews.cli import cli

    store.upsert_article(record(0))
    result = CliRunner().invoke(cli, ["--home", str(home.root), "index"])
    assert result.exit_code == 0, result.output
    assert "1 indexed" in result.output
