"""Local replicas of the real union-news sites, served over HTTP on 127.0.0.1.

``ReplicaServer`` serves the pages; ``truth.expected_records`` says what a correct crawl of
them stores. Content lives in ``content/<slug>.json``; markup in ``sites/`` + ``templates/``.
"""

from .server import ReplicaServer

__all__ = ["ReplicaServer"]
