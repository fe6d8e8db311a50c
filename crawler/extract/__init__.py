"""Article extraction: raw page bytes in, one article record (docs/ARCHITECTURE.md) out.

:func:`extract_article` decodes the page (:mod:`.encoding`), applies the site's
selectors (:mod:`.selectors`) and fills every field they miss from generic extraction
(:mod:`.generic`: JSON-LD, meta tags, content fallback, Vietnamese cleanup rules).
Every string in the record is NFC with NBSP folded (:mod:`.text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from .encoding import decode_html
from .generic import extract_generic
from .selectors import extract_with_site
from archive.record import RECORD_KEYS, content_hash, empty_record, normalize_fields
from archive.text import split_paragraphs

EXTRACTION_VERSION = "3"  # 2: inline link lists, italic captions, date tiers
# 3: titles entity-decoded, site-name <h1>/<title> parts rejected (.headline); 12-hour
#    SA/CH/sáng/chiều/tối times, teaser dates skipped; summary = lead, or a description
#    that does not repeat the body, never cut mid-word (.summary); body from the
#    best-scoring container, no page pruning, page-builder classes are layout, checked
#    against trafilatura's default extraction (.body; field_sources "generic:<method>");
#    month names, times before weekdays, article-scope machine dates, header-bar dates
#    refused, linear date-line regexes; related-link paragraphs and wire sign-offs dropped

# Record fields (archive.record) read off the page: from the site's selectors first, then
# from generic extraction; the rest (site, province, fetched_at, content_hash) are set here.
EXTRACTED_FIELDS = [key for key in RECORD_KEYS if key not in ("site", "province", "fetched_at", "content_hash")]
# (problem, test on the record) — reported, never fatal.
PROBLEM_CHECKS = [
    ("no title", lambda r: not r["title"]),
    ("no body", lambda r: not r["body"]),
    ("no date", lambda r: not r["published_at"]),
    ("short body", lambda r: 0 < len(r["body"]) < 200),
]


@dataclass
class Extraction:
    record: dict
    field_sources: dict = field(default_factory=dict)
    encoding: str | None = None
    problems: list = field(default_factory=list)
    extraction_version: str = EXTRACTION_VERSION


def _host(url: str | None) -> str:
    host = (urlsplit(url or "").hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _canonical(candidate: str | None, url: str, site) -> str:
    """The page's canonical URL when it is on the page's (or the site's) domain."""
    if not candidate or urlsplit(candidate).scheme not in ("http", "https"):
        return url
    allowed = {_host(url)}
    if site is not None:
        allowed |= {_host("//" + d) for d in [getattr(site, "domain", None) or "", *(getattr(site, "aliases", None) or [])] if d}
    return candidate if _host(candidate) in allowed else url


def _normalize_record(record: dict) -> None:
    normalize_fields(record)
    # The byline/attribution lives in its own field, not as the body's last lines.
    paragraphs = split_paragraphs(record["body"])
    while paragraphs and paragraphs[-1] in {record["author"], record["source"]}:
        paragraphs.pop()
    record["body"] = "\n\n".join(paragraphs)


def extract_article(body: bytes | str, url: str, *, site=None, http_charset: str | None = None,
                    fetched_at: str | None = None) -> Extraction:
    """Extract one article record from a fetched page (see docs/ARCHITECTURE.md)."""
    if isinstance(body, bytes):
        html, encoding = decode_html(body, http_charset)
    else:
        html, encoding = decode_html(body)[0], None
    found, sources = ({}, {})
    if site is not None and getattr(site, "article", None):
        found, sources = extract_with_site(html, url, site)
    if any(not found.get(f) for f in EXTRACTED_FIELDS):
        generic, generic_sources = extract_generic(html, url, check_body=not found.get("body"))
        for f in EXTRACTED_FIELDS:
            if not found.get(f) and generic.get(f):
                found[f], sources[f] = generic[f], generic_sources[f]
    record = empty_record()
    record.update({f: found[f] for f in EXTRACTED_FIELDS if found.get(f)})
    record["url"] = _canonical(found.get("url"), url, site)
    if record["url"] == url:
        sources.pop("url", None)
    record["site"] = getattr(site, "slug", None) or "generic"
    record["province"] = getattr(site, "province", None) or None
    record["fetched_at"] = fetched_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    _normalize_record(record)
    record["content_hash"] = content_hash(record["title"], record["summary"], record["body"])
    problems = [name for name, check in PROBLEM_CHECKS if check(record)]
    return Extraction(record=record, field_sources=sources, encoding=encoding, problems=problems)


__all__ = ["EXTRACTION_VERSION", "Extraction", "extract_article", "extract_generic", "extract_with_site",
           "decode_html"]
