"""Republished copies: the threshold measured on the replica content, linking in the store, the command."""
from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner

from archive.record import content_hash
from unionnews import dedup
from unionnews.cli import cli
from unionnews.replica.content import load_all

# Both sides of the threshold keep at least this distance (MinHash standard error ≤ 0.045).
MARGIN = 0.2
REPLICA = load_all()


def replica_article(slug: str, article_id: str):
    return REPLICA[slug].article(article_id)


def record(url: str, site: str, body: str, *, title="Tin công đoàn", summary="", published_at="2024-06-14T09:30:00+07:00",
           source=None) -> dict:
    return {"url": url, "site": site, "province": "Quảng Ninh", "title": title, "summary": summary,
            "published_at": published_at, "updated_at": None, "author": None, "source": source, "tags": [],
            "category": None, "images": [], "body": body, "fetched_at": "2024-06-15T00:00:00Z",
            "content_hash": content_hash(title, summary, body)}


def add(store, record_: dict) -> int:
    store.upsert_article(record_)
    return store.get_article(record_["url"])["id"]


QUANGNINH = replica_article("congdoanquangninh", "8123")
NGHEAN = replica_article("congdoannghean", "3065")
ORIGINAL_BODY = "\n\n".join(QUANGNINH.body)
# The copy rewrites its lead paragraph, as republishing sites do ("(KGO) - ...", "Theo ...").
CHANGED_LEAD_BODY = "\n\n".join([
    "Theo báo cáo tại hội nghị, sau 3 năm các cấp công đoàn Quảng Ninh đã đưa Nghị quyết vào cuộc sống "
    "bằng nhiều chương trình cụ thể, gắn với đặc thù của ngành than, cảng biển và du lịch của tỉnh.",
    *QUANGNINH.body[1:],
])


# -- the threshold, measured on the replica web's content -------------------------------------

def replica_pairs():
    articles = [(slug, article) for slug, site in REPLICA.items() for article in site.articles]
    signatures = {(slug, a.id): dedup.signature(dedup.shingles("\n\n".join(a.body))) for slug, a in articles}
    for (slug_a, a), (slug_b, b) in itertools.combinations(articles, 2):
        republished = a.republished_of == f"{slug_b}:{b.id}" or b.republished_of == f"{slug_a}:{a.id}"
        estimate = dedup.similarity(signatures[slug_a, a.id], signatures[slug_b, b.id])
        yield (slug_a, a.id), (slug_b, b.id), republished, estimate


def test_threshold_separates_every_pair_of_the_replica_content_with_margin():
    if not {"tuoitrekiengiang", "congdoankiengiang"} <= set(REPLICA):
        pytest.skip("the replica's Kiên Giang content (the republished pair) is not there")
    pairs = list(replica_pairs())
    copies = [pair for pair in pairs if pair[2]]
    distinct = [pair for pair in pairs if not pair[2]]
    assert copies, "the replica content names no republished pair"
    assert min(estimate for *_, estimate in copies) >= dedup.THRESHOLD + MARGIN
    closest = max(distinct, key=lambda pair: pair[3])
    assert closest[3] <= dedup.THRESHOLD - MARGIN, closest
    # the values documented in unionnews/dedup.py
    by_pair = {frozenset((a, b)): estimate for a, b, _, estimate in pairs}
    assert by_pair[frozenset({("tuoitrekiengiang", "9241"), ("congdoankiengiang", "1687")})] == 1.0
    assert by_pair[frozenset({("congdoanquangninh", "8123"), ("congdoannghean", "3065")})] < 0.1


def test_replica_truth_records_link_exactly_the_republished_pairs(store):
    """The records a correct crawl of the replica stores: only the declared copies get linked."""
    from unionnews.replica.truth import expected_records, site_modules

    records = expected_records()
    for record_ in records.values():
        store.upsert_article({**record_, "fetched_at": "2024-01-01T00:00:00Z"})
    expected = {}
    for slug, module in site_modules().items():
        for article in module.content.articles:
            if article.republished_of and module.article_url(article) in records:
                original_slug, original_id = article.republished_of.split(":")
                original_module = site_modules()[original_slug]
                original_url = original_module.article_url(original_module.content.article(original_id))
                expected[module.article_url(article)] = store.get_article(original_url)["id"]
    if not expected:
        pytest.skip("the replica content names no republished pair")
    dedup.link_duplicates(store)
    linked = {article["url"]: article["duplicate_of"] for article in store.iter_articles() if article["duplicate_of"]}
    assert linked == expected


def test_named_near_miss_shares_structure_but_not_text():
    exact = len(dedup.shingles(ORIGINAL_BODY) & dedup.shingles("\n\n".join(NGHEAN.body))) / len(
        dedup.shingles(ORIGINAL_BODY) | dedup.shingles("\n\n".join(NGHEAN.body)))
    assert exact < 0.05


def test_normalisation_ignores_case_punctuation_unicode_form_and_tone_placement():
    import unicodedata

    text = "Hoà bình, THUỶ lợi: “công đoàn” – 2024!"
    variant = unicodedata.normalize("NFD", "hòa bình thủy lợi công đoàn 2024")
    assert dedup.syllables(text) == dedup.syllables(variant) == ["hòa", "bình", "thủy", "lợi", "công", "đoàn", "2024"]
    # closed syllables and "qu" keep their tone where both styles put it
    assert dedup.syllables("Đoàn, hoàng, huỳnh, quý") == ["đoàn", "hoàng", "huỳnh", "quý"]
    assert dedup.shingles("một hai ba") == {"một hai ba"}  # shorter than a shingle: one shingle


def test_changed_lead_stays_above_and_near_miss_below_the_threshold():
    original = dedup.signature(dedup.shingles(ORIGINAL_BODY))
    changed = dedup.signature(dedup.shingles(CHANGED_LEAD_BODY))
    near_miss = dedup.signature(dedup.shingles("\n\n".join(NGHEAN.body)))
    assert dedup.similarity(original, changed) >= dedup.THRESHOLD + MARGIN / 2
    assert dedup.similarity(original, near_miss) <= dedup.THRESHOLD - MARGIN


# -- linking in the store ----------------------------------------------------------------------

def test_exact_copy_links_to_the_original_that_names_no_source(store):
    original = add(store, record("https://congdoanquangninh.org.vn/2024/06/14/so-ket/", "congdoanquangninh",
                                 ORIGINAL_BODY, published_at="2024-06-14T15:00:00+07:00"))
    # published earlier the same day, but it names where it comes from: the copy
    copy = add(store, record("https://tuoitrekiengiang.vn/news.php?id=1", "tuoitrekiengiang", ORIGINAL_BODY,
                             title="SƠ KẾT NGHỊ QUYẾT 02", published_at="2024-06-14T09:00:00+07:00",
                             source="Nguồn: congdoanquangninh.org.vn"))
    result = dedup.link_duplicates(store)
    assert store.get_article(copy)["duplicate_of"] == original
    assert store.get_article(original)["duplicate_of"] is None
    assert [(g.original_id, g.copy_ids, g.similarity[copy]) for g in result.groups] == [(original, [copy], 1.0)]
    assert store.count_articles() == 2  # the copy is kept


def test_near_copy_with_changed_lead_links_to_the_earliest_and_near_miss_stays_apart(store):
    copy = add(store, record("https://congdoannghean.vn/tin-tuc/so-ket-1.html", "congdoannghean", CHANGED_LEAD_BODY,
                             summary="Một lead khác hẳn.", published_at="2024-06-16"))
    original = add(store, record("https://congdoanquangninh.org.vn/2024/06/14/so-ket/", "congdoanquangninh",
                                 ORIGINAL_BODY, published_at="2024-06-14T09:30:00+07:00"))
    near_miss = add(store, record("https://congdoannghean.vn/tin-tuc/so-ket-3065.html", "congdoannghean",
                                  "\n\n".join(NGHEAN.body), published_at="2024-06-13T10:25:00+07:00"))
    dedup.link_duplicates(store)
    assert store.get_article(copy)["duplicate_of"] == original
    assert store.get_article(original)["duplicate_of"] is None
    assert store.get_article(near_miss)["duplicate_of"] is None


def test_incremental_pass_links_new_articles_and_unlinks_changed_ones(store):
    original = add(store, record("https://a.vn/1", "congdoanquangninh", ORIGINAL_BODY))
    assert dedup.link_duplicates(store).groups == []
    copy_record = record("https://b.vn/1", "congdoannghean", ORIGINAL_BODY, published_at="2024-06-15")
    copy = add(store, copy_record)
    result = dedup.link_duplicates(store, [copy])
    assert result.signatures_computed == 1  # only the new article was hashed
    assert store.get_article(copy)["duplicate_of"] == original
    # the copy is corrected into another text: its link goes
    changed_body = "\n\n".join(NGHEAN.body)
    store.upsert_article({**copy_record, "body": changed_body,
                          "content_hash": content_hash(copy_record["title"], "", changed_body)})
    result = dedup.link_duplicates(store, [copy])
    assert store.get_article(copy)["duplicate_of"] is None
    assert result.links_changed == 1 and result.groups == []
    # a second pass changes nothing (no spurious change-log entries for the indexer)
    assert dedup.link_duplicates(store).links_changed == 0


def test_copies_point_straight_at_the_original_of_a_three_article_group(store):
    first = add(store, record("https://a.vn/1", "congdoanquangninh", ORIGINAL_BODY, published_at="2024-06-14"))
    second = add(store, record("https://b.vn/1", "congdoannghean", CHANGED_LEAD_BODY, published_at="2024-06-15",
                               source="Theo congdoanquangninh"))
    third = add(store, record("https://c.vn/1", "laodongthudo", ORIGINAL_BODY, published_at="2024-06-16"))
    dedup.link_duplicates(store, [third])
    assert [store.get_article(i)["duplicate_of"] for i in (first, second, third)] == [None, first, first]


# -- the command ---------------------------------------------------------------------------------

def test_dedup_command_prints_groups(home, store):
    original = add(store, record("https://a.vn/1", "congdoanquangninh", ORIGINAL_BODY, title="Bản gốc"))
    add(store, record("https://b.vn/1", "tuoitrekiengiang", ORIGINAL_BODY, title="Bản đăng lại",
                      published_at="2024-06-20", source="Nguồn: a.vn"))
    for arguments in (["dedup"], ["dedup", "--rebuild"]):
        result = CliRunner().invoke(cli, ["--home", str(home.root), *arguments])
        assert result.exit_code == 0, result.output
        assert f"original #{original} congdoanquangninh" in result.output
        assert "copy   #2 tuoitrekiengiang" in result.output and "Bản đăng lại" in result.output
        assert "1 groups, 1 copies among 2 articles" in result.output
