"""``unionnews sites``: the site registry; ``sites add`` / ``sites check`` onboard a new site."""
from __future__ import annotations

import click

from archive.home import Home

# `sites add` has one option per article field (`--title CSS`, …; `--selector FIELD=CSS` too).
FIELD_HELP = (
    ("title", "the headline"),
    ("summary", "the lead (sapo)"),
    ("published_at", "the publication date (text read day-first, or its datetime/content attribute)"),
    ("updated_at", "the update date"),
    ("body", "the article's content container"),
    ("body_remove", "elements to drop inside the body (repeatable)"),
    ("author", "the author line"),
    ("source", "the source line (\"Nguồn: …\")"),
    ("tags", "tag links, e.g. 'div.tags a::text'"),
    ("category", "the category, e.g. 'ul.breadcrumb li:last-child a::text'"),
    ("images", "the article's images (img elements or their containers)"),
    ("image_caption", "image captions"),
    ("canonical", "the canonical URL, e.g. 'link[rel=canonical]::attr(href)'"),
)


def _field_options(command):
    for name, text in reversed(FIELD_HELP):
        command = click.option("--" + name.replace("_", "-"), name, metavar="CSS", multiple=name == "body_remove",
                               help=f"Selector of {text}.")(command)
    return command


@click.group(invoke_without_command=True)
@click.pass_context
def sites(ctx: click.Context):
    """List the registered sites (built-in and the home's own).

    \b
    Example:
      unionnews sites
    """
    if ctx.invoked_subcommand is not None:
        return
    import os

    from archive.registry import broken_entries, load_registry

    home: Home = ctx.obj
    os.environ["UNIONNEWS_HOME"] = str(home.root)
    registry = load_registry()
    broken = broken_entries()
    click.echo(f"{'slug':<20}{'province':<14}{'domain':<28}{'enabled':<9}name")
    for site in registry.values():
        click.echo(f"{site.slug:<20}{site.province:<14}{site.domain:<28}{'yes' if site.enabled else 'no':<9}{site.name}")
    click.echo(f"{len(registry)} sites" + (f"; skipped (cannot be used): {', '.join(sorted(broken))}" if broken else ""))


@sites.command("add")
@click.option("--slug", required=True, help="Registry name: lowercase letters, digits, _ (e.g. congdoanbinhduong).")
@click.option("--name", required=True, help="The site's name, e.g. \"Công đoàn Bình Dương\".")
@click.option("--province", required=True, help="Province in Vietnamese, e.g. \"Bình Dương\".")
@click.option("--domain", required=True, help="Host name, e.g. congdoanbinhduong.org.vn.")
@click.option("--alias", "aliases", multiple=True, metavar="HOST", help="Another host name of the site (repeatable).")
@click.option("--listing-url", "listing_urls", multiple=True, required=True, metavar="URL",
              help="A listing (category) page to start from (repeatable).")
@click.option("--article-pattern", metavar="REGEX", help="Regular expression every article URL matches.")
@click.option("--article-links", metavar="CSS", help="Selector of article links on listing pages (default: every link).")
@click.option("--next-page", metavar="CSS", help="Selector of the listing's next-page link (default: no paging).")
@_field_options
@click.option("--selector", "selectors", multiple=True, metavar="FIELD=CSS",
              help="Article field selector, e.g. title=h1.detail-title (repeatable; the same as --title CSS).")
@click.option("--force", is_flag=True, help="Replace an existing entry of the same slug or domain.")
@click.pass_obj
def add(home: Home, slug, name, province, domain, aliases, listing_urls, article_pattern, article_links,
        next_page, selectors, force, **field_selectors):
    """Register a new site in this home ($UNIONNEWS_HOME/sites/SLUG.toml).

    Fields without a selector fall back to generic extraction (JSON-LD, meta tags,
    content heuristics); run `unionnews sites check SLUG` next to see what that yields.
    Selectors are parsel CSS (`::text`, `::attr(x)`); an invalid selector or --article-pattern
    is refused, naming the option.

    \b
    Example:
      unionnews sites add --slug congdoanbinhduong --name "Công đoàn Bình Dương" \\
        --province "Bình Dương" --domain congdoanbinhduong.org.vn \\
        --listing-url https://congdoanbinhduong.org.vn/tin-tuc \\
        --article-pattern '^https://congdoanbinhduong\\.org\\.vn/tin-tuc/.+\\.html$' \\
        --title h1.title --body-remove div.related
    """
    from unionnews.onboarding import build_entry, parse_selectors, write_site

    origins: dict = {}
    article = parse_selectors(selectors, field_selectors, origins)
    entry = build_entry(slug=slug, name=name, province=province, domain=domain, listing_urls=list(listing_urls),
                        article_pattern=article_pattern, selectors=article, aliases=list(aliases),
                        article_links=article_links, next_page=next_page, origins=origins)
    path = write_site(home.sites_dir, entry, force=force)
    click.echo(f"wrote {path}")
    click.echo(f"next: unionnews sites check {slug}")


@sites.command("check")
@click.argument("slug")
@click.option("--replica", is_flag=True, help="Check against the bundled replica web instead of the real site.")
@click.option("--replica-url", metavar="URL", help="Check against a replica web already running at URL.")
@click.option("--pages", type=click.IntRange(min=1, max=20), default=2, show_default=True,
              help="Listing pages to read per listing URL.")
@click.option("--articles", type=click.IntRange(min=1, max=50), default=5, show_default=True,
              help="Articles to fetch and extract.")
@click.pass_obj
def check(home: Home, slug, replica, replica_url, pages, articles):
    """Fetch a few listing pages and articles of SLUG and show what extraction finds.

    For every article: each field's value and where it came from (`site` = the entry's
    selector, `generic` = generic extraction), then counts of listing links, extracted
    articles and missing fields. Polite: the project User-Agent, robots.txt, one request a
    second, the site's own domains only. Exits 1 when no article could be extracted.

    \b
    Examples:
      unionnews sites check congdoanbinhduong
      unionnews sites check congdoannghean --replica --pages 1 --articles 3
    """
    from contextlib import ExitStack

    from archive.registry import get_site
    from archive.errors import UserError
    from crawler.fetch import SiteFetcher
    from unionnews.onboarding import check_site, format_report

    if replica and replica_url:
        raise UserError("give --replica or --replica-url, not both")
    site = get_site(slug, home.sites_dir)
    with ExitStack() as stack:
        if replica:
            from unionnews.crawling import replica_server

            replica_url = stack.enter_context(replica_server())
        click.echo(f"checking {site.slug} ({site.domain})" + (f" through the replica at {replica_url}" if replica_url else ""))
        report = check_site(site, SiteFetcher(site, replica_url), pages=pages, articles=articles)
    for line in format_report(report):
        click.echo(line)
    if not report.extracted:
        click.echo("no article could be extracted", err=True)
        click.get_current_context().exit(1)


def register(cli: click.Group) -> None:
    cli.add_command(sites)
