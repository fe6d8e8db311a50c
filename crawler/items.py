"""Scrapy items: an extracted article, or a page that could not become one."""
import scrapy


class ArticleItem(scrapy.Item):
    """One extracted article: the record (see docs/ARCHITECTURE.md) plus how it was fetched."""

    record = scrapy.Field()            # dict, the article record schema
    raw_html = scrapy.Field()          # bytes as served
    http_status = scrapy.Field()
    encoding = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    extraction_version = scrapy.Field()
    field_sources = scrapy.Field()     # field -> "site" | "generic" | "generic:<method>" (body)
    problems = scrapy.Field()          # list of str from the extractor


class FailureItem(scrapy.Item):
    """A URL that yielded no article, with the reason (http 404, timeout, no body…)."""

    url = scrapy.Field()
    reason = scrapy.Field()
    detail = scrapy.Field()
