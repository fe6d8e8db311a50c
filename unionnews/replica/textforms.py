"""Text forms the replica serves: windows-1258 bytes, NFD text, diacritic-free alts,
and the normalisation the expected records use (NFC, NBSP folded, spaces collapsed)."""
from __future__ import annotations

import re
import unicodedata

# The five Vietnamese tone marks. windows-1258 has no code points for most toned letters,
# so real cp1258 pages carry "base letter + combining tone mark" instead.
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

_SPACES = re.compile(r"\s+")


def normalize_text(text: str | None) -> str:
    """NFC, NBSP (and other Unicode spaces) as a plain space, runs of whitespace collapsed."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def _cp1258_char(char: str) -> bytes:
    try:
        return char.encode("cp1258")
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFD", char)
    tones = "".join(c for c in decomposed if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    try:
        return base.encode("cp1258") + tones.encode("cp1258")
    except UnicodeEncodeError:
        # Not Vietnamese (emoji, CJK…): browsers' answer for unencodable text.
        return char.encode("cp1258", errors="xmlcharrefreplace")


def encode_cp1258(text: str) -> bytes:
    """Encode like a Vietnamese windows-1258 page: precomposed where the code page has the
    letter (à, â, ơ, đ…), otherwise base letter + combining tone mark (ô + U+0323 for ộ)."""
    text = unicodedata.normalize("NFC", text)
    out = bytearray()
    for char in text:
        out += char.encode("cp1258") if ord(char) < 128 else _cp1258_char(char)
    return bytes(out)


def to_nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def unaccent(text: str) -> str:
    """'Đẩy mạnh triển khai' -> 'Day manh trien khai' (MasterCMS image alts)."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")
