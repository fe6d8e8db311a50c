"""``unionnews import``: load article records from a JSONL file into the store."""
from __future__ import annotations

import sys

import click

from archive.home import Home

MAX_PROBLEMS_SHOWN = 50  # a broken file should not bury the summary under thousands of lines


def register(cli: click.Group) -> None:
    @cli.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
    @click.pass_obj
    def import_command(home: Home, file: str) -> None:
        """Import article records from FILE (JSONL, one record per line; '-' = stdin).

        Keys are those of `unionnews export --format jsonl`; url, title and body are
        required, the rest optional (content_hash is computed when missing). Existing
        articles are updated by URL. Bad lines are reported by number and skipped.
        Exit status: 0 when at least one record was imported (or the file is empty),
        1 when every record was skipped, 2 when the file cannot be read.

        \b
        Examples:
          unionnews import union.jsonl
          unionnews --home /tmp/copy import union.jsonl
        """
        from pathlib import Path

        from archive.errors import UserError
        from unionnews.importer import import_jsonl
        from archive.store import Store

        shown = 0

        def report_problem(line_number: int, message: str) -> None:
            nonlocal shown
            shown += 1
            if shown <= MAX_PROBLEMS_SHOWN:
                click.echo(f"{file}:{line_number}: skipped: {message}", err=True)

        if file == "-":
            source = sys.stdin.buffer
        else:
            source = Path(file)
            if not source.is_file():
                raise UserError(f"cannot read {file}: no such file")
        home.ensure()
        with Store(home.store_path) as store:
            report = import_jsonl(store, source, on_problem=report_problem)
        if report.skipped > MAX_PROBLEMS_SHOWN:
            click.echo(f"... and {report.skipped - MAX_PROBLEMS_SHOWN} more skipped lines", err=True)
        for url, original_url in report.unresolved_duplicates[:MAX_PROBLEMS_SHOWN]:
            click.echo(f"warning: {url} is a copy of {original_url}, which is not in the store", err=True)
        click.echo(f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
                   f"{report.skipped} skipped")
        if report.imported == 0 and report.skipped > 0:
            sys.exit(1)
