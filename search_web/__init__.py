"""The unionnews search web app: a Flask application factory (``create_app``).

Researchers search the archive, filter by site, province and dates, see attention over time,
read articles and download result sets; ``/api/*`` offers the same as JSON. The app only
reads: the store through a read-only SQLite connection, the index through ``indexer.search``.

    from search_web import create_app
    app = create_app({"UNIONNEWS_HOME": "/data/union"})

``unionnews serve`` runs it under gunicorn (one process per core) or waitress; the Flask
debug server is never used. ``SEARCH_CACHE_SECONDS`` (default 5; 0 turns it off) is how long
an identical search is answered from the per-process cache (``search_web.cache``).
"""
from __future__ import annotations

import logging

from flask import Flask, render_template, request

from search_web.blueprint import bp
from search_web.cache import DEFAULT_ENTRIES, DEFAULT_SECONDS, SearchCache
from search_web.data import MissingData, close_store
from search_web.charts import svg as chart_svg
from search_web.charts import table_rows as chart_rows
from search_web.formatting import register_filters
from search_web.params import ParamError
from archive.home import Home

log = logging.getLogger("unionnews.web")

# Article HTML is untrusted and was already reduced to text, but every page still forbids
# inline scripts and styles, framing and foreign origins, as a second line of defence.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def wants_json() -> bool:
    """API and download routes answer errors as JSON; pages answer with HTML."""
    return request.path.startswith("/api/") or request.path.endswith((".csv", ".jsonl"))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app for ``test_config["UNIONNEWS_HOME"]`` or else ``$UNIONNEWS_HOME``."""
    app = Flask(__name__)
    app.config.from_mapping(
        UNIONNEWS_HOME=str(Home.resolve().root),
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=64 * 1024,  # the app takes no uploads
        SEARCH_CACHE_SECONDS=DEFAULT_SECONDS,
        SEARCH_CACHE_ENTRIES=DEFAULT_ENTRIES,
    )
    if test_config:
        app.config.update(test_config)
    app.config["UNIONNEWS_HOME"] = str(Home.resolve(app.config["UNIONNEWS_HOME"]).root)
    app.json.ensure_ascii = False  # Vietnamese stays readable in API answers
    app.extensions["unionnews.search_cache"] = SearchCache(
        float(app.config["SEARCH_CACHE_SECONDS"]), int(app.config["SEARCH_CACHE_ENTRIES"]))

    register_filters(app)
    app.jinja_env.filters.update(chart_svg=chart_svg, chart_rows=chart_rows)
    app.register_blueprint(bp)
    app.teardown_appcontext(close_store)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(ParamError)
    def bad_parameter(error: ParamError):
        if wants_json():
            return {"error": error.message_en}, 400
        return render_template("error.html", title="Yêu cầu không hợp lệ", message=error.message_vi), 400

    @app.errorhandler(MissingData)
    def missing_data(error: MissingData):
        if wants_json():
            hint = "run `unionnews crawl`" if error.what == "store" else "run `unionnews index`"
            return {"error": f"no {error.what} in this home yet; {hint}" + (f" ({error.detail})" if error.detail else "")}, 503
        return render_template("missing.html", what=error.what, detail=error.detail,
                               home=app.config["UNIONNEWS_HOME"]), 503

    @app.errorhandler(404)
    def not_found(_error):
        if wants_json():
            return {"error": "not found"}, 404
        return render_template("error.html", title="Không tìm thấy",
                               message="Trang hoặc bài viết này không có trong kho lưu trữ."), 404

    @app.errorhandler(405)
    def method_not_allowed(_error):
        if wants_json():
            return {"error": "method not allowed"}, 405
        return render_template("error.html", title="Không hỗ trợ",
                               message="Trang này chỉ đọc (GET)."), 405

    @app.errorhandler(500)
    def internal_error(error):
        log.error("unexpected error on %s: %s", request.path, getattr(error, "original_exception", error))
        if wants_json():
            return {"error": "internal error"}, 500
        return render_template("error.html", title="Lỗi hệ thống",
                               message="Đã có lỗi ngoài dự kiến; vui lòng thử lại."), 500

    return app
