"""Whoosh's private structures are still what ``indexer.engines.whoosh_internals`` reads.

That module is the only code touching them (the numpy query path needs Whoosh's raw block
layout and column bytes). These tests fail loudly when the installed whoosh3 is not the one
pinned in pyproject.toml, when a private name it uses is gone, or when its readers disagree
with Whoosh's public API (``postings``, ``doc_field_length``, ``column_reader``) on a real
multi-block, multi-segment index with deletions. ``tests/test_hot_postings.py`` checks the
hot arrays against these readers, and that Whoosh removes them with a retired segment.
"""
from __future__ import annotations

import re
from importlib.metadata import version
from itertools import accumulate
from pathlib import Path

import numpy as np
import pytest
import whoosh
from whoosh import index as whoosh_index
from whoosh.util.times import datetime_to_long

from indexer.engines import parse_published, whoosh_internals
from indexer.engines.tantivy import TantivyEngine
from indexer.engines.whoosh import FIELDS, INDEX_NAME, WhooshEngine
from indexer.engines.whoosh_postings import read_term

ROOT = Path(__file__).resolve().parent.parent
CHANGED = ("Whoosh's private structures may have changed: read indexer/engines/whoosh_internals.py "
           "against the new whoosh3 source, fix it, then move WRITTEN_FOR and the pin in pyproject.toml")
MISSING = -1
ARTICLES = 300  # a word in every article spans several posting blocks (128 postings each)


def _segmentation(title: list[str], body: list[str]) -> dict:
    def field(words):
        starts = list(accumulate((len(w) + 1 for w in words[:-1]), initial=0)) if words else []
        return {"w": " ".join(words), "o": [o for s, w in zip(starts, words) for o in (s, s + len(w))]}
    return {"title": field(title), "summary": field([]), "body": field(body)}


def _article(n: int) -> tuple[dict, dict]:
    title = ["tin", "công_đoàn", f"số_{n % 5}"]
    body = ["người_lao_động", "công_đoàn"] * (1 + n % 4) + [f"từ_{n % 13}", "công_đoàn"] + ["cơ_sở"] * (n % 3)
    published = f"2021-{1 + n % 12:02d}-{1 + n % 28:02d}" if n % 7 else ""
    article = {"id": n, "url": f"https://laodongthudo.vn/{n}.html", "title": " ".join(title).replace("_", " "),
               "summary": "", "body": " ".join(body).replace("_", " "), "site": "laodongthudo",
               "province": "Hà Nội", "tags": [], "published_at": published}
    return article, _segmentation(title, body)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Two segments of the production schema, the first with deletions."""
    engine = WhooshEngine(tmp_path_factory.mktemp("whoosh-internals") / "index")
    engine.create()
    writer = engine.writer()
    for n in range(ARTICLES):
        writer.upsert(*_article(n))
    writer.commit()
    writer = engine.writer()
    for n in range(ARTICLES, ARTICLES + 20):
        writer.upsert(*_article(n))
    for n in range(0, ARTICLES, 10):
        writer.delete(n)
    writer.commit()
    with whoosh_index.open_dir(str(engine.path), indexname=INDEX_NAME).reader() as reader:
        yield engine, reader


def _leaves(reader):
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    assert len(leaves) >= 2 and any(leaf.has_deletions() for leaf in leaves)
    return leaves


def test_the_installed_whoosh3_is_the_one_the_internals_were_written_for():
    pinned = re.search(r'"whoosh3==([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned, "pyproject.toml must pin whoosh3 exactly (\"whoosh3==X.Y.Z\"): " + CHANGED
    installed = version("whoosh3")
    assert installed == pinned.group(1) == whoosh_internals.WRITTEN_FOR, (
        f"whoosh3 installed {installed}, pinned {pinned.group(1)}, internals written for "
        f"{whoosh_internals.WRITTEN_FOR}. {CHANGED}")
    assert whoosh.versionstring() == installed


def test_the_private_names_it_uses_still_exist():
    assert whoosh_internals.missing_internals() == [], CHANGED


def test_postings_and_positions_equal_the_public_api(index):
    _, reader = index
    checked = several_blocks = 0
    for leaf in _leaves(reader):
        for field in FIELDS:
            posting_format = leaf.schema[field].format
            boost = posting_format.field_boost
            for term_bytes in leaf.lexicon(field):
                term = term_bytes.decode("utf-8")
                raw = whoosh_internals.term_matcher(leaf, field, term, posting_format)
                blocks = whoosh_internals.read_blocks(raw, with_values=True)
                assert blocks is not None, f"the block layout is no longer recognised ({field}:{term}). {CHANGED}"
                ids, freqs, values = blocks
                several_blocks += len(ids) > 1
                public = leaf.postings(field, term)
                expected_ids, expected_weights, expected_positions = [], [], []
                while public.is_active():
                    expected_ids.append(public.id())
                    expected_weights.append(public.weight())
                    expected_positions.append(public.value_as("positions"))
                    public.next()
                # the raw postings keep deleted documents (masked at search time); the public
                # matcher skips them
                live = [not leaf.is_deleted(docnum) for docnum in np.concatenate(ids).tolist()]
                message = f"{field}:{term} differs from Whoosh's public matcher. {CHANGED}"
                assert np.concatenate(ids)[live].tolist() == expected_ids, message
                np.testing.assert_allclose(np.concatenate(freqs)[live], expected_weights, err_msg=message)
                positions = [list(accumulate(deltas)) for deltas in whoosh_internals.position_deltas(values)]
                assert [p for p, keep in zip(positions, live) if keep] == expected_positions, message

                # and through the postings reader: occurrence counts (the boost undone), positions
                postings = read_term(leaf, field, term, with_values=True)
                assert postings.ids.tolist() == np.concatenate(ids).tolist(), message
                assert postings.freqs[live].tolist() == [len(p) for p in expected_positions], message
                assert postings.freqs[live].tolist() == [round(w / boost) for w in expected_weights], message
                live_ids = postings.ids[live]
                docs, flat = postings.positions(live_ids)
                assert docs.tolist() == [d for d, p in zip(expected_ids, expected_positions) for _ in p], message
                assert flat.tolist() == [q for p in expected_positions for q in p], message
                checked += 1
    assert checked > 20 and several_blocks >= 2, (checked, several_blocks)


def test_field_lengths_equal_the_public_api(index):
    _, reader = index
    for leaf in _leaves(reader):
        size = leaf.doc_count_all()
        for field in FIELDS:
            expected = [leaf.doc_field_length(docnum, field) or 0 for docnum in range(size)]
            got = whoosh_internals.field_lengths(leaf, field, size)
            assert got.tolist() == expected, f"{field} lengths differ from doc_field_length. {CHANGED}"
            assert max(expected) > 0
        assert whoosh_internals.field_lengths(leaf, "no_such_field", size).tolist() == [0] * size


def test_the_date_column_equals_the_public_api(index):
    _, reader = index
    for leaf in _leaves(reader):
        size = leaf.doc_count_all()
        column = leaf.column_reader("published_at", translate=False)
        assert whoosh_internals.numeric_column_in_one_go(column), \
            f"the date column would be read value by value. {CHANGED}"
        got = whoosh_internals.numeric_column(column, size, MISSING).tolist()
        publics = list(leaf.column_reader("published_at", translate=False))
        expected = []
        for docnum in range(size):
            published = parse_published(_article(int(leaf.stored_fields(docnum)["aid"]))[0]["published_at"])
            expected.append(datetime_to_long(published) if published else MISSING)
            if published:
                assert publics[docnum] == expected[-1]
        assert got == expected, f"the published_at column differs from column_reader. {CHANGED}"
        assert MISSING in got and len(set(got)) > 2


def test_the_table_of_contents_is_found_by_name(index, tmp_path):
    engine, _ = index
    assert engine.exists() and whoosh_internals.has_toc([p.name for p in engine.path.iterdir()], INDEX_NAME)
    assert not WhooshEngine(tmp_path / "nothing").exists()
    other = TantivyEngine(tmp_path / "tantivy")
    other.create()
    assert not WhooshEngine(other.path).exists()
