"""Which search engine a home uses: Whoosh (default) or tantivy.

The choice is configuration, ``[index] engine = "tantivy"`` in ``$UNIONNEWS_HOME/config.toml``
(``unionnews index --engine NAME`` writes it). It decides which engine *builds* the index.
Readers open whatever the index directory holds, so searches keep working on the old
index while a home is being converted, until the rebuilt one is swapped in.
"""
from __future__ import annotations

from pathlib import Path

from archive.errors import UserError
from archive.home import Home

ENGINES = ("whoosh", "tantivy")
DEFAULT_ENGINE = "whoosh"


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


def detect_engine(path: Path) -> str | None:
    """The engine whose index is in ``path`` (None when there is none)."""
    from indexer.engine import Engine
    from indexer.tantivy_engine import TantivyEngine

    if TantivyEngine(path).exists():
        return "tantivy"
    if Engine(path).exists():
        return "whoosh"
    return None


def open_engine(path: Path, name: str | None = None):
    """The engine for an index directory.

    ``name`` given (writers): that engine, whose ``exists()`` is False when the directory
    holds the other engine's index, so the build starts afresh. ``name`` None (readers):
    whichever engine built the directory, Whoosh when it is empty.
    """
    name = check_engine(name) if name else (detect_engine(path) or DEFAULT_ENGINE)
    if name == "tantivy":
        from indexer.tantivy_engine import TantivyEngine

        return TantivyEngine(path)
    from indexer.engine import Engine

    return Engine(path)
