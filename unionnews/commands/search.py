"""``unionnews search``: query the index from the command line (table or JSON)."""
from __future__ import annotations

import json
import re

import click

_TAGS = re.compile(r"</?mark>")


def _plain(snippet: str) -> str:
    """Snippet for a terminal: marks shown as [..], entities unescaped, one line."""
    from html import unescape

    text = unescape(_TAGS.sub(lambda m: "]" if m.group().startswith("</") else "[", snippet))
    return " ".join(text.split())


def register(cli: click.Group) -> None:
    @cli.command("search")
    @click.argument("query")
    @click.option("--site", multiple=True, metavar="SLUG", help="Only this site (repeatable).")
    @click.option("--province", multiple=True, metavar="NAME", help="Only this province (repeatable).")
    @click.option("--since", default=None, metavar="YYYY-MM-DD", help="Published on or after this day.")
    @click.option("--until", default=None, metavar="YYYY-MM-DD", help="Published on or before this day.")
    @click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance", show_default=True)
    @click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
    @click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @click.pass_obj
    def search_command(home, query, site, province, since, until, sort, limit, offset, as_json) -> None:
        """Search the indexed articles.

        Every syllable must occur (in any order); a syllable typed with diacritics matches
        only itself, one typed without matches every accented form ("cong" finds công and
        cộng). Use "quotes" for consecutive syllables, -word to exclude, OR for either
        (binding tighter than the implicit AND), (parentheses) to group. The README's
        "Searching Vietnamese" has the whole contract.

        \b
        Examples:
          unionnews search "người lao động" --site laodongthudo --since 2021-01-01
          unionnews search "cong doan co so" --sort newest --json
          unionnews search 'LĐLĐ -"Hà Nội"' --limit 5
        """
        from indexer.search import SearchRequest, search

        request = SearchRequest(query=query, sites=tuple(site), provinces=tuple(province), since=since,
                                until=until, sort=sort, limit=limit, offset=offset)
        result = search(home, request)
        if as_json:
            keys = ("url", "title", "site", "province", "published_at", "score", "snippet")
            payload = {"query": result.query, "total": result.total,
                       "hits": [{key: getattr(hit, key) for key in keys} | {"id": hit.id} for hit in result.hits],
                       "missing": result.missing}
            click.echo(json.dumps(payload, ensure_ascii=False))
            return
        about = "" if result.total_exact else "about "
        click.echo(f"{about}{result.total} results for {result.query!r} ({result.took_ms} ms)")
        for term in result.missing:
            click.echo(f"no article contains {term!r}: every unquoted term must occur (drop it, or use OR)")
        for number, hit in enumerate(result.hits, start=offset + 1):
            click.echo(f"\n{number:>3}. {hit.title}")
            click.echo(f"     {hit.published_at[:16]}  {hit.site}  {hit.province}  score {hit.score}")
            click.echo(f"     {hit.url}")
            if hit.snippet:
                click.echo(f"     {_plain(hit.snippet)}")
            if hit.duplicates:
                click.echo(f"     also published at: {', '.join(hit.duplicates)}")
