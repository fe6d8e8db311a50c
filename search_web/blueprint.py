"""The app's one blueprint; the route modules below attach their views to it on import."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

# Imported for their side effect (route registration); after `bp` exists, so they can import it.
from search_web import api, downloads, help, status, views  # noqa: E402,F401
