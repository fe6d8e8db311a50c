"""The article record: the one definition of what an article is, for every layer.

Extraction produces it (``crawler.extract``), the store keeps it (``archive.store``), import
reads it and export writes it (``archive.dataset``). Each key is declared once in
:data:`RECORD_FIELDS`, with its kind, meaning, the value it holds when a page shows nothing,
and whether an article can exist without it; everything else (the store's columns, the
export's columns, the importer's type checks, the extractor's defaults) is derived from it.

All strings are NFC with NBSP and zero-width characters folded (:mod:`archive.text`);
``content_hash`` is the sha256 of the normalised title, summary and body, so equal text
hashes equal whatever encoding or normal form the page arrived in.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from archive.text import normalize_body, normalize_text

# kinds: "int" | "str" | "url" | "local_time" | "utc_time" | "tags" | "images"
TEXT_KINDS = frozenset({"str", "url", "local_time", "utc_time"})
LIST_KINDS = frozenset({"tags", "images"})


@dataclass(frozen=True)
class Field:
    """One key of the record (or of an export row): its kind and what it means."""

    name: str
    kind: str
    description: str
    default: bool = True        # in the default export set
    empty: object = None        # the value when the page shows nothing
    required: bool = False      # an article cannot be stored without it


RECORD_FIELDS: tuple[Field, ...] = (
    Field("url", "url", "Canonical article URL on the publishing site.", required=True),
    Field("site", "str", "Site slug in the unionnews registry, e.g. laodongthudo.", empty="generic"),
    Field("province", "str", "Province of the publishing trade-union federation, in Vietnamese."),
    Field("title", "str", "Headline.", empty="", required=True),
    Field("summary", "str", "Lead paragraph (sapo); empty when the page has none.", empty=""),
    Field("published_at", "local_time",
          "Publication time, ISO 8601 with offset (+07:00); date only when the page shows no time."),
    Field("updated_at", "local_time", "Last update time shown by the page, same format; empty when none."),
    Field("author", "str", "Author as printed on the page."),
    Field("source", "str", "Attribution line, e.g. 'Nguồn: baokiengiang.vn'."),
    Field("tags", "tags", "Tags shown by the page.", empty=()),
    Field("category", "str", "Section of the site the article belongs to."),
    Field("images", "images", "Images of the article: list of {url, caption}.", default=False, empty=()),
    Field("body", "str", "Article text, NFC; paragraphs separated by one blank line.", empty="", required=True),
    Field("fetched_at", "utc_time", "When unionnews fetched the page, ISO 8601 UTC."),
    Field("content_hash", "str", "sha256 hex of NFC-normalised title + '\\n' + summary + '\\n' + body."),
)
RECORD_KEYS: tuple[str, ...] = tuple(field.name for field in RECORD_FIELDS)
RECORD_FIELDS_BY_NAME = {field.name: field for field in RECORD_FIELDS}
REQUIRED_KEYS: tuple[str, ...] = tuple(field.name for field in RECORD_FIELDS if field.required)
LIST_KEYS = frozenset(field.name for field in RECORD_FIELDS if field.kind in LIST_KINDS)
TEXT_KEYS: tuple[str, ...] = tuple(field.name for field in RECORD_FIELDS if field.kind in TEXT_KINDS)
# Keys that hold None (not "") when empty: optional facts a page may not show.
NULLABLE_TEXT_KEYS = frozenset(field.name for field in RECORD_FIELDS
                               if field.kind in TEXT_KINDS and field.empty is None)


def empty_record() -> dict:
    """A record with every key at its empty value (fresh lists, never shared)."""
    return {field.name: list(field.empty) if field.kind in LIST_KINDS else field.empty
            for field in RECORD_FIELDS}


def normalize_fields(record: dict) -> None:
    """Normalise a record's text in place: NFC, folded spaces, paragraphs kept in the body."""
    for key in ("title", "summary", "author", "source", "category"):
        if isinstance(record.get(key), str):
            record[key] = normalize_text(record[key]) or (None if key in NULLABLE_TEXT_KEYS else "")
    record["body"] = normalize_body(record.get("body"))
    record["tags"] = [tag for tag in (normalize_text(tag) for tag in record.get("tags") or []) if tag]
    record["images"] = [{"url": image["url"].strip(), "caption": normalize_text(image.get("caption"))}
                        for image in record.get("images") or [] if image.get("url")]


def content_hash(title: str | None, summary: str | None, body: str | None) -> str:
    """sha256 hex digest of the normalised ``title + "\\n" + summary + "\\n" + body``."""
    joined = "\n".join((normalize_text(title), normalize_text(summary), normalize_body(body)))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
