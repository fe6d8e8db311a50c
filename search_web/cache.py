"""A short-lived, per-process cache of search results, dropped whenever the index changes.

A results page and its API twin are often asked for again within seconds (reloads, the
"back" button, paging through filters that share facet counts, several readers following
the same link), and each search is tens of milliseconds of CPU under the GIL. So identical
searches within ``seconds`` are answered from a small LRU instead of being run again.

Keys are the normalised request (filter values sorted, so ``site=a&site=b`` and
``site=b&site=a`` are one entry) plus the index's *generation stamp*: a new commit (Whoosh
writes a new ``*.toc``; tantivy replaces ``meta.json``) or a ``--rebuild`` (a new directory)
changes the stamp, so a search never sees results older than the index it would open itself.
The expiry bounds what the stamp cannot see, e.g. a store edit not yet indexed.

Cached results are shared between threads: callers must treat them as read-only.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Hashable

DEFAULT_SECONDS = 5.0
DEFAULT_ENTRIES = 256  # a page of 100 hits with snippets is ~100 KB: tens of MB at most


def index_stamp(index_dir: Path) -> tuple | None:
    """What changes with every commit or rebuild of the index in ``index_dir`` (None: no index).

    A commit adds or renames files in the directory (its mtime moves); ``meta.json`` is
    tantivy's commit point, replaced atomically (a new inode) on every commit.
    """
    try:
        directory = os.stat(index_dir)
    except OSError:
        return None
    try:
        meta = os.stat(index_dir / "meta.json")
        meta_part = (meta.st_ino, meta.st_mtime_ns, meta.st_size)
    except OSError:
        meta_part = None
    return directory.st_ino, directory.st_dev, directory.st_mtime_ns, meta_part


def request_key(request) -> tuple:
    """An ``indexer.search.SearchRequest`` with its filter values in a canonical order."""
    normal = replace(request, sites=tuple(sorted(set(request.sites or ()))),
                     provinces=tuple(sorted(set(request.provinces or ()))))
    return tuple(getattr(normal, name) for name in normal.__dataclass_fields__)


class SearchCache:
    """Thread-safe LRU of ``key → value`` whose entries expire after ``seconds``.

    ``seconds <= 0`` disables it (every call computes). Two threads missing the same key at
    once both compute it; that costs one extra search, never a wrong answer.
    """

    def __init__(self, seconds: float = DEFAULT_SECONDS, entries: int = DEFAULT_ENTRIES,
                 clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.entries = entries
        self._clock = clock
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.entries > 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if not self.enabled:
            return compute()
        now = self._clock()
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] > now:
                self._items.move_to_end(key)
                self.hits += 1
                return found[1]
            self.misses += 1
        value = compute()  # outside the lock: other searches go on meanwhile
        with self._lock:
            self._items[key] = (self._clock() + self.seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
