"""Tests for archive.text: NFC, NBSP folding, paragraphs, content hash."""

import hashlib
import unicodedata

from archive.record import content_hash
from archive.text import normalize_body, normalize_paragraphs, normalize_text


def test_nfd_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Liên đoàn Lao động")
    assert nfd != "Liên đoàn Lao động"
    assert normalize_text(nfd) == "Liên đoàn Lao động"


def test_unicode_spaces_and_zero_width():
    s = "\u00a0 Công\u00a0đoàn\u2009cơ\u200b sở\u202f\ttỉnh\n\nKiên\ufeffGiang \u3000"
    assert normalize_text(s) == "Công đoàn cơ sở tỉnh KiênGiang"


def test_keeps_punctuation_and_typos():
    s = "“Cán bộ là gốc” – nhà nươc… l.482 • ok"
    assert normalize_text(s) == s


def test_none_and_empty():
    assert normalize_text(None) == ""
    assert normalize_text(" \u00a0 ") == ""


def test_normalize_paragraphs_drops_empties():
    assert normalize_paragraphs([" Đoạn  một ", "", "\u00a0", None, "Đoạn hai"]) == "Đoạn một\n\nĐoạn hai"


def test_normalize_body_keeps_breaks():
    assert normalize_body("Một\u00a0 hai\n \nBa\n\n\nBốn") == "Một hai\n\nBa\n\nBốn"


def test_content_hash_is_sha256_of_normalised_fields():
    expected = hashlib.sha256("Tiêu đề\nSapo\nĐoạn 1\n\nĐoạn 2".encode()).hexdigest()
    assert content_hash("Tiêu\u00a0đề", " Sapo", "Đoạn 1\n\n\nĐoạn  2") == expected
    nfd_title = unicodedata.normalize("NFD", "Tiêu đề")
    assert content_hash(nfd_title, "Sapo", "Đoạn 1\n\nĐoạn 2") == expected
    assert content_hash("Tiêu đề", "Sapo", "Đoạn 1\n\nĐoạn 3") != expected
