"""What an article was extracted with, and the checks every extracted record passes
before it is stored: shared by the crawl's pipelines and ``unionnews reextract``.

``entry_hash(site)`` fingerprints the part of a registry entry that extraction reads
(everything but the listing, start URLs, feeds, name and ``enabled``): the store keeps it
per article beside ``crawler.extract.EXTRACTION_VERSION``, so a changed selector or a new
extraction version shows which stored articles are stale. No Scrapy here.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, is_dataclass

# Registry entry fields that never change what an article page extracts to.
NOT_EXTRACTION_FIELDS = frozenset({"name", "start_urls", "feeds", "enabled", "listing", "source_path"})
REQUIRED_FIELDS = ("title", "body")


def entry_hash(site) -> str | None:
    """sha256 (16 hex digits) of what extraction reads from a registry entry; None without one."""
    if site is None:
        return None
    data = asdict(site) if is_dataclass(site) else dict(vars(site))
    kept = {key: value for key, value in data.items() if key not in NOT_EXTRACTION_FIELDS}
    canonical = json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def nfc_deep(value):
    """Every string inside ``value`` in NFC with NBSP folded to a space."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\u00a0", " "))
    if isinstance(value, list):
        return [nfc_deep(item) for item in value]
    if isinstance(value, dict):
        return {key: nfc_deep(item) for key, item in value.items()}
    return value


def missing_required(record: dict) -> str | None:
    """``"no title"``, ``"no title and no body"``…: why a record is not an article, or None."""
    missing = [name for name in REQUIRED_FIELDS if not (record.get(name) or "").strip()]
    return f"no {' and no '.join(missing)}" if missing else None
