"""Downloads: the current result set as CSV/JSONL, and the attention-over-time series as CSV.

Result sets use the columns and cell spelling of ``unionnews export`` (its
``archive.dataset.schema`` fields and ``archive.dataset.writers`` CSV/JSONL writers), in
the order the page shows them (relevance or newest first). Every parameter is checked and
every match found before the response starts, so a bad request is a 400, never a broken
file; the rows are then streamed from a read-only store connection of their own in batches.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Iterator

from flask import Response, request

from search_web.blueprint import bp
from search_web.charts import Series, continuous_months
from search_web.data import all_matching_ids, get_home, get_store, require_index
from search_web.params import ParamError, SearchParams, parse_search_args
from search_web.views import attention_series, count_search
from archive.store import Store

BATCH = 500
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def download_name(params: SearchParams, kind: str, extension: str) -> str:
    """An ASCII file name naming the query and the day, e.g. ``unionnews-cong-doan-20261124.csv``."""
    from indexer.text import fold_chars

    words = re.sub(r"[^a-z0-9]+", "-", fold_chars(params.query).lower()).strip("-")[:40].strip("-")
    parts = ["unionnews", kind, words or "tat-ca", date.today().strftime("%Y%m%d")]
    return "-".join(part for part in parts if part) + "." + extension


def attachment(body, filename: str, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_rows(store_path, ids: list[int], fmt: str, excel: bool) -> Iterator[bytes]:
    """The export file, produced batch by batch and handed over as soon as bytes are ready."""
    from archive.dataset.schema import export_value, parse_fields
    from archive.dataset.writers import WRITERS

    fields = parse_fields(None)  # the export command's default columns
    buffer = io.BytesIO()
    writer = WRITERS[fmt](buffer, fields, excel=excel)
    original_urls: dict[int, str | None] = {}
    with Store(store_path, readonly=True) as store:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            by_id = {article["id"]: article for article in store.iter_articles(ids=chunk, order="id")}
            for article_id in chunk:
                article = by_id.get(article_id)
                if article is None:  # deleted since the index was built
                    continue
                original = article.get("duplicate_of")
                if original is not None and original not in original_urls:
                    found = store.get_article(original)
                    original_urls[original] = found["url"] if found else None
                url = original_urls.get(original) if original is not None else None
                writer.write({field.name: export_value(article, field, url) for field in fields})
            if buffer.tell():
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    writer.close()
    if buffer.getvalue():
        yield buffer.getvalue()


def _export(fmt: str) -> Response:
    params = parse_search_args(request.args)
    excel = request.args.get("excel", "") in ("1", "true")
    if not params.query and not params.has_filters:
        raise ParamError("Hãy nhập từ khóa hoặc chọn bộ lọc trước khi tải xuống.",
                         "give q or at least one filter (site, province, since, until)")
    ids = all_matching_ids(params)
    name = download_name(params, "", fmt)
    store_path = get_home().store_path
    return attachment(_export_rows(store_path, ids, fmt, excel), name, CONTENT_TYPES[fmt])


@bp.get("/export.csv")
def export_csv():
    """Every match of the query and filters as CSV (``excel=1`` adds the BOM Excel needs)."""
    return _export("csv")


@bp.get("/export.jsonl")
def export_jsonl():
    """Every match of the query and filters as JSON Lines."""
    return _export("jsonl")


def attention_csv_text(series: list[Series]) -> str:
    """``month`` then one column per series (``articles``, or each site's slug), every month."""
    months = continuous_months(series)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month", *[one.key or "articles" for one in series]])
    for month in months:
        writer.writerow([month, *[one.counts.get(month, 0) for one in series]])
    return out.getvalue()


@bp.get("/attention.csv")
def attention_download():
    """Matching articles per month (per selected site when sites are chosen)."""
    params = parse_search_args(request.args)
    get_store()
    require_index()
    result = count_search(params, histogram=True)
    text = attention_csv_text(attention_series(params, result.histogram))
    return attachment(text, download_name(params, "attention", "csv"), CONTENT_TYPES["csv"])
