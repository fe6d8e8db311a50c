"""Per-site parsers (Fundus style): stored HTML + expected JSON for every registered site.

A site in the registry without at least three fixture pairs fails here, so a new site
arrives with its tests: ``tests/fixtures/sites/<slug>/<name>.html`` plus ``<name>.json``
(the expected record; ``_http_charset`` says what the server declared, when it matters).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.record import RECORD_KEYS
from archive.registry import builtin_sites
from crawler.extract import extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
SITES = builtin_sites()
# Everything the page decides: not when it was fetched, nor the hash derived from the rest.
COMPARED_FIELDS = tuple(key for key in RECORD_KEYS if key not in ("fetched_at", "content_hash"))
MIN_FIXTURES_PER_SITE = 3


def fixture_pairs(slug: str) -> list[Path]:
    return sorted((FIXTURES / slug).glob("*.html"))


def all_fixture_cases():
    for slug in SITES:
        for html_path in fixture_pairs(slug):
            yield pytest.param(slug, html_path, id=f"{slug}/{html_path.stem}")


def test_registry_has_the_five_federation_sites():
    assert {"congdoankiengiang", "tuoitrekiengiang", "congdoanquangninh", "laodongthudo",
            "congdoannghean"} <= set(SITES)


@pytest.mark.parametrize("slug", sorted(SITES))
def test_every_site_has_fixtures(slug):
    pairs = fixture_pairs(slug)
    assert len(pairs) >= MIN_FIXTURES_PER_SITE, f"{slug}: {len(pairs)} fixture pages, want {MIN_FIXTURES_PER_SITE}"
    for html_path in pairs:
        assert html_path.with_suffix(".json").exists(), f"{html_path} has no expected JSON"


@pytest.mark.parametrize("slug,html_path", list(all_fixture_cases()))
def test_site_parser_matches_expected_record(slug, html_path):
    expected = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    extraction = extract_article(html_path.read_bytes(), expected["url"], site=SITES[slug],
                                 http_charset=expected.get("_http_charset"))
    record = extraction.record
    mismatches = {name: (record.get(name), expected.get(name)) for name in COMPARED_FIELDS
                  if record.get(name) != expected.get(name)}
    assert not mismatches, json.dumps(mismatches, ensure_ascii=False, indent=1)
    # the site's own selectors, not the generic fallback, must carry the core fields
    for name in ("title", "published_at", "body"):
        assert extraction.field_sources.get(name) == "site", f"{name} came from {extraction.field_sources.get(name)}"
