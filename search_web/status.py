"""The crawl status page: the last runs and the last nightly report, as ``unionnews status`` shows them."""
from __future__ import annotations

from flask import jsonify, render_template

from search_web.blueprint import bp
from search_web.data import get_store

RUNS_SHOWN = 30


def status_data() -> dict:
    store = get_store()
    runs = [run for run in store.runs(limit=RUNS_SHOWN * 3) if run["kind"] != "report"][:RUNS_SHOWN]
    reports = store.runs(limit=1, kind="report")
    return {"runs": runs, "last_report": reports[0] if reports else None}


@bp.route("/status")
def status():
    return render_template("status.html", **status_data())


@bp.route("/api/status")
def api_status():
    return jsonify(status_data())
