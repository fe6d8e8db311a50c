"""The HTML pages: search (results, filters, attention over time) and one article.

Searches per results page: one (hits, facets and the monthly histogram together) when no
site or province is ticked; plus one per ticked dimension for its disjunctive facet counts;
plus one histogram per site when two or more sites are compared. The extra ones ask only for
counts (``count_search``), so every page number and sort order shares them in the cache.
"""
from __future__ import annotations

import math
from urllib.parse import urlencode

from flask import abort, render_template, request, url_for

from search_web import articles
from search_web.blueprint import bp
from search_web.charts import COMPACT, MAX_SERIES, Series, build_chart
from search_web.data import get_store, registry, require_index, run_search, site_counts
from search_web.params import ARTICLE_ID, MAX_OFFSET, ParamError, SearchParams, parse_search_args

EXAMPLE_QUERIES = ("công đoàn cơ sở", "cong doan", "\"an toàn lao động\"", "Tết sum vầy", "LĐLĐ")


def link(params: SearchParams, endpoint: str = "web.search", *, paging: bool = False, **extra) -> str:
    """URL of ``endpoint`` for these parameters (``extra`` adds or replaces single values)."""
    pairs = [(key, value) for key, value in params.query_args(paging=paging) if key not in extra]
    pairs += [(key, str(value)) for key, value in extra.items() if value is not None]
    return url_for(endpoint) + ("?" + urlencode(pairs) if pairs else "")


def count_search(params: SearchParams, **changes):
    """A search run for its facets or histogram only: one hit, first page, relevance order.

    Counts do not depend on the order or the page, so fixing both makes page 2, "newest
    first" and the attention download reuse the cached counts of page 1.
    """
    return run_search(params, limit=1, offset=0, sort="relevance", **changes)


def attention_series(params: SearchParams, histogram: dict) -> list[Series]:
    """All matches as one series, or one series per selected site (at most ``MAX_SERIES``)."""
    if not params.sites:
        return [Series("", "Tất cả bài phù hợp", dict(histogram or {}))]
    sites = registry()
    series = []
    for slug in params.sites[:MAX_SERIES]:
        if len(params.sites) == 1:
            counts = histogram
        else:
            counts = count_search(params, sites=(slug,), histogram=True).histogram
        label = sites[slug].name if slug in sites else slug
        series.append(Series(slug, label, dict(counts or {})))
    return series


def facet_options(result_facets: dict, params: SearchParams) -> dict[str, list[dict]]:
    """Checkbox options with counts for site and province.

    Counts for a dimension ignore that dimension's own selection (disjunctive facets), so
    ticking one site still shows how many matches the other sites have.
    """
    sites = registry()
    facets = {"site": dict(result_facets.get("site", {})), "province": dict(result_facets.get("province", {}))}
    if params.sites:
        facets["site"] = count_search(params, sites=(), facets=True).facets.get("site", {})
    if params.provinces:
        facets["province"] = count_search(params, provinces=(), facets=True).facets.get("province", {})
    options = {}
    for dimension, chosen in (("site", params.sites), ("province", params.provinces)):
        counts = facets[dimension]
        values = set(counts) | set(chosen)
        rows = []
        for value in values:
            label = sites[value].name if dimension == "site" and value in sites else value
            detail = sites[value].province if dimension == "site" and value in sites else ""
            rows.append({"value": value, "label": label, "detail": detail, "count": counts.get(value, 0),
                         "checked": value in chosen})
        rows.sort(key=lambda row: (-row["count"], row["label"]))
        options[dimension] = rows
    return options


def suggestions(params: SearchParams) -> list[tuple[str, str]]:
    """(label, link) alternatives for a search without results."""
    from indexer.text import fold_chars, has_diacritics

    found = []
    if has_diacritics(params.query):
        unaccented = fold_chars(params.query)
        found.append((f"Gõ không dấu: {unaccented}", link(params.with_changes(query=unaccented, offset=0))))
    if '"' in params.query:
        loose = params.query.replace('"', "")
        found.append((f"Bỏ dấu ngoặc kép: {loose}", link(params.with_changes(query=loose, offset=0))))
    if params.has_filters:
        found.append(("Bỏ mọi bộ lọc (trang, tỉnh, ngày)",
                      link(SearchParams(query=params.query, sort=params.sort))))
    words = params.query.split()
    if len(words) > 2:
        shorter = " ".join(words[:2])
        found.append((f"Ít từ hơn: {shorter}", link(params.with_changes(query=shorter, offset=0))))
    return found


def pagination(params: SearchParams, total: int) -> list[dict]:
    """Page links around the current one (first, last, and two either side)."""
    last = max(1, min(math.ceil(total / params.limit), MAX_OFFSET // params.limit + 1))
    current = params.page
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    pages, previous = [], 0
    for number in shown:
        if number - previous > 1:
            pages.append({"gap": True})
        pages.append({"number": number, "current": number == current,
                      "url": link(params, page=number if number > 1 else None)})
        previous = number
    return pages if last > 1 else []


def _landing(params: SearchParams):
    """The archive at a glance; filters chosen without words are kept in the form."""
    counts = site_counts()
    sites = registry()
    rows = [{"slug": slug, "name": sites[slug].name if slug in sites else slug,
             "province": sites[slug].province if slug in sites else "", **counts[slug]}
            for slug in counts]
    rows.sort(key=lambda row: -row["articles"])
    firsts = [row["first_published"] for row in rows if row["first_published"]]
    lasts = [row["last_published"] for row in rows if row["last_published"]]
    return render_template("search.html", params=params, landing=True, site_rows=rows,
                           total_articles=sum(row["articles"] for row in rows),
                           first=min(firsts) if firsts else None, last=max(lasts) if lasts else None,
                           examples=EXAMPLE_QUERIES, link=link)


@bp.get("/")
def search():
    try:
        params = parse_search_args(request.args, allow_page=True)
    except ParamError as error:
        get_store()
        return render_template("search.html", params=SearchParams(query=request.args.get("q", "")[:500]),
                               error=error.message_vi, link=link, raw=request.args), 400
    get_store()
    require_index()
    if not params.query:  # nothing to match yet (the search needs at least one word)
        return _landing(params)
    try:
        result = run_search(params, facets=True, histogram=True)
    except ParamError as error:  # a query with nothing to search: say so, keep the form and filters
        return render_template("search.html", params=params, error=error.message_vi, link=link,
                               raw=request.args), 400
    series = attention_series(params, result.histogram)
    charts = (build_chart(series), build_chart(series, **COMPACT))
    names = {slug: site.name for slug, site in registry().items()}
    return render_template(
        "search.html", params=params, result=result, charts=charts, names=names,
        facets=facet_options(result.facets or {}, params),
        pages=pagination(params, result.total),
        suggestions=suggestions(params) if not result.total else [],
        examples=EXAMPLE_QUERIES, link=link, raw=request.args,
        first_shown=params.offset + 1, last_shown=params.offset + len(result.hits))


@bp.get(f"/article/{ARTICLE_ID}")
def article(article_id: int):
    article_record = get_store().get_article(article_id)
    if article_record is None:
        abort(404)
    copies = articles.republished(article_record)
    related = articles.related(article_record, {copy["id"] for copy in copies})
    sites = registry()
    site = sites.get(article_record["site"])
    names = {slug: entry.name for slug, entry in sites.items()}
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return render_template("article.html", article=article_record, site=site, copies=copies,
                           related=related, names=names, back=back)
