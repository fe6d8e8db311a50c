"""The query guide (``/help``): the search contract of README, "Searching Vietnamese", in Vietnamese."""
from __future__ import annotations

from flask import render_template

from search_web.blueprint import bp


@bp.get("/help")
def help_page():
    return render_template("help.html")
