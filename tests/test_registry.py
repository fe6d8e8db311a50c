"""The site registry: validation of entries, the home's own sites, URL ownership."""
from __future__ import annotations

import pytest

from archive.registry import RegistryError, load_registry, reload_registry, site_for_url, site_from_dict

ENTRY = {
    "slug": "congdoanmau",
    "name": "LĐLĐ tỉnh Mẫu",
    "province": "Mẫu",
    "domain": "congdoanmau.vn",
    "aliases": ["www.congdoanmau.vn"],
    "start_urls": ["https://congdoanmau.vn/tin-tuc"],
    "listing": {"article_url_pattern": r"/tin-tuc/[a-z0-9-]+-\d+\.html$"},
    "article": {"title": "h1.title"},
}


def test_valid_entry_and_url_rules():
    site = site_from_dict(ENTRY)
    assert site.owns_url("https://www.congdoanmau.vn/tin-tuc/a-1.html")
    assert site.is_article_url("https://congdoanmau.vn/tin-tuc/hoi-nghi-12.html")
    assert not site.is_article_url("https://congdoanmau.vn/tin-tuc?page=2")


@pytest.mark.parametrize("broken,message", [
    ({"slug": ""}, "missing slug"),
    ({"slug": "Bad Slug"}, "slug 'Bad Slug'"),
    ({"article": {"titel": "h1"}}, "unknown [article] keys: titel"),
    ({"listing": {"article_url_pattern": "(["}}, "not a valid regex"),
])
def test_invalid_entries_say_what_is_wrong(broken, message):
    with pytest.raises(RegistryError, match=message.replace("[", r"\[")):
        site_from_dict({**ENTRY, **broken})


def test_home_sites_extend_the_registry(tmp_path):
    (tmp_path / "congdoanmau.toml").write_text(
        'slug = "congdoanmau"\nname = "LĐLĐ tỉnh Mẫu"\nprovince = "Mẫu"\ndomain = "congdoanmau.vn"\n'
        'start_urls = ["https://congdoanmau.vn/"]\n', encoding="utf-8")
    reload_registry()
    registry = load_registry(tmp_path)
    assert "congdoanmau" in registry
    assert site_for_url("https://congdoanmau.vn/x", tmp_path).slug == "congdoanmau"
    assert site_for_url("https://example.org/x", tmp_path) is None


def test_unreadable_entry_names_its_file(tmp_path):
    (tmp_path / "broken.toml").write_text("slug = [", encoding="utf-8")
    reload_registry()
    with pytest.raises(RegistryError, match="broken.toml"):
        load_registry(tmp_path)
