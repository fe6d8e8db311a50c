"""archive: the ground every other package of unionnews stands on.

What every layer shares, defined once: the article record (:mod:`archive.record`, with its
text normalisation in :mod:`archive.text`), the SQLite article store (:mod:`archive.store`),
the home directory and its config (:mod:`archive.home`), the site registry
(:mod:`archive.registry`, built-in entries in ``archive/sites/*.toml``), the dataset formats
that the CLI's export and the web's downloads both write (:mod:`archive.dataset`), the errors
a user can act on (:mod:`archive.errors`), the clock and the project's identity below.

It imports none of the project's other packages (``crawler``, ``indexer``, ``search_web``,
``unionnews``); they import it. ``tests/test_layers.py`` holds that contract.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unionnews")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

PROJECT_URL = "https://github.com/unionnews/unionnews"
USER_AGENT = f"unionnews/{__version__} (+{PROJECT_URL})"
