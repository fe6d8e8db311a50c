"""``unionnews serve``: the search web app under waitress (never the Flask debug server)."""
from __future__ import annotations

import errno
import signal

import click

from unionnews.errors import UserError
from unionnews.home import Home

PORTS_TO_TRY = 20


def bind_server(app, host: str, port: int, threads: int):
    """A waitress server on ``port`` or, when it is taken, the next free one after it."""
    from waitress import create_server

    last_error: OSError | None = None
    candidates = [0] if port == 0 else range(port, min(port + PORTS_TO_TRY, 65536))
    for candidate in candidates:
        try:
            return create_server(app, host=host, port=candidate, threads=threads,
                                 ident="unionnews", clear_untrusted_proxy_headers=True)
        except OSError as error:
            if error.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise UserError(f"cannot listen on {host}:{candidate}: {error.strerror}") from None
            last_error = error
    raise UserError(f"ports {port}–{port + PORTS_TO_TRY - 1} on {host} are all taken"
                    f" ({last_error.strerror if last_error else 'in use'}); choose another with --port")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 exposes the app to the network; it has no login).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="First port to try; the next free one is used when it is taken (0: any free port).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads.")
@click.pass_obj
def serve(home: Home, host: str, port: int, threads: int):
    """Serve the search web app (search, filters, charts, article pages, CSV/JSONL, JSON API).

    Reads the home's store and index and never writes to them. Stop with Ctrl-C.

    \b
    Examples:
      unionnews serve                     # http://127.0.0.1:5000/
      unionnews serve --port 8080
      curl 'http://127.0.0.1:5000/api/search?q=cong+doan&limit=5'
    """
    from search_web import create_app

    app = create_app({"UNIONNEWS_HOME": str(home.root)})
    server = bind_server(app, host, port, threads)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{server.effective_port}/"
    if port and int(server.effective_port) != port:  # waitress may report it as a string
        click.echo(f"Port {port} is taken; using {server.effective_port} instead.")
    click.echo(f"Serving unionnews search for {home.root} at {url}  (Ctrl-C to stop)", color=False)

    # A service manager stops us with SIGTERM: leave the same clean way as on Ctrl-C.
    def stop(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        signal.signal(signal.SIGTERM, previous)
    click.echo("Stopped.")


def register(cli: click.Group) -> None:
    cli.add_command(serve)
