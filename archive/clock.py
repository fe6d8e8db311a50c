"""Timestamps as the store writes them."""
from datetime import datetime, timezone


def utc_now() -> str:
    """Current time as ISO 8601 UTC with a ``Z``, second precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
