"""``unionnews reextract``: apply the current selectors and extraction rules to stored pages."""
from __future__ import annotations

import click

from archive.home import Home


def register(cli: click.Group) -> None:
    @cli.command("reextract")
    @click.argument("sites", nargs=-1, metavar="[SITE]...")
    @click.option("--since", default=None, metavar="YYYY-MM-DD",
                  help="Only articles published on or after this day.")
    @click.option("--processes", type=click.IntRange(1, 64), default=None,
                  help="Worker processes for extraction (default: up to 2).")
    @click.option("--progress/--no-progress", default=None,
                  help="Show a progress bar (default: only on a terminal).")
    @click.pass_obj
    def reextract_command(home: Home, sites: tuple[str, ...], since: str | None, processes: int | None,
                          progress: bool | None) -> None:
        """Extract stored articles again from their raw HTML with the current registry and rules.

        After fixing a site's selectors (its TOML entry) or an extraction rule, this brings
        the stored articles up to date without fetching anything. Every field is compared
        with the stored record: a changed article keeps its old version in the history and
        is re-indexed by the next `unionnews index` (incrementally); an unchanged one is
        left as it was. A page that yields no article is one line on stderr and counted,
        and its stored record stays. Safe to interrupt: each article is stored on its own.
        Prints the counts changed / unchanged / failed, per site and per field.
        `unionnews nightly` does this by itself for a site whose entry or the extraction
        version changed.

        \b
        Examples:
          unionnews reextract laodongthudo                 # after editing its selectors
          unionnews reextract --since 2024-01-01           # every site, recent articles
          unionnews reextract && unionnews index
        """
        from unionnews.logs import setup_logging
        from unionnews.reextract import field_table, reextract

        setup_logging(home.ensure(), filename="reextract.log")  # failures: the file, and one line here

        def on_failure(url: str, reason: str) -> None:
            click.echo(f"failed {url}: {reason}", err=True)

        stats = reextract(home, sites=sites, since=since, processes=processes, progress=progress,
                          on_failure=on_failure)
        for site, count in sorted(stats.skipped.items()):
            click.echo(f"skipped {count} article(s) of {site!r}: not in the registry", err=True)
        click.echo(f"Re-extracted {stats.articles} article(s) in {stats.seconds:.1f} s "
                   f"({stats.rate:.0f}/s): {stats.changed} changed, {stats.unchanged} unchanged, "
                   f"{stats.failed} failed.")
        if len(stats.sites) > 1:
            click.echo(f"  {'site':<22}{'changed':>8}{'unchanged':>10}{'failed':>7}")
            for site, counts in sorted(stats.sites.items()):
                click.echo(f"  {site:<22}{counts['changed']:>8}{counts['unchanged']:>10}{counts['failed']:>7}")
        if stats.fields:
            click.echo("Fields changed (articles):")
            for line in field_table(stats.fields):
                click.echo(line)
        if stats.changed:
            click.echo("Run `unionnews index` to bring the search index up to date.")
