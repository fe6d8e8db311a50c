"""The site registry: validation of entries, the home's own sites, URL ownership."""
from __future__ import annotations

import logging
import re

import pytest

import archive.registry as registry_module
from archive.registry import (RegistryError, broken_entries, css_problem, get_site, load_registry, reload_registry,
                              site_for_url, site_from_dict)

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
    ({"listing": {"article_url_pattern": "(["}},
     "listing.article_url_pattern: invalid regular expression '([': unterminated character set"),
    ({"listing": {"article_url_pattern": 7}}, "listing.article_url_pattern: must be a regular expression"),
    ({"listing": {"max_pages": "30"}}, "listing.max_pages: must be a whole number"),
    ({"article": {"title": "h3.news-title["}}, "article.title: invalid CSS selector 'h3.news-title[': Expected ident"),
    ({"listing": {"next_page": "a.next::attr(href"}}, "listing.next_page: invalid CSS selector 'a.next::attr(href'"),
    ({"listing": {"article_links": "h2 a::href"}}, "listing.article_links: invalid CSS selector 'h2 a::href': "
                                                   "The pseudo-element ::href is unknown"),
    ({"article": {"published_at": "p:nth-child(x)"}}, "article.published_at: invalid CSS selector 'p:nth-child(x)'"),
    ({"article": {"body_remove": ["figure", "div.ads["]}}, "article.body_remove[1]: invalid CSS selector 'div.ads['"),
    ({"article": {"body_remove": "figure"}}, "article.body_remove: must be a list of CSS selectors"),
    ({"article": {"author": 3}}, "article.author: must be a CSS selector (a string), not 3"),
    # the crawler applies a body selector also without its ::text: that form must parse too
    ({"article": {"body": "div.content > ::text"}}, "article.body: invalid CSS selector 'div.content > ::text': "
                                                     "this field also applies it without '::text'"),
])
def test_invalid_entries_say_what_is_wrong(broken, message):
    with pytest.raises(RegistryError, match=re.escape(message)):
        site_from_dict({**ENTRY, **broken})


def test_valid_selectors_pass_as_parsel_takes_them():
    for css in ("h1.title", "div#a > p:nth-child(2n+1)", "a[rel='category tag']::text", "input[name=x]::attr(value)",
                "ul li:last-child a::text", "p:not(.x)", "meta[property='article:published_time']::attr(content)"):
        assert css_problem(css) is None, css
    site = site_from_dict({**ENTRY, "article": {"title": "", "body_remove": ["", "div.ads"], "source": ""}})
    assert site.article["source"] == ""  # an empty selector means "not set"


def test_invalid_selector_is_what_parsel_refuses():
    from cssselect import SelectorError
    from parsel import Selector

    page = Selector(text="<p>x</p>")
    for css in ("h3.news-title[", "a::attr(href", "p:nth-child(x)", "a::foo", "div >", "p:unknown-pseudo(1)"):
        with pytest.raises((SelectorError, ValueError)):
            page.css(css)
        assert css_problem(css) and css_problem(css).startswith(f"invalid CSS selector {css!r}: ")


BAD_TOML = ('slug = "{slug}"\nname = "n"\nprovince = "p"\ndomain = "{slug}.vn"\nstart_urls = ["https://{slug}.vn/"]\n'
            '[article]\ntitle = "h3.news-title["\n')
GOOD_TOML = 'slug = "{slug}"\nname = "n"\nprovince = "p"\ndomain = "{slug}.vn"\nstart_urls = ["https://{slug}.vn/"]\n'


def test_bad_home_entry_is_reported_in_one_line_and_skipped(tmp_path, caplog):
    (tmp_path / "foo.toml").write_text(BAD_TOML.format(slug="foo"), encoding="utf-8")
    (tmp_path / "good.toml").write_text(GOOD_TOML.format(slug="good"), encoding="utf-8")
    reload_registry()
    with caplog.at_level(logging.ERROR, logger="archive.registry"):
        registry = load_registry(tmp_path)
    assert "good" in registry and "foo" not in registry and "laodongthudo" in registry
    expected = (f"{tmp_path / 'foo.toml'}: article.title: invalid CSS selector 'h3.news-title[': "
                "Expected ident or '*', got <EOF at 14>")
    assert [record.getMessage() for record in caplog.records] == [f"skipped site entry {expected}"]
    assert list(broken_entries(tmp_path)) == ["foo"]
    # a command naming that site fails with the entry's error; other sites still resolve
    with pytest.raises(RegistryError) as raised:
        get_site("foo", tmp_path)
    assert str(raised.value) == expected and raised.value.key == "article.title"
    assert get_site("good", tmp_path).slug == "good"
    assert site_for_url("https://foo.vn/a", tmp_path) is None
    reload_registry()


def test_bad_home_entry_hides_the_builtin_it_overrides(tmp_path):
    (tmp_path / "laodongthudo.toml").write_text(BAD_TOML.format(slug="laodongthudo"), encoding="utf-8")
    reload_registry()
    assert "laodongthudo" not in load_registry(tmp_path)  # no silent fallback to the built-in selectors
    with pytest.raises(RegistryError, match="laodongthudo.toml: article.title: invalid CSS selector"):
        get_site("laodongthudo", tmp_path)
    reload_registry()


def test_bad_builtin_entry_fails_every_load(tmp_path, monkeypatch):
    (tmp_path / "foo.toml").write_text(BAD_TOML.format(slug="foo"), encoding="utf-8")
    monkeypatch.setattr(registry_module, "BUILTIN_SITES_DIR", tmp_path)
    reload_registry()
    with pytest.raises(RegistryError, match=r"foo.toml: article.title: invalid CSS selector 'h3.news-title\['"):
        load_registry(tmp_path / "no-home")
    monkeypatch.undo()
    reload_registry()


def test_home_sites_extend_the_registry(tmp_path):
    (tmp_path / "congdoanmau.toml").write_text(
        'slug = "congdoanmau"\nname = "LĐLĐ tỉnh Mẫu"\nprovince = "Mẫu"\ndomain = "congdoanmau.vn"\n'
        'start_urls = ["https://congdoanmau.vn/"]\n', encoding="utf-8")
    reload_registry()
    registry = load_registry(tmp_path)
    assert "congdoanmau" in registry
    assert site_for_url("https://congdoanmau.vn/x", tmp_path).slug == "congdoanmau"
    assert site_for_url("https://example.org/x", tmp_path) is None


def test_unreadable_home_entry_is_skipped_and_named(tmp_path, caplog):
    (tmp_path / "broken.toml").write_text("slug = [", encoding="utf-8")
    reload_registry()
    with caplog.at_level(logging.ERROR, logger="archive.registry"):
        assert "laodongthudo" in load_registry(tmp_path)
    assert len(caplog.records) == 1 and "broken.toml: cannot read site entry" in caplog.records[0].getMessage()
    with pytest.raises(RegistryError, match="broken.toml: cannot read site entry"):
        get_site("broken", tmp_path)  # named by its file when its slug cannot be read
    reload_registry()
