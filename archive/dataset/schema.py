"""The export record: which fields exist, their types per format, and row conversion.

An exported record is the extract record (see docs/ARCHITECTURE.md) plus ``id`` (the store's
integer id) and ``duplicate_of`` (the URL of the original when the article is a republished
copy, else empty). ``images`` exists but is not exported unless asked for with ``--fields``
because it nests (a list of ``{url, caption}``) and the brief export is meant to be tabular.

Formats differ only in how values are spelled:

- JSONL keeps JSON types: lists stay lists, missing values are ``null``.
- CSV joins lists with ``"; "`` and writes missing values as an empty cell.
- Parquet has real types: ``published_at``/``updated_at`` are timestamps with time zone
  ``+07:00`` (a date-only value becomes midnight Vietnam time) and the exact original
  string is kept next to them in ``published_at_text``/``updated_at_text``; ``fetched_at``
  is a UTC timestamp; ``tags`` is ``list<string>``; ``id`` is ``int64``. Timestamps hold
  whole seconds but use the millisecond unit, because Parquet has no seconds unit (an
  Arrow ``timestamp[s]`` column is stored, and read back, as ``timestamp[ms]``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from archive.errors import UserError
from archive.record import RECORD_FIELDS, Field

VIETNAM_TZ = timezone(timedelta(hours=7))
LIST_SEPARATOR = "; "


# The exported row: the store's id, the article record (archive.record), the copy link.
ID_FIELD = Field("id", "int", "Article id in the unionnews store (not stable across stores).")
DUPLICATE_OF_FIELD = Field("duplicate_of", "url",
                           "URL of the original when this article republishes another; else empty.")
FIELDS: tuple[Field, ...] = (ID_FIELD, *RECORD_FIELDS, DUPLICATE_OF_FIELD)
FIELDS_BY_NAME = {field.name: field for field in FIELDS}
DEFAULT_FIELDS = tuple(field.name for field in FIELDS if field.default)


def parse_fields(spec: str | None) -> tuple[Field, ...]:
    """``"url,title"`` → the matching fields in the order given; ``None`` → the default set."""
    if not spec:
        return tuple(FIELDS_BY_NAME[name] for name in DEFAULT_FIELDS)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in FIELDS_BY_NAME]
    if unknown:
        raise UserError(f"unknown field(s): {', '.join(unknown)}; "
                        f"available: {', '.join(FIELDS_BY_NAME)}")
    if not names:
        raise UserError("--fields names no field")
    if len(set(names)) != len(names):
        raise UserError("--fields names a field twice")
    return tuple(FIELDS_BY_NAME[name] for name in names)


def table_schema_field(field: Field, fmt: str) -> dict:
    """The Table Schema (Frictionless) descriptor of one field as written in ``fmt``."""
    descriptor: dict = {"name": field.name, "description": field.description}
    if field.kind == "int":
        descriptor["type"] = "integer"
    elif field.kind == "url":
        descriptor.update(type="string", format="uri")
    elif field.kind == "utc_time":
        descriptor["type"] = "datetime"
    elif field.kind == "local_time":
        descriptor["type"] = "datetime"
        if fmt != "parquet":
            # a date-only value (no time on the page) is not in the default datetime format
            descriptor["format"] = "any"
    elif field.kind in ("tags", "images"):
        if fmt == "csv":
            descriptor["type"] = "string"
            what = "tags" if field.kind == "tags" else "image URLs"
            descriptor["description"] += f" In CSV: {what} joined with '{LIST_SEPARATOR}'."
        else:
            descriptor["type"] = "array"
    else:
        descriptor["type"] = "string"
    return descriptor


def parquet_columns(fields: tuple[Field, ...]) -> list[tuple[str, Field, bool]]:
    """Parquet columns as ``(column name, field, is_text_copy)``: local times get a text twin."""
    columns = []
    for field in fields:
        columns.append((field.name, field, False))
        if field.kind == "local_time":
            columns.append((f"{field.name}_text", field, True))
    return columns


def _parse_time(value: str | None, naive_zone) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=naive_zone)


def parse_local_time(value: str | None) -> datetime | None:
    """An ISO 8601 string as an aware datetime; naive or date-only values are Vietnam time."""
    return _parse_time(value, VIETNAM_TZ)


def parse_utc_time(value: str | None) -> datetime | None:
    """An ISO 8601 string as an aware datetime; naive values are taken as UTC."""
    return _parse_time(value, timezone.utc)


def export_value(article: dict, field: Field, duplicate_url: str | None):
    """The JSON-typed value of ``field`` for one store article (lists stay lists)."""
    if field.name == "duplicate_of":
        return duplicate_url
    value = article.get(field.name)
    if field.kind == "tags":
        return list(value or [])
    if field.kind == "images":
        return [{"url": image.get("url"), "caption": image.get("caption")} for image in value or []]
    return value


def csv_cell(value, field: Field) -> str:
    """A JSON-typed value spelled for a CSV cell."""
    if value is None:
        return ""
    if field.kind == "tags":
        return LIST_SEPARATOR.join(value)
    if field.kind == "images":
        return LIST_SEPARATOR.join(image["url"] or "" for image in value)
    return str(value)
