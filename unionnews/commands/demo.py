"""``unionnews demo``: the main job end to end on the bundled replicas."""
from __future__ import annotations

import click

from archive.home import Home

SAMPLE_QUERY = "cong doan co so"


@click.command()
@click.option("--no-serve", is_flag=True, help="Stop after the sample search instead of serving the web app.")
@click.option("--port", default=5000, show_default=True, help="First port to try for the web app.")
@click.pass_context
def demo(ctx: click.Context, no_serve: bool, port: int):
    """Serve the site replicas on 127.0.0.1, crawl them, index, search, then serve the UI.

    Everything goes into the home directory ($UNIONNEWS_HOME or --home); run it twice and
    the second crawl finds nothing new.

    \b
    Example:
      UNIONNEWS_HOME=/tmp/union unionnews demo
    """
    home: Home = ctx.obj
    root = ctx.find_root().command
    click.secho(f"unionnews demo — home: {home.root}", bold=True)

    click.secho("\n1. Crawling the five site replicas over HTTP on 127.0.0.1", bold=True)
    ctx.invoke(root.get_command(ctx, "crawl"), sites=(), replica=True, replica_url=None,
               max_pages=None, verbose=False)

    steps = [("index", "2. Building the search index", {}),
             ("search", f"3. Sample search: {SAMPLE_QUERY!r}", {"query": SAMPLE_QUERY, "limit": 5})]
    for name, title, arguments in steps:
        command = root.get_command(ctx, name)
        if command is None:
            click.echo(f"\n({name} is not available in this version)")
            continue
        click.secho(f"\n{title}", bold=True)
        ctx.invoke(command, **arguments)

    serve = root.get_command(ctx, "serve")
    if no_serve or serve is None:
        return
    click.secho("\n4. Serving the search UI (Ctrl-C to stop)", bold=True)
    ctx.invoke(serve, port=port)


def register(cli: click.Group) -> None:
    cli.add_command(demo)
