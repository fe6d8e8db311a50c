"""The ``unionnews`` command line: one click group, one module per command family.

Commands live in ``unionnews/commands/*.py``; each module has ``register(cli)``. Heavy
libraries (Scrapy, Whoosh, underthesea) are imported inside the commands so that
``unionnews --help`` stays instant.

Examples:

    unionnews crawl --replica          # crawl the bundled replicas of all sites
    unionnews search "cong doan" --json
    unionnews export --format csv --out union.csv --site laodongthudo
"""
from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys

import click

from archive import __version__
from archive.errors import UserError
from archive.home import Home


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--home", type=click.Path(file_okay=False), envvar="UNIONNEWS_HOME",
              help="Data directory (default: $UNIONNEWS_HOME or ~/.unionnews).")
@click.version_option(__version__, prog_name="unionnews")
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """Collect, archive, search and export Vietnamese trade-union news.

    \b
    Examples:
      unionnews sites                       # the registered sites
      unionnews crawl --replica             # crawl the local replicas of all sites
      unionnews crawl laodongthudo          # crawl one real site
      unionnews index && unionnews search "người lao động"
      unionnews serve --port 5000           # the search web app
      unionnews demo                        # replica → crawl → index → search → serve
    """
    ctx.obj = Home.resolve(home)


def _register_commands() -> None:
    import unionnews.commands as commands_package

    for module_info in sorted(pkgutil.iter_modules(commands_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"unionnews.commands.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors as one clear line, never a traceback."""
    try:
        exit_code = cli.main(args=argv, prog_name="unionnews", standalone_mode=False)
        if isinstance(exit_code, int) and exit_code:  # ctx.exit(n) in a command
            sys.exit(exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except UserError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as error:  # the last line of defence: a message, and the traceback in the log
        logging.getLogger("unionnews").exception("unexpected error")
        if os.environ.get("UNIONNEWS_DEBUG"):
            raise
        click.echo(f"Internal error: {type(error).__name__}: {error}\n"
                   "Set UNIONNEWS_DEBUG=1 to see the traceback, and please report it.", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
