"""Decode raw HTML bytes to NFC text, distrusting declared charsets.

Order of evidence: byte-order mark, HTTP ``Content-Type`` charset, ``<meta charset>`` /
``http-equiv``, a strict UTF-8 trial, then a windows-1258 / windows-1252 fallback chosen
by which one yields Vietnamese letters. Declarations lie on these sites: a page
declared UTF-8 may not decode as UTF-8, and a page declared ISO-8859-1 may really be
UTF-8 Vietnamese. windows-1258 decodes tone marks as combining characters, so the
result is always returned in NFC.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

# (BOM bytes, codec) — longest first so UTF-32 LE is not read as UTF-16 LE.
BYTE_ORDER_MARKS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# Browsers treat these labels as windows-1252; so do we (WHATWG encoding standard).
CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-user-defined": "cp1252",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "vn": "cp1258",
    "windows-1258": "cp1258",
}

# Single-byte codecs: any byte string decodes, so a declaration alone proves nothing.
SINGLE_BYTE_CODECS = {"cp1252", "cp1258", "iso8859-15", "cp1250", "latin-1"}

# Tried in order when nothing trustworthy was declared and UTF-8 failed.
FALLBACK_CODECS = ["cp1258", "cp1252"]

# How far into the document a <meta> declaration is looked for (HTML spec: 1024).
META_SNIFF_BYTES = 4096
META_CHARSET_PATTERNS = [
    re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I),
]

# Letters only Vietnamese text produces (after NFC): horn/breve vowels, đ, and the
# Latin Extended Additional block of tone-marked vowels.
_VIETNAMESE_LETTER_RE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")


def _codec_name(label: str | None) -> str | None:
    """Map a charset label to a Python codec name, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return CHARSET_ALIASES.get(name, name)


def _meta_charset(body: bytes) -> str | None:
    head = body[:META_SNIFF_BYTES]
    for pattern in META_CHARSET_PATTERNS:
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii", "ignore")
    return None


def _strict_utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _vietnamese_score(text: str) -> int:
    return len(_VIETNAMESE_LETTER_RE.findall(unicodedata.normalize("NFC", text)))


def _try_declared(body: bytes, codec: str) -> str | None:
    """Decode with a declared codec, or return None when the declaration is a lie."""
    if codec in ("utf-8", "utf-8-sig"):
        return _strict_utf8(body)
    if codec in SINGLE_BYTE_CODECS or codec.startswith("iso8859"):
        # Valid multi-byte UTF-8 is practically never an accident in a single-byte
        # encoding: the page is UTF-8 whatever it says.
        if not body.isascii() and _strict_utf8(body) is not None:
            return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _fallback(body: bytes) -> tuple[str, str]:
    best_text, best_codec, best_score = None, FALLBACK_CODECS[-1], -1
    for codec in FALLBACK_CODECS:
        text = body.decode(codec, errors="replace")
        score = _vietnamese_score(text)
        if score > best_score:
            best_text, best_codec, best_score = text, codec, score
    return best_text, best_codec


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Return ``(text, codec_name)`` for raw HTML bytes; the text is always NFC.

    Codec names are Python's (``utf-8``, ``cp1258``, ``cp1252``, ``utf-16-le`` ...).
    """
    if isinstance(body, str):
        return unicodedata.normalize("NFC", body), "utf-8"
    text, codec = None, None
    for bom, bom_codec in BYTE_ORDER_MARKS:
        if body.startswith(bom):
            text = body[len(bom):].decode(bom_codec, errors="replace")
            codec = bom_codec
            break
    if text is None:
        declared = [_codec_name(http_charset), _codec_name(_meta_charset(body))]
        for candidate in declared:
            if candidate and (decoded := _try_declared(body, candidate)) is not None:
                text, codec = decoded, candidate
                break
    if text is None and (decoded := _strict_utf8(body)) is not None:
        text, codec = decoded, "utf-8"
    if text is None:
        text, codec = _fallback(body)
    return unicodedata.normalize("NFC", text), codec


# A page is not text when, once decoded, more than this share of its characters are
# control characters (other than tab/newline/CR/form feed) or U+FFFD replacements.
MAX_BINARY_SHARE = 0.01
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_MARKUP_RE = re.compile(r"<\s*(?:!doctype|html|head|body|meta|title|div|p|table|article|h[1-6])\b", re.I)


def page_problem(body: bytes | str) -> str | None:
    """Why `body` cannot be an HTML page ("empty", "binary data, not text", "no HTML
    markup"), or None when it can."""
    if isinstance(body, bytes):
        if not body.strip():
            return "empty"
        text = decode_html(body)[0]
    else:
        text = body
    if not text.strip():
        return "empty"
    if len(_CONTROL_RE.findall(text)) > MAX_BINARY_SHARE * len(text):
        return "binary data, not text"
    if not _MARKUP_RE.search(text):
        return "no HTML markup"
    return None
