"""Keeping the index in step with the article store.

``update_index`` consumes the store's change log from the cursor saved in the store's
``meta`` table (``index.cursor``): each chunk of changes is written and committed, then the
cursor moves. Applying a change twice is harmless (documents are replaced by article id), so
a killed run simply redoes its last uncommitted chunk: nothing lost, nothing duplicated.

``rebuild`` (or a missing index) builds a fresh index beside the live one and swaps it in
when complete, so searches keep working throughout. Segmentation, the expensive part, is
cached in the store per article version and survives an interrupted run.

One writer at a time: an exclusive lock file in the home says so clearly.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import UserError
from archive.home import Home
from archive.store import Store

from indexer.documents import INDEX_FORMAT
from indexer.engines import configured_engine, open_engine
from indexer.text import SEGMENTATION_VERSION, make_pool, segment_many, segment_many_async, warm_up

CURSOR_KEY = "index.cursor"
CHUNK = 500  # articles per commit: bounded memory, bounded redo after a crash


class IndexLocked(UserError):
    """Another process is writing the index."""


@dataclass
class IndexStats:
    indexed: int = 0
    deleted: int = 0
    segmented: int = 0
    rebuilt: bool = False
    rebuilt_format: bool = False  # rebuilt because the index was of an older format
    cursor: int = 0
    documents: int = 0
    extra: dict = field(default_factory=dict)


@contextmanager
def writer_lock(home: Home):
    """Exclusive, non-blocking: a second `unionnews index` fails fast with a clear message.

    ``flock`` is released by the OS when the process dies, so a killed run never leaves a
    stale lock behind.
    """
    home.root.mkdir(parents=True, exist_ok=True)
    path = home.root / "index.lock"
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLocked(f"the index is being updated by another process (lock: {path}); "
                              "wait for it to finish and run the command again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def _progress(total: int, enabled: bool | None, description: str):
    """A tqdm bar on a terminal only (never in logs, pipes or tests)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="art", desc=description, file=sys.stderr)


@dataclass
class _Pending:
    """A batch whose missing segmentations may still be computing in the pool."""

    cached: dict
    missing: list
    job: object = None


class _Segmenter:
    """Cached segmentation per batch; missing ones computed (in processes) and stored.

    ``start`` queues a batch's missing segmentations in the pool and returns at once;
    ``finish`` waits for them. Callers start batch N+1 before indexing batch N, so the two
    cores segment while the main process writes the index (underthesea is the slow part).
    """

    def __init__(self, store: Store, processes: int | None):
        self.store = store
        self.processes = processes
        self.pool = None
        self.count = 0

    def start(self, articles: list[dict]) -> _Pending:
        cached, missing = {}, []
        for article in articles:
            data = self.store.get_segmentation(article["id"], article["version"])
            if data is not None and data.get("v") == SEGMENTATION_VERSION:
                cached[article["id"]] = data
            else:
                missing.append(article)
        pending = _Pending(cached, missing)
        if missing:
            if self.pool is None and len(missing) >= 16 and self.processes != 1:
                self.pool = make_pool(self.processes)
            if self.pool is not None and len(missing) >= 8:
                pending.job = segment_many_async(missing, self.pool)
        return pending

    def finish(self, pending: _Pending) -> dict[int, dict]:
        if pending.missing:
            rows = pending.job.get() if pending.job is not None else segment_many(pending.missing)
            self.store.set_segmentations(rows)
            pending.cached.update({article_id: data for article_id, _, data in rows})
            self.count += len(rows)
        return pending.cached

    def batches(self, id_chunks):
        """``(ids, articles, segmentations)`` per chunk, the next chunk segmenting meanwhile."""
        previous = None
        for ids in id_chunks:
            articles = list(self.store.iter_articles(ids=ids, order="id"))
            current = (ids, articles, self.start(articles))
            if previous is not None:
                yield previous[0], previous[1], self.finish(previous[2])
            previous = current
        if previous is not None:
            yield previous[0], previous[1], self.finish(previous[2])

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


def _apply(writer, articles: list[dict], segmentations: dict, ids: list[int], stats: IndexStats) -> None:
    present = set()
    for article in articles:
        writer.upsert(article, segmentations[article["id"]])
        present.add(article["id"])
        stats.indexed += 1
    for article_id in ids:
        if article_id not in present:  # deleted from the store since the change was logged
            writer.delete(article_id)
            stats.deleted += 1


def update_index(home: Home, *, rebuild: bool = False, progress: bool | None = None,
                 processes: int | None = None, chunk: int = CHUNK) -> IndexStats:
    """Bring ``home``'s index up to date with its store (incrementally unless ``rebuild``)."""
    warm_up()  # underthesea's first call must be in the main thread, before tqdm's thread
    stats = IndexStats()
    with writer_lock(home), Store(home.store_path) as store:
        # a home switching engines has no index of the configured kind yet, and an index of an
        # older format (words, not syllables) cannot take new documents: both are rebuilt,
        # from the stored segmentation (nothing is segmented again)
        engine = open_engine(home.index_dir, configured_engine(home))
        segmenter = _Segmenter(store, processes)
        try:
            if rebuild or not engine.exists() or engine.index_format() != INDEX_FORMAT:
                stats.rebuilt_format = engine.exists() and engine.index_format() != INDEX_FORMAT
                _rebuild(home, store, segmenter, stats, progress, chunk)
            else:
                _incremental(engine, store, segmenter, stats, progress, chunk)
                engine.finish_writes(processes)
        finally:
            segmenter.close()
        stats.segmented = segmenter.count
        stats.cursor = int(store.meta_get(CURSOR_KEY, "0"))
        with open_engine(home.index_dir).searcher() as searcher:
            stats.documents = searcher.doc_count()
    return stats


def _incremental(engine, store, segmenter, stats, progress, chunk) -> None:
    cursor = int(store.meta_get(CURSOR_KEY, "0"))
    changes = list(store.changes_since(cursor))
    if not changes:
        return
    bar = _progress(len({article_id for _, article_id, _ in changes}), progress, "indexing")
    parts = [changes[start:start + chunk] for start in range(0, len(changes), chunk)]
    id_chunks = [list(dict.fromkeys(article_id for _, article_id, _ in part)) for part in parts]
    try:
        for part, (ids, articles, segmentations) in zip(parts, segmenter.batches(id_chunks)):
            writer = engine.writer()
            try:
                _apply(writer, articles, segmentations, ids, stats)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            store.meta_set(CURSOR_KEY, str(part[-1][0]))  # only after the commit succeeded
            if bar:
                bar.update(len(ids))
    finally:
        if bar:
            bar.close()


def _rebuild(home, store, segmenter, stats, progress, chunk) -> None:
    stats.rebuilt = True
    cursor = store.last_change_seq()  # changes after this are picked up by the next run
    building = Path(str(home.index_dir) + ".new")
    engine = open_engine(building, configured_engine(home))
    engine.create()
    # oldest first: document order then follows publication order
    ids = [row[0] for row in store.conn.execute("SELECT id FROM articles ORDER BY published_at, id")]
    bar = _progress(len(ids), progress, "indexing")
    writer = engine.writer(bulk=True)
    try:
        id_chunks = [ids[start:start + chunk] for start in range(0, len(ids), chunk)]
        for chunk_ids, articles, segmentations in segmenter.batches(id_chunks):
            _apply(writer, articles, segmentations, chunk_ids, stats)
            if bar:
                bar.update(len(chunk_ids))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    finally:
        if bar:
            bar.close()
    engine.finish_writes(segmenter.processes)  # before the swap: searches never see it without
    _swap(building, home.index_dir)
    store.meta_set(CURSOR_KEY, str(cursor))


def _swap(building: Path, live: Path) -> None:
    """Replace the live index by the finished one (two renames; readers keep open files)."""
    retired = Path(str(live) + ".old")
    if retired.exists():
        shutil.rmtree(retired)
    if live.exists():
        live.rename(retired)
    building.rename(live)
    if retired.exists():
        shutil.rmtree(retired, ignore_errors=True)
