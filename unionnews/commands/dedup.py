"""``unionnews dedup``: link republished copies in the store to their originals."""
from __future__ import annotations

import click

from archive.home import Home

TITLE_WIDTH = 70


def _describe(article: dict) -> str:
    title = article["title"] if len(article["title"]) <= TITLE_WIDTH else article["title"][:TITLE_WIDTH - 1] + "…"
    return f"#{article['id']} {article['site']} {(article.get('published_at') or '?')[:16]}  {title}"


@click.command()
@click.option("--rebuild", is_flag=True,
              help="Recompute every signature first (after changing the dedup rules or to repair the tables).")
@click.pass_obj
def dedup(home: Home, rebuild: bool):
    """Find republished copies across and within sites and link each to its original.

    Compares article bodies (MinHash over 5-syllable shingles, see unionnews/dedup.py).
    Every copy stays in the store; its `duplicate_of` points at the original (the earliest
    published, else the one naming no other source), which search and export use to fold
    copies. Prints the groups found. Crawls link new articles on their own; run this for a
    full pass over the whole store.

    \b
    Examples:
      unionnews dedup
      unionnews dedup --rebuild
    """
    from unionnews.dedup import drop_signatures, link_duplicates
    from archive.errors import UserError
    from archive.store import Store

    if not home.store_path.exists():
        raise UserError(f"no article store at {home.store_path}; run `unionnews crawl` first")
    with Store(home.store_path) as store:
        if rebuild:
            drop_signatures(store)
        result = link_duplicates(store)
        for group in sorted(result.groups, key=lambda g: g.original_id):
            click.echo(f"original {_describe(store.get_article(group.original_id))}")
            for copy_id in group.copy_ids:
                click.echo(f"  copy   {_describe(store.get_article(copy_id))}  (similarity {group.similarity[copy_id]:.2f})")
    copies = sum(len(group.copy_ids) for group in result.groups)
    click.echo(f"{len(result.groups)} groups, {copies} copies among {result.articles_checked} articles; "
               f"{result.links_changed} links changed, {result.signatures_computed} signatures computed")


def register(cli: click.Group) -> None:
    cli.add_command(dedup)
