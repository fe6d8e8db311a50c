"""Hot postings: the numpy arrays beside each Whoosh segment equal Whoosh's own postings,
are rewritten for new segments, vanish with retired ones, and are never required."""
from __future__ import annotations

import numpy as np
import pytest
from whoosh import index as whoosh_index

from indexer.build import update_index
from indexer.engines import whoosh_hot_postings as hot_postings
from indexer.engines.whoosh import INDEX_NAME
from indexer.engines.whoosh_postings import read_term
from indexer.search import SearchRequest, search
from indexer.text import fold
from tests.test_search import ARTICLES, index_articles, make_record


@pytest.fixture
def all_hot(monkeypatch):
    monkeypatch.setattr(hot_postings, "HOT_MIN_DOCS", 1)
    monkeypatch.setattr(hot_postings, "HOT_FRACTION", 0.0)


@pytest.fixture
def indexed(home, store, all_hot):
    return index_articles(home, store)


def _leaves(home):
    ix = whoosh_index.open_dir(str(home.index_dir), indexname=INDEX_NAME)
    return ix.reader().leaf_readers()


def test_hot_arrays_equal_whoosh_postings_and_positions(indexed):
    checked = 0
    for leaf, _ in _leaves(indexed):
        segment_id = leaf.segment().segment_id()
        for field in hot_postings.FIELDS:
            hot = hot_postings.load(indexed.index_dir, segment_id, field)
            assert hot is not None
            lexicon = {}
            for term_bytes in leaf.lexicon(field):
                lexicon.setdefault(fold(term_bytes.decode()), []).append(term_bytes.decode())
            assert hot.variants == lexicon  # the stored vocabulary spares reading the lexicon
            for term_bytes, _ in leaf.iter_field(field):
                term = term_bytes.decode()
                assert term in hot
                whoosh = read_term(leaf, field, term, with_values=True)
                ids, freqs = hot.postings(term)
                assert ids.tolist() == whoosh.ids.tolist()
                assert freqs.tolist() == whoosh.freqs.tolist()
                if not leaf.schema[field].format.supports("positions"):
                    checked += 1
                    continue  # the words field ranks by frequency only
                wanted = ids[::2]  # a subset, as a phrase asks for its candidates only
                for got, expected in zip(hot.positions(term, wanted), whoosh.positions(wanted)):
                    np.testing.assert_array_equal(got, expected)
                checked += 1
    assert checked > 50


def test_a_small_segment_table_is_complete(home, store):
    """Every term of a small segment is hot, so a syllable it lacks needs no Whoosh lookup."""
    from indexer.engines.whoosh_postings import segment_columns

    index_articles(home, store)
    for leaf, _ in _leaves(home):
        assert leaf.doc_count_all() <= hot_postings.ALL_TERMS_MAX_DOCS
        for field in hot_postings.FIELDS:
            hot = hot_postings.load(home.index_dir, leaf.segment().segment_id(), field)
            assert hot.complete
            assert all(term.decode() in hot for term, _ in leaf.iter_field(field))
    for leaf, _ in _leaves(home):
        columns = segment_columns(str(home.index_dir), leaf)
        assert len(columns.term(leaf, "text", "công").ids)
        assert len(columns.term(leaf, "words", "cong_doan").ids)
        leaf.__class__ = type("NoLookups", (leaf.__class__,), {"__contains__": lambda *_: pytest.fail("looked up")})
        assert not len(columns.term(leaf, "text", "xyzzy").ids)

    # a small segment's table from before every term was kept is written again
    assert hot_postings.missing(home.index_dir, _leaves(home)) == []
    table = next(home.index_dir.glob("*.hot_text.json"))
    table.write_text('{"threshold": 256, "terms": {}}', encoding="utf-8")
    assert [field for _, field in hot_postings.missing(home.index_dir, _leaves(home))] == ["text"]


def test_a_missing_or_broken_table_falls_back_to_whoosh_blocks(indexed):
    expected = [(h.url, h.score) for h in search(indexed, SearchRequest(query='"công đoàn cơ sở" lao động')).hits]
    for table in indexed.index_dir.glob("*.hot_text.json"):
        table.write_text("{not json", encoding="utf-8")  # as if the disk garbled it
    for table in indexed.index_dir.glob("*.hot_title.json"):
        table.unlink()  # as if the writer was killed before the table
    got = [(h.url, h.score) for h in search(indexed, SearchRequest(query='"công đoàn cơ sở" lao động')).hits]
    assert got == expected


def test_new_segments_get_arrays_and_retired_ones_lose_theirs(indexed, store):
    before = {p.name for p in indexed.index_dir.glob("*.hot_*")}
    for n in range(3):
        store.upsert_article(make_record(f"https://laodongthudo.vn/n-{n}.html", "laodongthudo", "Hà Nội",
                                         "2023-01-02", f"Công đoàn mới {n}", "", "Người lao động vui."))
    update_index(home=indexed, progress=False, processes=1)
    segments = {leaf.segment().segment_id() for leaf, _ in _leaves(indexed)}
    names = {p.name for p in indexed.index_dir.glob("*.hot_*")}
    assert {name.split(".")[0] for name in names} == segments
    for segment_id in segments:
        for field in hot_postings.FIELDS:
            assert hot_postings.load(indexed.index_dir, segment_id, field) is not None
    assert not any(name.endswith(".tmp") for name in names)
    assert names != before
    hits = search(indexed, SearchRequest(query="người lao động vui")).hits
    assert hits[0].url.endswith("/n-0.html") or hits[0].url.split("/")[-1].startswith("n-")


def test_parallel_writers_and_plain_segment_files(home, store, all_hot, monkeypatch):
    """Large runs write hot postings in spawned processes; segments are never compound
    (whoosh3 copies a compound file into memory on every open)."""
    from indexer.engines import whoosh as whoosh_engine

    monkeypatch.setattr(whoosh_engine, "PARALLEL_HOT_DOCS", 0)
    for row in ARTICLES:
        store.upsert_article(make_record(*row))
    update_index(home, progress=False, processes=2)
    assert not list(home.index_dir.glob("*.seg"))
    for leaf, _ in _leaves(home):
        for field in hot_postings.FIELDS:
            assert hot_postings.load(home.index_dir, leaf.segment().segment_id(), field) is not None
    assert search(home, SearchRequest(query="người lao động")).total >= 2
