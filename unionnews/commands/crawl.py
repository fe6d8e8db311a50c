"""``unionnews crawl``: crawl registered sites into the article store."""
from __future__ import annotations

import click

from archive.home import Home


def print_run_table(runs: list[dict]) -> None:
    """One line per site: new / updated / unchanged / failed articles and requests."""
    header = f"{'site':<22}{'new':>6}{'updated':>9}{'unchanged':>11}{'failed':>8}{'requests':>10}  status"
    click.echo(header)
    click.echo("-" * len(header))
    totals = {"new": 0, "updated": 0, "unchanged": 0, "failed": 0, "downloader/request_count": 0}
    for run in runs:
        stats = run["stats"]
        for key in totals:
            totals[key] += int(stats.get(key, 0) or 0)
        click.echo(f"{run['site']:<22}{stats.get('new', 0):>6}{stats.get('updated', 0):>9}"
                   f"{stats.get('unchanged', 0):>11}{stats.get('failed', 0):>8}"
                   f"{stats.get('downloader/request_count', 0):>10}  {run['status']}")
    click.echo(f"{'total':<22}{totals['new']:>6}{totals['updated']:>9}{totals['unchanged']:>11}"
               f"{totals['failed']:>8}{totals['downloader/request_count']:>10}")


def crawl_targets(command):
    """The SITES argument and replica options shared by ``crawl`` and ``nightly``."""
    command = click.option("--replica-url", metavar="URL", help="Crawl a replica web already running at URL.")(command)
    command = click.option("--replica", is_flag=True,
                           help="Crawl the bundled local replicas instead of the real sites.")(command)
    return click.argument("sites", nargs=-1)(command)


@click.command()
@crawl_targets
@click.option("--max-pages", type=click.IntRange(min=1), help="Listing pages to follow per start URL.")
@click.option("-v", "--verbose", is_flag=True, help="Show the crawler's log on stderr.")
@click.pass_obj
def crawl(home: Home, sites, replica, replica_url, max_pages, verbose):
    """Crawl SITES (all enabled sites when none is named) into the article store.

    Re-crawling is idempotent: unchanged articles are left as they are, changed ones
    keep their history. Failures (404, timeouts, pages without a body) are recorded
    with their reason; the log is in $UNIONNEWS_HOME/logs/.

    \b
    Examples:
      unionnews crawl --replica                  # every site, from the local replicas
      unionnews crawl laodongthudo --max-pages 3 # one real site, three listing pages
    """
    from unionnews.crawling import CrawlOptions, run_crawl
    from unionnews.logs import setup_logging

    setup_logging(home, verbose=verbose, filename="crawl.log")
    runs = run_crawl(home, CrawlOptions(slugs=tuple(sites), replica=replica, replica_url=replica_url,
                                        max_pages=max_pages))
    print_run_table(runs)


def register(cli: click.Group) -> None:
    cli.add_command(crawl)
