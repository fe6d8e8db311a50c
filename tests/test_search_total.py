"""Hit totals: exact counts of matching articles, whatever the page size."""
from __future__ import annotations

from indexer.build import update_index
from indexer.search import SearchRequest, search
from tests.test_search import make_record


def _index(home, store, count: int) -> None:
    for n in range(count):
        store.upsert_article(make_record(f"https://laodongthudo.vn/t-{n}.html", "laodongthudo", "Hà Nội",
                                         "2021-05-0{}".format(1 + n % 9), f"Công nhân số {n}", "",
                                         "Công nhân lao động." + (" Quà Tết." if n % 2 else "")))
    update_index(home, progress=False, processes=1)


def test_small_totals_are_exact(home, store):
    _index(home, store, 6)
    result = search(home, SearchRequest(query="quà Tết công nhân", limit=2))
    assert result.total == 3 and result.total_exact  # every syllable must occur; the whole set, not the page
    assert search(home, SearchRequest(query="quà OR công nhân", limit=2)).total == 6
    assert search(home, SearchRequest(query='"quà tết"')).total == 3


def test_totals_count_each_document_once(home, store):
    _index(home, store, 6)
    result = search(home, SearchRequest(query="công nhân", limit=2))
    # title and text both match every article: each still counts once, and exactly
    assert result.total == 6 and result.total_exact
    filtered = search(home, SearchRequest(query="công nhân", sites=("other",)))
    assert filtered.total == 0
