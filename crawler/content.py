"""Is a fetched HTML body a page at all? The crawler's content sanity rules, without Scrapy.

:func:`content_problem` names why a 200 HTML response cannot be an article page (empty,
binary, broken UTF-8), or gives None. ``crawler.guards.ContentSanityMiddleware`` applies it
to every crawled response, ``crawler.fetch.SiteFetcher`` (``unionnews sites check``) to every
page it fetches; both retry an empty body first.
"""
from __future__ import annotations

import re

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
BINARY_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"Rar!", b"\x00\x00\x01\x00")
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)


def is_html(content_type: bytes) -> bool:
    """Whether a (lower-cased) ``Content-Type`` is one the sanity rules apply to."""
    return any(kind in content_type for kind in HTML_TYPES)


def declared_charset(content_type: bytes, body: bytes) -> str | None:
    if b"charset=" in content_type:
        return content_type.split(b"charset=")[-1].split(b";")[0].strip(b" \"'").decode("ascii", "replace").lower()
    match = META_CHARSET.search(body[:4096])
    return match[1].decode("ascii", "replace").lower() if match else None


def content_problem(body: bytes, content_type: bytes = b"text/html") -> str | None:
    """Why an HTML response cannot be an article page, or None when it may be one."""
    if not body.strip():
        return "empty body"
    head = body[:8192]
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    if head.startswith(BINARY_MAGIC) or b"\x00" in head or controls > len(head) // 100:
        return "binary content"
    charset = declared_charset(content_type, body)
    if charset in (None, "utf-8", "utf8"):
        text = body.decode("utf-8", errors="replace")
        broken = text.count("\ufffd") - body.count("\ufffd".encode())
        # Mostly-valid UTF-8 with broken sequences would be decoded as windows-1258 by the
        # extractor (mojibake everywhere); a page with few valid sequences is a legacy
        # encoding mislabelled, which the extractor handles.
        if broken and sum(1 for char in text if char > "\x7f") - broken >= broken:
            return "invalid utf-8"
    return None
