"""Logging for CLI runs: a rotating file under ``$UNIONNEWS_HOME/logs`` plus terse stderr."""
from __future__ import annotations

import logging
import logging.handlers

from archive.home import Home

LOG_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


def setup_logging(home: Home, *, verbose: bool = False, filename: str = "unionnews.log") -> None:
    """Everything at INFO to a rotating log file; warnings (or INFO with -v) to stderr."""
    home.logs_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_unionnews", False):
            root.removeHandler(handler)
    file_handler = logging.handlers.RotatingFileHandler(
        home.logs_dir / filename, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    file_handler.setLevel(logging.INFO)
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    console.setLevel(logging.INFO if verbose else logging.ERROR)
    for handler in (file_handler, console):
        handler._unionnews = True
        root.addHandler(handler)
    root.setLevel(logging.INFO)
