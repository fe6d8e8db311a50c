"""The web app's read-only access to the home: article store, search index, site registry.

The store is opened read-only once per request (``flask.g``) and closed at teardown; the
index is only ever read through ``indexer.search``. When either is missing the routes raise
``MissingData`` and the app answers with a page explaining ``unionnews crawl`` /
``unionnews index`` instead of an error.

Searches go through the app's ``SearchCache`` (``search_web.cache``): an identical search
within a few seconds, on the same index generation, is answered without running again.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app, g

from search_web.cache import SearchCache, index_stamp, request_key
from search_web.params import ParamError, SearchParams
from archive.errors import UserError
from archive.home import Home
from archive.store import Store

log = logging.getLogger("unionnews.web")


class MissingData(Exception):
    """The store or the index does not exist (yet): ``what`` is ``"store"`` or ``"index"``."""

    def __init__(self, what: str, detail: str = ""):
        super().__init__(detail or f"no {what}")
        self.what = what
        self.detail = detail


def get_home() -> Home:
    return Home(Path(current_app.config["UNIONNEWS_HOME"]))


def get_store() -> Store:
    """This request's read-only store connection."""
    if "store" not in g:
        home = get_home()
        if not home.store_path.exists():
            raise MissingData("store")
        g.store = Store(home.store_path, readonly=True)
    return g.store


def close_store(_exception=None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def search_cache() -> SearchCache:
    return current_app.extensions["unionnews.search_cache"]


def require_index() -> None:
    """Raise ``MissingData`` unless the home has an index.

    Asking the engine opens the index's table of contents (Whoosh parses it), so the answer
    is kept per index generation rather than asked again for every search of a page.
    """
    from indexer.engines import open_engine

    index_dir = get_home().index_dir
    stamp = index_stamp(index_dir)
    present = stamp is not None and search_cache().get_or_compute(
        ("index present", str(index_dir), stamp), lambda: open_engine(index_dir).exists())
    if not present:
        raise MissingData("index")


def registry() -> dict:
    """slug → ``archive.registry.Site`` (built-in plus the home's own entries)."""
    from archive.registry import load_registry

    try:
        return load_registry(get_home().sites_dir)
    except UserError as error:  # a broken user entry must not take the search UI down
        log.warning("site registry unavailable: %s", error)
        return {}


def site_name(slug: str) -> str:
    site = registry().get(slug)
    return site.name if site else slug


def site_counts() -> dict[str, dict]:
    """slug → {articles, first_published, last_published} from the store."""
    return {row["site"]: row for row in get_store().site_counts()}


def search_request(params: SearchParams, **changes):
    """The ``indexer.search.SearchRequest`` for these parameters (``changes`` override fields)."""
    from indexer.search import SearchRequest

    fields = dict(query=params.query, sites=params.sites, provinces=params.provinces,
                  since=params.since, until=params.until, sort=params.sort,
                  limit=params.limit, offset=params.offset)
    fields.update(changes)
    return SearchRequest(**fields)


def _call(function, params: SearchParams, **changes):
    get_store()  # a missing store is the first thing to explain
    require_index()
    from indexer.search import QueryError

    try:
        return function(get_home(), search_request(params, **changes))
    except QueryError as error:
        raise ParamError(getattr(error, "vietnamese", None) or str(error), f"q: {error}") from None
    except UserError as error:  # e.g. an index built by another version: rebuild it
        raise MissingData("index", str(error)) from None


def run_search(params: SearchParams, **changes):
    """``indexer.search.search`` with these parameters; errors become ParamError/MissingData.

    The result may be shared with other requests (``search_cache``): read it, never change it.
    """
    from indexer.search import search

    def cached_search(home: Home, request):
        key = ("search", str(home.root), index_stamp(home.index_dir), request_key(request))
        return search_cache().get_or_compute(key, lambda: search(home, request))

    return _call(cached_search, params, **changes)


def all_matching_ids(params: SearchParams) -> list[int]:
    """Every matching article id, in the request's order (for downloads).

    Filters without search words select straight from the store, newest first: search
    needs words, but "everything from this site in 2021" is a fair download."""
    if not params.query:
        store = get_store()
        selected = store.iter_articles(order="published_at", site=params.sites, province=params.provinces,
                                       since=params.since, until=params.until)
        return [article["id"] for article in selected][::-1]
    from indexer.search import matching_ids

    return _call(matching_ids, params, offset=0)
