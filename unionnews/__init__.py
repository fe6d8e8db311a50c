"""unionnews: a citable, searchable archive of Vietnamese trade-union news.

Data flows one way: crawl (``crawler``) → store (``unionnews.store``) → index
(``indexer``) → search / export (``search_web``, ``unionnews.export``).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unionnews")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

PROJECT_URL = "https://github.com/unionnews/unionnews"
USER_AGENT = f"unionnews/{__version__} (+{PROJECT_URL})"
