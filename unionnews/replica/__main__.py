"""``python -m unionnews.replica [--port N] [--step N] [--content DIR] [--faults SPEC ...]``: serve
the replicas in the foreground (for ``make demo``, for looking at the pages in a browser, and
for crawling a misbehaving web: ``--faults laodongthudo=status_429:fraction=0.3,session_ids``;
``--list-faults`` shows every fault and its parameters)."""
from __future__ import annotations

import argparse
import time

from .faults import FAULTS, URL_DEFAULTS, parse_fault_spec
from .server import ReplicaServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unionnews.replica", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--step", type=int, default=0, help="publish step: articles with publish_step <= N are online")
    parser.add_argument("--content", default=None, help="content directory (default: the package's)")
    parser.add_argument("--faults", action="append", default=[], metavar="SLUG=FAULT[:k=v...][,FAULT...]",
                        help="switch faults on for a site (repeatable; SLUG 'all' = every site)")
    parser.add_argument("--list-faults", action="store_true", help="list the faults and their parameters, then exit")
    args = parser.parse_args(argv)
    if args.list_faults:
        for name, fault in FAULTS.items():
            params = {**(URL_DEFAULTS if fault.scope == "url" else {}), **fault.defaults}
            print(f"{name:<17} {fault.scope:<5} {fault.summary}  {params}")
        return 0
    try:
        specs = [parse_fault_spec(spec) for spec in args.faults]
    except ValueError as error:
        parser.error(str(error))
    server = ReplicaServer(port=args.port, content_dir=args.content, step=args.step)
    for slug, faults in specs:
        for site in (server.sites if slug == "all" else [slug]):
            if site not in server.sites:
                parser.error(f"unknown site {site!r}; known: {', '.join(server.sites)}")
            server.set_faults(site, {**server.faults.active(site), **faults})
    server.start()
    print(server.url, flush=True)
    for slug, module in server.sites.items():
        print(f"  {slug:<18} {server.url}/{module.domain}/", flush=True)
        for name, url in server.fault_urls(slug).items():
            print(f"    {name:<16} {url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
