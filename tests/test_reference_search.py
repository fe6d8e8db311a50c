"""The search contract's reference (tests/reference_search.py) on every example of the contract.

These pin the contract down before any engine is compared with it: the engines' own tests
check their total and ids against ``reference_ids`` on generated articles and queries.
"""
from __future__ import annotations

import unicodedata

import pytest

from tests.reference_search import reference_ids

ARTICLES = [
    {"id": 1, "title": "Công nhân khu công nghiệp hiến máu", "summary": "",
     "body": "Liên đoàn Lao động tỉnh tổ chức hiến máu. Dịch Covid-19 ảnh hưởng đến việc làm."},
    {"id": 2, "title": "Công đoàn được công nhận", "summary": "LĐLĐ tỉnh khen thưởng",
     "body": "Lương tối thiểu vùng tăng từ ngày 1/7. Cách mạng công nghiệp 4.0."},
    {"id": 3, "title": "Hoà giải tranh chấp lao động", "summary": "Thuý, công nhân may",
     "body": "Người lao động nhận thưởng Tết. Lượng đơn hàng giảm."},
    {"id": 4, "title": "Hòa bình và công đoàn", "summary": "",
     "body": "Chị Thúy là đoàn viên công đoàn cơ sở. Máy bay quốc tế Daniel hạ cánh."},
]


@pytest.mark.parametrize(("query", "expected"), [
    ("công đoàn", {1, 2, 4}),                    # syllables ANDed, any order, any field (1: Liên đoàn)
    ("công đoàn hiến máu", {1}),                 # every term must occur (not any one of them)
    ("công hiến máu", {1}),
    ("công đoàn xyzzy", set()),                 # an unknown word is not dropped
    ("công nhân", {1, 3}),                      # typed marks match only that syllable
    ("cong nhan", {1, 2, 3}),                   # plain ASCII matches every fold (nhận too)
    ("công nhận", {2, 3}),                      # 3: "công nhân" and "nhận thưởng"
    ('"công nhận"', {2}),
    ("lương tối thiểu", {2}),                   # not lượng
    ("luong", {2, 3}),
    ("hoà", {3, 4}), ("hòa", {3, 4}),           # tone placement normalised
    ("thuý", {3, 4}), ("thúy", {3, 4}),
    ("covid", {1}), ("Covid 19", {1}), ("covid-19", {1}), ('"covid 19"', {1}),
    ("4.0", {2}), ('"4 0"', {2}), ("0", {2}),
    ('"bay quốc tế Daniel"', {4}),              # a fragment that starts inside a word
    ("bay quốc tế Daniel", {4}),
    ('"quốc bay"', set()),                      # a phrase is consecutive syllables
    ('"tranh chấp lao"', {3}),
    ('"tỉnh tổ"', {1}),                         # punctuation and case between are ignored
    ('"máu dịch"', {1}),
    ('"hiến máu liên"', set()),                 # ...but never across fields
    ("lương OR thưởng tết", {3}),               # (lương OR thưởng) AND tết
    ("lương OR thưởng", {2, 3}),
    ("công -đoàn", {3}),
    ("công NOT đoàn", {3}),
    ("(hiến OR tết) công", {1, 3}),
    ("công -(hiến máu)", {2, 3, 4}),
    ("LĐLĐ", {1, 2}),                           # abbreviation ≡ its expansion as a phrase
    ("liên đoàn lao động", {1, 2}),              # and the other way round
    ('"liên đoàn lao động"', {1, 2}),
    ("ldld", {1, 2}),
    ("NLĐ", {3}),                               # "người lao động"
    ("CĐCS", {4}),
    ("KCN hiến", {1}),
    (unicodedata.normalize("NFD", "Công đoàn"), {1, 2, 4}),   # decomposed input
    ("CÔNG ĐOÀN", {1, 2, 4}),
    ('"công đoàn"', {2, 4}),
])
def test_contract_examples(query, expected):
    assert reference_ids(query, ARTICLES) == expected


@pytest.mark.parametrize("query", ["OR OR", "-", '""', "-công", "NOT", "()", "AND", "-(công)", "...", "   "])
def test_queries_with_nothing_to_search_for(query):
    assert reference_ids(query, ARTICLES) is None
