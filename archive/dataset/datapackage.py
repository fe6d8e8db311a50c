"""The Frictionless Data Package descriptor written next to every file export.

For ``--out data.csv`` the descriptor is ``data.csv.datapackage.json`` in the same folder:
one per exported file, so several exports (``data.csv`` and ``data.parquet`` too) can share
a folder without one package overwriting another's. Its single resource points at
``data.csv`` by relative path, so the pair can be moved or zipped together. Besides the
standard keys it records how the file was made (``command``, ``filters``, ``software``)
and per-site figures (``sites``: slug → count, first/last published).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from archive import PROJECT_URL, __version__
from archive.dataset.schema import Field, parquet_columns, table_schema_field
from archive.clock import utc_now

MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
}


def datapackage_path(out: Path) -> Path:
    """``data.csv`` → ``data.csv.datapackage.json`` in the same folder."""
    return out.with_name(f"{out.name}.datapackage.json")


def package_name(out: Path) -> str:
    """A valid Data Package name (lowercase, ``a-z0-9._-``) from the file name."""
    name = re.sub(r"[^a-z0-9._-]+", "-", out.stem.lower()).strip("-.")
    return name or "unionnews-export"


class SiteStats:
    """Per-site count and first/last publication, gathered while streaming."""

    def __init__(self) -> None:
        self.sites: dict[str, dict] = {}

    def add(self, article: dict) -> None:
        site = article.get("site") or ""
        published = article.get("published_at")
        stats = self.sites.get(site)
        if stats is None:
            self.sites[site] = {"count": 1, "first_published": published, "last_published": published}
            return
        stats["count"] += 1
        if published:
            # ISO strings of one site share their offset, so string order is time order
            if not stats["first_published"] or published < stats["first_published"]:
                stats["first_published"] = published
            if not stats["last_published"] or published > stats["last_published"]:
                stats["last_published"] = published

    def as_dict(self) -> dict:
        return {slug: self.sites[slug] for slug in sorted(self.sites)}


def table_schema(fields: tuple[Field, ...], fmt: str) -> dict:
    if fmt != "parquet":
        return {"fields": [table_schema_field(field, fmt) for field in fields], "missingValues": [""]}
    described = []
    for name, field, is_text in parquet_columns(fields):
        if is_text:
            described.append({"name": name, "type": "string",
                              "description": f"{field.name} exactly as stored (ISO 8601 string)."})
        else:
            described.append(table_schema_field(field, fmt))
    return {"fields": described}


def build_descriptor(*, out: Path, fmt: str, fields: tuple[Field, ...], excel: bool, count: int,
                     sha256: str, size: int, command: str, filters: dict, sites: SiteStats) -> dict:
    resource: dict = {
        "name": package_name(out),
        "path": out.name,
        "profile": "tabular-data-resource",
        "format": fmt,
        "mediatype": MEDIA_TYPES[fmt],
    }
    if fmt != "parquet":  # parquet is binary: its strings are UTF-8 by definition
        resource["encoding"] = "utf-8-sig" if excel else "utf-8"
    resource.update({"bytes": size, "hash": f"sha256:{sha256}", "schema": table_schema(fields, fmt)})
    if fmt == "csv":
        resource["dialect"] = {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"',
                               "doubleQuote": True, "header": True}
    return {
        "profile": "tabular-data-package",
        "name": package_name(out),
        "title": "Vietnamese trade-union news (unionnews export)",
        "created": utc_now(),
        "homepage": PROJECT_URL,
        "command": command,
        "filters": filters,
        "software": {"name": "unionnews", "version": __version__, "url": PROJECT_URL},
        "count": count,
        "sites": sites.as_dict(),
        "resources": [resource],
    }


def write_descriptor(handle, descriptor: dict) -> None:
    handle.write(json.dumps(descriptor, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
