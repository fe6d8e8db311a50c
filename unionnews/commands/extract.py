"""``unionnews extract``: extract one saved page and print its article record."""
from __future__ import annotations

import json

import click


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--url", required=True, help="The page's real URL (selects the site's rules; unknown domains get generic extraction).")
@click.option("--charset", help="The charset the server declared, if known.")
@click.option("--sources", is_flag=True, help="Also print where each field came from (site selector or generic).")
@click.pass_obj
def extract(home, file, url, charset, sources):
    """Print the JSON article record extracted from a saved HTML FILE.

    On an unknown domain the record comes from generic extraction (site "generic").

    \b
    Example:
      unionnews extract page.html --url https://laodongthudo.vn/tin-23038.html
    """
    import os
    import sys

    from crawler.extract import extract_article
    from crawler.extract.encoding import page_problem
    from archive.registry import site_for_url
    from archive.errors import UserError

    os.environ["UNIONNEWS_HOME"] = str(home.root)
    if file == "-":
        body = sys.stdin.buffer.read()
    else:
        with open(file, "rb") as handle:
            body = handle.read()
    if problem := page_problem(body):
        name = "standard input" if file == "-" else file
        raise UserError(f"{name} is not an HTML page ({problem}): nothing to extract.")
    extraction = extract_article(body, url, site=site_for_url(url), http_charset=charset)
    output = dict(extraction.record)
    if sources:
        output["_field_sources"] = extraction.field_sources
        output["_problems"] = extraction.problems
    click.echo(json.dumps(output, ensure_ascii=False, indent=2))


def register(cli: click.Group) -> None:
    cli.add_command(extract)
