"""``unionnews export``: the archive (or a search result) as JSONL, CSV or Parquet."""
from __future__ import annotations

import shlex
import sys

import click

from archive.home import Home


def _command_line(params: dict) -> str:
    """The canonical command line that reproduces this export, for the data package."""
    words = ["unionnews", "export", "--format", params["format"], "--out", params["out"]]
    if params["query"] is not None:
        words += ["--query", params["query"]]
    for option, key in (("--site", "site"), ("--province", "province")):
        for value in params[key]:
            words += [option, value]
    for option, key in (("--since", "since"), ("--until", "until"), ("--fields", "fields")):
        if params[key] is not None:
            words += [option, params[key]]
    for flag in ("excel", "force", "drop_duplicates"):
        if params[flag]:
            words.append("--" + flag.replace("_", "-"))
    return shlex.join(words)


def register(cli: click.Group) -> None:
    @cli.command("export")
    @click.option("--format", "format_", type=click.Choice(["jsonl", "csv", "parquet"]), required=True,
                  help="Output format.")
    @click.option("--out", required=True, metavar="PATH",
                  help="Output file, or '-' for stdout (jsonl/csv only).")
    @click.option("--query", "-q", default=None, help="Export every match of this search query.")
    @click.option("--site", multiple=True, metavar="SLUG", help="Only this site (repeatable).")
    @click.option("--province", multiple=True, metavar="NAME", help="Only this province (repeatable).")
    @click.option("--since", default=None, metavar="YYYY-MM-DD", help="Published on or after this day.")
    @click.option("--until", default=None, metavar="YYYY-MM-DD", help="Published on or before this day.")
    @click.option("--fields", default=None, metavar="F1,F2,...",
                  help="Columns to write, in this order (default: all but images).")
    @click.option("--excel", is_flag=True, help="CSV with a UTF-8 BOM so Excel shows Vietnamese correctly.")
    @click.option("--force", is_flag=True, help="Overwrite an existing output file.")
    @click.option("--drop-duplicates", is_flag=True, help="Leave out republished copies of other articles.")
    @click.pass_obj
    def export_command(home: Home, format_: str, out: str, query, site, province, since, until, fields,
                       excel: bool, force: bool, drop_duplicates: bool) -> None:
        """Export articles, oldest first (published_at, then url), with a data package.

        Writes the file plus PATH.datapackage.json next to it (Frictionless Data
        Package: schema, sha256, the command, per-site counts); nothing for --out -.
        Lists (tags) are joined with "; " in CSV. Nothing is left behind on failure.

        \b
        Examples:
          unionnews export --format csv --out union.csv --site laodongthudo --excel
          unionnews export --format parquet --out all.parquet --since 2021-01-01
          unionnews export --format jsonl --out - --query "an toàn lao động" | head
        """
        from unionnews.export import ExportRequest, run_export

        request = ExportRequest(format=format_, out=out, query=query, sites=tuple(site),
                                provinces=tuple(province), since=since, until=until, fields=fields,
                                excel=excel, force=force, drop_duplicates=drop_duplicates)
        params = {"format": format_, "out": out, "query": query, "site": site, "province": province,
                  "since": since, "until": until, "fields": fields, "excel": excel, "force": force,
                  "drop_duplicates": drop_duplicates}
        to_stdout = out == "-"
        result = run_export(home, request, command=_command_line(params),
                            stdout=sys.stdout.buffer if to_stdout else None)
        if not to_stdout:
            click.echo(f"Exported {result.count} articles to {result.path} "
                       f"(data package: {result.datapackage.name})", err=True)
