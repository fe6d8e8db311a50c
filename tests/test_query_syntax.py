"""indexer.syntax parses queries into the contract's meaning (tests/reference_search.py).

The real tree is evaluated here by a scan of the texts, so a difference is the parser's, not
an engine's; the engines are compared with the reference in their own tests.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from indexer.syllables import fold_syllable, iter_syllables, syllable_key
from indexer.syntax import All, Either, Not, Phrase, QueryError, Syllable, parse
from tests import reference_search as reference
from tests.test_reference_search import ARTICLES

FIELDS = ("title", "summary", "body")


def _field_syllables(article):
    return [[s for s, _, _ in iter_syllables(article.get(name) or "")] for name in FIELDS]


def _same(typed: Syllable, written: str) -> bool:
    return typed.key == syllable_key(written) if typed.exact else typed.folded == fold_syllable(written)


def _matches(node, fields) -> bool:
    if isinstance(node, All):
        return all(_matches(child, fields) for child in node.children)
    if isinstance(node, Either):
        return any(_matches(child, fields) for child in node.children)
    if isinstance(node, Not):
        return not _matches(node.child, fields)
    sequence = node.syllables if isinstance(node, Phrase) else (node,)
    n = len(sequence)
    return any(all(map(_same, sequence, words[i:i + n])) for words in fields for i in range(len(words) - n + 1))


def scan(query: str, articles) -> set[int] | None:
    try:
        parsed = parse(query)
    except QueryError:
        return None
    return {a["id"] for a in articles if _matches(parsed.root, _field_syllables(a))}


WORDS = ["công", "cong", "đoàn", "doan", "hiến", "máu", "nhân", "nhận", "nhan", "LĐLĐ", "ldld", "liên", "lao",
         "động", "dong", "người", "NLĐ", "tết", "thưởng", "lương", "hoà", "hòa", "Covid-19", "4.0", "xyzzy",
         "KCN", "khu", "công", "nghiệp", "CĐCS", "cơ", "sở", "tỉnh", "Thuý"]
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(lambda w: "-" + w),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(["OR", "NOT", "AND", "(", ")", "-(", '"', "-", "||"]),
)
QUERIES = st.lists(TOKENS, min_size=1, max_size=8).map(" ".join)


TEXTS = st.lists(st.sampled_from(WORDS + [",", ".", "Liên đoàn Lao động", "người lao động"]), max_size=12).map(" ".join)
GENERATED = st.lists(st.tuples(TEXTS, TEXTS, TEXTS), min_size=1, max_size=5).map(
    lambda fields: [{"id": 100 + i, "title": t, "summary": s, "body": b} for i, (t, s, b) in enumerate(fields)])


@given(QUERIES, GENERATED)
@settings(max_examples=400, deadline=None)
def test_parser_means_what_the_reference_means(query, articles):
    assert scan(query, articles + ARTICLES) == reference.reference_ids(query, articles + ARTICLES)


@pytest.mark.parametrize("query", ["công đoàn hiến máu", "lương OR thưởng tết", '"liên đoàn lao động" -KCN',
                                   "(hiến OR tết) công", "NLĐ", "cong nhan", "hoà", "Covid 19", "4.0"])
def test_contract_examples_parse_to_the_references_set(query):
    assert scan(query, ARTICLES) == reference.reference_ids(query, ARTICLES)


@pytest.mark.parametrize(("query", "message"), [
    ("OR OR", "không có chữ nào"), ("-", "không có chữ nào"), ('""', "không có chữ nào"),
    ("-công", "chỉ loại trừ"), ("x" * 1001, "quá dài"),
])
def test_nothing_to_search_is_a_clear_vietnamese_error(query, message):
    with pytest.raises(QueryError) as raised:
        parse(query)
    assert message in raised.value.vietnamese and str(raised.value)


def test_terms_name_what_the_user_typed():
    parsed = parse('công đoàn xyzzy "hiến máu" -(a b) lương OR thưởng')
    assert [term.label for term in parsed.terms] == ["công", "đoàn", "xyzzy", '"hiến máu"', "-(a b)", "lương OR thưởng"]
    assert [[s.text for s in run] for run in parsed.runs] == [["công", "đoàn", "xyzzy"]]
