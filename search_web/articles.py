"""One article's neighbourhood: republished copies ("also published at") and related articles."""
from __future__ import annotations

import logging
import re

from search_web.data import MissingData, get_store, run_search
from search_web.params import ParamError, SearchParams

log = logging.getLogger("unionnews.web")

RELATED_COUNT = 5
MAX_KEY_WORDS = 10
_WORD = re.compile(r"\w+")
_COPY_COLUMNS = "id, url, site, province, title, published_at"


def _copies_of(original_id: int, excluding: int) -> list[dict]:
    rows = get_store().conn.execute(
        f"SELECT {_COPY_COLUMNS} FROM articles WHERE duplicate_of = ? AND id != ?"
        " ORDER BY published_at, url", (original_id, excluding))
    return [dict(row) for row in rows]


def republished(article: dict) -> list[dict]:
    """Other stored copies of the same story: its original and the original's other copies,
    or, for an original, every copy pointing at it. Each copy is marked ``is_original``."""
    original_id = article.get("duplicate_of")
    if original_id is None:
        return [{**copy, "is_original": False} for copy in _copies_of(article["id"], article["id"])]
    copies = []
    original = get_store().conn.execute(
        f"SELECT {_COPY_COLUMNS} FROM articles WHERE id = ?", (original_id,)).fetchone()
    if original is not None:
        copies.append({**dict(original), "is_original": True})
    copies += [{**copy, "is_original": False} for copy in _copies_of(original_id, article["id"])]
    return copies


def key_words(title: str) -> str:
    """The title's words as a query for any of them (``a OR b OR c``: no quotes or other
    operators, so it can never be malformed); articles sharing more of them rank first."""
    words = _WORD.findall(title.lower())
    return " OR ".join(words[:MAX_KEY_WORDS])


def related(article: dict, exclude_ids: set[int]) -> list:
    """Articles like this one: the indexer's more-like-this when it has one, else a ranked
    search on the title's words (any of them; articles sharing more words rank first)."""
    import indexer.search as search_module

    more_like_this = getattr(search_module, "more_like_this", None)
    try:
        if more_like_this is not None:
            from search_web.data import get_home

            hits = more_like_this(get_home(), article["id"], limit=RELATED_COUNT + len(exclude_ids))
        else:
            query = key_words(article.get("title") or "")
            if not query:
                return []
            params = SearchParams(query=query, sort="relevance", limit=RELATED_COUNT + len(exclude_ids) + 1)
            hits = run_search(params).hits
    except (ParamError, MissingData) as error:  # the article page stands without this box
        log.info("no related articles for %s: %s", article["id"], error)
        return []
    skip = exclude_ids | {article["id"]}
    return [hit for hit in hits if hit.id not in skip][:RELATED_COUNT]
