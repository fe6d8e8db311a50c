"""The search engines side by side: Whoosh (default, ``indexer.engines.whoosh``) and tantivy
(``indexer.engines.tantivy``), behind one interface defined here.

Which engine a home uses is configuration, ``[index] engine = "tantivy"`` in
``$UNIONNEWS_HOME/config.toml`` (``unionnews index --engine NAME`` writes it). It decides which
engine *builds* the index. Readers open whatever the index directory holds, so searches keep
working on the old index while a home is being converted, until the rebuilt one is swapped in.

The interface (``Engine``, ``EngineWriter``, ``EngineSearcher``) is what ``indexer.build`` and
``indexer.search`` use; both engines implement it (``WhooshEngine`` / ``TantivyEngine`` and
their writers and searchers) and return the same ``RawResult``. The engine modules are
imported only when an engine is opened, so choosing or configuring one loads neither.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from archive.errors import UserError
from archive.home import Home

from indexer.syntax import ParsedQuery

ENGINES = ("whoosh", "tantivy")
DEFAULT_ENGINE = "whoosh"

# Ranking both engines share (the match itself is the contract of indexer.syntax): BM25 over
# syllables, titles boosted; plus the query's words (its runs as underthesea would segment
# them, folded) scored in the article's words field; plus each run of syllables typed side by
# side scored as a phrase, so adjacent syllables that form the same words rank first.
TITLE_BOOST = 3.0
WORDS_WEIGHT = 0.5
RUN_BOOST = 2.0
# Whoosh scores runs over the best this many matches by everything else (phrases of common
# syllables over every match were most of a query's time); tantivy, which cannot, skips runs
# made only of very common syllables (indexer.engines.tantivy.RUN_PHRASE_MAX_DOCS).
RANKED_CANDIDATES = 2000


def parse_published(value: str | None) -> datetime | None:
    """Local publication time without offset (filters compare local dates, like the store)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:19] if "T" in value else value[:10])
    except ValueError:
        return None


# -- the shared interface -----------------------------------------------------------------

@dataclass
class RawHit:
    article_id: int
    url: str
    title: str
    site: str
    province: str
    published_at: str
    score: float


@dataclass
class RawResult:
    total: int
    total_exact: bool
    hits: list[RawHit]
    facets: dict | None = None
    histogram: dict | None = None
    # labels of the query's terms that no indexed article holds (filters aside); filled in
    # only when the total is 0, to say why
    missing: list[str] = field(default_factory=list)


@runtime_checkable
class EngineWriter(Protocol):
    """Adds, replaces and deletes documents; nothing is visible before ``commit``."""

    def upsert(self, article: dict, segmentation: dict) -> None: ...

    def delete(self, article_id: int) -> None: ...

    def commit(self) -> None: ...

    def cancel(self) -> None: ...


@runtime_checkable
class EngineSearcher(Protocol):
    """A point-in-time view of the index (searches run while a writer commits); a context
    manager that closes it."""

    def doc_count(self) -> int: ...

    def has_word(self, folded_word: str) -> bool:
        """Whether the words field (ranking) holds this folded word (``cong_doan``)."""
        ...

    def search(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str, limit: int,
               offset: int, facets: bool = False, histogram: bool = False) -> RawResult:
        """The matching set of ``parsed`` (live documents, republished copies left out, filters
        applied), ranked with ``words`` (the query's folded words) or by date."""
        ...

    def all_ids(self, parsed: ParsedQuery, words: list[str], filters: dict, sort: str) -> list[int]: ...

    def duplicates_of(self, article_ids: list[int]) -> dict[int, list[str]]:
        """URLs of the indexed copies of each article."""
        ...

    def refresh(self) -> EngineSearcher:
        """This searcher, moved to the latest commit when the index changed (cheap otherwise)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> EngineSearcher: ...

    def __exit__(self, *exc) -> None: ...


@runtime_checkable
class Engine(Protocol):
    """One index directory of one engine."""

    name: str
    path: Path

    def exists(self) -> bool: ...

    def create(self) -> None:
        """A fresh, empty index in ``path`` (whatever was there is removed)."""
        ...

    def writer(self, bulk: bool = False) -> EngineWriter:
        """``bulk``: loading a freshly created index (each article added exactly once)."""
        ...

    def searcher(self) -> EngineSearcher: ...

    def finish_writes(self, processes: int | None = None) -> int:
        """Work after a run's commits (Whoosh: hot postings); returns the segments done."""
        ...

    def identity(self) -> tuple:
        """Changes when the directory is replaced (``--rebuild`` swaps in a new one)."""
        ...

    def index_format(self) -> int:
        """``indexer.documents.INDEX_FORMAT`` of what the directory holds (1 before syllables)."""
        ...

    def size_bytes(self) -> int: ...


# -- choosing the engine ------------------------------------------------------------------

class UnknownEngine(UserError):
    """An engine name that is not one of ``ENGINES``."""


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise UnknownEngine(f"unknown search engine {name!r}; choose one of: {', '.join(ENGINES)}")
    return name


def configured_engine(home: Home) -> str:
    """The engine named in the home's config.toml (``[index] engine``), else Whoosh."""
    section = home.config().get("index") or {}
    name = section.get("engine", DEFAULT_ENGINE) if isinstance(section, dict) else DEFAULT_ENGINE
    try:
        return check_engine(name)
    except UnknownEngine as error:
        raise UnknownEngine(f"{error} (in {home.config_path})") from None


def set_configured_engine(home: Home, name: str) -> None:
    """Write ``[index] engine = name`` into config.toml, keeping the rest of the file."""
    import tomli_w

    check_engine(name)
    config = home.config()
    config.setdefault("index", {})["engine"] = name
    home.root.mkdir(parents=True, exist_ok=True)
    home.config_path.write_text(tomli_w.dumps(config), encoding="utf-8")


def _engine_class(name: str) -> type:
    if name == "tantivy":
        from indexer.engines.tantivy import TantivyEngine

        return TantivyEngine
    from indexer.engines.whoosh import WhooshEngine

    return WhooshEngine


def detect_engine(path: Path) -> str | None:
    """The engine whose index is in ``path`` (None when there is none)."""
    for name in ("tantivy", "whoosh"):
        if _engine_class(name)(path).exists():
            return name
    return None


def open_engine(path: Path, name: str | None = None) -> Engine:
    """The engine for an index directory.

    ``name`` given (writers): that engine, whose ``exists()`` is False when the directory
    holds the other engine's index, so the build starts afresh. ``name`` None (readers):
    whichever engine built the directory, Whoosh when it is empty.
    """
    name = check_engine(name) if name else (detect_engine(path) or DEFAULT_ENGINE)
    return _engine_class(name)(path)
