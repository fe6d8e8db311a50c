"""The replica web server: five real sites' markup, served from 127.0.0.1.

Requests are addressed as ``/{domain}{path}?{query}`` (``/laodongthudo.vn/cong-doan/p2``) or,
when the ``Host`` header names a site, as the plain path. Article defects from the content
files (404, 500-once, truncated, cp1258, nfd) are applied here, after rendering, so site
modules only ever produce correct UTF-8 pages. Switchable faults (slow, reset, 429, gzip
bombs, traps, …: see ``faults.py``) are injected per site with :meth:`ReplicaServer.set_faults`.
"""
from __future__ import annotations

import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .content import load_all
from .faults import RESET, FaultInjector, pop_hop, strip_session
from .faults import Request as FaultRequest
from .sites import SITE_CLASSES
from .sites.base import CUT_MARK, Page
from .textforms import encode_cp1258, to_nfd

TEMPLATE_DIR = Path(__file__).parent / "templates"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
# A 1x1 transparent GIF: image URLs answer 200 without shipping photos.
PIXEL_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

ERROR_500 = ("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
             "<h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>")
UNKNOWN_HOST = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
                "<body><h1>Not Found</h1><p>No such site.</p></body></html>")


def make_environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html", "xml"]),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


class ReplicaServer:
    """Serve the replicas in a background daemon thread; use as a context manager."""

    def __init__(self, port: int = 0, content_dir: str | Path | None = None, step: int = 0):
        env = make_environment()
        self.sites = {slug: SITE_CLASSES[slug](content, env)
                      for slug, content in load_all(content_dir).items() if slug in SITE_CLASSES}
        self._by_domain = {}
        for module in self.sites.values():
            for domain in (module.domain, f"www.{module.domain}", *module.aliases):
                self._by_domain[domain] = module
        self._port = port
        self._step = step
        self._redesigned: set[str] = set()
        self._failed_once: set[tuple[str, str]] = set()
        self._log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # ends trickling fault responses when the server stops
        self.faults = FaultInjector(self._stopping)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> "ReplicaServer":
        if self._httpd is None:
            self._stopping.clear()
            self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self))
            self._httpd.daemon_threads = True
            # A short poll interval makes stop() (and so every test using the server) quick.
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="replica-web", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._stopping.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("replica server is not running")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- state the tests drive --------------------------------------------------------
    @property
    def step(self) -> int:
        return self._step

    def set_step(self, step: int) -> None:
        """Put online every article whose publish_step is <= ``step``."""
        self._step = int(step)

    def redesign(self, slug: str, on: bool = True) -> None:
        """Switch a site's article pages to renamed title/date/body markup (or back)."""
        if slug not in self.sites:
            raise KeyError(slug)
        with self._lock:
            (self._redesigned.add if on else self._redesigned.discard)(slug)

    def set_faults(self, slug: str, faults: dict[str, dict]) -> None:
        """Switch on ``{fault name: params}`` for a site (replacing its earlier faults); see
        ``faults.FAULTS`` for names and parameters. Raises ValueError for unknown ones."""
        if slug not in self.sites:
            raise KeyError(slug)
        self.faults.set(slug, faults)

    def clear_faults(self, slug: str | None = None) -> None:
        self.faults.clear(slug)

    def fault_urls(self, slug: str) -> dict[str, str]:
        """fault name -> the real URL of its extra page on this site (linked from page 1 of
        the first category listing)."""
        return self.faults.fault_urls(self.sites[slug])

    @property
    def fault_log(self) -> list[tuple[float, str, str, str, int]]:
        """(monotonic time, slug, fault, path?query, status) of every injected fault; status 0 = reset."""
        with self._lock:
            return list(self.faults.log)

    @property
    def request_log(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ---- request handling -------------------------------------------------------------
    def split_target(self, target: str, host: str | None) -> tuple[str, str, str]:
        """``/domain/path?q`` (or a plain path for a site ``Host``) -> (domain, path, query)."""
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        first, _, rest = path.lstrip("/").partition("/")
        if first.lower() in self._by_domain:
            return first.lower(), "/" + rest, parts.query
        host = (host or "").split(":")[0].lower()
        if host in self._by_domain:
            return host, path, parts.query
        return "", path, parts.query

    def respond(self, target: str, host: str | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a request of ``target``; also records it in the log
        (status 0 for a reset connection). Under faults the body may be an iterator of
        chunks (sent as they come) or ``faults.RESET``."""
        domain, path, query = self.split_target(target, host)
        status, headers, body = self._respond(domain, path, query, consume=method == "GET")
        with self._lock:
            self._log.append((domain, path + (f"?{query}" if query else ""), status))
        if isinstance(body, bytes):
            headers["Content-Length"] = str(len(body))
        return status, headers, body

    def _respond(self, domain: str, path: str, query: str, consume: bool) -> tuple[int, dict[str, str], bytes]:
        module = self._by_domain.get(domain)
        if module is None:
            return (self.faults.answer_foreign(path, query)
                    or (404, {"Content-Type": "text/html; charset=utf-8"}, UNKNOWN_HOST.encode()))
        if path.lower().endswith(IMAGE_SUFFIXES):
            return 200, {"Content-Type": "image/gif"}, PIXEL_GIF
        # Session ids and redirect-chain hops name the same page, as on real PHP/Java servers.
        path, query = strip_session(path, query)
        hop, query = pop_hop(query)
        request = FaultRequest(slug=module.slug, domain=domain, key=path + (f"?{query}" if query else ""), hop=hop,
                               consume=consume, stop=self._stopping,
                               normal=lambda: self._serve_page(module, domain, path, query, consume=False))
        return self.faults.answer(module, request) or self._serve_page(module, domain, path, query, consume)

    def _serve_page(self, module, domain: str, path: str, query: str, consume: bool) -> tuple[int, dict[str, str], bytes]:
        query_args = dict(parse_qsl(query, keep_blank_values=True))
        page = (self.faults.listing_page(module, path, query_args, self._step)
                or module.handle(path, query_args, step=self._step, redesign=module.slug in self._redesigned,
                                 charset_for=_declared_charset))
        if page.content_type == "text/html":
            page.text = self.faults.rewrite_links(module, page.text)
        article = page.article
        if article is not None and article.defect == "500-once":
            key = (domain, path + "?" + query)
            with self._lock:
                first_time = key not in self._failed_once
                if consume:  # a HEAD probe must not use up the one failure a GET should see
                    self._failed_once.add(key)
            if first_time:
                return 500, {"Content-Type": "text/html; charset=utf-8"}, ERROR_500.encode()
        return page.status, *_encode(page)


def _declared_charset(article) -> str:
    return "windows-1258" if article.defect == "cp1258" else "utf-8"


def _encode(page: Page) -> tuple[dict[str, str], bytes]:
    """Apply the article's text defect and encode the page."""
    defect = page.article.defect if page.article is not None else None
    text = page.text
    if defect == "truncated" and CUT_MARK in text:
        # End exactly at the closing tag of body paragraph 3, as a dropped connection would.
        text = text[:text.index(CUT_MARK)].rstrip()
    text = text.replace(CUT_MARK, "")
    if defect == "cp1258":
        return {"Content-Type": f"{page.content_type}; charset=windows-1258"}, encode_cp1258(text)
    if defect == "nfd":
        text = to_nfd(text)
    return {"Content-Type": f"{page.content_type}; charset=utf-8"}, text.encode("utf-8")


def _handler_for(replica: ReplicaServer) -> type[BaseHTTPRequestHandler]:
    class ReplicaHandler(BaseHTTPRequestHandler):
        server_version = "nginx"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def _send(self, with_body: bool) -> None:
            status, headers, body = replica.respond(self.path, self.headers.get("Host"), self.command)
            if body is RESET:
                self._reset()
                return
            chunked = not isinstance(body, bytes) and "Content-Length" not in headers
            if chunked:
                headers["Transfer-Encoding"] = "chunked"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not with_body:
                return
            try:
                if isinstance(body, bytes):
                    self.wfile.write(body)
                    return
                for chunk in body:
                    if chunk:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except OSError:  # the client gave up (timeout, size limit) or the server is stopping
                self.close_connection = True

        def _reset(self) -> None:
            # SO_LINGER 0: close() sends RST instead of FIN, like a crashed upstream or a firewall.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def handle(self) -> None:
            try:
                super().handle()
            except OSError:  # the client reset a kept-alive connection (it gave up on a fault)
                pass

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._send(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._send(False)

        def log_message(self, format, *args) -> None:  # keep test output quiet
            pass

    return ReplicaHandler
