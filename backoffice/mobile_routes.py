"""The tenants' phone pages at /m/ (static files in mobile_web/), under the console's strict
Content-Security-Policy. They use the console's vendored libraries and its small modules
(served from /console/, not copied) and the one message catalogue, generated from the .po.

Only HTML, JS, CSS and the catalogue are served here, to anyone: every piece of data the pages
show comes from /api/v1/tenant with the tenant's own session cookie.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, jsonify, send_from_directory

from backoffice.auth.permissions import public
from backoffice.console_routes import LANGUAGES, catalogue, compress, content_security_policy

ROOT = Path(__file__).resolve().parent.parent / "mobile_web"

bp = Blueprint("mobile", __name__, url_prefix="/m")


@bp.after_request
def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(ROOT / "index.html")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-cache"
    return compress(response)


@bp.get("/")
@public
def index():
    """The tenant pages' single page (the hash part of the URL picks the screen)."""
    return send_from_directory(ROOT, "index.html")


@bp.get("/messages/<language>.json")
@public
def messages(language: str):
    """The message catalogue for one language (the console's, from the same .po file)."""
    if language not in LANGUAGES:
        abort(404)
    return jsonify(catalogue(language))


@bp.get("/<path:filename>")
@public
def static_file(filename: str):
    """The tenant pages' scripts and styles."""
    return send_from_directory(ROOT, filename)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
