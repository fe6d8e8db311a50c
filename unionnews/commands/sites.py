"""``unionnews sites``: the site registry."""
from __future__ import annotations

import click

from unionnews.home import Home


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

    from crawler.registry import load_registry

    home: Home = ctx.obj
    os.environ["UNIONNEWS_HOME"] = str(home.root)
    registry = load_registry()
    click.echo(f"{'slug':<20}{'province':<14}{'domain':<28}{'enabled':<9}name")
    for site in registry.values():
        click.echo(f"{site.slug:<20}{site.province:<14}{site.domain:<28}{'yes' if site.enabled else 'no':<9}{site.name}")
    click.echo(f"{len(registry)} sites")


def register(cli: click.Group) -> None:
    cli.add_command(sites)
