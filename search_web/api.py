"""The JSON API: ``/api/search`` (the shape of ``unionnews search --json``), articles, sites.

Errors are ``{"error": message}`` with 400 for bad parameters and 404 for unknown ids (see
the handlers in ``search_web/__init__.py``); nothing a client sends can cause a 500.
"""
from __future__ import annotations

from flask import abort, request

from search_web.blueprint import bp
from search_web.data import MissingData, get_store, registry, run_search
from search_web.params import ARTICLE_ID, parse_search_args


@bp.get("/api/search")
def api_search():
    """Same parameters and JSON as ``unionnews search --json`` (``limit`` ≤ 100)."""
    params = parse_search_args(request.args)
    return run_search(params).to_json()


@bp.get(f"/api/articles/{ARTICLE_ID}")
def api_article(article_id: int):
    """One stored article: the record keys plus id, version, first/last seen, duplicate_of."""
    article = get_store().get_article(article_id)
    if article is None:
        abort(404)
    return article


@bp.get("/api/sites")
def api_sites():
    """Every registered site (and any other site in the store) with its article counts."""
    try:
        counts = {row["site"]: row for row in get_store().site_counts()}
    except MissingData:  # an empty home still has a registry to show
        counts = {}
    sites = []
    entries = registry()
    for slug in sorted(set(entries) | set(counts)):
        entry = entries.get(slug)
        stats = counts.get(slug, {})
        sites.append({
            "slug": slug,
            "name": entry.name if entry else slug,
            "province": entry.province if entry else None,
            "domain": entry.domain if entry else None,
            "enabled": entry.enabled if entry else False,
            "registered": entry is not None,
            "articles": stats.get("articles", 0),
            "first_published": stats.get("first_published"),
            "last_published": stats.get("last_published"),
        })
    return {"sites": sites, "total_articles": sum(site["articles"] for site in sites)}
