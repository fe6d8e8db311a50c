"""One spider class per registry entry, so ``scrapy list`` shows every site by slug."""
from archive.registry import load_registry
from crawler.spiders.base import SiteSpider


def _spider_class(slug: str) -> type[SiteSpider]:
    class_name = "".join(part.capitalize() for part in slug.split("_")) + "Spider"
    return type(class_name, (SiteSpider,), {"name": slug, "site_slug": slug, "__module__": __name__})


for _slug in load_registry():
    _spider = _spider_class(_slug)
    globals()[_spider.__name__] = _spider

del _slug, _spider  # module globals are scanned for spider classes: keep one name per class
