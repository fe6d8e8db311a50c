"""Where unionnews keeps its data: the home directory and its layout.

Everything a run writes lives under one directory, ``$UNIONNEWS_HOME`` (or ``--home``),
defaulting to ``~/.unionnews``. The article store is the source of truth; the index and
logs are derived and can be rebuilt or deleted.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = Path.home() / ".unionnews"


@dataclass(frozen=True)
class Home:
    """Paths inside one unionnews home directory."""

    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike | None = None) -> "Home":
        """The home named on the command line, else ``$UNIONNEWS_HOME``, else ``~/.unionnews``."""
        chosen = explicit or os.environ.get("UNIONNEWS_HOME") or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def store_path(self) -> Path:
        return self.root / "store.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def sites_dir(self) -> Path:
        """User-added site registry entries (``unionnews sites add``)."""
        return self.root / "sites"

    @property
    def jobs_dir(self) -> Path:
        """Scrapy JOBDIRs, so a killed crawl resumes where it stopped."""
        return self.root / "jobs"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    def ensure(self) -> "Home":
        for directory in (self.root, self.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
        return self

    def config(self) -> dict:
        """The home's ``config.toml`` as a dict (empty when there is none)."""
        if not self.config_path.exists():
            return {}
        with self.config_path.open("rb") as handle:
            return tomllib.load(handle)
