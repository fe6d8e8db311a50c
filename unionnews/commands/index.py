"""``unionnews index``: bring the search index up to date with the article store."""
from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    @cli.command("index")
    @click.option("--rebuild", is_flag=True,
                  help="Build a fresh index from every article (searches keep using the old one meanwhile).")
    @click.option("--progress/--no-progress", default=None,
                  help="Show a progress bar (default: only on a terminal).")
    @click.option("--processes", type=click.IntRange(1, 64), default=None,
                  help="Worker processes for word segmentation (default: up to 2).")
    @click.option("--engine", type=click.Choice(["whoosh", "tantivy"]), default=None,
                  help="Search engine to build with; saved in the home's config.toml "
                       "(default: the configured one, else whoosh).")
    @click.pass_obj
    def index_command(home, rebuild: bool, progress: bool | None, processes: int | None,
                      engine: str | None) -> None:
        """Index new, changed and deleted articles since the last run.

        Only what changed is touched; an interrupted run is safe to re-run. Word segmentation
        is cached in the store, so `--rebuild` never segments an article twice.
        Choosing another engine than the index has converts the home: the index is rebuilt
        with it, and searches use the old index until the new one is complete.

        \b
        Examples:
          unionnews index
          unionnews index --rebuild
          unionnews index --rebuild --engine tantivy
        """
        from archive.errors import UserError

        if not home.store_path.exists():
            raise UserError(f"no article store at {home.store_path}; run `unionnews crawl` first")
        from indexer.build import update_index

        if engine:
            from indexer.engines import set_configured_engine

            set_configured_engine(home, engine)  # the build reads it; readers follow the index
        stats = update_index(home, rebuild=rebuild, progress=progress, processes=processes)
        from indexer.engines import detect_engine

        action = "Rebuilt" if stats.rebuilt else "Updated"
        if stats.rebuilt_format:
            click.echo("The index was of an older format (matching on words, not syllables): rebuilt it "
                       "from the stored segmentation.")
        name = detect_engine(home.index_dir)
        click.echo(f"{action} {name} index: {stats.indexed} indexed, {stats.deleted} deleted, "
                   f"{stats.segmented} newly segmented; {stats.documents} documents "
                   f"(store change #{stats.cursor}).")
