"""``python -m unionnews.replica [--port N] [--step N] [--content DIR]``: serve the replicas
in the foreground (for ``make demo`` and for looking at the pages in a browser)."""
from __future__ import annotations

import argparse
import time

from .server import ReplicaServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unionnews.replica", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--step", type=int, default=0, help="publish step: articles with publish_step <= N are online")
    parser.add_argument("--content", default=None, help="content directory (default: the package's)")
    args = parser.parse_args(argv)
    server = ReplicaServer(port=args.port, content_dir=args.content, step=args.step).start()
    print(server.url, flush=True)
    for slug, module in server.sites.items():
        print(f"  {slug:<18} {server.url}/{module.domain}/", flush=True)
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
