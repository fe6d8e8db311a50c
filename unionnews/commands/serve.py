"""``unionnews serve``: the search web app under gunicorn or waitress (never the Flask debug server).

A search is CPU-bound Python (query parsing, Whoosh scoring, snippets), so one process runs
one search at a time however many threads it has: the GIL makes concurrent clients queue.
``--workers N`` (default: one per CPU, at least 2) forks N gunicorn processes sharing one
listening socket, each with ``--threads`` threads, so every core searches. ``--workers 1``,
or a system without gunicorn (it needs a Unix), serves from one waitress process instead.

Either way the socket is bound here first, trying the next port when one is taken, so the
URL printed is the one actually served. underthesea's model is loaded in the main thread
before any server thread or worker process exists (its first call is not thread-safe), and
forked workers inherit it loaded.
"""
from __future__ import annotations

import errno
import os
import signal
import socket

import click

from archive.errors import UserError
from archive.home import Home

PORTS_TO_TRY = 20
BACKLOG = 2048  # connections waiting for a free worker under a burst of clients
# Time a stopping worker gets to finish its requests (a long download is cut after it).
GRACEFUL_SECONDS = 10
# The longest request line gunicorn allows: queries of 500 Vietnamese characters with
# filters stay well under it once percent-encoded (its default, 4094, would not).
MAX_REQUEST_LINE = 8190


def default_workers() -> int:
    return max(2, os.cpu_count() or 1)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``port`` or, when it is taken, the next free one after it."""
    try:
        family, kind, proto, _, _ = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM,
                                                       flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        raise UserError(f"cannot listen on {host}: {error.strerror}") from None
    last_error: OSError | None = None
    candidates = [0] if port == 0 else range(port, min(port + PORTS_TO_TRY, 65536))
    for candidate in candidates:
        listener = socket.socket(family, kind, proto)
        # a restart must not wait for the previous run's connections in TIME_WAIT; on Linux
        # this still refuses a port another server is listening on
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((host, candidate))
            listener.listen(BACKLOG)
            return listener
        except OSError as error:
            listener.close()
            if error.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise UserError(f"cannot listen on {host}:{candidate}: {error.strerror}") from None
            last_error = error
    raise UserError(f"ports {port}–{port + PORTS_TO_TRY - 1} on {host} are all taken"
                    f" ({last_error.strerror if last_error else 'in use'}); choose another with --port")


def gunicorn_available() -> bool:
    try:
        import gunicorn.app.base  # noqa: F401  (imports fcntl: Unix only)
    except ImportError:
        return False
    return True


def run_waitress(app, listener: socket.socket, threads: int) -> None:
    """One process, ``threads`` threads; returns after Ctrl-C or SIGTERM."""
    from waitress import create_server

    server = create_server(app, sockets=[listener], threads=threads, ident="unionnews",
                           clear_untrusted_proxy_headers=True)

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


def run_gunicorn(app, listener: socket.socket, workers: int, threads: int) -> None:
    """A gunicorn master with ``workers`` forked gthread workers; returns after Ctrl-C or SIGTERM.

    The master handles both signals itself (SIGTERM lets running requests finish for up to
    ``GRACEFUL_SECONDS``). Worker processes leave through ``SystemExit`` from this same call
    stack (they are forks of the master): only the master returns normally.
    """
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": [f"fd://{listener.detach()}"],  # gunicorn takes the socket over and closes it
        "workers": workers,
        # gthread: keep-alive connections and long streamed downloads do not block a worker
        # (its main loop keeps reporting alive while threads serve requests)
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,  # the app (and underthesea) loaded once, before forking
        "graceful_timeout": GRACEFUL_SECONDS,
        "backlog": BACKLOG,
        "limit_request_line": MAX_REQUEST_LINE,
        "forwarded_allow_ips": "",  # like waitress: no client's X-Forwarded-* is trusted
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "unionnews-serve",
    }

    class Server(BaseApplication):
        def load_config(self):
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self):
            return app

    master = os.getpid()
    try:
        Server().run()
    except SystemExit as leaving:
        if os.getpid() != master or leaving.code not in (0, None):
            raise


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 exposes the app to the network; it has no login).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="First port to try; the next free one is used when it is taken (0: any free port).")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Server processes (gunicorn); 1 serves from one waitress process.  "
                   "[default: one per CPU, at least 2]")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per process.")
@click.option("--cache-seconds", default=5.0, show_default=True, type=click.FloatRange(0, 3600),
              help="Answer an identical search from each process's cache for this long (0: off); "
                   "a new index commit empties it.")
@click.pass_obj
def serve(home: Home, host: str, port: int, workers: int | None, threads: int, cache_seconds: float):
    """Serve the search web app (search, filters, charts, article pages, CSV/JSONL, JSON API).

    Reads the home's store and index and never writes to them. Stop with Ctrl-C.

    \b
    Examples:
      unionnews serve                     # http://127.0.0.1:5000/
      unionnews serve --port 8080 --workers 4
      curl 'http://127.0.0.1:5000/api/search?q=cong+doan&limit=5'
    """
    from indexer.text import warm_up
    from search_web import create_app

    warm_up()  # here, in the main thread, before any server thread or worker exists
    app = create_app({"UNIONNEWS_HOME": str(home.root), "SEARCH_CACHE_SECONDS": cache_seconds})
    workers = default_workers() if workers is None else workers
    if workers > 1 and not gunicorn_available():
        click.echo("gunicorn is not installed (or this is not a Unix): serving from one process.")
        workers = 1

    listener = bind_socket(host, port)
    bound_port = listener.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{bound_port}/"
    if port and bound_port != port:
        click.echo(f"Port {port} is taken; using {bound_port} instead.")
    processes = f"{workers} processes × {threads} threads" if workers > 1 else f"{threads} threads"
    click.echo(f"Serving unionnews search for {home.root} at {url}  ({processes}; Ctrl-C to stop)",
               color=False)

    if workers > 1:
        run_gunicorn(app, listener, workers, threads)
    else:
        run_waitress(app, listener, threads)
    click.echo("Stopped.")


def register(cli: click.Group) -> None:
    cli.add_command(serve)
