"""unionnews: a citable, searchable archive of Vietnamese trade-union news.

This package is the application on top of the others: the ``unionnews`` CLI and its
commands, crawl orchestration, onboarding, nightly runs, export and dedup. Data flows one way:
crawl (``crawler``) → store (``archive.store``) → index (``indexer``) → search / export
(``search_web``, ``unionnews.export``); ``archive`` is the ground they all stand on.
"""
from archive import __version__

__all__ = ["__version__"]
