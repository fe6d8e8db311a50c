"""Tests for crawler.extract.encoding: BOMs, lying charsets, windows-1258, NFD."""

import codecs
import unicodedata

from crawler.extract.encoding import decode_html

# "Liên đoàn Lao động tỉnh Kiên Giang" as windows-1258 bytes: ê=EA, đ=F0, ô=F4,
# and tone marks as separate combining bytes (grave CC, hook D2, dot below F2).
CP1258_BYTES = b"Li\xean \xf0oa\xccn Lao \xf0\xf4\xf2ng ti\xd2nh Ki\xean Giang"
TEXT = "Liên đoàn Lao động tỉnh Kiên Giang"


def page(body: bytes, head: bytes = b"") -> bytes:
    return b"<html><head>" + head + b"</head><body><p>" + body + b"</p></body></html>"


def test_windows_1258_declared_in_meta_gives_nfc():
    text, enc = decode_html(page(CP1258_BYTES, b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'))
    assert enc == "cp1258"
    assert TEXT in text
    assert unicodedata.is_normalized("NFC", text)


def test_windows_1258_undeclared_detected():
    text, enc = decode_html(page(CP1258_BYTES))
    assert enc == "cp1258"
    assert TEXT in text


def test_utf8_declared_but_invalid_is_a_lie():
    text, enc = decode_html(page(CP1258_BYTES, b'<meta charset="utf-8">'), http_charset="utf-8")
    assert enc == "cp1258"
    assert TEXT in text


def test_latin1_declared_but_utf8_vietnamese():
    raw = page(TEXT.encode("utf-8"), b'<meta charset="iso-8859-1">')
    text, enc = decode_html(raw, http_charset="ISO-8859-1")
    assert enc == "utf-8"
    assert TEXT in text


def test_http_charset_beats_meta():
    raw = page(TEXT.encode("utf-8"), b'<meta charset="windows-1258">')
    assert decode_html(raw, http_charset="utf-8") == (decode_html(raw)[0], "utf-8")


def test_real_latin1_stays_cp1252():
    text, enc = decode_html(page("Café crème".encode("cp1252"), b'<meta charset="iso-8859-1">'))
    assert enc == "cp1252"
    assert "Café crème" in text


def test_nfd_utf8_becomes_nfc():
    raw = page(unicodedata.normalize("NFD", TEXT).encode("utf-8"))
    text, enc = decode_html(raw)
    assert enc == "utf-8"
    assert TEXT in text


def test_boms():
    assert decode_html(codecs.BOM_UTF8 + TEXT.encode("utf-8"), "windows-1252") == (TEXT, "utf-8")
    assert decode_html(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")) == (TEXT, "utf-16-le")


def test_unknown_charset_label_ignored():
    assert decode_html(TEXT.encode("utf-8"), "x-bogus-charset") == (TEXT, "utf-8")


def test_str_input_passthrough():
    assert decode_html(unicodedata.normalize("NFD", TEXT)) == (TEXT, "utf-8")
